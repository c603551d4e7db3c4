import { describe, expect, it } from 'vitest';
import { CURRENCIES, CURRENCY_CODES, getCurrency, isCurrencyCode } from './currency.js';
import { MoneyError } from './errors.js';

describe('currency table', () => {
  it('has the five supported currencies and test money with their digits and symbols', () => {
    expect(CURRENCY_CODES).toEqual(['CNY', 'USD', 'EUR', 'JPY', 'HKD', 'XTS']);
    expect(
      Object.fromEntries(
        Object.values(CURRENCIES).map((c) => [c.code, [c.minorDigits, c.symbol, ...c.altSymbols]]),
      ),
    ).toEqual({
      CNY: [2, '¥'],
      USD: [2, '$'],
      EUR: [2, '€'],
      JPY: [0, '¥', '円'],
      HKD: [2, 'HK$'],
      XTS: [2, 'T¥'],
    });
  });

  it('keys match codes, and the table is frozen', () => {
    for (const code of CURRENCY_CODES) expect(CURRENCIES[code].code).toBe(code);
    expect(Object.isFrozen(CURRENCIES)).toBe(true);
    expect(Object.isFrozen(CURRENCIES.CNY)).toBe(true);
    expect(Object.isFrozen(CURRENCIES.JPY.altSymbols)).toBe(true);
  });

  it('getCurrency returns the entry', () => {
    expect(getCurrency('JPY')).toBe(CURRENCIES.JPY);
    expect(getCurrency('HKD').symbol).toBe('HK$');
  });

  it.each(['', 'cny', 'GBP', 'CNY ', 'toString', '__proto__', 'constructor', 'hasOwnProperty'])(
    'getCurrency(%j) throws unknown_currency',
    (code) => {
      expect(() => getCurrency(code)).toThrow(MoneyError);
      try {
        getCurrency(code);
      } catch (e) {
        expect((e as MoneyError).code).toBe('unknown_currency');
        expect((e as MoneyError).name).toBe('MoneyError');
        expect(e).toBeInstanceOf(Error);
      }
    },
  );

  it('isCurrencyCode', () => {
    for (const code of CURRENCY_CODES) expect(isCurrencyCode(code)).toBe(true);
    for (const x of ['cny', 'toString', '__proto__', '', 1, null, undefined, {}]) {
      expect(isCurrencyCode(x)).toBe(false);
    }
  });
});
