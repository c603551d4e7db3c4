import type { ErrorBody } from '@jiaozi/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pinAttemptsMax } from '../kernel/limits.js';
import type { DatabaseHandle } from '../platform/db/connect.js';
import { createTestApp, nextIp, signupClient, type TestApp, uniqueUsername } from '../test/app.js';
import { createTestDatabase } from '../test/db.js';

/**
 * Races on real Postgres (PGlite runs one transaction at a time, so it cannot race).
 * Rate limits are off here: these tests are about what the database decides when many
 * requests arrive at once, not about the limiter in front of it.
 */
const CONCURRENT_PINS = 20;
const PIN = '285714';

let database: DatabaseHandle;
let t: TestApp;

beforeAll(async () => {
  database = await createTestDatabase({ poolMax: 25 });
  t = await createTestApp({ database, config: { rateLimits: false } });
});
afterAll(async () => {
  await t?.shutdown();
  await database?.close();
});

describe('concurrent wrong PINs', () => {
  it.each([1, 2, 3])('lock the account exactly once (user %i)', async () => {
    const user = await signupClient(t.app);
    expect((await user.request('PUT', '/v1/me/pin', { pin: PIN, password: user.password })).statusCode).toBe(
      204,
    );

    const answers = await Promise.all(
      Array.from({ length: CONCURRENT_PINS }, () =>
        user.request('POST', '/v1/me/pin/verify', { pin: '000001' }),
      ),
    );
    const bodies = answers.map((res) => ({ status: res.statusCode, error: (res.json() as ErrorBody).error }));

    const incorrect = bodies.filter((b) => b.status === 401);
    const locked = bodies.filter((b) => b.status === 423);
    expect(incorrect).toHaveLength(pinAttemptsMax - 1);
    expect(locked).toHaveLength(CONCURRENT_PINS - (pinAttemptsMax - 1));
    expect(incorrect.every((b) => b.error.code === 'pin_incorrect')).toBe(true);
    expect(locked.every((b) => b.error.code === 'pin_locked')).toBe(true);
    expect(incorrect.map((b) => b.error.details?.attemptsLeft).sort()).toEqual([1, 2, 3, 4]);

    // Every locked answer names the same unlock time: there was one lock, not several.
    const unlockAts = new Set(locked.map((b) => b.error.details?.unlockAt));
    expect(unlockAts.size).toBe(1);

    const row = await database.db
      .selectFrom('users')
      .select(['pin_failed_attempts', 'pin_locked_until'])
      .where('id', '=', user.userId)
      .executeTakeFirstOrThrow();
    expect(row.pin_failed_attempts).toBe(pinAttemptsMax);
    expect(row.pin_locked_until?.toISOString()).toBe([...unlockAts][0]);
    expect(await t.services.identity.repo.countSecurityEvents(user.userId, 'pin_locked')).toBe(1);

    // And the right PIN is refused while the lock lasts.
    const right = await user.request('POST', '/v1/me/pin/verify', { pin: PIN });
    expect(right.statusCode).toBe(423);
  });

  it('concurrent right and wrong PINs never count past the maximum', async () => {
    const user = await signupClient(t.app);
    expect((await user.request('PUT', '/v1/me/pin', { pin: PIN, password: user.password })).statusCode).toBe(
      204,
    );
    const answers = await Promise.all(
      Array.from({ length: CONCURRENT_PINS }, (_, i) =>
        user.request('POST', '/v1/me/pin/verify', { pin: i % 4 === 0 ? PIN : '000001' }),
      ),
    );
    const statuses = answers.map((r) => r.statusCode);
    expect(statuses.every((s) => [204, 401, 423].includes(s))).toBe(true);
    const row = await database.db
      .selectFrom('users')
      .select(['pin_failed_attempts'])
      .where('id', '=', user.userId)
      .executeTakeFirstOrThrow();
    expect(row.pin_failed_attempts).toBeLessThanOrEqual(pinAttemptsMax);
    const lockedNow = await t.services.identity.repo.countSecurityEvents(user.userId, 'pin_locked');
    expect(lockedNow).toBeLessThanOrEqual(1);
    expect(row.pin_failed_attempts === pinAttemptsMax).toBe(lockedNow === 1);
  });
});

describe('concurrent signups', () => {
  it('of one username (in any case): exactly one 201, nine 409 username_taken', async () => {
    const username = uniqueUsername('Racer');
    const spellings = [username, username.toLowerCase(), username.toUpperCase()];
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        t.app.inject({
          method: 'POST',
          url: '/v1/auth/signup',
          payload: { username: spellings[i % spellings.length], password: 'correct horse battery' },
          remoteAddress: nextIp(),
        }),
      ),
    );
    const statuses = answers.map((r) => r.statusCode).sort();
    expect(statuses).toEqual([201, 409, 409, 409, 409, 409, 409, 409, 409, 409]);
    for (const res of answers.filter((r) => r.statusCode === 409)) {
      expect((res.json() as ErrorBody).error.code).toBe('username_taken');
    }
    const rows = await database.db
      .selectFrom('users')
      .select('id')
      .where('username', '=', username.toLowerCase())
      .execute();
    expect(rows).toHaveLength(1);
  });

  it('of one phone number: exactly one 201, nine 409 phone_taken', async () => {
    const phone = `+8613${String(process.pid).padStart(9, '0').slice(-9)}`;
    const answers = await Promise.all(
      Array.from({ length: 10 }, () =>
        t.app.inject({
          method: 'POST',
          url: '/v1/auth/signup',
          payload: { phone, password: 'correct horse battery' },
          remoteAddress: nextIp(),
        }),
      ),
    );
    expect(answers.map((r) => r.statusCode).sort()).toEqual([
      201, 409, 409, 409, 409, 409, 409, 409, 409, 409,
    ]);
    for (const res of answers.filter((r) => r.statusCode === 409)) {
      expect((res.json() as ErrorBody).error.code).toBe('phone_taken');
    }
  });
});
