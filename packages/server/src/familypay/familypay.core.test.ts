import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fitsMonth, grantStatus, isValidMonthlyLimit, monthOf, remaining } from './familypay.core.js';

describe('family pay rules', () => {
  it('never lets a month pass its limit, whatever the order of payments', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 100n, max: 2_000_000n }),
        fc.array(fc.bigInt({ min: 1n, max: 300_000n }), { maxLength: 60 }),
        (limit, amounts) => {
          let used = 0n;
          for (const a of amounts) {
            const fits = fitsMonth(limit, used, a);
            expect(fits).toBe(used + a <= limit);
            if (fits) used += a;
            expect(used).toBeLessThanOrEqual(limit);
            expect(remaining(limit, used)).toBe(limit - used);
          }
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it('counts exactly 33 payments of 30.00 into 1,000.00', () => {
    let used = 0n;
    let n = 0;
    for (let i = 0; i < 50; i++) {
      if (fitsMonth(100_000n, used, 3_000n)) {
        used += 3_000n;
        n++;
      }
    }
    expect([n, used]).toEqual([33, 99_000n]);
  });

  it('bounds the monthly limit to 1.00 … 20,000.00', () => {
    expect([99n, 100n, 2_000_000n, 2_000_001n].map(isValidMonthlyLimit)).toEqual([false, true, true, false]);
  });

  it('names the month in the configured time zone', () => {
    const at = new Date('2026-11-30T16:00:00.000Z');
    expect([monthOf(at, 'Asia/Shanghai'), monthOf(at, 'UTC'), monthOf(at, 'America/New_York')]).toEqual([
      '2026-12',
      '2026-11',
      '2026-11',
    ]);
    fc.assert(
      fc.property(
        fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }),
        (d) => {
          expect(monthOf(d, 'UTC')).toBe(d.toISOString().slice(0, 7));
        },
      ),
    );
  });

  it('lapses an unaccepted offer and ends a grant at its end date', () => {
    const offerExpiresAt = new Date('2026-11-26T08:00:00.000Z');
    const endsAt = new Date('2026-12-01T00:00:00.000Z');
    const before = new Date('2026-11-26T07:59:59.999Z');
    expect(grantStatus({ status: 'offered', offerExpiresAt, endsAt: null }, before)).toBe('offered');
    expect(grantStatus({ status: 'offered', offerExpiresAt, endsAt: null }, offerExpiresAt)).toBe('lapsed');
    expect(grantStatus({ status: 'active', offerExpiresAt, endsAt }, offerExpiresAt)).toBe('active');
    expect(grantStatus({ status: 'active', offerExpiresAt, endsAt }, endsAt)).toBe('ended');
    expect(grantStatus({ status: 'ended', offerExpiresAt, endsAt: null }, before)).toBe('ended');
  });
});
