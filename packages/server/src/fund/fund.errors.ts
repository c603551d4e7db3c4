import type { ErrorCode } from '@jiaozi/protocol';

/** The codes the fund answers with, by route (each is in protocol's error table). */
export const fundErrors = {
  subscribe: [
    'invalid_amount',
    'insufficient_funds',
    'idempotency_conflict',
    'pin_incorrect',
    'pin_locked',
    'pin_not_set',
  ],
  redeem: [
    'invalid_amount',
    'insufficient_shares',
    'instant_redemption_limit_exceeded',
    'idempotency_conflict',
    'pin_incorrect',
    'pin_locked',
    'pin_not_set',
  ],
  publishYield: ['yield_invalid', 'yield_conflict'],
  accrue: ['yield_missing', 'accrual_out_of_order'],
} as const satisfies Record<string, readonly ErrorCode[]>;
