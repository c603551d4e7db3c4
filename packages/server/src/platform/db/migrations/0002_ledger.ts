import { type Kysely, sql } from 'kysely';

/**
 * (No foreign keys on the hot tables: the writer only ever references accounts it has just
 * locked, and `jiaozi ledger verify` checks every reference. A per-row foreign-key check
 * would double the cost of a batch.)
 *
 * The double-entry ledger: accounts with four totals, transfers (append-only; pending ones
 * carry their state), kept failures, per-account versioned entries, and the hash chain of
 * batches. The CHECK constraints repeat the ledger's own rules as a last line of defence.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE ledger_accounts (
      id uuid PRIMARY KEY,
      currency text NOT NULL,
      code text NOT NULL,
      flags integer NOT NULL CHECK (flags >= 0 AND flags < 8 AND (flags & 3) <> 3),
      owner_ref text,
      debits_pending bigint NOT NULL DEFAULT 0 CHECK (debits_pending >= 0),
      debits_posted bigint NOT NULL DEFAULT 0 CHECK (debits_posted >= 0),
      credits_pending bigint NOT NULL DEFAULT 0 CHECK (credits_pending >= 0),
      credits_posted bigint NOT NULL DEFAULT 0 CHECK (credits_posted >= 0),
      version bigint NOT NULL DEFAULT 0,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      CHECK ((flags & 1) = 0 OR debits_pending + debits_posted <= credits_posted),
      CHECK ((flags & 2) = 0 OR credits_pending + credits_posted <= debits_posted)
    )
  `.execute(db);
  await sql`CREATE UNIQUE INDEX ledger_accounts_owner_key ON ledger_accounts (code, owner_ref, currency) WHERE owner_ref IS NOT NULL`.execute(
    db,
  );

  await sql`
    CREATE TABLE ledger_batches (
      id bigint PRIMARY KEY,
      prev_hash text NOT NULL,
      hash text NOT NULL,
      transfer_count integer NOT NULL,
      created_at timestamptz NOT NULL
    )
  `.execute(db);
  await sql`
    CREATE TABLE ledger_chain (
      singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
      last_batch_id bigint NOT NULL,
      last_hash text NOT NULL
    )
  `.execute(db);
  await sql`INSERT INTO ledger_chain (singleton, last_batch_id, last_hash) VALUES (true, 0, ${'0'.repeat(64)})`.execute(
    db,
  );

  await sql`
    CREATE TABLE ledger_transfers (
      id uuid PRIMARY KEY,
      debit_account_id uuid NOT NULL,
      credit_account_id uuid NOT NULL,
      amount bigint NOT NULL CHECK (amount >= 0),
      currency text NOT NULL,
      code text NOT NULL,
      flags integer NOT NULL,
      pending_id uuid,
      timeout_seconds integer NOT NULL DEFAULT 0,
      expires_at timestamptz,
      state text CHECK (state IN ('pending', 'posted', 'voided', 'expired')),
      user_data text,
      fingerprint text NOT NULL,
      batch_id bigint NOT NULL,
      created_at timestamptz NOT NULL
    )
  `.execute(db);
  await sql`CREATE INDEX ledger_transfers_expiry_idx ON ledger_transfers (expires_at) WHERE state = 'pending' AND expires_at IS NOT NULL`.execute(
    db,
  );
  await sql`CREATE INDEX ledger_transfers_pending_idx ON ledger_transfers (pending_id) WHERE pending_id IS NOT NULL`.execute(
    db,
  );
  await sql`CREATE INDEX ledger_transfers_batch_idx ON ledger_transfers (batch_id)`.execute(db);

  await sql`
    CREATE TABLE ledger_failures (
      id uuid PRIMARY KEY,
      code text NOT NULL,
      fingerprint text NOT NULL,
      batch_id bigint NOT NULL,
      created_at timestamptz NOT NULL
    )
  `.execute(db);
  await sql`CREATE INDEX ledger_failures_batch_idx ON ledger_failures (batch_id)`.execute(db);

  await sql`
    CREATE TABLE ledger_entries (
      account_id uuid NOT NULL,
      version bigint NOT NULL,
      transfer_id uuid NOT NULL,
      batch_id bigint NOT NULL,
      debits_pending bigint NOT NULL,
      debits_posted bigint NOT NULL,
      credits_pending bigint NOT NULL,
      credits_posted bigint NOT NULL,
      created_at timestamptz NOT NULL,
      PRIMARY KEY (account_id, version)
    )
  `.execute(db);
  await sql`CREATE INDEX ledger_entries_batch_idx ON ledger_entries (batch_id)`.execute(db);
  await sql`CREATE INDEX ledger_entries_transfer_idx ON ledger_entries (transfer_id)`.execute(db);

  // Append-only: entries, transfers' immutable fields and failures are never changed.
  await sql`
    CREATE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'ledger rows are append-only (% on %)', TG_OP, TG_TABLE_NAME;
    END
    $$
  `.execute(db);
  await sql`CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries FOR EACH ROW EXECUTE FUNCTION ledger_append_only()`.execute(
    db,
  );
  await sql`CREATE TRIGGER ledger_failures_append_only BEFORE UPDATE OR DELETE ON ledger_failures FOR EACH ROW EXECUTE FUNCTION ledger_append_only()`.execute(
    db,
  );
  await sql`CREATE TRIGGER ledger_batches_append_only BEFORE UPDATE OR DELETE ON ledger_batches FOR EACH ROW EXECUTE FUNCTION ledger_append_only()`.execute(
    db,
  );
  await sql`
    CREATE FUNCTION ledger_transfers_guard() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'ledger transfers are append-only';
      END IF;
      IF (NEW.id, NEW.debit_account_id, NEW.credit_account_id, NEW.amount, NEW.code, NEW.flags, NEW.fingerprint, NEW.batch_id)
         IS DISTINCT FROM (OLD.id, OLD.debit_account_id, OLD.credit_account_id, OLD.amount, OLD.code, OLD.flags, OLD.fingerprint, OLD.batch_id)
         OR OLD.state IS DISTINCT FROM 'pending' THEN
        RAISE EXCEPTION 'only the state of a pending ledger transfer may change';
      END IF;
      RETURN NEW;
    END
    $$
  `.execute(db);
  await sql`CREATE TRIGGER ledger_transfers_guard BEFORE UPDATE OR DELETE ON ledger_transfers FOR EACH ROW EXECUTE FUNCTION ledger_transfers_guard()`.execute(
    db,
  );
}
