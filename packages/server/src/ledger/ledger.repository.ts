import { type Kysely, type Selectable, sql, type Transaction } from 'kysely';
import { assert } from '../kernel/errors.js';
import type { Database, LedgerAccountsTable, LedgerTransfersTable } from '../platform/db/schema.js';
import type { Account, BatchOutcome, Entry, Failure, LedgerErrorCode, Transfer } from './ledger.core.js';

type Db = Kysely<Database> | Transaction<Database>;

export function toAccount(row: Selectable<LedgerAccountsTable>): Account {
  return {
    id: row.id,
    currency: row.currency,
    code: row.code,
    flags: row.flags,
    debitsPending: row.debits_pending,
    debitsPosted: row.debits_posted,
    creditsPending: row.credits_pending,
    creditsPosted: row.credits_posted,
    version: row.version,
  };
}

export function toTransfer(row: Selectable<LedgerTransfersTable>): Transfer {
  return {
    id: row.id,
    debitAccountId: row.debit_account_id,
    creditAccountId: row.credit_account_id,
    amount: row.amount,
    code: row.code,
    flags: row.flags,
    pendingId: row.pending_id,
    timeoutSeconds: row.timeout_seconds,
    userData: row.user_data,
    fingerprint: row.fingerprint,
    currency: row.currency,
    timestamp: row.created_at,
    expiresAt: row.expires_at,
    state: row.state,
  };
}

interface RawAccount {
  id: string;
  currency: string;
  code: string;
  flags: number;
  debits_pending: string;
  debits_posted: string;
  credits_pending: string;
  credits_posted: string;
  version: string;
}

interface RawTransfer {
  id: string;
  debit_account_id: string;
  credit_account_id: string;
  amount: string;
  currency: string;
  code: string;
  flags: number;
  pending_id: string | null;
  timeout_seconds: number;
  expires_at: string | null;
  state: Transfer['state'];
  user_data: string | null;
  fingerprint: string;
  created_at: string;
}

/** Why `ledger_commit_batch` wrote nothing: an id is stored, or an account changed. */
export type RefusedAnswer = { status: 'exists' } | { status: 'stale'; accounts: Account[] };

interface ReadResult {
  last_batch_id: string;
  last_hash: string;
  accounts: RawAccount[] | null;
  transfers: RawTransfer[] | null;
  failures: Failure[] | null;
  due: RawTransfer[] | null;
}

function fromRawAccount(r: RawAccount): Account {
  return {
    id: r.id,
    currency: r.currency,
    code: r.code,
    flags: r.flags,
    debitsPending: BigInt(r.debits_pending),
    debitsPosted: BigInt(r.debits_posted),
    creditsPending: BigInt(r.credits_pending),
    creditsPosted: BigInt(r.credits_posted),
    version: BigInt(r.version),
  };
}

function fromRawTransfer(r: RawTransfer): Transfer {
  return {
    id: r.id,
    debitAccountId: r.debit_account_id,
    creditAccountId: r.credit_account_id,
    amount: BigInt(r.amount),
    code: r.code,
    flags: r.flags,
    pendingId: r.pending_id,
    timeoutSeconds: r.timeout_seconds,
    userData: r.user_data,
    fingerprint: r.fingerprint,
    currency: r.currency,
    timestamp: new Date(r.created_at),
    expiresAt: r.expires_at === null ? null : new Date(r.expires_at),
    state: r.state,
  };
}

const NEEDS_ESCAPE = /["\\]/;
const ESCAPE = /["\\]/g;

/**
 * A Postgres array literal, built here rather than by the driver (a batch sends some fifty
 * arrays; the driver's generic conversion was a tenth of the writer's time), element by
 * element. Every string is quoted, so an id that is not a well-formed uuid cannot add or split
 * elements: the cast refuses it.
 */
class ArrayLiteral {
  #out = '{';
  #empty = true;

  #next(): void {
    if (this.#empty) this.#empty = false;
    else this.#out += ',';
  }

  text(v: string | null): void {
    this.#next();
    this.#out += v === null ? 'NULL' : `"${NEEDS_ESCAPE.test(v) ? v.replace(ESCAPE, '\\$&') : v}"`;
  }

  num(v: number | bigint | null): void {
    this.#next();
    this.#out += v === null ? 'NULL' : v.toString();
  }

  end(): string {
    return `${this.#out}}`;
  }
}

type Tuple<T, N extends number, R extends T[] = []> = R['length'] extends N ? R : Tuple<T, N, [...R, T]>;

/** `n` array literals, one per column, filled in one pass over a batch's rows. */
function columns<N extends number>(n: N): Tuple<ArrayLiteral, N> {
  return Array.from({ length: n }, () => new ArrayLiteral()) as Tuple<ArrayLiteral, N>;
}

/** A version and the four totals after it: an entry's, or an account's state. */
type VersionedTotals = Pick<
  Entry,
  'version' | 'debitsPending' | 'debitsPosted' | 'creditsPending' | 'creditsPosted'
>;

/** A version and its totals into five columns from `at` (NULLs for none). */
function totalsColumns(cols: readonly ArrayLiteral[], at: number, e: VersionedTotals | undefined): void {
  (cols[at] as ArrayLiteral).num(e === undefined ? null : e.version);
  (cols[at + 1] as ArrayLiteral).num(e === undefined ? null : e.debitsPending);
  (cols[at + 2] as ArrayLiteral).num(e === undefined ? null : e.debitsPosted);
  (cols[at + 3] as ArrayLiteral).num(e === undefined ? null : e.creditsPending);
  (cols[at + 4] as ArrayLiteral).num(e === undefined ? null : e.creditsPosted);
}

function entryOf(entries: readonly Entry[] | undefined, accountId: string): Entry | undefined {
  if (entries === undefined) return undefined;
  for (const e of entries) if (e.accountId === accountId) return e;
  return undefined;
}

/** The only place that speaks SQL for the ledger. */
export class LedgerRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insertAccount(db: Db, account: Account & { ownerRef: string | null }, now: Date): Promise<boolean> {
    const result = await db
      .insertInto('ledger_accounts')
      .values({
        id: account.id,
        currency: account.currency,
        code: account.code,
        flags: account.flags,
        owner_ref: account.ownerRef,
        debits_pending: 0n,
        debits_posted: 0n,
        credits_pending: 0n,
        credits_posted: 0n,
        version: 0n,
        created_at: now,
        updated_at: now,
      })
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst();
    return (result.numInsertedOrUpdatedRows ?? 0n) > 0n;
  }

  async findAccounts(ids: readonly string[], db: Db = this.db): Promise<Account[]> {
    if (ids.length === 0) return [];
    const rows = await db
      .selectFrom('ledger_accounts')
      .selectAll()
      .where('id', 'in', [...ids])
      .execute();
    return rows.map(toAccount);
  }

  async findAccountByOwner(
    code: string,
    ownerRef: string,
    currency: string,
    db: Db = this.db,
  ): Promise<Account | undefined> {
    const row = await db
      .selectFrom('ledger_accounts')
      .selectAll()
      .where('code', '=', code)
      .where('owner_ref', '=', ownerRef)
      .where('currency', '=', currency)
      .executeTakeFirst();
    return row ? toAccount(row) : undefined;
  }

  async findTransfers(ids: readonly string[], db: Db = this.db): Promise<Transfer[]> {
    if (ids.length === 0) return [];
    const rows = await db
      .selectFrom('ledger_transfers')
      .selectAll()
      .where('id', 'in', [...ids])
      .execute();
    return rows.map(toTransfer);
  }

  async findFailures(ids: readonly string[], db: Db = this.db): Promise<Failure[]> {
    if (ids.length === 0) return [];
    const rows = await db
      .selectFrom('ledger_failures')
      .select(['id', 'code', 'fingerprint'])
      .where('id', 'in', [...ids])
      .execute();
    return rows.map((r) => ({ id: r.id, code: r.code as LedgerErrorCode, fingerprint: r.fingerprint }));
  }

  /** Takes the chain head: every ledger write in the cluster queues here, one batch at a time. */
  async lockChain(trx: Transaction<Database>): Promise<{ lastBatchId: bigint; lastHash: string }> {
    const row = await trx
      .selectFrom('ledger_chain')
      .select(['last_batch_id', 'last_hash'])
      .where('singleton', '=', true)
      .forUpdate()
      .executeTakeFirstOrThrow();
    return { lastBatchId: row.last_batch_id, lastHash: row.last_hash };
  }

  /** Locks the accounts in id order (the same order everywhere: no deadlocks). */
  async lockAccounts(trx: Transaction<Database>, ids: readonly string[]): Promise<Account[]> {
    if (ids.length === 0) return [];
    const sorted = [...new Set(ids)].sort();
    const rows = await trx
      .selectFrom('ledger_accounts')
      .selectAll()
      .where('id', 'in', sorted)
      .orderBy('id')
      .forUpdate()
      .execute();
    return rows.map(toAccount);
  }

  async findDuePending(trx: Transaction<Database>, now: Date, limit: number): Promise<Transfer[]> {
    const rows = await trx
      .selectFrom('ledger_transfers')
      .selectAll()
      .where('state', '=', 'pending')
      .where('expires_at', 'is not', null)
      .where('expires_at', '<=', now)
      .orderBy('expires_at')
      .limit(limit)
      .execute();
    return rows.map(toTransfer);
  }

  async nextDueTime(): Promise<Date | null> {
    const row = await this.db
      .selectFrom('ledger_transfers')
      .select('expires_at')
      .where('state', '=', 'pending')
      .where('expires_at', 'is not', null)
      .orderBy('expires_at')
      .limit(1)
      .executeTakeFirst();
    return row?.expires_at ?? null;
  }

  /**
   * Everything a batch reads, in one call (`ledger_read_batch`): it takes the chain head lock
   * (which orders all batches, so account rows need no locks of their own), then reads the
   * touched accounts, the transfers with the batch's
   * ids or the pending ids it names, the failures with its ids, and holds whose timeout has
   * passed. Totals travel as text so that no bigint goes through a JavaScript number.
   */
  async readBatch(
    trx: Transaction<Database>,
    input: {
      ids: readonly string[];
      transferIds: readonly string[];
      accountIds: readonly string[];
      now: Date;
      maxExpiries: number;
    },
  ): Promise<{
    lastBatchId: bigint;
    lastHash: string;
    accounts: Account[];
    transfers: Transfer[];
    failures: Failure[];
    due: Transfer[];
  }> {
    const result = await sql<{ batch: ReadResult | string }>`
      SELECT ledger_read_batch(
        ${[...input.ids]}::uuid[], ${[...input.transferIds]}::uuid[], ${[...input.accountIds]}::uuid[],
        ${input.now}::timestamptz, ${input.maxExpiries}::int4
      ) AS batch`.execute(trx);
    const raw = result.rows[0]?.batch;
    if (!raw) throw new Error('the ledger chain head is missing');
    const row = typeof raw === 'string' ? (JSON.parse(raw) as ReadResult) : raw;
    return {
      lastBatchId: BigInt(row.last_batch_id),
      lastHash: row.last_hash,
      accounts: (row.accounts ?? []).map(fromRawAccount),
      transfers: (row.transfers ?? []).map(fromRawTransfer),
      failures: row.failures ?? [],
      due: (row.due ?? []).map(fromRawTransfer),
    };
  }

  /**
   * Writes everything a batch decided in one statement (`ledger_commit_batch`), after checking
   * in it, under the chain head lock, what the batch was decided against: that its ids are new
   * and that every account in `expected` (the states the batch was decided against) is still
   * in that state. If a check fails nothing is written and the statement raises; `refusal()`
   * tells such an error from others. Outside a transaction the statement commits by itself.
   */
  async commitBatch(
    db: Db,
    batch: { at: Date; contentHash: string; expected: readonly Account[] },
    outcome: Pick<BatchOutcome, 'created' | 'failures' | 'pendingStates' | 'entries' | 'accounts'>,
  ): Promise<bigint> {
    const t = outcome.created;
    // The statement stores the batch's time as every created transfer's.
    assert(
      t.every((y) => y.timestamp.getTime() === batch.at.getTime()),
      "a batch's transfers carry the batch's time",
    );
    // A new transfer's entries for its debit and credit accounts go on its row; any other
    // entry (a hold released by its timeout) into ledger_entries_other.
    const byTransfer = new Map<string, Entry[]>();
    for (const y of outcome.entries) {
      const list = byTransfer.get(y.transferId);
      if (list) list.push(y);
      else byTransfer.set(y.transferId, [y]);
    }
    const inline = new Set<Entry>();
    const T = columns(23);
    for (const y of t) {
      const own = byTransfer.get(y.id);
      const d = entryOf(own, y.debitAccountId);
      const c = entryOf(own, y.creditAccountId);
      const both = d !== undefined && c !== undefined && d !== c;
      if (both) {
        inline.add(d);
        inline.add(c);
      }
      T[0].text(y.id);
      T[1].text(y.debitAccountId);
      T[2].text(y.creditAccountId);
      T[3].num(y.amount);
      T[4].text(y.currency);
      T[5].text(y.code);
      T[6].num(y.flags);
      T[7].text(y.pendingId);
      T[8].num(y.timeoutSeconds);
      T[9].text(y.expiresAt === null ? null : y.expiresAt.toISOString());
      T[10].text(outcome.pendingStates.get(y.id) ?? y.state);
      T[11].text(y.userData);
      T[12].text(y.fingerprint);
      totalsColumns(T, 13, both ? d : undefined);
      totalsColumns(T, 18, both ? c : undefined);
    }
    const F = columns(3);
    for (const y of outcome.failures) {
      F[0].text(y.id);
      F[1].text(y.code);
      F[2].text(y.fingerprint);
    }
    const E = columns(7);
    for (const y of outcome.entries) {
      if (inline.has(y)) continue;
      E[0].text(y.accountId);
      E[1].num(y.version);
      E[2].text(y.transferId);
      E[3].num(y.debitsPending);
      E[4].num(y.debitsPosted);
      E[5].num(y.creditsPending);
      E[6].num(y.creditsPosted);
    }
    const created = new Set<string>();
    for (const y of t) created.add(y.id);
    const S = columns(2);
    for (const [id, state] of outcome.pendingStates) {
      if (created.has(id)) continue;
      S[0].text(id);
      S[1].text(state);
    }
    // The accounts the batch changes are checked as they are moved (from the state the batch
    // was decided against); the others it read, as they are.
    const before = new Map<string, Account>();
    for (const y of batch.expected) before.set(y.id, y);
    const A = columns(11);
    for (const y of outcome.accounts.values()) {
      const b = before.get(y.id);
      assert(b !== undefined, 'a batch changes only accounts it was decided against');
      A[0].text(y.id);
      totalsColumns(A, 1, b);
      A[6].num(y.debitsPending);
      A[7].num(y.debitsPosted);
      A[8].num(y.creditsPending);
      A[9].num(y.creditsPosted);
      A[10].num(y.version);
    }
    const X = columns(6);
    for (const y of batch.expected) {
      if (outcome.accounts.has(y.id)) continue;
      X[0].text(y.id);
      totalsColumns(X, 1, y);
    }
    const result = await sql<{ batch_id: bigint }>`
      SELECT ledger_commit_batch(
        ${batch.at}::timestamptz, ${batch.contentHash}, ${X[0].end()}::uuid[], ${X[1].end()}::int8[],
        ${X[2].end()}::int8[], ${X[3].end()}::int8[], ${X[4].end()}::int8[], ${X[5].end()}::int8[],
        ${T[0].end()}::uuid[], ${T[1].end()}::uuid[], ${T[2].end()}::uuid[], ${T[3].end()}::int8[],
        ${T[4].end()}::text[], ${T[5].end()}::text[], ${T[6].end()}::int4[], ${T[7].end()}::uuid[],
        ${T[8].end()}::int4[], ${T[9].end()}::timestamptz[], ${T[10].end()}::text[], ${T[11].end()}::text[],
        ${T[12].end()}::text[],
        ${T[13].end()}::int8[], ${T[14].end()}::int8[], ${T[15].end()}::int8[], ${T[16].end()}::int8[], ${T[17].end()}::int8[],
        ${T[18].end()}::int8[], ${T[19].end()}::int8[], ${T[20].end()}::int8[], ${T[21].end()}::int8[], ${T[22].end()}::int8[],
        ${F[0].end()}::uuid[], ${F[1].end()}::text[], ${F[2].end()}::text[],
        ${E[0].end()}::uuid[], ${E[1].end()}::int8[], ${E[2].end()}::uuid[], ${E[3].end()}::int8[],
        ${E[4].end()}::int8[], ${E[5].end()}::int8[], ${E[6].end()}::int8[],
        ${S[0].end()}::uuid[], ${S[1].end()}::text[],
        ${A[0].end()}::uuid[], ${A[1].end()}::int8[], ${A[2].end()}::int8[], ${A[3].end()}::int8[],
        ${A[4].end()}::int8[], ${A[5].end()}::int8[], ${A[6].end()}::int8[], ${A[7].end()}::int8[],
        ${A[8].end()}::int8[], ${A[9].end()}::int8[], ${A[10].end()}::int8[]
      ) AS batch_id`.execute(db);
    const batchId = result.rows[0]?.batch_id;
    if (batchId === undefined) throw new Error('ledger_commit_batch gave no answer');
    return BigInt(batchId);
  }

  /**
   * What an error of `commitBatch` means: the batch was refused (nothing of it was written)
   * because an id is stored (`exists`) or an account changed (`stale`, with the states of
   * `accounts` as they are now) — or null for any other error.
   */
  async refusal(error: unknown, accounts: readonly string[]): Promise<RefusedAnswer | null> {
    const e = error as { code?: string; constraint?: string };
    const stored = e?.constraint === 'ledger_transfers_pkey' || e?.constraint === 'ledger_failures_pkey';
    if (e?.code === 'LG002' || (e?.code === '23505' && stored)) return { status: 'exists' };
    if (e?.code === 'LG001') return { status: 'stale', accounts: await this.findAccounts(accounts) };
    return null;
  }

  /** An account's totals right after its `version`-th entry (version 0: all zero). */
  async entryAt(accountId: string, version: bigint) {
    return this.db
      .selectFrom('ledger_entries')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('version', '=', version)
      .executeTakeFirst();
  }
}
