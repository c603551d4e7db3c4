import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MoneyError } from './errors.js';
import {
  absMinor,
  addMinor,
  cmpMinor,
  fromWire,
  isMinor,
  MAX_SAFE_MINOR,
  type Minor,
  minor,
  negMinor,
  subMinor,
  sumMinor,
  toSafeNumber,
  ZERO,
} from './minor.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(MoneyError);
    return (e as MoneyError).code;
  }
  return undefined;
}

describe('minor()', () => {
  it('accepts bigints, safe integers and integer literals', () => {
    expect(minor(1234n)).toBe(1234n);
    expect(minor(-5)).toBe(-5n);
    expect(minor(0)).toBe(0n);
    expect(minor(-0)).toBe(0n);
    expect(minor(Number.MAX_SAFE_INTEGER)).toBe(9007199254740991n);
    expect(minor('0')).toBe(0n);
    expect(minor('-42')).toBe(-42n);
    expect(minor('123456789012345678901234567890')).toBe(123456789012345678901234567890n);
  });

  it.each([1.5, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 2 ** 53, -(2 ** 53), 1e300])(
    'rejects the number %s with invalid_amount',
    (n) => {
      expect(codeOf(() => minor(n))).toBe('invalid_amount');
    },
  );

  it.each(['', ' 1', '1 ', '1.0', '+1', '007', '-', '1e3', '0x10', '1_000', '١٢', '-0x1', '12a'])(
    'rejects the string %j with invalid_amount',
    (s) => {
      expect(codeOf(() => minor(s))).toBe('invalid_amount');
    },
  );

  it('rejects other runtime types', () => {
    expect(codeOf(() => minor(null as unknown as string))).toBe('invalid_amount');
    expect(codeOf(() => minor({} as unknown as string))).toBe('invalid_amount');
  });

  it('round-trips integer strings', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }), (b) => {
        expect(minor(b.toString())).toBe(b);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('arithmetic helpers', () => {
  const a = minor(1500n);
  const b = minor(-250n);

  it('add, sub, neg, abs, cmp', () => {
    expect(ZERO).toBe(0n);
    expect(addMinor(a, b)).toBe(1250n);
    expect(subMinor(a, b)).toBe(1750n);
    expect(negMinor(a)).toBe(-1500n);
    expect(negMinor(ZERO)).toBe(0n);
    expect(absMinor(b)).toBe(250n);
    expect(absMinor(a)).toBe(1500n);
    expect(cmpMinor(a, b)).toBe(1);
    expect(cmpMinor(b, a)).toBe(-1);
    expect(cmpMinor(a, minor(1500))).toBe(0);
    expect([a, b, ZERO].sort(cmpMinor)).toEqual([-250n, 0n, 1500n]);
  });

  it('sumMinor sums exactly, and is ZERO for nothing', () => {
    expect(sumMinor([])).toBe(0n);
    expect(sumMinor([a, b, minor(1)])).toBe(1251n);
    const big = minor(MAX_SAFE_MINOR);
    expect(sumMinor([big, big, big])).toBe(3n * 9007199254740991n);
    expect(sumMinor(new Set([a, b]))).toBe(1250n);
  });

  it('isMinor is true exactly for bigints', () => {
    expect(isMinor(1n)).toBe(true);
    expect(isMinor(-(10n ** 30n))).toBe(true);
    expect(isMinor(1)).toBe(false);
    expect(isMinor('1')).toBe(false);
    expect(isMinor(null)).toBe(false);
  });

  it('helpers agree with plain bigint arithmetic', () => {
    const big = fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).map((x) => x as Minor);
    fc.assert(
      fc.property(big, big, (x, y) => {
        expect(addMinor(x, y)).toBe(x + y);
        expect(subMinor(x, y)).toBe(x - y);
        expect(subMinor(addMinor(x, y), y)).toBe(x);
        expect(absMinor(x) >= 0n).toBe(true);
        expect(cmpMinor(x, y)).toBe(-cmpMinor(y, x) || 0);
        expect(cmpMinor(x, y) === 0).toBe(x === y);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('JSON wire', () => {
  it('toSafeNumber converts within ±(2^53 - 1)', () => {
    expect(toSafeNumber(minor(1234n))).toBe(1234);
    expect(toSafeNumber(MAX_SAFE_MINOR)).toBe(Number.MAX_SAFE_INTEGER);
    expect(toSafeNumber(negMinor(MAX_SAFE_MINOR))).toBe(-Number.MAX_SAFE_INTEGER);
    expect(Object.is(toSafeNumber(ZERO), 0)).toBe(true);
  });

  it('toSafeNumber throws amount_out_of_range beyond', () => {
    expect(codeOf(() => toSafeNumber(minor(2n ** 53n)))).toBe('amount_out_of_range');
    expect(codeOf(() => toSafeNumber(minor(-(2n ** 53n))))).toBe('amount_out_of_range');
    expect(codeOf(() => toSafeNumber(minor(10n ** 30n)))).toBe('amount_out_of_range');
  });

  it('fromWire accepts safe integers only', () => {
    expect(fromWire(1234)).toBe(1234n);
    expect(fromWire(-0)).toBe(0n);
    expect(fromWire(Number.MAX_SAFE_INTEGER)).toBe(MAX_SAFE_MINOR);
    expect(codeOf(() => fromWire(1.5))).toBe('invalid_amount');
    expect(codeOf(() => fromWire(Number.NaN))).toBe('invalid_amount');
    expect(codeOf(() => fromWire(Number.POSITIVE_INFINITY))).toBe('invalid_amount');
    expect(codeOf(() => fromWire('12' as unknown as number))).toBe('invalid_amount');
    expect(codeOf(() => fromWire(2 ** 53))).toBe('amount_out_of_range');
    expect(codeOf(() => fromWire(-(2 ** 53)))).toBe('amount_out_of_range');
  });

  it('fromWire ∘ toSafeNumber is the identity on the safe range, also through JSON', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -MAX_SAFE_MINOR, max: MAX_SAFE_MINOR }), (b) => {
        const m = minor(b);
        expect(fromWire(toSafeNumber(m))).toBe(m);
        expect(fromWire(JSON.parse(JSON.stringify({ v: toSafeNumber(m) })).v)).toBe(m);
      }),
      { numRuns: 3000 },
    );
  });
});
