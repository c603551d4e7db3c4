import type { ErrorCode } from '@jiaozi/protocol';

/** The codes family pay answers with, by route (each is in protocol's error table). */
export const familyPayErrors = {
  grant: ['invalid_amount', 'cannot_pay_self', 'not_found', 'idempotency_conflict'],
  owned: ['not_found'],
  paycode: ['not_found', 'pin_incorrect', 'pin_locked', 'pin_not_set'],
} as const satisfies Record<string, readonly ErrorCode[]>;
