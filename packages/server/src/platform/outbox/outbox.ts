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
 * Appends events to their audience's update logs: each user gets the next pts of their own
 * log, in the caller's transaction. Heads are taken in user id order (no deadlocks between
 * transactions that touch the same users). Returns the users whose logs grew.
 */
export async function writeOutbox(
  db: Kysely<Database> | Transaction<Database>,
  events: readonly OutboxEvent[],
  at: Date,
): Promise<string[]> {
  const perUser = new Map<string, OutboxEvent[]>();
  for (const e of events) {
    for (const userId of new Set(e.audience)) perUser.set(userId, [...(perUser.get(userId) ?? []), e]);
  }
  if (perUser.size === 0) return [];
  const users = [...perUser.keys()].sort();
  const heads = await sql<{ user_id: string; pts: string }>`
    INSERT INTO user_update_heads AS h (user_id, pts)
    SELECT u, n FROM unnest(${users}::uuid[], ${users.map((u) => String(perUser.get(u)?.length ?? 0))}::int8[]) AS v(u, n)
    ORDER BY u
    ON CONFLICT (user_id) DO UPDATE SET pts = h.pts + EXCLUDED.pts
    RETURNING h.user_id, h.pts::text AS pts`.execute(db);
  const rows: { user_id: string; pts: string; topic: string; payload: string; created_at: Date }[] = [];
  for (const head of heads.rows) {
    const list = perUser.get(head.user_id) ?? [];
    const last = BigInt(head.pts);
    list.forEach((e, i) => {
      rows.push({
        user_id: head.user_id,
        pts: (last - BigInt(list.length - 1 - i)).toString(),
        topic: e.topic,
        payload: JSON.stringify(e.payload),
        created_at: at,
      });
    });
  }
  await sql`
    INSERT INTO user_updates (user_id, pts, topic, payload, created_at)
    SELECT u, p, t, j, c FROM unnest(
      ${rows.map((r) => r.user_id)}::uuid[], ${rows.map((r) => r.pts)}::int8[], ${rows.map((r) => r.topic)}::text[],
      ${rows.map((r) => r.payload)}::jsonb[], ${rows.map((r) => r.created_at.toISOString())}::timestamptz[]
    ) AS v(u, p, t, j, c)`.execute(db);
  return users;
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
 * Users with updates after `afterSeq` (the log's global insertion order), and the newest
 * seq seen. Transactions commit out of seq order, so callers re-read a margin behind it.
 */
export async function recentlyUpdated(
  db: Kysely<Database>,
  afterSeq: bigint,
  limit: number,
): Promise<{ userIds: string[]; maxSeq: bigint }> {
  const rows = await db
    .selectFrom('user_updates')
    .select(['user_id', 'seq'])
    .where('seq', '>', afterSeq)
    .orderBy('seq')
    .limit(limit)
    .execute();
  const last = rows[rows.length - 1];
  return { userIds: [...new Set(rows.map((r) => r.user_id))], maxSeq: last ? last.seq : afterSeq };
}

/** Every update of a user, oldest first (for tests and exports). */
export async function outboxFor(db: Kysely<Database>, userId: string) {
  return db.selectFrom('user_updates').selectAll().where('user_id', '=', userId).orderBy('pts').execute();
}
