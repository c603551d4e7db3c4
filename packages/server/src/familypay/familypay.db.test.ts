import type {
  ErrorBody,
  FamilyGrant,
  FamilyGrantUse,
  Message,
  MessagePage,
  PayCode,
  WalletSummary,
} from '@jiaozi/protocol';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../kernel/clock.js';
import { newId } from '../kernel/ids.js';
import * as limits from '../kernel/limits.js';
import { outboxFor } from '../platform/outbox/outbox.js';
import { type Client, createTestApp, signupClient, type TestApp } from '../test/app.js';

const PIN = '135790';
const clock = new ManualClock('2026-11-25T08:00:00.000Z');
let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({ clock, config: { timeZone: 'Asia/Shanghai' } });
});

afterAll(async () => {
  await t?.shutdown();
});

// ── Helpers ──────────────────────────────────────────────────────────────────

function ok<T>(res: LightMyRequestResponse, status = 200): T {
  expect(res.statusCode, res.body).toBe(status);
  return (res.statusCode === 204 ? null : res.json()) as T;
}

function expectError(
  res: LightMyRequestResponse,
  status: number,
  code: string,
  details?: Record<string, unknown>,
): void {
  const body = res.json() as ErrorBody;
  expect({ status: res.statusCode, code: body.error?.code }, res.body).toEqual({ status, code });
  if (details !== undefined) expect(body.error.details).toEqual(details);
}

async function user(): Promise<Client> {
  const c = await signupClient(t.app);
  ok(await c.request('PUT', '/v1/me/pin', { pin: PIN, password: c.password }), 204);
  return c;
}

async function befriend(a: Client, b: Client): Promise<void> {
  const req = ok<{ id: string }>(
    await a.request('POST', '/v1/friend-requests', { id: newId(), to: { userId: b.userId } }),
    201,
  );
  ok(await b.request('POST', `/v1/friend-requests/${req.id}/accept`));
}

async function balance(c: Client): Promise<number> {
  return ok<WalletSummary>(await c.request('GET', '/v1/wallet')).balanceMinor;
}

async function usedToday(c: Client): Promise<number> {
  return ok<WalletSummary>(await c.request('GET', '/v1/wallet')).limits.dailyOutflowUsedMinor;
}

/** A granter holding `funds`, a friend, a merchant; the grant offered and accepted. */
async function family(limitMinor: number, funds: number) {
  const [granter, grantee, merchant] = [await user(), await user(), await user()];
  await befriend(granter, grantee);
  if (funds > 0) await t.services.wallet.operatorCredit(granter.userId, BigInt(funds), 'test');
  const offered = ok<FamilyGrant>(
    await granter.request('POST', '/v1/family-pay/grants', {
      id: newId(),
      granteeId: grantee.userId,
      monthlyLimitMinor: limitMinor,
    }),
    201,
  );
  const grant = ok<FamilyGrant>(await grantee.request('POST', `/v1/family-pay/grants/${offered.id}/accept`));
  return { granter, grantee, merchant, grant };
}

async function grantCode(grantee: Client, grantId: string): Promise<string> {
  return ok<PayCode>(await grantee.request('POST', `/v1/family-pay/grants/${grantId}/paycode`, { pin: PIN }))
    .code;
}

function charge(merchant: Client, code: string, amountMinor: number, id = newId()) {
  return merchant.request('POST', '/v1/paycode-charges', { id, code, amountMinor, note: 'noodles' });
}

async function grantOf(c: Client, id: string): Promise<FamilyGrant> {
  return ok<FamilyGrant>(await c.request('GET', `/v1/family-pay/grants/${id}`));
}

// ── Tests ────────────────────────────────────────────────────────────────────

describe('family pay grants', () => {
  it('offers, accepts and lists a grant on both sides; a retry of the offer answers the original', async () => {
    const [alice, bob] = [await user(), await user()];
    await befriend(alice, bob);
    const body = { id: newId(), granteeId: bob.userId, monthlyLimitMinor: 10_000 };
    const offered = ok<FamilyGrant>(await alice.request('POST', '/v1/family-pay/grants', body), 201);
    expect(offered).toMatchObject({
      status: 'offered',
      monthlyLimitMinor: 10_000,
      currency: 'CNY',
      month: '2026-11',
      usedThisMonthMinor: 0,
      remainingThisMonthMinor: 10_000,
      granter: { userId: alice.userId },
      grantee: { userId: bob.userId },
      endsAt: null,
    });
    expect(ok<FamilyGrant>(await alice.request('POST', '/v1/family-pay/grants', body), 200).id).toBe(
      offered.id,
    );
    expectError(
      await alice.request('POST', '/v1/family-pay/grants', { ...body, monthlyLimitMinor: 20_000 }),
      409,
      'idempotency_conflict',
    );
    // Only the grantee accepts.
    expectError(await alice.request('POST', `/v1/family-pay/grants/${offered.id}/accept`), 404, 'not_found');
    const accepted = ok<FamilyGrant>(await bob.request('POST', `/v1/family-pay/grants/${offered.id}/accept`));
    expect(accepted.status).toBe('active');
    for (const c of [alice, bob]) {
      const { grants } = ok<{ grants: FamilyGrant[] }>(await c.request('GET', '/v1/family-pay/grants'));
      expect(grants.map((g) => [g.id, g.status])).toEqual([[offered.id, 'active']]);
    }
    const topics = (await outboxFor(t.database.db, alice.userId)).map((u) => u.topic);
    expect(topics.filter((x) => x === 'family.grant_changed')).toHaveLength(2);
  });

  it('refuses bad offers with clear codes and writes nothing', async () => {
    const [alice, bob, stranger] = [await user(), await user(), await user()];
    await befriend(alice, bob);
    const offer = (extra: Record<string, unknown>) =>
      alice.request('POST', '/v1/family-pay/grants', {
        id: newId(),
        granteeId: bob.userId,
        monthlyLimitMinor: 10_000,
        ...extra,
      });
    expectError(await offer({ monthlyLimitMinor: 99 }), 400, 'invalid_amount', {
      minMinor: 100,
      maxMinor: 2_000_000,
    });
    expectError(await offer({ monthlyLimitMinor: 2_000_001 }), 400, 'invalid_amount');
    expectError(await offer({ monthlyLimitMinor: 12.5 }), 400, 'invalid_request');
    expectError(await offer({ granteeId: stranger.userId }), 404, 'not_found');
    expectError(await offer({ granteeId: alice.userId }), 400, 'cannot_pay_self');
    expectError(await offer({ endsAt: '2026-11-25T07:00:00.000Z' }), 400, 'invalid_request');
    expect(ok<{ grants: FamilyGrant[] }>(await alice.request('GET', '/v1/family-pay/grants')).grants).toEqual(
      [],
    );
    // The 1.00 and 20,000.00 bounds themselves are fine.
    ok(await offer({ monthlyLimitMinor: 100 }), 201);
    ok(await offer({ monthlyLimitMinor: 2_000_000 }), 201);
  });

  it(`allows at most ${limits.familyGrantsActivePerGranterMax} live grants per granter; an ended one frees a place`, async () => {
    const alice = await user();
    const friends: Client[] = [];
    for (let i = 0; i <= limits.familyGrantsActivePerGranterMax; i++) {
      const f = await user();
      await befriend(alice, f);
      friends.push(f);
    }
    const ids: string[] = [];
    for (const f of friends.slice(0, limits.familyGrantsActivePerGranterMax)) {
      const g = ok<FamilyGrant>(
        await alice.request('POST', '/v1/family-pay/grants', {
          id: newId(),
          granteeId: f.userId,
          monthlyLimitMinor: 500,
        }),
        201,
      );
      ids.push(g.id);
    }
    const last = friends[limits.familyGrantsActivePerGranterMax] as Client;
    const body = { granteeId: last.userId, monthlyLimitMinor: 500 };
    expectError(
      await alice.request('POST', '/v1/family-pay/grants', { id: newId(), ...body }),
      400,
      'invalid_request',
    );
    ok(await alice.request('POST', `/v1/family-pay/grants/${ids[0]}/end`));
    ok(await alice.request('POST', '/v1/family-pay/grants', { id: newId(), ...body }), 201);
  });

  it('lets an unaccepted offer lapse after 24 hours: it cannot be accepted or used', async () => {
    const [alice, bob] = [await user(), await user()];
    await befriend(alice, bob);
    const g = ok<FamilyGrant>(
      await alice.request('POST', '/v1/family-pay/grants', {
        id: newId(),
        granteeId: bob.userId,
        monthlyLimitMinor: 1_000,
      }),
      201,
    );
    expectError(
      await bob.request('POST', `/v1/family-pay/grants/${g.id}/paycode`, { pin: PIN }),
      404,
      'not_found',
    );
    clock.advanceSeconds(limits.familyGrantOfferTtlSeconds);
    expect((await grantOf(bob, g.id)).status).toBe('lapsed');
    expectError(await bob.request('POST', `/v1/family-pay/grants/${g.id}/accept`), 404, 'not_found');
  });
});

describe('paying through a grant', () => {
  it("pays a merchant's pay-code charge from the granter's wallet and tells the granter", async () => {
    const { granter, grantee, merchant, grant } = await family(10_000, 50_000);
    await t.services.wallet.operatorCredit(grantee.userId, 700n, 'test');
    const code = await grantCode(grantee, grant.id);
    const res = await charge(merchant, code, 3_000);
    const transfer = ok<{
      id: string;
      from: { userId: string };
      to: { userId: string };
      amountMinor: number;
    }>(res, 201);
    expect({ from: transfer.from.userId, to: transfer.to.userId, amount: transfer.amountMinor }).toEqual({
      from: granter.userId,
      to: merchant.userId,
      amount: 3_000,
    });
    expect([await balance(granter), await balance(grantee), await balance(merchant)]).toEqual([
      47_000, 700, 3_000,
    ]);
    // It counts against the granter's own daily outflow, not the grantee's.
    expect([await usedToday(granter), await usedToday(grantee)]).toEqual([3_000, 0]);
    // The same charge again answers the original and moves nothing.
    ok(await charge(merchant, code, 3_000, transfer.id), 200);
    expect(await balance(granter)).toBe(47_000);

    for (const c of [granter, grantee]) {
      const g = await grantOf(c, grant.id);
      expect([g.usedThisMonthMinor, g.remainingThisMonthMinor]).toEqual([3_000, 7_000]);
    }
    const { uses } = ok<{ uses: FamilyGrantUse[] }>(
      await granter.request('GET', `/v1/family-pay/grants/${grant.id}/uses`),
    );
    expect(uses).toEqual([
      {
        transferId: transfer.id,
        merchant: expect.objectContaining({ userId: merchant.userId }),
        amountMinor: 3_000,
        currency: 'CNY',
        note: 'noodles',
        month: '2026-11',
        createdAt: expect.any(String),
      },
    ]);
    // An update-log event and a system message in the pair's direct chat.
    const granterLog = await outboxFor(t.database.db, granter.userId);
    const used = granterLog.filter((u) => u.topic === 'family.grant_used');
    expect(used).toHaveLength(1);
    expect(used[0]?.payload).toMatchObject({ use: { transferId: transfer.id, amountMinor: 3_000 } });
    const conv = ok<{ id: string }>(
      await granter.request('POST', '/v1/conversations/direct', { userId: grantee.userId }),
    ).id;
    const page = ok<MessagePage>(await granter.request('GET', `/v1/conversations/${conv}/messages`));
    const system = page.messages.filter((m: Message) => m.kind === 'system');
    expect(system.map((m) => m.payload)).toEqual([
      {
        event: 'family_pay_used',
        grantId: grant.id,
        granteeId: grantee.userId,
        merchantName: expect.any(String),
        amountMinor: 3_000,
        currency: 'CNY',
      },
    ]);
    // The granter's history shows the pay-code payment to the merchant.
    const history = ok<{ items: { id: string; kind: string; direction: string; amountMinor: number }[] }>(
      await granter.request('GET', '/v1/wallet/history?kind=paycode'),
    );
    expect(history.items.map((i) => [i.id, i.direction, i.amountMinor])).toEqual([
      [transfer.id, 'out', 3_000],
    ]);
  });

  it('answers 409 over the monthly remainder and over the granter balance, saying which; nothing moves', async () => {
    const { granter, grantee, merchant, grant } = await family(10_000, 8_000);
    ok(await charge(merchant, await grantCode(grantee, grant.id), 6_000), 201);
    const code = await grantCode(grantee, grant.id);
    expectError(await charge(merchant, code, 4_001), 409, 'grant_limit_exceeded', {
      which: 'monthly_remainder',
      monthlyLimitMinor: 10_000,
      remainingMinor: 4_000,
    });
    // 4,000 fit the month, but the granter holds 2,000.
    expectError(await charge(merchant, code, 4_000), 409, 'insufficient_funds', { which: 'granter_balance' });
    expect([await balance(granter), await balance(merchant), await usedToday(granter)]).toEqual([
      2_000, 6_000, 6_000,
    ]);
    expect((await grantOf(granter, grant.id)).remainingThisMonthMinor).toBe(4_000);
    // A refused charge leaves the code usable.
    ok(await charge(merchant, code, 2_000), 201);
    expect([await balance(granter), await balance(merchant)]).toEqual([0, 8_000]);
    expect((await grantOf(granter, grant.id)).remainingThisMonthMinor).toBe(2_000);
  });

  it("keeps to the granter's daily outflow limit of their KYC tier", async () => {
    // Tier 0: at most 2,000.00 a payment and 5,000.00 a day.
    const { granter, grantee, merchant, grant } = await family(2_000_000, 600_000);
    ok(await charge(merchant, await grantCode(grantee, grant.id), 200_000), 201);
    ok(await charge(merchant, await grantCode(grantee, grant.id), 200_000), 201);
    const code = await grantCode(grantee, grant.id);
    expectError(await charge(merchant, code, 200_001), 400, 'invalid_amount');
    expectError(await charge(merchant, code, 200_000), 409, 'daily_limit_exceeded');
    expect([await balance(granter), await usedToday(granter)]).toEqual([200_000, 400_000]);
    expect((await grantOf(granter, grant.id)).usedThisMonthMinor).toBe(400_000);
    ok(await charge(merchant, code, 100_000), 201);
    expect([await balance(granter), await balance(merchant), await usedToday(granter)]).toEqual([
      100_000, 500_000, 500_000,
    ]);
  });

  it('refuses ended and someone else’s grants with 404, and transfers to people with 403', async () => {
    const { granter, grantee, merchant, grant } = await family(10_000, 10_000);
    const other = await user();
    expectError(
      await other.request('POST', `/v1/family-pay/grants/${grant.id}/paycode`, { pin: PIN }),
      404,
      'not_found',
    );
    expectError(
      await granter.request('POST', `/v1/family-pay/grants/${grant.id}/paycode`, { pin: PIN }),
      404,
      'not_found',
    );
    expectError(await other.request('GET', `/v1/family-pay/grants/${grant.id}`), 404, 'not_found');
    expectError(await other.request('POST', `/v1/family-pay/grants/${grant.id}/end`), 404, 'not_found');
    expectError(
      await grantee.request('POST', `/v1/family-pay/grants/${grant.id}/paycode`, { pin: '000000' }),
      401,
      'pin_incorrect',
    );
    const transferBody = { id: newId(), to: { userId: merchant.userId }, amountMinor: 100, pin: PIN };
    expectError(
      await grantee.request('POST', '/v1/transfers', { ...transferBody, grantId: grant.id }),
      403,
      'grant_use_not_allowed',
    );
    expectError(
      await other.request('POST', '/v1/transfers', { ...transferBody, grantId: grant.id }),
      404,
      'not_found',
    );

    const code = await grantCode(grantee, grant.id);
    const ended = ok<FamilyGrant>(await grantee.request('POST', `/v1/family-pay/grants/${grant.id}/end`));
    expect(ended.status).toBe('ended');
    // A code shown before the end pays nothing after it; a new one is not given.
    expectError(await charge(merchant, code, 100), 404, 'not_found');
    expectError(
      await grantee.request('POST', `/v1/family-pay/grants/${grant.id}/paycode`, { pin: PIN }),
      404,
      'not_found',
    );
    expect([await balance(granter), await balance(merchant)]).toEqual([10_000, 0]);
    expect(
      (await outboxFor(t.database.db, granter.userId)).filter((u) => u.topic === 'family.grant_used'),
    ).toEqual([]);
  });

  it('ends a grant at its end date', async () => {
    const [alice, bob] = [await user(), await user()];
    await befriend(alice, bob);
    const endsAt = new Date(clock.now().getTime() + 3_600_000).toISOString();
    const g = ok<FamilyGrant>(
      await alice.request('POST', '/v1/family-pay/grants', {
        id: newId(),
        granteeId: bob.userId,
        monthlyLimitMinor: 1_000,
        endsAt,
      }),
      201,
    );
    ok(await bob.request('POST', `/v1/family-pay/grants/${g.id}/accept`));
    await grantCode(bob, g.id);
    clock.advanceSeconds(3_600);
    expect((await grantOf(alice, g.id)).status).toBe('ended');
    expectError(
      await bob.request('POST', `/v1/family-pay/grants/${g.id}/paycode`, { pin: PIN }),
      404,
      'not_found',
    );
  });

  it('resets what is left at midnight of the configured time zone, not of UTC', async () => {
    // 23:59 on 30 November in Shanghai (15:59 UTC).
    clock.set('2026-11-30T15:59:00.000Z');
    const { granter, grantee, merchant, grant } = await family(10_000, 50_000);
    ok(await charge(merchant, await grantCode(grantee, grant.id), 10_000), 201);
    expect((await grantOf(grantee, grant.id)).remainingThisMonthMinor).toBe(0);
    expectError(
      await charge(merchant, await grantCode(grantee, grant.id), 100),
      409,
      'grant_limit_exceeded',
      {
        which: 'monthly_remainder',
        monthlyLimitMinor: 10_000,
        remainingMinor: 0,
      },
    );
    // 00:00 on 1 December in Shanghai; still 30 November in UTC.
    clock.set('2026-11-30T16:00:00.000Z');
    const fresh = await grantOf(grantee, grant.id);
    expect([fresh.month, fresh.usedThisMonthMinor, fresh.remainingThisMonthMinor]).toEqual([
      '2026-12',
      0,
      10_000,
    ]);
    ok(await charge(merchant, await grantCode(grantee, grant.id), 10_000), 201);
    expectError(await charge(merchant, await grantCode(grantee, grant.id), 1), 409, 'grant_limit_exceeded');
    expect([await balance(granter), await balance(merchant)]).toEqual([30_000, 20_000]);
    const { uses } = ok<{ uses: FamilyGrantUse[] }>(
      await granter.request('GET', `/v1/family-pay/grants/${grant.id}/uses`),
    );
    expect(uses.map((u) => u.month)).toEqual(['2026-12', '2026-11']);
  });
});
