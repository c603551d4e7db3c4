import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateToLatest, migrationNames } from '../platform/db/migrate.js';
import { createTestApp, nextIp, type TestApp } from '../test/app.js';
import { DEMO_PASSWORD, DEMO_PIN, DEMO_USERS, seedDemo, seedDemoActivity } from './demo.js';

describe('demo data and migrations', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => t?.shutdown());

  it('seeds alice, bob and carol once, with the documented password, PIN, role and tier', async () => {
    const first = await seedDemo(t.services.identity);
    expect(first).toEqual({ created: ['alice', 'bob', 'carol'], existing: [] });
    const second = await seedDemo(t.services.identity);
    expect(second).toEqual({ created: [], existing: ['alice', 'bob', 'carol'] });

    for (const demo of DEMO_USERS) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/v1/auth/login',
        payload: { login: demo.username, password: DEMO_PASSWORD },
        remoteAddress: nextIp(),
      });
      expect(res.statusCode).toBe(200);
      const body = res.json() as { token: string; user: { role: string; kycTier: number; hasPin: boolean } };
      expect(body.user).toMatchObject({ role: demo.role, kycTier: demo.kycTier, hasPin: true });
      const verify = await t.app.inject({
        method: 'POST',
        url: '/v1/me/pin/verify',
        headers: { authorization: `Bearer ${body.token}` },
        payload: { pin: DEMO_PIN },
      });
      expect(verify.statusCode).toBe(204);
    }
  });

  it('gives the fresh demo balances, friends, a chat and a group, once', async () => {
    const services = t.services;
    await seedDemoActivity(services, ['alice', 'bob', 'carol']);
    const ids = await Promise.all(['alice', 'bob', 'carol'].map((n) => services.identity.findByLogin(n)));
    const [alice, bob, carol] = ids.map((u) => u?.id as string) as [string, string, string];
    expect((await services.wallet.summary(alice)).balanceMinor).toBe(100_000);
    expect((await services.wallet.summary(bob)).balanceMinor).toBe(50_000);
    expect((await services.wallet.summary(carol)).balanceMinor).toBe(20_000);
    expect(await services.social.areFriends(alice, bob)).toBe(true);
    expect(await services.social.areFriends(alice, carol)).toBe(true);
    expect(await services.social.areFriends(bob, carol)).toBe(false);
    const list = await services.chat.list(bob);
    expect(list.map((c) => c.kind).sort()).toEqual(['direct', 'group']);
    // A month in the money fund: 20,000.00 confirmed 30 days ago, earning every day since.
    const fund = await services.fund.summary(alice);
    expect(fund.sharesMinor).toBe(2_000_000 + fund.cumulativeIncomeMinor);
    expect(fund.cumulativeIncomeMinor).toBeGreaterThan(30 * 180);
    expect(fund.sevenDayYieldPercent).toMatch(/^[3-5]\.\d{3}$/);
    const history = await services.fund.history(alice, 30);
    expect(history.days).toHaveLength(30);
    expect(history.days.every((d) => d.incomeMinor > 0 && d.sevenDayYieldPercent !== null)).toBe(true);
    expect((await services.fund.verify()).problems).toEqual([]);
    // Running the seed again (nothing newly created) changes nothing.
    await seedDemoActivity(services, []);
    expect((await services.wallet.summary(alice)).balanceMinor).toBe(100_000);
    expect((await services.ledger.verify()).problems).toEqual([]);
  });

  it('records every migration once, and migrating again applies nothing', async () => {
    const again = await migrateToLatest(t.database.db as never);
    expect(again.results).toEqual([]);
    const rows = await sql<{ name: string }>`SELECT name FROM schema_migrations ORDER BY name`.execute(
      t.database.db,
    );
    expect(rows.rows.map((r) => r.name)).toEqual(migrationNames());
    for (const name of migrationNames()) expect(name).toMatch(/^\d{4}_[a-z0-9_]+$/);
  });
});
