import { type Kysely, type Selectable, sql, type Transaction } from 'kysely';
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
   * Everything a batch reads, in one statement, once the chain head is locked (by an earlier
   * statement: a statement's snapshot is taken before it waits for a lock, so reading in the
   * statement that waits would miss what the previous batch wrote): the touched accounts
   * (locked, in id order), the transfers with the batch's ids or the pending ids it names,
   * the failures with its ids, and holds whose timeout has passed. Totals travel as text so
   * that no bigint goes through a JavaScript number.
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
    const transferJson = (alias: string) =>
      sql.raw(`json_build_object(
        'id', ${alias}.id, 'debit_account_id', ${alias}.debit_account_id, 'credit_account_id', ${alias}.credit_account_id,
        'amount', ${alias}.amount::text, 'currency', ${alias}.currency, 'code', ${alias}.code, 'flags', ${alias}.flags,
        'pending_id', ${alias}.pending_id, 'timeout_seconds', ${alias}.timeout_seconds, 'expires_at', ${alias}.expires_at,
        'state', ${alias}.state, 'user_data', ${alias}.user_data, 'fingerprint', ${alias}.fingerprint,
        'batch_id', ${alias}.batch_id::text, 'created_at', ${alias}.created_at)`);
    const result = await sql<{
      chain: { last_batch_id: string; last_hash: string };
      accounts: RawAccount[] | null;
      transfers: RawTransfer[] | null;
      failures: Failure[] | null;
      due: RawTransfer[] | null;
    }>`
      WITH chain AS (
        SELECT last_batch_id::text AS last_batch_id, last_hash FROM ledger_chain WHERE singleton
      ), tr AS (
        SELECT * FROM ledger_transfers WHERE id = ANY(${[...input.transferIds]}::uuid[])
      ), due AS (
        SELECT * FROM ledger_transfers
        WHERE state = 'pending' AND expires_at IS NOT NULL AND expires_at <= ${input.now}
        ORDER BY expires_at LIMIT ${input.maxExpiries}
      ), acc AS (
        SELECT id, currency, code, flags, debits_pending::text AS debits_pending, debits_posted::text AS debits_posted,
               credits_pending::text AS credits_pending, credits_posted::text AS credits_posted, version::text AS version
        FROM ledger_accounts
        WHERE id = ANY(${[...input.accountIds]}::uuid[])
           OR id IN (SELECT debit_account_id FROM tr UNION SELECT credit_account_id FROM tr
                     UNION SELECT debit_account_id FROM due UNION SELECT credit_account_id FROM due)
        ORDER BY id
        FOR UPDATE
      )
      SELECT (SELECT row_to_json(chain) FROM chain) AS chain,
             (SELECT json_agg(acc) FROM acc) AS accounts,
             (SELECT json_agg(${transferJson('tr')}) FROM tr) AS transfers,
             (SELECT json_agg(json_build_object('id', f.id, 'code', f.code, 'fingerprint', f.fingerprint))
                FROM ledger_failures f WHERE f.id = ANY(${[...input.ids]}::uuid[])) AS failures,
             (SELECT json_agg(${transferJson('due')}) FROM due) AS due`.execute(trx);
    const row = result.rows[0];
    if (!row?.chain) throw new Error('the ledger chain head is missing');
    return {
      lastBatchId: BigInt(row.chain.last_batch_id),
      lastHash: row.chain.last_hash,
      accounts: (row.accounts ?? []).map(fromRawAccount),
      transfers: (row.transfers ?? []).map(fromRawTransfer),
      failures: row.failures ?? [],
      due: (row.due ?? []).map(fromRawTransfer),
    };
  }

  /** Writes everything a batch decided in one statement: one round trip, one commit. */
  async writeOutcome(
    trx: Transaction<Database>,
    batch: { id: bigint; prevHash: string; hash: string; at: Date },
    outcome: Pick<BatchOutcome, 'created' | 'failures' | 'pendingStates' | 'accounts' | 'entries'>,
  ): Promise<void> {
    const t = outcome.created;
    const f = outcome.failures;
    const e = outcome.entries;
    const createdIds = new Set(t.map((x) => x.id));
    const states = [...outcome.pendingStates].filter(([id]) => !createdIds.has(id));
    const a = [...outcome.accounts.values()];
    const iso = (d: Date | null) => (d === null ? null : d.toISOString());
    await sql`
      WITH ins_t AS (
        INSERT INTO ledger_transfers (id, debit_account_id, credit_account_id, amount, currency, code, flags, pending_id,
          timeout_seconds, expires_at, state, user_data, fingerprint, batch_id, created_at)
        SELECT id, debit, credit, amount, currency, code, flags, pending_id, timeout_seconds, expires_at, state, user_data,
               fingerprint, ${batch.id.toString()}::int8, created_at
        FROM unnest(
          ${t.map((x) => x.id)}::uuid[], ${t.map((x) => x.debitAccountId)}::uuid[], ${t.map((x) => x.creditAccountId)}::uuid[],
          ${t.map((x) => x.amount.toString())}::int8[], ${t.map((x) => x.currency)}::text[], ${t.map((x) => x.code)}::text[],
          ${t.map((x) => x.flags)}::int4[], ${t.map((x) => x.pendingId)}::uuid[], ${t.map((x) => x.timeoutSeconds)}::int4[],
          ${t.map((x) => iso(x.expiresAt))}::timestamptz[],
          ${t.map((x) => outcome.pendingStates.get(x.id) ?? x.state)}::text[], ${t.map((x) => x.userData)}::text[],
          ${t.map((x) => x.fingerprint)}::text[], ${t.map((x) => x.timestamp.toISOString())}::timestamptz[]
        ) AS v(id, debit, credit, amount, currency, code, flags, pending_id, timeout_seconds, expires_at, state, user_data,
               fingerprint, created_at)
      ), ins_f AS (
        INSERT INTO ledger_failures (id, code, fingerprint, batch_id, created_at)
        SELECT id, code, fingerprint, ${batch.id.toString()}::int8, ${batch.at}
        FROM unnest(${f.map((x) => x.id)}::uuid[], ${f.map((x) => x.code)}::text[], ${f.map((x) => x.fingerprint)}::text[])
          AS v(id, code, fingerprint)
      ), ins_e AS (
        INSERT INTO ledger_entries (account_id, version, transfer_id, batch_id, debits_pending, debits_posted,
          credits_pending, credits_posted, created_at)
        SELECT account_id, version, transfer_id, ${batch.id.toString()}::int8, dp, dpo, cp, cpo, ${batch.at}
        FROM unnest(
          ${e.map((x) => x.accountId)}::uuid[], ${e.map((x) => x.version.toString())}::int8[], ${e.map((x) => x.transferId)}::uuid[],
          ${e.map((x) => x.debitsPending.toString())}::int8[], ${e.map((x) => x.debitsPosted.toString())}::int8[],
          ${e.map((x) => x.creditsPending.toString())}::int8[], ${e.map((x) => x.creditsPosted.toString())}::int8[]
        ) AS v(account_id, version, transfer_id, dp, dpo, cp, cpo)
      ), upd_s AS (
        UPDATE ledger_transfers AS lt SET state = v.state
        FROM unnest(${states.map(([id]) => id)}::uuid[], ${states.map(([, st]) => st)}::text[]) AS v(id, state)
        WHERE lt.id = v.id AND lt.state = 'pending'
      ), upd_a AS (
        UPDATE ledger_accounts AS la SET
          debits_pending = v.dp, debits_posted = v.dpo, credits_pending = v.cp, credits_posted = v.cpo,
          version = v.version, updated_at = ${batch.at}
        FROM unnest(
          ${a.map((x) => x.id)}::uuid[], ${a.map((x) => x.debitsPending.toString())}::int8[],
          ${a.map((x) => x.debitsPosted.toString())}::int8[], ${a.map((x) => x.creditsPending.toString())}::int8[],
          ${a.map((x) => x.creditsPosted.toString())}::int8[], ${a.map((x) => x.version.toString())}::int8[]
        ) AS v(id, dp, dpo, cp, cpo, version)
        WHERE la.id = v.id
      ), ins_b AS (
        INSERT INTO ledger_batches (id, prev_hash, hash, transfer_count, created_at)
        VALUES (${batch.id.toString()}::int8, ${batch.prevHash}, ${batch.hash}, ${t.length + f.length}, ${batch.at})
      )
      UPDATE ledger_chain SET last_batch_id = ${batch.id.toString()}::int8, last_hash = ${batch.hash} WHERE singleton`.execute(
      trx,
    );
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
