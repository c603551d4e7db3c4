import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ConversationDetail, ErrorBody, Me, MediaInfo, MediaLinks, Message } from '@jiaozi/protocol';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../kernel/clock.js';
import { newId } from '../kernel/ids.js';
import { mediaLinkTtlSecondsDefault, photoBytesMax, recallWindowSeconds } from '../kernel/limits.js';
import { outboxFor } from '../platform/outbox/outbox.js';
import { type Client, createTestApp, nextIp, signupClient, type TestApp } from '../test/app.js';
import { befriend, expectError, ok } from '../test/http.js';
import {
  cameraJpeg,
  jpegMarkers,
  type MultipartBody,
  makeSpeech,
  multipart,
  pngBomb,
  pngChunk,
  pngOf,
  type Speech,
  zipOf,
} from '../test/media-fixtures.js';

let t: TestApp;
let speech: Speech;
const clock = new ManualClock('2026-11-25T08:00:00.000Z');
const mediaDir = join(process.env.TMPDIR ?? '/tmp', `jiaozi-media-test-${process.pid}-${Date.now()}`);

beforeAll(async () => {
  t = await createTestApp({ clock, config: { mediaDir } });
  speech = makeSpeech();
});

afterAll(async () => {
  await t?.shutdown();
});

// ── Helpers ──────────────────────────────────────────────────────────────────

function upload(c: Client, url: string, body: MultipartBody, method: 'POST' | 'PUT' = 'POST') {
  return t.app.inject({
    method,
    url,
    payload: body.payload,
    headers: { ...body.headers, authorization: `Bearer ${c.token}` },
    remoteAddress: nextIp(),
  });
}

function uploadPhoto(c: Client, bytes: Uint8Array, filename = 'photo.jpg') {
  return upload(c, '/v1/media/photos', multipart(bytes, { filename, contentType: 'image/jpeg' }));
}

function uploadVoice(c: Client, bytes: Uint8Array, waveform = '0,10,200,255,40') {
  return upload(c, '/v1/media/voice', multipart(bytes, { filename: 'voice.webm', fields: { waveform } }));
}

/** Fetches a signed link without any session, as an <img> or <audio> element does. */
function fetchLink(url: string, headers: Record<string, string> = {}) {
  return t.app.inject({ method: 'GET', url, headers, remoteAddress: nextIp() });
}

async function pair(): Promise<[Client, Client]> {
  const a = await signupClient(t.app);
  const b = await signupClient(t.app);
  await befriend(a, b);
  return [a, b];
}

/** Every file the media store and the upload directory hold. */
function storedFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else out.push(path);
    }
  };
  walk(mediaDir);
  return out;
}

async function mediaRows(userId: string): Promise<number> {
  const rows = await t.database.db.selectFrom('media').select('id').where('owner_id', '=', userId).execute();
  return rows.length;
}

async function sendPhotos(a: Client, to: Client, ids: string[]): Promise<Message> {
  return ok<Message>(
    await a.request('POST', `/v1/users/${to.userId}/media`, { id: newId(), photos: ids }),
    201,
  );
}

// ── Photos ───────────────────────────────────────────────────────────────────

describe('photos', () => {
  it('comes back re-encoded with no EXIF, GPS or other metadata at all, orientation applied', async () => {
    const [alice, bob] = await pair();
    const original = await cameraJpeg(200, 100);
    // The fixture really carries what must go: EXIF with a GPS position and an orientation.
    const before = await sharp(original).metadata();
    expect(before.orientation).toBe(6);
    expect(jpegMarkers(original)).toContain(0xe1);
    expect(original.includes(Buffer.from('JiaoziCam'))).toBe(true);

    const info = ok<MediaInfo>(await uploadPhoto(alice, original), 201);
    expect(info).toMatchObject({
      kind: 'photo',
      contentType: 'image/jpeg',
      width: 100,
      height: 200,
      frames: 1,
    });
    expect(info.placeholder).toMatch(/^[A-Za-z0-9+/]+=*$/);
    const message = await sendPhotos(alice, bob, [info.id]);
    expect(message.kind).toBe('photo');
    expect(message.payload).toEqual({
      photos: [{ mediaId: info.id, width: 100, height: 200, placeholder: info.placeholder, animated: false }],
    });

    const links = ok<MediaLinks>(await bob.request('GET', `/v1/media/${info.id}`));
    const file = await fetchLink(links.url);
    expect(file.statusCode).toBe(200);
    expect(file.headers['content-type']).toBe('image/jpeg');
    const bytes = file.rawPayload;
    expect(bytes.length).toBe(info.byteSize);
    // Read the bytes: SOI, then no APP1 (EXIF/XMP), APP2 (ICC), APP13 (IPTC) or comment.
    expect([bytes[0], bytes[1]]).toEqual([0xff, 0xd8]);
    const markers = jpegMarkers(bytes);
    for (const marker of [0xe1, 0xe2, 0xed, 0xfe]) expect(markers).not.toContain(marker);
    for (const text of [
      'Exif',
      'JiaoziCam',
      'Field Unit',
      'Alice Example',
      'http://ns.adobe.com',
      'ICC_PROFILE',
    ]) {
      expect(bytes.includes(Buffer.from(text)), text).toBe(false);
    }
    const after = await sharp(bytes).metadata();
    expect(after).toMatchObject({ width: 100, height: 200 });
    expect(after.exif).toBeUndefined();
    expect(after.icc).toBeUndefined();
    expect(after.xmp).toBeUndefined();
    expect(after.orientation).toBeUndefined();

    const thumb = await fetchLink(links.thumbUrl as string);
    expect(thumb.statusCode).toBe(200);
    expect(thumb.headers['content-type']).toBe('image/webp');
    expect(await sharp(thumb.rawPayload).metadata()).toMatchObject({
      width: 100,
      height: 200,
      format: 'webp',
    });
  });

  it('keeps transparency as WebP, and animations animated', async () => {
    const [alice] = await pair();
    const transparent = ok<MediaInfo>(await uploadPhoto(alice, await pngOf(40, 30, true), 'a.png'), 201);
    expect(transparent).toMatchObject({ contentType: 'image/webp', width: 40, height: 30, frames: 1 });
    const frames = await Promise.all(
      [0, 1, 2].map((i) =>
        sharp({ create: { width: 24, height: 16, channels: 3, background: { r: i * 100, g: 0, b: 0 } } })
          .png()
          .toBuffer(),
      ),
    );
    const animatedGif = await sharp(frames, { join: { animated: true } })
      .gif({ delay: [100, 100, 100] })
      .toBuffer();
    const info = ok<MediaInfo>(await uploadPhoto(alice, animatedGif, 'a.gif'), 201);
    expect(info).toMatchObject({ contentType: 'image/webp', width: 24, height: 16, frames: 3 });
  });

  it('sends an album of several photos in one message, each photo once', async () => {
    const [alice, bob] = await pair();
    const one = ok<MediaInfo>(await uploadPhoto(alice, await pngOf(64, 48)), 201);
    const two = ok<MediaInfo>(await uploadPhoto(alice, await cameraJpeg(30, 20)), 201);
    const message = await sendPhotos(alice, bob, [one.id, two.id]);
    expect((message.payload as { photos: { mediaId: string }[] }).photos.map((p) => p.mediaId)).toEqual([
      one.id,
      two.id,
    ]);
    // Again under the same client id: the original answers.
    const again = await alice.request('POST', `/v1/users/${bob.userId}/media`, {
      id: message.id,
      photos: [one.id, two.id],
    });
    expect(again.statusCode).toBe(200);
    expect((again.json() as Message).seq).toBe(message.seq);
    // The same photo in another message is refused, and so is someone else's upload.
    expectError(
      await alice.request('POST', `/v1/users/${bob.userId}/media`, { id: newId(), photos: [one.id] }),
      400,
      'invalid_request',
    );
    expectError(
      await bob.request('POST', `/v1/users/${alice.userId}/media`, { id: newId(), photos: [two.id] }),
      400,
      'invalid_request',
    );
  });

  it('refuses wrong types, truncated files and oversized uploads, storing nothing', async () => {
    const [alice] = await pair();
    const filesBefore = storedFiles().length;
    // A name and a header that lie: the bytes are text.
    expectError(
      await uploadPhoto(alice, Buffer.from('just some text, honestly'), 'cat.jpg'),
      400,
      'media_type_unsupported',
    );
    // A voice clip is not a photo.
    expectError(await uploadPhoto(alice, speech.webm, 'x.jpg'), 400, 'media_type_unsupported');
    const jpeg = await cameraJpeg(120, 80);
    expectError(await uploadPhoto(alice, jpeg.subarray(0, jpeg.length - 200)), 400, 'media_truncated');
    const png = await pngOf(50, 50);
    expectError(await uploadPhoto(alice, png.subarray(0, png.length - 20), 'a.png'), 400, 'media_truncated');
    const big = Buffer.concat([png, Buffer.alloc(photoBytesMax)]);
    const res = await uploadPhoto(alice, big, 'big.png');
    expectError(res, 413, 'media_too_large');
    expect((res.json() as ErrorBody).error.details).toEqual({ maxBytes: photoBytesMax });
    // Not multipart at all.
    expectError(
      await t.app.inject({
        method: 'POST',
        url: '/v1/media/photos',
        payload: png,
        headers: { 'content-type': 'image/png', authorization: `Bearer ${alice.token}` },
      }),
      415,
      'unsupported_media_type',
    );
    expect(await mediaRows(alice.userId)).toBe(0);
    expect(storedFiles().length).toBe(filesBefore);
  });

  it('refuses a 30,000 × 30,000 PNG bomb from its header, with memory staying bounded', async () => {
    const [alice] = await pair();
    const bomb = await pngBomb(30_000);
    expect(bomb.length).toBeLessThan(2 * 1024 * 1024);
    const filesBefore = storedFiles().length;
    const rssBefore = process.memoryUsage().rss;
    let rssPeak = rssBefore;
    const sampler = setInterval(() => {
      rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
    }, 5);
    const res = await uploadPhoto(alice, bomb, 'bomb.png');
    clearInterval(sampler);
    rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
    expectError(res, 400, 'media_too_many_pixels');
    expect((res.json() as ErrorBody).error.details).toMatchObject({ width: 30_000, height: 30_000 });
    // Decoding it would take 900 MB; refusing it takes a few copies of the upload at most.
    expect(rssPeak - rssBefore).toBeLessThan(64 * 1024 * 1024);
    expect(await mediaRows(alice.userId)).toBe(0);
    expect(storedFiles().length).toBe(filesBefore);
  });

  it('refuses polyglot files: a ZIP appended to a PNG or JPEG, a script hidden in a chunk', async () => {
    const [alice] = await pair();
    const png = await pngOf(32, 32);
    const zip = zipOf('payload.html', '<b>hello</b>');
    expectError(await uploadPhoto(alice, Buffer.concat([png, zip]), 'a.png'), 400, 'media_polyglot');
    const jpeg = await cameraJpeg(32, 32);
    expectError(await uploadPhoto(alice, Buffer.concat([jpeg, zip])), 400, 'media_polyglot');
    // A script inside a text chunk, the IEND still last.
    const iend = png.length - 12;
    const withScript = Buffer.concat([
      png.subarray(0, iend),
      pngChunk('tEXt', Buffer.from('Comment\0<script>alert(1)</script>')),
      png.subarray(iend),
    ]);
    expectError(await uploadPhoto(alice, withScript, 'a.png'), 400, 'media_polyglot');
    // Trailing zero padding is not a polyglot.
    ok(await uploadPhoto(alice, Buffer.concat([png, Buffer.alloc(16)]), 'a.png'), 201);
    expect(await mediaRows(alice.userId)).toBe(1);
  });
});

// ── Voice ────────────────────────────────────────────────────────────────────

describe('voice messages', () => {
  it('measures Opus in WebM and Ogg from the audio itself', async () => {
    const [alice] = await pair();
    const webm = ok<MediaInfo>(await uploadVoice(alice, speech.webm), 201);
    expect(webm).toMatchObject({ kind: 'voice', contentType: 'audio/webm', waveform: [0, 10, 200, 255, 40] });
    expect(Math.abs((webm.durationMs as number) - speech.durationMs)).toBeLessThanOrEqual(30);
    const ogg = ok<MediaInfo>(await uploadVoice(alice, speech.ogg), 201);
    expect(ogg.contentType).toBe('audio/ogg');
    expect(Math.abs((ogg.durationMs as number) - speech.durationMs)).toBeLessThanOrEqual(30);
  });

  it('refuses a clip over 60 s, a codec other than Opus, a truncated file, a bad waveform', async () => {
    const [alice] = await pair();
    const filesBefore = storedFiles().length;
    const long = await uploadVoice(alice, speech.longOgg);
    expectError(long, 400, 'voice_too_long');
    expect((long.json() as ErrorBody).error.details).toMatchObject({ durationMs: 62_000, maxSeconds: 60 });
    expectError(await uploadVoice(alice, speech.vorbisWebm), 400, 'voice_not_opus');
    expectError(
      await uploadVoice(alice, speech.ogg.subarray(0, speech.ogg.length - 50)),
      400,
      'media_truncated',
    );
    expectError(
      await uploadVoice(alice, speech.webm.subarray(0, speech.webm.length - 50)),
      400,
      'media_truncated',
    );
    expectError(await uploadVoice(alice, await pngOf(8, 8)), 400, 'media_type_unsupported');
    expectError(await uploadVoice(alice, Buffer.alloc(3 * 1024 * 1024, 1)), 413, 'media_too_large');
    for (const waveform of ['', '1,2,256', 'a,b', Array.from({ length: 101 }, () => '1').join(',')]) {
      expectError(await uploadVoice(alice, speech.webm, waveform), 400, 'invalid_request');
    }
    expect(await mediaRows(alice.userId)).toBe(0);
    expect(storedFiles().length).toBe(filesBefore);
  });

  it('plays with HTTP Range, and marks it played per listener', async () => {
    const [alice, bob] = await pair();
    const info = ok<MediaInfo>(await uploadVoice(alice, speech.webm), 201);
    const message = ok<Message>(
      await alice.request('POST', `/v1/users/${bob.userId}/media`, { id: newId(), voice: info.id }),
      201,
    );
    expect(message).toMatchObject({
      kind: 'voice',
      payload: { voice: { mediaId: info.id, durationMs: info.durationMs, waveform: [0, 10, 200, 255, 40] } },
    });
    const links = ok<MediaLinks>(await bob.request('GET', `/v1/media/${info.id}`));
    expect(links.played).toBe(false);
    expect(links.thumbUrl).toBeNull();
    expect(ok<MediaLinks>(await alice.request('GET', `/v1/media/${info.id}`)).played).toBe(true);

    const whole = await fetchLink(links.url);
    expect(whole.statusCode).toBe(200);
    expect(whole.headers['accept-ranges']).toBe('bytes');
    expect(whole.rawPayload.equals(speech.webm)).toBe(true);
    const part = await fetchLink(links.url, { range: 'bytes=100-199' });
    expect(part.statusCode).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes 100-199/${speech.webm.length}`);
    expect(part.rawPayload.equals(speech.webm.subarray(100, 200))).toBe(true);
    const tail = await fetchLink(links.url, { range: 'bytes=-10' });
    expect(tail.rawPayload.equals(speech.webm.subarray(speech.webm.length - 10))).toBe(true);
    expectError(
      await fetchLink(links.url, { range: `bytes=${speech.webm.length}-` }),
      416,
      'range_not_satisfiable',
    );

    const before = await outboxFor(t.database.db, alice.userId);
    ok(await bob.request('POST', `/v1/media/${info.id}/played`), 204);
    ok(await bob.request('POST', `/v1/media/${info.id}/played`), 204);
    expect(ok<MediaLinks>(await bob.request('GET', `/v1/media/${info.id}`)).played).toBe(true);
    const after = await outboxFor(t.database.db, alice.userId);
    const played = after.slice(before.length).filter((u) => u.topic === 'media.played');
    expect(played.map((u) => u.payload)).toEqual([
      { conversationId: message.conversationId, messageId: message.id, mediaId: info.id, userId: bob.userId },
    ]);
    const bobs = await outboxFor(t.database.db, bob.userId);
    expect(bobs.filter((u) => u.topic === 'media.played')).toHaveLength(1);
  });
});

// ── Access ───────────────────────────────────────────────────────────────────

describe('access', () => {
  it('is 404 to a non-member with a valid session, to a forged or expired link, and after a recall', async () => {
    const [alice, bob] = await pair();
    const carol = await signupClient(t.app);
    const info = ok<MediaInfo>(await uploadPhoto(alice, await cameraJpeg(40, 40)), 201);
    // Not sent yet: only the uploader reads it.
    expectError(await bob.request('GET', `/v1/media/${info.id}`), 404, 'not_found');
    const message = await sendPhotos(alice, bob, [info.id]);
    const links = ok<MediaLinks>(await bob.request('GET', `/v1/media/${info.id}`));
    expect(Date.parse(links.expiresAt) - clock.now().getTime()).toBe(mediaLinkTtlSecondsDefault * 1000);

    // Carol has a valid session but is no member: the same answer as for no such media.
    expectError(await carol.request('GET', `/v1/media/${info.id}`), 404, 'not_found');
    expectError(await carol.request('GET', `/v1/media/${newId()}`), 404, 'not_found');
    expectError(await carol.request('POST', `/v1/media/${info.id}/played`), 404, 'not_found');
    // Bob's link made out to Carol, or with a changed expiry, does not verify.
    expectError(await fetchLink(links.url.replace(bob.userId, carol.userId)), 404, 'not_found');
    const expires = /e=(\d+)/.exec(links.url)?.[1] as string;
    expectError(
      await fetchLink(links.url.replace(`e=${expires}`, `e=${Number(expires) + 3600}`)),
      404,
      'not_found',
    );
    expect((await fetchLink(links.url)).statusCode).toBe(200);

    // The link expires.
    clock.advance((mediaLinkTtlSecondsDefault + 1) * 1000);
    expectError(await fetchLink(links.url), 404, 'not_found');
    expectError(await fetchLink(links.thumbUrl as string), 404, 'not_found');

    // A fresh link works until the message is recalled; then nobody is served.
    const fresh = ok<MediaLinks>(await bob.request('GET', `/v1/media/${info.id}`));
    expect((await fetchLink(fresh.url)).statusCode).toBe(200);
    clock.advance(-(mediaLinkTtlSecondsDefault + 1) * 1000);
    ok(
      await alice.request(
        'POST',
        `/v1/conversations/${message.conversationId}/messages/${message.id}/recall`,
      ),
    );
    clock.advance((mediaLinkTtlSecondsDefault + 1) * 1000);
    expect(recallWindowSeconds).toBeLessThan(mediaLinkTtlSecondsDefault * 2);
    expectError(await fetchLink(fresh.url), 404, 'not_found');
    expectError(await bob.request('GET', `/v1/media/${info.id}`), 404, 'not_found');
    expectError(await alice.request('GET', `/v1/media/${info.id}`), 404, 'not_found');
  });

  it('keeps a group member who joined later from media sent before', async () => {
    const [alice, bob] = await pair();
    const dave = await signupClient(t.app);
    await befriend(alice, dave);
    const group = ok<ConversationDetail>(
      await alice.request('POST', '/v1/conversations/groups', { name: 'Trip', memberIds: [bob.userId] }),
      201,
    );
    const info = ok<MediaInfo>(await uploadPhoto(alice, await pngOf(20, 20)), 201);
    ok(
      await alice.request('POST', `/v1/conversations/${group.id}/media`, { id: newId(), photos: [info.id] }),
      201,
    );
    expect(ok<MediaLinks>(await bob.request('GET', `/v1/media/${info.id}`)).id).toBe(info.id);
    ok(await alice.request('POST', `/v1/conversations/${group.id}/members`, { userIds: [dave.userId] }));
    expectError(await dave.request('GET', `/v1/media/${info.id}`), 404, 'not_found');
  });
});

// ── Avatars ──────────────────────────────────────────────────────────────────

describe('avatars', () => {
  it('crops a user avatar square in every size and shows it on the profile', async () => {
    const [alice, bob] = await pair();
    const res = await upload(alice, '/v1/me/avatar', multipart(await cameraJpeg(300, 120)), 'PUT');
    const { avatarId } = ok<{ avatarId: string }>(res);
    expect(ok<Me>(await alice.request('GET', '/v1/me')).avatarId).toBe(avatarId);
    const contacts = ok<{ contacts: { user: { id: string; avatarId: string | null } }[] }>(
      await bob.request('GET', '/v1/contacts'),
    );
    expect(contacts.contacts.find((c) => c.user.id === alice.userId)?.user.avatarId).toBe(avatarId);
    for (const size of [64, 256]) {
      const image = await fetchLink(`/v1/avatars/${avatarId}/${size}`);
      expect(image.statusCode).toBe(200);
      const meta = await sharp(image.rawPayload).metadata();
      expect(meta).toMatchObject({ width: size, height: size, format: 'webp' });
      expect(meta.exif).toBeUndefined();
    }
    expectError(await fetchLink(`/v1/avatars/${avatarId}/100`), 404, 'not_found');
    ok(await alice.request('DELETE', '/v1/me/avatar'), 204);
    expect(ok<Me>(await alice.request('GET', '/v1/me')).avatarId).toBeNull();
  });

  it('lets a group owner set the group avatar; a member may not, an outsider learns nothing', async () => {
    const [alice, bob] = await pair();
    const carol = await signupClient(t.app);
    const group = ok<ConversationDetail>(
      await alice.request('POST', '/v1/conversations/groups', { name: 'Avatars', memberIds: [bob.userId] }),
      201,
    );
    const image = multipart(await pngOf(80, 60));
    const detail = ok<ConversationDetail>(
      await upload(alice, `/v1/conversations/${group.id}/avatar`, image, 'PUT'),
    );
    expect(detail.avatarId).toMatch(/^[0-9a-f-]{36}$/);
    const rows = await mediaRows(bob.userId);
    expectError(await upload(bob, `/v1/conversations/${group.id}/avatar`, image, 'PUT'), 403, 'forbidden');
    expect(await mediaRows(bob.userId)).toBe(rows);
    expectError(await upload(carol, `/v1/conversations/${group.id}/avatar`, image, 'PUT'), 404, 'not_found');
    expect(await mediaRows(carol.userId)).toBe(0);
    const seen = ok<ConversationDetail>(await bob.request('GET', `/v1/conversations/${group.id}`));
    expect(seen.avatarId).toBe(detail.avatarId);
  });
});

// ── Housekeeping ─────────────────────────────────────────────────────────────

describe('sweeping', () => {
  it('deletes unsent uploads after a day, recalled media and replaced avatars, rows and files', async () => {
    const [alice, bob] = await pair();
    const unsent = ok<MediaInfo>(await uploadPhoto(alice, await pngOf(10, 10)), 201);
    const recalled = ok<MediaInfo>(await uploadVoice(alice, speech.ogg), 201);
    const kept = ok<MediaInfo>(await uploadPhoto(alice, await pngOf(12, 12)), 201);
    const voice = ok<Message>(
      await alice.request('POST', `/v1/users/${bob.userId}/media`, { id: newId(), voice: recalled.id }),
      201,
    );
    await sendPhotos(alice, bob, [kept.id]);
    ok(await alice.request('POST', `/v1/conversations/${voice.conversationId}/messages/${voice.id}/recall`));
    const first = ok<{ avatarId: string }>(
      await upload(alice, '/v1/me/avatar', multipart(await pngOf(30, 30)), 'PUT'),
    ).avatarId;
    const second = ok<{ avatarId: string }>(
      await upload(alice, '/v1/me/avatar', multipart(await pngOf(40, 40)), 'PUT'),
    ).avatarId;
    const filesOf = (id: string) => storedFiles().filter((path) => path.includes(id));
    expect(filesOf(unsent.id)).toHaveLength(2);
    expect(filesOf(recalled.id)).toHaveLength(1);

    // Right away only the recalled message's media goes.
    await t.services.media.sweep();
    const exists = async (id: string) =>
      (await t.database.db.selectFrom('media').select('id').where('id', '=', id).executeTakeFirst()) !==
      undefined;
    expect(await exists(recalled.id)).toBe(false);
    expect(filesOf(recalled.id)).toHaveLength(0);
    expect(await exists(unsent.id)).toBe(true);
    expect(await exists(first)).toBe(true);

    clock.advance((24 * 60 * 60 + 1) * 1000);
    await t.services.media.sweep();
    expect(await exists(unsent.id)).toBe(false);
    expect(filesOf(unsent.id)).toHaveLength(0);
    expect(await exists(first)).toBe(false);
    expect(filesOf(first)).toHaveLength(0);
    // What is still sent, and the avatar in use, stay.
    expect(await exists(kept.id)).toBe(true);
    expect(await exists(second)).toBe(true);
    const links = ok<MediaLinks>(await bob.request('GET', `/v1/media/${kept.id}`));
    expect((await fetchLink(links.url)).statusCode).toBe(200);
    expect((await fetchLink(`/v1/avatars/${second}/64`)).statusCode).toBe(200);
  });
});
