import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyWebhook, WebhookVerificationError } from '@jiaozi/merchant';
import type {
  CreatedApp,
  CreateOrderResponse,
  Order,
  WebhookDelivery,
  WebhookDeliveryList,
  WebhookEvent,
} from '@jiaozi/protocol';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../kernel/clock.js';
import { newId } from '../kernel/ids.js';
import { type Client, createTestApp, nextIp, signupClient, type TestApp } from '../test/app.js';
import { expectError, ok } from '../test/http.js';

/**
 * Ports of this file, in the payments range 15600–15699: the endpoint takes the first free
 * one of 15610–15619 (the file runs once per database project), and nobody listens on 15699.
 */
const PORTS = [15_610, 15_611, 15_612, 15_613, 15_614, 15_615, 15_616, 15_617, 15_618, 15_619];
const NOBODY_PORT = 15_699;
const PIN = '135790';
const clock = new ManualClock('2026-11-25T08:00:00.000Z');

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  /** The test clock's time when it arrived. */
  at: Date;
}

/** A merchant endpoint: answers the statuses of `script` in turn, then 200; logs what came. */
class Endpoint {
  received: Received[] = [];
  script: number[] = [];
  /** When set, the next request waits for it before it is answered. */
  hold: Promise<void> | null = null;
  readonly server: Server;

  constructor() {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      const status = this.script.shift() ?? 200;
      const hold = this.hold;
      this.hold = null;
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', async () => {
        this.received.push({
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          at: clock.now(),
        });
        await hold;
        if (status === 302) {
          res.writeHead(302, { location: `${this.url}/elsewhere` }).end();
          return;
        }
        res.writeHead(status, { 'content-type': 'text/plain' });
        res.end(status === 200 ? 'thanks' : `failure ${'x'.repeat(3000)}`);
      });
    });
  }

  async listen(): Promise<void> {
    for (const port of PORTS) {
      const bound = await new Promise<boolean>((resolve) => {
        const onError = () => resolve(false);
        this.server.once('error', onError);
        this.server.listen(port, '127.0.0.1', () => {
          this.server.off('error', onError);
          resolve(true);
        });
      });
      if (bound) return;
    }
    throw new Error('no free port in 15610–15619');
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/webhooks`;
  }
}

let t: TestApp;
let endpoint: Endpoint;
let dev: Client;
let alice: Client & { password: string };
let shop: CreatedApp;

beforeAll(async () => {
  endpoint = new Endpoint();
  await endpoint.listen();
  t = await createTestApp({ clock });
  dev = await signupClient(t.app);
  alice = await signupClient(t.app);
  ok(await alice.request('PUT', '/v1/me/pin', { pin: PIN, password: alice.password }), 204);
  await t.services.wallet.operatorCredit(alice.userId, 100_000n, 'test');
  shop = await t.services.miniapps.registerApproved(dev.userId, {
    name: 'Hooked Shop',
    description: 'Webhooks',
    origin: 'http://localhost:15620',
    scopes: [],
    webhookUrl: endpoint.url,
  });
});

afterAll(async () => {
  await t?.shutdown();
  await new Promise((resolve) => endpoint?.server.close(resolve));
});

beforeEach(() => {
  endpoint.received = [];
  endpoint.script = [];
});

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
    headers: { authorization: `Bearer ${shop.liveSecret}`, ...(key ? { 'idempotency-key': key } : {}) },
    ...(body ? { payload: body } : {}),
  });
}

async function paidOrder(amountMinor: number): Promise<Order> {
  const openid = await t.services.miniapps.openidFor(shop.app.id, alice.userId);
  const { order, paymentToken } = ok<CreateOrderResponse>(
    await merchant(
      'POST',
      '/v1/merchant/orders',
      { openid, amountMinor, currency: 'CNY', description: 'Buns' },
      newId(),
    ),
    201,
  );
  ok(
    await alice.request('POST', `/v1/miniapps/payments/${paymentToken}/pay?appId=${shop.app.id}`, {
      pin: PIN,
    }),
  );
  return order;
}

async function deliveries(): Promise<WebhookDelivery[]> {
  return ok<WebhookDeliveryList>(await dev.request('GET', `/v1/developer/apps/${shop.app.id}/deliveries`))
    .deliveries;
}

function verify(r: Received, options: { secret?: string; body?: string; now?: Date } = {}): WebhookEvent {
  return verifyWebhook({
    secret: options.secret ?? shop.webhookSecret,
    headers: r.headers as Record<string, string>,
    body: options.body ?? r.body,
    now: options.now ?? r.at,
  });
}

function verifyCode(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(WebhookVerificationError);
    return (e as WebhookVerificationError).code;
  }
  return 'verified';
}

describe('webhook delivery (acceptance 2)', () => {
  it('retries a failing endpoint on the schedule with the same id until it answers 200', async () => {
    endpoint.script = [500, 500, 500];
    const order = await paidOrder(1_500);
    // Attempt 1 at once, then after 5 s, 5 min and 30 min.
    await t.services.jobs.runDue();
    expect(endpoint.received).toHaveLength(1);
    clock.advanceSeconds(4);
    await t.services.jobs.runDue();
    expect(endpoint.received).toHaveLength(1);
    clock.advanceSeconds(1);
    await t.services.jobs.runDue();
    expect(endpoint.received).toHaveLength(2);
    clock.advanceSeconds(5 * 60);
    await t.services.jobs.runDue();
    expect(endpoint.received).toHaveLength(3);
    clock.advanceSeconds(30 * 60 - 1);
    await t.services.jobs.runDue();
    expect(endpoint.received).toHaveLength(3);
    clock.advanceSeconds(1);
    await t.services.jobs.runDue();
    expect(endpoint.received).toHaveLength(4);
    // Delivered: nothing more comes, however long we wait.
    clock.advanceSeconds(3 * 24 * 3600);
    await t.services.jobs.runDue();
    expect(endpoint.received).toHaveLength(4);

    const ids = endpoint.received.map((r) => r.headers['webhook-id']);
    expect(new Set(ids).size).toBe(1);
    expect(ids[0]).toMatch(/^evt_[0-9a-f]{8}-[0-9a-f]{4}-7/);
    expect(new Set(endpoint.received.map((r) => r.body)).size).toBe(1);
    const last = endpoint.received[3] as Received;
    // Every copy verifies as the merchant SDK checks it, at the time it arrived.
    for (const r of endpoint.received) expect(verifyCode(() => verify(r))).toBe('verified');
    const event = verify(last);
    expect(event).toMatchObject({ id: ids[0], type: 'order.paid', mode: 'live' });
    expect(event.type === 'order.paid' && event.data.order).toMatchObject({ id: order.id, status: 'paid' });
    expect(last.headers['content-type']).toBe('application/json');

    const [delivery] = await deliveries();
    expect(delivery).toMatchObject({
      eventId: ids[0],
      eventType: 'order.paid',
      url: endpoint.url,
      status: 'succeeded',
      attemptCount: 4,
      nextAttemptAt: null,
    });
    expect(delivery?.attempts.map((a) => [a.number, a.responseStatus, a.error, a.manual])).toEqual([
      [1, 500, 'status 500', false],
      [2, 500, 'status 500', false],
      [3, 500, 'status 500', false],
      [4, 200, null, false],
    ]);
    expect(delivery?.attempts.map((a) => a.startedAt)).toEqual([
      '2026-11-25T08:00:00.000Z',
      '2026-11-25T08:00:05.000Z',
      '2026-11-25T08:05:05.000Z',
      '2026-11-25T08:35:05.000Z',
    ]);
    // The body of an answer is kept to 2 KB; the duration is measured.
    expect(Buffer.byteLength(delivery?.attempts[0]?.responseBody ?? '')).toBe(2048);
    expect(delivery?.attempts[3]?.responseBody).toBe('thanks');
    for (const a of delivery?.attempts ?? []) expect(a.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('refuses a tampered body, a stale timestamp and a wrong secret', async () => {
    await paidOrder(700);
    await t.services.jobs.runDue();
    const [r] = endpoint.received;
    assertReceived(r);
    expect(verifyCode(() => verify(r))).toBe('verified');
    const tampered = r.body.replace('"amountMinor":700', '"amountMinor":1');
    expect(tampered).not.toBe(r.body);
    expect(verifyCode(() => verify(r, { body: tampered }))).toBe('webhook_signature_invalid');
    expect(verifyCode(() => verify(r, { body: `${r.body} ` }))).toBe('webhook_signature_invalid');
    const signedAt = Number(r.headers['webhook-timestamp']) * 1000;
    expect(verifyCode(() => verify(r, { now: new Date(signedAt + 300_000) }))).toBe('verified');
    expect(verifyCode(() => verify(r, { now: new Date(signedAt + 301_000) }))).toBe(
      'webhook_timestamp_too_old',
    );
    const wrong = `whsec_${Buffer.alloc(32, 1).toString('base64')}`;
    expect(verifyCode(() => verify(r, { secret: wrong }))).toBe('webhook_signature_invalid');
    // The secret shown to the developer when the app was made verifies it (and is what signed it).
    expect(shop.webhookSecret).toMatch(/^whsec_/);
  });

  it('gives up after the last retry, about 3 days on, and a resend delivers the same event', async () => {
    endpoint.script = Array(11).fill(503);
    await paidOrder(900);
    await t.services.jobs.runDue();
    for (const seconds of [5, 300, 1800, 7200, 18_000, 36_000, 36_000, 50_400, 50_400, 57_600]) {
      clock.advanceSeconds(seconds);
      await t.services.jobs.runDue();
    }
    expect(endpoint.received).toHaveLength(11);
    clock.advanceSeconds(7 * 24 * 3600);
    await t.services.jobs.runDue();
    expect(endpoint.received).toHaveLength(11);
    const [failed] = await deliveries();
    expect(failed).toMatchObject({ status: 'failed', attemptCount: 11, nextAttemptAt: null });
    expect(failed?.attempts.at(-1)?.error).toBe('status 503');

    const resent = ok<{ delivery: WebhookDelivery }>(
      await dev.request('POST', `/v1/developer/apps/${shop.app.id}/deliveries/${failed?.id}/resend`),
    ).delivery;
    expect(resent).toMatchObject({ id: failed?.id, status: 'succeeded', attemptCount: 12 });
    expect(resent.attempts.at(-1)).toMatchObject({
      number: 12,
      responseStatus: 200,
      manual: true,
      error: null,
    });
    expect(endpoint.received).toHaveLength(12);
    expect(new Set(endpoint.received.map((r) => r.headers['webhook-id'])).size).toBe(1);
    const event = verify(endpoint.received[11] as Received);
    expect(event.id).toBe(failed?.eventId);
  });

  it('does not follow redirects, logs refused connections, and shows deliveries to the owner only', async () => {
    endpoint.script = [302];
    await paidOrder(300);
    await t.services.jobs.runDue();
    expect(endpoint.received).toHaveLength(1);
    const [redirected] = await deliveries();
    expect(redirected?.attempts[0]).toMatchObject({
      responseStatus: 302,
      error: 'redirect 302 (not followed)',
    });
    expect(redirected?.status).toBe('pending');

    // An app whose endpoint is down: the attempt is logged with the reason.
    const down = await t.services.miniapps.registerApproved(dev.userId, {
      name: 'Down',
      description: 'Nobody home',
      origin: 'http://localhost:15621',
      scopes: [],
      webhookUrl: `http://127.0.0.1:${NOBODY_PORT}/hooks`,
    });
    const openid = await t.services.miniapps.openidFor(down.app.id, alice.userId);
    const created = await t.app.inject({
      method: 'POST',
      url: '/v1/merchant/orders',
      remoteAddress: nextIp(),
      headers: { authorization: `Bearer ${down.liveSecret}`, 'idempotency-key': newId() },
      payload: { openid, amountMinor: 100, currency: 'CNY', description: 'x' },
    });
    const { order } = ok<CreateOrderResponse>(created, 201);
    ok(
      await t.app.inject({
        method: 'POST',
        url: `/v1/merchant/orders/${order.id}/close`,
        remoteAddress: nextIp(),
        headers: { authorization: `Bearer ${down.liveSecret}` },
      }),
    );
    await t.services.jobs.runDue();
    const list = ok<WebhookDeliveryList>(
      await dev.request('GET', `/v1/developer/apps/${down.app.id}/deliveries`),
    );
    expect(list.deliveries).toHaveLength(1);
    expect(list.deliveries[0]?.eventType).toBe('order.closed');
    expect(list.deliveries[0]?.attempts[0]).toMatchObject({ responseStatus: null, responseBody: null });
    expect(list.deliveries[0]?.attempts[0]?.error).toMatch(/^connection failed: ECONNREFUSED/);

    expectError(await alice.request('GET', `/v1/developer/apps/${shop.app.id}/deliveries`), 404, 'not_found');
    expectError(
      await alice.request('POST', `/v1/developer/apps/${shop.app.id}/deliveries/${redirected?.id}/resend`),
      404,
      'not_found',
    );
    expectError(
      await dev.request('POST', `/v1/developer/apps/${down.app.id}/deliveries/${redirected?.id}/resend`),
      404,
      'not_found',
    );
  });

  it('pages deliveries newest first', async () => {
    for (let i = 0; i < 3; i++) {
      clock.advance(1);
      await paidOrder(10 + i);
    }
    await t.services.jobs.runDue();
    // Orders closed at once make one event each: enough for more than one page of 50.
    const openid = await t.services.miniapps.openidFor(shop.app.id, alice.userId);
    for (let i = 0; i < 50; i++) {
      clock.advance(1);
      const { order } = ok<CreateOrderResponse>(
        await merchant(
          'POST',
          '/v1/merchant/orders',
          { openid, amountMinor: 1, currency: 'CNY', description: 'x' },
          newId(),
        ),
        201,
      );
      ok(await merchant('POST', `/v1/merchant/orders/${order.id}/close`));
    }
    const url = `/v1/developer/apps/${shop.app.id}/deliveries`;
    const first = ok<WebhookDeliveryList>(await dev.request('GET', url));
    expect(first.deliveries).toHaveLength(50);
    expect(first.nextCursor).toBe(first.deliveries[49]?.id);
    const ids: string[] = first.deliveries.map((d) => d.id);
    let cursor = first.nextCursor;
    while (cursor) {
      const page = ok<WebhookDeliveryList>(await dev.request('GET', `${url}?cursor=${cursor}`));
      ids.push(...page.deliveries.map((d) => d.id));
      cursor = page.nextCursor;
    }
    const total = await t.database.db
      .selectFrom('miniapp_webhook_deliveries')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('app_id', '=', shop.app.id)
      .executeTakeFirstOrThrow();
    expect(ids).toHaveLength(Number(total.n));
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort().reverse()).toEqual(ids);
    expect(first.deliveries[0]?.eventType).toBe('order.closed');
    expectError(
      await dev.request('GET', `/v1/developer/apps/${shop.app.id}/deliveries?cursor=nonsense`),
      400,
      'invalid_request',
    );
  });

  it('keeps a delivery a resend delivered when a slower scheduled attempt then fails', async () => {
    // Deliveries due from earlier tests go first.
    await t.services.jobs.runDue();
    endpoint.received = [];
    let release = () => {};
    endpoint.hold = new Promise<void>((resolve) => {
      release = resolve;
    });
    endpoint.script = [500];
    const arrived = new Promise<void>((resolve) => endpoint.server.once('request', () => resolve()));
    const order = await paidOrder(500);
    // The scheduled attempt reaches the endpoint, which holds its answer (a 500) back.
    const scheduled = t.services.jobs.runDue();
    await arrived;
    const [delivery] = await deliveries();
    expect(delivery?.status).toBe('pending');
    const resent = ok<{ delivery: WebhookDelivery }>(
      await dev.request('POST', `/v1/developer/apps/${shop.app.id}/deliveries/${delivery?.id}/resend`),
    );
    expect(resent.delivery).toMatchObject({ status: 'succeeded', attemptCount: 1 });
    release();
    await scheduled;
    const [after] = await deliveries();
    expect(after?.id).toBe(delivery?.id);
    expect(JSON.parse(endpoint.received[0]?.body ?? '{}').data.order.id).toBe(order.id);
    // The late failure is logged, but the delivery stays delivered and is not retried.
    expect(after).toMatchObject({ status: 'succeeded', attemptCount: 2, nextAttemptAt: null });
    expect(after?.attempts.map((a) => [a.manual, a.responseStatus])).toEqual([
      [true, 200],
      [false, 500],
    ]);
    clock.advance(3600_000);
    await t.services.jobs.runDue();
    const [later] = await deliveries();
    expect(later).toMatchObject({ id: delivery?.id, status: 'succeeded', attemptCount: 2 });
  });

  it('refuses a resend when the app no longer has a webhook URL', async () => {
    const [latest] = await deliveries();
    ok(await dev.request('PATCH', `/v1/developer/apps/${shop.app.id}`, { webhookUrl: null }));
    expectError(
      await dev.request('POST', `/v1/developer/apps/${shop.app.id}/deliveries/${latest?.id}/resend`),
      409,
      'webhook_url_missing',
    );
  });
});

describe('webhooks and private networks (WEBHOOK_ALLOW_PRIVATE_NETWORKS off)', () => {
  let strict: TestApp;

  beforeAll(async () => {
    // A second server over the same database, configured as production is.
    strict = await createTestApp({
      clock,
      database: t.database,
      config: { webhookAllowPrivateNetworks: false },
    });
  });

  afterAll(async () => {
    await strict?.shutdown();
  });

  function asDev(method: 'POST' | 'PATCH', url: string, payload: object): Promise<LightMyRequestResponse> {
    return strict.app.inject({
      method,
      url,
      remoteAddress: nextIp(),
      headers: { authorization: `Bearer ${dev.token}` },
      payload,
    });
  }

  it('refuses webhook URLs to this machine or a private network at registration and change', async () => {
    const refused: [string, string][] = [
      ['http://127.0.0.1:15699/hooks', '127.0.0.1 is a private or reserved address'],
      ['https://10.0.0.8/hooks', '10.0.0.8 is a private or reserved address'],
      ['https://192.168.1.20/hooks', '192.168.1.20 is a private or reserved address'],
      ['http://[::1]:15699/hooks', '::1 is a private or reserved address'],
      ['http://localhost:15699/hooks', 'localhost is this machine'],
      ['https://169.254.169.254/latest', '169.254.169.254 is a private or reserved address'],
      ['https://[::ffff:127.0.0.1]/hooks', '::ffff:7f00:1 is a private or reserved address'],
    ];
    for (const [webhookUrl, reason] of refused) {
      const res = await asDev('POST', '/v1/developer/apps', {
        name: 'Private',
        description: 'x',
        origin: 'https://private.example',
        scopes: [],
        webhookUrl,
      });
      expectError(res, 400, 'webhook_url_invalid');
      expect(res.json().error.message).toBe(
        `The webhook URL must reach a public address: ${reason}. Webhooks are not sent to this machine or to private networks.`,
      );
    }
    const created = ok<CreatedApp>(
      await asDev('POST', '/v1/developer/apps', {
        name: 'Public',
        description: 'x',
        origin: 'https://public.example',
        scopes: [],
        webhookUrl: 'https://hooks.public.example/jiaozi',
      }),
      201,
    );
    expect(created.app.webhookUrl).toBe('https://hooks.public.example/jiaozi');
    expectError(
      await asDev('PATCH', `/v1/developer/apps/${created.app.id}`, { webhookUrl: 'https://10.1.2.3/hooks' }),
      400,
      'webhook_url_invalid',
    );
    // Allowed, as on a development server: the same URL registers.
    ok(
      await dev.request('PATCH', `/v1/developer/apps/${created.app.id}`, {
        webhookUrl: 'https://10.1.2.3/hooks',
      }),
    );
  });

  it('never connects to a private address, whatever the URL or its host name resolves to', async () => {
    await t.services.jobs.runDue();
    endpoint.received = [];
    const port = (endpoint.server.address() as AddressInfo).port;
    // Registered where private networks are allowed (or resolving elsewhere when registered).
    const urls = [`http://localhost:${port}/webhooks`, `http://127.0.0.1:${port}/webhooks`];
    const apps: CreatedApp[] = [];
    for (const [i, webhookUrl] of urls.entries()) {
      const app = await t.services.miniapps.registerApproved(dev.userId, {
        name: `Rebound ${i}`,
        description: 'Resolves to this machine',
        origin: `http://localhost:${15_630 + i}`,
        scopes: [],
        webhookUrl,
      });
      apps.push(app);
      const openid = await t.services.miniapps.openidFor(app.app.id, alice.userId);
      const { order } = ok<CreateOrderResponse>(
        await strict.app.inject({
          method: 'POST',
          url: '/v1/merchant/orders',
          remoteAddress: nextIp(),
          headers: { authorization: `Bearer ${app.liveSecret}`, 'idempotency-key': newId() },
          payload: { openid, amountMinor: 100, currency: 'CNY', description: 'x' },
        }),
        201,
      );
      ok(
        await strict.app.inject({
          method: 'POST',
          url: `/v1/merchant/orders/${order.id}/close`,
          remoteAddress: nextIp(),
          headers: { authorization: `Bearer ${app.liveSecret}` },
        }),
      );
    }
    await strict.services.jobs.runDue();
    expect(endpoint.received).toEqual([]);
    const [byName, byAddress] = await Promise.all(
      apps.map(async (app) => {
        const list = ok<WebhookDeliveryList>(
          await dev.request('GET', `/v1/developer/apps/${app.app.id}/deliveries`),
        );
        expect(list.deliveries).toHaveLength(1);
        return list.deliveries[0];
      }),
    );
    expect(byName).toMatchObject({ status: 'pending', attemptCount: 1 });
    expect(byName?.attempts[0]).toMatchObject({ responseStatus: null, responseBody: null, manual: false });
    expect(byName?.attempts[0]?.error).toMatch(
      /^address not allowed: localhost resolves to [0-9a-f.:, ]+, private addresses \(webhooks go to public addresses only\)$/,
    );
    expect(byAddress?.attempts[0]).toMatchObject({
      responseStatus: null,
      error: 'address not allowed: 127.0.0.1 is a private address (webhooks go to public addresses only)',
    });
    // The same deliveries, where private networks are allowed, arrive.
    clock.advance(10_000);
    await t.services.jobs.runDue();
    expect(endpoint.received).toHaveLength(2);
  });
});

function assertReceived(r: Received | undefined): asserts r is Received {
  expect(r).toBeDefined();
}
