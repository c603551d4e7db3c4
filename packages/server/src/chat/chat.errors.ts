import type { ErrorCode } from '@jiaozi/protocol';

/** The codes the chat domain answers with, by route (each is in protocol's error table). */
export const chatErrors = {
  owned: ['not_found'],
  openDirect: ['not_found', 'recipient_unavailable'],
  createGroup: ['recipient_unavailable'],
  send: ['not_found', 'recipient_unavailable', 'forbidden', 'message_too_long', 'idempotency_conflict'],
  forward: ['not_found', 'recipient_unavailable', 'forbidden', 'idempotency_conflict'],
  manage: ['not_found', 'forbidden'],
  invite: ['not_found', 'recipient_unavailable'],
  recall: ['not_found', 'forbidden', 'recall_window_passed'],
} as const satisfies Record<string, readonly ErrorCode[]>;
