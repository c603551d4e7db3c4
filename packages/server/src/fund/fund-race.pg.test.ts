import type { FundOrder, FundSummary } from '@jiaozi/protocol';
import type { LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../kernel/clock.js';
import { newId } from '../kernel/ids.js';
import type { DatabaseHandle } from '../platform/db/connect.js';
import { type Client, createTestApp, signupClient, type TestApp } from '../test/app.js';
import { createTestDatabase } from '../test/db.js';

/**
 * Real concurrency on Postgres: redemptions racing each other for the same shares and the
 * same daily instant allowance, the same order sent many times at once, and two nodes
 * accruing the same day together.
 */
const PIN = '135790';
const clock = new ManualClock('2026-11-17T02:00:00.000Z'); // Tuesday 10:00 in Shanghai

let database: DatabaseHandle;
let t: TestApp;
let second: TestApp;

beforeAll(async () => {
  database = await createTestDatabase({ poolMax: 30 });
  t = await createTestApp({ database, clock, config: { rateLimits: false, fundScheduler: false } });
  // A second node on the same database.
  second = await createTestApp({ database, clock, config: { rateLimits: false, fundScheduler: false } });
});

afterAll(async () => {
  await second?.shutdown();
  await t?.shutdown();
  await database?.close();
});

async function newUser(walletMinor: bigint): Promise<Client> {
  const c = await signupClient(t.app);
  const res = await c.request('PUT', '/v1/me/pin', { pin: PIN, password: c.password });
  expect(res.statusCode, res.body).toBe(204);
  await t.services.wallet.operatorCredit(c.userId, walletMinor, 'test');
  return c;
}

async function summary(c: Client): Promise<FundSummary> {
  return (await c.request('GET', '/v1/fund')).json() as FundSummary;
}

async function walletBalance(c: Client): Promise<number> {
  return ((await c.request('GET', '/v1/wallet')).json() as { balanceMinor: number }).balanceMinor;
}

function codes(results: LightMyRequestResponse[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of results) {
    const key =
      r.statusCode < 300 ? String(r.statusCode) : (r.json() as { error: { code: string } }).error.code;
    out[key] = (out[key] ?? 0) + 1;
  }
  return out;
}

async function expectConsistent(): Promise<void> {
  expect((await t.services.fund.verify()).problems).toEqual([]);
  expect((await t.services.ledger.verify()).problems).toEqual([]);
}

describe('fund races on Postgres', () => {
  let holder: Client;

  it('confirms a holding through two nodes accruing the same day at once, paying once', async () => {
    holder = await newUser(3_000_000n);
    const sub = await holder.request('POST', '/v1/fund/subscriptions', {
      id: newId(),
      amountMinor: 3_000_000,
      pin: PIN,
    });
    expect(sub.statusCode, sub.body).toBe(201);
    await t.services.fund.publishYield('2026-11-18', '1.0000');
    clock.set('2026-11-19T02:00:00.000Z');
    const runs = await Promise.all(
      Array.from({ length: 8 }, (_, i) => (i % 2 === 0 ? t : second).services.fund.accrue('2026-11-18')),
    );
    expect(runs.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(runs.map((r) => r.incomeTotalMinor))).toEqual(new Set([300]));
    expect(await summary(holder)).toMatchObject({ sharesMinor: 3_000_300, yesterdayIncomeMinor: 300 });
    const transfers = await sql<{ n: string }>`
      SELECT count(*)::text AS n FROM ledger_transfers WHERE code = 'fund_income'`.execute(database.db);
    expect(transfers.rows[0]?.n).toBe('1');
    await expectConsistent();
  });

  it('lets 40 concurrent instant redemptions take no more than the daily cap', async () => {
    // 40 × 300.00 = 12,000.00 asked for, 10,000.00 allowed: exactly 33 succeed (9,900.00).
    const results = await Promise.all(
      Array.from({ length: 40 }, () =>
        holder.request('POST', '/v1/fund/redemptions', {
          id: newId(),
          amountMinor: 30_000,
          mode: 'instant',
          pin: PIN,
        }),
      ),
    );
    expect(codes(results)).toEqual({ '201': 33, instant_redemption_limit_exceeded: 7 });
    expect(await summary(holder)).toMatchObject({
      sharesMinor: 3_000_300 - 990_000,
      instantRedeemedTodayMinor: 990_000,
    });
    expect(await walletBalance(holder)).toBe(990_000);
    await expectConsistent();
  });

  it('lets concurrent normal redemptions take no more than is held', async () => {
    const held = (await summary(holder)).sharesMinor; // 2,010,300
    // 30 × 100,000 asked for on both nodes, 2,010,300 held: exactly 20 succeed.
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        (i % 2 === 0 ? t : second).app.inject({
          method: 'POST',
          url: '/v1/fund/redemptions',
          headers: { authorization: `Bearer ${holder.token}` },
          payload: { id: newId(), amountMinor: 100_000, mode: 'normal', pin: PIN },
        }),
      ),
    );
    expect(codes(results)).toEqual({ '201': 20, insufficient_shares: 10 });
    expect((await summary(holder)).sharesMinor).toBe(held - 2_000_000);
    await expectConsistent();
    // Thursday's orders arrive on Friday; both nodes settle at once, each order once.
    clock.set('2026-11-19T16:00:00.000Z');
    const [a, b] = await Promise.all([
      t.services.fund.settleDueRedemptions(),
      second.services.fund.settleDueRedemptions(),
    ]);
    expect(a + b).toBe(20);
    expect(await walletBalance(holder)).toBe(990_000 + 2_000_000);
    await expectConsistent();
  });

  it('answers one order sent 20 times at once exactly once', async () => {
    const user = await newUser(100_000n);
    const id = newId();
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        user.request('POST', '/v1/fund/subscriptions', { id, amountMinor: 60_000, pin: PIN }),
      ),
    );
    expect(codes(results)).toEqual({ '200': 19, '201': 1 });
    expect(new Set(results.map((r) => (r.json() as FundOrder).id))).toEqual(new Set([id]));
    expect(await walletBalance(user)).toBe(40_000);
    expect((await summary(user)).pendingSubscriptionMinor).toBe(60_000);
    await expectConsistent();
  });
});
