import { type Kysely, type Selectable, sql, type Transaction } from 'kysely';
import { assert } from '../kernel/errors.js';
import type { Database, LedgerAccountsTable, LedgerTransfersTable } from '../platform/db/schema.js';
import type { Account, BatchOutcome, Failure, LedgerErrorCode, Transfer } from './ledger.core.js';

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

type RawAnswer =
  | { status: 'ok'; batch_id: string }
  | { status: 'exists' }
  | { status: 'stale'; accounts: RawAccount[] };

/** What `ledger_commit_batch` did: wrote the batch, or found an id stored or an account changed. */
export type CommitAnswer =
  | { status: 'ok'; batchId: bigint }
  | { status: 'exists' }
  | { status: 'stale'; accounts: Account[] };

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

/**
 * A Postgres array literal, built here rather than by the driver (a batch sends some forty
 * arrays; the driver's generic conversion was a tenth of the writer's time). Every string
 * is quoted, so an id that is not a well-formed uuid cannot add or split elements: the cast
 * refuses it.
 */
export function pgArray(values: readonly (string | number | bigint | null)[]): string {
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (i > 0) out += ',';
    if (v === null || v === undefined) out += 'NULL';
    else if (typeof v === 'string') out += `"${NEEDS_ESCAPE.test(v) ? v.replace(ESCAPE, '\\$&') : v}"`;
    else out += v.toString();
  }
  return `${out}}`;
}
const NEEDS_ESCAPE = /["\\]/;
const ESCAPE = /["\\]/g;

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
   * in it, under the chain head lock, what the batch was decided against: that none of
   * `checkIds` is stored yet and that every account in `expected` is still in that state.
   * If a check fails nothing is written and the answer says which (with the accounts as
   * they are now). Outside a transaction the statement commits by itself.
   */
  async commitBatch(
    db: Db,
    batch: { at: Date; contentHash: string; checkIds: readonly string[]; expected: readonly Account[] },
    outcome: Pick<BatchOutcome, 'created' | 'failures' | 'pendingStates' | 'entries'>,
  ): Promise<CommitAnswer> {
    const t = outcome.created;
    const f = outcome.failures;
    const e = outcome.entries;
    const x = batch.expected;
    const createdIds = new Set(t.map((y) => y.id));
    const states = [...outcome.pendingStates].filter(([id]) => !createdIds.has(id));
    // The statement stores the batch's time as every created transfer's.
    assert(
      t.every((y) => y.timestamp.getTime() === batch.at.getTime()),
      "a batch's transfers carry the batch's time",
    );
    const iso = (d: Date | null) => (d === null ? null : d.toISOString());
    const result = await sql<{ answer: RawAnswer | string }>`
      SELECT ledger_commit_batch(
        ${batch.at}::timestamptz, ${batch.contentHash}, ${pgArray([...batch.checkIds])}::uuid[],
        ${pgArray(x.map((y) => y.id))}::uuid[], ${pgArray(x.map((y) => y.version.toString()))}::int8[],
        ${pgArray(t.map((y) => y.id))}::uuid[], ${pgArray(t.map((y) => y.debitAccountId))}::uuid[], ${pgArray(t.map((y) => y.creditAccountId))}::uuid[],
        ${pgArray(t.map((y) => y.amount.toString()))}::int8[], ${pgArray(t.map((y) => y.currency))}::text[], ${pgArray(t.map((y) => y.code))}::text[],
        ${pgArray(t.map((y) => y.flags))}::int4[], ${pgArray(t.map((y) => y.pendingId))}::uuid[], ${pgArray(t.map((y) => y.timeoutSeconds))}::int4[],
        ${pgArray(t.map((y) => iso(y.expiresAt)))}::timestamptz[],
        ${pgArray(t.map((y) => outcome.pendingStates.get(y.id) ?? y.state))}::text[], ${pgArray(t.map((y) => y.userData))}::text[],
        ${pgArray(t.map((y) => y.fingerprint))}::text[],
        ${pgArray(f.map((y) => y.id))}::uuid[], ${pgArray(f.map((y) => y.code))}::text[], ${pgArray(f.map((y) => y.fingerprint))}::text[],
        ${pgArray(e.map((y) => y.accountId))}::uuid[], ${pgArray(e.map((y) => y.version.toString()))}::int8[], ${pgArray(e.map((y) => y.transferId))}::uuid[],
        ${pgArray(e.map((y) => y.debitsPending.toString()))}::int8[], ${pgArray(e.map((y) => y.debitsPosted.toString()))}::int8[],
        ${pgArray(e.map((y) => y.creditsPending.toString()))}::int8[], ${pgArray(e.map((y) => y.creditsPosted.toString()))}::int8[],
        ${pgArray(states.map(([id]) => id))}::uuid[], ${pgArray(states.map(([, st]) => st))}::text[]
      ) AS answer`.execute(db);
    const raw = result.rows[0]?.answer;
    if (!raw) throw new Error('ledger_commit_batch gave no answer');
    const answer = typeof raw === 'string' ? (JSON.parse(raw) as RawAnswer) : raw;
    switch (answer.status) {
      case 'ok':
        return { status: 'ok', batchId: BigInt(answer.batch_id) };
      case 'exists':
        return { status: 'exists' };
      case 'stale':
        return { status: 'stale', accounts: answer.accounts.map(fromRawAccount) };
    }
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
