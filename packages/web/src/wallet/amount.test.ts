import { describe, expect, it } from 'vitest';
import { en } from '../i18n/en.js';
import { AMOUNT_ERROR_KEYS, minorDigitsOf, normalizeAmountText, parseAmountInput } from './amount.js';

const code = (text: string, currency = 'CNY', max?: number) => {
  const result = parseAmountInput(text, currency, max);
  return result.ok ? result.wire : result.code;
};

describe('parseAmountInput', () => {
  it('turns decimal text into minor units and a safe wire number', () => {
    expect(parseAmountInput('12.34', 'CNY')).toEqual({ ok: true, minor: 1234n, wire: 1234 });
    expect(code('0.01')).toBe(1);
    expect(code(' 100 ')).toBe(10_000);
    expect(code('1.5')).toBe(150);
    expect(code('1500', 'JPY')).toBe(1500);
  });

  it('accepts full-width digits and points from a Chinese keyboard', () => {
    expect(normalizeAmountText(' １２．３４ ')).toBe('12.34');
    expect(code('１２。５')).toBe(1250);
  });

  it('reports invalid_amount for text that is not a positive decimal', () => {
    for (const text of ['', '  ', 'abc', '.5', '5.', '1,000', '1e3', '+1', '-1', '007', '0', '0.00', '¥5']) {
      expect(code(text), text).toBe('invalid_amount');
    }
  });

  it('reports too_many_decimals beyond the currency exponent', () => {
    expect(code('1.234')).toBe('too_many_decimals');
    expect(code('1.5', 'JPY')).toBe('too_many_decimals');
    const result = parseAmountInput('1.234', 'CNY');
    expect(result.ok === false && result.digits).toBe(2);
  });

  it('reports amount_out_of_range above the limit', () => {
    expect(code('90071992547409.92')).toBe('amount_out_of_range');
    expect(code('100000000000000000000')).toBe('amount_out_of_range');
    expect(code('50000.00', 'CNY', 5_000_000)).toBe(5_000_000);
    expect(code('50000.01', 'CNY', 5_000_000)).toBe('amount_out_of_range');
  });

  it('reports unknown_currency for a currency @jiaozi/money does not know', () => {
    expect(code('1.00', 'XYZ')).toBe('unknown_currency');
    expect(minorDigitsOf('JPY')).toBe(0);
    expect(minorDigitsOf('XYZ')).toBe(2);
  });

  it('has a message for every code', () => {
    for (const key of Object.values(AMOUNT_ERROR_KEYS)) expect(Object.hasOwn(en, key), key).toBe(true);
  });
});
