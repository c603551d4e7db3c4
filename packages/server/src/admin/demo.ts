import type { IdentityService } from '../identity/identity.service.js';

/** The demo accounts `jiaozi seed` creates, documented in the README. */
export const DEMO_USERS = [
  { username: 'alice', displayName: 'Alice Wang', role: 'admin', kycTier: 2, phone: '+8613800000001' },
  { username: 'bob', displayName: 'Bob Li', role: 'user', kycTier: 1, phone: '+8613800000002' },
  { username: 'carol', displayName: 'Carol Chen', role: 'user', kycTier: 0, phone: '+8613800000003' },
] as const;

export const DEMO_PASSWORD = 'jiaozi-demo';
export const DEMO_PIN = '135790';

export interface SeedResult {
  created: string[];
  existing: string[];
}

/**
 * Creates the demo users if they are missing (running it twice changes nothing). Each gets
 * the demo password and payment PIN. Demo users sign in with their username.
 */
export async function seedDemo(identity: IdentityService): Promise<SeedResult> {
  const result: SeedResult = { created: [], existing: [] };
  for (const demo of DEMO_USERS) {
    if (await identity.findByLogin(demo.username)) {
      result.existing.push(demo.username);
      continue;
    }
    const user = await identity.createUser({
      username: demo.username,
      password: DEMO_PASSWORD,
      displayName: demo.displayName,
      role: demo.role,
      kycTier: demo.kycTier,
    });
    await identity.updateProfile(user.id, { region: 'CN', bio: `Demo account (${demo.username}).` });
    await identity.setPin(user.id, DEMO_PIN, DEMO_PASSWORD, { ip: null, userAgent: 'jiaozi seed' });
    result.created.push(demo.username);
  }
  return result;
}
