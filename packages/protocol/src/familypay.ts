/**
 * Wire types of family pay: a granter lets a friend pay merchants from the granter's wallet
 * up to a monthly limit. Amounts are integer minor units.
 */
import type { Party } from './wallet.js';

/** `lapsed`: an offer not accepted in time; `ended`: ended by either side or past its end date. */
export type FamilyGrantStatus = 'offered' | 'active' | 'lapsed' | 'ended';

export interface FamilyGrant {
  id: string;
  granter: Party;
  grantee: Party;
  monthlyLimitMinor: number;
  currency: string;
  status: FamilyGrantStatus;
  /** The calendar month (YYYY-MM, in the server's time zone) the figures below are for. */
  month: string;
  usedThisMonthMinor: number;
  remainingThisMonthMinor: number;
  offerExpiresAt: string;
  endsAt: string | null;
  createdAt: string;
  acceptedAt: string | null;
  endedAt: string | null;
}

/** One payment through a grant, as its granter sees it. */
export interface FamilyGrantUse {
  transferId: string;
  merchant: Party;
  amountMinor: number;
  currency: string;
  note: string;
  month: string;
  createdAt: string;
}

/** Update-log topics of family pay. */
export const FAMILY_TOPICS = {
  /** To both sides: a grant was offered, accepted or ended (`{ grant }`). */
  grant: 'family.grant_changed',
  /** To both sides: a payment went through a grant (`{ grant, use }`). */
  used: 'family.grant_used',
} as const;
