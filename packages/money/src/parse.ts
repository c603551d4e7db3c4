import { type CurrencyCode, getCurrency } from './currency.js';
import { MoneyError } from './errors.js';
import { MAX_SAFE_MINOR, type Minor } from './minor.js';

export interface ParseOptions {
  /** Accept a single leading "-". Default false. */
  readonly allowNegative?: boolean;
  /** Largest accepted absolute value in minor units (inclusive). Default `MAX_SAFE_MINOR` (2^53 - 1). */
  readonly max?: bigint;
}

/** Optional "-", an integer part without leading zeros, optionally "." and at least one digit. ASCII only. */
const AMOUNT = /^(-?)(0|[1-9][0-9]*)(?:\.([0-9]+))?$/;

/**
 * Parses a decimal amount typed by a person into minor units, strictly: "12.34" CNY → 1234n.
 *
 * Surrounding whitespace is trimmed. Rejected with `invalid_amount`: empty text, ".5", "5.", grouping
 * ("1,000"), exponents ("1e3"), "+1", hex, non-ASCII digits, leading zeros ("007"), and "-" unless
 * `allowNegative`. More fraction digits than the currency has ("1.234" CNY, "1.5" JPY) throw
 * `too_many_decimals`; an absolute value above `max` throws `amount_out_of_range`.
 */
export function parseAmount(text: string, currency: CurrencyCode, options: ParseOptions = {}): Minor {
  const { minorDigits } = getCurrency(currency);
  const max = options.max ?? MAX_SAFE_MINOR;
  if (typeof max !== 'bigint' || max < 0n) {
    throw new MoneyError('invalid_amount', 'max must be a non-negative bigint');
  }
  if (typeof text !== 'string') throw new MoneyError('invalid_amount', `not a string: ${typeof text}`);
  const trimmed = text.trim();
  const match = AMOUNT.exec(trimmed);
  if (match === null) {
    throw new MoneyError('invalid_amount', `not a decimal amount: ${JSON.stringify(shorten(text))}`);
  }
  const [, sign = '', integer = '0', fraction = ''] = match;
  if (sign === '-' && options.allowNegative !== true) {
    throw new MoneyError('invalid_amount', 'negative amounts are not allowed here');
  }
  if (fraction.length > minorDigits) {
    throw new MoneyError(
      'too_many_decimals',
      `${currency} has ${minorDigits} decimal place(s), got ${fraction.length}`,
    );
  }
  // Cheap length check before BigInt() so that a megabyte of digits costs nothing.
  if (integer !== '0' && integer.length + minorDigits > max.toString().length) {
    throw new MoneyError('amount_out_of_range', `amount exceeds the maximum of ${max} minor units`);
  }
  const magnitude = BigInt(integer + fraction.padEnd(minorDigits, '0'));
  if (magnitude > max) {
    throw new MoneyError('amount_out_of_range', `amount exceeds the maximum of ${max} minor units`);
  }
  return (sign === '-' ? -magnitude : magnitude) as Minor;
}

function shorten(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
