import { type CurrencyCode, getCurrency } from './currency.js';
import { MoneyError } from './errors.js';
import type { Minor } from './minor.js';

export type MoneyLocale = 'en' | 'zh-CN';

export interface FormatOptions {
  /** Prefix the currency symbol. Default true. */
  readonly symbol?: boolean;
}

interface LocaleConventions {
  readonly group: string;
  readonly decimal: string;
  readonly minus: string;
}

/**
 * Separators per locale, as CLDR gives them (`Intl.NumberFormat` agrees; the tests check it).
 * Chinese groups by thousands with "," like English, and both put the sign before the symbol.
 */
const LOCALES: Readonly<Record<MoneyLocale, LocaleConventions>> = Object.freeze({
  en: { group: ',', decimal: '.', minus: '-' },
  'zh-CN': { group: ',', decimal: '.', minus: '-' },
});

function checkMinor(m: Minor): void {
  if (typeof m !== 'bigint') throw new MoneyError('invalid_amount', `not a bigint: ${typeof m}`);
}

/** Integer and fraction digit strings of |m|, built from bigint digits only (no Number round trip). */
function split(m: Minor, minorDigits: number): { negative: boolean; integer: string; fraction: string } {
  const negative = m < 0n;
  const digits = (negative ? -m : m).toString().padStart(minorDigits + 1, '0');
  const cut = digits.length - minorDigits;
  return { negative, integer: digits.slice(0, cut), fraction: digits.slice(cut) };
}

function group(integer: string, separator: string): string {
  const head = integer.length % 3 || 3;
  let out = integer.slice(0, head);
  for (let i = head; i < integer.length; i += 3) out += separator + integer.slice(i, i + 3);
  return out;
}

/**
 * Display form, exact for any bigint: 123456n CNY en → "¥1,234.56", -123456n → "-¥1,234.56",
 * 5n USD → "$0.05", 1235n JPY → "¥1,235". Always shows exactly the currency's minor digits.
 */
export function formatAmount(
  m: Minor,
  currency: CurrencyCode,
  locale: MoneyLocale,
  opts: FormatOptions = {},
): string {
  checkMinor(m);
  const { minorDigits, symbol } = getCurrency(currency);
  if (!Object.hasOwn(LOCALES, locale)) throw new RangeError(`unsupported locale: ${String(locale)}`);
  const conventions = LOCALES[locale];
  const { negative, integer, fraction } = split(m, minorDigits);
  const body = group(integer, conventions.group) + (minorDigits > 0 ? conventions.decimal + fraction : '');
  return (negative ? conventions.minus : '') + (opts.symbol === false ? '' : symbol) + body;
}

/** Plain machine form, the inverse of `parseAmount`: 123456n CNY → "1234.56", -5n → "-0.05", JPY → "1235". */
export function formatPlain(m: Minor, currency: CurrencyCode): string {
  checkMinor(m);
  const { minorDigits } = getCurrency(currency);
  const { negative, integer, fraction } = split(m, minorDigits);
  return (negative ? '-' : '') + integer + (minorDigits > 0 ? `.${fraction}` : '');
}
