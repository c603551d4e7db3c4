import { type Kysely, sql } from 'kysely';

/**
 * Durable scheduled jobs (expiries, refunds, webhook deliveries): one row per (kind, key),
 * claimed by any node with `FOR UPDATE SKIP LOCKED` and leased by moving `run_at` forward,
 * so that a node that dies mid-job leaves it to run again when the lease ends.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE jobs (
      kind text NOT NULL,
      key text NOT NULL,
      payload jsonb NOT NULL,
      run_at timestamptz NOT NULL,
      attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
      last_error text,
      dead boolean NOT NULL DEFAULT false,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      PRIMARY KEY (kind, key)
    )
  `.execute(db);
  await sql`CREATE INDEX jobs_due_idx ON jobs (run_at) WHERE NOT dead`.execute(db);
}
