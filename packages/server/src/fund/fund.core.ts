/**
 * Pure rules of the money-market fund: yields written per 10,000 shares with four decimals,
 * daily income, the 7-day annualised yield, the trading calendar and its 15:00 cut-off,
 * and the deterministic simulated yield. No I/O. One share is one minor unit (1 fen = 0.01).
 */
import { uuidFromDigest } from '../kernel/ids.js';

/** Yields are stored as integers: per-10k × 10^4 ("1.2345" → 12345). */
export const YIELD_SCALE = 10_000n;
/** Income = floor(shares × yieldE4 ÷ INCOME_DIVISOR): ÷ 10,000 shares and ÷ 10^4 for the decimals. */
export const INCOME_DIVISOR = 100_000_000n;
/** The most a day may pay per 10,000 shares: 10.0000 (about 4 % a day; anything above is a typo). */
export const YIELD_MAX_E4 = 100_000;

/** A calendar date `YYYY-MM-DD` (in the fund's time zone). */
export type Day = string;

const DAY_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

export function isDay(value: string): boolean {
  const m = DAY_RE.exec(value);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === value;
}

/** The day `n` calendar days after `day` (n may be negative). */
export function addDays(day: Day, n: number): Day {
  const m = DAY_RE.exec(day);
  if (!m) throw new Error(`not a day: ${day}`);
  return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + n)).toISOString().slice(0, 10);
}

/** 0 = Sunday … 6 = Saturday. */
export function weekday(day: Day): number {
  return new Date(`${day}T00:00:00Z`).getUTCDay();
}

/** "1.2345" → 12345n; null unless 0 ≤ value ≤ 10.0000 with at most four decimals. */
export function parsePer10k(text: string): bigint | null {
  const m = /^(\d{1,2})(?:\.(\d{1,4}))?$/.exec(text.trim());
  if (!m) return null;
  const value = BigInt(m[1] as string) * YIELD_SCALE + BigInt((m[2] ?? '').padEnd(4, '0') || '0');
  return value <= BigInt(YIELD_MAX_E4) ? value : null;
}

/** 12345 → "1.2345". */
export function formatPer10k(e4: bigint | number): string {
  const v = BigInt(e4);
  return `${v / YIELD_SCALE}.${(v % YIELD_SCALE).toString().padStart(4, '0')}`;
}

/** One holder's income for one day: floor(shares × per-10k ÷ 10,000), in minor units. */
export function dailyIncome(sharesMinor: bigint, yieldE4: bigint): bigint {
  if (sharesMinor < 0n || yieldE4 < 0n) throw new Error('shares and yields are never negative');
  return (sharesMinor * yieldE4) / INCOME_DIVISOR;
}

/** Shares after each day's income is reinvested (daily compounding), with the incomes. */
export function compound(
  sharesMinor: bigint,
  yieldsE4: readonly bigint[],
): { sharesMinor: bigint; incomesMinor: bigint[] } {
  let shares = sharesMinor;
  const incomes: bigint[] = [];
  for (const y of yieldsE4) {
    const income = dailyIncome(shares, y);
    incomes.push(income);
    shares += income;
  }
  return { sharesMinor: shares, incomesMinor: incomes };
}

/**
 * The 7-day annualised yield in percent: (Π (1 + r_i/10,000))^(365/7) − 1 over the last
 * seven days' per-10k yields. The product is exact (bigint); only the fractional power is
 * taken in floating point, and only for display. Null with fewer than seven days.
 */
export function sevenDayAnnualisedPercent(yieldsE4: readonly bigint[]): number | null {
  if (yieldsE4.length < 7) return null;
  const last = yieldsE4.slice(-7);
  let num = 1n;
  let den = 1n;
  for (const y of last) {
    num *= INCOME_DIVISOR + y;
    den *= INCOME_DIVISOR;
  }
  // num/den is within [1, 1.001^7]: scale to 18 digits exactly, then one division in doubles.
  const scaled = (num * 10n ** 18n) / den;
  const product = Number(scaled) / 1e18;
  return (product ** (365 / 7) - 1) * 100;
}

/** "4.339": three decimals, as the product shows it. */
export function formatPercent(percent: number | null): string | null {
  return percent === null ? null : percent.toFixed(3);
}

// ── Trading calendar ──────────────────────────────────────────────────────

export interface Calendar {
  /** Days markets are closed besides Saturdays and Sundays. */
  holidays: ReadonlySet<Day>;
  timeZone: string;
  /** Orders at or after this time of day (HH:MM, in timeZone) belong to the next trading day. */
  cutoff: string;
}

export function isTradingDay(cal: Calendar, day: Day): boolean {
  const w = weekday(day);
  return w !== 0 && w !== 6 && !cal.holidays.has(day);
}

/** Bounded: a calendar with more than a year of consecutive closed days is a mistake. */
const CLOSED_DAYS_MAX = 366;

/** The first trading day strictly after `day`. */
export function nextTradingDay(cal: Calendar, day: Day): Day {
  let d = addDays(day, 1);
  for (let i = 0; i < CLOSED_DAYS_MAX; i++) {
    if (isTradingDay(cal, d)) return d;
    d = addDays(d, 1);
  }
  throw new Error(`no trading day within ${CLOSED_DAYS_MAX} days after ${day}`);
}

/** The local date and "HH:MM" of an instant in a time zone. */
export function localParts(at: Date, timeZone: string): { day: Day; time: string } {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(at);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return { day: `${get('year')}-${get('month')}-${get('day')}`, time: `${get('hour')}:${get('minute')}` };
}

/** The day an instant belongs to in a time zone. */
export function dayIn(at: Date, timeZone: string): Day {
  return localParts(at, timeZone).day;
}

/**
 * T: the trading day an order placed at `at` counts on. Before the cut-off on a trading day
 * it is that day; after the cut-off, or on a closed day, the next trading day.
 */
export function orderTradeDay(cal: Calendar, at: Date): Day {
  const { day, time } = localParts(at, cal.timeZone);
  if (isTradingDay(cal, day) && time < cal.cutoff) return day;
  return nextTradingDay(cal, day);
}

/**
 * When an order takes effect: a subscription is confirmed (and earns from) T+1; a normal
 * redemption arrives in the wallet on T+1. Both are the next trading day after T.
 */
export function settlementDay(cal: Calendar, at: Date): { tradeDay: Day; effectiveDay: Day } {
  const tradeDay = orderTradeDay(cal, at);
  return { tradeDay, effectiveDay: nextTradingDay(cal, tradeDay) };
}

/** The UTC instant of local midnight starting `day` in a time zone. */
export function startOfDay(day: Day, timeZone: string): Date {
  // Guess UTC midnight, then correct by the zone's offset at that instant (twice for DST edges).
  let guess = new Date(`${day}T00:00:00Z`).getTime();
  for (let i = 0; i < 2; i++) {
    const local = localParts(new Date(guess), timeZone);
    const localMs = new Date(`${local.day}T${local.time}:00Z`).getTime();
    guess += new Date(`${day}T00:00:00Z`).getTime() - localMs;
  }
  return new Date(guess);
}

export function parseHolidays(text: string): Day[] | null {
  const items = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  return items.every(isDay) ? items : null;
}

// ── Simulated yields ──────────────────────────────────────────────────────

/** 32-bit FNV-1a: a deterministic hash for the simulated yield's noise. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/**
 * A plausible per-10k yield for a day, the same on every node and every run: about 4.3 %
 * a year (1.18 per 10k) drifting slowly over the seasons, with a little daily noise, always
 * within 0.9000–1.4999.
 */
export function simulatedYieldE4(day: Day): bigint {
  const t = new Date(`${day}T00:00:00Z`).getTime() / 86_400_000;
  const drift = Math.round(1_000 * Math.sin((2 * Math.PI * t) / 90));
  const noise = (fnv1a(day) % 1_201) - 600;
  const value = 11_800 + drift + noise;
  return BigInt(Math.min(14_999, Math.max(9_000, value)));
}

/**
 * A deterministic UUID (version 8) from a SHA-256 hex digest: the id of a step derived from
 * an order or a day (a redemption's payout, a day's income transfer), the same on every node.
 */
export const stepId = uuidFromDigest;
