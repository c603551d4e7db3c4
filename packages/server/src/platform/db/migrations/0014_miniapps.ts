import { type Kysely, sql } from 'kysely';

/**
 * The mini-app registry: apps with their keys (SHA-256 hashes of the live and test secrets,
 * shown once; rotating one replaces its hash, so the old secret stops at once), login codes
 * (hashed, one use), the pairwise openids issued per app and user, the scopes users granted,
 * and per-app-per-user storage.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE miniapps (
      id uuid PRIMARY KEY,
      developer_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      name text NOT NULL,
      description text NOT NULL,
      icon_url text,
      origin text NOT NULL,
      scopes text[] NOT NULL,
      webhook_url text,
      status text NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'suspended')),
      status_reason text,
      live_key_hash text NOT NULL,
      live_key_created_at timestamptz NOT NULL,
      test_key_hash text NOT NULL,
      test_key_created_at timestamptz NOT NULL,
      webhook_secret text NOT NULL,
      webhook_secret_created_at timestamptz NOT NULL,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      approved_at timestamptz
    )
  `.execute(db);
  await sql`CREATE UNIQUE INDEX miniapps_live_key_idx ON miniapps (live_key_hash)`.execute(db);
  await sql`CREATE UNIQUE INDEX miniapps_test_key_idx ON miniapps (test_key_hash)`.execute(db);
  await sql`CREATE INDEX miniapps_developer_idx ON miniapps (developer_id, created_at)`.execute(db);
  await sql`CREATE INDEX miniapps_status_idx ON miniapps (status, created_at)`.execute(db);

  await sql`
    CREATE TABLE miniapp_login_codes (
      code_hash text PRIMARY KEY,
      app_id uuid NOT NULL REFERENCES miniapps (id) ON DELETE CASCADE,
      user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      created_at timestamptz NOT NULL,
      expires_at timestamptz NOT NULL,
      used_at timestamptz
    )
  `.execute(db);
  await sql`CREATE INDEX miniapp_login_codes_expiry_idx ON miniapp_login_codes (expires_at)`.execute(db);

  await sql`
    CREATE TABLE miniapp_openids (
      app_id uuid NOT NULL REFERENCES miniapps (id) ON DELETE CASCADE,
      user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      openid text NOT NULL,
      created_at timestamptz NOT NULL,
      PRIMARY KEY (app_id, user_id)
    )
  `.execute(db);
  await sql`CREATE UNIQUE INDEX miniapp_openids_openid_idx ON miniapp_openids (app_id, openid)`.execute(db);

  await sql`
    CREATE TABLE miniapp_scope_grants (
      app_id uuid NOT NULL REFERENCES miniapps (id) ON DELETE CASCADE,
      user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      scope text NOT NULL CHECK (scope IN ('profile', 'phone')),
      granted_at timestamptz NOT NULL,
      PRIMARY KEY (app_id, user_id, scope)
    )
  `.execute(db);

  await sql`
    CREATE TABLE miniapp_storage (
      app_id uuid NOT NULL REFERENCES miniapps (id) ON DELETE CASCADE,
      user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      key text NOT NULL CHECK (char_length(key) BETWEEN 1 AND 128),
      value jsonb NOT NULL,
      updated_at timestamptz NOT NULL,
      PRIMARY KEY (app_id, user_id, key)
    )
  `.execute(db);
}
