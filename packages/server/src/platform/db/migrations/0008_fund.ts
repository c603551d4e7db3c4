import { type Kysely, sql } from 'kysely';

/**
 * The money-market fund's sub-ledger. Money sits in the ledger's fund pool; who owns which
 * part of it is kept here: holdings (earning shares and subscriptions awaiting
 * confirmation), append-only orders and daily incomes, published yields, one accrual row per
 * day (its primary key makes accrual idempotent across nodes) and the daily instant
 * redemption counters. One share is one minor unit.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // Per-10k yields × 10^4 ("1.2345" → 12345), from 0 to 10.0000.
  await sql`
    CREATE TABLE fund_yields (
      day date PRIMARY KEY,
      per_10k_e4 integer NOT NULL CHECK (per_10k_e4 >= 0 AND per_10k_e4 <= 100000),
      source text NOT NULL CHECK (source IN ('published', 'simulated')),
      published_at timestamptz NOT NULL
    )
  `.execute(db);

  // Room on every page, so that the daily accrual's update of every row stays on its page
  // (a heap-only update: no new index entries).
  await sql`
    CREATE TABLE fund_holdings (
      user_id uuid PRIMARY KEY,
      shares bigint NOT NULL DEFAULT 0 CHECK (shares >= 0),
      pending bigint NOT NULL DEFAULT 0 CHECK (pending >= 0),
      cumulative_income bigint NOT NULL DEFAULT 0 CHECK (cumulative_income >= 0),
      last_income bigint NOT NULL DEFAULT 0 CHECK (last_income >= 0),
      last_income_day date,
      updated_at timestamptz NOT NULL
    ) WITH (fillfactor = 50)
  `.execute(db);

  await sql`
    CREATE TABLE fund_orders (
      id uuid PRIMARY KEY,
      user_id uuid NOT NULL,
      kind text NOT NULL CHECK (kind IN ('subscribe', 'redeem_instant', 'redeem_normal')),
      amount bigint NOT NULL CHECK (amount > 0),
      currency text NOT NULL,
      status text NOT NULL CHECK (status IN ('pending', 'done')),
      trade_day date NOT NULL,
      effective_day date NOT NULL,
      request_hash text NOT NULL,
      created_at timestamptz NOT NULL,
      done_at timestamptz
    )
  `.execute(db);
  await sql`CREATE INDEX fund_orders_user_idx ON fund_orders (user_id, created_at DESC)`.execute(db);
  await sql`CREATE INDEX fund_orders_due_idx ON fund_orders (kind, effective_day) WHERE status = 'pending'`.execute(
    db,
  );

  await sql`
    CREATE TABLE fund_incomes (
      user_id uuid NOT NULL,
      day date NOT NULL,
      income bigint NOT NULL CHECK (income > 0),
      shares_after bigint NOT NULL,
      PRIMARY KEY (user_id, day)
    )
  `.execute(db);

  await sql`
    CREATE TABLE fund_accruals (
      day date PRIMARY KEY,
      per_10k_e4 integer NOT NULL,
      holders bigint NOT NULL,
      income_total bigint NOT NULL CHECK (income_total >= 0),
      confirmed_total bigint NOT NULL,
      transfer_id uuid,
      created_at timestamptz NOT NULL
    )
  `.execute(db);

  await sql`
    CREATE TABLE fund_instant_usage (
      user_id uuid NOT NULL,
      day date NOT NULL,
      amount bigint NOT NULL CHECK (amount >= 0),
      PRIMARY KEY (user_id, day)
    )
  `.execute(db);

  // Orders, incomes, yields and accruals are history: they are never rewritten or removed
  // (an order's status moves from pending to done once, through the guarded UPDATE below).
  await sql`
    CREATE FUNCTION fund_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
    END $$
  `.execute(db);
  for (const table of ['fund_incomes', 'fund_accruals', 'fund_yields']) {
    await sql`
      CREATE TRIGGER ${sql.raw(`${table}_append_only`)} BEFORE UPDATE OR DELETE ON ${sql.table(table)}
      FOR EACH ROW EXECUTE FUNCTION fund_refuse_change()
    `.execute(db);
  }
  await sql`
    CREATE FUNCTION fund_orders_guard() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'DELETE' OR OLD.status <> 'pending' OR NEW.status <> 'done'
         OR (NEW.id, NEW.user_id, NEW.kind, NEW.amount, NEW.currency, NEW.trade_day, NEW.effective_day,
             NEW.request_hash, NEW.created_at)
            IS DISTINCT FROM
            (OLD.id, OLD.user_id, OLD.kind, OLD.amount, OLD.currency, OLD.trade_day, OLD.effective_day,
             OLD.request_hash, OLD.created_at) THEN
        RAISE EXCEPTION 'fund_orders only move from pending to done';
      END IF;
      RETURN NEW;
    END $$
  `.execute(db);
  await sql`
    CREATE TRIGGER fund_orders_guard BEFORE UPDATE OR DELETE ON fund_orders
    FOR EACH ROW EXECUTE FUNCTION fund_orders_guard()
  `.execute(db);
}
