import { BRIDGE_ERRORS, BRIDGE_SERVER_ERROR, type JsonRpcResponse } from '@jiaozi/protocol';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/client.js';
import { BridgeError, createDispatcher, type Handlers, type TrafficEntry } from './dispatcher.js';
import { CallLimiter } from './rate-limit.js';

function setup(handlers: Handlers, limit = { name: 'test_limit', calls: 100, windowMs: 1_000 }) {
  let clock = 1_000;
  const traffic: TrafficEntry[] = [];
  const seen: { method: string; appId: string; params: unknown }[] = [];
  const dispatcher = createDispatcher({
    appId: 'app_frame',
    handlers,
    limiter: new CallLimiter(limit),
    now: () => clock,
    onTraffic: (entry) => traffic.push(entry),
  });
  return {
    dispatcher,
    traffic,
    seen,
    tick: (ms: number) => {
      clock += ms;
    },
  };
}

const code = (response: JsonRpcResponse) => ('error' in response ? response.error.data.code : 'ok');

describe('bridge dispatcher', () => {
  it('answers a call with the handler result and binds the frame app id, not a param', async () => {
    const seen: unknown[] = [];
    const { dispatcher, traffic, tick } = setup({
      'storage.get': async (params, context) => {
        seen.push([params, context.appId]);
        tick(7);
        return { value: 42 };
      },
    });
    const response = await dispatcher.handle({
      jsonrpc: '2.0',
      id: 1,
      method: 'storage.get',
      params: { key: 'k' },
      appId: 'other_app',
    });
    expect(response).toEqual({ jsonrpc: '2.0', id: 1, result: { value: 42 } });
    expect(seen).toEqual([[{ key: 'k' }, 'app_frame']]);
    expect(traffic.map((e) => [e.method, e.durationMs, e.result])).toEqual([
      ['storage.get', null, undefined],
      ['storage.get', 7, { value: 42 }],
    ]);
  });

  it('refuses an appId smuggled into params as an unknown param', async () => {
    const { dispatcher } = setup({ 'storage.get': async () => ({ value: null }) });
    const response = await dispatcher.handle({
      jsonrpc: '2.0',
      id: 'x',
      method: 'storage.get',
      params: { key: 'k', appId: 'other_app' },
    });
    expect(response).toEqual({
      jsonrpc: '2.0',
      id: 'x',
      error: {
        code: BRIDGE_ERRORS.invalid_params,
        message: 'unknown param "appId"',
        data: { code: 'invalid_params' },
      },
    });
  });

  it('answers unsupported for unknown methods and methods without a handler', async () => {
    const { dispatcher } = setup({ 'ui.setTitle': async () => ({}) });
    const unknown = await dispatcher.handle({ jsonrpc: '2.0', id: 2, method: 'wallet.drain', params: {} });
    expect(unknown).toEqual({
      jsonrpc: '2.0',
      id: 2,
      error: { code: -32601, message: 'Unknown method "wallet.drain"', data: { code: 'unsupported' } },
    });
    expect(code(await dispatcher.handle({ jsonrpc: '2.0', id: 3, method: 'device.scanQR' }))).toBe(
      'unsupported',
    );
    expect(code(await dispatcher.handle({ jsonrpc: '2.0', id: 4, method: 'toString' }))).toBe('unsupported');
  });

  it('validates every param before the handler runs', async () => {
    let calls = 0;
    const count = async () => {
      calls += 1;
      return {};
    };
    const { dispatcher } = setup({
      'ui.showToast': count,
      'ui.setTitle': count,
      'pay.requestPayment': async () => {
        calls += 1;
        return { orderId: 'o', status: 'paid' as const };
      },
      'media.chooseImage': async () => {
        calls += 1;
        return { images: [] };
      },
      'auth.requestScopes': async () => {
        calls += 1;
        return { granted: [] };
      },
      'storage.set': count,
    });
    const bad: [string, unknown][] = [
      ['ui.showToast', { text: '' }],
      ['ui.showToast', { text: 'hi', durationMs: 100 }],
      ['ui.setTitle', { title: 'x'.repeat(65) }],
      ['ui.setTitle', {}],
      ['pay.requestPayment', { paymentToken: 'tok', amountMinor: 1 }],
      ['pay.requestPayment', { paymentToken: 5 }],
      ['media.chooseImage', { count: 10 }],
      ['media.chooseImage', { count: 1.5 }],
      ['auth.requestScopes', { scopes: ['wallet'] }],
      ['auth.requestScopes', { scopes: [] }],
      ['storage.set', { key: 'k' }],
      ['storage.set', { key: 'k', value: Number.NaN }],
    ];
    let id = 0;
    for (const [method, params] of bad) {
      const response = await dispatcher.handle({ jsonrpc: '2.0', id: ++id, method, params });
      expect([method, code(response)]).toEqual([method, 'invalid_params']);
      expect('error' in response && response.error.code).toBe(-32602);
    }
    expect(calls).toBe(0);
  });

  it('answers a malformed envelope with invalid request', async () => {
    const { dispatcher } = setup({ 'ui.setTitle': async () => ({}) });
    for (const message of [
      'hello',
      null,
      { jsonrpc: '1.0', id: 1, method: 'ui.setTitle', params: { title: 't' } },
      { jsonrpc: '2.0', method: 'ui.setTitle', params: { title: 't' } },
      { jsonrpc: '2.0', id: 1, method: 'ui.setTitle', params: ['t'] },
    ]) {
      const response = await dispatcher.handle(message);
      expect('error' in response && response.error.code, JSON.stringify(message)).toBe(-32600);
    }
  });

  it('turns thrown errors into typed bridge errors', async () => {
    const { dispatcher } = setup({
      'auth.requestScopes': async () => {
        throw new BridgeError('permission_denied', 'The user did not allow it');
      },
      'device.scanQR': async () => {
        throw new BridgeError('user_cancelled', 'closed');
      },
      'pay.requestPayment': async () => {
        throw new ApiError({ status: 404, code: 'payment_not_found', message: 'No such payment' });
      },
      'auth.login': async () => {
        throw new ApiError({ status: 0, code: 'network_error', message: 'offline' });
      },
      'storage.get': async () => {
        throw new TypeError('boom');
      },
    });
    const call = (method: string, params: unknown = {}) =>
      dispatcher.handle({ jsonrpc: '2.0', id: 9, method, params });
    expect(await call('auth.requestScopes', { scopes: ['profile'] })).toEqual({
      jsonrpc: '2.0',
      id: 9,
      error: {
        code: BRIDGE_ERRORS.permission_denied,
        message: 'The user did not allow it',
        data: { code: 'permission_denied' },
      },
    });
    expect(code(await call('device.scanQR'))).toBe('user_cancelled');
    expect(await call('pay.requestPayment', { paymentToken: 't' })).toEqual({
      jsonrpc: '2.0',
      id: 9,
      error: { code: BRIDGE_SERVER_ERROR, message: 'No such payment', data: { code: 'payment_not_found' } },
    });
    expect(code(await call('auth.login'))).toBe('internal');
    expect(await call('storage.get', { key: 'k' })).toEqual({
      jsonrpc: '2.0',
      id: 9,
      error: { code: BRIDGE_ERRORS.internal, message: 'boom', data: { code: 'internal' } },
    });
  });

  it('answers rate_limited past the named limit, and lets calls through again later', async () => {
    const { dispatcher, tick } = setup(
      { 'ui.setTitle': async () => ({}) },
      { name: 'per_frame', calls: 3, windowMs: 1_000 },
    );
    const call = () =>
      dispatcher.handle({ jsonrpc: '2.0', id: 1, method: 'ui.setTitle', params: { title: 't' } });
    expect([code(await call()), code(await call()), code(await call())]).toEqual(['ok', 'ok', 'ok']);
    const refused = await call();
    expect(refused).toEqual({
      jsonrpc: '2.0',
      id: 1,
      error: {
        code: BRIDGE_ERRORS.rate_limited,
        message: 'More than 3 bridge calls in 1000 ms (per_frame)',
        data: {
          code: 'rate_limited',
          details: { limit: 'per_frame', calls: 3, windowMs: 1_000, retryAfterMs: 1_000 },
        },
      },
    });
    tick(1_000);
    expect(code(await call())).toBe('ok');
  });
});
