import { hash } from 'node:crypto';

/**
 * The ledger's state machine: pure functions that apply a batch of transfers to account
 * states and say, transfer by transfer, what happened. No I/O. The model is TigerBeetle's:
 * double entry, four totals per account, two-phase (pending → post | void | expire)
 * transfers, linked chains that succeed or fail together, and ids that are idempotent.
 */

export const AccountFlag = {
  /** A user's wallet: may not spend more than it holds. */
  debitsMustNotExceedCredits: 1,
  /** An account that may only hold what was put in from elsewhere. */
  creditsMustNotExceedDebits: 2,
  closed: 4,
} as const;

export const TransferFlag = {
  /** This transfer succeeds or fails together with the next one in the batch. */
  linked: 1,
  /** A hold: moves pending totals only, until posted, voided or expired. */
  pending: 2,
  postPending: 4,
  voidPending: 8,
} as const;

const KNOWN_TRANSFER_FLAGS = 1 | 2 | 4 | 8;
const KNOWN_ACCOUNT_FLAGS = 1 | 2 | 4;
/** Totals are Postgres int8. */
export const AMOUNT_MAX = 2n ** 63n - 1n;
/** timeout_seconds is a Postgres int4. */
export const TIMEOUT_MAX = 2 ** 31 - 1;

export type PendingState = 'pending' | 'posted' | 'voided' | 'expired';

export interface Account {
  id: string;
  currency: string;
  code: string;
  flags: number;
  debitsPending: bigint;
  debitsPosted: bigint;
  creditsPending: bigint;
  creditsPosted: bigint;
  /** How many entries this account has: the version of its latest balance. */
  version: bigint;
}

/**
 * An account with other totals (and version). Built field by field: an object spread that
 * overrides fields is several times slower, and this runs for every side of every transfer.
 */
function withTotals(
  a: Account,
  debitsPending: bigint,
  debitsPosted: bigint,
  creditsPending: bigint,
  creditsPosted: bigint,
  version = a.version,
): Account {
  return {
    id: a.id,
    currency: a.currency,
    code: a.code,
    flags: a.flags,
    debitsPending,
    debitsPosted,
    creditsPending,
    creditsPosted,
    version,
  };
}

export interface TransferInput {
  id: string;
  /** For post/void: empty to take the pending transfer's, or equal to it. */
  debitAccountId: string;
  creditAccountId: string;
  /** For post: 0 posts the whole pending amount, less posts part and releases the rest. */
  amount: bigint;
  code: string;
  flags: number;
  pendingId: string | null;
  /** Pending transfers only; 0 means the hold never expires by itself. */
  timeoutSeconds: number;
  /** The business object this transfer belongs to (opaque to the ledger). */
  userData: string | null;
}

/**
 * A plain transfer of `amount` from `debit` to `credit`, its user data the given object as
 * JSON; `extra` sets flags, a pending id or a timeout.
 */
export function plainTransfer(
  id: string,
  debit: string,
  credit: string,
  amount: bigint,
  code: string,
  userData: object | null,
  extra: Partial<TransferInput> = {},
): TransferInput {
  return {
    id,
    debitAccountId: debit,
    creditAccountId: credit,
    amount,
    code,
    flags: 0,
    pendingId: null,
    timeoutSeconds: 0,
    userData: userData === null ? null : JSON.stringify(userData),
    ...extra,
  };
}

/** A transfer as stored: its input with resolved accounts and amount, and its state. */
export interface Transfer extends TransferInput {
  /** The submission's fingerprint: a retry is the same transfer when these are equal. */
  fingerprint: string;
  currency: string;
  timestamp: Date;
  expiresAt: Date | null;
  /** For pending transfers: where the hold stands. Null for the others. */
  state: PendingState | null;
}

export type LedgerErrorCode =
  | 'exists_with_different_fields'
  | 'id_already_failed'
  | 'linked_event_failed'
  | 'linked_event_chain_open'
  | 'flags_are_mutually_exclusive'
  | 'unknown_flags'
  | 'amount_must_not_be_zero'
  | 'accounts_must_be_different'
  | 'debit_account_not_found'
  | 'credit_account_not_found'
  | 'accounts_must_have_the_same_currency'
  | 'debit_account_closed'
  | 'credit_account_closed'
  | 'pending_id_must_be_zero'
  | 'pending_id_required'
  | 'pending_id_must_be_different'
  | 'timeout_reserved_for_pending_transfer'
  | 'pending_transfer_not_found'
  | 'pending_transfer_not_pending'
  | 'pending_transfer_has_different_accounts'
  | 'pending_transfer_has_different_amount'
  | 'exceeds_pending_transfer_amount'
  | 'pending_transfer_already_posted'
  | 'pending_transfer_already_voided'
  | 'pending_transfer_expired'
  | 'overflows'
  | 'exceeds_credits'
  | 'exceeds_debits';

export type TransferResult =
  | { status: 'ok'; transfer: Transfer }
  /** The same transfer was applied before (a retry): here it is. */
  | { status: 'exists'; transfer: Transfer }
  | { status: 'failed'; code: LedgerErrorCode; originalCode?: LedgerErrorCode };

/** A failure kept so that the id stays failed. */
export interface Failure {
  id: string;
  code: LedgerErrorCode;
  fingerprint: string;
}

/** One account's balance right after one change: append-only, one per version. */
export interface Entry {
  accountId: string;
  version: bigint;
  transferId: string;
  debitsPending: bigint;
  debitsPosted: bigint;
  creditsPending: bigint;
  creditsPosted: bigint;
}

/** What a batch may read: touched accounts, transfers with the batch's ids or pending ids, failures. */
export interface LedgerView {
  accounts: ReadonlyMap<string, Account>;
  transfers: ReadonlyMap<string, Transfer>;
  failures: ReadonlyMap<string, Failure>;
}

export interface BatchOutcome {
  results: TransferResult[];
  /** New transfers to store. */
  created: Transfer[];
  /** New failures to store. */
  failures: Failure[];
  /** Pending transfers (stored before or created in this batch) whose state changed. */
  pendingStates: Map<string, PendingState>;
  /** Final state of every account that changed. */
  accounts: Map<string, Account>;
  entries: Entry[];
}

/** Failures that say nothing about the id itself, and so are not kept. */
const NOT_KEPT: ReadonlySet<LedgerErrorCode> = new Set([
  'linked_event_failed',
  'linked_event_chain_open',
  'exists_with_different_fields',
  'id_already_failed',
]);

/**
 * What makes two submissions of one id the same transfer: a hash (SHA-256, base64url) of the
 * fields below. Transfers and failures stored before migration 0017 keep the fields themselves
 * (a JSON array); `sameFingerprint` reads both.
 */
export function fingerprint(t: TransferInput): string {
  return hash('sha256', fingerprintFields(t), 'base64url');
}

/** Whether a stored fingerprint is this submission's. */
export function sameFingerprint(stored: string, t: TransferInput): boolean {
  return stored.startsWith('[') ? stored === fingerprintFields(t) : stored === fingerprint(t);
}

function fingerprintFields(t: TransferInput): string {
  return JSON.stringify([
    t.debitAccountId,
    t.creditAccountId,
    t.amount.toString(),
    t.code,
    t.flags,
    t.pendingId,
    t.timeoutSeconds,
    t.userData,
  ]);
}

/** Only well-formed flags can link (a negative or fractional value is refused as unknown). */
function isLinked(flags: number): boolean {
  return Number.isInteger(flags) && flags >= 0 && (flags & TransferFlag.linked) !== 0;
}

function isPostOrVoid(flags: number): boolean {
  return (flags & (TransferFlag.postPending | TransferFlag.voidPending)) !== 0;
}

/** Balance limits an account's flags impose, given totals. */
export function breaksFlags(a: Account): 'exceeds_credits' | 'exceeds_debits' | null {
  if (
    a.flags & AccountFlag.debitsMustNotExceedCredits &&
    a.debitsPending + a.debitsPosted > a.creditsPosted
  ) {
    return 'exceeds_credits';
  }
  if (
    a.flags & AccountFlag.creditsMustNotExceedDebits &&
    a.creditsPending + a.creditsPosted > a.debitsPosted
  ) {
    return 'exceeds_debits';
  }
  return null;
}

export function isValidAccountFlags(flags: number): boolean {
  return Number.isInteger(flags) && (flags & ~KNOWN_ACCOUNT_FLAGS) === 0 && (flags & 3) !== 3;
}

/** Copy-on-write working state, so that a failed linked chain rolls back cleanly. */
class Working {
  accounts: Map<string, Account>;
  transfers: Map<string, Transfer>;
  failures: Map<string, Failure>;
  pendingStates: Map<string, PendingState>;
  created: Transfer[];
  newFailures: Failure[];
  entries: Entry[];

  constructor(view: LedgerView) {
    this.accounts = new Map(view.accounts);
    this.transfers = new Map(view.transfers);
    this.failures = new Map(view.failures);
    this.pendingStates = new Map();
    this.created = [];
    this.newFailures = [];
    this.entries = [];
  }

  snapshot() {
    return {
      accounts: new Map(this.accounts),
      transfers: new Map(this.transfers),
      pendingStates: new Map(this.pendingStates),
      created: this.created.length,
      entries: this.entries.length,
    };
  }

  restore(s: ReturnType<Working['snapshot']>): void {
    this.accounts = s.accounts;
    this.transfers = s.transfers;
    this.pendingStates = s.pendingStates;
    this.created.length = s.created;
    this.entries.length = s.entries;
  }

  /** Records a new balance of an account as an entry with the next version. */
  write(account: Account, transferId: string): void {
    const next = withTotals(
      account,
      account.debitsPending,
      account.debitsPosted,
      account.creditsPending,
      account.creditsPosted,
      account.version + 1n,
    );
    this.accounts.set(next.id, next);
    this.entries.push({
      accountId: next.id,
      version: next.version,
      transferId,
      debitsPending: next.debitsPending,
      debitsPosted: next.debitsPosted,
      creditsPending: next.creditsPending,
      creditsPosted: next.creditsPosted,
    });
  }
}

function sameTransfer(stored: Transfer, input: TransferInput): boolean {
  return sameFingerprint(stored.fingerprint, input);
}

function over(total: bigint): boolean {
  return total > AMOUNT_MAX;
}

/** The transfer as stored: what was sent, resolved, fingerprinted and timed (built field by field). */
function stored(
  t: TransferInput,
  debitAccountId: string,
  creditAccountId: string,
  amount: bigint,
  currency: string,
  timestamp: Date,
  expiresAt: Date | null,
  state: PendingState | null,
): Transfer {
  return {
    id: t.id,
    debitAccountId,
    creditAccountId,
    amount,
    code: t.code,
    flags: t.flags,
    pendingId: t.pendingId,
    timeoutSeconds: t.timeoutSeconds,
    userData: t.userData,
    fingerprint: fingerprint(t),
    currency,
    timestamp,
    expiresAt,
    state,
  };
}

/** One transfer against the working state: an error code, or the change applied. */
function applyOne(w: Working, t: TransferInput, now: Date): TransferResult {
  // Idempotency first: a retry gets the original outcome whatever else changed since.
  const existing = w.transfers.get(t.id);
  if (existing) {
    if (!sameTransfer(existing, t)) return { status: 'failed', code: 'exists_with_different_fields' };
    const state = w.pendingStates.get(existing.id);
    return {
      status: 'exists',
      transfer: state && state !== existing.state ? { ...existing, state } : existing,
    };
  }
  const failed = w.failures.get(t.id);
  if (failed) {
    return sameFingerprint(failed.fingerprint, t)
      ? { status: 'failed', code: 'id_already_failed', originalCode: failed.code }
      : { status: 'failed', code: 'exists_with_different_fields' };
  }

  if (!Number.isInteger(t.flags) || (t.flags & ~KNOWN_TRANSFER_FLAGS) !== 0) return fail('unknown_flags');
  const kinds = t.flags & (TransferFlag.pending | TransferFlag.postPending | TransferFlag.voidPending);
  if ((kinds & (kinds - 1)) !== 0) return fail('flags_are_mutually_exclusive');
  if (t.amount < 0n || over(t.amount)) return fail('overflows');

  if (isPostOrVoid(t.flags)) return applyPostOrVoid(w, t, now);

  if (t.pendingId !== null) return fail('pending_id_must_be_zero');
  if (!(t.flags & TransferFlag.pending) && t.timeoutSeconds !== 0)
    return fail('timeout_reserved_for_pending_transfer');
  if (t.timeoutSeconds < 0 || !Number.isInteger(t.timeoutSeconds))
    return fail('timeout_reserved_for_pending_transfer');
  if (t.timeoutSeconds > TIMEOUT_MAX) return fail('overflows');
  if (t.amount === 0n) return fail('amount_must_not_be_zero');
  if (t.debitAccountId === t.creditAccountId) return fail('accounts_must_be_different');
  const dr = w.accounts.get(t.debitAccountId);
  if (!dr) return fail('debit_account_not_found');
  const cr = w.accounts.get(t.creditAccountId);
  if (!cr) return fail('credit_account_not_found');
  if (dr.currency !== cr.currency) return fail('accounts_must_have_the_same_currency');
  if (dr.flags & AccountFlag.closed) return fail('debit_account_closed');
  if (cr.flags & AccountFlag.closed) return fail('credit_account_closed');

  const pending = (t.flags & TransferFlag.pending) !== 0;
  const nextDr = pending
    ? withTotals(dr, dr.debitsPending + t.amount, dr.debitsPosted, dr.creditsPending, dr.creditsPosted)
    : withTotals(dr, dr.debitsPending, dr.debitsPosted + t.amount, dr.creditsPending, dr.creditsPosted);
  const nextCr = pending
    ? withTotals(cr, cr.debitsPending, cr.debitsPosted, cr.creditsPending + t.amount, cr.creditsPosted)
    : withTotals(cr, cr.debitsPending, cr.debitsPosted, cr.creditsPending, cr.creditsPosted + t.amount);
  if (
    over(nextDr.debitsPending + nextDr.debitsPosted) ||
    over(nextCr.creditsPending + nextCr.creditsPosted)
  ) {
    return fail('overflows');
  }
  const broken = breaksFlags(nextDr) ?? breaksFlags(nextCr);
  if (broken) return fail(broken);

  const transfer = stored(
    t,
    t.debitAccountId,
    t.creditAccountId,
    t.amount,
    dr.currency,
    now,
    pending && t.timeoutSeconds > 0 ? new Date(now.getTime() + t.timeoutSeconds * 1000) : null,
    pending ? 'pending' : null,
  );
  w.write(nextDr, t.id);
  w.write(nextCr, t.id);
  w.transfers.set(t.id, transfer);
  w.created.push(transfer);
  return { status: 'ok', transfer };
}

function applyPostOrVoid(w: Working, t: TransferInput, now: Date): TransferResult {
  const post = (t.flags & TransferFlag.postPending) !== 0;
  if (t.pendingId === null) return fail('pending_id_required');
  if (t.pendingId === t.id) return fail('pending_id_must_be_different');
  if (t.timeoutSeconds !== 0) return fail('timeout_reserved_for_pending_transfer');
  const p = w.transfers.get(t.pendingId);
  if (!p) return fail('pending_transfer_not_found');
  if (!(p.flags & TransferFlag.pending)) return fail('pending_transfer_not_pending');
  if (
    (t.debitAccountId !== '' && t.debitAccountId !== p.debitAccountId) ||
    (t.creditAccountId !== '' && t.creditAccountId !== p.creditAccountId)
  ) {
    return fail('pending_transfer_has_different_accounts');
  }
  const state = w.pendingStates.get(p.id) ?? p.state;
  if (state === 'posted') return fail('pending_transfer_already_posted');
  if (state === 'voided') return fail('pending_transfer_already_voided');
  if (state === 'expired' || (p.expiresAt !== null && p.expiresAt.getTime() <= now.getTime())) {
    return fail('pending_transfer_expired');
  }
  let amount = p.amount;
  if (post) {
    if (t.amount > p.amount) return fail('exceeds_pending_transfer_amount');
    if (t.amount !== 0n) amount = t.amount;
  } else if (t.amount !== 0n && t.amount !== p.amount) {
    return fail('pending_transfer_has_different_amount');
  }
  const dr = w.accounts.get(p.debitAccountId);
  const cr = w.accounts.get(p.creditAccountId);
  if (!dr) return fail('debit_account_not_found');
  if (!cr) return fail('credit_account_not_found');
  const nextDr = withTotals(
    dr,
    dr.debitsPending - p.amount,
    post ? dr.debitsPosted + amount : dr.debitsPosted,
    dr.creditsPending,
    dr.creditsPosted,
  );
  const nextCr = withTotals(
    cr,
    cr.debitsPending,
    cr.debitsPosted,
    cr.creditsPending - p.amount,
    post ? cr.creditsPosted + amount : cr.creditsPosted,
  );
  const broken = breaksFlags(nextDr) ?? breaksFlags(nextCr);
  if (broken) return fail(broken);
  // Stored with the accounts and amount it resolved to, and the fingerprint of what was sent.
  const transfer = stored(
    t,
    p.debitAccountId,
    p.creditAccountId,
    post ? amount : p.amount,
    p.currency,
    now,
    null,
    null,
  );
  w.write(nextDr, t.id);
  w.write(nextCr, t.id);
  w.pendingStates.set(p.id, post ? 'posted' : 'voided');
  w.transfers.set(t.id, transfer);
  w.created.push(transfer);
  return { status: 'ok', transfer };
}

function fail(code: LedgerErrorCode): TransferResult {
  return { status: 'failed', code };
}

/**
 * Applies a batch in order. A linked chain (transfers flagged `linked`, ending with the
 * first one that is not) succeeds or fails as a whole: on failure its changes are rolled
 * back, the transfer at fault keeps its code and the others get `linked_event_failed`.
 */
export function applyBatch(view: LedgerView, batch: readonly TransferInput[], now: Date): BatchOutcome {
  const w = new Working(view);
  const results: TransferResult[] = new Array(batch.length);
  let i = 0;
  while (i < batch.length) {
    // The chain starting at i ends at the first transfer without the linked flag.
    let end = i;
    while (end < batch.length && isLinked((batch[end] as TransferInput).flags)) end++;
    const open = end === batch.length;
    const last = open ? batch.length - 1 : end;
    const chain = last > i || isLinked((batch[i] as TransferInput).flags);
    if (!chain) {
      const t = batch[i] as TransferInput;
      const r = applyOne(w, t, now);
      results[i] = r;
      if (r.status === 'failed') keepFailure(w, t, r.code);
      i++;
      continue;
    }
    const snap = w.snapshot();
    let faultAt = -1;
    let faultCode: LedgerErrorCode = 'linked_event_chain_open';
    const chainResults: TransferResult[] = [];
    for (let k = i; k <= last; k++) {
      const t = batch[k] as TransferInput;
      const r = open && k === last ? fail('linked_event_chain_open') : applyOne(w, t, now);
      chainResults.push(r);
      if (r.status === 'failed') {
        faultAt = k;
        faultCode = r.code;
        break;
      }
    }
    if (faultAt < 0) {
      for (let k = i; k <= last; k++) results[k] = chainResults[k - i] as TransferResult;
    } else {
      w.restore(snap);
      for (let k = i; k <= last; k++) {
        if (k === faultAt) {
          results[k] = chainResults[k - i] ?? fail(faultCode);
        } else if (open && k === last) {
          results[k] = fail('linked_event_chain_open');
        } else {
          results[k] = fail('linked_event_failed');
        }
      }
      const fault = results[faultAt];
      if (fault?.status === 'failed') keepFailure(w, batch[faultAt] as TransferInput, fault.code);
    }
    i = last + 1;
  }
  return {
    results,
    created: w.created,
    failures: w.newFailures,
    pendingStates: w.pendingStates,
    accounts: changedAccounts(view, w),
    entries: w.entries,
  };
}

function keepFailure(w: Working, t: TransferInput, code: LedgerErrorCode): void {
  if (NOT_KEPT.has(code)) return;
  const failure = { id: t.id, code, fingerprint: fingerprint(t) };
  w.failures.set(t.id, failure);
  w.newFailures.push(failure);
}

function changedAccounts(view: LedgerView, w: Working): Map<string, Account> {
  const out = new Map<string, Account>();
  for (const [id, account] of w.accounts) if (view.accounts.get(id) !== account) out.set(id, account);
  return out;
}

/**
 * Releases holds whose timeout has passed: their pending amounts go back, and they can no
 * longer be posted or voided. `pending` are stored pending transfers due by `now`.
 */
export function expirePending(view: LedgerView, pending: readonly Transfer[], now: Date): BatchOutcome {
  const w = new Working(view);
  for (const p of pending) {
    const state = w.pendingStates.get(p.id) ?? p.state;
    if (state !== 'pending' || p.expiresAt === null || p.expiresAt.getTime() > now.getTime()) continue;
    const dr = w.accounts.get(p.debitAccountId);
    const cr = w.accounts.get(p.creditAccountId);
    if (!dr || !cr) continue;
    w.write(
      withTotals(dr, dr.debitsPending - p.amount, dr.debitsPosted, dr.creditsPending, dr.creditsPosted),
      p.id,
    );
    w.write(
      withTotals(cr, cr.debitsPending, cr.debitsPosted, cr.creditsPending - p.amount, cr.creditsPosted),
      p.id,
    );
    w.pendingStates.set(p.id, 'expired');
  }
  return {
    results: [],
    created: [],
    failures: [],
    pendingStates: w.pendingStates,
    accounts: changedAccounts(view, w),
    entries: w.entries,
  };
}

/** What a wallet may spend now: posted credits less posted and pending debits. */
export function available(a: Account): bigint {
  return a.creditsPosted - a.debitsPosted - a.debitsPending;
}

/** The posted balance of an account whose normal side is credit (a wallet). */
export function creditBalance(a: Account): bigint {
  return a.creditsPosted - a.debitsPosted;
}
