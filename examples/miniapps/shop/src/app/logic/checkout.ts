import { isBridgeError, pay, share, ui } from '@jiaozi/sdk';
import type { SessionResponse, ShopOrder } from '../../shared/api.js';
import type { ShopApi } from './api.js';
import { type Cart, saveCart } from './cart.js';

export type CheckoutOutcome =
  /** The host took the payment; the order turns `paid` when the server's webhook arrives. */
  | { kind: 'paid'; order: ShopOrder }
  /** The user closed the payment sheet: the cart is kept, the unpaid order expires. */
  | { kind: 'cancelled'; order: ShopOrder }
  /** The host refused (an expired order, a wrong PIN too many times …). */
  | { kind: 'failed'; order: ShopOrder; code: string; message: string };

/**
 * The shop's server makes the order from the cart (at its own prices) and hands back a
 * payment token; the host shows the order's amount on its own sheet and takes the PIN.
 */
export async function checkout(api: ShopApi, session: SessionResponse, cart: Cart): Promise<CheckoutOutcome> {
  if (cart.length === 0) throw new Error('The cart is empty.');
  const { order, paymentToken } = await api.checkout(session.token, [...cart]);
  try {
    await pay.requestPayment({ paymentToken });
  } catch (error) {
    if (isBridgeError(error, 'user_cancelled')) return { kind: 'cancelled', order };
    if (isBridgeError(error)) return { kind: 'failed', order, code: error.code, message: error.message };
    throw error;
  }
  await saveCart([]);
  await ui.showToast('Payment received');
  return { kind: 'paid', order };
}

/** Refunds part or all of a paid order; answers the order with the refund. */
export async function refund(
  api: ShopApi,
  session: SessionResponse,
  order: ShopOrder,
  amountMinor: number,
  reason?: string,
): Promise<ShopOrder> {
  const remaining = order.amountMinor - order.refundedMinor;
  if (!Number.isSafeInteger(amountMinor) || amountMinor < 1 || amountMinor > remaining) {
    throw new RangeError(`A refund is 1 to ${remaining} minor units.`);
  }
  return api.refund(
    session.token,
    order.id,
    reason === undefined ? { amountMinor } : { amountMinor, reason },
  );
}

/** Shares the shop (or one order's page) into a chat the user picks. */
export function shareShop(path = '/'): Promise<{ conversationId: string }> {
  return share.toChat({
    title: 'Jiaozi Shop',
    path,
    description: 'Tea, dumplings and more — pay with Jiaozi.',
  });
}

/** Formats integer minor units for display (two decimals), without floating point. */
export function formatMinor(amountMinor: number, currency: string): string {
  const symbol = currency === 'CNY' ? '¥' : currency === 'XTS' ? 'T¥' : `${currency} `;
  const sign = amountMinor < 0 ? '-' : '';
  const abs = BigInt(Math.abs(amountMinor));
  const whole = (abs / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const cents = (abs % 100n).toString().padStart(2, '0');
  return `${sign}${symbol}${whole}.${cents}`;
}

/** Parses "12.5" / "12.50" / "12" into minor units, or null. */
export function parseMinor(text: string): number | null {
  const match = /^\s*(\d{1,9})(?:\.(\d{1,2}))?\s*$/.exec(text);
  if (match === null) return null;
  return Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
}
