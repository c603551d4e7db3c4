import type { ErrorCode } from '@jiaozi/protocol';

const pin = ['pin_incorrect', 'pin_locked', 'pin_not_set'] as const;
const send = [
  'invalid_amount',
  'insufficient_funds',
  'daily_limit_exceeded',
  'idempotency_conflict',
] as const;

/** The codes money in chat answers with, by route (each is in protocol's error table). */
export const chatPayErrors = {
  sendTransfer: ['not_found', 'cannot_pay_self', 'recipient_unavailable', ...send, ...pin],
  transfer: ['not_found'],
  decideTransfer: ['not_found', 'transfer_not_for_you', 'transfer_not_pending'],
  sendRedPacket: ['not_found', 'recipient_unavailable', ...send, ...pin],
  redPacket: ['not_found'],
  grab: [
    'not_found',
    'red_packet_not_for_you',
    'red_packet_already_grabbed',
    'red_packet_empty',
    'red_packet_expired',
  ],
  createSplit: ['not_found', 'invalid_amount', 'idempotency_conflict'],
  split: ['not_found'],
  paySplit: [
    'not_found',
    'split_not_participant',
    'split_closed',
    'split_already_paid',
    'invalid_amount',
    'insufficient_funds',
    'daily_limit_exceeded',
    ...pin,
  ],
  creatorSplit: ['not_found', 'split_not_participant', 'split_closed', 'rate_limited'],
} as const satisfies Record<string, readonly ErrorCode[]>;
