import { auth, isBridgeError } from '@jiaozi/sdk';
import type { SessionResponse } from '../../shared/api.js';
import type { ShopApi } from './api.js';

/**
 * Logs the user in: asks for the `profile` scope first (the host's consent sheet; the shop
 * works without it, greeting no one by name), then trades a one-time login code for a
 * session at the shop's server, which exchanges the code with Jiaozi.
 */
export async function logIn(api: ShopApi, options: { askProfile?: boolean } = {}): Promise<SessionResponse> {
  if (options.askProfile ?? true) {
    try {
      await auth.requestScopes(['profile']);
    } catch (error) {
      if (!isBridgeError(error, 'permission_denied')) throw error;
    }
  }
  const { code } = await auth.login();
  return api.createSession(code);
}
