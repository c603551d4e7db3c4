import type { ErrorCode } from '@jiaozi/protocol';

/** The codes the identity domain answers with (each is in protocol's error table). */
export const identityErrors = {
  signup: ['username_taken', 'phone_taken'],
  login: ['invalid_credentials'],
  password: ['password_incorrect'],
  setPin: ['password_incorrect', 'pin_too_weak'],
  verifyPin: ['pin_incorrect', 'pin_locked', 'pin_not_set'],
  owned: ['not_found'],
} as const satisfies Record<string, readonly ErrorCode[]>;
