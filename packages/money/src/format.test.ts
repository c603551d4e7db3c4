import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CURRENCIES, CURRENCY_CODES, type CurrencyCode } from './currency.js';
import { MoneyError } from './errors.js';
import { formatAmount, formatPlain, type MoneyLocale } from './format.js';
import { type Minor, minor } from './minor.js';

const LOCALES: readonly MoneyLocale[] = ['en', 'zh-CN'];
const currencyArb = fc.constantFrom(...CURRENCY_CODES);
const localeArb = fc.constantFrom(...LOCALES);
const hugeArb = fc.bigInt({ min: -(10n ** 120n), max: 10n ** 120n }).map((b) => b as Minor);

describe('formatAmount: examples', () => {
  it.each<[bigint, CurrencyCode, string]>([
    [123456n, 'CNY', '¥1,234.56'],
    [-123456n, 'CNY', '-¥1,234.56'],
    [5n, 'USD', '$0.05'],
    [-1n, 'USD', '-$0.01'],
    [0n, 'CNY', '¥0.00'],
    [99n, 'EUR', '€0.99'],
    [100n, 'EUR', '€1.00'],
    [99999n, 'CNY', '¥999.99'],
    [100000n, 'CNY', '¥1,000.00'],
    [100000000n, 'EUR', '€1,000,000.00'],
    [1230n, 'HKD', 'HK$12.30'],
    [-1230n, 'HKD', '-HK$12.30'],
    [1_000_000n, 'XTS', 'T¥10,000.00'],
    [-5n, 'XTS', '-T¥0.05'],
    [1235n, 'JPY', '¥1,235'],
    [-1235n, 'JPY', '-¥1,235'],
    [0n, 'JPY', '¥0'],
    [999n, 'JPY', '¥999'],
    [1000n, 'JPY', '¥1,000'],
    [9007199254740991n, 'CNY', '¥90,071,992,547,409.91'],
    [123456789012345678901234567890n, 'CNY', '¥1,234,567,890,123,456,789,012,345,678.90'],
    [-123456789012345678901234567890n, 'JPY', '-¥123,456,789,012,345,678,901,234,567,890'],
  ])('%s %s en → %j', (m, currency, expected) => {
    expect(formatAmount(minor(m), currency, 'en')).toBe(expected);
  });

  it('zh-CN uses the same grouping and sign', () => {
    expect(formatAmount(minor(123456n), 'CNY', 'zh-CN')).toBe('¥1,234.56');
    expect(formatAmount(minor(-123456n), 'CNY', 'zh-CN')).toBe('-¥1,234.56');
    expect(formatAmount(minor(1235n), 'JPY', 'zh-CN')).toBe('¥1,235');
    expect(formatAmount(minor(5n), 'USD', 'zh-CN')).toBe('$0.05');
    expect(formatAmount(minor(123456789n), 'HKD', 'zh-CN')).toBe('HK$1,234,567.89');
  });

  it('symbol: false leaves the symbol out but keeps grouping and sign', () => {
    expect(formatAmount(minor(123456n), 'CNY', 'en', { symbol: false })).toBe('1,234.56');
    expect(formatAmount(minor(-5n), 'USD', 'zh-CN', { symbol: false })).toBe('-0.05');
    expect(formatAmount(minor(1235n), 'JPY', 'en', { symbol: false })).toBe('1,235');
    expect(formatAmount(minor(1235n), 'JPY', 'en', { symbol: true })).toBe('¥1,235');
  });

  it('rejects unknown currencies, unsupported locales and non-bigints', () => {
    expect(() => formatAmount(minor(1n), 'GBP' as CurrencyCode, 'en')).toThrow(
      expect.objectContaining({ code: 'unknown_currency' }),
    );
    expect(() => formatAmount(minor(1n), 'CNY', 'fr' as MoneyLocale)).toThrow(RangeError);
    expect(() => formatAmount(minor(1n), 'CNY', 'toString' as MoneyLocale)).toThrow(RangeError);
    expect(() => formatAmount(12.5 as unknown as Minor, 'CNY', 'en')).toThrow(
      expect.objectContaining({ code: 'invalid_amount' }),
    );
    expect(() => formatPlain(1 as unknown as Minor, 'CNY')).toThrow(MoneyError);
    expect(() => formatPlain(minor(1n), 'XXX' as CurrencyCode)).toThrow(
      expect.objectContaining({ code: 'unknown_currency' }),
    );
  });
});

describe('formatPlain: examples', () => {
  it.each<[bigint, CurrencyCode, string]>([
    [123456n, 'CNY', '1234.56'],
    [-123456n, 'CNY', '-1234.56'],
    [5n, 'USD', '0.05'],
    [-5n, 'USD', '-0.05'],
    [0n, 'EUR', '0.00'],
    [1230n, 'HKD', '12.30'],
    [1235n, 'JPY', '1235'],
    [-1235n, 'JPY', '-1235'],
    [0n, 'JPY', '0'],
    [123456789012345678901234567890n, 'CNY', '1234567890123456789012345678.90'],
  ])('%s %s → %j', (m, currency, expected) => {
    expect(formatPlain(minor(m), currency)).toBe(expected);
  });
});

describe('formatting: properties', () => {
  it('never loses digits, even for huge bigints', () => {
    fc.assert(
      fc.property(currencyArb, localeArb, hugeArb, (currency, locale, m) => {
        const { symbol, minorDigits } = CURRENCIES[currency];
        const text = formatAmount(m, currency, locale);
        const negative = m < 0n;
        expect(text.startsWith(`${negative ? '-' : ''}${symbol}`)).toBe(true);
        const body = text.slice((negative ? 1 : 0) + symbol.length);
        expect(body).toMatch(
          minorDigits > 0 ? /^[0-9]{1,3}(,[0-9]{3})*\.[0-9]+$/ : /^[0-9]{1,3}(,[0-9]{3})*$/,
        );
        const abs = negative ? -m : m;
        const digitsOnly = body.replace(/[,.]/g, '');
        expect(digitsOnly).toBe(abs.toString().padStart(minorDigits + 1, '0'));
        if (minorDigits > 0) expect(body.split('.')[1]).toHaveLength(minorDigits);
        expect(BigInt(digitsOnly)).toBe(abs);
      }),
      { numRuns: 3000 },
    );
  });

  it('formatPlain keeps every digit of huge bigints', () => {
    fc.assert(
      fc.property(currencyArb, hugeArb, (currency, m) => {
        const { minorDigits } = CURRENCIES[currency];
        const plain = formatPlain(m, currency);
        expect(BigInt(plain.replace('.', ''))).toBe(m);
        expect(plain).toMatch(minorDigits > 0 ? /^-?(0|[1-9][0-9]*)\.[0-9]+$/ : /^-?(0|[1-9][0-9]*)$/);
      }),
      { numRuns: 3000 },
    );
  });

  it('formatAmount is formatPlain plus grouping and symbol', () => {
    fc.assert(
      fc.property(currencyArb, localeArb, hugeArb, fc.boolean(), (currency, locale, m, withSymbol) => {
        const text = formatAmount(m, currency, locale, { symbol: withSymbol });
        const symbol = withSymbol ? CURRENCIES[currency].symbol : '';
        expect(text.replace(symbol, '').replace(/,/g, '')).toBe(formatPlain(m, currency));
      }),
      { numRuns: 2000 },
    );
  });

  it('agrees with Intl.NumberFormat on exact decimal strings', () => {
    const formatters = new Map<string, Intl.NumberFormat>();
    const intl = (locale: MoneyLocale, digits: number) => {
      const key = `${locale}/${digits}`;
      let f = formatters.get(key);
      if (f === undefined) {
        f = new Intl.NumberFormat(locale, { minimumFractionDigits: digits, maximumFractionDigits: digits });
        formatters.set(key, f);
      }
      return f;
    };
    fc.assert(
      fc.property(
        currencyArb,
        localeArb,
        fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }).map((b) => b as Minor),
        (currency, locale, m) => {
          const plain = formatPlain(m, currency);
          // Intl.NumberFormat v3 formats numeric strings as exact decimals.
          const expected = intl(locale, CURRENCIES[currency].minorDigits).format(plain as unknown as number);
          expect(formatAmount(m, currency, locale, { symbol: false })).toBe(expected);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
