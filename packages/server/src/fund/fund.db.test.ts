import type {
  ErrorBody,
  FundAccrual,
  FundHistory,
  FundOrder,
  FundQuote,
  FundSummary,
} from '@jiaozi/protocol';
import fc from 'fast-check';
import type { LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../kernel/clock.js';
import { newId } from '../kernel/ids.js';
import { type Client, createTestApp, signupClient, type TestApp } from '../test/app.js';
import { addDays, formatPer10k, simulatedYieldE4 } from './fund.core.js';

const PIN = '135790';
const META = { ip: null, userAgent: 'fund test' };
const clock = new ManualClock('2026-11-17T02:00:00.000Z'); // Tuesday 10:00 in Shanghai
let t: TestApp;
let admin: Client;

beforeAll(async () => {
  t = await createTestApp({ clock, config: { fundScheduler: false } });
  admin = await newUser();
  await t.services.identity.setRoleAndTier(admin.userId, { role: 'admin' });
});
afterAll(async () => t?.shutdown());

async function newUser(walletMinor = 0n): Promise<Client & { password: string }> {
  const c = await signupClient(t.app);
  const res = await c.request('PUT', '/v1/me/pin', { pin: PIN, password: c.password });
  expect(res.statusCode, res.body).toBe(204);
  if (walletMinor > 0n) await t.services.wallet.operatorCredit(c.userId, walletMinor, 'test');
  return c;
}

function expectError(res: LightMyRequestResponse, status: number, code: string): ErrorBody['error'] {
  const body = res.json() as ErrorBody;
  expect({ status: res.statusCode, code: body.error?.code }, res.body).toEqual({ status, code });
  return body.error;
}

async function summary(c: Client): Promise<FundSummary> {
  const res = await c.request('GET', '/v1/fund');
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as FundSummary;
}

async function walletBalance(c: Client): Promise<number> {
  return ((await c.request('GET', '/v1/wallet')).json() as { balanceMinor: number }).balanceMinor;
}

async function publish(date: string, per10k: string): Promise<LightMyRequestResponse> {
  return admin.request('POST', '/v1/admin/fund/yields', { date, per10k });
}

async function accrue(date: string): Promise<LightMyRequestResponse> {
  return admin.request('POST', '/v1/admin/fund/accruals', { date });
}

async function subscribe(c: Client, amountMinor: number, id = newId()): Promise<LightMyRequestResponse> {
  return c.request('POST', '/v1/fund/subscriptions', { id, amountMinor, pin: PIN });
}

async function redeem(
  c: Client,
  amountMinor: number,
  mode: 'instant' | 'normal',
  id = newId(),
): Promise<LightMyRequestResponse> {
  return c.request('POST', '/v1/fund/redemptions', { id, amountMinor, mode, pin: PIN });
}

async function expectConsistent(): Promise<void> {
  const fund = await t.services.fund.verify();
  expect(fund.problems).toEqual([]);
  const ledger = await t.services.ledger.verify();
  expect(ledger.problems).toEqual([]);
}

async function transferCount(): Promise<number> {
  const r = await sql<{ n: string }>`SELECT count(*)::text AS n FROM ledger_transfers`.execute(t.database.db);
  return Number(r.rows[0]?.n);
}

// The test vector: 10,000.00 held from the start, seven daily yields.
const VECTOR = ['1.2345', '1.1800', '1.2012', '0.9876', '0.9876', '1.3050', '1.2500'];
const VECTOR_DAYS = [
  '2026-11-18',
  '2026-11-19',
  '2026-11-20',
  '2026-11-21',
  '2026-11-22',
  '2026-11-23',
  '2026-11-24',
];

describe('the fund', () => {
  let holder: Client & { password: string };

  it('pays the test vector to the fen and shows 4.339 % as the 7-day yield', async () => {
    holder = await newUser(1_000_000n);
    // Tuesday 10:00, before the cut-off: confirmed Wednesday 2026-11-18, earning from then.
    const quote = (await holder.request('GET', '/v1/fund/quote')).json() as FundQuote;
    expect(quote.subscribe).toEqual({
      tradeDay: '2026-11-17',
      confirmDay: '2026-11-18',
      earnsFrom: '2026-11-18',
    });
    const sub = await subscribe(holder, 1_000_000);
    expect(sub.statusCode, sub.body).toBe(201);
    const order = sub.json() as FundOrder;
    expect(order).toMatchObject({
      kind: 'subscribe',
      amountMinor: 1_000_000,
      status: 'pending',
      effectiveDay: '2026-11-18',
    });
    expect(await walletBalance(holder)).toBe(0);
    expect(await summary(holder)).toMatchObject({
      balanceMinor: 1_000_000,
      sharesMinor: 0,
      pendingSubscriptionMinor: 1_000_000,
      yesterdayIncomeMinor: 0,
      sevenDayYieldPercent: null,
    });
    await expectConsistent();

    // A day is accrued once it has begun (the operator publishes its yield the next morning).
    expect((await publish('2026-11-18', VECTOR[0] as string)).statusCode).toBe(201);
    const early = expectError(await accrue('2026-11-18'), 400, 'invalid_request');
    expect(early.details).toEqual({ path: '/body/date' });
    clock.set('2026-11-25T01:00:00.000Z');
    const accruals: FundAccrual[] = [];
    for (const [i, day] of VECTOR_DAYS.entries()) {
      expect((await publish(day, VECTOR[i] as string)).statusCode).toBe(i === 0 ? 200 : 201);
      const res = await accrue(day);
      expect(res.statusCode, res.body).toBe(201);
      accruals.push(res.json() as FundAccrual);
    }
    expect(accruals[0]?.confirmedMinor).toBe(1_000_000);
    const s = await summary(holder);
    expect(s).toMatchObject({
      balanceMinor: 1_000_812,
      sharesMinor: 1_000_812,
      pendingSubscriptionMinor: 0,
      yesterdayIncomeMinor: 125,
      incomeDay: '2026-11-24',
      cumulativeIncomeMinor: 812,
      sevenDayYieldPercent: '4.339',
      latestPer10k: '1.2500',
      latestYieldDay: '2026-11-24',
    });
    const history = (await holder.request('GET', '/v1/fund/history?days=7')).json() as FundHistory;
    expect(history.days.map((d) => d.incomeMinor)).toEqual([123, 118, 120, 98, 98, 130, 125]);
    expect(history.days.map((d) => d.day)).toEqual(VECTOR_DAYS);
    expect(history.days.map((d) => d.per10k)).toEqual(VECTOR);
    expect(history.days[6]?.sevenDayYieldPercent).toBe('4.339');
    await expectConsistent();
  });

  it('accrues a day once: running it again pays nothing', async () => {
    const before = await transferCount();
    const again = await accrue('2026-11-24');
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ day: '2026-11-24', per10k: '1.2500', created: false });
    const direct = await t.services.fund.accrue('2026-11-24');
    expect(direct.created).toBe(false);
    expect(await transferCount()).toBe(before);
    expect((await summary(holder)).balanceMinor).toBe(1_000_812);
    await expectConsistent();
  });

  it('refuses bad yields and out-of-order accruals, changing nothing', async () => {
    expectError(await publish('2026-11-24', '1.2600'), 409, 'yield_conflict');
    expect((await publish('2026-11-24', '1.25')).statusCode).toBe(200);
    expectError(await publish('2026-11-25', '-1.0000'), 400, 'yield_invalid');
    expectError(await publish('2026-11-25', '10.0001'), 400, 'yield_invalid');
    expectError(await publish('2026-11-25', '1.23456'), 400, 'yield_invalid');
    expectError(await publish('2026-02-30', '1.2345'), 400, 'yield_invalid');
    expectError(await publish('2026-11-25', 'abc'), 400, 'yield_invalid');
    expectError(await accrue('2026-11-25'), 409, 'yield_missing');
    expectError(await accrue('2026-11-10'), 409, 'accrual_out_of_order');
    const user = await newUser();
    expectError(
      await user.request('POST', '/v1/admin/fund/yields', { date: '2026-11-25', per10k: '1.0000' }),
      403,
      'forbidden',
    );
    const yields = (await admin.request('GET', '/v1/fund/yields?days=30')).json() as { yields: unknown[] };
    expect(yields.yields).toHaveLength(7);
    expect((await t.services.fund.publishYield('2026-11-25', '10.0000')).per10k).toBe('10.0000');
    expectError(await publish('2026-11-25', '0'), 409, 'yield_conflict');
    await expectConsistent();
  });

  it('redeems instantly within the daily cap and normally on the next trading day', async () => {
    clock.set('2026-11-27T06:59:00.000Z'); // Friday 14:59 in Shanghai
    expectError(await redeem(holder, 1_000_813, 'normal'), 409, 'insufficient_shares');
    expect((await summary(holder)).sharesMinor).toBe(1_000_812);

    const first = await redeem(holder, 900_000, 'instant');
    expect(first.statusCode, first.body).toBe(201);
    expect(first.json()).toMatchObject({ kind: 'redeem_instant', status: 'done', amountMinor: 900_000 });
    expect(await walletBalance(holder)).toBe(900_000);
    const over = expectError(
      await redeem(holder, 100_001, 'instant'),
      409,
      'instant_redemption_limit_exceeded',
    );
    expect(over.details).toEqual({ dailyMaxMinor: 1_000_000, remainingMinor: 100_000 });
    expect(await walletBalance(holder)).toBe(900_000);
    expect((await summary(holder)).instantRedeemedTodayMinor).toBe(900_000);

    // Friday 14:59: T is Friday, the money arrives Monday.
    const quote = (await holder.request('GET', '/v1/fund/quote')).json() as FundQuote;
    expect(quote.redeemNormal).toMatchObject({ tradeDay: '2026-11-27', arrivesOn: '2026-11-30' });
    const normal = await redeem(holder, 100_001, 'normal');
    expect(normal.statusCode, normal.body).toBe(201);
    expect(normal.json()).toMatchObject({
      kind: 'redeem_normal',
      status: 'pending',
      effectiveDay: '2026-11-30',
    });
    expect(await summary(holder)).toMatchObject({ sharesMinor: 811, balanceMinor: 811 });
    const wallet = (await holder.request('GET', '/v1/wallet')).json() as { incomingPendingMinor: number };
    expect(wallet.incomingPendingMinor).toBe(100_001);
    await expectConsistent();

    // Saturday: nothing arrives yet. Monday: it does, once, however often the job runs.
    clock.set('2026-11-28T02:00:00.000Z');
    expect(await t.services.fund.settleDueRedemptions()).toBe(0);
    clock.set('2026-11-29T16:00:00.000Z'); // Monday 00:00 in Shanghai
    const [a, b] = await Promise.all([
      t.services.fund.settleDueRedemptions(),
      t.services.fund.settleDueRedemptions(),
    ]);
    expect(a + b).toBe(1);
    expect(await t.services.fund.settleDueRedemptions()).toBe(0);
    expect(await walletBalance(holder)).toBe(1_000_001);
    const orders = (await holder.request('GET', '/v1/fund/orders')).json() as { orders: FundOrder[] };
    expect(orders.orders.map((o) => [o.kind, o.status])).toEqual([
      ['redeem_normal', 'done'],
      ['redeem_instant', 'done'],
      ['subscribe', 'done'],
    ]);
    // A new day, a new instant allowance.
    expect((await redeem(holder, 811, 'instant')).statusCode).toBe(201);
    expect((await summary(holder)).balanceMinor).toBe(0);
    await expectConsistent();
  });

  it('refuses subscriptions the wallet cannot pay, a wrong PIN, and a reused id; replays the same', async () => {
    const user = await newUser(5_000n);
    expectError(await subscribe(user, 5_001), 409, 'insufficient_funds');
    expectError(
      await user.request('POST', '/v1/fund/subscriptions', { id: newId(), amountMinor: 100, pin: '864202' }),
      401,
      'pin_incorrect',
    );
    expectError(
      await user.request('POST', '/v1/fund/subscriptions', { id: newId(), amountMinor: 0, pin: PIN }),
      400,
      'invalid_amount',
    );
    const id = newId();
    expect((await subscribe(user, 2_000, id)).statusCode).toBe(201);
    const replay = await subscribe(user, 2_000, id);
    expect(replay.statusCode).toBe(200);
    expect((replay.json() as FundOrder).id).toBe(id);
    expectError(await subscribe(user, 2_001, id), 409, 'idempotency_conflict');
    expectError(await redeem(user, 1, 'instant', id), 409, 'idempotency_conflict');
    // Not confirmed yet: nothing to redeem.
    expectError(await redeem(user, 1, 'instant'), 409, 'insufficient_shares');
    expect(await walletBalance(user)).toBe(3_000);
    expect((await summary(user)).balanceMinor).toBe(2_000);
    await expectConsistent();
  });
});

describe('the cut-off and the trading calendar through the API', () => {
  it('counts Friday 14:59 on Friday and 15:01 on the next trading day, skipping holidays', async () => {
    const calendarClock = new ManualClock('2026-11-27T06:59:00.000Z');
    const c = await createTestApp({
      clock: calendarClock,
      config: { fundScheduler: false, fundHolidays: ['2026-11-30'] },
      database: t.database,
    });
    try {
      const user = await signupClient(c.app);
      const quoteAt = async (iso: string) => {
        calendarClock.set(iso);
        return (await user.request('GET', '/v1/fund/quote')).json() as FundQuote;
      };
      // Friday 14:59: T = Friday; Monday is a holiday, so confirmed Tuesday.
      expect((await quoteAt('2026-11-27T06:59:00.000Z')).subscribe).toEqual({
        tradeDay: '2026-11-27',
        confirmDay: '2026-12-01',
        earnsFrom: '2026-12-01',
      });
      // Friday 15:01: T = Tuesday (Monday is closed), confirmed Wednesday.
      expect((await quoteAt('2026-11-27T07:01:00.000Z')).subscribe).toEqual({
        tradeDay: '2026-12-01',
        confirmDay: '2026-12-02',
        earnsFrom: '2026-12-02',
      });
      // Saturday counts on the next trading day too.
      const saturday = await quoteAt('2026-11-28T02:00:00.000Z');
      expect(saturday.redeemNormal).toMatchObject({ tradeDay: '2026-12-01', arrivesOn: '2026-12-02' });
      expect(saturday.redeemNormal.arrivesAt).toBe('2026-12-01T16:00:00.000Z');
    } finally {
      await c.close();
    }
  });
});

describe('fund invariants under generated operations', () => {
  it('keeps the pool equal to the holders, never pays negative income, and pays each day once', async () => {
    const users = await Promise.all([newUser(5_000_000n), newUser(5_000_000n), newUser(5_000_000n)]);
    let day = '2026-12-10';
    clock.set('2026-12-10T01:00:00.000Z');
    const op = fc.oneof(
      fc.record({
        kind: fc.constant('subscribe' as const),
        user: fc.nat(2),
        amount: fc.integer({ min: 1, max: 300_000 }),
      }),
      fc.record({
        kind: fc.constantFrom('instant' as const, 'normal' as const),
        user: fc.nat(2),
        amount: fc.integer({ min: 1, max: 300_000 }),
      }),
      fc.record({ kind: fc.constant('day' as const), per10k: fc.integer({ min: 0, max: 100_000 }) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 12 }), async (ops) => {
        for (const o of ops) {
          if (o.kind === 'day') {
            const per10k = `${Math.floor(o.per10k / 10_000)}.${String(o.per10k % 10_000).padStart(4, '0')}`;
            await t.services.fund.publishYield(day, per10k);
            const before = await Promise.all(users.map((u) => t.services.fund.repo.holding(u.userId)));
            const first = await t.services.fund.accrue(day);
            expect(first.created).toBe(true);
            expect(first.incomeTotalMinor).toBeGreaterThanOrEqual(0);
            const after = await Promise.all(users.map((u) => t.services.fund.repo.holding(u.userId)));
            for (const [i, h] of after.entries()) {
              const b = before[i];
              if (!h || !b) continue;
              // Income is never negative and is exactly floor(shares × yield ÷ 10^8) on the confirmed shares.
              expect(h.cumulativeIncome).toBeGreaterThanOrEqual(b.cumulativeIncome);
              expect(h.shares + h.pending).toBeGreaterThanOrEqual(b.shares + b.pending);
            }
            const count = await transferCount();
            expect((await t.services.fund.accrue(day)).created).toBe(false);
            expect(await transferCount()).toBe(count);
            day = addDays(day, 1);
            clock.set(`${day}T01:00:00.000Z`);
            await t.services.fund.settleDueRedemptions();
          } else {
            const user = users[o.user] as Client;
            const run =
              o.kind === 'subscribe'
                ? t.services.fund.subscribe(
                    user.userId,
                    { id: newId(), amountMinor: o.amount, pin: PIN },
                    META,
                  )
                : t.services.fund.redeem(
                    user.userId,
                    { id: newId(), amountMinor: o.amount, mode: o.kind, pin: PIN },
                    META,
                  );
            await run.catch((error: { code?: string }) => {
              expect([
                'insufficient_funds',
                'insufficient_shares',
                'instant_redemption_limit_exceeded',
              ]).toContain(error.code);
            });
          }
        }
        const report = await t.services.fund.verify();
        expect(report.problems).toEqual([]);
      }),
      { numRuns: 25 },
    );
    await expectConsistent();
  });
});

describe('the daily scheduler', () => {
  it('accrues published days up to yesterday in order, waiting at a missing day', async () => {
    const schedulerClock = new ManualClock('2026-11-06T02:00:00.000Z'); // Friday 6 November
    const s = await createTestApp({ clock: schedulerClock, config: { fundScheduler: false } });
    try {
      const fund = s.services.fund;
      for (const day of ['2026-11-01', '2026-11-02', '2026-11-04', '2026-11-06']) {
        await fund.publishYield(day, '1.0000');
      }
      expect((await fund.accrueDue()).map((a) => a.day)).toEqual(['2026-11-01', '2026-11-02']);
      expect(await fund.accrueDue()).toEqual([]);
      await fund.publishYield('2026-11-03', '1.1000');
      // 6 November is today: not due until tomorrow.
      expect((await fund.accrueDue()).map((a) => a.day)).toEqual(['2026-11-03', '2026-11-04']);
      await fund.publishYield('2026-11-05', '1.1000');
      schedulerClock.set('2026-11-07T02:00:00.000Z');
      // The scheduler itself: a pass runs as soon as it starts.
      fund.startScheduler();
      await expect.poll(async () => fund.repo.lastAccrualDay()).toBe('2026-11-06');
      await fund.stopScheduler();
      expect((await fund.verify()).problems).toEqual([]);
    } finally {
      await s.shutdown();
    }
  });

  it('makes and accrues the simulated yield for each day since the last, once', async () => {
    const simClock = new ManualClock('2026-11-10T02:00:00.000Z');
    const s = await createTestApp({
      clock: simClock,
      config: { fundScheduler: false, fundYieldSource: 'simulated' },
    });
    try {
      const fund = s.services.fund;
      expect((await fund.accrueDue()).map((a) => a.day)).toEqual(['2026-11-09']);
      expect(await fund.accrueDue()).toEqual([]);
      simClock.set('2026-11-13T02:00:00.000Z');
      const days = await fund.accrueDue();
      expect(days.map((a) => a.day)).toEqual(['2026-11-10', '2026-11-11', '2026-11-12']);
      const yields = await fund.yields(30);
      expect(yields.map((y) => y.source)).toEqual(['simulated', 'simulated', 'simulated', 'simulated']);
      expect(yields.map((y) => y.per10k)).toEqual(
        ['2026-11-09', '2026-11-10', '2026-11-11', '2026-11-12'].map((d) =>
          formatPer10k(simulatedYieldE4(d)),
        ),
      );
    } finally {
      await s.shutdown();
    }
  });
});
