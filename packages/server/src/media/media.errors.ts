import type { ErrorCode } from '@jiaozi/protocol';

/** The codes the media domain answers with, by route (each is in protocol's error table). */
export const mediaErrors = {
  photo: [
    'media_type_unsupported',
    'media_truncated',
    'media_polyglot',
    'media_too_many_pixels',
    'media_too_large',
    'unsupported_media_type',
    'service_unavailable',
  ],
  voice: [
    'media_type_unsupported',
    'media_truncated',
    'media_too_large',
    'voice_too_long',
    'voice_not_opus',
    'unsupported_media_type',
  ],
  groupAvatar: [
    'not_found',
    'forbidden',
    'media_type_unsupported',
    'media_truncated',
    'media_polyglot',
    'media_too_many_pixels',
    'media_too_large',
    'unsupported_media_type',
    'service_unavailable',
  ],
  send: ['not_found', 'recipient_unavailable', 'forbidden', 'idempotency_conflict'],
  read: ['not_found'],
  file: ['not_found', 'range_not_satisfiable'],
} as const satisfies Record<string, readonly ErrorCode[]>;
