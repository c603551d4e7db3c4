import { describe, expect, it } from 'vitest';
import { chartColumns, formatDay, instantLeft } from './fund.js';

describe('fund page helpers', () => {
  it('writes days in the page language without shifting them by the time zone', () => {
    expect(formatDay('2026-11-30', 'en-US')).toBe('Mon, Nov 30');
    expect(formatDay('2026-11-30', 'zh-CN')).toBe('11月30日周一');
    expect(formatDay('not a day', 'en-US')).toBe('not a day');
  });

  it('turns days into chart columns', () => {
    const [xs, incomes, yields] = chartColumns(
      [
        { day: '2026-11-23', incomeMinor: 130, per10k: '1.3050', sevenDayYieldPercent: null },
        { day: '2026-11-24', incomeMinor: 125, per10k: '1.2500', sevenDayYieldPercent: '4.339' },
      ],
      2,
    );
    expect(xs).toEqual([Date.UTC(2026, 10, 23) / 1000, Date.UTC(2026, 10, 24) / 1000]);
    expect(incomes).toEqual([1.3, 1.25]);
    expect(yields).toEqual([null, 4.339]);
  });

  it('never shows a negative instant allowance', () => {
    expect(instantLeft({ instantDailyMaxMinor: 1_000_000, instantRedeemedTodayMinor: 900_000 })).toBe(
      100_000,
    );
    expect(instantLeft({ instantDailyMaxMinor: 1_000_000, instantRedeemedTodayMinor: 1_200_000 })).toBe(0);
  });
});
