import { describe, expect, it } from 'vitest';
import { groupDigits, PAYCODE_REFRESH_MS, PAYCODE_TTL_MS, payCodeSchedule, secondsLeft } from './paycode.js';

describe('pay code digits', () => {
  it('groups 18 digits as 2 + 4×4', () => {
    expect(groupDigits('281234567890123456')).toEqual(['28', '1234', '5678', '9012', '3456']);
    expect(groupDigits('281234567890123456').join('')).toBe('281234567890123456');
  });

  it('groups other lengths with the remainder first, ignoring non-digits', () => {
    expect(groupDigits('12345678')).toEqual(['1234', '5678']);
    expect(groupDigits('123')).toEqual(['123']);
    expect(groupDigits('28 1234-5678')).toEqual(['28', '1234', '5678']);
    expect(groupDigits('')).toEqual([]);
    expect(groupDigits('123456', 3)).toEqual(['123', '456']);
  });
});

describe('pay code schedule', () => {
  const received = Date.parse('2026-05-01T10:00:00.000Z');

  it('refreshes after ~50 s when the code lives 60 s', () => {
    const expiresAt = new Date(received + PAYCODE_TTL_MS).toISOString();
    expect(payCodeSchedule(expiresAt, received)).toEqual({
      expiresAt: received + PAYCODE_TTL_MS,
      refreshAt: received + PAYCODE_REFRESH_MS,
    });
  });

  it('refreshes at expiry when that comes first', () => {
    const expiresAt = new Date(received + 20_000).toISOString();
    expect(payCodeSchedule(expiresAt, received)).toEqual({
      expiresAt: received + 20_000,
      refreshAt: received + 20_000,
    });
  });

  it('falls back to 60 s when the clocks disagree', () => {
    for (const skewed of [received - 5_000, received + 3_600_000, Number.NaN]) {
      const iso = Number.isNaN(skewed) ? 'garbage' : new Date(skewed).toISOString();
      expect(payCodeSchedule(iso, received)).toEqual({
        expiresAt: received + PAYCODE_TTL_MS,
        refreshAt: received + PAYCODE_REFRESH_MS,
      });
    }
  });

  it('counts down whole seconds', () => {
    expect(secondsLeft(10_000, 0)).toBe(10);
    expect(secondsLeft(10_000, 9_001)).toBe(1);
    expect(secondsLeft(10_000, 10_000)).toBe(0);
    expect(secondsLeft(10_000, 20_000)).toBe(0);
  });
});
