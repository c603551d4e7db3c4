import { type Kysely, type Selectable, sql, type Transaction } from 'kysely';
import type {
  Database,
  FriendRequestSendsTable,
  FriendRequestsTable,
  FriendshipsTable,
  PrivacySettingsTable,
} from '../platform/db/schema.js';

export type FriendRequestRow = Selectable<FriendRequestsTable>;
export type FriendRequestSendRow = Selectable<FriendRequestSendsTable>;
export type FriendshipRow = Selectable<FriendshipsTable>;
export type PrivacyRow = Selectable<PrivacySettingsTable>;
type Db = Kysely<Database> | Transaction<Database>;

export type PrivacyColumns = Pick<
  PrivacyRow,
  'findable_by_phone' | 'show_last_seen' | 'allow_stranger_messages'
>;

/** The only place that speaks SQL for friend requests, friendships, blocks and privacy. */
export class SocialRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Serialises every change between two users (requests either way, accepting, blocking,
   * unfriending) for the rest of the transaction. The key is the same whichever side asks.
   */
  async lockPair(trx: Transaction<Database>, a: string, b: string): Promise<void> {
    const [low, high] = a < b ? [a, b] : [b, a];
    await sql`SELECT pg_advisory_xact_lock(hashtextextended(${`social:${low}:${high}`}, 0))`.execute(trx);
  }

  // ── Friend requests ──────────────────────────────────────────────────────

  findSend(id: string, db: Db = this.db): Promise<FriendRequestSendRow | undefined> {
    return db.selectFrom('friend_request_sends').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async insertSend(trx: Transaction<Database>, row: FriendRequestSendRow): Promise<void> {
    await trx.insertInto('friend_request_sends').values(row).execute();
  }

  findRequest(id: string, db: Db = this.db): Promise<FriendRequestRow | undefined> {
    return db.selectFrom('friend_requests').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** The open (status pending, maybe past its expiry) request from one user to another. */
  findPending(db: Db, fromId: string, toId: string): Promise<FriendRequestRow | undefined> {
    return db
      .selectFrom('friend_requests')
      .selectAll()
      .where('from_id', '=', fromId)
      .where('to_id', '=', toId)
      .where('status', '=', 'pending')
      .executeTakeFirst();
  }

  async insertRequest(trx: Transaction<Database>, row: FriendRequestRow): Promise<void> {
    await trx.insertInto('friend_requests').values(row).execute();
  }

  async updateRequest(
    trx: Transaction<Database>,
    id: string,
    set: Partial<
      Pick<FriendRequestRow, 'message' | 'hidden' | 'status' | 'updated_at' | 'expires_at' | 'decided_at'>
    >,
  ): Promise<void> {
    await trx.updateTable('friend_requests').set(set).where('id', '=', id).execute();
  }

  /** Closes every open, unexpired request between two users, either way, as accepted. */
  async acceptAllPendingBetween(trx: Transaction<Database>, a: string, b: string, now: Date): Promise<void> {
    await trx
      .updateTable('friend_requests')
      .set({ status: 'accepted', decided_at: now, updated_at: now })
      .where('status', '=', 'pending')
      .where('expires_at', '>', now)
      .where((eb) =>
        eb.or([
          eb.and([eb('from_id', '=', a), eb('to_id', '=', b)]),
          eb.and([eb('from_id', '=', b), eb('to_id', '=', a)]),
        ]),
      )
      .execute();
  }

  /** Open requests from a user the blocker now blocks disappear from the blocker's view. */
  async hidePendingFrom(trx: Transaction<Database>, fromId: string, toId: string): Promise<void> {
    await trx
      .updateTable('friend_requests')
      .set({ hidden: true })
      .where('from_id', '=', fromId)
      .where('to_id', '=', toId)
      .where('status', '=', 'pending')
      .execute();
  }

  /** Newest first. Incoming lists leave out requests hidden from their recipient. */
  listRequests(
    userId: string,
    direction: 'incoming' | 'outgoing',
    limit: number,
  ): Promise<FriendRequestRow[]> {
    let query = this.db.selectFrom('friend_requests').selectAll();
    query =
      direction === 'incoming'
        ? query.where('to_id', '=', userId).where('hidden', '=', false)
        : query.where('from_id', '=', userId);
    return query.orderBy('updated_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
  }

  /**
   * Open, unexpired requests between the viewer and any of `others`, either way. Requests
   * hidden from the viewer (sent to them by someone they block) are left out.
   */
  pendingAround(db: Db, viewerId: string, others: readonly string[], now: Date): Promise<FriendRequestRow[]> {
    if (others.length === 0) return Promise.resolve([]);
    return db
      .selectFrom('friend_requests')
      .selectAll()
      .where('status', '=', 'pending')
      .where('expires_at', '>', now)
      .where((eb) =>
        eb.or([
          eb.and([eb('from_id', '=', viewerId), eb('to_id', 'in', [...others])]),
          eb.and([eb('to_id', '=', viewerId), eb('from_id', 'in', [...others]), eb('hidden', '=', false)]),
        ]),
      )
      .execute();
  }

  // ── Friendships ──────────────────────────────────────────────────────────

  findFriendship(db: Db, ownerId: string, friendId: string): Promise<FriendshipRow | undefined> {
    return db
      .selectFrom('friendships')
      .selectAll()
      .where('owner_id', '=', ownerId)
      .where('friend_id', '=', friendId)
      .executeTakeFirst();
  }

  async friendsAmong(db: Db, ownerId: string, others: readonly string[]): Promise<Set<string>> {
    if (others.length === 0) return new Set();
    const rows = await db
      .selectFrom('friendships')
      .select('friend_id')
      .where('owner_id', '=', ownerId)
      .where('friend_id', 'in', [...others])
      .execute();
    return new Set(rows.map((r) => r.friend_id));
  }

  /** One row per direction; a row already there (a race lost under the pair lock's watch) stays. */
  async insertFriendship(trx: Transaction<Database>, a: string, b: string, now: Date): Promise<void> {
    await trx
      .insertInto('friendships')
      .values([
        { owner_id: a, friend_id: b, remark: null, created_at: now, updated_at: now },
        { owner_id: b, friend_id: a, remark: null, created_at: now, updated_at: now },
      ])
      .onConflict((oc) => oc.columns(['owner_id', 'friend_id']).doNothing())
      .execute();
  }

  /** Removes the friendship both ways; the number of rows removed (0 when none). */
  async deleteFriendship(trx: Transaction<Database>, a: string, b: string): Promise<number> {
    const result = await trx
      .deleteFrom('friendships')
      .where((eb) =>
        eb.or([
          eb.and([eb('owner_id', '=', a), eb('friend_id', '=', b)]),
          eb.and([eb('owner_id', '=', b), eb('friend_id', '=', a)]),
        ]),
      )
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  setRemark(
    ownerId: string,
    friendId: string,
    remark: string | null,
    now: Date,
  ): Promise<FriendshipRow | undefined> {
    return this.db
      .updateTable('friendships')
      .set({ remark, updated_at: now })
      .where('owner_id', '=', ownerId)
      .where('friend_id', '=', friendId)
      .returningAll()
      .executeTakeFirst();
  }

  listFriendships(ownerId: string): Promise<FriendshipRow[]> {
    return this.db.selectFrom('friendships').selectAll().where('owner_id', '=', ownerId).execute();
  }

  countFriendshipRows(a: string, b: string): Promise<number> {
    return this.db
      .selectFrom('friendships')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where((eb) =>
        eb.or([
          eb.and([eb('owner_id', '=', a), eb('friend_id', '=', b)]),
          eb.and([eb('owner_id', '=', b), eb('friend_id', '=', a)]),
        ]),
      )
      .executeTakeFirstOrThrow()
      .then((r) => Number(r.n));
  }

  // ── Blocks ───────────────────────────────────────────────────────────────

  async isBlocked(db: Db, blockerId: string, blockedId: string): Promise<boolean> {
    const row = await db
      .selectFrom('blocks')
      .select('blocker_id')
      .where('blocker_id', '=', blockerId)
      .where('blocked_id', '=', blockedId)
      .executeTakeFirst();
    return row !== undefined;
  }

  /** Whether either of the two blocks the other. */
  /**
   * For each (sender, recipient) pair, in order: are they friends, does a block stand
   * either way, does the recipient take messages from strangers (null: never said).
   */
  async messagingFacts(
    db: Db,
    pairs: readonly { senderId: string; recipientId: string }[],
  ): Promise<{ friends: boolean; blocked: boolean; allowsStrangers: boolean | null }[]> {
    if (pairs.length === 0) return [];
    const result = await sql<{ i: number; friends: boolean; blocked: boolean; allows: boolean | null }>`
      SELECT v.i::int AS i,
        EXISTS (SELECT 1 FROM friendships f WHERE f.owner_id = v.s AND f.friend_id = v.r) AS friends,
        EXISTS (SELECT 1 FROM blocks b WHERE (b.blocker_id = v.s AND b.blocked_id = v.r)
          OR (b.blocker_id = v.r AND b.blocked_id = v.s)) AS blocked,
        (SELECT p.allow_stranger_messages FROM privacy_settings p WHERE p.user_id = v.r) AS allows
      FROM unnest(${pairs.map((p) => p.senderId)}::uuid[], ${pairs.map((p) => p.recipientId)}::uuid[])
        WITH ORDINALITY AS v(s, r, i)
      ORDER BY v.i`.execute(db);
    return result.rows.map((r) => ({ friends: r.friends, blocked: r.blocked, allowsStrangers: r.allows }));
  }

  async blockedEitherWay(a: string, b: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('blocks')
      .select('blocker_id')
      .where((eb) =>
        eb.or([
          eb.and([eb('blocker_id', '=', a), eb('blocked_id', '=', b)]),
          eb.and([eb('blocker_id', '=', b), eb('blocked_id', '=', a)]),
        ]),
      )
      .executeTakeFirst();
    return row !== undefined;
  }

  async insertBlock(
    trx: Transaction<Database>,
    blockerId: string,
    blockedId: string,
    now: Date,
  ): Promise<void> {
    await trx
      .insertInto('blocks')
      .values({ blocker_id: blockerId, blocked_id: blockedId, created_at: now })
      .onConflict((oc) => oc.columns(['blocker_id', 'blocked_id']).doNothing())
      .execute();
  }

  async deleteBlock(blockerId: string, blockedId: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('blocks')
      .where('blocker_id', '=', blockerId)
      .where('blocked_id', '=', blockedId)
      .executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  /** The users someone blocks, most recently blocked first. */
  async listBlocked(blockerId: string, limit: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('blocks')
      .select('blocked_id')
      .where('blocker_id', '=', blockerId)
      .orderBy('created_at', 'desc')
      .orderBy('blocked_id')
      .limit(limit)
      .execute();
    return rows.map((r) => r.blocked_id);
  }

  // ── Privacy ──────────────────────────────────────────────────────────────

  async touchPresence(userId: string, at: Date): Promise<void> {
    await this.db
      .insertInto('presence')
      .values({ user_id: userId, last_seen_at: at })
      .onConflict((oc) => oc.column('user_id').doUpdateSet({ last_seen_at: at }))
      .execute();
  }

  async lastSeen(userId: string): Promise<Date | null> {
    const row = await this.db
      .selectFrom('presence')
      .select('last_seen_at')
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return row?.last_seen_at ?? null;
  }

  findPrivacy(userId: string, db: Db = this.db): Promise<PrivacyRow | undefined> {
    return db.selectFrom('privacy_settings').selectAll().where('user_id', '=', userId).executeTakeFirst();
  }

  /** Writes the given settings only; a first write fills the others with their defaults. */
  upsertPrivacy(
    userId: string,
    defaults: PrivacyColumns,
    patch: Partial<PrivacyColumns>,
    now: Date,
  ): Promise<PrivacyRow> {
    return this.db
      .insertInto('privacy_settings')
      .values({ user_id: userId, ...defaults, ...patch, updated_at: now })
      .onConflict((oc) => oc.column('user_id').doUpdateSet({ ...patch, updated_at: now }))
      .returningAll()
      .executeTakeFirstOrThrow();
  }
}
