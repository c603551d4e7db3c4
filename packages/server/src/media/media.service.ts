import type {
  ConversationDetail,
  MediaInfo,
  MediaKind,
  MediaLinks,
  Message,
  PhotoItem,
} from '@jiaozi/protocol';
import type { Kysely, Transaction } from 'kysely';
import type { ChatService, SendTarget } from '../chat/chat.service.js';
import type { Clock } from '../kernel/clock.js';
import { assert, DomainError } from '../kernel/errors.js';
import { newId } from '../kernel/ids.js';
import {
  albumPhotosMax,
  avatarSizesPx,
  mediaSweepBatchMax,
  mediaSweepIntervalMs,
  mediaUnsentTtlSeconds,
  voiceDurationMaxSeconds,
  voiceDurationToleranceMs,
} from '../kernel/limits.js';
import type { Logger } from '../kernel/logger.js';
import type { Database } from '../platform/db/schema.js';
import type { Announcer } from '../platform/outbox/announcer.js';
import { writeOutbox } from '../platform/outbox/outbox.js';
import { hmacHex, type Secrets, sameSignature } from '../platform/secrets/secrets.js';
import { linkMessage, type MediaVariant, parseRange, parseWaveform } from './media.core.js';
import { processAvatar, processPhoto } from './media.images.js';
import { MediaRepository, type MediaRow } from './media.repository.js';
import type { MediaStore } from './media.store.js';
import { parseVoice } from './voice.core.js';

type Trx = Transaction<Database>;

export const MEDIA_TOPICS = { played: 'media.played' } as const;

export interface MediaOptions {
  linkTtlSeconds: number;
  logger?: Logger;
}

/** A file to answer with: the bytes (or the part asked for), their type and length. */
export interface Served {
  key: string;
  contentType: string;
  size: number;
  range: { start: number; end: number } | null;
}

function notFound(): DomainError {
  return new DomainError('not_found', 'No such media.');
}

/**
 * Photos, voice clips and avatars. An upload is checked and re-encoded before anything is
 * stored (a refused file leaves no trace); it stays its uploader's until a message takes
 * it, and from then on the members who can see that message may read it, through signed
 * links that expire. A recalled message's media is no longer served to anyone.
 */
export class MediaService {
  readonly repo: MediaRepository;
  #sweeper: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly store: MediaStore,
    private readonly secrets: Secrets,
    private readonly chat: ChatService,
    private readonly announcer: Announcer,
    private readonly options: MediaOptions,
  ) {
    this.repo = new MediaRepository(db);
  }

  // ── Uploads ──────────────────────────────────────────────────────────────

  /** Stores the files, then the row; if the row cannot be written the files go again. */
  async #save(row: Omit<MediaRow, 'created_at'>, files: ReadonlyMap<string, Uint8Array>): Promise<MediaRow> {
    const keys = [...files.keys()].map((variant) => `${row.id}/${variant}`);
    try {
      for (const [variant, bytes] of files) await this.store.put(`${row.id}/${variant}`, bytes);
      return await this.repo.insert({ ...row, created_at: this.clock.now() });
    } catch (error) {
      await this.store.delete(keys);
      throw error;
    }
  }

  async uploadPhoto(userId: string, bytes: Uint8Array): Promise<MediaInfo> {
    const photo = await processPhoto(bytes);
    const row = await this.#save(
      {
        id: newId(this.clock),
        owner_id: userId,
        kind: 'photo',
        content_type: photo.file.contentType,
        byte_size: BigInt(photo.file.bytes.length),
        thumb_content_type: photo.thumb.contentType,
        width: photo.width,
        height: photo.height,
        frames: photo.frames,
        duration_ms: null,
        waveform: null,
        placeholder: photo.placeholder,
        conversation_id: null,
        message_id: null,
      },
      new Map([
        ['file', photo.file.bytes],
        ['thumb', photo.thumb.bytes],
      ]),
    );
    return this.info(row);
  }

  async uploadVoice(userId: string, bytes: Uint8Array, waveformRaw: string | undefined): Promise<MediaInfo> {
    const waveform = parseWaveform(waveformRaw);
    const voice = parseVoice(bytes);
    if (voice.durationMs > voiceDurationMaxSeconds * 1000 + voiceDurationToleranceMs) {
      throw new DomainError(
        'voice_too_long',
        `A voice message lasts at most ${voiceDurationMaxSeconds} seconds.`,
        {
          durationMs: voice.durationMs,
          maxSeconds: voiceDurationMaxSeconds,
        },
      );
    }
    const row = await this.#save(
      {
        id: newId(this.clock),
        owner_id: userId,
        kind: 'voice',
        content_type: voice.container,
        byte_size: BigInt(bytes.length),
        thumb_content_type: null,
        width: null,
        height: null,
        frames: 1,
        duration_ms: Math.min(voice.durationMs, voiceDurationMaxSeconds * 1000),
        waveform,
        placeholder: null,
        conversation_id: null,
        message_id: null,
      },
      new Map([['file', bytes]]),
    );
    return this.info(row);
  }

  async #uploadAvatar(userId: string, bytes: Uint8Array): Promise<MediaRow> {
    const sizes = await processAvatar(bytes);
    const files = new Map<string, Uint8Array>();
    for (const [size, image] of sizes) files.set(`s${size}`, image.bytes);
    const largest = sizes.get(avatarSizesPx[avatarSizesPx.length - 1] as number);
    assert(largest, 'every avatar size was made');
    return this.#save(
      {
        id: newId(this.clock),
        owner_id: userId,
        kind: 'avatar',
        content_type: 'image/webp',
        byte_size: BigInt(largest.bytes.length),
        thumb_content_type: null,
        width: avatarSizesPx[avatarSizesPx.length - 1] as number,
        height: avatarSizesPx[avatarSizesPx.length - 1] as number,
        frames: 1,
        duration_ms: null,
        waveform: null,
        placeholder: null,
        conversation_id: null,
        message_id: null,
      },
      files,
    );
  }

  /** Sets my avatar from an uploaded image; answers its id. */
  async setMyAvatar(userId: string, bytes: Uint8Array): Promise<string> {
    const row = await this.#uploadAvatar(userId, bytes);
    await this.repo.setUserAvatar(this.db, userId, row.id, this.clock.now());
    return row.id;
  }

  async clearMyAvatar(userId: string): Promise<void> {
    await this.repo.setUserAvatar(this.db, userId, null, this.clock.now());
  }

  /** Sets (or clears, with no bytes) a group's avatar: its owner and admins. */
  async setGroupAvatar(
    userId: string,
    conversationId: string,
    bytes: Uint8Array | null,
  ): Promise<ConversationDetail> {
    // Membership first: an outsider learns nothing and stores nothing.
    await this.chat.conversation(userId, conversationId);
    const row = bytes === null ? null : await this.#uploadAvatar(userId, bytes);
    try {
      return await this.chat.setGroupAvatar(userId, conversationId, row?.id ?? null);
    } catch (error) {
      if (row) {
        await this.db.deleteFrom('media').where('id', '=', row.id).execute();
        await this.store.delete(avatarSizesPx.map((s) => `${row.id}/s${s}`));
      }
      throw error;
    }
  }

  /** An avatar image, to anyone: avatars are as public as the name beside them. */
  async avatar(avatarId: string, size: number): Promise<Served> {
    if (!(avatarSizesPx as readonly number[]).includes(size)) throw notFound();
    const row = await this.repo.find(avatarId);
    if (row?.kind !== 'avatar') throw notFound();
    const key = `${row.id}/s${size}`;
    const bytes = await this.store.size(key);
    if (bytes === null) throw notFound();
    return { key, contentType: row.content_type, size: bytes, range: null };
  }

  // ── Sending ──────────────────────────────────────────────────────────────

  /**
   * Sends an album or a voice message made of my own uploads that no message has taken yet.
   * They are checked and claimed under the conversation's lock, in the send's transaction.
   */
  async send(
    userId: string,
    target: SendTarget,
    input: {
      id: string;
      photos?: readonly string[] | undefined;
      voice?: string | undefined;
      replyTo?: string | undefined;
    },
  ): Promise<{ message: Message; created: boolean }> {
    const photos = input.photos ? [...input.photos] : undefined;
    if ((photos === undefined) === (input.voice === undefined)) {
      throw new DomainError('invalid_request', 'Send either photos or a voice message.', { path: '/body' });
    }
    if (
      photos &&
      (photos.length < 1 || photos.length > albumPhotosMax || new Set(photos).size !== photos.length)
    ) {
      throw new DomainError('invalid_request', `An album holds 1 to ${albumPhotosMax} different photos.`, {
        path: '/body/photos',
      });
    }
    const kind: MediaKind = photos ? 'photo' : 'voice';
    const ids = photos ?? [input.voice as string];
    const rows = new Map<string, MediaRow>();
    for (const id of ids) {
      const row = await this.repo.find(id);
      if (!row || row.owner_id !== userId || row.kind !== kind) {
        throw new DomainError('invalid_request', 'Send media you uploaded, of the right kind.', {
          path: photos ? '/body/photos' : '/body/voice',
        });
      }
      rows.set(id, row);
    }
    const payload: Record<string, unknown> = photos
      ? {
          photos: photos.map((id): PhotoItem => {
            const r = rows.get(id) as MediaRow;
            return {
              mediaId: r.id,
              width: r.width ?? 0,
              height: r.height ?? 0,
              placeholder: r.placeholder ?? '',
              animated: r.frames > 1,
            };
          }),
        }
      : (() => {
          const r = rows.get(input.voice as string) as MediaRow;
          return { voice: { mediaId: r.id, durationMs: r.duration_ms ?? 0, waveform: r.waveform ?? [] } };
        })();
    return this.chat.sendPayload(userId, target, {
      id: input.id,
      kind,
      payload,
      replyTo: input.replyTo,
      hashParts: ids,
      attach: async (trx, conversationId, messageId) => {
        const locked = await this.repo.lockMany(trx, ids);
        if (locked.length !== ids.length || locked.some((r) => r.conversation_id !== null)) {
          throw new DomainError('invalid_request', 'This media was already sent in another message.', {
            path: photos ? '/body/photos' : '/body/voice',
          });
        }
        await this.repo.attach(trx, ids, conversationId, messageId);
      },
    });
  }

  // ── Reading ──────────────────────────────────────────────────────────────

  /**
   * Whether `userId` may read a media file: never once its message is recalled or for an
   * avatar (served elsewhere); its uploader always; else a member of the conversation it was
   * sent in who can see that message (joined before it, not deleted for them).
   */
  async #readable(mediaId: string, userId: string): Promise<MediaRow> {
    const row = await this.repo.readable(mediaId, userId);
    if (!row || row.kind === 'avatar' || row.message_recalled === true) throw notFound();
    if (row.owner_id === userId) return row;
    if (row.message_seq === null || row.reader_joined_seq === null || row.reader_hidden) throw notFound();
    if (BigInt(row.message_seq) <= BigInt(row.reader_joined_seq)) throw notFound();
    return row;
  }

  async #sign(mediaId: string, variant: MediaVariant, userId: string, expires: number): Promise<string> {
    const secret = await this.secrets.get('media_links');
    const signature = hmacHex(secret, linkMessage(mediaId, variant, userId, expires));
    return `/v1/media/${mediaId}/${variant}?u=${userId}&e=${expires}&s=${signature}`;
  }

  /** The media's facts and short-lived signed links to its bytes. */
  async links(userId: string, mediaId: string): Promise<MediaLinks> {
    const row = await this.#readable(mediaId, userId);
    const expires = Math.floor(this.clock.now().getTime() / 1000) + this.options.linkTtlSeconds;
    return {
      ...this.info(row),
      url: await this.#sign(row.id, 'file', userId, expires),
      thumbUrl: row.thumb_content_type === null ? null : await this.#sign(row.id, 'thumb', userId, expires),
      expiresAt: new Date(expires * 1000).toISOString(),
      played: row.kind !== 'voice' || row.owner_id === userId || (await this.repo.played(row.id, userId)),
    };
  }

  /**
   * A signed link's file: the signature must match, the link must not have expired, and
   * the one it was made for must still be allowed to read the media. Any failure is 404.
   */
  async serve(
    mediaId: string,
    variant: MediaVariant,
    link: { u: string; e: number; s: string },
    rangeHeader: string | undefined,
  ): Promise<Served> {
    const secret = await this.secrets.get('media_links');
    const expected = hmacHex(secret, linkMessage(mediaId, variant, link.u, link.e));
    if (!sameSignature(expected, link.s)) throw notFound();
    if (link.e * 1000 < this.clock.now().getTime()) throw notFound();
    const row = await this.#readable(mediaId, link.u);
    const contentType = variant === 'thumb' ? row.thumb_content_type : row.content_type;
    if (contentType === null) throw notFound();
    const key = `${row.id}/${variant}`;
    const size = await this.store.size(key);
    if (size === null) throw notFound();
    return { key, contentType, size, range: parseRange(rangeHeader, size) };
  }

  read(served: Served) {
    return this.store.read(served.key, served.range ?? undefined);
  }

  /**
   * Marks a voice message played by me. The first play tells my devices and the sender;
   * playing again changes nothing.
   */
  async markPlayed(userId: string, mediaId: string): Promise<void> {
    const row = await this.#readable(mediaId, userId);
    if (row.kind !== 'voice' || row.conversation_id === null || row.message_id === null) throw notFound();
    const { conversation_id: conversationId, message_id: messageId } = row;
    let audience: string[] = [];
    await this.db.transaction().execute(async (trx: Trx) => {
      const now = this.clock.now();
      if (!(await this.repo.insertPlay(trx, row.id, userId, now))) return;
      audience = [...new Set([userId, row.owner_id])];
      await writeOutbox(
        trx,
        [
          {
            topic: MEDIA_TOPICS.played,
            audience,
            payload: { conversationId, messageId, mediaId: row.id, userId },
          },
        ],
        now,
      );
    });
    if (audience.length > 0) this.announcer.announce(audience);
  }

  // ── Housekeeping ─────────────────────────────────────────────────────────

  /** The files a media row has in the store. */
  #keys(row: MediaRow): string[] {
    if (row.kind === 'avatar') return avatarSizesPx.map((s) => `${row.id}/s${s}`);
    return row.thumb_content_type === null ? [`${row.id}/file`] : [`${row.id}/file`, `${row.id}/thumb`];
  }

  /**
   * Deletes what nobody may read any more: uploads never sent within a day, the media of
   * recalled messages, replaced avatars. Rows go first (so nothing points at a missing
   * file), then their files. Answers how many media were deleted.
   */
  async sweep(): Promise<number> {
    const unsentBefore = new Date(this.clock.now().getTime() - mediaUnsentTtlSeconds * 1000);
    const dead = await this.repo.deleteDead(unsentBefore, mediaSweepBatchMax);
    await this.store.delete(dead.flatMap((row) => this.#keys(row)));
    return dead.length;
  }

  /** Sweeps every few minutes until `close`. */
  start(): void {
    if (this.#sweeper) return;
    this.#sweeper = setInterval(() => {
      this.sweep().catch((error: unknown) => this.options.logger?.warn({ err: error }, 'media sweep failed'));
    }, mediaSweepIntervalMs);
    this.#sweeper.unref();
  }

  close(): void {
    if (this.#sweeper) clearInterval(this.#sweeper);
    this.#sweeper = undefined;
  }

  info(row: MediaRow): MediaInfo {
    return {
      id: row.id,
      kind: row.kind,
      contentType: row.content_type,
      byteSize: Number(row.byte_size),
      width: row.width,
      height: row.height,
      frames: row.frames,
      durationMs: row.duration_ms,
      waveform: row.waveform,
      placeholder: row.placeholder,
      createdAt: row.created_at.toISOString(),
    };
  }
}
