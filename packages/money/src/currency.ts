import { MoneyError } from './errors.js';

/** `XTS` is the ISO 4217 code reserved for testing: the currency of mini-app test money. */
export type CurrencyCode = 'CNY' | 'USD' | 'EUR' | 'JPY' | 'HKD' | 'XTS';

export interface Currency {
  /** ISO 4217 code. */
  readonly code: CurrencyCode;
  /** English name. */
  readonly name: string;
  /** Digits after the decimal point: 1 major unit = 10^minorDigits minor units. */
  readonly minorDigits: number;
  /** Symbol used by `formatAmount`. Note CNY and JPY both use "¥". */
  readonly symbol: string;
  /** Other symbols seen for this currency (informational; never produced or accepted by this package). */
  readonly altSymbols: readonly string[];
}

function currency(
  code: CurrencyCode,
  name: string,
  minorDigits: number,
  symbol: string,
  altSymbols: string[],
): Currency {
  return Object.freeze({ code, name, minorDigits, symbol, altSymbols: Object.freeze(altSymbols) });
}

export const CURRENCIES: Readonly<Record<CurrencyCode, Currency>> = Object.freeze({
  CNY: currency('CNY', 'Chinese yuan', 2, '¥', []),
  USD: currency('USD', 'US dollar', 2, '$', []),
  EUR: currency('EUR', 'Euro', 2, '€', []),
  JPY: currency('JPY', 'Japanese yen', 0, '¥', ['円']),
  HKD: currency('HKD', 'Hong Kong dollar', 2, 'HK$', []),
  XTS: currency('XTS', 'Test money', 2, 'T¥', []),
});

export const CURRENCY_CODES: readonly CurrencyCode[] = Object.freeze(
  Object.keys(CURRENCIES) as CurrencyCode[],
);

/** Exact, case-sensitive match on the table's own keys ("toString" and "cny" are not currencies). */
export function isCurrencyCode(x: unknown): x is CurrencyCode {
  return typeof x === 'string' && Object.hasOwn(CURRENCIES, x);
}

/** The table entry for `code`; throws `unknown_currency` for anything not in `CURRENCIES`. */
export function getCurrency(code: string): Currency {
  if (!isCurrencyCode(code)) {
    throw new MoneyError('unknown_currency', `unknown currency: ${JSON.stringify(String(code))}`);
  }
  return CURRENCIES[code];
}
