import type { FundDay } from '@jiaozi/protocol';

/**
 * Pure helpers of the fund page: days as people read them, and the chart's columns. The
 * chart draws numbers (yuan, percent) for display only; money itself stays in minor units.
 */

/** "2026-11-30" → "Mon, Nov 30" (in the page's language, the day as the server gave it). */
export function formatDay(day: string, lang: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return day;
  const date = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return new Intl.DateTimeFormat(lang, {
    weekday: 'short',
    month: 'short',
    day: 'numeric',
    timeZone: 'UTC',
  }).format(date);
}

/** The chart's columns: x (seconds at UTC midnight), income in major units, 7-day yield in %. */
export function chartColumns(
  days: readonly FundDay[],
  minorDigits: number,
): [number[], (number | null)[], (number | null)[]] {
  const scale = 10 ** minorDigits;
  const xs: number[] = [];
  const incomes: (number | null)[] = [];
  const yields: (number | null)[] = [];
  for (const d of days) {
    xs.push(Date.parse(`${d.day}T00:00:00Z`) / 1000);
    incomes.push(d.incomeMinor / scale);
    yields.push(d.sevenDayYieldPercent === null ? null : Number(d.sevenDayYieldPercent));
  }
  return [xs, incomes, yields];
}

/** Instant redemption allowance left today, never below zero. */
export function instantLeft(summary: {
  instantDailyMaxMinor: number;
  instantRedeemedTodayMinor: number;
}): number {
  return Math.max(0, summary.instantDailyMaxMinor - summary.instantRedeemedTodayMinor);
}

/** "4.339" → "4.339%"; null stays null. */
export function formatPlainPercent(percent: string | null): string | null {
  return percent === null ? null : `${percent}%`;
}
