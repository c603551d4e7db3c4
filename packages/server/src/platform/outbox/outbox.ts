import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database } from '../db/schema.js';

/** An event for some users, written in the transaction of the change that caused it. */
export interface OutboxEvent {
  topic: string;
  audience: readonly string[];
  payload: Record<string, unknown>;
}

export interface StoredUpdate {
  userId: string;
  pts: bigint;
  topic: string;
  payload: unknown;
  createdAt: Date;
}

/**
 * An update as it was just written, for announcing: the payload is already JSON, so that
 * the bus and each socket pass it on without encoding it again.
 */
export interface WrittenUpdate {
  userId: string;
  pts: bigint;
  topic: string;
  payloadJson: string;
  at: string;
}

/**
 * Appends events to their audience's update logs: each user gets the next pts of their own
 * log, in the caller's transaction, in one statement. Heads are taken in user id order (no
 * deadlocks between transactions that touch the same users). Returns what was written, in
 * pts order per user.
 */
export async function writeOutbox(
  db: Kysely<Database> | Transaction<Database>,
  events: readonly OutboxEvent[],
  at: Date,
): Promise<WrittenUpdate[]> {
  const users: string[] = [];
  const ranks: number[] = [];
  const topics: string[] = [];
  const payloads: string[] = [];
  const counts = new Map<string, number>();
  for (const e of events) {
    const json = JSON.stringify(e.payload);
    for (const userId of new Set(e.audience)) {
      const rank = (counts.get(userId) ?? 0) + 1;
      counts.set(userId, rank);
      users.push(userId);
      ranks.push(rank);
      topics.push(e.topic);
      payloads.push(json);
    }
  }
  if (users.length === 0) return [];
  const iso = at.toISOString();
  const written = await sql<{ user_id: string; pts: string; k: number }>`
    WITH v AS (
      SELECT * FROM unnest(${users}::uuid[], ${ranks}::int4[], ${topics}::text[], ${payloads}::jsonb[]) AS v(u, k, t, j)
    ), n AS (
      SELECT u, count(*) AS n FROM v GROUP BY u
    ), h AS (
      INSERT INTO user_update_heads AS h (user_id, pts)
      SELECT u, n FROM n ORDER BY u
      ON CONFLICT (user_id) DO UPDATE SET pts = h.pts + EXCLUDED.pts
      RETURNING h.user_id, h.pts
    )
    INSERT INTO user_updates (user_id, pts, topic, payload, created_at)
    SELECT v.u, h.pts - n.n + v.k, v.t, v.j, ${iso}::timestamptz
    FROM v JOIN n ON n.u = v.u JOIN h ON h.user_id = v.u
    RETURNING user_id, pts::text AS pts`.execute(db);
  // Rows come back in no promised order: a user's k-th event has their k-th smallest pts.
  const byUser = new Map<string, bigint[]>();
  for (const r of written.rows) {
    const list = byUser.get(r.user_id);
    if (list) list.push(BigInt(r.pts));
    else byUser.set(r.user_id, [BigInt(r.pts)]);
  }
  for (const list of byUser.values()) list.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return users.map((userId, i) => ({
    userId,
    pts: (byUser.get(userId) as bigint[])[(ranks[i] as number) - 1] as bigint,
    topic: topics[i] as string,
    payloadJson: payloads[i] as string,
    at: iso,
  }));
}

/** A user's updates after `afterPts`, oldest first, at most `limit`. */
export async function updatesAfter(
  db: Kysely<Database>,
  userId: string,
  afterPts: bigint,
  limit: number,
): Promise<StoredUpdate[]> {
  const rows = await db
    .selectFrom('user_updates')
    .selectAll()
    .where('user_id', '=', userId)
    .where('pts', '>', afterPts)
    .orderBy('pts')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    userId: r.user_id,
    pts: r.pts,
    topic: r.topic,
    payload: r.payload,
    createdAt: r.created_at,
  }));
}

/** The newest pts of a user's log (0 when empty). */
export async function headPts(db: Kysely<Database>, userId: string): Promise<bigint> {
  const row = await db
    .selectFrom('user_update_heads')
    .select('pts')
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return row?.pts ?? 0n;
}

/**
 * Users with updates after `afterSeq` (the log's global insertion order) with the newest pts
 * of each among them, and the newest seq seen. Transactions commit out of seq order, so callers re-read a margin behind it.
 */
export async function recentlyUpdated(
  db: Kysely<Database>,
  afterSeq: bigint,
  limit: number,
): Promise<{ heads: Map<string, bigint>; maxSeq: bigint }> {
  const rows = await db
    .selectFrom('user_updates')
    .select(['user_id', 'seq', 'pts'])
    .where('seq', '>', afterSeq)
    .orderBy('seq')
    .limit(limit)
    .execute();
  const heads = new Map<string, bigint>();
  for (const r of rows) if ((heads.get(r.user_id) ?? -1n) < r.pts) heads.set(r.user_id, r.pts);
  const last = rows[rows.length - 1];
  return { heads, maxSeq: last ? last.seq : afterSeq };
}

/** Every update of a user, oldest first (for tests and exports). */
export async function outboxFor(db: Kysely<Database>, userId: string) {
  return db.selectFrom('user_updates').selectAll().where('user_id', '=', userId).orderBy('pts').execute();
}
