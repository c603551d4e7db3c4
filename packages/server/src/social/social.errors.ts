import type { ErrorCode } from '@jiaozi/protocol';

/** The codes the social domain answers with, by route (each is in protocol's error table). */
export const socialErrors = {
  owned: ['not_found'],
  resolveQr: ['qr_invalid', 'not_found'],
  sendRequest: ['not_found', 'cannot_friend_self', 'already_friends', 'idempotency_conflict'],
  decideRequest: ['not_found', 'request_not_pending'],
  block: ['not_found'],
} as const satisfies Record<string, readonly ErrorCode[]>;
