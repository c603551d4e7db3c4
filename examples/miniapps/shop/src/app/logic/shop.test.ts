import { createMockHost, disconnect, type MockHost } from '@jiaozi/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import type { CartLine, SessionResponse, ShopOrder } from '../../shared/api.js';
import type { ShopApi } from './api.js';
import { addToCart, CART_KEY, cartCount, cartTotalMinor, loadCart, saveCart, setQuantity } from './cart.js';
import { checkout, formatMinor, parseMinor, refund } from './checkout.js';
import { logIn } from './session.js';

const PRODUCTS = [
  { id: 'tea', name: 'Tea', description: '', emoji: '🍵', priceMinor: 8800 },
  { id: 'dumplings', name: 'Dumplings', description: '', emoji: '🥟', priceMinor: 3200 },
];

/**
 * The shop server as the app sees it, kept in memory: login codes are exchanged with the
 * mock host (as the real server exchanges them with Jiaozi), and every checkout answers a
 * fresh payment token.
 */
function shopServer(host: MockHost) {
  const checkouts: { token: string; lines: CartLine[]; paymentToken: string }[] = [];
  const sessions = new Map<string, SessionResponse>();
  const orders = new Map<string, ShopOrder>();
  const api: ShopApi = {
    catalog: async () => ({ currency: 'XTS', products: PRODUCTS }),
    createSession: async (code) => {
      const exchanged = host.exchangeLoginCode(code);
      const session = {
        token: `session_${sessions.size + 1}`,
        openid: exchanged.openid,
        displayName: exchanged.profile?.displayName ?? null,
      };
      sessions.set(session.token, session);
      return session;
    },
    checkout: async (token, lines) => {
      if (!sessions.has(token)) throw new Error('unauthenticated');
      const paymentToken = `pt_${checkouts.length + 1}`;
      checkouts.push({ token, lines, paymentToken });
      const order: ShopOrder = {
        id: `so_${checkouts.length}`,
        paymentOrderId: `ord_${checkouts.length}`,
        status: 'awaiting_payment',
        lines: [],
        amountMinor: cartTotalMinor(lines, PRODUCTS),
        currency: 'XTS',
        refundedMinor: 0,
        refunds: [],
        createdAt: '2026-01-01T00:00:00.000Z',
        paidAt: null,
      };
      orders.set(order.id, order);
      return { order, paymentToken };
    },
    orders: async () => ({ orders: [...orders.values()] }),
    order: async (_token, id) => orders.get(id) as ShopOrder,
    refund: async (_token, id, request) => {
      const order = orders.get(id) as ShopOrder;
      return { ...order, refundedMinor: order.refundedMinor + request.amountMinor };
    },
  };
  return { api, checkouts };
}

let host: MockHost | undefined;
afterEach(() => {
  disconnect();
  host?.close();
  host = undefined;
});

describe('shop app against the mock host', () => {
  it('logs in with the profile scope, fills the cart in host storage, and pays with the server token', async () => {
    host = createMockHost({ user: { openid: 'oid_alice', displayName: 'Alice' } });
    await host.connect();
    const { api, checkouts } = shopServer(host);

    const session = await logIn(api);
    expect(session).toEqual({ token: 'session_1', openid: 'oid_alice', displayName: 'Alice' });
    expect(host.calls.map((c) => c.method)).toEqual(['auth.requestScopes', 'auth.login']);
    expect([...host.granted]).toEqual(['profile']);

    let cart = addToCart([], 'tea');
    cart = addToCart(cart, 'dumplings', 2);
    cart = addToCart(cart, 'tea');
    await saveCart(cart);
    expect(host.storage.get(CART_KEY)).toEqual([
      { productId: 'tea', quantity: 2 },
      { productId: 'dumplings', quantity: 2 },
    ]);
    expect(await loadCart()).toEqual(cart);
    expect(cartCount(cart)).toBe(4);
    expect(cartTotalMinor(cart, PRODUCTS)).toBe(2 * 8800 + 2 * 3200);

    const outcome = await checkout(api, session, cart);
    expect(outcome.kind).toBe('paid');
    expect(checkouts).toEqual([{ token: 'session_1', lines: cart, paymentToken: 'pt_1' }]);
    expect(host.callsOf('pay.requestPayment')).toEqual([
      {
        method: 'pay.requestPayment',
        params: { paymentToken: 'pt_1' },
        result: { orderId: 'ord_mock_1', status: 'paid' },
      },
    ]);
    // Paid: the cart is emptied in the host's storage, and the user is told.
    expect(host.storage.get(CART_KEY)).toEqual([]);
    expect(host.toasts).toEqual(['Payment received']);
  });

  it('keeps the cart when the user closes the payment sheet', async () => {
    host = createMockHost({ payment: 'user_cancelled' });
    await host.connect();
    const { api } = shopServer(host);
    const session = await logIn(api);
    const cart = addToCart([], 'tea');
    await saveCart(cart);

    const outcome = await checkout(api, session, cart);
    expect(outcome.kind).toBe('cancelled');
    expect(outcome.order.amountMinor).toBe(8800);
    expect(host.payments).toEqual([{ paymentToken: 'pt_1', outcome: 'user_cancelled' }]);
    expect(host.storage.get(CART_KEY)).toEqual([{ productId: 'tea', quantity: 1 }]);
    expect(host.toasts).toEqual([]);

    // A second try with a new order pays.
    host.behaviour.payment = 'paid';
    expect((await checkout(api, session, cart)).kind).toBe('paid');
    expect(host.payments.map((p) => p.paymentToken)).toEqual(['pt_1', 'pt_2']);
  });

  it('reports a payment the host refused with its code', async () => {
    host = createMockHost({ payment: { error: 'order_expired', message: 'The order expired.' } });
    await host.connect();
    const { api } = shopServer(host);
    const session = await logIn(api);
    const outcome = await checkout(api, session, addToCart([], 'dumplings'));
    expect(outcome).toMatchObject({ kind: 'failed', code: 'order_expired', message: 'The order expired.' });
  });

  it('logs in without a name when the user refuses the profile scope', async () => {
    host = createMockHost({ consent: 'deny' });
    await host.connect();
    const { api } = shopServer(host);
    const session = await logIn(api);
    expect(session.displayName).toBeNull();
    expect(host.callsOf('auth.requestScopes')[0]).toMatchObject({ error: { code: 'permission_denied' } });
  });

  it('reads back only well-formed cart lines from storage', async () => {
    host = createMockHost({
      storage: {
        cart: [{ productId: 'tea', quantity: 3 }, { productId: 'x', quantity: 0 }, 'junk', { productId: 5 }],
      },
    });
    await host.connect();
    expect(await loadCart()).toEqual([{ productId: 'tea', quantity: 3 }]);
    host.storage.set(CART_KEY, { not: 'a list' });
    expect(await loadCart()).toEqual([]);
  });

  it('refunds at most what is left of the payment', async () => {
    host = createMockHost();
    await host.connect();
    const { api } = shopServer(host);
    const session = await logIn(api);
    const { order } = await checkout(api, session, addToCart([], 'tea'));
    const refunded = await refund(api, session, order, 1000);
    expect(refunded.refundedMinor).toBe(1000);
    await expect(refund(api, session, refunded, 7801)).rejects.toThrow(RangeError);
    await expect(refund(api, session, refunded, 0)).rejects.toThrow(RangeError);
  });
});

describe('cart and amounts', () => {
  it('caps quantities, removes at zero and formats minor units exactly', () => {
    expect(setQuantity(addToCart([], 'tea', 150), 'tea', 120)).toEqual([{ productId: 'tea', quantity: 99 }]);
    expect(setQuantity([{ productId: 'tea', quantity: 2 }], 'tea', 0)).toEqual([]);
    expect(formatMinor(123456789, 'CNY')).toBe('¥1,234,567.89');
    expect(formatMinor(5, 'XTS')).toBe('T¥0.05');
    expect(parseMinor('12.5')).toBe(1250);
    expect(parseMinor('0.07')).toBe(7);
    expect(parseMinor('3')).toBe(300);
    expect(parseMinor('1.234')).toBeNull();
    expect(parseMinor('-1')).toBeNull();
  });
});
