import { type Kysely, sql } from 'kysely';

/**
 * The wallet around the ledger: bank cards and bank operations (top-ups, withdrawals),
 * money requests, one-time pay codes, daily spending counters; every user's update log;
 * server-side secrets; and the indexes history reads need.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE server_secrets (
      name text PRIMARY KEY,
      secret text NOT NULL,
      created_at timestamptz NOT NULL
    )
  `.execute(db);

  // Every user's durable update log: each event a user must see gets the next `pts` of
  // that user, in the transaction of the change. Clients catch up from their last pts.
  await sql`
    CREATE TABLE user_update_heads (
      user_id uuid PRIMARY KEY,
      pts bigint NOT NULL
    )
  `.execute(db);
  await sql`
    CREATE TABLE user_updates (
      seq bigserial NOT NULL,
      user_id uuid NOT NULL,
      pts bigint NOT NULL,
      topic text NOT NULL,
      payload jsonb NOT NULL,
      created_at timestamptz NOT NULL,
      PRIMARY KEY (user_id, pts)
    )
  `.execute(db);
  // Each node tails the log by seq to wake its sockets even when an announcement was lost.
  await sql`CREATE INDEX user_updates_seq_idx ON user_updates (seq)`.execute(db);

  await sql`
    CREATE TABLE bank_cards (
      id uuid PRIMARY KEY,
      user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      bank_name text NOT NULL,
      last4 text NOT NULL CHECK (last4 ~ '^[0-9]{4}$'),
      holder_name text NOT NULL,
      gateway_token text NOT NULL,
      created_at timestamptz NOT NULL,
      removed_at timestamptz
    )
  `.execute(db);
  await sql`CREATE INDEX bank_cards_user_idx ON bank_cards (user_id) WHERE removed_at IS NULL`.execute(db);

  await sql`
    CREATE TABLE bank_operations (
      id uuid PRIMARY KEY,
      user_id uuid NOT NULL REFERENCES users (id),
      kind text NOT NULL CHECK (kind IN ('topup', 'withdrawal')),
      card_id uuid NOT NULL REFERENCES bank_cards (id),
      amount bigint NOT NULL CHECK (amount > 0),
      currency text NOT NULL,
      status text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
      failure_reason text,
      request_hash text NOT NULL,
      created_at timestamptz NOT NULL,
      completed_at timestamptz
    )
  `.execute(db);
  await sql`CREATE INDEX bank_operations_user_idx ON bank_operations (user_id, created_at)`.execute(db);
  await sql`CREATE INDEX bank_operations_pending_idx ON bank_operations (created_at) WHERE status = 'pending'`.execute(
    db,
  );

  await sql`
    CREATE TABLE payment_requests (
      id uuid PRIMARY KEY,
      requester_id uuid NOT NULL REFERENCES users (id),
      payer_id uuid NOT NULL REFERENCES users (id),
      amount bigint NOT NULL CHECK (amount > 0),
      currency text NOT NULL,
      note text NOT NULL,
      status text NOT NULL CHECK (status IN ('pending', 'paid', 'declined', 'cancelled', 'expired')),
      transfer_id uuid,
      request_hash text NOT NULL,
      created_at timestamptz NOT NULL,
      expires_at timestamptz NOT NULL,
      decided_at timestamptz,
      CHECK (requester_id <> payer_id)
    )
  `.execute(db);
  await sql`CREATE INDEX payment_requests_payer_idx ON payment_requests (payer_id, created_at)`.execute(db);
  await sql`CREATE INDEX payment_requests_requester_idx ON payment_requests (requester_id, created_at)`.execute(
    db,
  );

  await sql`
    CREATE TABLE paycodes (
      code_hash text PRIMARY KEY,
      user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      created_at timestamptz NOT NULL,
      expires_at timestamptz NOT NULL,
      used_at timestamptz,
      charge_id uuid
    )
  `.execute(db);
  await sql`CREATE INDEX paycodes_expiry_idx ON paycodes (expires_at)`.execute(db);

  await sql`
    CREATE TABLE wallet_daily_usage (
      user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      day date NOT NULL,
      outflow bigint NOT NULL DEFAULT 0 CHECK (outflow >= 0),
      PRIMARY KEY (user_id, day)
    )
  `.execute(db);

  // The first copy of a payment request claims its id; copies sent at the same time wait for
  // its answer instead of racing it for the daily limit.
  await sql`
    CREATE TABLE wallet_claims (
      id uuid PRIMARY KEY,
      created_at timestamptz NOT NULL
    )
  `.execute(db);

  await sql`CREATE INDEX ledger_transfers_debit_idx ON ledger_transfers (debit_account_id, created_at DESC, id DESC)`.execute(
    db,
  );
  await sql`CREATE INDEX ledger_transfers_credit_idx ON ledger_transfers (credit_account_id, created_at DESC, id DESC)`.execute(
    db,
  );
}
