import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MediaLinks, Message } from '@jiaozi/protocol';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DEMO_PASSWORD, seedDemo } from '../packages/server/src/admin/demo.js';
import { createTestApp, nextIp, type TestApp } from '../packages/server/src/test/app.js';
import { makeSpeech, type Speech } from '../packages/server/src/test/media-fixtures.js';
import { uuidv7 } from '../packages/web/src/wallet/ids.js';
import { artifactPath, closeAll, launchChromium, logInAsDemo, serveForBrowser } from './browser.js';

/**
 * Photos and voice in the browser: alice picks two photos and sends them as one album,
 * then holds the voice button while Chromium's fake microphone plays speech made by
 * espeak-ng; bob sees the thumbnails, opens the viewer and swipes to the second photo,
 * and plays the voice message, whose length is the one recorded.
 */
describe('photos and voice messages in the browser', () => {
  let t: TestApp;
  let browser: Browser;
  let baseUrl: string;
  let speech: Speech;
  const ids: Record<string, string> = {};
  const tokens: Record<string, string> = {};

  async function api<T>(username: string, method: 'GET' | 'POST', url: string, payload?: object): Promise<T> {
    const res = await t.app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${tokens[username]}` },
      remoteAddress: nextIp(),
      ...(payload ? { payload } : {}),
    });
    if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
    return res.json() as T;
  }

  async function logInApi(username: string): Promise<void> {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { login: username, password: DEMO_PASSWORD },
      remoteAddress: nextIp(),
    });
    const body = res.json() as { token: string; user: { id: string } };
    ids[username] = body.user.id;
    tokens[username] = body.token;
  }

  beforeAll(async () => {
    speech = makeSpeech('Hello Bob. This is Alice, speaking from the fake microphone. See you at dinner.');
    t = await createTestApp({ config: { webDistDir: inject('webDistDir') } });
    await seedDemo(t.services.identity);
    await logInApi('alice');
    await logInApi('bob');
    const request = await api<{ id: string }>('alice', 'POST', '/v1/friend-requests', {
      id: uuidv7(),
      to: { username: 'bob' },
    });
    await api('bob', 'POST', `/v1/friend-requests/${request.id}/accept`);
    baseUrl = await serveForBrowser(t);
    browser = await launchChromium([
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-audio-capture=${speech.wav}%noloop`,
      '--autoplay-policy=no-user-gesture-required',
    ]);
  });
  afterAll(() => closeAll(browser, t));

  async function logIn(username: string): Promise<Page> {
    const page = await logInAsDemo(browser, baseUrl, username);
    await page.getByTestId('chats-new').waitFor();
    return page;
  }

  it('sends an album and a recorded voice message that bob views and plays', async () => {
    // Two photos on alice's phone: a landscape and a portrait.
    const landscape = join(speech.dir, 'harbour.jpg');
    const portrait = join(speech.dir, 'dumplings.png');
    writeFileSync(
      landscape,
      await sharp({ create: { width: 1200, height: 800, channels: 3, background: '#2a7ab0' } })
        .jpeg()
        .toBuffer(),
    );
    writeFileSync(
      portrait,
      await sharp({ create: { width: 600, height: 900, channels: 3, background: '#e0a030' } })
        .png()
        .toBuffer(),
    );

    const alice = await logIn('alice');
    // Alice gives herself a photo; the server crops it square.
    await alice.goto(`${baseUrl}/me/profile`);
    await alice.getByTestId('profile-avatar-input').setInputFiles(portrait);
    const avatar = alice.getByTestId('profile-avatar').getByTestId('avatar');
    await expect
      .poll(() => avatar.getAttribute('data-avatar'), { timeout: 10_000 })
      .toMatch(/^[0-9a-f-]{36}$/);
    await alice.goto(`${baseUrl}/chats`);
    await alice.getByTestId('chats-new').waitFor();
    const bob = await logIn('bob');
    await alice.context().grantPermissions(['microphone']);

    await alice.getByTestId('chats-new').click();
    await alice.locator(`[data-testid="pick-contact"][data-user-id="${ids.bob}"]`).click();
    await alice.getByTestId('composer-input').waitFor();
    const conversationId = new URL(alice.url()).pathname.split('/')[2] ?? '';
    expect(conversationId).toMatch(/^[0-9a-f-]{36}$/);

    // The album: pick two photos, see their previews, send them with upload progress.
    await alice.getByTestId('photo-input').setInputFiles([landscape, portrait]);
    await expect.poll(() => alice.getByTestId('photo-preview').count()).toBe(2);
    await alice.screenshot({ path: artifactPath('media-alice-picker.png') });
    await alice.getByTestId('photo-send').click();
    const album = alice.locator('[data-testid="message"][data-mine="true"][data-kind="photo"]');
    await expect.poll(() => album.count(), { timeout: 15_000 }).toBe(1);
    expect(await alice.getByTestId('photo-picker').count()).toBe(0);
    await expect.poll(() => album.getByTestId('photo-thumb').count(), { timeout: 10_000 }).toBe(2);

    // The voice message: hold the button for ~5 s while the fake microphone speaks.
    const voiceButton = alice.getByTestId('composer-voice');
    const box = await voiceButton.boundingBox();
    if (!box) throw new Error('the voice button is not on screen');
    await alice.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await alice.mouse.down();
    await alice.getByTestId('voice-recording').waitFor();
    const heldFrom = Date.now();
    await alice.waitForTimeout(5_000);
    expect(await alice.getByTestId('voice-timer').textContent()).toMatch(/^0:0[4-5]$/);
    await alice.screenshot({ path: artifactPath('media-alice-recording.png') });
    await alice.mouse.up();
    const heldMs = Date.now() - heldFrom;
    const sentVoice = alice.locator('[data-testid="message"][data-mine="true"][data-kind="voice"]');
    await expect.poll(() => sentVoice.count(), { timeout: 15_000 }).toBe(1);

    // Slide to cancel: a second recording, dragged left before release, is not sent.
    await alice.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await alice.mouse.down();
    await alice.getByTestId('voice-recording').waitFor();
    await alice.waitForTimeout(1_200);
    await alice.mouse.move(box.x + box.width / 2 - 150, box.y + box.height / 2, { steps: 5 });
    await expect.poll(() => alice.getByTestId('voice-recording').getAttribute('class')).toContain('cancel');
    await alice.mouse.up();
    await alice.waitForTimeout(1_000);
    expect(await alice.locator('[data-testid="message"][data-kind="voice"]').count()).toBe(1);

    // The server measured the clip from its Opus packets: about as long as the hold.
    const page = await api<{ messages: Message[] }>(
      'bob',
      'GET',
      `/v1/conversations/${conversationId}/messages`,
    );
    const voiceMessage = page.messages.find((m) => m.kind === 'voice') as Message;
    const voice = (
      voiceMessage.payload as { voice: { mediaId: string; durationMs: number; waveform: number[] } }
    ).voice;
    expect(Math.abs(voice.durationMs - heldMs)).toBeLessThan(1_000);
    expect(voice.waveform.length).toBeGreaterThan(10);
    // Speech, then the silence after the fake microphone's file ends (noloop): loud and quiet parts.
    expect(Math.max(...voice.waveform)).toBe(255);
    expect(voice.waveform.filter((v) => v > 100).length).toBeGreaterThan(5);
    expect(voice.waveform.filter((v) => v < 20).length).toBeGreaterThan(2);
    const links = await api<MediaLinks>('bob', 'GET', `/v1/media/${voice.mediaId}`);
    expect(links).toMatchObject({ contentType: 'audio/webm', played: false });

    // Bob's list shows alice's photo as her avatar; he opens the chat: the album's thumbnails are there.
    const bobRow = bob.locator(`[data-testid="conversation-row"][data-id="${conversationId}"]`);
    await expect
      .poll(
        () => bobRow.locator('img.avatar-image').evaluate((img) => (img as HTMLImageElement).naturalWidth),
        {
          timeout: 10_000,
        },
      )
      .toBe(64);
    await bob.screenshot({ path: artifactPath('media-bob-list.png') });
    await bobRow.click();
    const bobAlbum = bob.locator('[data-testid="message"][data-kind="photo"]');
    await expect.poll(() => bobAlbum.getByTestId('photo-thumb').count(), { timeout: 10_000 }).toBe(2);
    await expect
      .poll(() =>
        bobAlbum
          .getByTestId('photo-thumb')
          .evaluateAll((imgs) => imgs.map((img) => (img as HTMLImageElement).naturalWidth > 0)),
      )
      .toEqual([true, true]);

    // The viewer: the first photo full size, zoom, a swipe to the second, close.
    await bobAlbum.getByTestId('album-photo').first().click();
    const viewer = bob.getByTestId('photo-viewer');
    await viewer.waitFor();
    const image = bob.getByTestId('viewer-image');
    await expect.poll(() => image.evaluate((img) => (img as HTMLImageElement).naturalWidth)).toBe(1200);
    expect(await bob.getByTestId('viewer-count').textContent()).toBe('1 / 2');
    await bob.getByTestId('viewer-zoom-in').click();
    expect(await viewer.getAttribute('data-zoom')).toBe('2');
    await bob.getByTestId('viewer-zoom-out').click();
    expect(await viewer.getAttribute('data-zoom')).toBe('1');
    const stage = await bob.getByTestId('viewer-stage').boundingBox();
    if (!stage) throw new Error('the viewer is not on screen');
    await bob.mouse.move(stage.x + stage.width * 0.8, stage.y + stage.height / 2);
    await bob.mouse.down();
    await bob.mouse.move(stage.x + stage.width * 0.2, stage.y + stage.height / 2, { steps: 6 });
    await bob.mouse.up();
    await expect.poll(() => bob.getByTestId('viewer-count').textContent()).toBe('2 / 2');
    await expect.poll(() => image.evaluate((img) => (img as HTMLImageElement).naturalHeight)).toBe(900);
    await bob.screenshot({ path: artifactPath('media-bob-viewer.png') });
    await bob.getByTestId('viewer-close').click();
    expect(await viewer.count()).toBe(0);

    // The voice message: unplayed, its length shown; bob plays it at double speed to the end.
    const bobVoice = bob.locator('[data-testid="message"][data-kind="voice"]').getByTestId('voice-message');
    await bob.getByTestId('voice-unplayed').waitFor();
    expect(await bobVoice.getAttribute('data-duration-ms')).toBe(String(voice.durationMs));
    const shown = Math.round(voice.durationMs / 1000);
    expect(await bobVoice.getByTestId('voice-duration').textContent()).toBe(
      `0:${String(shown).padStart(2, '0')}`,
    );
    await bob.screenshot({ path: artifactPath('media-bob-chat.png') });
    await bobVoice.getByTestId('voice-speed').click();
    await bobVoice.getByTestId('voice-speed').click();
    expect(await bobVoice.getByTestId('voice-speed').textContent()).toBe('2×');
    await bobVoice.getByTestId('voice-play').click();
    await expect
      .poll(() => bobVoice.getAttribute('data-state'), { timeout: 5_000, interval: 20 })
      .toBe('playing');
    const playingFrom = Date.now();
    await expect.poll(() => bob.getByTestId('voice-unplayed').count()).toBe(0);
    await expect
      .poll(() => bobVoice.getAttribute('data-state'), { timeout: 15_000, interval: 20 })
      .toBe('ended');
    // At double speed the audio itself lasts half the measured duration.
    expect(Math.abs((Date.now() - playingFrom) * 2 - voice.durationMs)).toBeLessThan(1_500);
    const played = await api<MediaLinks>('bob', 'GET', `/v1/media/${voice.mediaId}`);
    expect(played.played).toBe(true);
  });
});
