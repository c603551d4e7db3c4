import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/schema.js';

/** An event for some users, written in the transaction of the change that caused it. */
export interface OutboxEvent {
  topic: string;
  audience: readonly string[];
  payload: Record<string, unknown>;
}

export async function writeOutbox(
  db: Kysely<Database> | Transaction<Database>,
  events: readonly OutboxEvent[],
  at: Date,
): Promise<void> {
  if (events.length === 0) return;
  await db
    .insertInto('outbox')
    .values(
      events.map((e) => ({
        topic: e.topic,
        audience: [...e.audience],
        payload: JSON.stringify(e.payload),
        created_at: at,
      })),
    )
    .execute();
}

export async function outboxFor(db: Kysely<Database>, userId: string) {
  return db
    .selectFrom('outbox')
    .selectAll()
    .where((eb) => eb(eb.val(userId), '=', eb.fn.any('audience')))
    .orderBy('id')
    .execute();
}
