import type { ClientConfig } from '@jiaozi/protocol';

/** Used until (or if never) GET /v1/config answers: hints only, the server decides. */
export const DEFAULT_CONFIG: ClientConfig = {
  name: 'Jiaozi',
  version: '0.0.0',
  currency: 'CNY',
  limits: {
    passwordMinLength: 8,
    passwordMaxLength: 128,
    usernameMinLength: 3,
    usernameMaxLength: 32,
    displayNameMaxLength: 64,
    bioMaxLength: 280,
    deviceNameMaxLength: 64,
    pinLength: 6,
    pinAttemptsMax: 5,
  },
};
