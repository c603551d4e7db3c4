import { type Kysely, type Selectable, sql, type Transaction } from 'kysely';
import type {
  ConversationMembersTable,
  ConversationsTable,
  Database,
  MessagesTable,
} from '../platform/db/schema.js';
import type { PageRequest } from './chat.core.js';

export type ConversationRow = Selectable<ConversationsTable>;
export type MemberRow = Selectable<ConversationMembersTable>;
/** A message with how many members (other than its sender) have read it. */
export type MessageRow = Selectable<MessagesTable> & { read_count: bigint | string | number };
type Db = Kysely<Database> | Transaction<Database>;

export interface NewMessage {
  conversation_id: string;
  id: string;
  sender_id: string;
  kind: string;
  body: string | null;
  payload: Record<string, unknown> | null;
  reply_to: string | null;
  mentions: string[];
  mention_all: boolean;
  forwarded: boolean;
  request_hash: string;
}

/** A conversation as one member sees it, before views are made. */
export interface SummaryRow extends ConversationRow {
  role: MemberRow['role'];
  joined_seq: bigint;
  read_seq: bigint;
  delivered_seq: bigint;
  muted: boolean;
  pinned: boolean;
  archived: boolean;
  member_count: bigint | string | number;
  peer_id: string | null;
  unread_count: bigint | string | number;
  last_visible_seq: bigint | string | number | null;
}

const readCount = sql<string>`(SELECT count(*) FROM conversation_members x WHERE x.conversation_id = g.conversation_id AND x.read_seq >= g.seq AND x.user_id <> g.sender_id)`;

function notHiddenFor(userId: string) {
  return sql<boolean>`NOT EXISTS (SELECT 1 FROM message_hides h WHERE h.conversation_id = g.conversation_id AND h.seq = g.seq AND h.user_id = ${userId})`;
}

/** The only place that speaks SQL for conversations, members and messages. */
export class ChatRepository {
  constructor(private readonly db: Kysely<Database>) {}

  // ── Conversations ────────────────────────────────────────────────────────

  findConversation(id: string, db: Db = this.db): Promise<ConversationRow | undefined> {
    return db.selectFrom('conversations').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Locks the conversation row for the rest of the transaction: sends and changes queue here. */
  lockConversation(trx: Transaction<Database>, id: string): Promise<ConversationRow | undefined> {
    return trx.selectFrom('conversations').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
  }

  /** Locks several conversations in id order (no deadlocks between batches); missing ones are left out. */
  lockConversations(trx: Transaction<Database>, ids: readonly string[]): Promise<ConversationRow[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return trx
      .selectFrom('conversations')
      .selectAll()
      .where('id', 'in', ids)
      .orderBy('id')
      .forUpdate()
      .execute();
  }

  /** Sets the seq that a batch of sends reached in each conversation. */
  async advanceConversations(
    trx: Transaction<Database>,
    heads: readonly { id: string; lastSeq: bigint }[],
    now: Date,
  ): Promise<void> {
    if (heads.length === 0) return;
    await sql`
      UPDATE conversations c SET last_seq = v.seq, last_activity_at = ${now.toISOString()}::timestamptz
      FROM unnest(${heads.map((h) => h.id)}::uuid[], ${heads.map((h) => String(h.lastSeq))}::int8[]) AS v(id, seq)
      WHERE c.id = v.id`.execute(trx);
  }

  findDirect(key: string, db: Db = this.db): Promise<ConversationRow | undefined> {
    return db.selectFrom('conversations').selectAll().where('direct_key', '=', key).executeTakeFirst();
  }

  /** Inserts a direct conversation unless the pair has one; true when this call made it. */
  async insertDirect(
    trx: Transaction<Database>,
    row: { id: string; direct_key: string; created_by: string; created_at: Date },
  ): Promise<boolean> {
    const inserted = await trx
      .insertInto('conversations')
      .values({
        ...row,
        kind: 'direct',
        name: null,
        announcement: null,
        owner_id: null,
        mute_all: false,
        last_activity_at: row.created_at,
      })
      .onConflict((oc) => oc.column('direct_key').doNothing())
      .returning('id')
      .executeTakeFirst();
    return inserted !== undefined;
  }

  async insertGroup(
    trx: Transaction<Database>,
    row: { id: string; name: string; owner_id: string; created_at: Date },
  ): Promise<void> {
    await trx
      .insertInto('conversations')
      .values({
        id: row.id,
        kind: 'group',
        direct_key: null,
        name: row.name,
        announcement: null,
        owner_id: row.owner_id,
        mute_all: false,
        created_by: row.owner_id,
        created_at: row.created_at,
        last_activity_at: row.created_at,
      })
      .execute();
  }

  async updateConversation(
    trx: Transaction<Database>,
    id: string,
    set: Partial<Pick<ConversationRow, 'name' | 'announcement' | 'owner_id' | 'mute_all' | 'avatar_id'>>,
  ): Promise<void> {
    await trx.updateTable('conversations').set(set).where('id', '=', id).execute();
  }

  /** Takes the next seq of a conversation whose row this transaction has locked. */
  async nextSeq(trx: Transaction<Database>, id: string, now: Date): Promise<bigint> {
    const row = await trx
      .updateTable('conversations')
      .set((eb) => ({ last_seq: eb('last_seq', '+', 1n), last_activity_at: now }))
      .where('id', '=', id)
      .returning('last_seq')
      .executeTakeFirstOrThrow();
    return BigInt(row.last_seq);
  }

  // ── Members ──────────────────────────────────────────────────────────────

  findMember(conversationId: string, userId: string, db: Db = this.db): Promise<MemberRow | undefined> {
    return db
      .selectFrom('conversation_members')
      .selectAll()
      .where('conversation_id', '=', conversationId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
  }

  lockMember(trx: Transaction<Database>, conversationId: string, userId: string) {
    return trx
      .selectFrom('conversation_members')
      .selectAll()
      .where('conversation_id', '=', conversationId)
      .where('user_id', '=', userId)
      .forUpdate()
      .executeTakeFirst();
  }

  /** Members in the order they joined. */
  listMembers(conversationId: string, db: Db = this.db): Promise<MemberRow[]> {
    return db
      .selectFrom('conversation_members')
      .selectAll()
      .where('conversation_id', '=', conversationId)
      .orderBy('joined_at')
      .orderBy('user_id')
      .execute();
  }

  /** The members of several conversations, in the order they joined. */
  membersOf(ids: readonly string[], db: Db = this.db): Promise<MemberRow[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return db
      .selectFrom('conversation_members')
      .selectAll()
      .where('conversation_id', 'in', ids)
      .orderBy('joined_at')
      .orderBy('user_id')
      .execute();
  }

  async insertMembers(
    trx: Transaction<Database>,
    rows: readonly {
      conversation_id: string;
      user_id: string;
      role: MemberRow['role'];
      joined_seq: bigint;
      joined_at: Date;
    }[],
  ): Promise<void> {
    if (rows.length === 0) return;
    await trx
      .insertInto('conversation_members')
      .values(rows.map((r) => ({ ...r, updated_at: r.joined_at })))
      .execute();
  }

  async deleteMember(trx: Transaction<Database>, conversationId: string, userId: string): Promise<void> {
    await trx
      .deleteFrom('conversation_members')
      .where('conversation_id', '=', conversationId)
      .where('user_id', '=', userId)
      .execute();
  }

  async updateMember(
    trx: Transaction<Database>,
    conversationId: string,
    userId: string,
    set: Partial<
      Pick<MemberRow, 'role' | 'read_seq' | 'delivered_seq' | 'muted' | 'pinned' | 'archived' | 'updated_at'>
    >,
  ): Promise<MemberRow> {
    return trx
      .updateTable('conversation_members')
      .set(set)
      .where('conversation_id', '=', conversationId)
      .where('user_id', '=', userId)
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  // ── Messages ─────────────────────────────────────────────────────────────

  private messages(db: Db) {
    return db.selectFrom('messages as g').selectAll('g').select(readCount.as('read_count'));
  }

  /** The message a sender sent under a client id, in any conversation. */
  findBySender(senderId: string, id: string, db: Db = this.db): Promise<MessageRow | undefined> {
    return this.messages(db).where('g.sender_id', '=', senderId).where('g.id', '=', id).executeTakeFirst();
  }

  /** The messages senders sent under client ids (`findBySender` for many). */
  findBySenders(pairs: readonly { senderId: string; id: string }[], db: Db = this.db): Promise<MessageRow[]> {
    if (pairs.length === 0) return Promise.resolve([]);
    return this.messages(db)
      .where(
        sql<boolean>`(g.sender_id, g.id) IN (SELECT * FROM unnest(${pairs.map((p) => p.senderId)}::uuid[], ${pairs.map((p) => p.id)}::uuid[]))`,
      )
      .execute();
  }

  /** Where messages are (conversation, id → seq), for checking what replies point at. */
  async seqsOf(
    pairs: readonly { conversationId: string; id: string }[],
    db: Db = this.db,
  ): Promise<{ conversation_id: string; id: string; seq: bigint }[]> {
    if (pairs.length === 0) return [];
    return db
      .selectFrom('messages as g')
      .select(['g.conversation_id', 'g.id', 'g.seq'])
      .where(
        sql<boolean>`(g.conversation_id, g.id) IN (SELECT * FROM unnest(${pairs.map((p) => p.conversationId)}::uuid[], ${pairs.map((p) => p.id)}::uuid[]))`,
      )
      .execute();
  }

  findMessage(conversationId: string, id: string, db: Db = this.db): Promise<MessageRow | undefined> {
    return this.messages(db)
      .where('g.conversation_id', '=', conversationId)
      .where('g.id', '=', id)
      .executeTakeFirst();
  }

  async isHidden(conversationId: string, userId: string, seq: bigint, db: Db = this.db): Promise<boolean> {
    const row = await db
      .selectFrom('message_hides')
      .select('seq')
      .where('conversation_id', '=', conversationId)
      .where('user_id', '=', userId)
      .where('seq', '=', seq)
      .executeTakeFirst();
    return row !== undefined;
  }

  async insertMessage(
    trx: Transaction<Database>,
    row: NewMessage,
    seq: bigint,
    now: Date,
  ): Promise<MessageRow> {
    await trx
      .insertInto('messages')
      .values({
        ...row,
        payload: row.payload === null ? null : JSON.stringify(row.payload),
        seq,
        created_at: now,
        recalled_at: null,
      })
      .execute();
    const inserted = await this.findMessage(row.conversation_id, row.id, trx);
    if (!inserted) throw new Error('the message just written is there');
    return inserted;
  }

  /** Writes several new messages at the seqs given, in one statement. */
  async insertMessages(
    trx: Transaction<Database>,
    rows: readonly (NewMessage & { seq: bigint })[],
    now: Date,
  ): Promise<void> {
    if (rows.length === 0) return;
    await trx
      .insertInto('messages')
      .values(
        rows.map((row) => ({
          ...row,
          payload: row.payload === null ? null : JSON.stringify(row.payload),
          created_at: now,
          recalled_at: null,
        })),
      )
      .execute();
  }

  /** The body, payload and mentions go; the row (and its seq) stays. */
  async recall(trx: Transaction<Database>, conversationId: string, seq: bigint, now: Date): Promise<void> {
    await trx
      .updateTable('messages')
      .set({ body: null, payload: null, mentions: [], mention_all: false, recalled_at: now })
      .where('conversation_id', '=', conversationId)
      .where('seq', '=', seq)
      .execute();
  }

  async hide(
    trx: Transaction<Database>,
    conversationId: string,
    userId: string,
    seq: bigint,
    now: Date,
  ): Promise<void> {
    await trx
      .insertInto('message_hides')
      .values({ conversation_id: conversationId, user_id: userId, seq, created_at: now })
      .onConflict((oc) => oc.columns(['conversation_id', 'user_id', 'seq']).doNothing())
      .execute();
  }

  /**
   * A page of the messages a member sees (after they joined, not deleted for them), one
   * more than `limit` so that the caller knows whether more lie beyond. Ascending by seq.
   */
  async page(
    conversationId: string,
    viewerId: string,
    joinedSeq: bigint,
    request: PageRequest,
  ): Promise<MessageRow[]> {
    let query = this.messages(this.db)
      .where('g.conversation_id', '=', conversationId)
      .where('g.seq', '>', joinedSeq)
      .where(notHiddenFor(viewerId));
    if (request.direction === 'after') {
      query = query.where('g.seq', '>', BigInt(request.seq)).orderBy('g.seq', 'asc');
    } else {
      if (request.direction === 'before') query = query.where('g.seq', '<', BigInt(request.seq));
      query = query.orderBy('g.seq', 'desc');
    }
    const rows = await query.limit(request.limit + 1).execute();
    return rows;
  }

  /** Messages by (conversation, seq), for last-message previews. */
  async messagesAt(pairs: readonly { conversationId: string; seq: bigint }[]): Promise<MessageRow[]> {
    if (pairs.length === 0) return [];
    return this.messages(this.db)
      .where((eb) =>
        eb.or(
          pairs.map((p) => eb.and([eb('g.conversation_id', '=', p.conversationId), eb('g.seq', '=', p.seq)])),
        ),
      )
      .execute();
  }

  /** Text messages the user can see whose body matches: full-text words, or any substring. */
  search(userId: string, query: string, pattern: string, limit: number): Promise<MessageRow[]> {
    return this.messages(this.db)
      .innerJoin('conversation_members as m', (join) =>
        join.onRef('m.conversation_id', '=', 'g.conversation_id').on('m.user_id', '=', userId),
      )
      .whereRef('g.seq', '>', 'm.joined_seq')
      .where('g.kind', '=', 'text')
      .where('g.recalled_at', 'is', null)
      .where(notHiddenFor(userId))
      .where(
        sql<boolean>`(to_tsvector('simple', coalesce(g.body, '')) @@ plainto_tsquery('simple', ${query}) OR g.body ILIKE ${pattern} ESCAPE '\\')`,
      )
      .orderBy('g.created_at', 'desc')
      .orderBy('g.seq', 'desc')
      .limit(limit)
      .execute();
  }

  // ── The list ─────────────────────────────────────────────────────────────

  /** The user's conversations (or one), pinned first, then by last activity. */
  async summaries(userId: string, limit: number, conversationId?: string, db: Db = this.db) {
    const one = conversationId === undefined ? sql`` : sql`AND c.id = ${conversationId}`;
    const result = await sql<SummaryRow>`
      SELECT c.*, m.role, m.joined_seq, m.read_seq, m.delivered_seq, m.muted, m.pinned, m.archived,
        (SELECT count(*) FROM conversation_members x WHERE x.conversation_id = c.id) AS member_count,
        (SELECT x.user_id FROM conversation_members x
          WHERE c.kind = 'direct' AND x.conversation_id = c.id AND x.user_id <> m.user_id LIMIT 1) AS peer_id,
        (SELECT count(*) FROM messages g
          WHERE g.conversation_id = c.id AND g.seq > GREATEST(m.read_seq, m.joined_seq)
            AND g.sender_id <> m.user_id AND g.kind <> 'system' AND g.recalled_at IS NULL
            AND ${notHiddenFor(userId)}) AS unread_count,
        (SELECT g.seq FROM messages g
          WHERE g.conversation_id = c.id AND g.seq > m.joined_seq AND ${notHiddenFor(userId)}
          ORDER BY g.seq DESC LIMIT 1) AS last_visible_seq
      FROM conversation_members m JOIN conversations c ON c.id = m.conversation_id
      WHERE m.user_id = ${userId} ${one}
      ORDER BY m.pinned DESC, c.last_activity_at DESC, c.id DESC
      LIMIT ${limit}
    `.execute(db);
    return result.rows;
  }
}
