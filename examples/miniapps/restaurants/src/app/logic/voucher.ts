import { isBridgeError, pay } from '@jiaozi/sdk';
import type { SessionResponse, VoucherPurchase } from '../../shared/api.js';
import type { RestaurantsApi } from './api.js';

export type PurchaseOutcome =
  | { kind: 'paid'; purchase: VoucherPurchase }
  | { kind: 'cancelled'; purchase: VoucherPurchase }
  | { kind: 'failed'; purchase: VoucherPurchase; code: string; message: string };

/** Buys a prepaid voucher: the server makes the order, the host takes the payment. */
export async function buyVoucher(
  api: RestaurantsApi,
  session: SessionResponse,
  voucherId: string,
): Promise<PurchaseOutcome> {
  const { purchase, paymentToken } = await api.buyVoucher(session.token, voucherId);
  try {
    await pay.requestPayment({ paymentToken });
  } catch (error) {
    if (isBridgeError(error, 'user_cancelled')) return { kind: 'cancelled', purchase };
    if (isBridgeError(error)) return { kind: 'failed', purchase, code: error.code, message: error.message };
    throw error;
  }
  return { kind: 'paid', purchase };
}

/** Formats integer minor units (two decimals) without floating point. */
export function formatMinor(amountMinor: number, currency: string): string {
  const symbol = currency === 'CNY' ? '¥' : currency === 'XTS' ? 'T¥' : `${currency} `;
  const sign = amountMinor < 0 ? '-' : '';
  const abs = BigInt(Math.abs(amountMinor));
  const whole = (abs / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${sign}${symbol}${whole}.${(abs % 100n).toString().padStart(2, '0')}`;
}

/** "4.3" from 43 tenths. */
export function formatRating(tenths: number | null): string {
  if (tenths === null) return 'No ratings yet';
  return `${Math.trunc(tenths / 10)}.${tenths % 10}`;
}
