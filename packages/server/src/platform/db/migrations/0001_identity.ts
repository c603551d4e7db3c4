import { type Kysely, sql } from 'kysely';

/** Accounts, device sessions and the security audit trail. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE users (
      id uuid PRIMARY KEY,
      username text,
      phone text,
      password_hash text NOT NULL,
      display_name text NOT NULL,
      bio text NOT NULL DEFAULT '',
      region text,
      role text NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin')),
      kyc_tier smallint NOT NULL DEFAULT 0 CHECK (kyc_tier BETWEEN 0 AND 2),
      pin_hash text,
      pin_failed_attempts integer NOT NULL DEFAULT 0 CHECK (pin_failed_attempts >= 0),
      pin_locked_until timestamptz,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      CHECK (username IS NOT NULL OR phone IS NOT NULL),
      CHECK (username IS NULL OR username = lower(username)),
      CHECK (phone IS NULL OR phone ~ '^\\+[1-9][0-9]{6,14}$')
    )
  `.execute(db);
  await sql`CREATE UNIQUE INDEX users_username_key ON users (username) WHERE username IS NOT NULL`.execute(
    db,
  );
  await sql`CREATE UNIQUE INDEX users_phone_key ON users (phone) WHERE phone IS NOT NULL`.execute(db);

  await sql`
    CREATE TABLE sessions (
      id uuid PRIMARY KEY,
      user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      token_hash text NOT NULL,
      device_name text NOT NULL,
      user_agent text,
      ip text,
      created_at timestamptz NOT NULL,
      last_seen_at timestamptz NOT NULL,
      expires_at timestamptz NOT NULL,
      revoked_at timestamptz
    )
  `.execute(db);
  await sql`CREATE UNIQUE INDEX sessions_token_hash_key ON sessions (token_hash)`.execute(db);
  await sql`CREATE INDEX sessions_user_active_idx ON sessions (user_id, created_at) WHERE revoked_at IS NULL`.execute(
    db,
  );

  await sql`
    CREATE TABLE security_events (
      id uuid PRIMARY KEY,
      user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      kind text NOT NULL,
      ip text,
      detail jsonb NOT NULL DEFAULT '{}',
      created_at timestamptz NOT NULL
    )
  `.execute(db);
  await sql`CREATE INDEX security_events_user_idx ON security_events (user_id, created_at)`.execute(db);
}
