import { type Kysely, type RawBuilder, type Selectable, sql, type Transaction } from 'kysely';
import type {
  BankCardsTable,
  BankOperationsTable,
  Database,
  LedgerTransfersTable,
  PaymentRequestsTable,
} from '../platform/db/schema.js';

export type CardRow = Selectable<BankCardsTable>;
export type BankOperationRow = Selectable<BankOperationsTable>;
export type PaymentRequestRow = Selectable<PaymentRequestsTable>;
type Db = Kysely<Database> | Transaction<Database>;

export interface HistoryFilters {
  kind?: string | undefined;
  direction?: 'in' | 'out' | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  counterparty?: string | undefined;
  /** Rows before this version of the wallet account (the cursor). */
  before?: bigint | undefined;
}

export interface HistoryRow extends Selectable<LedgerTransfersTable> {
  /** The wallet account's version right after the transfer (the history's order). */
  account_version: bigint;
  outgoing: boolean;
  post_amount: bigint | null;
  balance_after: bigint | null;
  bank_name: string | null;
  card_last4: string | null;
}

/** The only place that speaks SQL for the wallet. */
export class WalletRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insertCard(card: CardRow): Promise<void> {
    await this.db.insertInto('bank_cards').values(card).execute();
  }

  listCards(userId: string): Promise<CardRow[]> {
    return this.db
      .selectFrom('bank_cards')
      .selectAll()
      .where('user_id', '=', userId)
      .where('removed_at', 'is', null)
      .orderBy('created_at')
      .execute();
  }

  findCard(userId: string, id: string): Promise<CardRow | undefined> {
    return this.db
      .selectFrom('bank_cards')
      .selectAll()
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .where('removed_at', 'is', null)
      .executeTakeFirst();
  }

  async removeCard(userId: string, id: string, now: Date): Promise<boolean> {
    const r = await this.db
      .updateTable('bank_cards')
      .set({ removed_at: now })
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .where('removed_at', 'is', null)
      .executeTakeFirst();
    return r.numUpdatedRows > 0n;
  }

  /** Inserts unless the id exists; true when this call inserted it. */
  async insertOperation(op: BankOperationRow, db: Db = this.db): Promise<boolean> {
    const r = await db
      .insertInto('bank_operations')
      .values(op)
      .onConflict((oc) => oc.column('id').doNothing())
      .executeTakeFirst();
    return (r.numInsertedOrUpdatedRows ?? 0n) > 0n;
  }

  findOperation(id: string, db: Db = this.db): Promise<BankOperationRow | undefined> {
    return db.selectFrom('bank_operations').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async finishOperation(
    id: string,
    status: 'succeeded' | 'failed',
    reason: string | null,
    now: Date,
  ): Promise<BankOperationRow | undefined> {
    return this.db
      .updateTable('bank_operations')
      .set({ status, failure_reason: reason, completed_at: now })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .returningAll()
      .executeTakeFirst();
  }

  /** Serialises one user's top-ups until the transaction ends (see WalletService.topUp). */
  async lockTopUps(trx: Transaction<Database>, userId: string): Promise<void> {
    await sql`SELECT pg_advisory_xact_lock(hashtextextended(${`wallet.topup:${userId}`}, 0))`.execute(trx);
  }

  /** True for the first caller with this id, false for every copy after it. */
  async claim(id: string, now: Date): Promise<boolean> {
    const r = await this.db
      .insertInto('wallet_claims')
      .values({ id, created_at: now })
      .onConflict((oc) => oc.column('id').doNothing())
      .executeTakeFirst();
    return (r.numInsertedOrUpdatedRows ?? 0n) > 0n;
  }

  /** Adds to today's outflow unless that would pass the limit; false when it would. */
  async reserveOutflow(userId: string, day: string, amount: bigint, limit: bigint): Promise<boolean> {
    const r = await sql<{ outflow: bigint }>`
      INSERT INTO wallet_daily_usage (user_id, day, outflow) VALUES (${userId}, ${day}, ${amount.toString()}::int8)
      ON CONFLICT (user_id, day) DO UPDATE SET outflow = wallet_daily_usage.outflow + EXCLUDED.outflow
      WHERE wallet_daily_usage.outflow + EXCLUDED.outflow <= ${limit.toString()}::int8
      RETURNING outflow`.execute(this.db);
    return r.rows.length === 1 && amount <= limit;
  }

  async releaseOutflow(userId: string, day: string, amount: bigint, db: Db = this.db): Promise<void> {
    await sql`
      UPDATE wallet_daily_usage SET outflow = greatest(outflow - ${amount.toString()}::int8, 0)
      WHERE user_id = ${userId} AND day = ${day}`.execute(db);
  }

  async outflowOn(userId: string, day: string): Promise<bigint> {
    const row = await this.db
      .selectFrom('wallet_daily_usage')
      .select('outflow')
      .where('user_id', '=', userId)
      .where('day', '=', day)
      .executeTakeFirst();
    return row?.outflow ?? 0n;
  }

  async insertRequest(row: PaymentRequestRow): Promise<boolean> {
    const r = await this.db
      .insertInto('payment_requests')
      .values(row)
      .onConflict((oc) => oc.column('id').doNothing())
      .executeTakeFirst();
    return (r.numInsertedOrUpdatedRows ?? 0n) > 0n;
  }

  findRequest(id: string, db: Db = this.db): Promise<PaymentRequestRow | undefined> {
    return db.selectFrom('payment_requests').selectAll().where('id', '=', id).executeTakeFirst();
  }

  lockRequest(trx: Transaction<Database>, id: string): Promise<PaymentRequestRow | undefined> {
    return trx.selectFrom('payment_requests').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
  }

  async decideRequest(
    db: Db,
    id: string,
    status: PaymentRequestRow['status'],
    now: Date,
    transferId: string | null = null,
  ): Promise<PaymentRequestRow | undefined> {
    return db
      .updateTable('payment_requests')
      .set({ status, decided_at: now, transfer_id: transferId })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .returningAll()
      .executeTakeFirst();
  }

  listRequests(userId: string, role: 'incoming' | 'outgoing', limit: number): Promise<PaymentRequestRow[]> {
    return this.db
      .selectFrom('payment_requests')
      .selectAll()
      .where(role === 'incoming' ? 'payer_id' : 'requester_id', '=', userId)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
  }

  async insertPaycode(
    codeHash: string,
    userId: string,
    now: Date,
    expiresAt: Date,
    grantId: string | null = null,
  ): Promise<void> {
    await this.db
      .insertInto('paycodes')
      .values({
        code_hash: codeHash,
        user_id: userId,
        created_at: now,
        expires_at: expiresAt,
        used_at: null,
        charge_id: null,
        grant_id: grantId,
      })
      .execute();
    // Old codes are of no use to anyone: keep the table small.
    await this.db
      .deleteFrom('paycodes')
      .where('expires_at', '<', new Date(now.getTime() - 24 * 3600 * 1000))
      .execute();
  }

  /**
   * Uses a live pay code once: the payer's id and the grant it pays through, or undefined
   * when unknown, used or expired.
   */
  async consumePaycode(
    codeHash: string,
    chargeId: string,
    now: Date,
  ): Promise<{ user_id: string; grant_id: string | null } | undefined> {
    const row = await this.db
      .updateTable('paycodes')
      .set({ used_at: now, charge_id: chargeId })
      .where('code_hash', '=', codeHash)
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .returning(['user_id', 'grant_id'])
      .executeTakeFirst();
    return row;
  }

  /** Which charge used a pay code (null while unused). */
  async paycodeCharge(codeHash: string): Promise<string | null | undefined> {
    const row = await this.db
      .selectFrom('paycodes')
      .select('charge_id')
      .where('code_hash', '=', codeHash)
      .executeTakeFirst();
    return row?.charge_id;
  }

  /** Gives back a pay code whose charge moved no money. */
  async restorePaycode(codeHash: string, usedAt: Date): Promise<void> {
    await this.db
      .updateTable('paycodes')
      .set({ used_at: null, charge_id: null })
      .where('code_hash', '=', codeHash)
      .where('used_at', '=', usedAt)
      .execute();
  }

  /**
   * History rows of a wallet, newest first: the operations (not the posts and voids that finish
   * them) with the posted amount of a hold, the balance right after, and the bank card of bank
   * ones. A wallet's transfers are read by the account's versions, on the debit and on the
   * credit side (an index each), `limit` at most from each.
   */
  #historyRows(accountId: string, where: RawBuilder<unknown>, limit: number, before?: bigint) {
    const side = (s: 'debit' | 'credit') => sql`(
        SELECT t.*, ${sql.ref(`t.${s}_version`)} AS account_version FROM ledger_transfers t
        WHERE ${sql.ref(`t.${s}_account_id`)} = ${accountId} AND ${sql.ref(`t.${s}_version`)} IS NOT NULL
          ${before === undefined ? sql`` : sql`AND ${sql.ref(`t.${s}_version`)} < ${before}`}
          AND (t.flags & 12) = 0
          ${where}
        ORDER BY ${sql.ref(`t.${s}_version`)} DESC LIMIT ${limit})`;
    return sql<HistoryRow>`
      SELECT t.*, (t.debit_account_id = ${accountId}) AS outgoing,
             post.amount AS post_amount,
             bal.balance AS balance_after,
             bc.bank_name, bc.last4 AS card_last4
      FROM (${side('debit')} UNION ALL ${side('credit')}) t
      LEFT JOIN ledger_transfers post ON post.pending_id = t.id AND (post.flags & 4) <> 0
      LEFT JOIN LATERAL (
        SELECT e.credits_posted - e.debits_posted AS balance FROM ledger_entries e
        WHERE e.account_id = ${accountId} AND e.transfer_id = coalesce(post.id, t.id)
          AND ((t.flags & 2) = 0 OR post.id IS NOT NULL)
        ORDER BY e.version DESC LIMIT 1
      ) bal ON true
      LEFT JOIN bank_operations bo ON bo.id = t.id
      LEFT JOIN bank_cards bc ON bc.id = bo.card_id
      ORDER BY t.account_version DESC LIMIT ${limit}`.execute(this.db);
  }

  /** A wallet's history, newest first, filtered and paged by cursor. */
  async history(accountId: string, filters: HistoryFilters, limit: number): Promise<HistoryRow[]> {
    const f = filters;
    const where = sql`
      ${
        f.kind === 'paycode'
          ? sql`AND (t.user_data::jsonb ->> 'kind') IN ('paycode', 'miniapp')`
          : f.kind
            ? sql`AND (t.user_data::jsonb ->> 'kind') = ${f.kind}`
            : sql``
      }
      ${f.direction === 'out' ? sql`AND t.debit_account_id = ${accountId}` : sql``}
      ${f.direction === 'in' ? sql`AND t.credit_account_id = ${accountId}` : sql``}
      ${f.from ? sql`AND t.created_at >= ${f.from}` : sql``}
      ${f.to ? sql`AND t.created_at < ${f.to}` : sql``}
      ${f.counterparty ? sql`AND ((t.user_data::jsonb ->> 'from') = ${f.counterparty} OR (t.user_data::jsonb ->> 'to') = ${f.counterparty})` : sql``}`;
    // The cursor is a version of this account: on each side, the rows before it.
    const rows = await this.#historyRows(accountId, where, limit, f.before);
    return rows.rows;
  }

  async historyItem(accountId: string, transferId: string): Promise<HistoryRow | undefined> {
    const rows = await this.#historyRows(accountId, sql`AND t.id = ${transferId}`, 1);
    return rows.rows[0];
  }

  /** Money in and out per month, counting what completed (plain transfers and posted holds). */
  async monthly(accountId: string, since: Date, timeZone: string) {
    const rows = await sql<{ month: string; in_minor: bigint | null; out_minor: bigint | null }>`
      SELECT to_char(date_trunc('month', created_at AT TIME ZONE ${timeZone}), 'YYYY-MM') AS month,
             sum(amount) FILTER (WHERE credit_account_id = ${accountId}) AS in_minor,
             sum(amount) FILTER (WHERE debit_account_id = ${accountId}) AS out_minor
      FROM ledger_transfers
      WHERE (debit_account_id = ${accountId} OR credit_account_id = ${accountId})
        AND (flags & 10) = 0 AND created_at >= ${since}
      GROUP BY 1 ORDER BY 1`.execute(this.db);
    return rows.rows;
  }
}
