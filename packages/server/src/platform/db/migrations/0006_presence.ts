import { type Kysely, sql } from 'kysely';

/** When each user was last connected (kept fresh by their sockets' pings). */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE presence (
      user_id uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
      last_seen_at timestamptz NOT NULL
    )
  `.execute(db);
}
