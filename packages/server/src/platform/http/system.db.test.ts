import type { ClientConfig, ErrorBody } from '@jiaozi/protocol';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isUuid } from '../../kernel/ids.js';
import * as limits from '../../kernel/limits.js';
import { VERSION } from '../../kernel/version.js';
import { createTestApp, nextIp, signupClient, type TestApp } from '../../test/app.js';

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.shutdown());

function get(url: string, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
  return t.app.inject({ method: 'GET', url, headers, remoteAddress: nextIp() });
}

function expectError(res: LightMyRequestResponse, status: number, code: string): ErrorBody['error'] {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  const body = res.json() as ErrorBody;
  expect(body.error.code).toBe(code);
  expect(body.error.requestId).toBe(res.headers['x-request-id']);
  return body.error;
}

/** The value of one Prometheus sample, or undefined. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const match = /^[^{]+\{([^}]*)\} (\S+)$/.exec(line);
    if (!match) continue;
    const found = Object.fromEntries(
      [...(match[1] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1] ?? '', m[2] ?? '']),
    );
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) return Number(match[2]);
  }
  return undefined;
}

describe('liveness and readiness', () => {
  it('/healthz → 200 ok with the version', async () => {
    const res = await get('/healthz');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok', version: VERSION });
  });

  it('/readyz → 200 when the database answers', async () => {
    const res = await get('/readyz');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ready', database: 'ok' });
  });
});

describe('/metrics', () => {
  it('counts requests by route and reports the database pool', async () => {
    const before = await get('/metrics');
    const countBefore =
      sample(before.body, 'jiaozi_http_requests_total', {
        method: 'GET',
        route: '/v1/config',
        status: '200',
      }) ?? 0;
    for (let i = 0; i < 3; i++) expect((await get('/v1/config')).statusCode).toBe(200);
    expect((await get('/v1/nope')).statusCode).toBe(404);

    const res = await get('/metrics');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.body).toContain('# TYPE jiaozi_http_requests_total counter');
    expect(
      sample(res.body, 'jiaozi_http_requests_total', { method: 'GET', route: '/v1/config', status: '200' }),
    ).toBe(countBefore + 3);
    // A path that matched no route is one label value, not one per path.
    expect(sample(res.body, 'jiaozi_http_requests_total', { route: '/v1/nope' })).toBeUndefined();
    expect(
      sample(res.body, 'jiaozi_http_requests_total', { method: 'GET', status: '404' }),
    ).toBeGreaterThanOrEqual(1);
    expect(res.body).toContain('# TYPE jiaozi_http_request_duration_seconds histogram');
    expect(res.body).toContain('# TYPE jiaozi_db_pool_connections gauge');
    for (const state of ['total', 'idle', 'waiting']) {
      expect(sample(res.body, 'jiaozi_db_pool_connections', { state })).toEqual(expect.any(Number));
    }
    expect(sample(res.body, 'jiaozi_db_pool_connections', { state: 'waiting' })).toBe(0);
    expect(res.body).toMatch(/^jiaozi_process_cpu_user_seconds_total /m);
  });

  it('labels parametrised routes by their pattern', async () => {
    const user = await signupClient(t.app);
    await user.request('DELETE', '/v1/me/sessions/0190a3b4-0000-7000-8000-000000000000');
    const res = await get('/metrics');
    expect(
      sample(res.body, 'jiaozi_http_requests_total', {
        method: 'DELETE',
        route: '/v1/me/sessions/:id',
        status: '404',
      }),
    ).toBe(1);
  });
});

describe('/v1/openapi.json', () => {
  it('is an OpenAPI 3.1.0 document with the routes, bearer auth and documented errors', async () => {
    const res = await get('/v1/openapi.json');
    expect(res.statusCode).toBe(200);
    const doc = res.json() as {
      openapi: string;
      info: { version: string; title: string };
      paths: Record<string, Record<string, { security?: unknown; responses: Record<string, unknown> }>>;
      components: { securitySchemes: Record<string, unknown> };
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.version).toBe(VERSION);
    expect(doc.components.securitySchemes.bearerAuth).toEqual({ type: 'http', scheme: 'bearer' });
    for (const path of [
      '/v1/auth/signup',
      '/v1/auth/login',
      '/v1/me',
      '/v1/me/pin',
      '/v1/me/sessions/{id}',
    ]) {
      expect(doc.paths[path], path).toBeDefined();
    }
    expect(doc.paths['/v1/me']?.get?.security).toEqual([{ bearerAuth: [] }]);
    expect(doc.paths['/v1/me']?.patch?.security).toEqual([{ bearerAuth: [] }]);
    expect(doc.paths['/v1/auth/signup']?.post?.security).toBeUndefined();
    expect(Object.keys(doc.paths['/v1/auth/signup']?.post?.responses ?? {}).sort()).toEqual(
      ['201', '400', '409', '413', '415', '429', '500'].sort(),
    );
    expect(Object.keys(doc.paths['/v1/me/pin/verify']?.post?.responses ?? {})).toEqual(
      expect.arrayContaining(['204', '401', '409', '423', '429']),
    );
    expect(Object.keys(doc.paths['/v1/admin/users/{id}']?.get?.responses ?? {})).toEqual(
      expect.arrayContaining(['200', '401', '403', '404']),
    );
    // Hidden routes stay out of the document.
    expect(doc.paths['/metrics']).toBeUndefined();
    expect(doc.paths['/v1/openapi.json']).toBeUndefined();
  });
});

describe('HTTP hygiene', () => {
  it('sends security headers', async () => {
    const res = await get('/healthz');
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['x-powered-by']).toBeUndefined();
  });

  it('echoes a valid incoming x-request-id and makes one otherwise', async () => {
    const echoed = await get('/healthz', { 'x-request-id': 'lb-1234.abc:def_0-9' });
    expect(echoed.headers['x-request-id']).toBe('lb-1234.abc:def_0-9');

    const generated = await get('/healthz');
    const id = String(generated.headers['x-request-id']);
    expect(isUuid(id)).toBe(true);

    for (const bad of ['has space', 'x'.repeat(limits.requestIdMaxLength + 1), '<script>', '']) {
      const res = await get('/healthz', { 'x-request-id': bad });
      const got = String(res.headers['x-request-id']);
      expect(got, bad).not.toBe(bad);
      expect(isUuid(got)).toBe(true);
    }
    const longest = 'x'.repeat(limits.requestIdMaxLength);
    expect((await get('/healthz', { 'x-request-id': longest })).headers['x-request-id']).toBe(longest);
  });

  it('the request id of an error answer is the one in the header', async () => {
    const res = await get('/v1/nope', { 'x-request-id': 'trace-42' });
    expect(expectError(res, 404, 'not_found').requestId).toBe('trace-42');
  });

  it('an unknown API route → 404 JSON not_found, for any method', async () => {
    expectError(await get('/v1/nope'), 404, 'not_found');
    const del = await t.app.inject({ method: 'DELETE', url: '/v1/me', remoteAddress: nextIp() });
    expectError(del, 404, 'not_found');
    expectError(await get('/healthz/extra'), 404, 'not_found');
  });

  it(`a body over ${limits.requestBodyMaxBytes} bytes → 413 payload_too_large`, async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/signup',
      payload: { username: 'big', password: 'x'.repeat(limits.requestBodyMaxBytes) },
      remoteAddress: nextIp(),
    });
    expectError(res, 413, 'payload_too_large');
  });

  it('a text/plain body to a JSON route → 415 unsupported_media_type', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      headers: { 'content-type': 'text/plain' },
      payload: 'login=alice&password=secret',
      remoteAddress: nextIp(),
    });
    expectError(res, 415, 'unsupported_media_type');
  });
});

describe('/v1/config', () => {
  it('tells a client the currency and the limits', async () => {
    const res = await get('/v1/config');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      name: 'Jiaozi',
      version: VERSION,
      currency: 'CNY',
      limits: {
        passwordMinLength: limits.passwordMinLength,
        passwordMaxLength: limits.passwordMaxLength,
        usernameMinLength: limits.usernameMinLength,
        usernameMaxLength: limits.usernameMaxLength,
        displayNameMaxLength: limits.displayNameMaxLength,
        bioMaxLength: limits.bioMaxLength,
        deviceNameMaxLength: limits.deviceNameMaxLength,
        pinLength: limits.pinLength,
        pinAttemptsMax: limits.pinAttemptsMax,
      },
    } satisfies ClientConfig);
  });

  it('follows the CURRENCY setting', async () => {
    const usd = await createTestApp({ config: { currency: 'USD' } });
    try {
      const res = await usd.app.inject({ method: 'GET', url: '/v1/config', remoteAddress: nextIp() });
      expect((res.json() as ClientConfig).currency).toBe('USD');
    } finally {
      await usd.shutdown();
    }
  });
});
