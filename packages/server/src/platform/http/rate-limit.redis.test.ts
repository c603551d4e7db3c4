import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginPerAccountPer15MinutesMax } from '../../kernel/limits.js';
import { createTestApp, nextIp, type TestApp } from '../../test/app.js';
import { createTestDatabase } from '../../test/db.js';
import type { DatabaseHandle } from '../db/connect.js';

/**
 * Two server nodes share one database and one Redis: a per-account login limit counts the
 * attempts made on both nodes together.
 */
describe('rate limits shared through Redis', () => {
  let database: DatabaseHandle;
  let nodeA: TestApp;
  let nodeB: TestApp;
  beforeAll(async () => {
    database = await createTestDatabase();
    const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
    nodeA = await createTestApp({ database, config: { redisUrl } });
    nodeB = await createTestApp({ database, config: { redisUrl } });
  });
  afterAll(async () => {
    await nodeA?.shutdown();
    await nodeB?.shutdown();
    await database?.close();
  });

  it('refuses the attempt after the limit, whichever node took the earlier ones', async () => {
    const login = `victim_${randomBytes(4).toString('hex')}`;
    const attempt = (node: TestApp) =>
      node.app.inject({
        method: 'POST',
        url: '/v1/auth/login',
        payload: { login, password: 'not the password' },
        remoteAddress: nextIp(),
      });
    const statuses: number[] = [];
    for (let i = 0; i < loginPerAccountPer15MinutesMax; i++) {
      statuses.push((await attempt(i % 2 === 0 ? nodeA : nodeB)).statusCode);
    }
    expect(statuses).toEqual(Array(loginPerAccountPer15MinutesMax).fill(401));
    const refused = await attempt(nodeA);
    expect(refused.statusCode).toBe(429);
    expect(refused.json()).toMatchObject({ error: { code: 'rate_limited' } });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    const refusedOnB = await attempt(nodeB);
    expect(refusedOnB.statusCode).toBe(429);
  });

  it('keeps separate accounts separate', async () => {
    const res = await nodeB.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { login: `other_${randomBytes(4).toString('hex')}`, password: 'not the password' },
      remoteAddress: nextIp(),
    });
    expect(res.statusCode).toBe(401);
  });
});
