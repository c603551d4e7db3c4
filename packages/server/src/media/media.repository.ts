import { type Insertable, type Kysely, type Selectable, sql, type Transaction } from 'kysely';
import type { Database, MediaTable } from '../platform/db/schema.js';

export type MediaRow = Selectable<MediaTable>;
type Db = Kysely<Database> | Transaction<Database>;

/** A media row with what decides who may read it, as one reader sees it. */
export interface ReadableRow extends MediaRow {
  /** The message that carries it: its seq and whether it was recalled (null: not sent yet). */
  message_seq: bigint | string | null;
  message_recalled: boolean | null;
  /** The reader's membership of that conversation (null: not a member). */
  reader_joined_seq: bigint | string | null;
  reader_hidden: boolean;
}

/** The only place that speaks SQL for media, plays and avatars. */
export class MediaRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(row: Insertable<MediaTable>, db: Db = this.db): Promise<MediaRow> {
    return db.insertInto('media').values(row).returningAll().executeTakeFirstOrThrow();
  }

  find(id: string, db: Db = this.db): Promise<MediaRow | undefined> {
    return db.selectFrom('media').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** A media row and the facts that decide whether `readerId` may read it. */
  async readable(id: string, readerId: string, db: Db = this.db): Promise<ReadableRow | undefined> {
    const result = await sql<ReadableRow>`
      SELECT m.*, g.seq AS message_seq, (g.recalled_at IS NOT NULL) AS message_recalled,
        cm.joined_seq AS reader_joined_seq,
        EXISTS (SELECT 1 FROM message_hides h WHERE h.conversation_id = g.conversation_id
          AND h.seq = g.seq AND h.user_id = ${readerId}) AS reader_hidden
      FROM media m
      LEFT JOIN messages g ON g.conversation_id = m.conversation_id AND g.id = m.message_id
      LEFT JOIN conversation_members cm ON cm.conversation_id = m.conversation_id AND cm.user_id = ${readerId}
      WHERE m.id = ${id}
    `.execute(db);
    return result.rows[0];
  }

  /** Locks the rows of `ids` for the rest of the transaction, in id order (no deadlocks). */
  lockMany(trx: Transaction<Database>, ids: readonly string[]): Promise<MediaRow[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return trx
      .selectFrom('media')
      .selectAll()
      .where('id', 'in', [...ids])
      .orderBy('id')
      .forUpdate()
      .execute();
  }

  async attach(
    trx: Transaction<Database>,
    ids: readonly string[],
    conversationId: string,
    messageId: string,
  ): Promise<void> {
    await trx
      .updateTable('media')
      .set({ conversation_id: conversationId, message_id: messageId })
      .where('id', 'in', [...ids])
      .where('conversation_id', 'is', null)
      .execute();
  }

  /** Records a play; true when this was the listener's first. */
  async insertPlay(trx: Transaction<Database>, mediaId: string, userId: string, at: Date): Promise<boolean> {
    const row = await trx
      .insertInto('media_plays')
      .values({ media_id: mediaId, user_id: userId, played_at: at })
      .onConflict((oc) => oc.columns(['media_id', 'user_id']).doNothing())
      .returning('media_id')
      .executeTakeFirst();
    return row !== undefined;
  }

  async played(mediaId: string, userId: string, db: Db = this.db): Promise<boolean> {
    const row = await db
      .selectFrom('media_plays')
      .select('media_id')
      .where('media_id', '=', mediaId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return row !== undefined;
  }

  /**
   * Deletes up to `limit` media rows nobody may read any more and answers them: uploads no
   * message took before `unsentBefore`, the media of recalled messages, and avatars that
   * neither a user nor a group points at (older than `unsentBefore`, so that one being set
   * right now is left alone).
   */
  async deleteDead(unsentBefore: Date, limit: number): Promise<MediaRow[]> {
    const result = await sql<MediaRow>`
      DELETE FROM media WHERE id IN (
        SELECT m.id FROM media m
        LEFT JOIN messages g ON g.conversation_id = m.conversation_id AND g.id = m.message_id
        WHERE (m.kind <> 'avatar' AND m.conversation_id IS NULL AND m.created_at < ${unsentBefore})
          OR g.recalled_at IS NOT NULL
          OR (m.kind = 'avatar' AND m.created_at < ${unsentBefore}
            AND NOT EXISTS (SELECT 1 FROM users u WHERE u.avatar_id = m.id)
            AND NOT EXISTS (SELECT 1 FROM conversations c WHERE c.avatar_id = m.id))
        ORDER BY m.created_at
        LIMIT ${limit}
      )
      RETURNING *
    `.execute(this.db);
    return result.rows;
  }

  async setUserAvatar(db: Db, userId: string, avatarId: string | null, at: Date): Promise<void> {
    await db
      .updateTable('users')
      .set({ avatar_id: avatarId, updated_at: at })
      .where('id', '=', userId)
      .execute();
  }
}
