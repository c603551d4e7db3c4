/**
 * A typed client of the Jiaozi merchant API (authenticated with an app's live or test
 * secret). Writes carry an `Idempotency-Key` (a UUIDv7 per logical call, the same on each
 * of its retries), so a retried create never makes a second order or refund. Network
 * failures, 5xx and 429 are retried with jittered exponential backoff; any other error is
 * thrown at once as a {@link MerchantApiError} with the server's code.
 */
import {
  type CreateOrderRequest,
  type CreateOrderResponse,
  type CreateRefundRequest,
  type CreateSettlementRequest,
  type EventList,
  LIVE_KEY_PREFIX,
  type MerchantBalance,
  type MerchantMode,
  type MerchantSession,
  type Order,
  type Refund,
  type RefundList,
  type Settlement,
  TEST_KEY_PREFIX,
  uuidv7,
} from '@jiaozi/protocol';
import { MerchantApiError, MerchantConnectionError } from './errors.js';

export interface MerchantClientOptions {
  /** The Jiaozi server, e.g. `https://jiaozi.example` (no trailing `/v1`). */
  baseUrl: string;
  /** The app's live (`sk_live_…`) or test (`test_sk_…`) secret: it decides app and mode. */
  secret: string;
  /** Retries after the first attempt. Default 3. */
  maxRetries?: number;
  /** Per attempt. Default 30 s. */
  timeoutMs?: number;
  /** The backoff before retry n is random in [0, min(max, base · 2ⁿ)). Defaults 500 ms and 10 s. */
  retryBaseDelayMs?: number;
  retryMaxDelayMs?: number;
  fetch?: typeof fetch;
  /** For tests: a [0, 1) source and a sleep. */
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** Per-call options of a write. */
export interface WriteOptions {
  /** Default: a fresh UUIDv7 for this call. Pass your own to make a call repeatable across restarts. */
  idempotencyKey?: string;
}

type Retry = 'idempotent' | 'only-throttled';

interface RequestSpec {
  method: 'GET' | 'POST';
  path: string;
  body?: unknown;
  idempotencyKey?: string;
  retry: Retry;
}

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class MerchantClient {
  readonly mode: MerchantMode;
  private readonly baseUrl: string;
  private readonly secret: string;
  private readonly maxRetries: number;
  private readonly timeoutMs: number;
  private readonly retryBaseDelayMs: number;
  private readonly retryMaxDelayMs: number;
  private readonly fetchImpl: typeof fetch;
  private readonly random: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(options: MerchantClientOptions) {
    if (options.secret.startsWith(LIVE_KEY_PREFIX)) this.mode = 'live';
    else if (options.secret.startsWith(TEST_KEY_PREFIX)) this.mode = 'test';
    else throw new TypeError(`The secret must start with "${LIVE_KEY_PREFIX}" or "${TEST_KEY_PREFIX}".`);
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.secret = options.secret;
    this.maxRetries = options.maxRetries ?? 3;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.retryBaseDelayMs = options.retryBaseDelayMs ?? 500;
    this.retryMaxDelayMs = options.retryMaxDelayMs ?? 10_000;
    this.fetchImpl = options.fetch ?? globalThis.fetch;
    this.random = options.random ?? Math.random;
    this.sleep = options.sleep ?? sleepFor;
  }

  /** Exchanges a login code from `auth.login()` for the user's openid and granted profile. */
  exchangeLoginCode(code: string): Promise<MerchantSession> {
    // A code works once: retry only when the server said it did not look at the request.
    return this.request({
      method: 'POST',
      path: '/v1/merchant/sessions',
      body: { code },
      retry: 'only-throttled',
    });
  }

  /** Creates a payment order; hand `paymentToken` to the mini app for `pay.requestPayment`. */
  createOrder(body: CreateOrderRequest, options: WriteOptions = {}): Promise<CreateOrderResponse> {
    return this.request({
      method: 'POST',
      path: '/v1/merchant/orders',
      body,
      idempotencyKey: options.idempotencyKey ?? uuidv7(),
      retry: 'idempotent',
    });
  }

  getOrder(orderId: string): Promise<Order> {
    return this.request({
      method: 'GET',
      path: `/v1/merchant/orders/${encodeURIComponent(orderId)}`,
      retry: 'idempotent',
    });
  }

  /** Closes an open order so it can no longer be paid. */
  closeOrder(orderId: string): Promise<Order> {
    return this.request({
      method: 'POST',
      path: `/v1/merchant/orders/${encodeURIComponent(orderId)}/close`,
      body: {},
      idempotencyKey: uuidv7(),
      retry: 'idempotent',
    });
  }

  /** Refunds part or all of a paid order (several refunds may follow one payment). */
  createRefund(orderId: string, body: CreateRefundRequest, options: WriteOptions = {}): Promise<Refund> {
    return this.request({
      method: 'POST',
      path: `/v1/merchant/orders/${encodeURIComponent(orderId)}/refunds`,
      body,
      idempotencyKey: options.idempotencyKey ?? uuidv7(),
      retry: 'idempotent',
    });
  }

  listRefunds(orderId: string): Promise<RefundList> {
    return this.request({
      method: 'GET',
      path: `/v1/merchant/orders/${encodeURIComponent(orderId)}/refunds`,
      retry: 'idempotent',
    });
  }

  /** The event list, oldest first: pass `nextCursor` back as `after` to read on. */
  listEvents(query: { after?: string; limit?: number } = {}): Promise<EventList> {
    const params = new URLSearchParams();
    if (query.after !== undefined) params.set('after', query.after);
    if (query.limit !== undefined) params.set('limit', String(query.limit));
    const search = params.size > 0 ? `?${params}` : '';
    return this.request({ method: 'GET', path: `/v1/merchant/events${search}`, retry: 'idempotent' });
  }

  getBalance(): Promise<MerchantBalance> {
    return this.request({ method: 'GET', path: '/v1/merchant/balance', retry: 'idempotent' });
  }

  /** Moves money from the merchant balance to the developer's bank card. */
  createSettlement(body: CreateSettlementRequest, options: WriteOptions = {}): Promise<Settlement> {
    return this.request({
      method: 'POST',
      path: '/v1/merchant/settlements',
      body,
      idempotencyKey: options.idempotencyKey ?? uuidv7(),
      retry: 'idempotent',
    });
  }

  /** The backoff before retry `attempt` (1-based): full jitter, or the server's Retry-After. */
  retryDelayMs(attempt: number, retryAfterSeconds?: number): number {
    const cap = Math.min(this.retryMaxDelayMs, this.retryBaseDelayMs * 2 ** (attempt - 1));
    const jittered = Math.floor(this.random() * cap);
    if (retryAfterSeconds === undefined) return jittered;
    return Math.min(this.retryMaxDelayMs, Math.max(jittered, retryAfterSeconds * 1000));
  }

  private async request<T>(spec: RequestSpec): Promise<T> {
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.secret}`,
      accept: 'application/json',
    };
    if (spec.body !== undefined) headers['content-type'] = 'application/json';
    if (spec.idempotencyKey !== undefined) headers['idempotency-key'] = spec.idempotencyKey;
    const body = spec.body === undefined ? undefined : JSON.stringify(spec.body);
    for (let attempt = 0; ; attempt++) {
      let response: Response;
      try {
        response = await this.fetchImpl(`${this.baseUrl}${spec.path}`, {
          method: spec.method,
          headers,
          body,
          signal: AbortSignal.timeout(this.timeoutMs),
        });
      } catch (error) {
        const timedOut = (error as Error).name === 'TimeoutError' || (error as Error).name === 'AbortError';
        if (spec.retry === 'idempotent' && attempt < this.maxRetries) {
          await this.sleep(this.retryDelayMs(attempt + 1));
          continue;
        }
        throw new MerchantConnectionError(
          timedOut ? 'timeout' : 'connection_failed',
          `${spec.method} ${spec.path}: ${timedOut ? `no answer in ${this.timeoutMs} ms` : (error as Error).message}`,
          error,
        );
      }
      if (response.ok) return (await response.json()) as T;
      const retriable =
        response.status === 429 ||
        (spec.retry === 'idempotent' && response.status >= 500) ||
        (spec.retry === 'only-throttled' && response.status === 503);
      if (retriable && attempt < this.maxRetries) {
        await response.body?.cancel();
        const retryAfter = Number(response.headers.get('retry-after'));
        await this.sleep(
          this.retryDelayMs(
            attempt + 1,
            Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined,
          ),
        );
        continue;
      }
      throw await apiError(response);
    }
  }
}

async function apiError(response: Response): Promise<MerchantApiError> {
  const text = await response.text();
  try {
    const parsed = JSON.parse(text) as {
      error?: { code?: unknown; message?: unknown; details?: unknown; requestId?: unknown };
    };
    const error = parsed.error;
    if (error !== undefined && typeof error.code === 'string') {
      return new MerchantApiError(
        error.code,
        typeof error.message === 'string' ? error.message : error.code,
        response.status,
        error.details,
        typeof error.requestId === 'string' ? error.requestId : undefined,
      );
    }
  } catch {
    // Not JSON: a proxy's page, say. Fall through.
  }
  return new MerchantApiError(
    `http_${response.status}`,
    `HTTP ${response.status}: ${text.slice(0, 200)}`,
    response.status,
  );
}
