import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CURRENCIES, CURRENCY_CODES, type CurrencyCode } from './currency.js';
import { MoneyError, type MoneyErrorCode } from './errors.js';
import { formatPlain } from './format.js';
import { MAX_SAFE_MINOR, minor } from './minor.js';
import { type ParseOptions, parseAmount } from './parse.js';

function codeOf(fn: () => unknown): MoneyErrorCode | undefined {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(MoneyError);
    return (e as MoneyError).code;
  }
  return undefined;
}

const parseCode = (text: string, currency: CurrencyCode, opts?: ParseOptions) =>
  codeOf(() => parseAmount(text, currency, opts));

describe('parseAmount: accepted input', () => {
  it.each<[string, CurrencyCode, bigint]>([
    ['12.34', 'CNY', 1234n],
    ['12.3', 'CNY', 1230n],
    ['12', 'CNY', 1200n],
    ['0.01', 'CNY', 1n],
    ['0.50', 'CNY', 50n],
    ['0', 'CNY', 0n],
    ['0.0', 'USD', 0n],
    ['0.00', 'EUR', 0n],
    ['100', 'HKD', 10000n],
    ['1235', 'JPY', 1235n],
    ['0', 'JPY', 0n],
    ['  12.34  ', 'CNY', 1234n],
    ['\t\n12.34\r\n', 'USD', 1234n],
    ['\u00a012.34\u3000', 'CNY', 1234n],
    ['90071992547409.91', 'CNY', 9007199254740991n],
    ['9007199254740991', 'JPY', 9007199254740991n],
  ])('%j %s → %s', (text, currency, expected) => {
    expect(parseAmount(text, currency)).toBe(expected);
  });

  it('accepts a leading "-" only with allowNegative', () => {
    expect(parseAmount('-12.34', 'CNY', { allowNegative: true })).toBe(-1234n);
    expect(parseAmount(' -0.05 ', 'USD', { allowNegative: true })).toBe(-5n);
    expect(parseAmount('-7', 'JPY', { allowNegative: true })).toBe(-7n);
    expect(parseAmount('-0', 'CNY', { allowNegative: true })).toBe(0n);
    expect(parseAmount('-90071992547409.91', 'CNY', { allowNegative: true })).toBe(-9007199254740991n);
    expect(parseAmount('12.34', 'CNY', { allowNegative: true })).toBe(1234n);
  });

  it('honours a custom max (inclusive, on the absolute value)', () => {
    expect(parseAmount('100.00', 'CNY', { max: 10000n })).toBe(10000n);
    expect(parseAmount('-100', 'CNY', { max: 10000n, allowNegative: true })).toBe(-10000n);
    expect(parseAmount('0', 'CNY', { max: 0n })).toBe(0n);
    const huge = '123456789012345678901234567890.12';
    expect(parseAmount(huge, 'CNY', { max: 10n ** 40n })).toBe(12345678901234567890123456789012n);
  });
});

describe('parseAmount: rejections', () => {
  it.each<[string, CurrencyCode]>([
    ['', 'CNY'],
    ['   ', 'CNY'],
    ['.5', 'CNY'],
    ['5.', 'CNY'],
    ['1,000', 'CNY'],
    ['1,000.00', 'USD'],
    ['1 000', 'CNY'],
    ['1_000', 'CNY'],
    ['1e3', 'CNY'],
    ['1E3', 'JPY'],
    ['1.5e2', 'CNY'],
    ['+1', 'CNY'],
    ['0x10', 'CNY'],
    ['0b1', 'CNY'],
    ['١٢', 'CNY'],
    ['١٢.٣٤', 'CNY'],
    ['１２', 'CNY'],
    ['12.３', 'CNY'],
    ['007', 'CNY'],
    ['00', 'CNY'],
    ['00.50', 'CNY'],
    ['01.5', 'CNY'],
    ['-', 'CNY'],
    ['.', 'CNY'],
    ['1.2.3', 'CNY'],
    ['12a', 'CNY'],
    ['¥12', 'CNY'],
    ['12元', 'CNY'],
    ['$1', 'USD'],
    ['NaN', 'CNY'],
    ['Infinity', 'CNY'],
    ['1 .5', 'CNY'],
    ['1. 5', 'CNY'],
  ])('%j %s → invalid_amount', (text, currency) => {
    expect(parseCode(text, currency)).toBe('invalid_amount');
  });

  it.each(['-5', '-0.01', '-0', ' -1'])('%j without allowNegative → invalid_amount', (text) => {
    expect(parseCode(text, 'CNY')).toBe('invalid_amount');
  });

  it.each(['--5', '- 5', '-+5', '+-5', '-.5', '-007', '−5'])(
    '%j even with allowNegative → invalid_amount',
    (text) => {
      expect(parseCode(text, 'CNY', { allowNegative: true })).toBe('invalid_amount');
    },
  );

  it.each<[string, CurrencyCode]>([
    ['1.234', 'CNY'],
    ['1.230', 'CNY'],
    ['0.001', 'USD'],
    ['1.000', 'EUR'],
    ['1.001', 'HKD'],
    ['1.5', 'JPY'],
    ['1.0', 'JPY'],
    ['0.0', 'JPY'],
  ])('%j %s → too_many_decimals', (text, currency) => {
    expect(parseCode(text, currency)).toBe('too_many_decimals');
  });

  it('too_many_decimals also for negatives', () => {
    expect(parseCode('-1.234', 'CNY', { allowNegative: true })).toBe('too_many_decimals');
  });

  it.each<[string, CurrencyCode, ParseOptions | undefined]>([
    ['90071992547409.92', 'CNY', undefined],
    ['90071992547410', 'USD', undefined],
    ['9007199254740992', 'JPY', undefined],
    ['-90071992547409.92', 'CNY', { allowNegative: true }],
    ['100000000000000000000', 'CNY', undefined],
    ['100.01', 'CNY', { max: 10000n }],
    ['-100.01', 'CNY', { max: 10000n, allowNegative: true }],
    ['0.01', 'CNY', { max: 0n }],
    ['1', 'JPY', { max: 0n }],
  ])('%j %s %o → amount_out_of_range', (text, currency, opts) => {
    expect(parseCode(text, currency, opts)).toBe('amount_out_of_range');
  });

  it('rejects a megabyte of digits quickly with amount_out_of_range', () => {
    const started = performance.now();
    expect(parseCode(`1${'0'.repeat(1_000_000)}`, 'CNY')).toBe('amount_out_of_range');
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('unknown currency → unknown_currency', () => {
    expect(parseCode('1', 'GBP' as CurrencyCode)).toBe('unknown_currency');
    expect(parseCode('1', 'cny' as CurrencyCode)).toBe('unknown_currency');
  });

  it('bad options and non-strings → invalid_amount', () => {
    expect(parseCode('1', 'CNY', { max: -1n })).toBe('invalid_amount');
    expect(parseCode('1', 'CNY', { max: 100 as unknown as bigint })).toBe('invalid_amount');
    expect(parseCode(12 as unknown as string, 'CNY')).toBe('invalid_amount');
  });
});

const currencyArb = fc.constantFrom(...CURRENCY_CODES);

describe('parseAmount: properties', () => {
  it('parseAmount ∘ formatPlain is the identity on ±(2^53 - 1) for every currency', () => {
    fc.assert(
      fc.property(currencyArb, fc.bigInt({ min: -MAX_SAFE_MINOR, max: MAX_SAFE_MINOR }), (currency, b) => {
        const m = minor(b);
        expect(parseAmount(formatPlain(m, currency), currency, { allowNegative: true })).toBe(m);
        if (m >= 0n) expect(parseAmount(formatPlain(m, currency), currency)).toBe(m);
      }),
      { numRuns: 5000 },
    );
  });

  it('the round trip holds for huge amounts with a large enough max', () => {
    const max = 10n ** 100n;
    fc.assert(
      fc.property(currencyArb, fc.bigInt({ min: -max, max }), (currency, b) => {
        const m = minor(b);
        expect(parseAmount(formatPlain(m, currency), currency, { allowNegative: true, max })).toBe(m);
      }),
      { numRuns: 2000 },
    );
  });

  it('small amounts round-trip too (zero padding of fractions)', () => {
    fc.assert(
      fc.property(currencyArb, fc.bigInt({ min: -1000n, max: 1000n }), (currency, b) => {
        const m = minor(b);
        expect(parseAmount(formatPlain(m, currency), currency, { allowNegative: true })).toBe(m);
      }),
      { numRuns: 3000 },
    );
  });

  it('formatPlain ∘ parseAmount is the identity on canonical text', () => {
    fc.assert(
      fc.property(
        currencyArb,
        fc.boolean(),
        fc.bigInt({ min: 0n, max: 10n ** 12n }),
        fc.nat({ max: 99 }),
        (currency, negative, integer, f) => {
          const digits = CURRENCIES[currency].minorDigits;
          const fraction = digits === 0 ? '' : `.${String(f % 10 ** digits).padStart(digits, '0')}`;
          const text = `${negative && (integer > 0n || f % 10 ** digits > 0) ? '-' : ''}${integer}${fraction}`;
          expect(formatPlain(parseAmount(text, currency, { allowNegative: true }), currency)).toBe(text);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('matches a reference for every well-formed amount with up to the allowed decimals', () => {
    fc.assert(
      fc.property(
        currencyArb,
        fc.boolean(),
        fc.bigInt({ min: 0n, max: 10n ** 13n }),
        fc.string({ unit: fc.constantFrom(...'0123456789'), maxLength: 2 }),
        fc.boolean(),
        (currency, negative, integer, fractionDigits, dot) => {
          const digits = CURRENCIES[currency].minorDigits;
          const fraction = fractionDigits.slice(0, digits);
          const text = `${negative ? '-' : ''}${integer}${dot && fraction !== '' ? `.${fraction}` : ''}`;
          const usedFraction = dot ? fraction : '';
          const expected = integer * 10n ** BigInt(digits) + BigInt(usedFraction.padEnd(digits, '0') || '0');
          expect(parseAmount(text, currency, { allowNegative: true })).toBe(negative ? -expected : expected);
          expect(parseAmount(`  ${text}\n`, currency, { allowNegative: true })).toBe(
            negative ? -expected : expected,
          );
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('too_many_decimals exactly when the fraction is longer than the currency allows', () => {
    fc.assert(
      fc.property(
        currencyArb,
        fc.nat({ max: 1_000_000 }),
        fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 1, maxLength: 6 }),
        (currency, integer, fraction) => {
          const code = parseCode(`${integer}.${fraction}`, currency);
          const digits = CURRENCIES[currency].minorDigits;
          expect(code).toBe(fraction.length > digits ? 'too_many_decimals' : undefined);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('amount_out_of_range exactly above max', () => {
    fc.assert(
      fc.property(
        currencyArb,
        fc.bigInt({ min: 0n, max: 10n ** 20n }),
        fc.bigInt({ min: 0n, max: 10n ** 20n }),
        (currency, value, max) => {
          const text = formatPlain(minor(value), currency);
          expect(parseCode(text, currency, { max })).toBe(value > max ? 'amount_out_of_range' : undefined);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('arbitrary text either parses to a canonical value or throws a MoneyError', () => {
    const alphabet = fc.constantFrom(...'0123456789.-+, eE_x\u00a0١１');
    fc.assert(
      fc.property(
        currencyArb,
        fc.oneof(fc.string(), fc.string({ unit: alphabet, maxLength: 12 })),
        (currency, text) => {
          let value: bigint;
          try {
            value = parseAmount(text, currency, { allowNegative: true });
          } catch (e) {
            expect(e).toBeInstanceOf(MoneyError);
            return;
          }
          expect(text.trim()).toMatch(/^-?(0|[1-9][0-9]*)(\.[0-9]+)?$/);
          expect(parseAmount(formatPlain(minor(value), currency), currency, { allowNegative: true })).toBe(
            value,
          );
        },
      ),
      { numRuns: 5000 },
    );
  });
});
