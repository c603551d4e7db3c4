import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MerchantClient } from './client.js';
import { MerchantApiError, MerchantConnectionError } from './errors.js';

// A scripted HTTP server: each request takes the next step of the script.
const PORT = 15701;
const CLOSED_PORT = 15702;
type Step = (req: IncomingMessage, res: ServerResponse) => void;
let script: Step[] = [];
let seen: { method: string; url: string; headers: IncomingMessage['headers']; body: string }[] = [];
let server: Server;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      const step = script.shift() ?? json(500, { error: { code: 'internal', message: 'script ran out' } });
      step(req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(PORT, '127.0.0.1', resolve));
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  script = [];
  seen = [];
});

function json(status: number, body: unknown, headers: Record<string, string> = {}): Step {
  return (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };
}
const hangUp: Step = (req) => req.socket.destroy();

function client(overrides: Partial<ConstructorParameters<typeof MerchantClient>[0]> = {}) {
  const delays: number[] = [];
  const c = new MerchantClient({
    baseUrl: `http://127.0.0.1:${PORT}/`,
    secret: 'test_sk_0123456789012345678901234567890123456789abc',
    random: () => 0.5,
    sleep: async (ms) => {
      delays.push(ms);
    },
    ...overrides,
  });
  return { c, delays };
}

async function rejection(promise: Promise<unknown>): Promise<MerchantApiError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(MerchantApiError);
    return error as MerchantApiError;
  }
  throw new Error('expected a MerchantApiError');
}

const orderBody = { openid: 'oid_1', amountMinor: 1250, currency: 'XTS', description: 'Tea' };

describe('MerchantClient', () => {
  it('tells the mode from the secret and refuses anything else', () => {
    expect(client().c.mode).toBe('test');
    expect(client({ secret: 'sk_live_abc' }).c.mode).toBe('live');
    expect(() => client({ secret: 'whsec_abc' })).toThrow(TypeError);
  });

  it('retries 5xx and dropped connections with the same idempotency key and jittered backoff', async () => {
    script = [
      json(502, { error: { code: 'bad_gateway', message: 'x' } }),
      hangUp,
      json(500, { error: { code: 'internal', message: 'x' } }),
      json(201, { order: { id: 'ord_1' }, paymentToken: 'pt_1' }),
    ];
    const { c, delays } = client({ retryBaseDelayMs: 100, retryMaxDelayMs: 300 });
    expect(await c.createOrder(orderBody)).toEqual({ order: { id: 'ord_1' }, paymentToken: 'pt_1' });
    expect(seen).toHaveLength(4);
    const keys = new Set(seen.map((s) => s.headers['idempotency-key']));
    expect(keys.size).toBe(1);
    expect([...keys][0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    // Full jitter with random 0.5: half of min(300, 100·2^(n−1)).
    expect(delays).toEqual([50, 100, 150]);
    for (const s of seen) {
      expect([s.method, s.url, s.headers.authorization, JSON.parse(s.body)]).toEqual([
        'POST',
        '/v1/merchant/orders',
        'Bearer test_sk_0123456789012345678901234567890123456789abc',
        orderBody,
      ]);
    }
  });

  it('gives each logical call its own key, or the one it is handed', async () => {
    script = [json(201, {}), json(201, {}), json(201, {})];
    const { c } = client();
    await c.createOrder(orderBody);
    await c.createOrder(orderBody);
    await c.createRefund('ord_1', { amountMinor: 100 }, { idempotencyKey: 'refund-ord_1-1' });
    const [a, b, r] = seen.map((s) => s.headers['idempotency-key']);
    expect(a).not.toBe(b);
    expect(r).toBe('refund-ord_1-1');
    expect(seen[2]?.url).toBe('/v1/merchant/orders/ord_1/refunds');
  });

  it('waits Retry-After on 429, bounded by the maximum delay', async () => {
    script = [
      json(429, { error: { code: 'rate_limited', message: 'slow down' } }, { 'retry-after': '2' }),
      json(200, { ok: 1 }),
    ];
    const { c, delays } = client({ retryMaxDelayMs: 10_000 });
    expect(await c.getBalance()).toEqual({ ok: 1 });
    expect(delays).toEqual([2_000]);
  });

  it('throws other errors at once with the server code, status, details and request id', async () => {
    script = [
      json(409, {
        error: {
          code: 'refund_exceeds_remaining',
          message: 'Too much.',
          requestId: 'req_9',
          details: { remainingMinor: 50 },
        },
      }),
    ];
    const { c, delays } = client();
    const error = await rejection(c.createRefund('ord_1', { amountMinor: 100 }));
    expect([error.code, error.status, error.message, error.requestId, error.details]).toEqual([
      'refund_exceeds_remaining',
      409,
      'Too much.',
      'req_9',
      { remainingMinor: 50 },
    ]);
    expect(seen).toHaveLength(1);
    expect(delays).toEqual([]);
  });

  it('gives up after maxRetries with the last error', async () => {
    script = [
      json(500, { error: { code: 'internal', message: 'a' } }),
      json(503, { error: { code: 'unavailable', message: 'b' } }),
    ];
    const { c } = client({ maxRetries: 1 });
    const error = await rejection(c.getOrder('ord/1'));
    expect([error.code, error.status]).toEqual(['unavailable', 503]);
    expect(seen.map((s) => s.url)).toEqual(['/v1/merchant/orders/ord%2F1', '/v1/merchant/orders/ord%2F1']);
  });

  it('does not retry a login-code exchange after a 500: the code may already be spent', async () => {
    script = [json(500, { error: { code: 'internal', message: 'x' } })];
    const { c } = client();
    expect((await rejection(c.exchangeLoginCode('code_1'))).code).toBe('internal');
    expect(seen).toHaveLength(1);
    expect(seen[0]?.headers['idempotency-key']).toBeUndefined();
  });

  it('answers a non-JSON error page with its status', async () => {
    script = [
      (_req, res) => {
        res.writeHead(404, { 'content-type': 'text/html' });
        res.end('<h1>Not here</h1>');
      },
    ];
    const error = await rejection(client().c.listEvents({ after: 'c1', limit: 10 }));
    expect([error.code, error.status]).toEqual(['http_404', 404]);
    expect(seen[0]?.url).toBe('/v1/merchant/events?after=c1&limit=10');
  });

  it('throws MerchantConnectionError when nothing answers', async () => {
    const { c, delays } = client({ baseUrl: `http://127.0.0.1:${CLOSED_PORT}`, maxRetries: 2 });
    const error = await rejection(c.getBalance());
    expect(error).toBeInstanceOf(MerchantConnectionError);
    expect(error.code).toBe('connection_failed');
    expect(delays).toHaveLength(2);
  });
});
