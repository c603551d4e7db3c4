import type { ErrorCode } from '@jiaozi/protocol';

/** The codes mini-app payments answer with, by route (each is in protocol's error table). */
export const paymentErrors = {
  createOrder: ['idempotency_key_missing', 'idempotency_conflict', 'currency_mismatch', 'openid_unknown'],
  order: ['not_found'],
  close: ['not_found', 'order_already_paid', 'order_expired'],
  refund: [
    'idempotency_key_missing',
    'idempotency_conflict',
    'not_found',
    'invalid_amount',
    'order_not_paid',
    'refund_exceeds_remaining',
    'refund_window_passed',
    'merchant_insufficient_funds',
  ],
  events: [],
  settle: [
    'idempotency_key_missing',
    'idempotency_conflict',
    'invalid_amount',
    'settlement_card_missing',
    'merchant_insufficient_funds',
  ],
  preview: ['payment_not_found'],
  pay: [
    'payment_not_found',
    'order_expired',
    'order_closed',
    'order_already_paid',
    'invalid_amount',
    'pin_incorrect',
    'pin_locked',
    'pin_not_set',
    'insufficient_funds',
    'daily_limit_exceeded',
    'not_found',
    'grant_use_not_allowed',
    'grant_limit_exceeded',
  ],
  deliveries: ['not_found'],
  resend: ['not_found', 'webhook_url_missing'],
} as const satisfies Record<string, readonly ErrorCode[]>;
