import { auth, isBridgeError } from '@jiaozi/sdk';
import type { SessionResponse } from '../../shared/api.js';
import type { RestaurantsApi } from './api.js';

/**
 * Logs in so reviews carry the reviewer's name: asks for the `profile` scope (the host's
 * consent sheet), then trades a login code for a session at the guide's server. Without
 * consent the user still logs in, and reviews as "A diner".
 */
export async function logIn(api: RestaurantsApi): Promise<SessionResponse> {
  try {
    await auth.requestScopes(['profile']);
  } catch (error) {
    if (!isBridgeError(error, 'permission_denied')) throw error;
  }
  const { code } = await auth.login();
  return api.createSession(code);
}
