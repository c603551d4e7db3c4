import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BRIDGE_ERRORS,
  BRIDGE_METHODS,
  BRIDGE_SERVER_ERROR,
  bridgeErrorObject,
  checkBridgeParams,
  isBridgeConnect,
  isBridgeHello,
  isBridgeMethod,
  isJsonRpcRequest,
  isJsonRpcResponse,
} from './bridge.js';

describe('bridge handshake and envelopes', () => {
  it('recognises hello and connect of version 1 only', () => {
    expect(isBridgeHello({ jiaozi: 'hello', version: 1 })).toBe(true);
    expect(isBridgeHello({ jiaozi: 'hello', version: 2 })).toBe(false);
    expect(isBridgeHello('hello')).toBe(false);
    const connect = {
      jiaozi: 'connect',
      version: 1,
      appId: 'a',
      capabilities: { version: 1, methods: [], host: 'web' },
    };
    expect(isBridgeConnect(connect)).toBe(true);
    expect(isBridgeConnect({ ...connect, appId: 7 })).toBe(false);
    expect(isBridgeConnect({ ...connect, capabilities: null })).toBe(false);
  });

  it('tells requests and responses apart', () => {
    expect(isJsonRpcRequest({ jsonrpc: '2.0', id: 1, method: 'ui.setTitle', params: { title: 'x' } })).toBe(
      true,
    );
    expect(isJsonRpcRequest({ jsonrpc: '2.0', id: 1, method: 'ui.setTitle', params: ['x'] })).toBe(false);
    expect(isJsonRpcRequest({ jsonrpc: '1.0', id: 1, method: 'ui.setTitle' })).toBe(false);
    expect(isJsonRpcResponse({ jsonrpc: '2.0', id: 1, result: {} })).toBe(true);
    expect(isJsonRpcResponse({ jsonrpc: '2.0', id: null, error: { code: -32600, message: 'x' } })).toBe(true);
    expect(isJsonRpcResponse({ jsonrpc: '2.0', id: 1, error: { code: 'x', message: 'x' } })).toBe(false);
    expect(isBridgeMethod('pay.requestPayment')).toBe(true);
    expect(isBridgeMethod('pay.refund')).toBe(false);
    expect(new Set(BRIDGE_METHODS).size).toBe(12);
  });

  it('maps bridge codes to their JSON-RPC codes and passes server codes through', () => {
    expect(bridgeErrorObject('unsupported', 'No.')).toEqual({
      code: -32601,
      message: 'No.',
      data: { code: 'unsupported' },
    });
    expect(bridgeErrorObject('user_cancelled', 'Closed.').code).toBe(BRIDGE_ERRORS.user_cancelled);
    expect(bridgeErrorObject('order_expired', 'Late.', { at: 'x' })).toEqual({
      code: BRIDGE_SERVER_ERROR,
      message: 'Late.',
      data: { code: 'order_expired', details: { at: 'x' } },
    });
    expect(new Set(Object.values(BRIDGE_ERRORS)).size).toBe(Object.keys(BRIDGE_ERRORS).length);
  });
});

describe('checkBridgeParams', () => {
  it('accepts the contract’s params and leaves out optional ones', () => {
    const good: [string, unknown][] = [
      ['getCapabilities', undefined],
      ['auth.login', {}],
      ['auth.requestScopes', { scopes: ['profile', 'phone'] }],
      ['pay.requestPayment', { paymentToken: 'pt_1' }],
      ['media.chooseImage', {}],
      ['media.chooseImage', { count: 9 }],
      ['share.toChat', { title: 'Shop', path: '/items/1', description: 'Tea' }],
      ['ui.showToast', { text: 'Hi', durationMs: 500 }],
      ['ui.setTitle', { title: 'Cart' }],
      ['storage.get', { key: 'cart' }],
      ['storage.set', { key: 'cart', value: [{ a: 1, b: null, c: [true, 'x'] }] }],
      ['storage.set', { key: 'flag', value: false }],
      ['storage.remove', { key: 'cart' }],
      ['device.scanQR', {}],
    ];
    for (const [method, params] of good) {
      expect([method, checkBridgeParams(method as never, params)]).toEqual([method, null]);
    }
  });

  it('names what is wrong', () => {
    const bad: [string, unknown, string][] = [
      ['auth.login', { extra: 1 }, 'unknown param "extra"'],
      ['auth.login', [1], 'params must be an object'],
      ['auth.requestScopes', { scopes: [] }, '"scopes" must be a non-empty array'],
      ['auth.requestScopes', { scopes: ['email'] }, 'unknown scope "email"'],
      ['pay.requestPayment', {}, '"paymentToken" is required'],
      ['pay.requestPayment', { paymentToken: 5 }, '"paymentToken" must be a non-empty string'],
      ['media.chooseImage', { count: 10 }, '"count" must be a whole number from 1 to 9'],
      ['media.chooseImage', { count: 1.5 }, '"count" must be a whole number from 1 to 9'],
      ['share.toChat', { title: 'x', path: 'relative' }, '"path" must start with "/"'],
      ['share.toChat', { path: '/' }, '"title" is required'],
      [
        'ui.showToast',
        { text: 'x', durationMs: 100 },
        '"durationMs" must be a whole number from 500 to 10000',
      ],
      ['ui.setTitle', { title: 'x'.repeat(65) }, '"title" is longer than 64 characters'],
      ['storage.get', { key: '' }, '"key" must be a non-empty string'],
      ['storage.set', { key: 'k' }, '"value" is required'],
      ['storage.set', { key: 'k', value: Number.NaN }, '"value" must be a JSON value'],
      ['storage.set', { key: 'k', value: { d: new Date(0) } }, '"value" must be a JSON value'],
    ];
    for (const [method, params, problem] of bad) {
      expect([method, checkBridgeParams(method as never, params)]).toEqual([method, problem]);
    }
  });

  it('takes any JSON value for storage.set', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        // JSON has no -0; the host stores what JSON can carry.
        const json = JSON.parse(JSON.stringify(value));
        return checkBridgeParams('storage.set', { key: 'k', value: json }) === null;
      }),
    );
  });
});
