import type { CreateOrderResponse, FamilyGrant, Order, Refund, WalletSummary } from '@jiaozi/protocol';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../kernel/ids.js';
import { AccountCode } from '../ledger/ledger.service.js';
import type { DatabaseHandle } from '../platform/db/connect.js';
import { type Client, createTestApp, nextIp, signupClient, type TestApp } from '../test/app.js';
import { createTestDatabase } from '../test/db.js';
import { ok, tally } from '../test/http.js';

/**
 * Real concurrency against Postgres: many pays of one order and many refunds of one payment
 * at once, through the whole stack, then exact money.
 */
const PIN = '135790';

let database: DatabaseHandle;
let t: TestApp;
let secret: string;
let appId: string;

beforeAll(async () => {
  database = await createTestDatabase({ poolMax: 20 });
  t = await createTestApp({ database, config: { rateLimits: false } });
  const dev = await signupClient(t.app);
  const created = await t.services.miniapps.registerApproved(dev.userId, {
    name: 'Race Shop',
    description: 'Busy',
    origin: 'http://localhost:15630',
    scopes: [],
  });
  secret = created.liveSecret;
  appId = created.app.id;
});

afterAll(async () => {
  await t?.shutdown();
  await database?.close();
});

async function user(): Promise<Client> {
  const c = await signupClient(t.app);
  ok(await c.request('PUT', '/v1/me/pin', { pin: PIN, password: c.password }), 204);
  await t.services.identity.setRoleAndTier(c.userId, { kycTier: 2 });
  return c;
}

function merchant(
  method: 'GET' | 'POST',
  url: string,
  body?: object,
  key?: string,
): Promise<LightMyRequestResponse> {
  return t.app.inject({
    method,
    url,
    remoteAddress: nextIp(),
    headers: { authorization: `Bearer ${secret}`, ...(key ? { 'idempotency-key': key } : {}) },
    ...(body ? { payload: body } : {}),
  });
}

async function order(c: Client, amountMinor: number): Promise<CreateOrderResponse> {
  const openid = await t.services.miniapps.openidFor(appId, c.userId);
  return ok<CreateOrderResponse>(
    await merchant(
      'POST',
      '/v1/merchant/orders',
      { openid, amountMinor, currency: 'CNY', description: 'Race' },
      newId(),
    ),
    201,
  );
}

async function balance(c: Client): Promise<number> {
  return ok<WalletSummary>(await c.request('GET', '/v1/wallet')).balanceMinor;
}

describe('mini-app payment races on Postgres', () => {
  it('20 concurrent pays of one order: one payment, the rest order_already_paid, money moved once', async () => {
    const alice = await user();
    await t.services.wallet.operatorCredit(alice.userId, 100_000n, 'test');
    const { order: created, paymentToken } = await order(alice, 4_200);
    const responses = await Promise.all(
      [...Array(20)].map(() =>
        alice.request('POST', `/v1/miniapps/payments/${paymentToken}/pay?appId=${appId}`, { pin: PIN }),
      ),
    );
    expect(tally(responses)).toEqual({ '200': 1, '409 order_already_paid': 19 });
    expect(await balance(alice)).toBe(100_000 - 4_200);
    const paid = ok<Order>(await merchant('GET', `/v1/merchant/orders/${created.id}`));
    expect(paid.status).toBe('paid');
    const merchantAccount = await t.services.ledger.accountByOwner(AccountCode.merchant, appId, 'CNY');
    expect(merchantAccount?.creditsPosted).toBe(4_200n);
    // Nothing held back against the daily limit by the refused copies.
    const summary = ok<WalletSummary>(await alice.request('GET', '/v1/wallet'));
    expect(summary.limits.dailyOutflowUsedMinor).toBe(4_200);
    const events = await database.db
      .selectFrom('miniapp_events')
      .select('type')
      .where('app_id', '=', appId)
      .where('body', 'like', `%${created.id}%`)
      .execute();
    expect(events.map((e) => e.type)).toEqual(['order.paid']);
  });

  it('20 concurrent pays of one order through a family-pay grant: one payment, counted once', async () => {
    const [granter, kid] = [await user(), await user()];
    const req = ok<{ id: string }>(
      await granter.request('POST', '/v1/friend-requests', { id: newId(), to: { userId: kid.userId } }),
      201,
    );
    ok(await kid.request('POST', `/v1/friend-requests/${req.id}/accept`));
    await t.services.wallet.operatorCredit(granter.userId, 100_000n, 'test');
    const grant = ok<FamilyGrant>(
      await granter.request('POST', '/v1/family-pay/grants', {
        id: newId(),
        granteeId: kid.userId,
        monthlyLimitMinor: 50_000,
      }),
      201,
    );
    ok(await kid.request('POST', `/v1/family-pay/grants/${grant.id}/accept`));
    const { paymentToken } = await order(kid, 3_000);
    const responses = await Promise.all(
      [...Array(20)].map(() =>
        kid.request('POST', `/v1/miniapps/payments/${paymentToken}/pay?appId=${appId}`, {
          pin: PIN,
          grantId: grant.id,
        }),
      ),
    );
    expect(tally(responses)).toEqual({ '200': 1, '409 order_already_paid': 19 });
    expect(await balance(granter)).toBe(97_000);
    const after = ok<FamilyGrant>(await granter.request('GET', `/v1/family-pay/grants/${grant.id}`));
    expect(after.usedThisMonthMinor).toBe(3_000);
    const summary = ok<WalletSummary>(await granter.request('GET', '/v1/wallet'));
    expect(summary.limits.dailyOutflowUsedMinor).toBe(3_000);
  });

  it('20 concurrent 5.00 refunds of a 60.00 payment: exactly 12 go through', async () => {
    const bob = await user();
    await t.services.wallet.operatorCredit(bob.userId, 10_000n, 'test');
    const { order: created, paymentToken } = await order(bob, 6_000);
    ok(await bob.request('POST', `/v1/miniapps/payments/${paymentToken}/pay?appId=${appId}`, { pin: PIN }));
    const responses = await Promise.all(
      [...Array(20)].map(() =>
        merchant('POST', `/v1/merchant/orders/${created.id}/refunds`, { amountMinor: 500 }, newId()),
      ),
    );
    expect(tally(responses)).toEqual({ '201': 12, '409 refund_exceeds_remaining': 8 });
    expect(await balance(bob)).toBe(10_000);
    const after = ok<Order>(await merchant('GET', `/v1/merchant/orders/${created.id}`));
    expect(after.refundedMinor).toBe(6_000);
    const refunds = ok<{ refunds: Refund[] }>(
      await merchant('GET', `/v1/merchant/orders/${created.id}/refunds`),
    );
    expect(refunds.refunds).toHaveLength(12);
  });

  it('numbers the events of concurrent payments without gaps, in commit order', async () => {
    const carol = await user();
    await t.services.wallet.operatorCredit(carol.userId, 100_000n, 'test');
    const orders = await Promise.all([...Array(10)].map(() => order(carol, 100)));
    const responses = await Promise.all(
      orders.map((o) =>
        carol.request('POST', `/v1/miniapps/payments/${o.paymentToken}/pay?appId=${appId}`, { pin: PIN }),
      ),
    );
    expect(tally(responses)).toEqual({ '200': 10 });
    const rows = await database.db
      .selectFrom('miniapp_events')
      .select('seq')
      .where('app_id', '=', appId)
      .where('mode', '=', 'live')
      .orderBy('seq')
      .execute();
    expect(rows.map((r) => Number(r.seq))).toEqual(rows.map((_, i) => i + 1));
    const report = await t.services.ledger.verify();
    expect(report.problems).toEqual([]);
  });
});
