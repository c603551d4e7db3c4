import type { Me } from '@jiaozi/protocol';
import { describe, expect, it, vi } from 'vitest';
import { ApiClient, ApiError, type FetchFn, toApiError } from './client.js';

interface Call {
  url: string;
  init: RequestInit | undefined;
}

function fakeFetch(respond: (call: Call) => Response | Promise<Response>) {
  const calls: Call[] = [];
  const fetch: FetchFn = async (url, init) => {
    const call = { url, init };
    calls.push(call);
    return respond(call);
  };
  return { fetch, calls };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

const me: Me = {
  id: 'u1',
  username: 'alice',
  phone: null,
  displayName: 'Alice',
  bio: '',
  region: null,
  role: 'user',
  avatarId: null,
  kycTier: 0,
  hasPin: false,
  createdAt: '2025-01-01T00:00:00.000Z',
};

async function rejection(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ApiError);
    return error as ApiError;
  }
  throw new Error('expected a rejection');
}

describe('toApiError', () => {
  it('reads the error document', () => {
    const error = toApiError(409, {
      error: { code: 'username_taken', message: 'taken', requestId: 'req-1', details: { field: 'username' } },
    });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('ApiError');
    expect(error).toMatchObject({
      status: 409,
      code: 'username_taken',
      message: 'taken',
      requestId: 'req-1',
      details: { field: 'username' },
    });
  });

  it('tolerates missing message, requestId and details', () => {
    const error = toApiError(401, { error: { code: 'unauthenticated' } });
    expect(error).toMatchObject({ status: 401, code: 'unauthenticated', message: '', requestId: undefined });
    expect(error.details).toEqual({});
  });

  it('falls back by status when the body is not an error document', () => {
    expect(toApiError(502, undefined).code).toBe('service_unavailable');
    expect(toApiError(429, 'Too Many Requests').code).toBe('rate_limited');
    expect(toApiError(500, { message: 'nope' }).code).toBe('unexpected_response');
    expect(toApiError(400, { error: 'bad' }).code).toBe('unexpected_response');
    expect(toApiError(400, { error: { code: '' } }).code).toBe('unexpected_response');
    expect(toApiError(418, [1, 2]).message).toBe('HTTP 418');
  });

  it('takes retryAfterSeconds from Retry-After when details lack it', () => {
    const headers = new Headers({ 'retry-after': '42' });
    expect(toApiError(429, { error: { code: 'rate_limited', message: 'slow' } }, headers).details).toEqual({
      retryAfterSeconds: 42,
    });
    expect(
      toApiError(
        429,
        { error: { code: 'rate_limited', message: 'slow', details: { retryAfterSeconds: 7 } } },
        headers,
      ).details,
    ).toEqual({ retryAfterSeconds: 7 });
  });
});

describe('ApiClient', () => {
  it('sends JSON with the bearer token and parses the answer', async () => {
    const { fetch, calls } = fakeFetch(() => json(200, me));
    const api = new ApiClient({ fetch, baseUrl: 'http://api.test', getToken: () => 'tok-1' });
    await expect(api.updateMe({ displayName: 'Alice' })).resolves.toEqual(me);
    expect(calls).toHaveLength(1);
    const [call] = calls;
    expect(call?.url).toBe('http://api.test/v1/me');
    expect(call?.init?.method).toBe('PATCH');
    expect(call?.init?.body).toBe('{"displayName":"Alice"}');
    expect(call?.init?.headers).toMatchObject({
      authorization: 'Bearer tok-1',
      'content-type': 'application/json',
      accept: 'application/json',
    });
  });

  it('sends no token or content type when there is none', async () => {
    const { fetch, calls } = fakeFetch(() => new Response(null, { status: 204 }));
    const api = new ApiClient({ fetch });
    await expect(api.logout()).resolves.toBeUndefined();
    const headers = calls[0]?.init?.headers as Record<string, string>;
    expect(headers.authorization).toBeUndefined();
    expect(headers['content-type']).toBeUndefined();
    expect(calls[0]?.init?.body).toBeUndefined();
    expect(calls[0]?.url).toBe('/v1/auth/logout');
  });

  it('uses the contract paths and methods', async () => {
    const { fetch, calls } = fakeFetch(() => new Response(null, { status: 204 }));
    const api = new ApiClient({ fetch });
    await api.revokeSession('a/b');
    await api.setPin({ pin: '258036', password: 'pw' });
    await api.verifyPin({ pin: '258036' });
    await api.changePassword({ currentPassword: 'a', newPassword: 'b' });
    expect(calls.map((c) => `${c.init?.method} ${c.url}`)).toEqual([
      'DELETE /v1/me/sessions/a%2Fb',
      'PUT /v1/me/pin',
      'POST /v1/me/pin/verify',
      'POST /v1/me/password',
    ]);
  });

  it('uses the wallet contract paths and methods', async () => {
    const { fetch, calls } = fakeFetch(() => new Response(null, { status: 204 }));
    const api = new ApiClient({ fetch });
    await api.wallet();
    await api.cards();
    await api.addCard({ bankName: 'ICBC', cardNumber: '4111111111111111', holderName: 'Mei' });
    await api.removeCard('c/1');
    await api.createTopUp({ id: 't1', cardId: 'c1', amountMinor: 100 });
    await api.topUp('t1');
    await api.createWithdrawal({ id: 'w1', cardId: 'c1', amountMinor: 100, pin: '258036' });
    await api.withdrawal('w1');
    await api.createTransfer({ id: 'x1', to: { username: 'bob' }, amountMinor: 5, pin: '258036' });
    await api.transfer('x1');
    await api.createPaymentRequest({ id: 'r1', from: { phone: '+8613800138000' }, amountMinor: 5 });
    await api.paymentRequests('incoming');
    await api.payPaymentRequest('r1', { transferId: 'x2', pin: '258036' });
    await api.declinePaymentRequest('r1');
    await api.cancelPaymentRequest('r1');
    await api.receiveQr();
    await api.receiveQr(1250);
    await api.resolveQr('jz:abc');
    await api.payCode();
    await api.history({ kind: 'transfer', direction: 'in' }, { cursor: 'k', limit: 20 });
    await api.historyItem('h1');
    await api.monthly();
    expect(calls.map((c) => `${c.init?.method} ${c.url}`)).toEqual([
      'GET /v1/wallet',
      'GET /v1/wallet/cards',
      'POST /v1/wallet/cards',
      'DELETE /v1/wallet/cards/c%2F1',
      'POST /v1/wallet/topups',
      'GET /v1/wallet/topups/t1',
      'POST /v1/wallet/withdrawals',
      'GET /v1/wallet/withdrawals/w1',
      'POST /v1/transfers',
      'GET /v1/transfers/x1',
      'POST /v1/payment-requests',
      'GET /v1/payment-requests?role=incoming',
      'POST /v1/payment-requests/r1/pay',
      'POST /v1/payment-requests/r1/decline',
      'POST /v1/payment-requests/r1/cancel',
      'GET /v1/wallet/qr',
      'GET /v1/wallet/qr?amountMinor=1250',
      'POST /v1/wallet/qr/resolve',
      'POST /v1/wallet/paycode',
      'GET /v1/wallet/history?cursor=k&limit=20&kind=transfer&direction=in',
      'GET /v1/wallet/history/h1',
      'GET /v1/wallet/monthly?months=6',
    ]);
    expect(calls[8]?.init?.body).toBe('{"id":"x1","to":{"username":"bob"},"amountMinor":5,"pin":"258036"}');
    expect(calls[18]?.init?.body).toBeUndefined();
  });

  it('downloads the history CSV with the bearer token', async () => {
    const { fetch, calls } = fakeFetch(
      () => new Response('id,amount\n1,100\n', { status: 200, headers: { 'content-type': 'text/csv' } }),
    );
    const api = new ApiClient({ fetch, getToken: () => 'tok-9' });
    const blob = await api.historyCsv({ kind: 'topup' });
    expect(await blob.text()).toBe('id,amount\n1,100\n');
    expect(calls[0]?.url).toBe('/v1/wallet/history.csv?kind=topup');
    expect(calls[0]?.init?.headers).toMatchObject({ authorization: 'Bearer tok-9', accept: 'text/csv' });
  });

  it('rejects a failed download with the server error', async () => {
    const { fetch } = fakeFetch(() => json(401, { error: { code: 'unauthenticated', message: 'no' } }));
    const error = await rejection(new ApiClient({ fetch }).historyCsv());
    expect(error.code).toBe('unauthenticated');
  });

  it('rejects with the parsed server error', async () => {
    const { fetch } = fakeFetch(() =>
      json(401, { error: { code: 'pin_incorrect', message: 'wrong', details: { attemptsLeft: 2 } } }),
    );
    const error = await rejection(new ApiClient({ fetch }).verifyPin({ pin: '000000' }));
    expect(error).toMatchObject({ status: 401, code: 'pin_incorrect', details: { attemptsLeft: 2 } });
  });

  it('turns a non-JSON error page into a coded error', async () => {
    const { fetch } = fakeFetch(() => new Response('<html>Bad gateway</html>', { status: 502 }));
    const error = await rejection(new ApiClient({ fetch }).me());
    expect(error).toMatchObject({ status: 502, code: 'service_unavailable' });
  });

  it('turns a failed fetch into network_error', async () => {
    const fetch: FetchFn = () => Promise.reject(new TypeError('Failed to fetch'));
    const error = await rejection(new ApiClient({ fetch }).config());
    expect(error).toMatchObject({ status: 0, code: 'network_error', message: 'Failed to fetch' });
  });

  it('turns an unparsable success body into unexpected_response', async () => {
    const { fetch } = fakeFetch(() => new Response('not json', { status: 200 }));
    const error = await rejection(new ApiClient({ fetch }).me());
    expect(error.code).toBe('unexpected_response');
  });

  it('reports unauthenticated with the rejected token', async () => {
    const onUnauthenticated = vi.fn();
    const { fetch } = fakeFetch(() => json(401, { error: { code: 'unauthenticated', message: 'expired' } }));
    const api = new ApiClient({ fetch, getToken: () => 'old-token', onUnauthenticated });
    expect((await rejection(api.me())).code).toBe('unauthenticated');
    expect(onUnauthenticated).toHaveBeenCalledExactlyOnceWith('old-token');
  });

  it('does not report other 401s, nor unauthenticated without a token', async () => {
    const onUnauthenticated = vi.fn();
    const { fetch } = fakeFetch(({ url }) =>
      url.endsWith('/login')
        ? json(401, { error: { code: 'invalid_credentials', message: 'no' } })
        : json(401, { error: { code: 'unauthenticated', message: 'no' } }),
    );
    await rejection(
      new ApiClient({ fetch, getToken: () => 't', onUnauthenticated }).login({ login: 'a', password: 'b' }),
    );
    await rejection(new ApiClient({ fetch, onUnauthenticated }).me());
    expect(onUnauthenticated).not.toHaveBeenCalled();
  });
});
