import { afterEach, describe, expect, it } from 'vitest';
import * as auth from './auth.js';
import { disconnect } from './connect.js';
import * as device from './device.js';
import { BridgeError } from './errors.js';
import { getCapabilities } from './index.js';
import * as media from './media.js';
import { createMockHost, type MockHost } from './mock-host.js';
import * as pay from './pay.js';
import * as share from './share.js';
import * as storage from './storage.js';
import * as ui from './ui.js';

let host: MockHost | undefined;
afterEach(() => {
  disconnect();
  host?.close();
  host = undefined;
});

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(BridgeError);
    return (error as BridgeError).code;
  }
  throw new Error('expected a BridgeError');
}

describe('createMockHost', () => {
  it('connects through the real handshake and answers its capabilities', async () => {
    host = createMockHost({ appId: 'app_shop', methods: ['getCapabilities', 'auth.login'] });
    const bridge = await host.connect();
    expect(bridge.appId).toBe('app_shop');
    expect(await getCapabilities()).toEqual({
      version: 1,
      methods: ['getCapabilities', 'auth.login'],
      host: 'mock',
    });
    expect(await codeOf(pay.requestPayment({ paymentToken: 'pt_1' }))).toBe('unsupported');
  });

  it('hands out one-time login codes the server side can exchange once', async () => {
    host = createMockHost({ user: { openid: 'oid_alice', displayName: 'Alice' }, granted: ['profile'] });
    await host.connect();
    const { code } = await auth.login();
    expect(code).toBe('mock_code_1');
    expect(host.exchangeLoginCode(code)).toEqual({
      openid: 'oid_alice',
      mode: 'test',
      scopes: ['profile'],
      profile: { displayName: 'Alice', avatarUrl: null },
    });
    expect(() => host?.exchangeLoginCode(code)).toThrow(BridgeError);
    expect(() => host?.exchangeLoginCode('mock_code_9')).toThrow(BridgeError);
  });

  it('asks consent only for scopes not yet granted, and refusing all is permission_denied', async () => {
    host = createMockHost({ granted: ['profile'], consent: 'deny' });
    await host.connect();
    expect(await auth.requestScopes(['profile'])).toEqual({ granted: ['profile'] });
    expect(await codeOf(auth.requestScopes(['phone']))).toBe('permission_denied');
    host.behaviour.consent = (asked) => asked.filter((s) => s === 'phone');
    expect(await auth.requestScopes(['phone', 'profile'])).toEqual({ granted: ['phone', 'profile'] });
    expect([...host.granted].sort()).toEqual(['phone', 'profile']);
    expect(await codeOf(auth.requestScopes(['email' as never]))).toBe('invalid_params');
  });

  it('pays, cancels or fails as scripted, and logs every payment', async () => {
    host = createMockHost();
    await host.connect();
    expect(await pay.requestPayment({ paymentToken: 'pt_1' })).toEqual({
      orderId: 'ord_mock_1',
      status: 'paid',
    });
    host.behaviour.payment = 'user_cancelled';
    expect(await codeOf(pay.requestPayment({ paymentToken: 'pt_2' }))).toBe('user_cancelled');
    host.behaviour.payment = (token) =>
      token === 'pt_late' ? { error: 'order_expired' } : { orderId: 'ord_42' };
    expect(await codeOf(pay.requestPayment({ paymentToken: 'pt_late' }))).toBe('order_expired');
    expect(await pay.requestPayment({ paymentToken: 'pt_3' })).toEqual({ orderId: 'ord_42', status: 'paid' });
    expect(host.payments).toEqual([
      { paymentToken: 'pt_1', outcome: 'paid' },
      { paymentToken: 'pt_2', outcome: 'user_cancelled' },
      { paymentToken: 'pt_late', outcome: 'order_expired' },
      { paymentToken: 'pt_3', outcome: 'paid' },
    ]);
    expect(await codeOf(pay.requestPayment({ paymentToken: '' }))).toBe('invalid_params');
    expect(host.callsOf('pay.requestPayment').map((c) => ('error' in c ? c.error.code : 'ok'))).toEqual([
      'ok',
      'user_cancelled',
      'order_expired',
      'ok',
      'invalid_params',
    ]);
  });

  it('keeps storage per host as JSON values, with a size limit', async () => {
    host = createMockHost({ storage: { greeting: 'hi' }, storageValueMaxBytes: 100 });
    await host.connect();
    expect(await storage.get('greeting')).toBe('hi');
    expect(await storage.get('cart')).toBeNull();
    const cart = { items: [{ sku: 'tea', quantity: 2 }] };
    await storage.set('cart', cart);
    cart.items[0] = { sku: 'changed', quantity: 0 };
    expect(await storage.get('cart')).toEqual({ items: [{ sku: 'tea', quantity: 2 }] });
    await storage.remove('cart');
    expect(await storage.get('cart')).toBeNull();
    expect(await codeOf(storage.set('big', 'x'.repeat(200)))).toBe('storage_value_too_large');
    expect(await codeOf(storage.set('', 1))).toBe('invalid_params');
    expect([...host.storage.keys()]).toEqual(['greeting']);
  });

  it('answers images, shares, toasts, titles and the scanner', async () => {
    const bytes = new Uint8Array([0xff, 0xd8, 0xff, 0xd9]).buffer;
    host = createMockHost({
      images: [{ name: 'a.jpg', type: 'image/jpeg', size: 4, data: bytes }],
      qrText: 'hello',
    });
    await host.connect();
    const { images } = await media.chooseImage({ count: 3 });
    expect(images.map((i) => [i.name, i.type, i.size, [...new Uint8Array(i.data)]])).toEqual([
      ['a.jpg', 'image/jpeg', 4, [0xff, 0xd8, 0xff, 0xd9]],
    ]);
    expect(await codeOf(media.chooseImage({ count: 10 }))).toBe('invalid_params');
    host.behaviour.images = 'user_cancelled';
    expect(await codeOf(media.chooseImage())).toBe('user_cancelled');

    expect(await share.toChat({ title: 'My shop', path: '/items/1' })).toEqual({
      conversationId: 'conv_mock',
    });
    expect(await codeOf(share.toChat({ title: 'x', path: 'no-slash' }))).toBe('invalid_params');
    expect(host.shares).toEqual([
      { conversationId: 'conv_mock', title: 'My shop', path: '/items/1', description: '' },
    ]);

    await ui.showToast('Added to cart');
    await ui.setTitle('Cart');
    expect(host.toasts).toEqual(['Added to cart']);
    expect(host.title).toBe('Cart');
    expect(await device.scanQR()).toEqual({ text: 'hello' });
  });
});
