import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../kernel/clock.js';
import {
  addDays,
  type Calendar,
  compound,
  dailyIncome,
  formatPer10k,
  formatPercent,
  isDay,
  isTradingDay,
  nextTradingDay,
  orderTradeDay,
  parsePer10k,
  settlementDay,
  sevenDayAnnualisedPercent,
  simulatedYieldE4,
  startOfDay,
  stepId,
} from './fund.core.js';

const VECTOR = ['1.2345', '1.1800', '1.2012', '0.9876', '0.9876', '1.3050', '1.2500'];

function calendar(holidays: string[] = [], timeZone = 'Asia/Shanghai'): Calendar {
  return { holidays: new Set(holidays), timeZone, cutoff: '15:00' };
}

describe('the test vector', () => {
  it('pays 1.23, 1.18, 1.20, 0.98, 0.98, 1.30, 1.25 on 10,000.00 and ends at 10,008.12', () => {
    const yields = VECTOR.map((v) => parsePer10k(v) as bigint);
    const { sharesMinor, incomesMinor } = compound(1_000_000n, yields);
    expect(incomesMinor).toEqual([123n, 118n, 120n, 98n, 98n, 130n, 125n]);
    expect(sharesMinor).toBe(1_000_812n);
  });

  it('has a 7-day annualised yield of 4.339 %', () => {
    const percent = sevenDayAnnualisedPercent(VECTOR.map((v) => parsePer10k(v) as bigint));
    expect(formatPercent(percent)).toBe('4.339');
  });

  it('needs seven days for the 7-day yield and uses the last seven', () => {
    const ys = VECTOR.map((v) => parsePer10k(v) as bigint);
    expect(sevenDayAnnualisedPercent(ys.slice(1))).toBeNull();
    expect(formatPercent(sevenDayAnnualisedPercent([0n, ...ys]))).toBe('4.339');
    expect(sevenDayAnnualisedPercent([0n, 0n, 0n, 0n, 0n, 0n, 0n])).toBe(0);
  });
});

describe('per-10k yields', () => {
  it('parses four decimals exactly and refuses the rest', () => {
    expect(parsePer10k('1.2345')).toBe(12_345n);
    expect(parsePer10k('1.18')).toBe(11_800n);
    expect(parsePer10k('0')).toBe(0n);
    expect(parsePer10k('10')).toBe(100_000n);
    expect(parsePer10k('10.0000')).toBe(100_000n);
    for (const bad of ['10.0001', '11', '-1', '-0.5', '1.23456', '', '.5', '1.', 'abc', '1e2', '0x10', '١']) {
      expect(parsePer10k(bad), bad).toBeNull();
    }
  });

  it('formats what it parses back to the same text', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100_000 }), (e4) => {
        expect(parsePer10k(formatPer10k(e4))).toBe(BigInt(e4));
      }),
    );
  });
});

describe('daily income', () => {
  it('is floor(shares × per-10k ÷ 10,000), never negative, never more than exact', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 13n }),
        fc.bigInt({ min: 0n, max: 100_000n }),
        (shares, y) => {
          const income = dailyIncome(shares, y);
          expect(income >= 0n).toBe(true);
          // income ≤ exact < income + 1, in integers: income × 10^8 ≤ shares × y < (income + 1) × 10^8.
          expect(income * 100_000_000n <= shares * y).toBe(true);
          expect(shares * y < (income + 1n) * 100_000_000n).toBe(true);
        },
      ),
    );
  });

  it('compounds: shares never fall and grow by exactly the incomes', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 12n }),
        fc.array(fc.bigInt({ min: 0n, max: 100_000n }), { maxLength: 60 }),
        (start, ys) => {
          const { sharesMinor, incomesMinor } = compound(start, ys);
          expect(incomesMinor.every((i) => i >= 0n)).toBe(true);
          expect(sharesMinor).toBe(start + incomesMinor.reduce((a, b) => a + b, 0n));
        },
      ),
    );
  });

  it('refuses negative inputs', () => {
    expect(() => dailyIncome(-1n, 1n)).toThrow();
    expect(() => dailyIncome(1n, -1n)).toThrow();
  });
});

describe('the trading calendar', () => {
  it('knows weekends and holidays', () => {
    const cal = calendar(['2026-10-01']);
    expect(isTradingDay(cal, '2026-11-27')).toBe(true); // Friday
    expect(isTradingDay(cal, '2026-11-28')).toBe(false); // Saturday
    expect(isTradingDay(cal, '2026-11-29')).toBe(false); // Sunday
    expect(isTradingDay(cal, '2026-10-01')).toBe(false); // a holiday on a Thursday
    expect(nextTradingDay(cal, '2026-11-27')).toBe('2026-11-30');
    expect(nextTradingDay(cal, '2026-09-30')).toBe('2026-10-02');
  });

  it('counts Friday 14:59 on Friday (confirmed Monday) and 15:01 on Monday (confirmed Tuesday)', () => {
    const clock = new ManualClock('2026-11-27T06:59:00.000Z'); // 14:59 in Shanghai
    const cal = calendar();
    expect(settlementDay(cal, clock.now())).toEqual({ tradeDay: '2026-11-27', effectiveDay: '2026-11-30' });
    clock.advanceSeconds(60); // 15:00 exactly is after the cut-off
    expect(orderTradeDay(cal, clock.now())).toBe('2026-11-30');
    clock.advanceSeconds(60); // 15:01
    expect(settlementDay(cal, clock.now())).toEqual({ tradeDay: '2026-11-30', effectiveDay: '2026-12-01' });
  });

  it('skips holidays: the National Day week', () => {
    const golden = ['2026-10-01', '2026-10-02', '2026-10-05', '2026-10-06', '2026-10-07'];
    const cal = calendar(golden);
    // Wednesday 30 September 14:00: T is that day, confirmed on the first day after the holidays.
    expect(settlementDay(cal, new Date('2026-09-30T06:00:00.000Z'))).toEqual({
      tradeDay: '2026-09-30',
      effectiveDay: '2026-10-08',
    });
    // During the holidays T is the first trading day after them.
    expect(settlementDay(cal, new Date('2026-10-03T02:00:00.000Z'))).toEqual({
      tradeDay: '2026-10-08',
      effectiveDay: '2026-10-09',
    });
  });

  it('reads the cut-off in the configured time zone', () => {
    const at = new Date('2026-11-27T06:59:00.000Z'); // 14:59 Shanghai, 07:59 Berlin, 01:59 New York
    expect(orderTradeDay(calendar([], 'Asia/Shanghai'), at)).toBe('2026-11-27');
    expect(orderTradeDay(calendar([], 'Europe/Berlin'), at)).toBe('2026-11-27');
    expect(orderTradeDay(calendar([], 'Europe/Berlin'), new Date('2026-11-27T14:30:00.000Z'))).toBe(
      '2026-11-30',
    );
    expect(startOfDay('2026-11-30', 'Asia/Shanghai').toISOString()).toBe('2026-11-29T16:00:00.000Z');
    expect(startOfDay('2026-03-29', 'Europe/Berlin').toISOString()).toBe('2026-03-28T23:00:00.000Z');
  });

  it('always settles on a trading day after the order, for any instant and holidays', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('2026-01-01'), max: new Date('2027-12-31'), noInvalidDate: true }),
        fc.array(fc.integer({ min: 0, max: 730 }), { maxLength: 40 }),
        (at, offsets) => {
          const cal = calendar(offsets.map((o) => addDays('2026-01-01', o)));
          const { tradeDay, effectiveDay } = settlementDay(cal, at);
          expect(isTradingDay(cal, tradeDay)).toBe(true);
          expect(isTradingDay(cal, effectiveDay)).toBe(true);
          expect(effectiveDay > tradeDay).toBe(true);
          expect(nextTradingDay(cal, tradeDay)).toBe(effectiveDay);
        },
      ),
    );
  });

  it('validates days', () => {
    expect(isDay('2026-11-24')).toBe(true);
    expect(isDay('2026-02-29')).toBe(false);
    expect(isDay('2028-02-29')).toBe(true);
    expect(isDay('2026-1-24')).toBe(false);
  });
});

describe('the simulated yield', () => {
  it('is deterministic and plausible every day', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3_650 }), (offset) => {
        const day = addDays('2026-01-01', offset);
        const y = simulatedYieldE4(day);
        expect(y).toBe(simulatedYieldE4(day));
        expect(y >= 9_000n && y <= 14_999n).toBe(true);
      }),
    );
  });

  it('gives a 7-day yield between 3 % and 6 %', () => {
    const week = Array.from({ length: 7 }, (_, i) => simulatedYieldE4(addDays('2026-11-18', i)));
    const percent = sevenDayAnnualisedPercent(week) as number;
    expect(percent).toBeGreaterThan(3);
    expect(percent).toBeLessThan(6);
  });
});

describe('step ids', () => {
  it('are valid, deterministic UUIDs of version 8', () => {
    const id = stepId('9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08');
    expect(id).toBe('9f86d081-884c-8d65-9a2f-eaa0c55ad015');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(() => stepId('xyz')).toThrow();
  });
});
