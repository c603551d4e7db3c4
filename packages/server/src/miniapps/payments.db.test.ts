import type {
  CreatedApp,
  CreateOrderResponse,
  EventList,
  FamilyGrant,
  HistoryPage,
  MerchantBalance,
  Order,
  PaymentPreview,
  PayOrderResponse,
  Refund,
  RefundList,
  Settlement,
  WalletSummary,
  WebhookEvent,
} from '@jiaozi/protocol';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../kernel/clock.js';
import { newId } from '../kernel/ids.js';
import { AccountCode } from '../ledger/ledger.service.js';
import { outboxFor } from '../platform/outbox/outbox.js';
import { type Client, createTestApp, nextIp, signupClient, type TestApp } from '../test/app.js';
import { befriend, expectError, ok } from '../test/http.js';

const PIN = '135790';
const GOOD_CARD = '4111111111111111';
const DECLINED_CARD = '4000000000000002';
const clock = new ManualClock('2026-11-25T08:00:00.000Z');
let t: TestApp;
let dev: Client;
let alice: Client;
let bob: Client;
let shop: CreatedApp;
let other: CreatedApp;

beforeAll(async () => {
  // The bank answers 0.5–2 s after a request, so a settlement is seen pending before it lands.
  t = await createTestApp({ clock, config: { bankLatencyMs: 2_000 } });
  [dev, alice, bob] = [await user(), await user(), await user()];
  shop = await t.services.miniapps.registerApproved(dev.userId, {
    name: 'Jiaozi Shop',
    description: 'Everything',
    origin: 'http://localhost:15601',
    scopes: ['profile'],
  });
  other = await t.services.miniapps.registerApproved(dev.userId, {
    name: 'Other',
    description: 'Another app',
    origin: 'http://localhost:15602',
    scopes: [],
  });
  await t.services.wallet.operatorCredit(alice.userId, 100_000n, 'test');
});

afterAll(async () => {
  await t?.shutdown();
});

// ── Helpers ──────────────────────────────────────────────────────────────────

async function user(): Promise<Client> {
  const c = await signupClient(t.app);
  ok(await c.request('PUT', '/v1/me/pin', { pin: PIN, password: c.password }), 204);
  return c;
}

function merchant(
  secret: string,
  method: 'GET' | 'POST',
  url: string,
  body?: object,
  key?: string,
): Promise<LightMyRequestResponse> {
  return t.app.inject({
    method,
    url,
    remoteAddress: nextIp(),
    headers: { authorization: `Bearer ${secret}`, ...(key === undefined ? {} : { 'idempotency-key': key }) },
    ...(body === undefined ? {} : { payload: body }),
  });
}

async function openid(app: CreatedApp, c: Client): Promise<string> {
  return t.services.miniapps.openidFor(app.app.id, c.userId);
}

/** The app of each payment token created here: the host's frame names it when it pays. */
const tokenApps = new Map<string, string>();

async function createOrder(
  c: Client,
  amountMinor: number,
  extra: Record<string, unknown> = {},
  app: CreatedApp = shop,
  secret = app.liveSecret,
): Promise<CreateOrderResponse> {
  const created = ok<CreateOrderResponse>(
    await merchant(
      secret,
      'POST',
      '/v1/merchant/orders',
      {
        openid: await openid(app, c),
        amountMinor,
        currency: secret === app.testSecret ? 'XTS' : 'CNY',
        description: 'Red bean buns ×2',
        ...extra,
      },
      newId(),
    ),
    201,
  );
  tokenApps.set(created.paymentToken, app.app.id);
  return created;
}

function pay(c: Client, token: string, body: object = { pin: PIN }) {
  const appId = tokenApps.get(token) ?? shop.app.id;
  return c.request('POST', `/v1/miniapps/payments/${token}/pay?appId=${appId}`, body);
}

async function balanceOf(c: Client): Promise<number> {
  return ok<WalletSummary>(await c.request('GET', '/v1/wallet')).balanceMinor;
}

async function merchantBalance(secret = shop.liveSecret): Promise<MerchantBalance> {
  return ok<MerchantBalance>(await merchant(secret, 'GET', '/v1/merchant/balance'));
}

async function allEvents(secret = shop.liveSecret): Promise<WebhookEvent[]> {
  const out: WebhookEvent[] = [];
  let after: string | null = null;
  for (;;) {
    const page: EventList = ok<EventList>(
      await merchant(secret, 'GET', `/v1/merchant/events?limit=3${after ? `&after=${after}` : ''}`),
    );
    out.push(...page.events);
    if (!page.nextCursor) return out;
    after = page.nextCursor;
  }
}

// ── Orders ───────────────────────────────────────────────────────────────────

describe('creating orders', () => {
  it('answers the same order for the same key and body, and refuses a different body', async () => {
    const body = {
      openid: await openid(shop, alice),
      amountMinor: 1_200,
      currency: 'CNY',
      description: 'Green tea',
      merchantReference: 'A-1001',
      metadata: { table: '7' },
    };
    const key = newId();
    const first = ok<CreateOrderResponse>(
      await merchant(shop.liveSecret, 'POST', '/v1/merchant/orders', body, key),
      201,
    );
    expect(first.order).toMatchObject({
      appId: shop.app.id,
      mode: 'live',
      amountMinor: 1_200,
      currency: 'CNY',
      description: 'Green tea',
      merchantReference: 'A-1001',
      metadata: { table: '7' },
      status: 'open',
      refundedMinor: 0,
      paidWith: null,
      createdAt: '2026-11-25T08:00:00.000Z',
      expiresAt: '2026-11-25T08:30:00.000Z',
    });
    expect(first.order.id).toMatch(/^ord_/);
    expect(first.paymentToken).toMatch(/^pt_[A-Za-z0-9_-]{43}$/);
    // Keys of the same body in another order are the same request.
    const reordered = Object.fromEntries(Object.entries(body).reverse());
    const again = ok<CreateOrderResponse>(
      await merchant(shop.liveSecret, 'POST', '/v1/merchant/orders', reordered, key),
      201,
    );
    expect(again).toEqual(first);
    expectError(
      await merchant(shop.liveSecret, 'POST', '/v1/merchant/orders', { ...body, amountMinor: 1_201 }, key),
      409,
      'idempotency_conflict',
    );
    // The same key of another app is that app's own.
    const otherBody = { ...body, openid: await openid(other, alice) };
    const theirs = ok<CreateOrderResponse>(
      await merchant(other.liveSecret, 'POST', '/v1/merchant/orders', otherBody, key),
      201,
    );
    expect(theirs.order.id).not.toBe(first.order.id);
  });

  it('answers 20 concurrent copies of one request with one order', async () => {
    const body = { openid: await openid(shop, alice), amountMinor: 99, currency: 'CNY', description: 'Tea' };
    const key = newId();
    const answers = await Promise.all(
      [...Array(20)].map(() => merchant(shop.liveSecret, 'POST', '/v1/merchant/orders', body, key)),
    );
    const ids = new Set(answers.map((r) => ok<CreateOrderResponse>(r, 201).order.id));
    expect(ids.size).toBe(1);
  });

  it('refuses bad requests with precise codes', async () => {
    const body = { openid: await openid(shop, alice), amountMinor: 100, currency: 'CNY', description: 'Tea' };
    // A key names one request of one kind: an order's key cannot be reused for a refund.
    const key = newId();
    const made = ok<CreateOrderResponse>(
      await merchant(shop.liveSecret, 'POST', '/v1/merchant/orders', body, key),
      201,
    );
    expectError(
      await merchant(
        shop.liveSecret,
        'POST',
        `/v1/merchant/orders/${made.order.id}/refunds`,
        { amountMinor: 1 },
        key,
      ),
      409,
      'idempotency_conflict',
    );
    expectError(
      await merchant(shop.liveSecret, 'POST', '/v1/merchant/orders', body, 'has space'),
      400,
      'idempotency_key_missing',
    );
    expectError(
      await merchant(shop.liveSecret, 'GET', '/v1/merchant/events?after=bogus'),
      400,
      'invalid_request',
    );
    expectError(
      await merchant(shop.liveSecret, 'POST', '/v1/merchant/orders', body),
      400,
      'idempotency_key_missing',
    );
    expectError(
      await merchant(shop.liveSecret, 'POST', '/v1/merchant/orders', { ...body, currency: 'XTS' }, newId()),
      400,
      'currency_mismatch',
    );
    expectError(
      await merchant(shop.testSecret, 'POST', '/v1/merchant/orders', body, newId()),
      400,
      'currency_mismatch',
    );
    // An openid of another app, or none at all, names nobody here.
    expectError(
      await merchant(
        shop.liveSecret,
        'POST',
        '/v1/merchant/orders',
        { ...body, openid: await openid(other, alice) },
        newId(),
      ),
      404,
      'openid_unknown',
    );
    expectError(
      await merchant(shop.liveSecret, 'POST', '/v1/merchant/orders', { ...body, amountMinor: 0 }, newId()),
      400,
      'invalid_amount',
    );
    expectError(
      await merchant(
        shop.liveSecret,
        'POST',
        '/v1/merchant/orders',
        { ...body, expiresInSeconds: 59 },
        newId(),
      ),
      400,
      'invalid_request',
    );
    expectError(
      await merchant('sk_live_nope', 'POST', '/v1/merchant/orders', body, newId()),
      401,
      'merchant_unauthorized',
    );
  });

  it('shows an order only to its own app and mode', async () => {
    const { order } = await createOrder(alice, 100);
    expect(ok<Order>(await merchant(shop.liveSecret, 'GET', `/v1/merchant/orders/${order.id}`))).toEqual(
      order,
    );
    expectError(await merchant(other.liveSecret, 'GET', `/v1/merchant/orders/${order.id}`), 404, 'not_found');
    expectError(await merchant(shop.testSecret, 'GET', `/v1/merchant/orders/${order.id}`), 404, 'not_found');
  });
});

// ── Paying ───────────────────────────────────────────────────────────────────

describe('paying an order', () => {
  it('shows the server’s order to its user only, and to no other app', async () => {
    const { order, paymentToken } = await createOrder(alice, 2_500);
    const url = `/v1/miniapps/payments/${paymentToken}`;
    const preview = ok<PaymentPreview>(await alice.request('GET', `${url}?appId=${shop.app.id}`));
    expect(preview).toEqual({
      orderId: order.id,
      appId: shop.app.id,
      appName: 'Jiaozi Shop',
      iconUrl: null,
      amountMinor: 2_500,
      currency: 'CNY',
      description: 'Red bean buns ×2',
      status: 'open',
      expiresAt: order.expiresAt,
      mode: 'live',
    });
    for (const res of [
      await bob.request('GET', `${url}?appId=${shop.app.id}`),
      await alice.request('GET', `${url}?appId=${other.app.id}`),
      await alice.request('GET', `/v1/miniapps/payments/pt_${'x'.repeat(43)}?appId=${shop.app.id}`),
      await bob.request('POST', `${url}/pay?appId=${shop.app.id}`, { pin: PIN }),
      await alice.request('POST', `${url}/pay?appId=${other.app.id}`, { pin: PIN }),
    ]) {
      expectError(res, 404, 'payment_not_found');
    }
    // The frame's app is required: without it nothing is shown or paid.
    for (const res of [
      await alice.request('GET', url),
      await alice.request('POST', `${url}/pay`, { pin: PIN }),
      await alice.request('GET', `${url}?appId=not-a-uuid`),
    ]) {
      expectError(res, 400, 'invalid_request');
    }
    expect(ok<PaymentPreview>(await alice.request('GET', `${url}?appId=${shop.app.id}`)).status).toBe('open');
  });

  it('moves the money once, with the PIN, and names the merchant in the history', async () => {
    const before = await balanceOf(alice);
    const merchantBefore = (await merchantBalance()).balanceMinor;
    const { order, paymentToken } = await createOrder(alice, 3_000);
    const wrong = await pay(alice, paymentToken, { pin: '000000' });
    expectError(wrong, 401, 'pin_incorrect');
    expect(await balanceOf(alice)).toBe(before);
    const paid = ok<PayOrderResponse>(await pay(alice, paymentToken));
    expect(paid).toEqual({ orderId: order.id, status: 'paid', paidAt: '2026-11-25T08:00:00.000Z' });
    expect(await balanceOf(alice)).toBe(before - 3_000);
    expect((await merchantBalance()).balanceMinor).toBe(merchantBefore + 3_000);
    expectError(await pay(alice, paymentToken), 409, 'order_already_paid');
    expect(await balanceOf(alice)).toBe(before - 3_000);
    const got = ok<Order>(await merchant(shop.liveSecret, 'GET', `/v1/merchant/orders/${order.id}`));
    expect(got).toMatchObject({ status: 'paid', paidWith: 'wallet', paidAt: paid.paidAt });
    const history = ok<HistoryPage>(await alice.request('GET', '/v1/wallet/history?limit=1'));
    expect(history.items[0]).toMatchObject({
      kind: 'paycode',
      direction: 'out',
      amountMinor: 3_000,
      counterparty: null,
      counterpartyLabel: 'Jiaozi Shop',
      note: 'Red bean buns ×2',
      reference: { type: 'miniapp_order', id: order.id },
    });
    // The wallet screens hear of it through the update log.
    const log = (await outboxFor(t.database.db, alice.userId)).filter(
      (u) => u.topic === 'wallet.miniapp_paid',
    );
    expect(log.map((u) => u.payload)).toContainEqual({
      orderId: order.id,
      appId: shop.app.id,
      amountMinor: 3_000,
      currency: 'CNY',
    });
    const paidEvents = (await allEvents()).filter(
      (e) => e.type === 'order.paid' && e.data.order.id === order.id,
    );
    expect(paidEvents).toHaveLength(1);
    expect(paidEvents[0]?.data).toEqual({ order: got });
  });

  it('refuses payments to a suspended app', async () => {
    const app = await t.services.miniapps.registerApproved(dev.userId, {
      name: 'Soon gone',
      description: 'x',
      origin: 'http://localhost:15604',
      scopes: [],
    });
    const { paymentToken } = await createOrder(alice, 100, {}, app);
    await t.services.miniapps.suspend(app.app.id, 'fraud');
    const before = await balanceOf(alice);
    expectError(await pay(alice, paymentToken), 403, 'app_not_active');
    expect(await balanceOf(alice)).toBe(before);
  });

  it('refuses a payment the wallet cannot cover, moving nothing', async () => {
    const poor = await user();
    await t.services.wallet.operatorCredit(poor.userId, 500n, 'test');
    const { paymentToken, order } = await createOrder(poor, 501);
    expectError(await pay(poor, paymentToken), 409, 'insufficient_funds');
    expect(await balanceOf(poor)).toBe(500);
    expect(ok<Order>(await merchant(shop.liveSecret, 'GET', `/v1/merchant/orders/${order.id}`)).status).toBe(
      'open',
    );
  });

  it('pays through a family-pay grant from the granter’s wallet within its limit', async () => {
    const granter = await user();
    const kid = await user();
    await befriend(granter, kid);
    await t.services.wallet.operatorCredit(granter.userId, 50_000n, 'test');
    const grant = ok<FamilyGrant>(
      await granter.request('POST', '/v1/family-pay/grants', {
        id: newId(),
        granteeId: kid.userId,
        monthlyLimitMinor: 5_000,
      }),
      201,
    );
    ok(await kid.request('POST', `/v1/family-pay/grants/${grant.id}/accept`));
    const big = await createOrder(kid, 5_001);
    expectError(
      await pay(kid, big.paymentToken, { pin: PIN, grantId: grant.id }),
      409,
      'grant_limit_exceeded',
    );
    const { order, paymentToken } = await createOrder(kid, 4_000);
    ok(await pay(kid, paymentToken, { pin: PIN, grantId: grant.id }));
    expect(await balanceOf(granter)).toBe(46_000);
    expect(await balanceOf(kid)).toBe(0);
    const after = ok<FamilyGrant>(await granter.request('GET', `/v1/family-pay/grants/${grant.id}`));
    expect(after.usedThisMonthMinor).toBe(4_000);
    expect(
      ok<Order>(await merchant(shop.liveSecret, 'GET', `/v1/merchant/orders/${order.id}`)).paidWith,
    ).toBe('family_grant');
    const history = ok<HistoryPage>(await granter.request('GET', '/v1/wallet/history?limit=1'));
    expect(history.items[0]).toMatchObject({ amountMinor: 4_000, counterpartyLabel: 'Jiaozi Shop' });
    // A refund goes back to the wallet that paid: the granter's.
    ok<Refund>(
      await merchant(
        shop.liveSecret,
        'POST',
        `/v1/merchant/orders/${order.id}/refunds`,
        { amountMinor: 1_000 },
        newId(),
      ),
      201,
    );
    expect(await balanceOf(granter)).toBe(47_000);
    const refundLog = (await outboxFor(t.database.db, granter.userId)).filter(
      (u) => u.topic === 'wallet.miniapp_refunded',
    );
    expect(refundLog.map((u) => (u.payload as { orderId: string }).orderId)).toEqual([order.id]);
    // …and gives the family card's month that much room again.
    const refunded = ok<FamilyGrant>(await granter.request('GET', `/v1/family-pay/grants/${grant.id}`));
    expect(refunded.usedThisMonthMinor).toBe(3_000);
    // Test orders never go through a grant.
    const test = await createOrder(kid, 100, {}, shop, shop.testSecret);
    expectError(
      await pay(kid, test.paymentToken, { pin: PIN, grantId: grant.id }),
      403,
      'grant_use_not_allowed',
    );
  });
});

describe('paying through a family card', () => {
  it('refuses a family card whose granter made the app: they would pay their own app', async () => {
    const kid = await user();
    await befriend(dev, kid);
    await t.services.wallet.operatorCredit(dev.userId, 10_000n, 'test');
    const grant = ok<FamilyGrant>(
      await dev.request('POST', '/v1/family-pay/grants', {
        id: newId(),
        granteeId: kid.userId,
        monthlyLimitMinor: 5_000,
      }),
      201,
    );
    ok(await kid.request('POST', `/v1/family-pay/grants/${grant.id}/accept`));
    const devBefore = await balanceOf(dev);
    const merchantBefore = await merchantBalance();
    const { order, paymentToken } = await createOrder(kid, 1_000);
    const res = await pay(kid, paymentToken, { pin: PIN, grantId: grant.id });
    expectError(res, 400, 'cannot_pay_self');
    expect(res.json().error.message).toBe(
      "This family card's granter made this app: their card cannot pay their own app. Pay from your wallet instead.",
    );
    expect(await balanceOf(dev)).toBe(devBefore);
    expect(await merchantBalance()).toEqual(merchantBefore);
    expect(ok<Order>(await merchant(shop.liveSecret, 'GET', `/v1/merchant/orders/${order.id}`)).status).toBe(
      'open',
    );
    expect(
      ok<FamilyGrant>(await dev.request('GET', `/v1/family-pay/grants/${grant.id}`)).usedThisMonthMinor,
    ).toBe(0);
  });
});

describe('PIN and KYC limits', () => {
  it('locks payments after 5 wrong PINs, moving nothing', async () => {
    const dave = await user();
    await t.services.wallet.operatorCredit(dave.userId, 10_000n, 'test');
    const { order, paymentToken } = await createOrder(dave, 1_000);
    for (const attemptsLeft of [4, 3, 2, 1]) {
      const res = await pay(dave, paymentToken, { pin: '000000' });
      expectError(res, 401, 'pin_incorrect');
      expect(res.json().error.details).toEqual({ attemptsLeft });
    }
    expectError(await pay(dave, paymentToken, { pin: '000000' }), 423, 'pin_locked');
    // Locked: even the right PIN is refused until the lock ends.
    expectError(await pay(dave, paymentToken), 423, 'pin_locked');
    expect(await balanceOf(dave)).toBe(10_000);
    expect(ok<Order>(await merchant(shop.liveSecret, 'GET', `/v1/merchant/orders/${order.id}`)).status).toBe(
      'open',
    );
  });

  it("holds a payment to the payer's per-payment and daily limits", async () => {
    // KYC tier 0: 2,000.00 per payment, 5,000.00 a day.
    const erin = await user();
    await t.services.wallet.operatorCredit(erin.userId, 900_000n, 'test');
    const big = await createOrder(erin, 200_001);
    const refused = await pay(erin, big.paymentToken);
    expectError(refused, 400, 'invalid_amount');
    expect(refused.json().error.details).toEqual({ maxMinor: 200_000 });
    for (const amount of [200_000, 200_000])
      ok(await pay(erin, (await createOrder(erin, amount)).paymentToken));
    const over = await createOrder(erin, 100_001);
    const daily = await pay(erin, over.paymentToken);
    expectError(daily, 409, 'daily_limit_exceeded');
    expect(daily.json().error.details).toEqual({ dailyLimitMinor: 500_000, remainingMinor: 100_000 });
    ok(await pay(erin, (await createOrder(erin, 100_000)).paymentToken));
    expect(await balanceOf(erin)).toBe(900_000 - 500_000);
    const summary = ok<WalletSummary>(await erin.request('GET', '/v1/wallet'));
    expect(summary.limits.dailyOutflowUsedMinor).toBe(500_000);
  });
});

// ── Test mode ────────────────────────────────────────────────────────────────

describe('test mode', () => {
  it('pays test orders in XTS from a test wallet funded once with 10,000.00', async () => {
    const carol = await user();
    const liveBefore = await balanceOf(carol);
    const first = await createOrder(carol, 12_345, {}, shop, shop.testSecret);
    expect(first.order).toMatchObject({ mode: 'test', currency: 'XTS' });
    const preview = ok<PaymentPreview>(
      await carol.request('GET', `/v1/miniapps/payments/${first.paymentToken}?appId=${shop.app.id}`),
    );
    expect(preview).toMatchObject({ mode: 'test', currency: 'XTS', amountMinor: 12_345 });
    ok(await pay(carol, first.paymentToken));
    const second = await createOrder(carol, 5, {}, shop, shop.testSecret);
    ok(await pay(carol, second.paymentToken));
    const testWallet = await t.services.payments.testWallet(carol.userId);
    expect(testWallet.currency).toBe('XTS');
    expect(testWallet.creditsPosted - testWallet.debitsPosted).toBe(1_000_000n - 12_350n);
    expect(await balanceOf(carol)).toBe(liveBefore);
    expect(await merchantBalance(shop.testSecret)).toMatchObject({ mode: 'test', currency: 'XTS' });
    const testEvents = await allEvents(shop.testSecret);
    expect(testEvents.every((e) => e.mode === 'test')).toBe(true);
    expect((await allEvents()).every((e) => e.mode === 'live')).toBe(true);
  });
});

// ── Closing and expiry ───────────────────────────────────────────────────────

describe('closing and expiry', () => {
  it('closes an open order once; it can no longer be paid', async () => {
    const { order, paymentToken } = await createOrder(alice, 700);
    const closed = ok<Order>(
      await merchant(shop.liveSecret, 'POST', `/v1/merchant/orders/${order.id}/close`),
    );
    expect(closed).toMatchObject({ status: 'closed', closedAt: '2026-11-25T08:00:00.000Z' });
    expect(
      ok<Order>(await merchant(shop.liveSecret, 'POST', `/v1/merchant/orders/${order.id}/close`)),
    ).toEqual(closed);
    const before = await balanceOf(alice);
    expectError(await pay(alice, paymentToken), 409, 'order_closed');
    expect(await balanceOf(alice)).toBe(before);
    const paid = await createOrder(alice, 10);
    ok(await pay(alice, paid.paymentToken));
    expectError(
      await merchant(shop.liveSecret, 'POST', `/v1/merchant/orders/${paid.order.id}/close`),
      409,
      'order_already_paid',
    );
    expect(
      (await allEvents()).filter((e) => e.type === 'order.closed' && e.data.order.id === order.id),
    ).toHaveLength(1);
  });

  it('expires an unpaid order by its job and tells the merchant', async () => {
    const { order, paymentToken } = await createOrder(alice, 800, { expiresInSeconds: 60 });
    clock.advance(59_000);
    await t.services.jobs.runDue();
    expect(ok<Order>(await merchant(shop.liveSecret, 'GET', `/v1/merchant/orders/${order.id}`)).status).toBe(
      'open',
    );
    clock.advance(1_000);
    // Past its time, it is expired even before the job has run.
    expect(
      ok<Order>(await merchant(shop.liveSecret, 'GET', `/v1/merchant/orders/${order.id}`)).expiredAt,
    ).toBeNull();
    expectError(await pay(alice, paymentToken), 409, 'order_expired');
    await t.services.jobs.runDue();
    const expired = ok<Order>(await merchant(shop.liveSecret, 'GET', `/v1/merchant/orders/${order.id}`));
    expect(expired).toMatchObject({ status: 'expired', expiredAt: '2026-11-25T08:01:00.000Z' });
    expectError(
      await merchant(shop.liveSecret, 'POST', `/v1/merchant/orders/${order.id}/close`),
      409,
      'order_expired',
    );
    const events = (await allEvents()).filter(
      (e) => e.type === 'order.expired' && e.data.order.id === order.id,
    );
    expect(events).toHaveLength(1);
    // The job ran once: running due jobs again changes nothing.
    await t.services.jobs.runDue();
    expect(
      (await allEvents()).filter((e) => e.type === 'order.expired' && e.data.order.id === order.id),
    ).toHaveLength(1);
  });
});

// ── Refunds ──────────────────────────────────────────────────────────────────

describe('refunds', () => {
  it('refunds in parts up to what was paid, idempotently, and lists them', async () => {
    const { order, paymentToken } = await createOrder(alice, 10_000);
    const unpaid = await createOrder(alice, 10);
    expectError(
      await merchant(
        shop.liveSecret,
        'POST',
        `/v1/merchant/orders/${unpaid.order.id}/refunds`,
        { amountMinor: 10 },
        newId(),
      ),
      409,
      'order_not_paid',
    );
    ok(await pay(alice, paymentToken));
    const before = await balanceOf(alice);
    const url = `/v1/merchant/orders/${order.id}/refunds`;
    expectError(
      await merchant(shop.liveSecret, 'POST', url, { amountMinor: 100 }),
      400,
      'idempotency_key_missing',
    );
    const key = newId();
    const first = ok<Refund>(
      await merchant(shop.liveSecret, 'POST', url, { amountMinor: 3_000, reason: 'cold' }, key),
      201,
    );
    expect(first).toMatchObject({
      orderId: order.id,
      amountMinor: 3_000,
      currency: 'CNY',
      reason: 'cold',
      status: 'succeeded',
    });
    expect(
      ok<Refund>(
        await merchant(shop.liveSecret, 'POST', url, { amountMinor: 3_000, reason: 'cold' }, key),
        201,
      ),
    ).toEqual(first);
    expectError(
      await merchant(shop.liveSecret, 'POST', url, { amountMinor: 3_001 }, key),
      409,
      'idempotency_conflict',
    );
    expect(await balanceOf(alice)).toBe(before + 3_000);
    const over = await merchant(shop.liveSecret, 'POST', url, { amountMinor: 7_001 }, newId());
    expectError(over, 409, 'refund_exceeds_remaining');
    expect(over.json().error.details).toEqual({
      paidMinor: 10_000,
      refundedMinor: 3_000,
      refundableMinor: 7_000,
    });
    const rest = ok<Refund>(
      await merchant(shop.liveSecret, 'POST', url, { amountMinor: 7_000 }, newId()),
      201,
    );
    expect(await balanceOf(alice)).toBe(before + 10_000);
    expectError(
      await merchant(shop.liveSecret, 'POST', url, { amountMinor: 1 }, newId()),
      409,
      'refund_exceeds_remaining',
    );
    const list = ok<RefundList>(await merchant(shop.liveSecret, 'GET', url));
    expect(list.refunds).toEqual([first, rest]);
    expect(
      ok<Order>(await merchant(shop.liveSecret, 'GET', `/v1/merchant/orders/${order.id}`)),
    ).toMatchObject({
      status: 'paid',
      refundedMinor: 10_000,
    });
    const refundEvents = (await allEvents()).filter(
      (e) => e.type === 'refund.succeeded' && e.data.order.id === order.id,
    );
    expect(
      refundEvents.map((e) =>
        e.type === 'refund.succeeded' ? [e.data.refund.amountMinor, e.data.order.refundedMinor] : [],
      ),
    ).toEqual([
      [3_000, 3_000],
      [7_000, 10_000],
    ]);
    const history = ok<HistoryPage>(await alice.request('GET', '/v1/wallet/history?limit=1'));
    expect(history.items[0]).toMatchObject({
      direction: 'in',
      amountMinor: 7_000,
      counterpartyLabel: 'Jiaozi Shop',
    });
    const refundLog = (await outboxFor(t.database.db, alice.userId)).filter(
      (u) => u.topic === 'wallet.miniapp_refunded' && (u.payload as { orderId: string }).orderId === order.id,
    );
    expect(refundLog.map((u) => (u.payload as { amountMinor: number }).amountMinor)).toEqual([3_000, 7_000]);
    expectError(await merchant(other.liveSecret, 'GET', url), 404, 'not_found');
  });
});

// ── Settlement and the ledger (acceptance 5) ─────────────────────────────────

describe('settlement and the books', () => {
  it('settles to the developer’s card, fails on a declined one, and keeps the ledger exact', async () => {
    const app = await t.services.miniapps.registerApproved(dev.userId, {
      name: 'Books',
      description: 'Exact books',
      origin: 'http://localhost:15603',
      scopes: [],
    });
    const payer = await user();
    await t.services.wallet.operatorCredit(payer.userId, 50_000n, 'test');
    const live = (path: string, body?: object, key?: string) =>
      merchant(app.liveSecret, body ? 'POST' : 'GET', path, body, key);
    expectError(
      await live('/v1/merchant/settlements', { amountMinor: 1 }, newId()),
      409,
      'settlement_card_missing',
    );

    // Payments: 20,000 + 5,000 paid; one closed; one expired.
    const a = await createOrder(payer, 20_000, {}, app);
    const b = await createOrder(payer, 5_000, {}, app);
    const closed = await createOrder(payer, 1_000, {}, app);
    const expiring = await createOrder(payer, 2_000, { expiresInSeconds: 60 }, app);
    ok(await pay(payer, a.paymentToken));
    ok(await pay(payer, b.paymentToken));
    ok(await live(`/v1/merchant/orders/${closed.order.id}/close`, {}));
    clock.advance(60_000);
    await t.services.jobs.runDue();
    expectError(await pay(payer, expiring.paymentToken), 409, 'order_expired');
    expectError(await pay(payer, closed.paymentToken), 409, 'order_closed');
    // Refunds: a part of the first, all of the second.
    ok(await live(`/v1/merchant/orders/${a.order.id}/refunds`, { amountMinor: 4_000 }, newId()), 201);
    ok(await live(`/v1/merchant/orders/${b.order.id}/refunds`, { amountMinor: 5_000 }, newId()), 201);
    expect(ok<MerchantBalance>(await live('/v1/merchant/balance'))).toEqual({
      mode: 'live',
      currency: 'CNY',
      balanceMinor: 16_000,
      availableMinor: 16_000,
      pendingSettlementMinor: 0,
    });

    // A settlement to a declined card fails and gives the money back.
    ok(
      await dev.request('POST', '/v1/wallet/cards', {
        bankName: 'CMB',
        cardNumber: DECLINED_CARD,
        holderName: 'Dev',
      }),
      201,
    );
    const declined = ok<Settlement>(
      await live('/v1/merchant/settlements', { amountMinor: 6_000 }, newId()),
      201,
    );
    expect(declined).toMatchObject({ status: 'pending', amountMinor: 6_000, destination: 'CMB ••0002' });
    expect(ok<MerchantBalance>(await live('/v1/merchant/balance'))).toMatchObject({
      balanceMinor: 16_000,
      availableMinor: 10_000,
      pendingSettlementMinor: 6_000,
    });
    await t.services.bank.idle();
    expect(ok<MerchantBalance>(await live('/v1/merchant/balance'))).toMatchObject({
      balanceMinor: 16_000,
      availableMinor: 16_000,
      pendingSettlementMinor: 0,
    });

    // Then to a good card: held, posted when the bank confirms.
    ok(
      await dev.request('POST', '/v1/wallet/cards', {
        bankName: 'ICBC',
        cardNumber: GOOD_CARD,
        holderName: 'Dev',
      }),
      201,
    );
    expectError(
      await live('/v1/merchant/settlements', { amountMinor: 16_001 }, newId()),
      409,
      'merchant_insufficient_funds',
    );
    // The bank cannot be reached when this one is made: it is recorded all the same, and its
    // job sends the payout 30 s later.
    const unreachable = vi
      .spyOn(t.services.bank, 'payout')
      .mockRejectedValueOnce(new Error('connect ECONNREFUSED'));
    const key = newId();
    const settled = ok<Settlement>(await live('/v1/merchant/settlements', { amountMinor: 15_000 }, key), 201);
    expect(settled).toMatchObject({ status: 'pending', amountMinor: 15_000 });
    expect(ok<Settlement>(await live('/v1/merchant/settlements', { amountMinor: 15_000 }, key), 201).id).toBe(
      settled.id,
    );
    expect(unreachable).toHaveBeenCalledTimes(1);
    unreachable.mockRestore();
    await t.services.bank.idle();
    expect(ok<MerchantBalance>(await live('/v1/merchant/balance'))).toMatchObject({
      balanceMinor: 16_000,
      availableMinor: 1_000,
      pendingSettlementMinor: 15_000,
    });
    clock.advance(30_000);
    await t.services.jobs.runDue();
    await t.services.bank.idle();
    expect(ok<MerchantBalance>(await live('/v1/merchant/balance'))).toEqual({
      mode: 'live',
      currency: 'CNY',
      balanceMinor: 1_000,
      availableMinor: 1_000,
      pendingSettlementMinor: 0,
    });
    expect(await balanceOf(payer)).toBe(50_000 - 20_000 - 5_000 + 4_000 + 5_000);
    // Settled money is gone: a refund the merchant account cannot cover moves nothing.
    expectError(
      await live(`/v1/merchant/orders/${a.order.id}/refunds`, { amountMinor: 1_001 }, newId()),
      409,
      'merchant_insufficient_funds',
    );
    expect(await balanceOf(payer)).toBe(34_000);

    const events = await (async () => {
      const out: WebhookEvent[] = [];
      let after: string | null = null;
      for (;;) {
        const page: EventList = ok<EventList>(
          await live(`/v1/merchant/events${after ? `?after=${after}` : ''}`),
        );
        out.push(...page.events);
        if (!page.nextCursor) return out;
        after = page.nextCursor;
      }
    })();
    expect(events.map((e) => e.type)).toEqual([
      'order.paid',
      'order.paid',
      'order.closed',
      'order.expired',
      'refund.succeeded',
      'refund.succeeded',
      'settlement.failed',
      'settlement.succeeded',
    ]);
    const failed = events[6];
    const succeeded = events[7];
    expect(failed?.type === 'settlement.failed' && failed.data.settlement).toMatchObject({
      id: declined.id,
      status: 'failed',
      failureReason: 'card_declined',
    });
    expect(succeeded?.type === 'settlement.succeeded' && succeeded.data.settlement).toMatchObject({
      id: settled.id,
      status: 'succeeded',
      destination: 'ICBC ••1111',
    });
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);

    const account = await t.services.ledger.accountByOwner(AccountCode.merchant, app.app.id, 'CNY');
    expect(account).toMatchObject({
      creditsPosted: 25_000n,
      debitsPosted: 24_000n,
      debitsPending: 0n,
      creditsPending: 0n,
    });
    const report = await t.services.ledger.verify();
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
  });

  it('settles test money back to the test faucet at once, never through the bank', async () => {
    const owner = await user();
    const app = await t.services.miniapps.registerApproved(owner.userId, {
      name: 'Sandbox',
      description: 'Test settlements',
      origin: 'http://localhost:15604',
      scopes: [],
    });
    ok(
      await owner.request('POST', '/v1/wallet/cards', {
        bankName: 'ICBC',
        cardNumber: GOOD_CARD,
        holderName: 'Owner',
      }),
      201,
    );
    const payer = await user();
    const order = await createOrder(payer, 9_000, {}, app, app.testSecret);
    ok(await pay(payer, order.paymentToken));
    const faucet = await t.services.ledger.accountByOwner(
      AccountCode.testFaucet,
      'system:test-faucet',
      'XTS',
    );
    const faucetBefore = faucet ? faucet.creditsPosted - faucet.debitsPosted : 0n;
    const ownerLiveBefore = await balanceOf(owner);
    const payout = vi.spyOn(t.services.bank, 'payout');
    try {
      const settled = ok<Settlement>(
        await merchant(app.testSecret, 'POST', '/v1/merchant/settlements', { amountMinor: 7_000 }, newId()),
        201,
      );
      expect(settled).toMatchObject({
        mode: 'test',
        currency: 'XTS',
        amountMinor: 7_000,
        status: 'succeeded',
        destination: 'ICBC ••1111',
        failureReason: null,
      });
      expect(settled.completedAt).toBe(settled.createdAt);
      await t.services.bank.idle();
      expect(payout).not.toHaveBeenCalled();
    } finally {
      payout.mockRestore();
    }
    expect(await merchantBalance(app.testSecret)).toEqual({
      mode: 'test',
      currency: 'XTS',
      balanceMinor: 2_000,
      availableMinor: 2_000,
      pendingSettlementMinor: 0,
    });
    const faucetAfter = await t.services.ledger.accountByOwner(
      AccountCode.testFaucet,
      'system:test-faucet',
      'XTS',
    );
    expect(faucetAfter && faucetAfter.creditsPosted - faucetAfter.debitsPosted).toBe(faucetBefore + 7_000n);
    // No live money moved: no live merchant account, the developer's wallet untouched.
    expect(await t.services.ledger.accountByOwner(AccountCode.merchant, app.app.id, 'CNY')).toBeUndefined();
    expect(await balanceOf(owner)).toBe(ownerLiveBefore);
    const events = await allEvents(app.testSecret);
    expect(events.map((e) => e.type)).toEqual(['order.paid', 'settlement.succeeded']);
    const event = events[1];
    expect(event?.type === 'settlement.succeeded' && event.data.settlement).toMatchObject({
      status: 'succeeded',
      currency: 'XTS',
      amountMinor: 7_000,
    });
    // The bank itself refuses to pay out anything but the live currency.
    expect(() =>
      t.services.bank.payout({
        operationId: newId(),
        cardToken: 'sim_x_1111',
        amountMinor: 1n,
        currency: 'XTS',
      }),
    ).toThrow('a bank payout is in CNY, not XTS');
    expect((await t.services.ledger.verify()).problems).toEqual([]);
  });

  it('refuses refunds more than 365 days after payment', async () => {
    const { order, paymentToken } = await createOrder(alice, 400);
    ok(await pay(alice, paymentToken));
    const url = `/v1/merchant/orders/${order.id}/refunds`;
    clock.advance(365 * 24 * 3600 * 1000);
    ok(await merchant(shop.liveSecret, 'POST', url, { amountMinor: 100 }, newId()), 201);
    clock.advance(1_000);
    expectError(
      await merchant(shop.liveSecret, 'POST', url, { amountMinor: 100 }, newId()),
      409,
      'refund_window_passed',
    );
    expect((await t.services.ledger.verify()).problems).toEqual([]);
  });
});
