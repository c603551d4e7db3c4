import type { MiniAppScope } from '@jiaozi/protocol';
import { call } from './connect.js';

/** A one-time code (valid 5 minutes) for your server to exchange for the user's openid. */
export function login(): Promise<{ code: string }> {
  return call('auth.login', {});
}

/**
 * Asks the user for scopes on a host-drawn consent sheet (only for those not yet granted).
 * Answers all scopes granted now; fails with `permission_denied` if the user refused all.
 */
export function requestScopes(scopes: MiniAppScope[]): Promise<{ granted: MiniAppScope[] }> {
  return call('auth.requestScopes', { scopes });
}
