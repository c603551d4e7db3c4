/**
 * Wire types of the money-market fund. Amounts (and shares: one share is one minor unit)
 * are safe integers of minor units; per-10k yields are decimal strings with four decimals
 * ("1.2345"); days are `YYYY-MM-DD` in the fund's time zone.
 */

export interface FundSummary {
  currency: string;
  /** Earning shares plus subscriptions awaiting confirmation. */
  balanceMinor: number;
  sharesMinor: number;
  pendingSubscriptionMinor: number;
  /** The latest accrued day's income (0 when nothing was earned that day). */
  yesterdayIncomeMinor: number;
  /** The day that income belongs to (the latest accrual), or null before the first. */
  incomeDay: string | null;
  cumulativeIncomeMinor: number;
  /** "4.339" (percent, three decimals), or null with fewer than seven published days. */
  sevenDayYieldPercent: string | null;
  /** The latest published per-10k yield and its day. */
  latestPer10k: string | null;
  latestYieldDay: string | null;
  instantRedeemedTodayMinor: number;
  instantDailyMaxMinor: number;
}

export interface FundDay {
  day: string;
  incomeMinor: number;
  per10k: string | null;
  sevenDayYieldPercent: string | null;
}

export interface FundHistory {
  days: FundDay[];
}

/** When each kind of order placed now would take effect (shown before confirming). */
export interface FundQuote {
  now: string;
  cutoff: string;
  timeZone: string;
  subscribe: { tradeDay: string; confirmDay: string; earnsFrom: string };
  redeemInstant: { arrivesAt: string };
  redeemNormal: { tradeDay: string; arrivesOn: string; arrivesAt: string };
}

export type FundOrderKind = 'subscribe' | 'redeem_instant' | 'redeem_normal';

export interface FundOrder {
  id: string;
  kind: FundOrderKind;
  amountMinor: number;
  currency: string;
  status: 'pending' | 'done';
  tradeDay: string;
  /** Subscriptions: the day shares are confirmed; normal redemptions: the day money arrives. */
  effectiveDay: string;
  createdAt: string;
  doneAt: string | null;
}

export interface FundSubscribeRequest {
  id: string;
  amountMinor: number;
  pin: string;
}

export interface FundRedeemRequest {
  id: string;
  amountMinor: number;
  mode: 'instant' | 'normal';
  pin: string;
}

export interface FundYield {
  day: string;
  per10k: string;
  source: 'published' | 'simulated';
}

export interface PublishYieldRequest {
  date: string;
  per10k: string;
}

export interface FundAccrual {
  day: string;
  per10k: string;
  holders: number;
  incomeTotalMinor: number;
  confirmedMinor: number;
  /** False when the day had been accrued before (nothing was paid again). */
  created: boolean;
}
