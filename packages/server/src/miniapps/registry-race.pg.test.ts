import type { CreatedApp, LoginCode, MerchantSession } from '@jiaozi/protocol';
import type { LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import * as limits from '../kernel/limits.js';
import type { DatabaseHandle } from '../platform/db/connect.js';
import { createTestApp, signupClient, type TestApp } from '../test/app.js';
import { createTestDatabase } from '../test/db.js';
import { tally } from '../test/http.js';

/**
 * Real concurrency against Postgres: one login code redeemed by many merchant requests at
 * once, the first openid of a user issued by many at once, a storage quota filled by many
 * writers at once, a developer's app limit hit by many registrations at once.
 */
let database: DatabaseHandle;
let t: TestApp;

beforeAll(async () => {
  database = await createTestDatabase({ poolMax: 20 });
  t = await createTestApp({ database, config: { rateLimits: false } });
});

afterAll(async () => {
  await t?.shutdown();
  await database?.close();
});

function ok<T>(res: LightMyRequestResponse, status = 200): T {
  expect(res.statusCode, res.body).toBe(status);
  return res.json() as T;
}

async function app(): Promise<CreatedApp> {
  const dev = await signupClient(t.app);
  return t.services.miniapps.registerApproved(dev.userId, {
    name: 'Shop',
    description: '',
    origin: 'https://shop.example',
    scopes: [],
  });
}

const session = (secret: string, code: string) =>
  t.app.inject({
    method: 'POST',
    url: '/v1/merchant/sessions',
    headers: { authorization: `Bearer ${secret}` },
    payload: { code },
  });

it('lets exactly one of 20 concurrent exchanges of a login code win', async () => {
  const shop = await app();
  const alice = await signupClient(t.app);
  for (let round = 0; round < 5; round++) {
    const { code } = ok<LoginCode>(
      await alice.request('POST', `/v1/miniapps/${shop.app.id}/login-codes`),
      201,
    );
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => session(i % 2 === 0 ? shop.liveSecret : shop.testSecret, code)),
    );
    expect(tally(answers)).toEqual({ 200: 1, '400 login_code_invalid': 19 });
    const [winner] = answers.filter((r) => r.statusCode === 200);
    const openid = ok<MerchantSession>(winner as LightMyRequestResponse).openid;
    expect(await t.services.miniapps.userIdForOpenid(shop.app.id, openid)).toBe(alice.userId);
  }
});

it('issues one openid row however many first logins race', async () => {
  const shop = await app();
  const bob = await signupClient(t.app);
  const codes = await Promise.all(
    Array.from({ length: 10 }, async () =>
      ok<LoginCode>(await bob.request('POST', `/v1/miniapps/${shop.app.id}/login-codes`), 201),
    ),
  );
  const answers = await Promise.all(codes.map((c) => session(shop.liveSecret, c.code)));
  const openids = new Set(answers.map((r) => ok<MerchantSession>(r).openid));
  expect(openids.size).toBe(1);
  const rows = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM miniapp_openids WHERE app_id = ${shop.app.id} AND user_id = ${bob.userId}
  `.execute(database.db);
  expect(rows.rows[0]?.n).toBe(1);
});

it(`never lets concurrent writers pass ${limits.miniappStorageKeysMax} storage keys`, async () => {
  const shop = await app();
  const carol = await signupClient(t.app);
  const prefill = limits.miniappStorageKeysMax - 5;
  for (let i = 0; i < prefill; i++)
    await t.services.miniapps.storageSet(carol.userId, shop.app.id, `p${i}`, i);
  const answers = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      carol.request('PUT', `/v1/miniapps/${shop.app.id}/storage/new${i}`, { value: i }),
    ),
  );
  expect(tally(answers)).toEqual({ 200: 5, '409 storage_quota_exceeded': 15 });
  const rows = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM miniapp_storage WHERE app_id = ${shop.app.id} AND user_id = ${carol.userId}
  `.execute(database.db);
  expect(rows.rows[0]?.n).toBe(limits.miniappStorageKeysMax);
});

it(`never lets concurrent registrations pass ${limits.miniappsPerDeveloperMax} apps`, async () => {
  const dev = await signupClient(t.app);
  const answers = await Promise.all(
    Array.from({ length: limits.miniappsPerDeveloperMax + 10 }, (_, i) =>
      dev.request('POST', '/v1/developer/apps', {
        name: `App ${i}`,
        description: '',
        origin: `https://app${i}.example`,
        scopes: [],
      }),
    ),
  );
  expect(tally(answers)).toEqual({ 201: limits.miniappsPerDeveloperMax, '409 app_limit_reached': 10 });
});
