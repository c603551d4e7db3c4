import { MoneyError } from './errors.js';

/**
 * An amount of money in integer minor units (fen, cents, yen…). Always a bigint, never a float.
 * The brand keeps arbitrary bigints (ids, counters) from being passed where money is expected.
 */
export type Minor = bigint & { readonly __brand: 'Minor' };

/** 2^53 - 1 minor units: the largest amount that survives a trip through a JSON number. */
export const MAX_SAFE_MINOR = 9_007_199_254_740_991n as Minor;

/** Zero minor units. */
export const ZERO = 0n as Minor;

const INTEGER_LITERAL = /^-?(?:0|[1-9][0-9]*)$/;

/**
 * Makes a `Minor` from a bigint, a safe integer number, or a canonical integer string
 * ("-?(0|[1-9][0-9]*)", ASCII digits only, no whitespace). Anything else throws `invalid_amount`.
 */
export function minor(value: bigint | number | string): Minor {
  if (typeof value === 'bigint') return value as Minor;
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) {
      throw new MoneyError('invalid_amount', `not a safe integer number of minor units: ${String(value)}`);
    }
    return BigInt(value) as Minor;
  }
  if (typeof value === 'string') {
    if (!INTEGER_LITERAL.test(value)) {
      throw new MoneyError('invalid_amount', `not an integer literal: ${JSON.stringify(value)}`);
    }
    return BigInt(value) as Minor;
  }
  throw new MoneyError('invalid_amount', `cannot make minor units from a ${typeof value}`);
}

/** True for any bigint (every bigint is a valid number of minor units). */
export function isMinor(x: unknown): x is Minor {
  return typeof x === 'bigint';
}

export function addMinor(a: Minor, b: Minor): Minor {
  return (a + b) as Minor;
}

export function subMinor(a: Minor, b: Minor): Minor {
  return (a - b) as Minor;
}

export function negMinor(a: Minor): Minor {
  return -a as Minor;
}

export function absMinor(a: Minor): Minor {
  return (a < 0n ? -a : a) as Minor;
}

/** -1, 0 or 1, usable directly as an `Array.prototype.sort` comparator. */
export function cmpMinor(a: Minor, b: Minor): -1 | 0 | 1 {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Exact sum; `ZERO` for an empty iterable. */
export function sumMinor(values: Iterable<Minor>): Minor {
  let total = 0n;
  for (const v of values) total += v;
  return total as Minor;
}

/**
 * Converts to a JS number for the JSON wire. Throws `amount_out_of_range` when the amount is
 * outside ±(2^53 - 1), where the conversion would silently round.
 */
export function toSafeNumber(m: Minor): number {
  if (typeof m !== 'bigint') throw new MoneyError('invalid_amount', `not a bigint: ${typeof m}`);
  if (m > MAX_SAFE_MINOR || m < -MAX_SAFE_MINOR) {
    throw new MoneyError('amount_out_of_range', `amount ${m} is outside the safe integer range`);
  }
  return Number(m);
}

/**
 * Reads minor units received as a JSON number. Throws `invalid_amount` for anything that is not an
 * integer (NaN, ±Infinity, 1.5, a string…) and `amount_out_of_range` for integers beyond ±(2^53 - 1),
 * which may already have been rounded by the JSON parser.
 */
export function fromWire(n: number): Minor {
  if (typeof n !== 'number' || !Number.isInteger(n)) {
    throw new MoneyError('invalid_amount', `not an integer number of minor units: ${String(n)}`);
  }
  if (!Number.isSafeInteger(n)) {
    throw new MoneyError('amount_out_of_range', `not a safe integer: ${String(n)}`);
  }
  return BigInt(n) as Minor;
}
