import { type Kysely, sql } from 'kysely';

/**
 * Family pay: a granter lets a friend pay merchants from the granter's wallet up to a
 * monthly limit. Usage is kept per grant and calendar month (in the configured time zone)
 * and changed in the same transaction as the payment, under a lock on the grant row.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE family_grants (
      id uuid PRIMARY KEY,
      granter_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      grantee_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      monthly_limit bigint NOT NULL CHECK (monthly_limit > 0),
      currency text NOT NULL,
      status text NOT NULL CHECK (status IN ('offered', 'active', 'ended')),
      offer_expires_at timestamptz NOT NULL,
      ends_at timestamptz,
      created_at timestamptz NOT NULL,
      accepted_at timestamptz,
      ended_at timestamptz,
      ended_by uuid,
      CHECK (granter_id <> grantee_id)
    )
  `.execute(db);
  await sql`CREATE INDEX family_grants_granter_idx ON family_grants (granter_id, created_at DESC)`.execute(
    db,
  );
  await sql`CREATE INDEX family_grants_grantee_idx ON family_grants (grantee_id, created_at DESC)`.execute(
    db,
  );

  await sql`
    CREATE TABLE family_grant_usage (
      grant_id uuid NOT NULL REFERENCES family_grants (id) ON DELETE CASCADE,
      month text NOT NULL,
      used bigint NOT NULL CHECK (used >= 0),
      PRIMARY KEY (grant_id, month)
    )
  `.execute(db);

  await sql`
    CREATE TABLE family_grant_uses (
      transfer_id uuid PRIMARY KEY,
      grant_id uuid NOT NULL REFERENCES family_grants (id) ON DELETE CASCADE,
      merchant_id uuid NOT NULL,
      amount bigint NOT NULL CHECK (amount > 0),
      month text NOT NULL,
      note text NOT NULL,
      created_at timestamptz NOT NULL
    )
  `.execute(db);
  await sql`CREATE INDEX family_grant_uses_grant_idx ON family_grant_uses (grant_id, created_at DESC)`.execute(
    db,
  );

  // A pay code shown "from the family card of X" names the grant it pays through.
  await sql`ALTER TABLE paycodes ADD COLUMN grant_id uuid`.execute(db);
}
