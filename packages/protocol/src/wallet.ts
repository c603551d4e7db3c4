/**
 * Wire types of the wallet: balances, bank cards, top-ups, withdrawals, transfers, money
 * requests, QR codes, pay codes and history. Amounts are integers in minor units of
 * `currency` (fen for CNY), always safe integers on the wire; never floating point.
 */

/** Someone money moves to or from, as the other side sees them. */
export interface Party {
  userId: string;
  displayName: string;
  username: string | null;
}

export interface WalletLimits {
  singleTransferMaxMinor: number;
  dailyOutflowMaxMinor: number;
  dailyOutflowUsedMinor: number;
  balanceMaxMinor: number;
}

export interface WalletSummary {
  accountId: string;
  currency: string;
  /** Posted balance: what the user owns. */
  balanceMinor: number;
  /** Balance less money on hold (withdrawals in flight, transfers awaiting acceptance). */
  availableMinor: number;
  /** Incoming money not yet confirmed (top-ups awaiting the bank). */
  incomingPendingMinor: number;
  kycTier: 0 | 1 | 2;
  limits: WalletLimits;
}

export interface BankCard {
  id: string;
  bankName: string;
  last4: string;
  holderName: string;
  createdAt: string;
}

export interface AddCardRequest {
  bankName: string;
  /** 12–19 digits, Luhn-valid. Only the last four are kept. */
  cardNumber: string;
  holderName: string;
}

export type BankOperationStatus = 'pending' | 'succeeded' | 'failed';

export interface TopUp {
  id: string;
  cardId: string;
  amountMinor: number;
  currency: string;
  status: BankOperationStatus;
  failureReason: string | null;
  createdAt: string;
  completedAt: string | null;
}

/** `id` is the client's UUIDv7: sending the same request again is harmless. */
export interface TopUpRequest {
  id: string;
  cardId: string;
  amountMinor: number;
}

export type Withdrawal = TopUp;

export interface WithdrawalRequest {
  id: string;
  cardId: string;
  amountMinor: number;
  pin: string;
}

/** Exactly one way of naming the payee. `qr` is a payload from a receive QR code. */
export interface PayeeRef {
  userId?: string;
  username?: string;
  phone?: string;
  qr?: string;
}

export interface TransferRequest {
  id: string;
  to: PayeeRef;
  amountMinor: number;
  note?: string;
  pin: string;
}

export interface Transfer {
  id: string;
  from: Party;
  to: Party;
  amountMinor: number;
  currency: string;
  note: string;
  createdAt: string;
}

export type PaymentRequestStatus = 'pending' | 'paid' | 'declined' | 'cancelled' | 'expired';

export interface PaymentRequest {
  id: string;
  requester: Party;
  payer: Party;
  amountMinor: number;
  currency: string;
  note: string;
  status: PaymentRequestStatus;
  transferId: string | null;
  createdAt: string;
  expiresAt: string;
}

export interface CreatePaymentRequest {
  id: string;
  from: PayeeRef;
  amountMinor: number;
  note?: string;
}

export interface PayPaymentRequest {
  /** UUIDv7 of the transfer that pays it (for safe retries). */
  transferId: string;
  pin: string;
}

export interface ReceiveQr {
  /** Text to render as a QR code; signed by the server. */
  payload: string;
  amountMinor: number | null;
}

export interface ResolvedQr {
  payee: Party;
  amountMinor: number | null;
}

export interface PayCode {
  /** 18 digits, for a barcode and a QR code; valid once, for 60 seconds. */
  code: string;
  expiresAt: string;
}

export interface PayCodeChargeRequest {
  id: string;
  code: string;
  amountMinor: number;
  note?: string;
}

/**
 * `fund`: money moved between the wallet and the money-market fund. Money in chat:
 * `chat_transfer` (a transfer card), `red_packet` (sent or grabbed), `red_packet_refund`
 * (what was left after 24 h), `split` (a bill-split share); their `reference` is
 * `{ type: 'conversation', id }`.
 */
export type HistoryKind =
  | 'topup'
  | 'withdrawal'
  | 'transfer'
  | 'paycode'
  | 'fund'
  | 'chat_transfer'
  | 'red_packet'
  | 'red_packet_refund'
  | 'split';
/**
 * `returned`: money held for someone that came back without moving (a transfer card they
 * returned or did not accept in time); `failed`: a bank operation that did not go through.
 */
export type HistoryStatus = 'pending' | 'completed' | 'failed' | 'returned';

export interface HistoryItem {
  /** The ledger transfer id (also the client's id for the operation). */
  id: string;
  kind: HistoryKind;
  direction: 'in' | 'out';
  amountMinor: number;
  currency: string;
  status: HistoryStatus;
  /** The other user, or null for the bank. */
  counterparty: Party | null;
  /** E.g. "ICBC ••1234" for bank operations. */
  counterpartyLabel: string;
  note: string;
  /** The business object behind the entry: a payment request, a chat message … */
  reference: { type: string; id: string } | null;
  /** Balance right after this entry, for completed entries. */
  balanceAfterMinor: number | null;
  createdAt: string;
}

export interface HistoryPage {
  items: HistoryItem[];
  /** Pass back as `cursor` for the next (older) page; null at the end. */
  nextCursor: string | null;
}

export interface MonthlyTotals {
  months: { month: string; inMinor: number; outMinor: number }[];
}
