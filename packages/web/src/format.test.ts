import { describe, expect, it } from 'vitest';
import {
  currencyDigits,
  formatMinor,
  formatMoney,
  formatRelativeTime,
  handleOf,
  initialOf,
} from './format.js';

describe('format', () => {
  it('formats minor units by the currency exponent', () => {
    expect(currencyDigits('CNY')).toBe(2);
    expect(currencyDigits('JPY')).toBe(0);
    expect(formatMinor(0, 'CNY', 'en')).toBe('¥0.00');
    expect(formatMinor(123456, 'CNY', 'zh-CN')).toBe('¥1,234.56');
    expect(formatMinor(1500, 'JPY', 'en')).toBe('¥1,500');
    expect(formatMinor(5, 'ZZZ', 'en')).toContain('0.05');
  });

  it('formats money with @jiaozi/money, and unknown currencies with Intl', () => {
    expect(formatMoney(0n, 'CNY', 'en')).toBe('¥0.00');
    expect(formatMoney(123456n, 'CNY', 'zh-CN')).toBe('¥1,234.56');
    expect(formatMoney(1235, 'JPY', 'en')).toBe('¥1,235');
    expect(formatMoney(250, 'GBP', 'en')).toBe('£2.50');
  });

  it('formats relative times', () => {
    const now = Date.parse('2025-06-01T12:00:00Z');
    expect(formatRelativeTime('2025-06-01T11:59:50Z', 'en', now)).toBe('now');
    expect(formatRelativeTime('2025-06-01T11:55:00Z', 'en', now)).toBe('5 minutes ago');
    expect(formatRelativeTime('2025-05-31T12:00:00Z', 'en', now)).toBe('yesterday');
    expect(formatRelativeTime('garbage', 'en', now)).toBe('garbage');
  });

  it('builds avatar initials and handles', () => {
    expect(initialOf('alice')).toBe('A');
    expect(initialOf('王小明')).toBe('王');
    expect(initialOf('  ')).toBe('?');
    expect(handleOf({ username: 'alice', phone: null })).toBe('@alice');
    expect(handleOf({ username: null, phone: '+8613800138000' })).toBe('+8613800138000');
  });
});
