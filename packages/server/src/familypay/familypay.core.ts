/**
 * The rules of family pay as pure functions: a grant's status at a moment, the calendar
 * month a payment counts in, and whether a payment fits what is left of the month.
 */
import * as limits from '../kernel/limits.js';

export type StoredStatus = 'offered' | 'active' | 'ended';
export type GrantStatus = 'offered' | 'active' | 'lapsed' | 'ended';

export interface GrantTimes {
  status: StoredStatus;
  offerExpiresAt: Date;
  endsAt: Date | null;
}

/** What a grant is at `now`: an unaccepted offer lapses, an end date ends it. */
export function grantStatus(grant: GrantTimes, now: Date): GrantStatus {
  if (grant.status === 'ended') return 'ended';
  if (grant.endsAt !== null && grant.endsAt.getTime() <= now.getTime()) return 'ended';
  if (grant.status === 'offered' && grant.offerExpiresAt.getTime() <= now.getTime()) return 'lapsed';
  return grant.status;
}

/** Offered and active grants count against the granter's maximum. */
export function isLive(status: GrantStatus): boolean {
  return status === 'offered' || status === 'active';
}

/** The calendar month (YYYY-MM) that `at` falls in, in `timeZone`. */
export function monthOf(at: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
  }).formatToParts(at);
  const year = parts.find((p) => p.type === 'year')?.value;
  const month = parts.find((p) => p.type === 'month')?.value;
  if (!year || !month) throw new Error(`no month for ${at.toISOString()} in ${timeZone}`);
  return `${year}-${month}`;
}

export function remaining(limitMinor: bigint, usedMinor: bigint): bigint {
  return limitMinor > usedMinor ? limitMinor - usedMinor : 0n;
}

/** Whether a payment of `amountMinor` fits the month: the used total never passes the limit. */
export function fitsMonth(limitMinor: bigint, usedMinor: bigint, amountMinor: bigint): boolean {
  return amountMinor > 0n && usedMinor + amountMinor <= limitMinor;
}

/** A monthly limit a granter may choose. */
export function isValidMonthlyLimit(limitMinor: bigint): boolean {
  return limitMinor >= limits.familyGrantMonthlyMinMinor && limitMinor <= limits.familyGrantMonthlyMaxMinor;
}
