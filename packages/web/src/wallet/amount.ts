import {
  getCurrency,
  isCurrencyCode,
  MAX_SAFE_MINOR,
  type Minor,
  MoneyError,
  type MoneyErrorCode,
  parseAmount,
  toSafeNumber,
} from '@jiaozi/money';
import type { MessageKey } from '../i18n/i18n.js';

export type AmountErrorCode = Exclude<MoneyErrorCode, 'invalid_allocation'>;

export type AmountInput =
  | { ok: true; minor: Minor; wire: number }
  | { ok: false; code: AmountErrorCode; digits: number };

/** Full-width digits and points, as a Chinese IME types them: "１２．５" → "12.5". */
export function normalizeAmountText(text: string): string {
  return text
    .trim()
    .replace(/[\uFF10-\uFF19]/g, (digit) => String.fromCharCode(digit.charCodeAt(0) - 0xff10 + 0x30))
    .replace(/[\uFF0E\u3002]/g, '.');
}

/** Digits after the decimal point, for placeholders and messages (CNY 2, JPY 0). */
export function minorDigitsOf(currency: string): number {
  return isCurrencyCode(currency) ? getCurrency(currency).minorDigits : 2;
}

/**
 * What the person typed → a positive amount in minor units, with `@jiaozi/money`'s strict rules
 * ("12.34" → 1234n fen), or the `MoneyError` code to show on the field. Zero is `invalid_amount`:
 * every payment moves something. `max` (inclusive, minor units) defaults to 2^53 - 1.
 */
export function parseAmountInput(text: string, currency: string, max?: number | bigint): AmountInput {
  const digits = minorDigitsOf(currency);
  if (!isCurrencyCode(currency)) return { ok: false, code: 'unknown_currency', digits };
  const limit = max === undefined ? MAX_SAFE_MINOR : BigInt(max);
  try {
    const minor = parseAmount(normalizeAmountText(text), currency, { max: limit });
    if (minor <= 0n) return { ok: false, code: 'invalid_amount', digits };
    return { ok: true, minor, wire: toSafeNumber(minor) };
  } catch (error) {
    if (error instanceof MoneyError && error.code !== 'invalid_allocation') {
      return { ok: false, code: error.code, digits };
    }
    return { ok: false, code: 'invalid_amount', digits };
  }
}

/** The translated message of an amount field error. */
export const AMOUNT_ERROR_KEYS: { readonly [C in AmountErrorCode]: MessageKey } = {
  invalid_amount: 'amount.invalid_amount',
  too_many_decimals: 'amount.too_many_decimals',
  amount_out_of_range: 'amount.amount_out_of_range',
  unknown_currency: 'amount.unknown_currency',
};
