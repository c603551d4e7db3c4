/**
 * The shop's merchant server against a real Jiaozi server over HTTP: login-code exchange,
 * checkout at the server's prices, payment by the user, the signed `order.paid` webhook,
 * partial refunds, and the merchant client's typed errors and idempotency.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MerchantApiError, MerchantClient, signWebhook } from '@jiaozi/merchant';
import type { CreatedApp, LoginCode, PaymentPreview, WalletSummary } from '@jiaozi/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Client,
  createTestApp,
  signupClient,
  type TestApp,
} from '../../../../../packages/server/src/test/app.js';
import { ok } from '../../../../../packages/server/src/test/http.js';
import type { CheckoutResponse, SessionResponse, ShopOrder } from '../shared/api.js';
import { type RunningShop, startShop } from './shop.js';

// Each database project runs this file: give each its own ports.
const base = process.env.JIAOZI_TEST_DB === 'postgres' ? 15720 : 15710;
const JIAOZI_PORT = base;
const SHOP_PORT = base + 1;
const PIN = '135790';

let t: TestApp;
let app: CreatedApp;
let alice: Client & { password: string };
let shop: RunningShop;
const dataDir = mkdtempSync(join(tmpdir(), 'jiaozi-shop-'));
const jiaoziUrl = `http://127.0.0.1:${JIAOZI_PORT}`;
const shopUrl = `http://127.0.0.1:${SHOP_PORT}`;

beforeAll(async () => {
  t = await createTestApp();
  await t.app.listen({ port: JIAOZI_PORT, host: '127.0.0.1' });
  const dev = await signupClient(t.app);
  app = await t.services.miniapps.registerApproved(dev.userId, {
    name: 'Jiaozi Shop',
    description: 'Tea and dumplings',
    origin: `http://localhost:${SHOP_PORT}`,
    scopes: ['profile'],
    webhookUrl: `${shopUrl}/api/webhooks`,
  });
  alice = await signupClient(t.app, { displayName: 'Alice' });
  ok(await alice.request('PUT', '/v1/me/pin', { pin: PIN, password: alice.password }), 204);
  await t.services.wallet.operatorCredit(alice.userId, 100_000n, 'test');
  shop = await startShop({
    jiaoziUrl,
    appSecret: app.liveSecret,
    webhookSecret: app.webhookSecret,
    dataDir,
    port: SHOP_PORT,
    staticDir: null,
    merchant: { maxRetries: 0 },
  });
});

afterAll(async () => {
  await shop?.close();
  await t?.shutdown();
});

async function shopCall<T>(
  method: string,
  path: string,
  token?: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const res = await fetch(`${shopUrl}${path}`, {
    method,
    headers: {
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as T };
}

async function balance(): Promise<number> {
  return ok<WalletSummary>(await alice.request('GET', '/v1/wallet')).balanceMinor;
}

async function logIn(): Promise<SessionResponse> {
  ok(await alice.request('POST', `/v1/miniapps/${app.app.id}/scopes`, { scopes: ['profile'] }));
  const { code } = ok<LoginCode>(await alice.request('POST', `/v1/miniapps/${app.app.id}/login-codes`), 201);
  const session = await shopCall<SessionResponse>('POST', '/api/session', undefined, { code });
  expect(session.status).toBe(201);
  // A code works once.
  const again = await shopCall<{ error: { code: string } }>('POST', '/api/session', undefined, { code });
  expect([again.status, again.body.error.code]).toEqual([400, 'login_code_invalid']);
  return session.body;
}

describe('shop server with Jiaozi', () => {
  let session: SessionResponse;
  let order: ShopOrder;

  it('exchanges a login code for the openid and the profile name', async () => {
    session = await logIn();
    expect(session.displayName).toBe('Alice');
    expect(session.openid).toBe(await t.services.miniapps.openidFor(app.app.id, alice.userId));
  });

  it('checks out at its own prices; the payment sheet shows the server order; paying moves the money', async () => {
    const before = await balance();
    const checkout = await shopCall<CheckoutResponse>('POST', '/api/checkout', session.token, {
      lines: [
        { productId: 'tea', quantity: 2, priceMinor: 1 },
        { productId: 'dumplings', quantity: 1 },
      ],
    });
    expect(checkout.status).toBe(201);
    order = checkout.body.order;
    expect([order.status, order.amountMinor, order.currency]).toEqual([
      'awaiting_payment',
      2 * 8800 + 3200,
      'CNY',
    ]);
    const preview = ok<PaymentPreview>(
      await alice.request('GET', `/v1/miniapps/payments/${checkout.body.paymentToken}?appId=${app.app.id}`),
    );
    expect([preview.orderId, preview.amountMinor, preview.appName]).toEqual([
      order.paymentOrderId,
      20_800,
      'Jiaozi Shop',
    ]);

    ok(
      await alice.request(
        'POST',
        `/v1/miniapps/payments/${checkout.body.paymentToken}/pay?appId=${app.app.id}`,
        { pin: PIN },
      ),
    );
    expect(await balance()).toBe(before - 20_800);
    // Until the webhook arrives, the shop still waits.
    expect((await shopCall<ShopOrder>('GET', `/api/orders/${order.id}`, session.token)).body.status).toBe(
      'awaiting_payment',
    );
    await t.services.jobs.runDue();
    const paid = (await shopCall<ShopOrder>('GET', `/api/orders/${order.id}`, session.token)).body;
    expect([paid.status, paid.paidAt !== null]).toEqual(['paid', true]);
  });

  it('refunds part of the order back to the wallet, several times, never beyond what was paid', async () => {
    const before = await balance();
    const first = await shopCall<ShopOrder>('POST', `/api/orders/${order.id}/refunds`, session.token, {
      amountMinor: 5_000,
    });
    expect([first.status, first.body.refundedMinor]).toEqual([201, 5_000]);
    const second = await shopCall<ShopOrder>('POST', `/api/orders/${order.id}/refunds`, session.token, {
      amountMinor: 800,
      reason: 'Bent chopsticks',
    });
    expect(second.body.refundedMinor).toBe(5_800);
    expect(await balance()).toBe(before + 5_800);
    const tooMuch = await shopCall<{ error: { code: string } }>(
      'POST',
      `/api/orders/${order.id}/refunds`,
      session.token,
      {
        amountMinor: 15_001,
      },
    );
    expect([tooMuch.status, tooMuch.body.error.code]).toEqual([400, 'invalid_amount']);

    // The refund webhooks arrive after the answers: each refund stays counted once.
    await t.services.jobs.runDue();
    const after = (await shopCall<ShopOrder>('GET', `/api/orders/${order.id}`, session.token)).body;
    expect(after.refunds.map((r) => r.amountMinor)).toEqual([5_000, 800]);
    expect(after.refundedMinor).toBe(5_800);
  });

  it('answers a refund beyond the rest with the server code through the merchant client', async () => {
    const merchant = new MerchantClient({ baseUrl: jiaoziUrl, secret: app.liveSecret, maxRetries: 0 });
    const error = await merchant
      .createRefund(order.paymentOrderId, { amountMinor: 15_001 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MerchantApiError);
    expect([(error as MerchantApiError).code, (error as MerchantApiError).status]).toEqual([
      'refund_exceeds_remaining',
      409,
    ]);
    const refunds = await merchant.listRefunds(order.paymentOrderId);
    expect(refunds.refunds.map((r) => r.amountMinor).sort((a, b) => a - b)).toEqual([800, 5_000]);
    expect((await merchant.getOrder(order.paymentOrderId)).refundedMinor).toBe(5_800);
    const balanceNow = await merchant.getBalance();
    expect([balanceNow.mode, balanceNow.balanceMinor]).toEqual(['live', 20_800 - 5_800]);
    const events = await merchant.listEvents({ limit: 50 });
    expect(events.events.map((e) => e.type)).toEqual(['order.paid', 'refund.succeeded', 'refund.succeeded']);
  });

  it('makes one order per idempotency key and refuses the key with another body', async () => {
    const merchant = new MerchantClient({ baseUrl: jiaoziUrl, secret: app.liveSecret, maxRetries: 0 });
    const body = { openid: session.openid, amountMinor: 300, currency: 'CNY', description: 'Chopsticks' };
    const a = await merchant.createOrder(body, { idempotencyKey: 'shop-test-order-1' });
    const b = await merchant.createOrder(body, { idempotencyKey: 'shop-test-order-1' });
    expect(b.order.id).toBe(a.order.id);
    const conflict = await merchant
      .createOrder({ ...body, amountMinor: 301 }, { idempotencyKey: 'shop-test-order-1' })
      .catch((e: unknown) => e as MerchantApiError);
    expect(conflict).toMatchObject({ code: 'idempotency_conflict', status: 409 });
    const closed = await merchant.closeOrder(a.order.id);
    expect(closed.status).toBe('closed');
    const wrongKey = new MerchantClient({
      baseUrl: jiaoziUrl,
      secret: `${app.liveSecret.slice(0, -1)}x`,
      maxRetries: 0,
    });
    expect(await wrongKey.getBalance().catch((e: unknown) => e)).toMatchObject({
      code: 'merchant_unauthorized',
      status: 401,
    });
  });

  it('refuses webhooks with a tampered body, a stale timestamp or another secret', async () => {
    const event = JSON.stringify({
      id: 'evt_forged',
      type: 'order.paid',
      createdAt: '',
      mode: 'live',
      data: {},
    });
    const now = Math.floor(Date.now() / 1000);
    const post = async (body: string, timestamp: number, secret = app.webhookSecret) => {
      const signature = signWebhook({ secret, id: 'evt_forged', timestamp, body: event });
      const res = await fetch(`${shopUrl}/api/webhooks`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'webhook-id': 'evt_forged',
          'webhook-timestamp': String(timestamp),
          'webhook-signature': signature,
        },
        body,
      });
      return [res.status, ((await res.json()) as { error?: { code: string } }).error?.code];
    };
    expect(await post(event.replace('order.paid', 'order.closed'), now)).toEqual([
      400,
      'webhook_signature_invalid',
    ]);
    expect(await post(event, now - 301)).toEqual([400, 'webhook_timestamp_too_old']);
    expect(await post(event, now, `whsec_${Buffer.alloc(32, 1).toString('base64')}`)).toEqual([
      400,
      'webhook_signature_invalid',
    ]);
  });

  it('keeps its orders across a restart', async () => {
    await shop.close();
    shop = await startShop({
      jiaoziUrl,
      appSecret: app.liveSecret,
      webhookSecret: app.webhookSecret,
      dataDir,
      port: SHOP_PORT,
      staticDir: null,
    });
    const list = await shopCall<{ orders: ShopOrder[] }>('GET', '/api/orders', session.token);
    expect(list.body.orders.map((o) => [o.id, o.status, o.refundedMinor])).toEqual([
      [order.id, 'paid', 5_800],
    ]);
    expect((await t.services.ledger.verify()).problems).toEqual([]);
  });
});
