import { type Kysely, type Selectable, sql, type Transaction } from 'kysely';
import type { Database, LedgerAccountsTable, LedgerTransfersTable } from '../platform/db/schema.js';
import type {
  Account,
  BatchOutcome,
  Failure,
  LedgerErrorCode,
  PendingState,
  Transfer,
} from './ledger.core.js';

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

/** Rows per multi-row INSERT: well under Postgres' 65,535 parameters. */
const INSERT_CHUNK_ROWS = 1000;

function chunks<T>(rows: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += INSERT_CHUNK_ROWS) out.push(rows.slice(i, i + INSERT_CHUNK_ROWS));
  return out;
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

  /** Writes everything a batch decided, in a handful of statements. */
  async writeOutcome(
    trx: Transaction<Database>,
    batch: { id: bigint; prevHash: string; hash: string; at: Date },
    outcome: Pick<BatchOutcome, 'created' | 'failures' | 'pendingStates' | 'accounts' | 'entries'>,
  ): Promise<void> {
    for (const rows of chunks(outcome.created)) {
      await trx
        .insertInto('ledger_transfers')
        .values(
          rows.map((t) => ({
            id: t.id,
            debit_account_id: t.debitAccountId,
            credit_account_id: t.creditAccountId,
            amount: t.amount,
            currency: t.currency,
            code: t.code,
            flags: t.flags,
            pending_id: t.pendingId,
            timeout_seconds: t.timeoutSeconds,
            expires_at: t.expiresAt,
            // A hold posted or voided within its own batch is stored with its final state.
            state: (outcome.pendingStates.get(t.id) ?? t.state) as PendingState | null,
            user_data: t.userData,
            fingerprint: t.fingerprint,
            batch_id: batch.id,
            created_at: t.timestamp,
          })),
        )
        .execute();
    }
    for (const rows of chunks(outcome.failures)) {
      await trx
        .insertInto('ledger_failures')
        .values(
          rows.map((f) => ({
            id: f.id,
            code: f.code,
            fingerprint: f.fingerprint,
            batch_id: batch.id,
            created_at: batch.at,
          })),
        )
        .execute();
    }
    for (const rows of chunks(outcome.entries)) {
      await trx
        .insertInto('ledger_entries')
        .values(
          rows.map((e) => ({
            account_id: e.accountId,
            version: e.version,
            transfer_id: e.transferId,
            batch_id: batch.id,
            debits_pending: e.debitsPending,
            debits_posted: e.debitsPosted,
            credits_pending: e.creditsPending,
            credits_posted: e.creditsPosted,
            created_at: batch.at,
          })),
        )
        .execute();
    }
    const createdIds = new Set(outcome.created.map((t) => t.id));
    const stateChanges = [...outcome.pendingStates].filter(([id]) => !createdIds.has(id));
    for (const state of ['posted', 'voided', 'expired'] as const) {
      const ids = stateChanges.filter(([, s]) => s === state).map(([id]) => id);
      if (ids.length > 0) {
        await trx
          .updateTable('ledger_transfers')
          .set({ state })
          .where('id', 'in', ids)
          .where('state', '=', 'pending')
          .execute();
      }
    }
    const accounts = [...outcome.accounts.values()];
    if (accounts.length > 0) {
      await sql`
        UPDATE ledger_accounts AS a SET
          debits_pending = v.debits_pending,
          debits_posted = v.debits_posted,
          credits_pending = v.credits_pending,
          credits_posted = v.credits_posted,
          version = v.version,
          updated_at = ${batch.at}
        FROM (
          SELECT * FROM unnest(
            ${accounts.map((a) => a.id)}::uuid[],
            ${accounts.map((a) => a.debitsPending.toString())}::int8[],
            ${accounts.map((a) => a.debitsPosted.toString())}::int8[],
            ${accounts.map((a) => a.creditsPending.toString())}::int8[],
            ${accounts.map((a) => a.creditsPosted.toString())}::int8[],
            ${accounts.map((a) => a.version.toString())}::int8[]
          ) AS t(id, debits_pending, debits_posted, credits_pending, credits_posted, version)
        ) AS v
        WHERE a.id = v.id
      `.execute(trx);
    }
    await trx
      .insertInto('ledger_batches')
      .values({
        id: batch.id,
        prev_hash: batch.prevHash,
        hash: batch.hash,
        transfer_count: outcome.created.length + outcome.failures.length,
        created_at: batch.at,
      })
      .execute();
    await trx
      .updateTable('ledger_chain')
      .set({ last_batch_id: batch.id, last_hash: batch.hash })
      .where('singleton', '=', true)
      .execute();
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
