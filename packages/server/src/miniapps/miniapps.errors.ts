import type { ErrorCode } from '@jiaozi/protocol';

/** The codes the mini-app registry answers with, by route (each is in protocol's error table). */
export const registryErrors = {
  create: ['origin_invalid', 'webhook_url_invalid', 'app_limit_reached'],
  owned: ['not_found'],
  update: ['not_found', 'origin_invalid', 'webhook_url_invalid'],
  decide: ['not_found', 'app_not_pending'],
  open: ['not_found'],
  grant: ['not_found', 'scope_not_requested'],
  storageSet: ['not_found', 'storage_value_too_large', 'storage_quota_exceeded'],
  share: ['not_found', 'recipient_unavailable', 'forbidden', 'idempotency_conflict'],
  session: ['login_code_invalid'],
} as const satisfies Record<string, readonly ErrorCode[]>;

/** What every merchant API route may answer before it runs: the key is wrong, or the app is not active. */
export const merchantAuthErrors = [
  'merchant_unauthorized',
  'app_not_active',
] as const satisfies readonly ErrorCode[];
