import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database } from '../platform/db/schema.js';
import type { Day } from './fund.core.js';

type Db = Kysely<Database> | Transaction<Database>;

export interface YieldRow {
  day: Day;
  per10kE4: bigint;
  source: 'published' | 'simulated';
  publishedAt: Date;
}

export interface HoldingRow {
  userId: string;
  shares: bigint;
  pending: bigint;
  cumulativeIncome: bigint;
  lastIncome: bigint;
  lastIncomeDay: Day | null;
}

export type OrderKind = 'subscribe' | 'redeem_instant' | 'redeem_normal';

export interface OrderRow {
  id: string;
  userId: string;
  kind: OrderKind;
  amount: bigint;
  currency: string;
  status: 'pending' | 'done';
  tradeDay: Day;
  effectiveDay: Day;
  requestHash: string;
  createdAt: Date;
  doneAt: Date | null;
}

export interface AccrualRow {
  day: Day;
  per10kE4: bigint;
  holders: bigint;
  incomeTotal: bigint;
  confirmedTotal: bigint;
  transferId: string | null;
  createdAt: Date;
}

const big = (v: unknown): bigint => BigInt(String(v));

function toOrder(r: Record<string, unknown>): OrderRow {
  return {
    id: r.id as string,
    userId: r.user_id as string,
    kind: r.kind as OrderKind,
    amount: big(r.amount),
    currency: r.currency as string,
    status: r.status as 'pending' | 'done',
    tradeDay: r.trade_day as string,
    effectiveDay: r.effective_day as string,
    requestHash: r.request_hash as string,
    createdAt: new Date(r.created_at as Date),
    doneAt: r.done_at ? new Date(r.done_at as Date) : null,
  };
}

function toAccrual(r: Record<string, unknown>): AccrualRow {
  return {
    day: r.day as string,
    per10kE4: big(r.per_10k_e4),
    holders: big(r.holders),
    incomeTotal: big(r.income_total),
    confirmedTotal: big(r.confirmed_total),
    transferId: (r.transfer_id as string | null) ?? null,
    createdAt: new Date(r.created_at as Date),
  };
}

const ORDER_COLUMNS = sql`id, user_id, kind, amount::text AS amount, currency, status, trade_day::text AS trade_day,
  effective_day::text AS effective_day, request_hash, created_at, done_at`;
const ACCRUAL_COLUMNS = sql`day::text AS day, per_10k_e4, holders::text AS holders, income_total::text AS income_total,
  confirmed_total::text AS confirmed_total, transfer_id, created_at`;

/** The fund's SQL: the only file that talks to the fund_* tables. Dates travel as text. */
export class FundRepository {
  constructor(private readonly db: Kysely<Database>) {}

  // ── Yields ────────────────────────────────────────────────────────────

  /** Inserts a day's yield unless one is there; answers the stored one either way. */
  async publishYield(
    db: Db,
    day: Day,
    per10kE4: bigint,
    source: YieldRow['source'],
    now: Date,
  ): Promise<{ row: YieldRow; created: boolean }> {
    const inserted = await sql`
      INSERT INTO fund_yields (day, per_10k_e4, source, published_at)
      VALUES (${day}::date, ${Number(per10kE4)}, ${source}, ${now})
      ON CONFLICT (day) DO NOTHING RETURNING day`.execute(db);
    const row = await this.findYield(day, db);
    if (!row) throw new Error(`the yield of ${day} vanished`);
    return { row, created: inserted.rows.length === 1 };
  }

  async findYield(day: Day, db: Db = this.db): Promise<YieldRow | undefined> {
    return (await this.yieldsBetween(day, day, db))[0];
  }

  /** Yields from `from` to `to` (inclusive), oldest first. */
  async yieldsBetween(from: Day, to: Day, db: Db = this.db): Promise<YieldRow[]> {
    const r = await sql<{ day: string; per_10k_e4: number; source: YieldRow['source']; published_at: Date }>`
      SELECT day::text AS day, per_10k_e4, source, published_at FROM fund_yields
      WHERE day BETWEEN ${from}::date AND ${to}::date ORDER BY day`.execute(db);
    return r.rows.map((y) => ({
      day: y.day,
      per10kE4: BigInt(y.per_10k_e4),
      source: y.source,
      publishedAt: new Date(y.published_at),
    }));
  }

  /** The latest `n` yields up to `to`, oldest first. */
  async latestYields(n: number, to: Day): Promise<YieldRow[]> {
    const r = await sql<{ day: string; per_10k_e4: number; source: YieldRow['source']; published_at: Date }>`
      SELECT day::text AS day, per_10k_e4, source, published_at FROM fund_yields
      WHERE day <= ${to}::date ORDER BY day DESC LIMIT ${n}`.execute(this.db);
    return r.rows.reverse().map((y) => ({
      day: y.day,
      per10kE4: BigInt(y.per_10k_e4),
      source: y.source,
      publishedAt: new Date(y.published_at),
    }));
  }

  /** Published days after `after` (or all) up to `to`, oldest first. */
  async yieldDaysAfter(after: Day | null, to: Day, limit: number): Promise<Day[]> {
    const r = await sql<{ day: string }>`
      SELECT day::text AS day FROM fund_yields
      WHERE day <= ${to}::date ${after ? sql`AND day > ${after}::date` : sql``}
      ORDER BY day LIMIT ${limit}`.execute(this.db);
    return r.rows.map((x) => x.day);
  }

  // ── Holdings and orders ──────────────────────────────────────────────

  async holding(userId: string, db: Db = this.db): Promise<HoldingRow | undefined> {
    const r = await sql<Record<string, unknown>>`
      SELECT user_id, shares::text AS shares, pending::text AS pending, cumulative_income::text AS cumulative_income,
             last_income::text AS last_income, last_income_day::text AS last_income_day
      FROM fund_holdings WHERE user_id = ${userId}`.execute(db);
    const h = r.rows[0];
    if (!h) return undefined;
    return {
      userId: h.user_id as string,
      shares: big(h.shares),
      pending: big(h.pending),
      cumulativeIncome: big(h.cumulative_income),
      lastIncome: big(h.last_income),
      lastIncomeDay: (h.last_income_day as string | null) ?? null,
    };
  }

  /** The holder's row, created if missing, locked until the transaction ends. */
  async lockHolding(trx: Transaction<Database>, userId: string, now: Date): Promise<HoldingRow> {
    await sql`
      INSERT INTO fund_holdings (user_id, updated_at) VALUES (${userId}, ${now})
      ON CONFLICT (user_id) DO NOTHING`.execute(trx);
    await sql`SELECT 1 FROM fund_holdings WHERE user_id = ${userId} FOR UPDATE`.execute(trx);
    const h = await this.holding(userId, trx);
    if (!h) throw new Error('the holding exists after it was created');
    return h;
  }

  async changeHolding(
    trx: Transaction<Database>,
    userId: string,
    delta: { shares?: bigint; pending?: bigint },
    now: Date,
  ): Promise<void> {
    await sql`
      UPDATE fund_holdings SET shares = shares + ${(delta.shares ?? 0n).toString()}::int8,
        pending = pending + ${(delta.pending ?? 0n).toString()}::int8, updated_at = ${now}
      WHERE user_id = ${userId}`.execute(trx);
  }

  async findOrder(id: string, db: Db = this.db): Promise<OrderRow | undefined> {
    const r = await sql<
      Record<string, unknown>
    >`SELECT ${ORDER_COLUMNS} FROM fund_orders WHERE id = ${id}`.execute(db);
    return r.rows[0] ? toOrder(r.rows[0]) : undefined;
  }

  /** False when an order with this id is already there. */
  async insertOrder(trx: Transaction<Database>, o: OrderRow): Promise<boolean> {
    const r = await sql`
      INSERT INTO fund_orders (id, user_id, kind, amount, currency, status, trade_day, effective_day, request_hash,
                               created_at, done_at)
      VALUES (${o.id}, ${o.userId}, ${o.kind}, ${o.amount.toString()}::int8, ${o.currency}, ${o.status},
              ${o.tradeDay}::date, ${o.effectiveDay}::date, ${o.requestHash}, ${o.createdAt}, ${o.doneAt})
      ON CONFLICT (id) DO NOTHING RETURNING id`.execute(trx);
    return r.rows.length === 1;
  }

  async orders(userId: string, limit: number): Promise<OrderRow[]> {
    const r = await sql<Record<string, unknown>>`
      SELECT ${ORDER_COLUMNS} FROM fund_orders WHERE user_id = ${userId}
      ORDER BY created_at DESC, id DESC LIMIT ${limit}`.execute(this.db);
    return r.rows.map(toOrder);
  }

  /** Adds to a day's instant redemptions unless that would pass `max`; false when it would. */
  async reserveInstant(
    trx: Transaction<Database>,
    userId: string,
    day: Day,
    amount: bigint,
    max: bigint,
  ): Promise<boolean> {
    const r = await sql`
      INSERT INTO fund_instant_usage AS u (user_id, day, amount)
      SELECT ${userId}, ${day}::date, ${amount.toString()}::int8 WHERE ${amount.toString()}::int8 <= ${max.toString()}::int8
      ON CONFLICT (user_id, day) DO UPDATE SET amount = u.amount + EXCLUDED.amount
        WHERE u.amount + EXCLUDED.amount <= ${max.toString()}::int8
      RETURNING amount`.execute(trx);
    return r.rows.length === 1;
  }

  async instantUsed(userId: string, day: Day, db: Db = this.db): Promise<bigint> {
    const r = await sql<{ amount: string }>`
      SELECT amount::text AS amount FROM fund_instant_usage WHERE user_id = ${userId} AND day = ${day}::date`.execute(
      db,
    );
    return r.rows[0] ? BigInt(r.rows[0].amount) : 0n;
  }

  /** Normal redemptions due by `day`, locked (others skip them) until the transaction ends. */
  async lockDueRedemptions(trx: Transaction<Database>, day: Day, limit: number): Promise<OrderRow[]> {
    const r = await sql<Record<string, unknown>>`
      SELECT ${ORDER_COLUMNS} FROM fund_orders
      WHERE kind = 'redeem_normal' AND status = 'pending' AND effective_day <= ${day}::date
      ORDER BY effective_day, id LIMIT ${limit} FOR UPDATE SKIP LOCKED`.execute(trx);
    return r.rows.map(toOrder);
  }

  async markDone(trx: Transaction<Database>, ids: readonly string[], now: Date): Promise<number> {
    if (ids.length === 0) return 0;
    const r = await trx
      .updateTable('fund_orders')
      .set({ status: 'done', done_at: now })
      .where('id', 'in', [...ids])
      .where('status', '=', 'pending')
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  // ── Accrual ──────────────────────────────────────────────────────────

  /**
   * Accruals run one at a time across every node (readers are not blocked), with a statement
   * timeout long enough for millions of holders.
   */
  async lockAccruals(trx: Transaction<Database>, statementTimeoutMs: number): Promise<void> {
    await sql`LOCK TABLE fund_accruals IN EXCLUSIVE MODE`.execute(trx);
    await sql.raw(`SET LOCAL statement_timeout = ${Math.trunc(statementTimeoutMs)}`).execute(trx);
  }

  async findAccrual(day: Day, db: Db = this.db): Promise<AccrualRow | undefined> {
    const r = await sql<Record<string, unknown>>`
      SELECT ${ACCRUAL_COLUMNS} FROM fund_accruals WHERE day = ${day}::date`.execute(db);
    return r.rows[0] ? toAccrual(r.rows[0]) : undefined;
  }

  async lastAccrualDay(db: Db = this.db): Promise<Day | null> {
    const r = await sql<{ day: string | null }>`SELECT max(day)::text AS day FROM fund_accruals`.execute(db);
    return r.rows[0]?.day ?? null;
  }

  /** Subscriptions confirmed by `day` become earning shares. Answers the amount confirmed. */
  async confirmSubscriptions(trx: Transaction<Database>, day: Day, now: Date): Promise<bigint> {
    const r = await sql<{ total: string }>`
      WITH due AS (
        UPDATE fund_orders SET status = 'done', done_at = ${now}
        WHERE kind = 'subscribe' AND status = 'pending' AND effective_day <= ${day}::date
        RETURNING user_id, amount
      ), per_user AS (
        SELECT user_id, sum(amount)::int8 AS amount FROM due GROUP BY user_id
      ), moved AS (
        UPDATE fund_holdings h SET shares = h.shares + p.amount, pending = h.pending - p.amount, updated_at = ${now}
        FROM per_user p WHERE h.user_id = p.user_id
        RETURNING p.amount
      )
      SELECT coalesce(sum(amount), 0)::text AS total FROM moved`.execute(trx);
    return BigInt(r.rows[0]?.total ?? '0');
  }

  /**
   * One day's income for every earning holder, in one statement: income = floor(shares ×
   * per10kE4 ÷ 10^8), reinvested as shares, recorded in fund_incomes. Answers how many
   * holders earned and the sum of their incomes.
   */
  async accrueIncomes(
    trx: Transaction<Database>,
    day: Day,
    per10kE4: bigint,
    now: Date,
  ): Promise<{ holders: bigint; total: bigint }> {
    const y = sql`${per10kE4.toString()}::int8`;
    const r = await sql<{ holders: string; total: string }>`
      WITH upd AS (
        UPDATE fund_holdings SET
          shares = shares + (shares * ${y}) / 100000000,
          cumulative_income = cumulative_income + (shares * ${y}) / 100000000,
          last_income = (shares * ${y}) / 100000000,
          last_income_day = ${day}::date,
          updated_at = ${now}
        WHERE shares > 0
        RETURNING user_id, last_income, shares
      ), ins AS (
        INSERT INTO fund_incomes (user_id, day, income, shares_after)
        SELECT user_id, ${day}::date, last_income, shares FROM upd WHERE last_income > 0
      )
      SELECT count(*)::text AS holders, coalesce(sum(last_income), 0)::text AS total FROM upd`.execute(trx);
    const row = r.rows[0];
    return { holders: BigInt(row?.holders ?? '0'), total: BigInt(row?.total ?? '0') };
  }

  async insertAccrual(trx: Transaction<Database>, a: AccrualRow): Promise<void> {
    await sql`
      INSERT INTO fund_accruals (day, per_10k_e4, holders, income_total, confirmed_total, transfer_id, created_at)
      VALUES (${a.day}::date, ${Number(a.per10kE4)}, ${a.holders.toString()}::int8, ${a.incomeTotal.toString()}::int8,
              ${a.confirmedTotal.toString()}::int8, ${a.transferId}, ${a.createdAt})`.execute(trx);
  }

  /** A holder's incomes from `from` to `to`, oldest first. */
  async incomes(userId: string, from: Day, to: Day): Promise<{ day: Day; income: bigint }[]> {
    const r = await sql<{ day: string; income: string }>`
      SELECT day::text AS day, income::text AS income FROM fund_incomes
      WHERE user_id = ${userId} AND day BETWEEN ${from}::date AND ${to}::date ORDER BY day`.execute(this.db);
    return r.rows.map((x) => ({ day: x.day, income: BigInt(x.income) }));
  }

  // ── Invariants ───────────────────────────────────────────────────────

  async totals(db: Db = this.db): Promise<{
    holders: bigint;
    shares: bigint;
    pending: bigint;
    pendingOrders: bigint;
    redeeming: bigint;
    incomes: bigint;
    accrued: bigint;
    negative: bigint;
  }> {
    const r = await sql<Record<string, string>>`
      SELECT
        (SELECT count(*) FROM fund_holdings WHERE shares > 0 OR pending > 0)::text AS holders,
        (SELECT coalesce(sum(shares), 0) FROM fund_holdings)::text AS shares,
        (SELECT coalesce(sum(pending), 0) FROM fund_holdings)::text AS pending,
        (SELECT coalesce(sum(amount), 0) FROM fund_orders WHERE kind = 'subscribe' AND status = 'pending')::text
          AS pending_orders,
        (SELECT coalesce(sum(amount), 0) FROM fund_orders WHERE kind = 'redeem_normal' AND status = 'pending')::text
          AS redeeming,
        (SELECT coalesce(sum(income), 0) FROM fund_incomes)::text AS incomes,
        (SELECT coalesce(sum(income_total), 0) FROM fund_accruals)::text AS accrued,
        (SELECT count(*) FROM fund_holdings WHERE shares < 0 OR pending < 0)::text AS negative`.execute(db);
    const t = r.rows[0] ?? {};
    return {
      holders: big(t.holders),
      shares: big(t.shares),
      pending: big(t.pending),
      pendingOrders: big(t.pending_orders),
      redeeming: big(t.redeeming),
      incomes: big(t.incomes),
      accrued: big(t.accrued),
      negative: big(t.negative),
    };
  }
}
