import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import multipart from '@fastify/multipart';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { MediaInfo, MediaLinks } from '@jiaozi/protocol';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type Static, Type } from 'typebox';
import { MessageSchema } from '../chat/chat.routes.js';
import { DomainError } from '../kernel/errors.js';
import { newId } from '../kernel/ids.js';
import * as limits from '../kernel/limits.js';
import { type App, rateLimited } from '../platform/http/server.js';
import { mediaErrors } from './media.errors.js';
import type { MediaService, Served } from './media.service.js';

const Uuid = Type.String({ format: 'uuid' });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);
const Kind = Type.Union([Type.Literal('photo'), Type.Literal('voice'), Type.Literal('avatar')]);

const infoProperties = {
  id: Uuid,
  kind: Kind,
  contentType: Type.String(),
  byteSize: Type.Integer({ minimum: 1 }),
  width: Nullable(Type.Integer({ minimum: 1 })),
  height: Nullable(Type.Integer({ minimum: 1 })),
  frames: Type.Integer({ minimum: 1 }),
  durationMs: Nullable(Type.Integer({ minimum: 0 })),
  waveform: Nullable(Type.Array(Type.Integer({ minimum: 0, maximum: limits.voiceWaveformValueMax }))),
  placeholder: Nullable(Type.String({ description: 'A ThumbHash, base64' })),
  createdAt: Type.String({ format: 'date-time' }),
};
const InfoSchema = Type.Object(infoProperties);
const LinksSchema = Type.Object({
  ...infoProperties,
  url: Type.String({ description: 'A signed link to the file, good until expiresAt' }),
  thumbUrl: Nullable(Type.String()),
  expiresAt: Type.String({ format: 'date-time' }),
  played: Type.Boolean(),
});

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const wireChecks: [Same<Static<typeof InfoSchema>, MediaInfo>, Same<Static<typeof LinksSchema>, MediaLinks>] =
  [true, true];
void wireChecks;

const IdParams = Type.Object({ id: Uuid }, { additionalProperties: false });
const SendBody = Type.Object(
  {
    id: Type.String({
      format: 'uuid',
      description: "The client's UUIDv7: resending it answers the original message",
    }),
    photos: Type.Optional(
      Type.Array(Uuid, {
        minItems: 1,
        maxItems: limits.albumPhotosMax,
        description: 'Uploaded photos: an album',
      }),
    ),
    voice: Type.Optional(Type.String({ format: 'uuid', description: 'An uploaded voice clip' })),
    replyTo: Type.Optional(Uuid),
  },
  { additionalProperties: false },
);
const Sent = { 200: MessageSchema, 201: MessageSchema };
const multipartNote = 'multipart/form-data with one part `file`';

function me(request: FastifyRequest): string {
  const p = request.principal;
  if (!p) throw new DomainError('unauthenticated');
  return p.userId;
}

export interface MediaRoutesOptions {
  media: MediaService;
  /** Where uploads are written while they arrive, before they are checked. */
  uploadDir: string;
  linkTtlSeconds: number;
  rateLimits: boolean;
}

interface Upload {
  bytes: Buffer;
  fields: Record<string, string>;
}

/**
 * Streams a multipart upload's one file to a temporary file (the request body never sits
 * whole in memory while it arrives), at most `maxBytes`, then reads it back for checking.
 * The temporary file is gone when this returns, whatever happened.
 */
async function readUpload(request: FastifyRequest, maxBytes: number, uploadDir: string): Promise<Upload> {
  if (!request.isMultipart()) {
    throw new DomainError('unsupported_media_type', `Upload the file as ${multipartNote}.`);
  }
  const declared = Number(request.headers['content-length'] ?? 0);
  const tooLarge = () =>
    new DomainError('media_too_large', `The file is larger than ${maxBytes} bytes.`, { maxBytes });
  if (declared > maxBytes + 64 * 1024) throw tooLarge();
  await mkdir(uploadDir, { recursive: true });
  const path = join(uploadDir, `${newId()}.upload`);
  const fields: Record<string, string> = {};
  let received = false;
  try {
    const parts = request.parts({
      limits: { fileSize: maxBytes, files: 1, fields: 4, fieldSize: 4096, parts: 5, headerPairs: 20 },
    });
    for await (const part of parts) {
      if (part.type === 'file') {
        if (part.fieldname !== 'file' || received) {
          part.file.resume();
          throw new DomainError('invalid_request', `Send ${multipartNote}.`, { path: '/body/file' });
        }
        await pipeline(part.file, createWriteStream(path));
        if (part.file.truncated) throw tooLarge();
        received = true;
      } else {
        fields[part.fieldname] = String(part.value);
      }
    }
    if (!received) throw new DomainError('invalid_request', `Send ${multipartNote}.`, { path: '/body/file' });
    return { bytes: await readFile(path), fields };
  } catch (error) {
    if (error instanceof DomainError) throw error;
    const code = (error as { code?: string }).code;
    if (code === 'FST_REQ_FILE_TOO_LARGE') throw tooLarge();
    if (code === 'FST_INVALID_MULTIPART_CONTENT_TYPE') {
      throw new DomainError('unsupported_media_type', `Upload the file as ${multipartNote}.`);
    }
    if (code === 'FST_FILES_LIMIT' || code === 'FST_PARTS_LIMIT' || code === 'FST_FIELDS_LIMIT') {
      throw new DomainError('invalid_request', `Send ${multipartNote}.`, { path: '/body' });
    }
    throw error;
  } finally {
    await rm(path, { force: true });
  }
}

function sendFile(reply: FastifyReply, media: MediaService, served: Served, cacheControl: string) {
  reply.header('content-type', served.contentType);
  reply.header('accept-ranges', 'bytes');
  reply.header('cache-control', cacheControl);
  reply.header('content-disposition', 'inline');
  if (served.range) {
    const { start, end } = served.range;
    reply.code(206);
    reply.header('content-range', `bytes ${start}-${end}/${served.size}`);
    reply.header('content-length', String(end - start + 1));
  } else {
    reply.header('content-length', String(served.size));
  }
  return reply.send(media.read(served));
}

export const mediaRoutes: FastifyPluginAsyncTypebox<MediaRoutesOptions> = async (
  app,
  { media, uploadDir, linkTtlSeconds, rateLimits },
) => {
  const tags = ['media'];
  const user = { auth: 'user' as const };
  await app.register(multipart, { limits: { fileSize: limits.photoBytesMax, files: 1 } });
  const sends = rateLimits
    ? [
        rateLimited(app as unknown as App, [
          {
            bucket: 'media-message',
            max: limits.messagesPerUserPerMinuteMax,
            windowMs: 60_000,
            key: (request) => request.principal?.userId ?? request.ip,
          },
        ]),
      ]
    : [];
  const uploads = rateLimits
    ? [
        rateLimited(app as unknown as App, [
          {
            bucket: 'media-upload',
            max: limits.mediaUploadsPerUserPerMinuteMax,
            windowMs: 60_000,
            key: (request) => request.principal?.userId ?? request.ip,
          },
        ]),
      ]
    : [];

  app.post(
    '/v1/media/photos',
    {
      schema: {
        tags,
        summary: `Upload a photo (${multipartNote}): checked, re-encoded without metadata, thumbnailed`,
        description: `JPEG, PNG, GIF or WebP (sniffed from the bytes), at most ${limits.photoBytesMax} bytes and ${limits.photoPixelsMax} pixels. Send it in a message with POST /v1/conversations/{id}/media.`,
        response: { 201: InfoSchema },
      },
      config: { ...user, errors: mediaErrors.photo, rateLimited: true },
      preHandler: uploads,
    },
    async (request, reply) => {
      const upload = await readUpload(request, limits.photoBytesMax, uploadDir);
      return reply.code(201).send(await media.uploadPhoto(me(request), upload.bytes));
    },
  );

  app.post(
    '/v1/media/voice',
    {
      schema: {
        tags,
        summary: `Upload a voice clip (${multipartNote} and a field \`waveform\`)`,
        description: `Opus in WebM or Ogg, at most ${limits.voiceDurationMaxSeconds} s (measured from the audio) and ${limits.voiceBytesMax} bytes. \`waveform\`: 1 to ${limits.voiceWaveformSamplesMax} whole numbers 0–${limits.voiceWaveformValueMax}, comma-separated.`,
        response: { 201: InfoSchema },
      },
      config: { ...user, errors: mediaErrors.voice, rateLimited: true },
      preHandler: uploads,
    },
    async (request, reply) => {
      const upload = await readUpload(request, limits.voiceBytesMax, uploadDir);
      return reply.code(201).send(await media.uploadVoice(me(request), upload.bytes, upload.fields.waveform));
    },
  );

  app.get(
    '/v1/media/:id',
    {
      schema: {
        tags,
        summary: `A photo or voice clip I may read, with signed links good for ${linkTtlSeconds} s`,
        params: IdParams,
        response: { 200: LinksSchema },
      },
      config: { ...user, errors: mediaErrors.read },
    },
    async (request): Promise<MediaLinks> => media.links(me(request), request.params.id),
  );

  app.get(
    '/v1/media/:id/:variant',
    {
      schema: {
        tags,
        summary: 'The bytes behind a signed link (HTTP Range supported); an expired or foreign link is 404',
        params: Type.Object(
          { id: Uuid, variant: Type.Union([Type.Literal('file'), Type.Literal('thumb')]) },
          { additionalProperties: false },
        ),
        querystring: Type.Object(
          { u: Uuid, e: Type.Integer({ minimum: 0 }), s: Type.String({ pattern: '^[0-9a-f]{64}$' }) },
          { additionalProperties: false },
        ),
      },
      config: { errors: mediaErrors.file },
    },
    async (request, reply) => {
      const served = await media.serve(
        request.params.id,
        request.params.variant,
        request.query,
        request.headers.range,
      );
      return sendFile(reply, media, served, `private, max-age=${linkTtlSeconds}`);
    },
  );

  app.post(
    '/v1/media/:id/played',
    {
      schema: {
        tags,
        summary: 'Mark a voice message played by me (my devices and its sender hear of it once)',
        params: IdParams,
        response: { 204: Type.Null() },
      },
      config: { ...user, errors: mediaErrors.read },
    },
    async (request, reply) => {
      await media.markPlayed(me(request), request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/v1/conversations/:id/media',
    {
      schema: {
        tags,
        summary:
          'Send an album (photos) or a voice message of my uploads (201); the same id again answers the original',
        params: IdParams,
        body: SendBody,
        response: Sent,
      },
      config: { ...user, errors: mediaErrors.send, rateLimited: true },
      preHandler: sends,
    },
    async (request, reply) => {
      const { message, created } = await media.send(
        me(request),
        { conversationId: request.params.id },
        request.body,
      );
      return reply.code(created ? 201 : 200).send(message);
    },
  );

  app.post(
    '/v1/users/:id/media',
    {
      schema: {
        tags,
        summary: 'Send an album or a voice message to a person, opening our conversation on the first one',
        params: IdParams,
        body: SendBody,
        response: Sent,
      },
      config: { ...user, errors: mediaErrors.send, rateLimited: true },
      preHandler: sends,
    },
    async (request, reply) => {
      const { message, created } = await media.send(me(request), { userId: request.params.id }, request.body);
      return reply.code(created ? 201 : 200).send(message);
    },
  );

  app.put(
    '/v1/me/avatar',
    {
      schema: {
        tags,
        summary: `Set my avatar (${multipartNote}): cropped square, ${limits.avatarSizesPx.join(' and ')} px`,
        response: { 200: Type.Object({ avatarId: Uuid }) },
      },
      config: { ...user, errors: mediaErrors.photo, rateLimited: true },
      preHandler: uploads,
    },
    async (request) => {
      const upload = await readUpload(request, limits.avatarBytesMax, uploadDir);
      return { avatarId: await media.setMyAvatar(me(request), upload.bytes) };
    },
  );

  app.delete(
    '/v1/me/avatar',
    { schema: { tags, summary: 'Remove my avatar', response: { 204: Type.Null() } }, config: user },
    async (request, reply) => {
      await media.clearMyAvatar(me(request));
      return reply.code(204).send(null);
    },
  );

  app.put(
    '/v1/conversations/:id/avatar',
    {
      schema: {
        tags,
        summary: `Set a group's avatar (${multipartNote}; the owner and admins)`,
        params: IdParams,
      },
      config: { ...user, errors: mediaErrors.groupAvatar, rateLimited: true },
      preHandler: uploads,
    },
    async (request) => {
      const upload = await readUpload(request, limits.avatarBytesMax, uploadDir);
      return media.setGroupAvatar(me(request), request.params.id, upload.bytes);
    },
  );

  app.delete(
    '/v1/conversations/:id/avatar',
    {
      schema: { tags, summary: "Remove a group's avatar (the owner and admins)", params: IdParams },
      config: { ...user, errors: ['not_found', 'forbidden'] },
    },
    async (request) => media.setGroupAvatar(me(request), request.params.id, null),
  );

  app.get(
    '/v1/avatars/:id/:size',
    {
      schema: {
        tags,
        summary: `An avatar image (WebP), ${limits.avatarSizesPx.join(' or ')} px square`,
        params: Type.Object(
          { id: Uuid, size: Type.Integer({ minimum: 1, maximum: 4096 }) },
          { additionalProperties: false },
        ),
      },
      config: { errors: mediaErrors.read },
    },
    async (request, reply) => {
      const served = await media.avatar(request.params.id, request.params.size);
      return sendFile(reply, media, served, 'public, max-age=31536000, immutable');
    },
  );
};
