/**
 * The shop's merchant server: sessions from Jiaozi login codes, checkout that creates a
 * Jiaozi payment order (prices from the server's catalog, never the app's), orders whose
 * status follows Jiaozi's signed webhooks, and refunds.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { MerchantApiError, MerchantClient, verifyWebhook, WebhookVerificationError } from '@jiaozi/merchant';
import type { Order, WebhookEvent } from '@jiaozi/protocol';
import type {
  Catalog,
  CheckoutResponse,
  OrderList,
  SessionResponse,
  ShopOrder,
  ShopOrderLine,
  ShopRefund,
} from '../shared/api.js';
import { findProduct, PRODUCTS } from './catalog.js';
import { type ApiRequest, bearer, HttpError, Router } from './http.js';
import { JsonStore } from './store.js';

export const CART_LINES_MAX = 20;
export const LINE_QUANTITY_MAX = 99;
const PROCESSED_EVENTS_KEPT = 2000;
/** A session lasts this long; the app logs in again (silently) after it. */
export const SESSION_TTL_MS = 7 * 24 * 3600 * 1000;
/** Sessions kept at most; the oldest go first. */
const SESSIONS_KEPT = 10_000;

export interface ShopOptions {
  /** The Jiaozi server. */
  jiaoziUrl: string;
  /** The app's live or test secret. */
  appSecret: string;
  /** `whsec_…`: checks the webhooks. */
  webhookSecret: string;
  /** Where `shop.json` lives. */
  dataDir: string;
  /** The currency of live mode (test mode is always XTS). Default CNY. */
  currency?: string;
  /** The built mini app, or null to serve only `/api`. Default: `dist/app` beside the server. */
  staticDir?: string | null;
  /** Options for the merchant client (retries, timeouts). */
  merchant?: { maxRetries?: number; timeoutMs?: number };
}

interface Session {
  openid: string;
  displayName: string | null;
  createdAt: string;
}

interface StoredOrder extends ShopOrder {
  openid: string;
  paymentToken: string;
}

export interface ShopState {
  sessions: Record<string, Session>;
  orders: Record<string, StoredOrder>;
  /** Ids of webhook events already applied (deliveries are at least once). */
  processedEvents: string[];
}

export interface Shop {
  router: Router;
  store: JsonStore<ShopState>;
  merchant: MerchantClient;
  currency: string;
}

export async function createShop(options: ShopOptions): Promise<Shop> {
  const merchant = new MerchantClient({
    baseUrl: options.jiaoziUrl,
    secret: options.appSecret,
    ...options.merchant,
  });
  const currency = merchant.mode === 'test' ? 'XTS' : (options.currency ?? 'CNY');
  const store = await JsonStore.open<ShopState>(join(options.dataDir, 'shop.json'), () => ({
    sessions: {},
    orders: {},
    processedEvents: [],
  }));
  const router = new Router({ staticDir: options.staticDir ?? null, bodyLimitBytes: 64 * 1024 });

  const session = (request: ApiRequest): Session => {
    const token = bearer(request);
    const found = token === undefined ? undefined : store.data.sessions[token];
    if (found === undefined || Date.parse(found.createdAt) + SESSION_TTL_MS <= Date.now()) {
      throw new HttpError(401, 'unauthenticated', 'Log in first.');
    }
    return found;
  };
  const ownOrder = (request: ApiRequest, openid: string): StoredOrder => {
    const order = store.data.orders[request.params.id ?? ''];
    if (order === undefined || order.openid !== openid)
      throw new HttpError(404, 'not_found', 'No such order.');
    return order;
  };

  router.on('GET', '/api/health', () => ({ body: { ok: true, mode: merchant.mode } }));

  router.on('GET', '/api/catalog', () => {
    const catalog: Catalog = { currency, products: [...PRODUCTS] };
    return { body: catalog };
  });

  router.on('POST', '/api/session', async (request) => {
    const code = request.json().code;
    if (typeof code !== 'string' || code.length === 0 || code.length > 200) {
      throw new HttpError(400, 'invalid_request', '"code" must be the code from auth.login().');
    }
    const exchanged = await merchantCall(() => merchant.exchangeLoginCode(code));
    const token = randomBytes(24).toString('base64url');
    const displayName = exchanged.profile?.displayName ?? null;
    await store.update((state) => {
      pruneSessions(state.sessions);
      state.sessions[token] = { openid: exchanged.openid, displayName, createdAt: new Date().toISOString() };
    });
    const body: SessionResponse = { token, openid: exchanged.openid, displayName };
    return { status: 201, body };
  });

  router.on('POST', '/api/checkout', async (request) => {
    const { openid } = session(request);
    const lines = orderLines(request.json().lines);
    let total = 0n;
    for (const line of lines) total += BigInt(line.unitPriceMinor) * BigInt(line.quantity);
    if (total > BigInt(Number.MAX_SAFE_INTEGER))
      throw new HttpError(400, 'invalid_request', 'The order is too large.');
    const amountMinor = Number(total);
    const id = `so_${randomUUID()}`;
    const count = lines.reduce((n, line) => n + line.quantity, 0);
    const created = await merchantCall(() =>
      merchant.createOrder(
        {
          openid,
          amountMinor,
          currency,
          description: `Jiaozi Shop: ${count} item${count === 1 ? '' : 's'}`,
          merchantReference: id,
          metadata: { shopOrderId: id },
        },
        // The shop's own order id keys the payment order: a retried checkout makes no second one.
        { idempotencyKey: id },
      ),
    );
    const order: StoredOrder = {
      id,
      paymentOrderId: created.order.id,
      status: 'awaiting_payment',
      lines,
      amountMinor,
      currency,
      refundedMinor: 0,
      refunds: [],
      createdAt: created.order.createdAt,
      paidAt: null,
      openid,
      paymentToken: created.paymentToken,
    };
    await store.update((state) => {
      state.orders[id] = order;
    });
    const body: CheckoutResponse = { order: publicOrder(order), paymentToken: created.paymentToken };
    return { status: 201, body };
  });

  router.on('GET', '/api/orders', (request) => {
    const { openid } = session(request);
    const orders = Object.values(store.data.orders)
      .filter((o) => o.openid === openid)
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
      .map(publicOrder);
    const body: OrderList = { orders };
    return { body };
  });

  router.on('GET', '/api/orders/:id', (request) => {
    const { openid } = session(request);
    return { body: publicOrder(ownOrder(request, openid)) };
  });

  router.on('POST', '/api/orders/:id/refunds', async (request) => {
    const { openid } = session(request);
    const order = ownOrder(request, openid);
    const body = request.json();
    const amountMinor = body.amountMinor;
    const reason = body.reason;
    if (order.status !== 'paid')
      throw new HttpError(409, 'order_not_paid', 'Only a paid order can be refunded.');
    const remaining = order.amountMinor - order.refundedMinor;
    if (
      typeof amountMinor !== 'number' ||
      !Number.isSafeInteger(amountMinor) ||
      amountMinor < 1 ||
      amountMinor > remaining
    ) {
      throw new HttpError(
        400,
        'invalid_amount',
        `The refund must be a whole number of minor units from 1 to ${remaining}.`,
      );
    }
    if (reason !== undefined && (typeof reason !== 'string' || reason.length > 200)) {
      throw new HttpError(400, 'invalid_request', '"reason" must be text of at most 200 characters.');
    }
    const refund = await merchantCall(() =>
      merchant.createRefund(
        order.paymentOrderId,
        reason === undefined ? { amountMinor } : { amountMinor, reason },
      ),
    );
    const updated = await store.update((state) => {
      const stored = state.orders[order.id] as StoredOrder;
      addRefund(stored, {
        id: refund.id,
        amountMinor: refund.amountMinor,
        reason: refund.reason,
        createdAt: refund.createdAt,
      });
      return stored;
    });
    return { status: 201, body: publicOrder(updated) };
  });

  router.on('POST', '/api/webhooks', async (request) => {
    let event: WebhookEvent;
    try {
      event = verifyWebhook({
        secret: options.webhookSecret,
        headers: request.headers,
        body: request.rawBody,
      });
    } catch (error) {
      if (error instanceof WebhookVerificationError) throw new HttpError(400, error.code, error.message);
      throw error;
    }
    await store.update((state) => {
      if (state.processedEvents.includes(event.id)) return;
      applyEvent(state, event);
      state.processedEvents.push(event.id);
      if (state.processedEvents.length > PROCESSED_EVENTS_KEPT)
        state.processedEvents.splice(0, PROCESSED_EVENTS_KEPT / 2);
    });
    return { body: { received: true } };
  });

  return { router, store, merchant, currency };
}

function orderLines(value: unknown): ShopOrderLine[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > CART_LINES_MAX) {
    throw new HttpError(400, 'invalid_request', `"lines" must hold 1 to ${CART_LINES_MAX} lines.`);
  }
  const seen = new Set<string>();
  return value.map((line: unknown) => {
    const { productId, quantity } = (typeof line === 'object' && line !== null ? line : {}) as Record<
      string,
      unknown
    >;
    const product = typeof productId === 'string' ? findProduct(productId) : undefined;
    if (product === undefined)
      throw new HttpError(400, 'product_unknown', `No product ${JSON.stringify(productId)}.`);
    if (seen.has(product.id)) throw new HttpError(400, 'invalid_request', `${product.id} is listed twice.`);
    seen.add(product.id);
    if (
      typeof quantity !== 'number' ||
      !Number.isInteger(quantity) ||
      quantity < 1 ||
      quantity > LINE_QUANTITY_MAX
    ) {
      throw new HttpError(400, 'invalid_request', `The quantity must be 1 to ${LINE_QUANTITY_MAX}.`);
    }
    return {
      productId: product.id,
      name: product.name,
      emoji: product.emoji,
      quantity,
      unitPriceMinor: product.priceMinor,
    };
  });
}

function findByPaymentOrder(state: ShopState, order: Order): StoredOrder | undefined {
  const byReference = order.merchantReference === null ? undefined : state.orders[order.merchantReference];
  if (byReference?.paymentOrderId === order.id) return byReference;
  return Object.values(state.orders).find((o) => o.paymentOrderId === order.id);
}

function applyEvent(state: ShopState, event: WebhookEvent): void {
  switch (event.type) {
    case 'order.paid': {
      const order = findByPaymentOrder(state, event.data.order);
      if (order === undefined) return;
      order.status = 'paid';
      order.paidAt = event.data.order.paidAt;
      return;
    }
    case 'order.closed':
    case 'order.expired': {
      const order = findByPaymentOrder(state, event.data.order);
      if (order !== undefined && order.status === 'awaiting_payment') order.status = 'cancelled';
      return;
    }
    case 'refund.succeeded': {
      const order = findByPaymentOrder(state, event.data.order);
      if (order === undefined) return;
      const { refund } = event.data;
      addRefund(order, {
        id: refund.id,
        amountMinor: refund.amountMinor,
        reason: refund.reason,
        createdAt: refund.createdAt,
      });
      return;
    }
    default:
      // Settlements concern the shop's accounts, not its orders.
      return;
  }
}

/** Adds a refund once, whether the refund call's answer or its webhook reports it first. */
function addRefund(order: StoredOrder, refund: ShopRefund): void {
  if (order.refunds.some((r) => r.id === refund.id)) return;
  order.refunds.push(refund);
  order.refundedMinor = order.refunds.reduce((sum, r) => sum + r.amountMinor, 0);
}

function publicOrder(order: StoredOrder): ShopOrder {
  const { openid: _openid, paymentToken: _token, ...rest } = order;
  return structuredClone(rest);
}

/** Drops expired sessions, and the oldest beyond the cap. */
function pruneSessions(sessions: Record<string, Session>): void {
  const now = Date.now();
  const live = Object.entries(sessions).filter(([, s]) => Date.parse(s.createdAt) + SESSION_TTL_MS > now);
  live.sort(([, a], [, b]) => a.createdAt.localeCompare(b.createdAt));
  const kept = new Set(live.slice(Math.max(0, live.length - (SESSIONS_KEPT - 1))).map(([token]) => token));
  for (const token of Object.keys(sessions)) if (!kept.has(token)) delete sessions[token];
}

/** Merchant API errors reach the app with their code; a 5xx of Jiaozi is a 502 of the shop. */
async function merchantCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof MerchantApiError) {
      const status = error.status >= 400 && error.status < 500 ? error.status : 502;
      throw new HttpError(status, error.code, error.message);
    }
    throw error;
  }
}

export interface RunningShop {
  url: string;
  shop: Shop;
  close(): Promise<void>;
}

/** Starts the shop's server (API + built app) on a port. */
export async function startShop(
  options: ShopOptions & { port: number; host?: string },
): Promise<RunningShop> {
  const shop = await createShop(options);
  const server = createServer(shop.router.listener);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://localhost:${port}`,
    shop,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
