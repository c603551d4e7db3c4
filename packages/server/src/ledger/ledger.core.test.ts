import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Account,
  AccountFlag,
  AMOUNT_MAX,
  applyBatch,
  available,
  type BatchOutcome,
  breaksFlags,
  creditBalance,
  type Entry,
  expirePending,
  type Failure,
  fingerprint,
  type LedgerErrorCode,
  type LedgerView,
  type Transfer,
  TransferFlag,
  type TransferInput,
  type TransferResult,
} from './ledger.core.js';

// ---------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------

const T0 = new Date('2026-11-25T08:00:00.000Z');
/** The instant `seconds` after T0. */
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

const WALLET = 'wallet'; // a user's wallet: debitsMustNotExceedCredits
const WALLET2 = 'wallet2'; // another user's wallet
const BANK = 'bank'; // settlement account: no flags, may go anywhere
const SINK = 'sink'; // no flags either: somewhere to pile up totals
const CAP = 'cap'; // creditsMustNotExceedDebits
const USD = 'usd'; // another currency, no flags
const USD_WALLET = 'usd_wallet'; // a wallet in that currency
const CLOSED = 'closed'; // closed
const GHOST = 'ghost'; // in no view

function newAccount(id: string, currency: string, flags: number): Account {
  return {
    id,
    currency,
    code: 'test',
    flags,
    debitsPending: 0n,
    debitsPosted: 0n,
    creditsPending: 0n,
    creditsPosted: 0n,
    version: 0n,
  };
}

const ACCOUNTS: readonly Account[] = [
  newAccount(WALLET, 'CNY', AccountFlag.debitsMustNotExceedCredits),
  newAccount(WALLET2, 'CNY', AccountFlag.debitsMustNotExceedCredits),
  newAccount(BANK, 'CNY', 0),
  newAccount(SINK, 'CNY', 0),
  newAccount(CAP, 'CNY', AccountFlag.creditsMustNotExceedDebits),
  newAccount(USD, 'USD', 0),
  newAccount(USD_WALLET, 'USD', AccountFlag.debitsMustNotExceedCredits),
  newAccount(CLOSED, 'CNY', AccountFlag.closed),
];

function transfer(
  id: string,
  debit: string,
  credit: string,
  amount: bigint,
  extra: Partial<TransferInput> = {},
): TransferInput {
  return {
    id,
    debitAccountId: debit,
    creditAccountId: credit,
    amount,
    code: 'test',
    flags: 0,
    pendingId: null,
    timeoutSeconds: 0,
    userData: null,
    ...extra,
  };
}

function hold(
  id: string,
  debit: string,
  credit: string,
  amount: bigint,
  timeoutSeconds = 0,
  extra: Partial<TransferInput> = {},
): TransferInput {
  return transfer(id, debit, credit, amount, { flags: TransferFlag.pending, timeoutSeconds, ...extra });
}

function post(
  id: string,
  pendingId: string | null,
  amount = 0n,
  extra: Partial<TransferInput> = {},
): TransferInput {
  return transfer(id, '', '', amount, { flags: TransferFlag.postPending, pendingId, ...extra });
}

function voidHold(
  id: string,
  pendingId: string | null,
  amount = 0n,
  extra: Partial<TransferInput> = {},
): TransferInput {
  return transfer(id, '', '', amount, { flags: TransferFlag.voidPending, pendingId, ...extra });
}

function linked(t: TransferInput): TransferInput {
  return { ...t, flags: t.flags | TransferFlag.linked };
}

/** Failures that say nothing about the id itself and so are not kept (mirrors the core). */
const NOT_KEPT: ReadonlySet<LedgerErrorCode> = new Set<LedgerErrorCode>([
  'linked_event_failed',
  'linked_event_chain_open',
  'exists_with_different_fields',
  'id_already_failed',
]);

/** A result in one word: `ok`, `exists`, a code, or `id_already_failed<original code>`. */
function outcomeOf(r: TransferResult | undefined): string {
  if (r === undefined) return 'MISSING';
  if (r.status !== 'failed') return r.status;
  return r.originalCode === undefined ? r.code : `${r.code}<${r.originalCode}>`;
}

/** One word per input, holes included (a hole reads MISSING). */
function codes(out: BatchOutcome): string[] {
  return Array.from(out.results, outcomeOf);
}

function totals(a: Account) {
  return { dp: a.debitsPending, dpo: a.debitsPosted, cp: a.creditsPending, cpo: a.creditsPosted };
}

function okTransfer(r: TransferResult | undefined): Transfer {
  if (r?.status !== 'ok' && r?.status !== 'exists')
    throw new Error(`expected a transfer, got ${outcomeOf(r)}`);
  return r.transfer;
}

function invariant(condition: boolean, message: () => string): asserts condition {
  if (!condition) throw new Error(message());
}

// ---------------------------------------------------------------------------------------------
// The simulator: a tiny in-memory store that carries the view from one batch to the next,
// exactly as the writer does with Postgres: accounts merged with outcome.accounts, transfers
// plus outcome.created with pending states from outcome.pendingStates, failures appended.
// Everything stored is frozen, so a core that mutated its input would throw.
// ---------------------------------------------------------------------------------------------

class LedgerSim {
  readonly accounts = new Map<string, Account>();
  readonly transfers = new Map<string, Transfer>();
  readonly failures = new Map<string, Failure>();
  readonly entries: Entry[] = [];
  now: Date;

  constructor(accounts: readonly Account[] = ACCOUNTS, now: Date = T0) {
    for (const a of accounts) this.accounts.set(a.id, Object.freeze({ ...a }));
    this.now = now;
  }

  /** Wallets funded from the bank, the cap account debited, the USD wallet funded: one batch. */
  static funded(amount = 100n, now: Date = T0): LedgerSim {
    const sim = new LedgerSim(ACCOUNTS, now);
    const out = sim.submit([
      transfer('fund-wallet', BANK, WALLET, amount),
      transfer('fund-wallet2', BANK, WALLET2, amount),
      transfer('fund-cap', CAP, BANK, amount),
      transfer('fund-usd', USD, USD_WALLET, amount),
    ]);
    invariant(
      out.results.every((r) => r.status === 'ok'),
      () => 'funding failed',
    );
    return sim;
  }

  clone(): LedgerSim {
    const copy = new LedgerSim([], this.now);
    for (const [id, a] of this.accounts) copy.accounts.set(id, a);
    for (const [id, t] of this.transfers) copy.transfers.set(id, t);
    for (const [id, f] of this.failures) copy.failures.set(id, f);
    copy.entries.push(...this.entries);
    return copy;
  }

  view(): LedgerView {
    return {
      accounts: new Map(this.accounts),
      transfers: new Map(this.transfers),
      failures: new Map(this.failures),
    };
  }

  submit(batch: readonly TransferInput[], now: Date = this.now): BatchOutcome {
    const view = this.view();
    const out = applyBatch(view, batch, now);
    this.expectViewUntouched(view);
    this.absorb(out, now);
    return out;
  }

  /** Runs expirePending over every stored hold still pending (the core picks the due ones). */
  expire(now: Date = this.now, due: readonly Transfer[] = this.holdsStillPending()): BatchOutcome {
    const view = this.view();
    const out = expirePending(view, due, now);
    this.expectViewUntouched(view);
    this.absorb(out, now);
    return out;
  }

  absorb(out: BatchOutcome, now: Date): void {
    for (const [id, a] of out.accounts) this.accounts.set(id, Object.freeze(a));
    for (const t of out.created) {
      invariant(!this.transfers.has(t.id), () => `transfer ${t.id} created twice`);
      this.transfers.set(t.id, Object.freeze(t));
    }
    for (const [id, state] of out.pendingStates) {
      const t = this.transfers.get(id);
      invariant(t !== undefined, () => `pending state for unknown transfer ${id}`);
      invariant(t.state === 'pending', () => `hold ${id} went from ${t.state} to ${state}`);
      this.transfers.set(id, Object.freeze({ ...t, state }));
    }
    for (const f of out.failures) {
      invariant(!this.failures.has(f.id), () => `failure ${f.id} kept twice`);
      this.failures.set(f.id, Object.freeze(f));
    }
    this.entries.push(...out.entries);
    this.now = now;
  }

  get(id: string): Account {
    const a = this.accounts.get(id);
    if (!a) throw new Error(`no account ${id}`);
    return a;
  }

  totals(id: string) {
    return totals(this.get(id));
  }

  transfer(id: string): Transfer {
    const t = this.transfers.get(id);
    if (!t) throw new Error(`no transfer ${id}`);
    return t;
  }

  holdsStillPending(): Transfer[] {
    return [...this.transfers.values()].filter((t) => t.state === 'pending');
  }

  /** Every account's totals and version: equal snapshots mean nothing moved. */
  balances(): Record<string, ReturnType<typeof totals> & { version: bigint }> {
    const out: Record<string, ReturnType<typeof totals> & { version: bigint }> = {};
    for (const [id, a] of [...this.accounts].sort(([x], [y]) => (x < y ? -1 : 1))) {
      out[id] = { ...totals(a), version: a.version };
    }
    return out;
  }

  private expectViewUntouched(view: LedgerView): void {
    const same = <K, V>(a: ReadonlyMap<K, V>, b: ReadonlyMap<K, V>) =>
      a.size === b.size && [...a].every(([k, v]) => b.get(k) === v);
    invariant(
      same(view.accounts, this.accounts) &&
        same(view.transfers, this.transfers) &&
        same(view.failures, this.failures),
      () => 'the core modified its view',
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Examples
// ---------------------------------------------------------------------------------------------

describe('applyBatch: plain transfers', () => {
  it('moves posted totals on both sides, writes one versioned entry per account, stores the transfer', () => {
    const sim = new LedgerSim();
    const input = transfer('t1', BANK, WALLET, 100n, { userData: 'topup:1' });
    const out = sim.submit([input]);
    expect(codes(out)).toEqual(['ok']);
    expect(out.created).toEqual([
      {
        ...input,
        fingerprint: fingerprint(input),
        currency: 'CNY',
        timestamp: T0,
        expiresAt: null,
        state: null,
      },
    ]);
    expect(fingerprint(input)).not.toBe(fingerprint({ ...input, userData: 'topup:2' }));
    expect(okTransfer(out.results[0])).toBe(out.created[0]);
    expect(out.entries).toEqual([
      {
        accountId: BANK,
        version: 1n,
        transferId: 't1',
        debitsPending: 0n,
        debitsPosted: 100n,
        creditsPending: 0n,
        creditsPosted: 0n,
      },
      {
        accountId: WALLET,
        version: 1n,
        transferId: 't1',
        debitsPending: 0n,
        debitsPosted: 0n,
        creditsPending: 0n,
        creditsPosted: 100n,
      },
    ]);
    expect([...out.accounts.keys()].sort()).toEqual([BANK, WALLET]);
    expect(out.failures).toEqual([]);
    expect(out.pendingStates.size).toBe(0);
    expect(sim.get(WALLET).version).toBe(1n);
    expect(creditBalance(sim.get(WALLET))).toBe(100n);
    expect(available(sim.get(WALLET))).toBe(100n);
  });

  it('lets a wallet spend exactly what it holds and not one unit more', () => {
    const sim = LedgerSim.funded(100n);
    const batch = [
      transfer('a', WALLET, WALLET2, 101n),
      transfer('b', WALLET, WALLET2, 100n),
      transfer('c', WALLET, WALLET2, 1n),
    ];
    const out = sim.submit(batch);
    expect(codes(out)).toEqual(['exceeds_credits', 'ok', 'exceeds_credits']);
    expect(out.failures).toEqual([
      { id: 'a', code: 'exceeds_credits', fingerprint: fingerprint(batch[0]!) },
      { id: 'c', code: 'exceeds_credits', fingerprint: fingerprint(batch[2]!) },
    ]);
    expect(out.created.map((t) => t.id)).toEqual(['b']);
    expect(out.entries).toHaveLength(2);
    expect(sim.totals(WALLET)).toEqual({ dp: 0n, dpo: 100n, cp: 0n, cpo: 100n });
    expect(available(sim.get(WALLET))).toBe(0n);
    expect(creditBalance(sim.get(WALLET2))).toBe(200n);
  });

  it('counts pending debits against a wallet, but not pending credits', () => {
    const sim = LedgerSim.funded(100n);
    expect(codes(sim.submit([hold('h', WALLET, BANK, 60n)]))).toEqual(['ok']);
    expect(available(sim.get(WALLET))).toBe(40n);
    expect(creditBalance(sim.get(WALLET))).toBe(100n);
    expect(
      codes(sim.submit([transfer('x', WALLET, WALLET2, 41n), transfer('y', WALLET, WALLET2, 40n)])),
    ).toEqual(['exceeds_credits', 'ok']);
    // A hold in the wallet's favour is not money it can spend yet.
    expect(codes(sim.submit([hold('in', BANK, WALLET, 500n), transfer('z', WALLET, WALLET2, 1n)]))).toEqual([
      'ok',
      'exceeds_credits',
    ]);
    expect(sim.totals(WALLET)).toEqual({ dp: 60n, dpo: 40n, cp: 500n, cpo: 100n });
  });

  it('keeps a creditsMustNotExceedDebits account from being credited beyond its debits, holds included', () => {
    const sim = new LedgerSim();
    expect(codes(sim.submit([transfer('c1', BANK, CAP, 1n)]))).toEqual(['exceeds_debits']);
    expect(codes(sim.submit([transfer('d1', CAP, BANK, 50n)]))).toEqual(['ok']);
    const out = sim.submit([
      hold('h', BANK, CAP, 30n),
      transfer('c2', BANK, CAP, 21n),
      transfer('c3', BANK, CAP, 20n),
      transfer('c4', BANK, CAP, 1n),
    ]);
    expect(codes(out)).toEqual(['ok', 'exceeds_debits', 'ok', 'exceeds_debits']);
    expect(sim.totals(CAP)).toEqual({ dp: 0n, dpo: 50n, cp: 30n, cpo: 20n });
  });

  it('may leave an unflagged account with more debits than credits', () => {
    const sim = new LedgerSim();
    expect(codes(sim.submit([transfer('t', BANK, WALLET, 1_000n)]))).toEqual(['ok']);
    expect(sim.totals(BANK)).toEqual({ dp: 0n, dpo: 1_000n, cp: 0n, cpo: 0n });
    expect(creditBalance(sim.get(BANK))).toBe(-1_000n);
  });

  // Each: what is sent (after a funded wallet and a pending hold `h` of 40 from it), the code.
  const rejected: [string, TransferInput, LedgerErrorCode][] = [
    ['an unknown flag bit', transfer('x', BANK, WALLET, 1n, { flags: 16 }), 'unknown_flags'],
    // (Values without the linked bit: 1.5 or -1 would make an open chain of one; see linked chains.)
    ['fractional flags', transfer('x', BANK, WALLET, 1n, { flags: 2.5 }), 'unknown_flags'],
    ['negative flags', transfer('x', BANK, WALLET, 1n, { flags: -2 }), 'unknown_flags'],
    [
      'pending and post',
      hold('x', BANK, WALLET, 1n, 0, { flags: TransferFlag.pending | TransferFlag.postPending }),
      'flags_are_mutually_exclusive',
    ],
    [
      'pending and void',
      hold('x', BANK, WALLET, 1n, 0, { flags: TransferFlag.pending | TransferFlag.voidPending }),
      'flags_are_mutually_exclusive',
    ],
    [
      'post and void',
      post('x', 'h', 0n, { flags: TransferFlag.postPending | TransferFlag.voidPending }),
      'flags_are_mutually_exclusive',
    ],
    ['a negative amount', transfer('x', BANK, WALLET, -1n), 'overflows'],
    ['an amount beyond int8', transfer('x', BANK, WALLET, AMOUNT_MAX + 1n), 'overflows'],
    ['a post of a negative amount', post('x', 'h', -1n), 'overflows'],
    [
      'a pending id on a plain transfer',
      transfer('x', BANK, WALLET, 1n, { pendingId: 'h' }),
      'pending_id_must_be_zero',
    ],
    ['a pending id on a hold', hold('x', BANK, WALLET, 1n, 0, { pendingId: 'h' }), 'pending_id_must_be_zero'],
    [
      'a timeout on a plain transfer',
      transfer('x', BANK, WALLET, 1n, { timeoutSeconds: 5 }),
      'timeout_reserved_for_pending_transfer',
    ],
    [
      'a negative timeout on a hold',
      hold('x', BANK, WALLET, 1n, -1),
      'timeout_reserved_for_pending_transfer',
    ],
    [
      'a fractional timeout on a hold',
      hold('x', BANK, WALLET, 1n, 1.5),
      'timeout_reserved_for_pending_transfer',
    ],
    [
      'a timeout on a post',
      post('x', 'h', 0n, { timeoutSeconds: 5 }),
      'timeout_reserved_for_pending_transfer',
    ],
    [
      'a timeout on a void',
      voidHold('x', 'h', 0n, { timeoutSeconds: 5 }),
      'timeout_reserved_for_pending_transfer',
    ],
    ['a zero amount', transfer('x', BANK, WALLET, 0n), 'amount_must_not_be_zero'],
    ['a zero hold', hold('x', BANK, WALLET, 0n), 'amount_must_not_be_zero'],
    ['the same account on both sides', transfer('x', BANK, BANK, 1n), 'accounts_must_be_different'],
    ['an unknown debit account', transfer('x', GHOST, WALLET, 1n), 'debit_account_not_found'],
    ['an unknown credit account', transfer('x', BANK, GHOST, 1n), 'credit_account_not_found'],
    ['two unknown accounts', transfer('x', GHOST, 'ghost2', 1n), 'debit_account_not_found'],
    ['an empty debit account', transfer('x', '', WALLET, 1n), 'debit_account_not_found'],
    ['accounts in two currencies', transfer('x', BANK, USD, 1n), 'accounts_must_have_the_same_currency'],
    ['a closed debit account', transfer('x', CLOSED, BANK, 1n), 'debit_account_closed'],
    ['a closed credit account', transfer('x', BANK, CLOSED, 1n), 'credit_account_closed'],
    ['a hold on a closed account', hold('x', BANK, CLOSED, 1n), 'credit_account_closed'],
    ['a post without a pending id', post('x', null), 'pending_id_required'],
    ['a void without a pending id', voidHold('x', null), 'pending_id_required'],
    ['a post of itself', post('x', 'x'), 'pending_id_must_be_different'],
    ['a post of an unknown hold', post('x', 'nope'), 'pending_transfer_not_found'],
    ['a void of an unknown hold', voidHold('x', 'nope'), 'pending_transfer_not_found'],
    ['a post of a plain transfer', post('x', 'fund-wallet'), 'pending_transfer_not_pending'],
    ['a void of a plain transfer', voidHold('x', 'fund-wallet'), 'pending_transfer_not_pending'],
    ['a post of more than the hold', post('x', 'h', 41n), 'exceeds_pending_transfer_amount'],
    ['a post of far more than the hold', post('x', 'h', AMOUNT_MAX), 'exceeds_pending_transfer_amount'],
    ['a void of less than the hold', voidHold('x', 'h', 39n), 'pending_transfer_has_different_amount'],
    ['a void of more than the hold', voidHold('x', 'h', 41n), 'pending_transfer_has_different_amount'],
    [
      'a post naming another debit account',
      post('x', 'h', 0n, { debitAccountId: WALLET2 }),
      'pending_transfer_has_different_accounts',
    ],
    [
      'a post naming another credit account',
      post('x', 'h', 0n, { creditAccountId: WALLET2 }),
      'pending_transfer_has_different_accounts',
    ],
    [
      'a void naming the accounts swapped',
      voidHold('x', 'h', 0n, { debitAccountId: BANK, creditAccountId: WALLET }),
      'pending_transfer_has_different_accounts',
    ],
    ['a spend beyond what the wallet holds', transfer('x', WALLET, WALLET2, 61n), 'exceeds_credits'],
    ['a hold beyond what the wallet holds', hold('x', WALLET, WALLET2, 61n), 'exceeds_credits'],
    ['a credit beyond what the cap account was debited', transfer('x', BANK, CAP, 101n), 'exceeds_debits'],
  ];

  it.each(rejected)('rejects %s, changes nothing and keeps the failure', (_, input, code) => {
    const sim = LedgerSim.funded(100n);
    sim.submit([hold('h', WALLET, BANK, 40n)]);
    const before = sim.balances();
    const out = sim.submit([input]);
    expect(codes(out)).toEqual([code]);
    expect(out.created).toEqual([]);
    expect(out.entries).toEqual([]);
    expect(out.accounts.size).toBe(0);
    expect(out.pendingStates.size).toBe(0);
    expect(out.failures).toEqual([{ id: input.id, code, fingerprint: fingerprint(input) }]);
    expect(sim.balances()).toEqual(before);
    expect(sim.transfer('h').state).toBe('pending');
  });

  it('checks in a fixed order: flags, amount, pending id, timeout, zero, sameness, existence, currency, closure', () => {
    const sim = new LedgerSim();
    const one = (t: TransferInput) => codes(sim.submit([t]))[0];
    expect(one(transfer('a', GHOST, GHOST, -5n, { flags: 32, timeoutSeconds: 3 }))).toBe('unknown_flags');
    expect(one(transfer('b', GHOST, GHOST, -5n, { flags: 2 | 4, pendingId: 'p' }))).toBe(
      'flags_are_mutually_exclusive',
    );
    expect(one(transfer('c', GHOST, GHOST, -5n, { pendingId: 'p' }))).toBe('overflows');
    expect(one(transfer('d', GHOST, GHOST, 0n, { pendingId: 'p', timeoutSeconds: 3 }))).toBe(
      'pending_id_must_be_zero',
    );
    expect(one(transfer('e', GHOST, GHOST, 0n, { timeoutSeconds: 3 }))).toBe(
      'timeout_reserved_for_pending_transfer',
    );
    expect(one(transfer('f', GHOST, GHOST, 0n))).toBe('amount_must_not_be_zero');
    expect(one(transfer('g', GHOST, GHOST, 1n))).toBe('accounts_must_be_different');
    expect(one(transfer('h', CLOSED, USD, 1n))).toBe('accounts_must_have_the_same_currency');
    expect(one(transfer('i', CLOSED, CLOSED, 1n))).toBe('accounts_must_be_different');
    expect(one(transfer('j', CLOSED, CAP, 1n))).toBe('debit_account_closed');
    // For posts: pending id, timeout, then the hold.
    expect(one(post('k', null, 0n, { timeoutSeconds: 1 }))).toBe('pending_id_required');
    expect(one(post('l', 'nope', 0n, { timeoutSeconds: 1 }))).toBe('timeout_reserved_for_pending_transfer');
  });
});

describe('applyBatch: two-phase transfers', () => {
  function withHold(amount = 30n, timeoutSeconds = 0): LedgerSim {
    const sim = LedgerSim.funded(100n);
    expect(codes(sim.submit([hold('h', WALLET, WALLET2, amount, timeoutSeconds)]))).toEqual(['ok']);
    return sim;
  }

  it('a hold moves pending totals only, and is stored pending with its expiry', () => {
    const sim = LedgerSim.funded(100n);
    const out = sim.submit([hold('h', WALLET, WALLET2, 30n, 60), hold('h0', WALLET, WALLET2, 10n)]);
    expect(codes(out)).toEqual(['ok', 'ok']);
    expect(out.created[0]).toMatchObject({ state: 'pending', expiresAt: at(60), timestamp: T0, amount: 30n });
    expect(out.created[1]).toMatchObject({ state: 'pending', expiresAt: null });
    expect(out.pendingStates.size).toBe(0);
    expect(sim.totals(WALLET)).toEqual({ dp: 40n, dpo: 0n, cp: 0n, cpo: 100n });
    expect(sim.totals(WALLET2)).toEqual({ dp: 0n, dpo: 0n, cp: 40n, cpo: 100n });
    expect(available(sim.get(WALLET))).toBe(60n);
    expect(creditBalance(sim.get(WALLET))).toBe(100n);
  });

  it('a post of amount 0 posts the whole hold', () => {
    const sim = withHold(30n);
    const input = post('p', 'h');
    const out = sim.submit([input]);
    expect(codes(out)).toEqual(['ok']);
    // Stored with the hold's accounts and amount, and the fingerprint of what was sent.
    expect(out.created).toEqual([
      {
        ...input,
        debitAccountId: WALLET,
        creditAccountId: WALLET2,
        amount: 30n,
        fingerprint: fingerprint(input),
        currency: 'CNY',
        timestamp: T0,
        expiresAt: null,
        state: null,
      },
    ]);
    expect(out.pendingStates).toEqual(new Map([['h', 'posted']]));
    expect(out.entries.map((e) => [e.accountId, e.version, e.transferId])).toEqual([
      [WALLET, 3n, 'p'],
      [WALLET2, 3n, 'p'],
    ]);
    expect(sim.transfer('h').state).toBe('posted');
    expect(sim.totals(WALLET)).toEqual({ dp: 0n, dpo: 30n, cp: 0n, cpo: 100n });
    expect(sim.totals(WALLET2)).toEqual({ dp: 0n, dpo: 0n, cp: 0n, cpo: 130n });
  });

  it('a post may name the hold’s accounts and its exact amount', () => {
    const sim = withHold(30n);
    const out = sim.submit([post('p', 'h', 30n, { debitAccountId: WALLET, creditAccountId: WALLET2 })]);
    expect(codes(out)).toEqual(['ok']);
    expect(okTransfer(out.results[0]).amount).toBe(30n);
    expect(sim.totals(WALLET)).toEqual({ dp: 0n, dpo: 30n, cp: 0n, cpo: 100n });
  });

  it('a partial post posts part and releases the rest', () => {
    const sim = withHold(100n);
    expect(available(sim.get(WALLET))).toBe(0n);
    const out = sim.submit([post('p', 'h', 30n, { debitAccountId: WALLET })]);
    expect(codes(out)).toEqual(['ok']);
    expect(okTransfer(out.results[0])).toMatchObject({
      amount: 30n,
      debitAccountId: WALLET,
      creditAccountId: WALLET2,
    });
    expect(sim.totals(WALLET)).toEqual({ dp: 0n, dpo: 30n, cp: 0n, cpo: 100n });
    expect(sim.totals(WALLET2)).toEqual({ dp: 0n, dpo: 0n, cp: 0n, cpo: 130n });
    expect(available(sim.get(WALLET))).toBe(70n);
    expect(sim.transfer('h').state).toBe('posted');
    // The rest is released for good: the hold cannot be posted again.
    expect(codes(sim.submit([post('p2', 'h', 70n)]))).toEqual(['pending_transfer_already_posted']);
  });

  it('a post of more than the hold fails and leaves the hold pending', () => {
    const sim = withHold(30n);
    expect(codes(sim.submit([post('p', 'h', 31n)]))).toEqual(['exceeds_pending_transfer_amount']);
    expect(sim.transfer('h').state).toBe('pending');
    expect(codes(sim.submit([post('p2', 'h', 30n)]))).toEqual(['ok']);
  });

  it('a void releases the hold, with amount 0 or the hold’s own amount', () => {
    for (const amount of [0n, 30n]) {
      const sim = withHold(30n);
      const out = sim.submit([voidHold('v', 'h', amount)]);
      expect(codes(out)).toEqual(['ok']);
      expect(okTransfer(out.results[0])).toMatchObject({
        debitAccountId: WALLET,
        creditAccountId: WALLET2,
        amount: 30n,
        state: null,
      });
      expect(out.pendingStates).toEqual(new Map([['h', 'voided']]));
      expect(sim.transfer('h').state).toBe('voided');
      expect(sim.totals(WALLET)).toEqual({ dp: 0n, dpo: 0n, cp: 0n, cpo: 100n });
      expect(sim.totals(WALLET2)).toEqual({ dp: 0n, dpo: 0n, cp: 0n, cpo: 100n });
      expect(sim.get(WALLET).version).toBe(3n);
    }
  });

  it('a hold is settled once: posted or voided, never both, never twice', () => {
    const posted = withHold(30n);
    expect(codes(posted.submit([post('p', 'h', 10n)]))).toEqual(['ok']);
    expect(codes(posted.submit([post('p2', 'h'), voidHold('v', 'h')]))).toEqual([
      'pending_transfer_already_posted',
      'pending_transfer_already_posted',
    ]);
    const voided = withHold(30n);
    expect(codes(voided.submit([voidHold('v', 'h'), post('p', 'h'), voidHold('v2', 'h')]))).toEqual([
      'ok',
      'pending_transfer_already_voided',
      'pending_transfer_already_voided',
    ]);
    expect(voided.totals(WALLET)).toEqual({ dp: 0n, dpo: 0n, cp: 0n, cpo: 100n });
  });

  it('a hold may be created and settled in the same batch', () => {
    const sim = LedgerSim.funded(100n);
    const out = sim.submit([
      hold('h', WALLET, BANK, 50n, 60),
      post('p', 'h', 20n),
      hold('h2', WALLET, BANK, 80n),
    ]);
    expect(codes(out)).toEqual(['ok', 'ok', 'ok']);
    expect(out.pendingStates).toEqual(new Map([['h', 'posted']]));
    expect(out.created.map((t) => [t.id, t.state])).toEqual([
      ['h', 'pending'],
      ['p', null],
      ['h2', 'pending'],
    ]);
    expect(sim.transfer('h').state).toBe('posted');
    expect(sim.totals(WALLET)).toEqual({ dp: 80n, dpo: 20n, cp: 0n, cpo: 100n });
  });

  it('a post or void needs the hold’s accounts in the view', () => {
    const sim = withHold(30n);
    for (const [missing, code] of [
      [WALLET, 'debit_account_not_found'],
      [WALLET2, 'credit_account_not_found'],
    ] as const) {
      const view = sim.view();
      (view.accounts as Map<string, Account>).delete(missing);
      const out = applyBatch(view, [post('p', 'h'), voidHold('v', 'h')], T0);
      expect(codes(out)).toEqual([code, code]);
      expect(out.entries).toEqual([]);
    }
  });
});

describe('expiry', () => {
  function withHold(timeoutSeconds: number): LedgerSim {
    const sim = LedgerSim.funded(100n);
    expect(codes(sim.submit([hold('h', WALLET, WALLET2, 30n, timeoutSeconds)]))).toEqual(['ok']);
    return sim;
  }

  it('expirePending releases a hold once its expiry is reached, with one entry per account', () => {
    const sim = withHold(60);
    const early = sim.expire(new Date(at(60).getTime() - 1));
    expect(early).toEqual({
      results: [],
      created: [],
      failures: [],
      pendingStates: new Map(),
      accounts: new Map(),
      entries: [],
    });
    const out = sim.expire(at(60));
    expect(out.results).toEqual([]);
    expect(out.created).toEqual([]);
    expect(out.pendingStates).toEqual(new Map([['h', 'expired']]));
    expect(out.entries).toEqual([
      {
        accountId: WALLET,
        version: 3n,
        transferId: 'h',
        debitsPending: 0n,
        debitsPosted: 0n,
        creditsPending: 0n,
        creditsPosted: 100n,
      },
      {
        accountId: WALLET2,
        version: 3n,
        transferId: 'h',
        debitsPending: 0n,
        debitsPosted: 0n,
        creditsPending: 0n,
        creditsPosted: 100n,
      },
    ]);
    expect(sim.transfer('h').state).toBe('expired');
    expect(available(sim.get(WALLET))).toBe(100n);
    // Later passes leave it alone.
    expect(sim.expire(at(600)).entries).toEqual([]);
    // And it can be neither posted nor voided any more.
    expect(codes(sim.submit([post('p', 'h'), voidHold('v', 'h')], at(600)))).toEqual([
      'pending_transfer_expired',
      'pending_transfer_expired',
    ]);
  });

  it('expires a hold listed twice only once', () => {
    const sim = withHold(1);
    const h = sim.transfer('h');
    const out = expirePending(sim.view(), [h, h], at(5));
    expect(out.entries).toHaveLength(2);
    expect(out.accounts.get(WALLET)?.debitsPending).toBe(0n);
  });

  it('leaves holds without timeout, and holds already posted or voided, alone', () => {
    const sim = LedgerSim.funded(100n);
    sim.submit([
      hold('forever', WALLET, BANK, 10n, 0),
      hold('posted', WALLET, BANK, 10n, 5),
      hold('voided', WALLET, BANK, 10n, 5),
      post('p', 'posted'),
      voidHold('v', 'voided'),
    ]);
    const before = sim.balances();
    const out = sim.expire(at(86_400 * 365), [...sim.transfers.values()]);
    expect(out.entries).toEqual([]);
    expect(out.pendingStates.size).toBe(0);
    expect(sim.balances()).toEqual(before);
    expect(sim.transfer('forever').state).toBe('pending');
  });

  it('refuses to post or void a hold at or after its expiry, even before expirePending released it', () => {
    const sim = withHold(60);
    const out = sim.submit([post('p', 'h'), voidHold('v', 'h')], at(60));
    expect(codes(out)).toEqual(['pending_transfer_expired', 'pending_transfer_expired']);
    expect(out.failures.map((f) => [f.id, f.code])).toEqual([
      ['p', 'pending_transfer_expired'],
      ['v', 'pending_transfer_expired'],
    ]);
    // Still held until the expiry pass runs.
    expect(sim.transfer('h').state).toBe('pending');
    expect(sim.totals(WALLET)).toEqual({ dp: 30n, dpo: 0n, cp: 0n, cpo: 100n });
    sim.expire(at(61));
    expect(sim.totals(WALLET)).toEqual({ dp: 0n, dpo: 0n, cp: 0n, cpo: 100n });
    // A retry of the failed post keeps its original code.
    expect(codes(sim.submit([post('p', 'h')], at(62)))).toEqual([
      'id_already_failed<pending_transfer_expired>',
    ]);
  });

  it('posts a hold up to the last millisecond before its expiry, and the expiry pass then skips it', () => {
    const sim = withHold(60);
    expect(codes(sim.submit([post('p', 'h')], new Date(at(60).getTime() - 1)))).toEqual(['ok']);
    expect(sim.expire(at(120)).entries).toEqual([]);
    expect(sim.totals(WALLET)).toEqual({ dp: 0n, dpo: 30n, cp: 0n, cpo: 100n });
  });
});

describe('overflow', () => {
  it('a total may reach AMOUNT_MAX but not pass it, on either side, holds included', () => {
    const sim = new LedgerSim();
    expect(
      codes(sim.submit([transfer('a', BANK, SINK, AMOUNT_MAX - 1n), transfer('b', BANK, SINK, 1n)])),
    ).toEqual(['ok', 'ok']);
    expect(sim.totals(BANK).dpo).toBe(AMOUNT_MAX);
    expect(sim.totals(SINK).cpo).toBe(AMOUNT_MAX);
    expect(sim.get(BANK).version).toBe(2n);
    const before = sim.balances();
    const out = sim.submit([
      transfer('c', BANK, WALLET, 1n), // debit side of the bank
      transfer('d', CAP, SINK, 1n), // credit side of the sink (cap may be debited freely)
      hold('e', BANK, WALLET, 1n), // pending debits count with posted ones
      hold('f', CAP, SINK, 1n), // so do pending credits
    ]);
    expect(codes(out)).toEqual(['overflows', 'overflows', 'overflows', 'overflows']);
    expect(sim.balances()).toEqual(before);
    // The other sides still take money.
    expect(codes(sim.submit([transfer('g', SINK, BANK, 5n)]))).toEqual(['ok']);
  });

  it('a hold of AMOUNT_MAX fills the pending side', () => {
    const sim = new LedgerSim();
    const out = sim.submit([
      hold('h', BANK, SINK, AMOUNT_MAX),
      transfer('t', BANK, WALLET, 1n),
      voidHold('v', 'h'),
    ]);
    expect(codes(out)).toEqual(['ok', 'overflows', 'ok']);
    expect(codes(sim.submit([transfer('t2', BANK, WALLET, AMOUNT_MAX)]))).toEqual(['ok']);
  });
});

describe('linked chains', () => {
  it('a chain that succeeds applies all its transfers, seeing its own earlier effects', () => {
    const sim = new LedgerSim();
    const out = sim.submit([
      linked(transfer('a', BANK, WALLET, 100n)),
      linked(transfer('b', WALLET, WALLET2, 60n)),
      hold('c', WALLET, WALLET2, 40n),
    ]);
    expect(codes(out)).toEqual(['ok', 'ok', 'ok']);
    expect(out.entries).toHaveLength(6);
    expect(sim.totals(WALLET)).toEqual({ dp: 40n, dpo: 60n, cp: 0n, cpo: 100n });
    expect(sim.get(WALLET).version).toBe(3n);
    expect(available(sim.get(WALLET))).toBe(0n);
  });

  it('a failure in the middle rolls back the chain; the fault keeps its code, the others do not', () => {
    const sim = LedgerSim.funded(100n);
    sim.submit([hold('h0', WALLET, BANK, 10n)]);
    const before = sim.balances();
    const chain = [
      linked(transfer('a', WALLET, WALLET2, 50n)),
      linked(post('b', 'h0')),
      linked(transfer('c', WALLET, WALLET2, 41n)), // 100 - 50 - 10 = 40 left: the fault
      linked(transfer('d', BANK, WALLET, 1n)),
      transfer('e', BANK, WALLET2, 1n),
    ];
    const out = sim.submit([transfer('before', BANK, SINK, 7n), ...chain, transfer('after', BANK, SINK, 8n)]);
    expect(codes(out)).toEqual([
      'ok',
      'linked_event_failed',
      'linked_event_failed',
      'exceeds_credits',
      'linked_event_failed',
      'linked_event_failed',
      'ok',
    ]);
    expect(out.created.map((t) => t.id)).toEqual(['before', 'after']);
    expect(out.entries.map((e) => e.transferId)).toEqual(['before', 'before', 'after', 'after']);
    expect(out.pendingStates.size).toBe(0); // the post of h0 was rolled back too
    expect(out.failures).toEqual([{ id: 'c', code: 'exceeds_credits', fingerprint: fingerprint(chain[2]!) }]);
    expect(sim.transfer('h0').state).toBe('pending');
    for (const id of [WALLET, WALLET2]) expect(sim.balances()[id]).toEqual(before[id]);
    // The ids that were not at fault are free: the chain without the fault goes through.
    const again = sim.submit([chain[0]!, chain[1]!, chain[3]!, chain[4]!]);
    expect(codes(again)).toEqual(['ok', 'ok', 'ok', 'ok']);
    expect(sim.transfer('h0').state).toBe('posted');
    // The fault's id stays failed.
    // (Sent with a closing transfer: alone, a linked transfer is an open chain.)
    expect(codes(sim.submit([chain[2]!, transfer('close', BANK, SINK, 1n)]))).toEqual([
      'id_already_failed<exceeds_credits>',
      'linked_event_failed',
    ]);
  });

  it('a failure on the first or the last transfer fails the whole chain', () => {
    const sim = LedgerSim.funded(100n);
    expect(
      codes(
        sim.submit([
          linked(transfer('a', WALLET, BANK, 101n)),
          linked(transfer('b', BANK, WALLET, 5n)),
          transfer('c', BANK, WALLET, 5n),
        ]),
      ),
    ).toEqual(['exceeds_credits', 'linked_event_failed', 'linked_event_failed']);
    expect(
      codes(sim.submit([linked(transfer('d', BANK, WALLET, 5n)), transfer('e', BANK, GHOST, 5n)])),
    ).toEqual(['linked_event_failed', 'credit_account_not_found']);
    expect(sim.totals(WALLET)).toEqual({ dp: 0n, dpo: 0n, cp: 0n, cpo: 100n });
  });

  it('two chains in a row are independent', () => {
    const sim = LedgerSim.funded(100n);
    const out = sim.submit([
      linked(transfer('a', BANK, WALLET, 5n)),
      transfer('b', BANK, GHOST, 5n),
      linked(transfer('c', BANK, WALLET, 5n)),
      transfer('d', BANK, WALLET2, 5n),
    ]);
    expect(codes(out)).toEqual(['linked_event_failed', 'credit_account_not_found', 'ok', 'ok']);
  });

  it('a chain left open at the end of the batch fails on its last transfer, and nothing is kept', () => {
    const sim = LedgerSim.funded(100n);
    const before = sim.balances();
    const a = linked(transfer('a', BANK, WALLET, 5n));
    const b = linked(transfer('b', BANK, WALLET, 5n));
    const out = sim.submit([transfer('x', BANK, SINK, 1n), a, b]);
    expect(codes(out)).toEqual(['ok', 'linked_event_failed', 'linked_event_chain_open']);
    expect(out.failures).toEqual([]);
    expect(out.created.map((t) => t.id)).toEqual(['x']);
    expect(sim.balances()[WALLET]).toEqual(before[WALLET]);
    // A lone linked transfer is an open chain too.
    expect(codes(sim.submit([a]))).toEqual(['linked_event_chain_open']);
    // Closed properly, the same ids go through.
    expect(codes(sim.submit([a, b, transfer('c', BANK, WALLET, 5n)]))).toEqual(['ok', 'ok', 'ok']);
  });

  it('a transfer with the linked bit among invalid flags still links the next one', () => {
    const sim = LedgerSim.funded(100n);
    const out = sim.submit([
      transfer('a', BANK, WALLET, 5n, { flags: 16 | TransferFlag.linked }),
      transfer('b', BANK, WALLET, 5n),
    ]);
    expect(codes(out)).toEqual(['unknown_flags', 'linked_event_failed']);
    expect(out.failures.map((f) => f.id)).toEqual(['a']);
  });

  it('a retry inside a chain counts as success; a conflicting id fails the chain and is not kept', () => {
    const sim = LedgerSim.funded(100n);
    const t1 = transfer('t1', BANK, WALLET, 5n);
    sim.submit([t1]);
    expect(codes(sim.submit([linked(t1), transfer('n1', BANK, WALLET, 5n)]))).toEqual([
      'exists_with_different_fields', // the flags differ: linked is part of the fingerprint
      'linked_event_failed',
    ]);
    const l1 = linked(transfer('l1', BANK, WALLET, 5n));
    expect(codes(sim.submit([l1, transfer('n2', BANK, WALLET, 5n)]))).toEqual(['ok', 'ok']);
    expect(codes(sim.submit([l1, transfer('n3', BANK, WALLET, 5n)]))).toEqual(['exists', 'ok']);
    const out = sim.submit([linked(transfer('n4', BANK, WALLET, 5n)), { ...t1, amount: 6n }]);
    expect(codes(out)).toEqual(['linked_event_failed', 'exists_with_different_fields']);
    expect(out.failures).toEqual([]);
    expect(codes(sim.submit([transfer('n4', BANK, WALLET, 5n, { flags: TransferFlag.linked }), t1]))).toEqual(
      ['ok', 'exists'],
    );
  });
});

describe('idempotency', () => {
  it('a duplicate in one batch is applied once and returns the same transfer', () => {
    const sim = LedgerSim.funded(100n);
    const t = transfer('t', WALLET, WALLET2, 60n);
    const out = sim.submit([t, t]);
    expect(codes(out)).toEqual(['ok', 'exists']);
    expect(okTransfer(out.results[1])).toBe(okTransfer(out.results[0]));
    expect(out.created).toHaveLength(1);
    expect(out.entries).toHaveLength(2);
    expect(sim.totals(WALLET)).toEqual({ dp: 0n, dpo: 60n, cp: 0n, cpo: 100n });
  });

  it('the same id with other fields in one batch fails and is not kept', () => {
    const sim = LedgerSim.funded(100n);
    const t = transfer('t', WALLET, WALLET2, 60n);
    const changes: Partial<TransferInput>[] = [
      { amount: 61n },
      { userData: 'x' },
      { code: 'other' },
      { debitAccountId: BANK },
      { creditAccountId: BANK },
      { flags: TransferFlag.pending },
    ];
    const out = sim.submit([t, ...changes.map((c) => ({ ...t, ...c }))]);
    expect(codes(out)).toEqual(['ok', ...changes.map(() => 'exists_with_different_fields')]);
    expect(out.failures).toEqual([]);
    expect(out.created).toHaveLength(1);
  });

  it('a failed id stays failed within the batch, even once it would succeed', () => {
    const sim = LedgerSim.funded(100n);
    const t = transfer('t', WALLET, WALLET2, 150n);
    const out = sim.submit([t, transfer('topup', BANK, WALLET, 100n), t, { ...t, amount: 10n }]);
    expect(codes(out)).toEqual([
      'exceeds_credits',
      'ok',
      'id_already_failed<exceeds_credits>',
      'exists_with_different_fields',
    ]);
    expect(out.failures).toEqual([{ id: 't', code: 'exceeds_credits', fingerprint: fingerprint(t) }]);
  });

  it('across batches a retry returns the stored transfer as it stands, and moves nothing', () => {
    const sim = LedgerSim.funded(100n);
    const h = hold('h', WALLET, WALLET2, 30n, 60);
    const p = post('p', 'h', 10n);
    sim.submit([h]);
    sim.submit([p], at(10));
    const before = sim.balances();
    const out = sim.submit([h, p, transfer('fund-wallet', BANK, WALLET, 100n)], at(3600));
    expect(codes(out)).toEqual(['exists', 'exists', 'exists']);
    expect(okTransfer(out.results[0])).toBe(sim.transfer('h'));
    expect(okTransfer(out.results[0])).toMatchObject({ state: 'posted', timestamp: T0, expiresAt: at(60) });
    expect(okTransfer(out.results[1])).toMatchObject({ amount: 10n, timestamp: at(10) });
    expect(out.entries).toEqual([]);
    expect(out.created).toEqual([]);
    expect(out.failures).toEqual([]);
    expect(out.accounts.size).toBe(0);
    expect(sim.balances()).toEqual(before);
  });

  it('a kept failure is returned to retries even when the transfer would now succeed', () => {
    const sim = LedgerSim.funded(100n);
    const t = transfer('t', WALLET, WALLET2, 150n);
    expect(codes(sim.submit([t]))).toEqual(['exceeds_credits']);
    sim.submit([transfer('topup', BANK, WALLET, 100n)]);
    const before = sim.balances();
    const out = sim.submit([t, { ...t, userData: 'changed' }]);
    expect(codes(out)).toEqual(['id_already_failed<exceeds_credits>', 'exists_with_different_fields']);
    expect(out.failures).toEqual([]); // not kept a second time
    expect(sim.balances()).toEqual(before);
    expect(sim.failures.get('t')).toEqual({ id: 't', code: 'exceeds_credits', fingerprint: fingerprint(t) });
  });

  it('failures that say nothing about the id are not kept, so the id may still succeed', () => {
    const sim = LedgerSim.funded(100n);
    const t = transfer('t', BANK, WALLET, 5n);
    sim.submit([t]);
    const conflicting = { ...t, amount: 6n };
    const chainMember = linked(transfer('m', BANK, WALLET, 5n));
    const out = sim.submit([conflicting, chainMember, transfer('bad', BANK, GHOST, 1n)]);
    expect(codes(out)).toEqual([
      'exists_with_different_fields',
      'linked_event_failed',
      'credit_account_not_found',
    ]);
    expect(out.failures.map((f) => f.id)).toEqual(['bad']);
    expect(codes(sim.submit([chainMember, transfer('z', BANK, WALLET, 1n)]))).toEqual(['ok', 'ok']);
    expect(codes(sim.submit([transfer('bad', BANK, GHOST, 1n)]))).toEqual([
      'id_already_failed<credit_account_not_found>',
    ]);
    expect(sim.failures.size).toBe(1);
  });

  it('idempotency comes before every other check, whatever changed since', () => {
    const sim = LedgerSim.funded(100n);
    const h = hold('h', WALLET, WALLET2, 30n, 60);
    const p = post('p', 'h');
    const spend = transfer('spend', WALLET, WALLET2, 70n);
    sim.submit([h, p, spend]);
    sim.expire(at(1000));
    // The wallet is closed and emptied afterwards.
    sim.accounts.set(WALLET, Object.freeze({ ...sim.get(WALLET), flags: AccountFlag.closed }));
    const out = sim.submit([h, p, spend], at(1000));
    expect(codes(out)).toEqual(['exists', 'exists', 'exists']);
    expect(out.entries).toEqual([]);
  });
});

describe('applyBatch: shape of the outcome', () => {
  it('an empty batch changes nothing', () => {
    const sim = LedgerSim.funded(100n);
    expect(applyBatch(sim.view(), [], T0)).toEqual({
      results: [],
      created: [],
      failures: [],
      pendingStates: new Map(),
      accounts: new Map(),
      entries: [],
    });
  });

  it('returns one result per input, in order, whatever happens', () => {
    const sim = LedgerSim.funded(100n);
    const batch = [
      linked(transfer('a', BANK, WALLET, 1n)),
      transfer('b', BANK, GHOST, 1n),
      transfer('c', BANK, WALLET, 1n),
      transfer('c', BANK, WALLET, 1n),
      linked(transfer('d', BANK, WALLET, 1n)),
    ];
    const out = sim.submit(batch);
    expect(out.results).toHaveLength(5);
    expect(Object.keys(out.results)).toEqual(['0', '1', '2', '3', '4']);
    expect(codes(out)).toEqual([
      'linked_event_failed',
      'credit_account_not_found',
      'ok',
      'exists',
      'linked_event_chain_open',
    ]);
  });
});

// Edge cases that once deviated from TigerBeetle's semantics, kept as regression tests.
describe('edge cases found by these tests', () => {
  it('rejects a timeout that does not fit the int4 timeout_seconds column', () => {
    const sim = LedgerSim.funded(100n);
    // Accepted today; the writer's INSERT then fails and takes the whole batch down with it.
    const out = sim.submit([hold('h', WALLET, WALLET2, 1n, 2 ** 31)]);
    expect(out.results[0]?.status).toBe('failed');
  });

  it('does not release a hold with a very long timeout before it is due', () => {
    const sim = LedgerSim.funded(100n);
    // now + 1e13 s is past the largest Date: expiresAt is an Invalid Date (NaN), so posting
    // treats the hold as never expiring while expirePending releases it at once.
    const out = sim.submit([hold('h', WALLET, WALLET2, 30n, 1e13)]);
    if (out.results[0]?.status === 'ok') expect(sim.expire(at(1)).pendingStates.size).toBe(0);
  });

  it('tells apart submissions whose fields differ only in where a "|" falls', () => {
    const sim = LedgerSim.funded(100n);
    const a = transfer('t', BANK, WALLET, 5n, { code: 'c', userData: 'x|0||0|y' });
    const b = transfer('t', BANK, WALLET, 5n, { code: 'c|0||0|x', userData: 'y' });
    // Both fingerprint to 'bank|wallet|5|c|0||0|x|0||0|y'.
    expect(codes(sim.submit([a, b]))).toEqual(['ok', 'exists_with_different_fields']);
  });

  it('tells apart userData null and userData ""', () => {
    const sim = LedgerSim.funded(100n);
    const a = transfer('t', BANK, WALLET, 5n, { userData: null });
    expect(codes(sim.submit([a, { ...a, userData: '' }]))).toEqual(['ok', 'exists_with_different_fields']);
  });

  it('a retry in the same batch returns the hold in its current state', () => {
    const sim = LedgerSim.funded(100n);
    const h = hold('h', WALLET, WALLET2, 30n);
    const out = sim.submit([h, post('p', 'h'), h]);
    expect(codes(out)).toEqual(['ok', 'ok', 'exists']);
    // Split into two batches the retry says 'posted'; in one batch it says 'pending'.
    expect(okTransfer(out.results[2]).state).toBe('posted');
  });

  it('the last transfer of an open chain gets linked_event_chain_open even if it fails itself', () => {
    const sim = LedgerSim.funded(100n);
    const out = sim.submit([
      linked(transfer('a', BANK, WALLET, 5n)),
      linked(transfer('b', WALLET, BANK, 500n)),
    ]);
    // Today: ['linked_event_failed', 'exceeds_credits'], and 'b' is kept as failed for good.
    expect(codes(out)).toEqual(['linked_event_failed', 'linked_event_chain_open']);
  });

  it('the last transfer of an open chain broken earlier gets linked_event_chain_open (as TigerBeetle)', () => {
    const sim = LedgerSim.funded(100n);
    const out = sim.submit([
      linked(transfer('a', WALLET, BANK, 500n)),
      linked(transfer('b', BANK, WALLET, 5n)),
    ]);
    expect(codes(out)).toEqual(['exceeds_credits', 'linked_event_chain_open']);
  });
});

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

type NewOp = {
  kind: 'plain' | 'hold';
  debit: string;
  credit: string;
  amount: bigint;
  timeout: number;
  userData: string | null;
  linked: boolean;
};
type SettleOp = {
  kind: 'post' | 'void';
  ref: number;
  /** live: a hold still pending as far as the ledger said, or sent since; hold: any hold sent. */
  target: 'live' | 'hold' | 'any' | 'unknown';
  amount: 'zero' | 'full' | 'part' | 'over';
  accounts: 'empty' | 'same' | 'wrong';
  linked: boolean;
};
type RetryOp = { kind: 'retry'; ref: number; change: 'none' | 'amount' | 'userData' | 'flags' };
type OddOp = { kind: 'odd'; variant: number; linked: boolean };
type Op = NewOp | SettleOp | RetryOp | OddOp;

/** One of `choices`, each with its weight. */
function weighted<T>(...choices: [number, T][]): fc.Arbitrary<T> {
  return fc.oneof(...choices.map(([weight, value]) => ({ weight, arbitrary: fc.constant(value) })));
}

const CNY_ACCOUNTS = [WALLET, WALLET2, BANK, CAP] as const;
const ANY_ACCOUNT = [...CNY_ACCOUNTS, USD, USD_WALLET, CLOSED, GHOST] as const;

/** Mostly two CNY accounts that can trade, sometimes USD ones, now and then anything. */
const accountPairArb: fc.Arbitrary<[string, string]> = fc.oneof(
  {
    weight: 14,
    arbitrary: fc
      .tuple(fc.constantFrom(...CNY_ACCOUNTS), fc.constantFrom(...CNY_ACCOUNTS))
      .filter(([a, b]) => a !== b),
  },
  { weight: 3, arbitrary: fc.constantFrom<[string, string]>([USD, USD_WALLET], [USD_WALLET, USD]) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...ANY_ACCOUNT), fc.constantFrom(...ANY_ACCOUNT)) },
);

const amountArb = fc.oneof(
  { weight: 40, arbitrary: fc.bigInt({ min: 1n, max: 150n }) },
  { weight: 1, arbitrary: fc.constant(0n) },
  { weight: 1, arbitrary: fc.constantFrom(AMOUNT_MAX, AMOUNT_MAX - 1n, AMOUNT_MAX / 2n + 1n, -1n) },
);

const linkedArb = weighted([4, false], [1, true]);

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 10,
    arbitrary: fc
      .record({
        kind: weighted([3, 'plain' as const], [2, 'hold' as const]),
        accounts: accountPairArb,
        amount: amountArb,
        timeout: weighted([3, 0], [2, 1], [2, 5], [2, 30], [1, 60], [1, 600]),
        userData: fc.constantFrom(null, 'order:1', 'order:2'),
        linked: linkedArb,
      })
      .map(({ accounts: [debit, credit], ...rest }): Op => ({ ...rest, debit, credit })),
  },
  {
    weight: 6,
    arbitrary: fc
      .record({
        kind: weighted([2, 'post' as const], [1, 'void' as const]),
        ref: fc.nat(),
        target: weighted(
          [10, 'live' as const],
          [2, 'hold' as const],
          [1, 'any' as const],
          [1, 'unknown' as const],
        ),
        amount: weighted(
          [4, 'zero' as const],
          [2, 'full' as const],
          [3, 'part' as const],
          [1, 'over' as const],
        ),
        accounts: weighted([5, 'empty' as const], [2, 'same' as const], [1, 'wrong' as const]),
        linked: linkedArb,
      })
      .map((op): Op => op),
  },
  {
    weight: 3,
    arbitrary: fc
      .record({
        kind: fc.constant('retry' as const),
        ref: fc.nat(),
        change: weighted(
          [6, 'none' as const],
          [1, 'amount' as const],
          [1, 'userData' as const],
          [1, 'flags' as const],
        ),
      })
      .map((op): Op => op),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({ kind: fc.constant('odd' as const), variant: fc.nat({ max: 7 }), linked: linkedArb })
      .map((op): Op => op),
  },
);

/**
 * Turns ops into transfers, deterministically from the ops and what it was told about the
 * ledger (never from the outcome of the transfers it is building): ids are fresh, posts and
 * voids mostly pick a hold still pending, retries re-send an earlier transfer as it was or
 * with one field changed.
 */
class Materializer {
  private n = 0;
  readonly sent: TransferInput[] = [];
  readonly holds: TransferInput[] = [];
  private live: TransferInput[] = [];

  /** Holds still pending in `sim` stay live; holds sent from now on are live until the next call. */
  learn(sim: LedgerSim): void {
    this.live = this.holds.filter((h) => sim.transfers.get(h.id)?.state === 'pending');
  }

  make(op: Op): TransferInput {
    const t = this.build(op);
    if (op.kind !== 'retry') {
      this.sent.push(t);
      if (t.flags & TransferFlag.pending) {
        this.holds.push(t);
        this.live.push(t);
      }
    }
    return t;
  }

  private build(op: Op): TransferInput {
    const link = (t: TransferInput, on: boolean) => (on ? linked(t) : t);
    if (op.kind === 'retry') {
      const t = this.sent[op.ref % Math.max(this.sent.length, 1)];
      if (!t) return transfer(`t${++this.n}`, BANK, WALLET, 1n);
      switch (op.change) {
        case 'none':
          return t;
        case 'amount':
          return { ...t, amount: t.amount + 1n };
        case 'userData':
          return { ...t, userData: `${t.userData ?? ''}!` };
        case 'flags':
          return { ...t, flags: t.flags ^ TransferFlag.linked };
      }
    }
    const id = `t${++this.n}`;
    switch (op.kind) {
      case 'plain':
        return link(transfer(id, op.debit, op.credit, op.amount, { userData: op.userData }), op.linked);
      case 'hold':
        return link(
          hold(id, op.debit, op.credit, op.amount, op.timeout, { userData: op.userData }),
          op.linked,
        );
      case 'post':
      case 'void': {
        const pools = { live: this.live, hold: this.holds, any: this.sent, unknown: [] };
        const pool = pools[op.target].length > 0 || op.target === 'unknown' ? pools[op.target] : this.holds;
        const p = pool[op.ref % Math.max(pool.length, 1)];
        if (!p) return link((op.kind === 'post' ? post : voidHold)(id, `nope${op.ref % 3}`), op.linked);
        const amount =
          op.amount === 'zero'
            ? 0n
            : op.amount === 'full'
              ? p.amount
              : op.amount === 'part'
                ? p.amount / 2n
                : p.amount + 1n;
        const accounts =
          op.accounts === 'empty'
            ? {}
            : op.accounts === 'same'
              ? { debitAccountId: p.debitAccountId, creditAccountId: p.creditAccountId }
              : { debitAccountId: p.creditAccountId, creditAccountId: p.debitAccountId };
        const make = op.kind === 'post' ? post : voidHold;
        return link(make(id, p.id, amount, accounts), op.linked);
      }
      case 'odd': {
        const base = transfer(id, WALLET, BANK, 1n);
        const odd: TransferInput[] = [
          { ...base, flags: 16 },
          { ...base, flags: TransferFlag.pending | TransferFlag.postPending },
          { ...base, timeoutSeconds: 5 },
          hold(id, WALLET, BANK, 1n, -1),
          { ...base, pendingId: 't1' },
          post(id, null),
          post(id, id),
          post(id, 't1', 0n, { timeoutSeconds: 5 }),
        ];
        return link(odd[op.variant % odd.length]!, op.linked);
      }
    }
  }
}

/** The chains of a batch: [start, end] index pairs, each ending at the first unlinked transfer (or the end). */
function chainsOf(batch: readonly TransferInput[]): [number, number][] {
  const out: [number, number][] = [];
  let start = 0;
  for (let i = 0; i < batch.length; i++) {
    if (!((batch[i] as TransferInput).flags & TransferFlag.linked) || i === batch.length - 1) {
      out.push([start, i]);
      start = i + 1;
    }
  }
  return out;
}

/** Everything a batch's outcome must say about itself, given the view it ran on. */
function checkBatch(view: LedgerView, batch: readonly TransferInput[], out: BatchOutcome, now: Date): void {
  // One result per input, in order.
  invariant(out.results.length === batch.length, () => `${out.results.length} results for ${batch.length}`);
  for (let i = 0; i < batch.length; i++) {
    const r = out.results[i];
    const t = batch[i] as TransferInput;
    invariant(i in out.results && r !== undefined, () => `no result at ${i}`);
    if (r.status !== 'failed') {
      invariant(r.transfer.id === t.id, () => `result ${i} is for ${r.transfer.id}, not ${t.id}`);
      invariant(r.transfer.fingerprint === fingerprint(t), () => `result ${i} has another fingerprint`);
    }
    if (r.status === 'failed' && r.code === 'id_already_failed') {
      invariant(
        r.originalCode !== undefined && !NOT_KEPT.has(r.originalCode),
        () => `bad originalCode at ${i}`,
      );
    }
  }
  // Chains succeed or fail as a whole; a failed chain has exactly one fault.
  for (const [start, end] of chainsOf(batch)) {
    const rs = out.results.slice(start, end + 1);
    const open = ((batch[end] as TransferInput).flags & TransferFlag.linked) !== 0;
    const failed = rs.filter((r) => r.status === 'failed');
    if (end > start || open) {
      invariant(
        failed.length === 0 || failed.length === rs.length,
        () => `chain ${start}..${end} half applied: ${rs.map(outcomeOf)}`,
      );
      if (open) invariant(failed.length === rs.length, () => `open chain ${start}..${end} applied`);
      if (failed.length > 0) {
        // One fault; an open chain may also (as in TigerBeetle) mark its last transfer chain_open.
        const faults = rs.filter((r) => r.status === 'failed' && r.code !== 'linked_event_failed');
        const lastOpen = open && outcomeOf(rs[rs.length - 1]) === 'linked_event_chain_open';
        invariant(
          faults.length === 1 || (faults.length === 2 && lastOpen),
          () => `chain ${start}..${end}: ${rs.map(outcomeOf)}`,
        );
        const openAt = rs.findIndex((r) => r.status === 'failed' && r.code === 'linked_event_chain_open');
        invariant(
          openAt < 0 || (open && openAt === rs.length - 1),
          () => `chain ${start}..${end}: open at ${openAt}`,
        );
      }
    }
  }
  // What was created is what succeeded, in order, with two entries each.
  const oks = out.results.filter((r) => r.status === 'ok').map((r) => okTransfer(r));
  invariant(
    out.created.length === oks.length && out.created.every((t, k) => t === oks[k]),
    () => 'created differs from ok results',
  );
  invariant(out.entries.length === 2 * out.created.length, () => 'not two entries per created transfer');
  out.created.forEach((t, k) => {
    const [e1, e2] = [out.entries[2 * k], out.entries[2 * k + 1]];
    invariant(e1?.transferId === t.id && e2?.transferId === t.id, () => `entries of ${t.id} out of place`);
    invariant(
      e1.accountId === t.debitAccountId && e2.accountId === t.creditAccountId,
      () => `entries of ${t.id} on the wrong accounts`,
    );
    invariant(!view.transfers.has(t.id), () => `${t.id} created again`);
  });
  // Kept failures: exactly the failed results with a code that says something about the id.
  const kept = batch.flatMap((t, i) => {
    const r = out.results[i] as TransferResult;
    return r.status === 'failed' && !NOT_KEPT.has(r.code)
      ? [{ id: t.id, code: r.code, fingerprint: fingerprint(t) }]
      : [];
  });
  expect(out.failures).toEqual(kept);
  // Settled holds: each ok post or void moved its hold from pending, once, before its expiry.
  const settled = new Map<string, string>();
  const createdHere = new Map(out.created.map((t) => [t.id, t]));
  for (const t of out.created) {
    invariant(t.timestamp.getTime() === now.getTime(), () => `${t.id} stamped ${t.timestamp.toISOString()}`);
    if (t.flags & TransferFlag.pending) {
      const expiresAt = t.timeoutSeconds > 0 ? now.getTime() + t.timeoutSeconds * 1000 : null;
      invariant(
        (t.expiresAt?.getTime() ?? null) === expiresAt && t.state === 'pending',
        () => `hold ${t.id} expiry`,
      );
    }
    if (t.flags & (TransferFlag.postPending | TransferFlag.voidPending)) {
      invariant(t.pendingId !== null && !settled.has(t.pendingId), () => `hold ${t.pendingId} settled twice`);
      const p = view.transfers.get(t.pendingId) ?? createdHere.get(t.pendingId);
      invariant(
        p !== undefined && p.state === 'pending',
        () => `${t.id} settles ${t.pendingId}, not pending`,
      );
      invariant(
        p.expiresAt === null || p.expiresAt.getTime() > now.getTime(),
        () => `${t.id} settles ${p.id} after its expiry`,
      );
      invariant(
        t.debitAccountId === p.debitAccountId && t.creditAccountId === p.creditAccountId,
        () => `${t.id} stored with other accounts than ${p.id}`,
      );
      settled.set(t.pendingId, t.flags & TransferFlag.postPending ? 'posted' : 'voided');
    }
  }
  expect(new Map(out.pendingStates)).toEqual(settled);
}

/** Invariants of the whole stored state. */
function checkInvariants(sim: LedgerSim): void {
  const zero = () => ({ dp: 0n, dpo: 0n, cp: 0n, cpo: 0n });
  const perCurrency = new Map<string, ReturnType<typeof zero>>();
  const fromTransfers = new Map<string, ReturnType<typeof zero>>();
  for (const a of sim.accounts.values()) {
    fromTransfers.set(a.id, zero());
    invariant(breaksFlags(a) === null, () => `${a.id} breaks its flags: ${JSON.stringify(totals(a), big)}`);
    invariant(
      a.debitsPending >= 0n && a.debitsPosted >= 0n && a.creditsPending >= 0n && a.creditsPosted >= 0n,
      () => `${a.id} has a negative total`,
    );
    if (a.flags & AccountFlag.debitsMustNotExceedCredits)
      invariant(available(a) >= 0n, () => `${a.id} overspent`);
    const s = perCurrency.get(a.currency) ?? zero();
    s.dp += a.debitsPending;
    s.dpo += a.debitsPosted;
    s.cp += a.creditsPending;
    s.cpo += a.creditsPosted;
    perCurrency.set(a.currency, s);
  }
  for (const [currency, s] of perCurrency) {
    invariant(s.dp === s.cp, () => `${currency}: pending debits ${s.dp} ≠ pending credits ${s.cp}`);
    invariant(s.dpo === s.cpo, () => `${currency}: posted debits ${s.dpo} ≠ posted credits ${s.cpo}`);
  }
  // Totals from transfers: posted = plain transfers + posts; pending = holds still pending.
  for (const t of sim.transfers.values()) {
    const dr = fromTransfers.get(t.debitAccountId);
    const cr = fromTransfers.get(t.creditAccountId);
    invariant(dr !== undefined && cr !== undefined, () => `${t.id} on unknown accounts`);
    invariant(
      sim.get(t.debitAccountId).currency === t.currency && sim.get(t.creditAccountId).currency === t.currency,
      () => `${t.id} across currencies`,
    );
    if (t.flags & TransferFlag.pending) {
      invariant(t.state !== null, () => `hold ${t.id} without state`);
      if (t.state === 'pending') {
        dr.dp += t.amount;
        cr.cp += t.amount;
      }
    } else if (!(t.flags & TransferFlag.voidPending)) {
      invariant(t.state === null, () => `${t.id} has a state`);
      dr.dpo += t.amount;
      cr.cpo += t.amount;
    }
    if (t.flags & TransferFlag.postPending) {
      const p = sim.transfer(t.pendingId as string);
      invariant(
        p.state === 'posted' && t.amount > 0n && t.amount <= p.amount,
        () => `post ${t.id} of ${p.id}`,
      );
    }
    if (t.flags & TransferFlag.voidPending) {
      invariant(sim.transfer(t.pendingId as string).state === 'voided', () => `void ${t.id}`);
    }
  }
  for (const a of sim.accounts.values()) {
    const x = fromTransfers.get(a.id);
    invariant(
      x !== undefined &&
        x.dp === a.debitsPending &&
        x.dpo === a.debitsPosted &&
        x.cp === a.creditsPending &&
        x.cpo === a.creditsPosted,
      () => `${a.id}: totals ${JSON.stringify(totals(a), big)} but transfers say ${JSON.stringify(x, big)}`,
    );
  }
  // Entries: gapless versions from 1, the account's version is their count, the last matches.
  const last = new Map<string, Entry>();
  const count = new Map<string, bigint>();
  for (const e of sim.entries) {
    const n = (count.get(e.accountId) ?? 0n) + 1n;
    invariant(e.version === n, () => `${e.accountId}: entry version ${e.version}, expected ${n}`);
    count.set(e.accountId, n);
    last.set(e.accountId, e);
  }
  for (const a of sim.accounts.values()) {
    invariant(a.version === (count.get(a.id) ?? 0n), () => `${a.id}: version ${a.version} ≠ its entries`);
    const e = last.get(a.id);
    const t = e
      ? { dp: e.debitsPending, dpo: e.debitsPosted, cp: e.creditsPending, cpo: e.creditsPosted }
      : zero();
    invariant(
      t.dp === a.debitsPending &&
        t.dpo === a.debitsPosted &&
        t.cp === a.creditsPending &&
        t.cpo === a.creditsPosted,
      () => `${a.id}: last entry differs from the account`,
    );
  }
}

function big(_: string, v: unknown) {
  return typeof v === 'bigint' ? v.toString() : v;
}

type Step = { kind: 'batch'; ops: Op[]; advance: number } | { kind: 'expire'; advance: number };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .record({
        ops: fc.array(opArb, { maxLength: 60, size: 'max' }),
        advance: fc.integer({ min: 0, max: 90 }),
      })
      .map(({ ops, advance }): Step => ({ kind: 'batch', ops, advance })),
  },
  {
    weight: 2,
    arbitrary: fc.integer({ min: 0, max: 90 }).map((advance): Step => ({ kind: 'expire', advance })),
  },
);
const scenarioArb = fc.array(stepArb, { minLength: 1, maxLength: 6, size: 'max' });

interface Submitted {
  batch: TransferInput[];
  results: TransferResult[];
}

/** Runs a scenario on a funded ledger, checking every batch and the invariants after each step. */
function runScenario(steps: readonly Step[]): { sim: LedgerSim; history: Submitted[]; clock: number } {
  const sim = LedgerSim.funded(200n);
  checkInvariants(sim);
  const m = new Materializer();
  const history: Submitted[] = [];
  let clock = 0;
  for (const step of steps) {
    clock += step.advance;
    const now = at(clock);
    if (step.kind === 'batch') {
      const batch = step.ops.map((op) => m.make(op));
      const view = sim.view();
      const out = sim.submit(batch, now);
      checkBatch(view, batch, out, now);
      history.push({ batch, results: out.results });
    } else {
      // Everything stored, settled or not, in no particular order: the core picks what is due.
      const all = [...sim.transfers.values()].reverse();
      const out = sim.expire(now, all);
      invariant(out.results.length === 0 && out.created.length === 0, () => 'expiry created transfers');
      const expected = all.filter(
        (t) => t.state === 'pending' && t.expiresAt !== null && t.expiresAt.getTime() <= now.getTime(),
      );
      expect(new Map(out.pendingStates)).toEqual(new Map(expected.map((t) => [t.id, 'expired'])));
      invariant(out.entries.length === 2 * expected.length, () => 'not two entries per expired hold');
      invariant(
        sim.holdsStillPending().every((t) => t.expiresAt === null || t.expiresAt.getTime() > now.getTime()),
        () => 'a due hold is still pending',
      );
    }
    checkInvariants(sim);
    m.learn(sim);
  }
  return { sim, history, clock };
}

const RUNS = 1000;
const SLOW = 120_000;

describe('properties', () => {
  it(
    'every batch keeps the ledger balanced, within its flags, and in step with its transfers and entries',
    () => {
      fc.assert(
        fc.property(scenarioArb, (steps) => {
          runScenario(steps);
        }),
        { numRuns: RUNS },
      );
    },
    SLOW,
  );

  it(
    'returns exactly one result per input, in order, on any batch',
    () => {
      fc.assert(
        fc.property(
          fc.array(opArb, { maxLength: 60, size: 'max' }),
          fc.array(opArb, { maxLength: 60, size: 'max' }),
          (earlier, ops) => {
            const sim = LedgerSim.funded(100n);
            const m = new Materializer();
            sim.submit(earlier.map((op) => m.make(op)));
            m.learn(sim);
            const batch = ops.map((op) => m.make(op));
            const out = applyBatch(sim.view(), batch, at(10));
            expect(out.results).toHaveLength(batch.length);
            batch.forEach((t, i) => {
              const r = out.results[i];
              expect(i in out.results).toBe(true);
              if (r?.status !== 'failed') expect(r?.transfer.id).toBe(t.id);
            });
          },
        ),
        { numRuns: RUNS },
      );
    },
    SLOW,
  );

  it(
    'gives the same results and balances whether a sequence is applied as one batch or split at chain boundaries',
    () => {
      fc.assert(
        fc.property(
          fc.array(opArb, { maxLength: 30, size: 'max' }),
          fc.array(opArb, { minLength: 1, maxLength: 60, size: 'max' }),
          fc.array(fc.boolean(), { maxLength: 60, size: 'max' }),
          fc.integer({ min: 0, max: 90 }),
          (earlier, ops, cuts, advance) => {
            const base = LedgerSim.funded(100n);
            const m = new Materializer();
            base.submit(
              earlier.map((op) => m.make(op)),
              T0,
            );
            m.learn(base);
            const sequence = ops.map((op) => m.make(op));
            const now = at(advance);

            const whole = base.clone();
            const wholeOut = whole.submit(sequence, now);

            const split = base.clone();
            const parts: TransferInput[][] = [];
            for (const [start, end] of chainsOf(sequence)) {
              const chain = sequence.slice(start, end + 1);
              const lastPart = parts[parts.length - 1];
              if (lastPart && !cuts[start]) lastPart.push(...chain);
              else parts.push(chain);
            }
            const splitResults = parts.flatMap((part) => split.submit(part, now).results);

            expect(splitResults.map(outcomeOf)).toEqual(wholeOut.results.map(outcomeOf));
            expect(split.balances()).toEqual(whole.balances());
            expect(split.entries).toEqual(whole.entries);
            expect([...split.transfers.keys()]).toEqual([...whole.transfers.keys()]);
            expect([...split.transfers.values()].map((t) => t.state)).toEqual(
              [...whole.transfers.values()].map((t) => t.state),
            );
            expect(split.failures).toEqual(whole.failures);
          },
        ),
        { numRuns: RUNS },
      );
    },
    SLOW,
  );

  it(
    're-submitting transfers already sent never moves money: exists if they succeeded, id_already_failed if kept',
    () => {
      fc.assert(
        fc.property(
          scenarioArb,
          fc.array(fc.nat(), { minLength: 1, maxLength: 40, size: 'max' }),
          fc.integer({ min: 0, max: 3600 }),
          fc.boolean(),
          (steps, picks, later, expireFirst) => {
            const { sim, history, clock } = runScenario(steps);
            // Units: single transfers and closed chains, as they were sent.
            type Unit = { transfers: TransferInput[]; results: TransferResult[] };
            const units: Unit[] = [];
            for (const { batch, results } of history) {
              for (const [start, end] of chainsOf(batch)) {
                if ((batch[end] as TransferInput).flags & TransferFlag.linked) continue; // open chain
                units.push({
                  transfers: batch.slice(start, end + 1),
                  results: results.slice(start, end + 1),
                });
              }
            }
            const succeeded = (u: Unit) => u.results.every((r) => r.status !== 'failed');
            const keptFault = (u: Unit) =>
              u.results.findIndex((r) => r.status === 'failed' && !NOT_KEPT.has(r.code));
            const eligible = units.filter((u) => succeeded(u) || keptFault(u) >= 0);
            if (eligible.length === 0) return;

            const now = at(clock + later);
            if (expireFirst) sim.expire(now);
            const chosen = picks.map((p) => eligible[p % eligible.length] as Unit);
            const before = sim.balances();
            const out = sim.submit(
              chosen.flatMap((u) => u.transfers),
              now,
            );
            expect(out.created).toEqual([]);
            expect(out.entries).toEqual([]);
            expect(out.accounts.size).toBe(0);
            expect(out.pendingStates.size).toBe(0);
            expect(sim.balances()).toEqual(before);

            let offset = 0;
            for (const u of chosen) {
              const rs = out.results.slice(offset, offset + u.transfers.length);
              offset += u.transfers.length;
              if (succeeded(u)) {
                rs.forEach((r, k) => {
                  expect(outcomeOf(r)).toBe('exists');
                  expect(okTransfer(r)).toBe(sim.transfer((u.transfers[k] as TransferInput).id));
                });
              } else {
                const k = keptFault(u);
                const original = u.results[k] as Extract<TransferResult, { status: 'failed' }>;
                expect(rs.every((r) => r.status === 'failed')).toBe(true);
                const again = rs[k] as Extract<TransferResult, { status: 'failed' }>;
                if (u.transfers.length === 1) {
                  expect(again).toEqual({
                    status: 'failed',
                    code: 'id_already_failed',
                    originalCode: original.code,
                  });
                } else if (again.code !== 'linked_event_failed') {
                  // Unless an earlier member of the chain fails first now, the fault is the same.
                  expect(again).toEqual({
                    status: 'failed',
                    code: 'id_already_failed',
                    originalCode: original.code,
                  });
                } else {
                  expect(
                    rs.slice(0, k).some((r) => r.status === 'failed' && r.code !== 'linked_event_failed'),
                  ).toBe(true);
                }
              }
            }
            checkInvariants(sim);
          },
        ),
        { numRuns: RUNS },
      );
    },
    SLOW,
  );
});
