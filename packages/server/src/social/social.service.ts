import { createHash } from 'node:crypto';
import type {
  Contact,
  ContactList,
  FriendRequest,
  FriendTarget,
  Presence,
  PrivacySettings,
  PublicUser,
} from '@jiaozi/protocol';
import type { Kysely, Transaction } from 'kysely';
import { classifyLogin } from '../identity/identity.core.js';
import { type UserRow, uniqueViolation } from '../identity/identity.repository.js';
import type { IdentityService } from '../identity/identity.service.js';
import { addSeconds, type Clock } from '../kernel/clock.js';
import { assert, DomainError } from '../kernel/errors.js';
import {
  blocksListMax,
  friendRequestsListMax,
  friendRequestTtlSeconds,
  presenceOnlineSeconds,
} from '../kernel/limits.js';
import type { Database } from '../platform/db/schema.js';
import { type Announcer, silentAnnouncer } from '../platform/outbox/announcer.js';
import { type OutboxEvent, type WrittenUpdate, writeOutbox } from '../platform/outbox/outbox.js';
import { hmacHex, type Secrets, sameSignature } from '../platform/secrets/secrets.js';
import {
  buildIndex,
  CONTACT_QR_SIGNATURE_LENGTH,
  canMessage,
  compareContacts,
  contactKey,
  contactQrMessage,
  contactQrPayload,
  effectiveStatus,
  normalizeRemark,
  parseContactQr,
  relationOf,
} from './social.core.js';
import {
  type FriendRequestRow,
  type FriendshipRow,
  type PrivacyColumns,
  type PrivacyRow,
  SocialRepository,
} from './social.repository.js';

type Db = Kysely<Database> | Transaction<Database>;

export const SOCIAL_TOPICS = {
  friendRequest: 'social.friend_request',
  friendAdded: 'social.friend_added',
} as const;

const PRIVACY_DEFAULTS: PrivacyColumns = {
  findable_by_phone: true,
  show_last_seen: true,
  allow_stranger_messages: false,
};

const QR_SECRET = 'contact_qr';

function toPrivacy(row: PrivacyColumns): PrivacySettings {
  return {
    findableByPhone: row.findable_by_phone,
    showLastSeen: row.show_last_seen,
    allowStrangerMessages: row.allow_stranger_messages,
  };
}

/** What a client id stands for: the target as the client named it, and the message. */
function sendHash(to: FriendTarget, message: string): string {
  const target = 'userId' in to ? `id:${to.userId}` : 'username' in to ? `u:${to.username}` : `p:${to.phone}`;
  return createHash('sha256')
    .update(JSON.stringify([target, message]))
    .digest('hex');
}

/**
 * "My Friend": finding people, friend requests, contacts with private remarks, blocking and
 * privacy. Every change between two users runs under that pair's lock, so that crossing
 * requests and concurrent accepts settle into one friendship. Other domains ask
 * `areFriends`, `isBlocked` and `canMessage`, never the tables.
 */
export class SocialService {
  readonly repo: SocialRepository;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly identity: IdentityService,
    private readonly secrets: Secrets,
    private readonly announcer: Announcer = silentAnnouncer,
  ) {
    this.repo = new SocialRepository(db);
  }

  /** A transaction whose events `fn` logs with `log`; they are announced once it commits. */
  async #withUpdates<T>(
    fn: (
      trx: Transaction<Database>,
      log: (events: readonly OutboxEvent[], at: Date) => Promise<void>,
    ) => Promise<T>,
  ): Promise<T> {
    const written: WrittenUpdate[] = [];
    const result = await this.db.transaction().execute((trx) =>
      fn(trx, async (events, at) => {
        written.push(...(await writeOutbox(trx, events, at)));
      }),
    );
    if (written.length > 0) this.announcer.announce([...new Set(written.map((w) => w.userId))], written);
    return result;
  }

  // ── For other domains ────────────────────────────────────────────────────

  async areFriends(a: string, b: string): Promise<boolean> {
    if (a === b) return false;
    return (await this.repo.findFriendship(this.db, a, b)) !== undefined;
  }

  isBlocked(blockerId: string, blockedId: string): Promise<boolean> {
    return this.repo.isBlocked(this.db, blockerId, blockedId);
  }

  /** Friends unless a block stands either way; strangers only where the recipient allows it. */
  async canMessage(senderId: string, recipientId: string): Promise<boolean> {
    const [may] = await this.canMessageMany([{ senderId, recipientId }]);
    return may === true;
  }

  /** `canMessage` for many (sender, recipient) pairs at once, in order, in one query. */
  async canMessageMany(
    pairs: readonly { senderId: string; recipientId: string }[],
    db: Db = this.db,
  ): Promise<boolean[]> {
    const facts = await this.repo.messagingFacts(db, pairs);
    return facts.map(
      (f, i) =>
        pairs[i]?.senderId !== pairs[i]?.recipientId &&
        canMessage({
          friends: f.friends,
          blocked: f.blocked,
          recipientAllowsStrangers: f.allowsStrangers ?? PRIVACY_DEFAULTS.allow_stranger_messages,
        }),
    );
  }

  // ── Finding people ───────────────────────────────────────────────────────

  /**
   * An exact username (any case) or an exact E.164 phone number; nothing partial. A phone
   * its owner keeps unfindable, and anyone who blocks me, answer like an unknown account.
   */
  async search(viewerId: string, q: string): Promise<PublicUser> {
    const login = classifyLogin(q);
    const user = login === null ? undefined : await this.identity.findByLogin(q);
    if (!user || login === null) throw new DomainError('not_found', 'No such user.');
    if (user.id !== viewerId) {
      if (login.kind === 'phone' && !(await this.#privacyRow(user.id)).findable_by_phone) {
        throw new DomainError('not_found', 'No such user.');
      }
      if (await this.isBlocked(user.id, viewerId)) throw new DomainError('not_found', 'No such user.');
    }
    return this.#publicUser(viewerId, user);
  }

  /** Anyone's public face (it holds nothing private), except to someone they block. */
  async user(viewerId: string, userId: string): Promise<PublicUser> {
    const user = await this.identity.repo.findUserById(userId);
    if (!user || (user.id !== viewerId && (await this.isBlocked(user.id, viewerId)))) {
      throw new DomainError('not_found', 'No such user.');
    }
    return this.#publicUser(viewerId, user);
  }

  async contactQr(userId: string): Promise<{ payload: string }> {
    const signature = hmacHex(await this.secrets.get(QR_SECRET), contactQrMessage(userId)).slice(
      0,
      CONTACT_QR_SIGNATURE_LENGTH,
    );
    return { payload: contactQrPayload(userId, signature) };
  }

  async resolveQr(viewerId: string, payload: string): Promise<PublicUser> {
    const parsed = parseContactQr(payload);
    if (!parsed) throw new DomainError('qr_invalid', 'This is not a Jiaozi contact code.');
    const expected = hmacHex(await this.secrets.get(QR_SECRET), parsed.message).slice(
      0,
      CONTACT_QR_SIGNATURE_LENGTH,
    );
    if (!sameSignature(expected, parsed.signature)) {
      throw new DomainError('qr_invalid', 'This contact code is not genuine.');
    }
    const user = await this.identity.repo.findUserById(parsed.userId);
    if (!user) throw new DomainError('qr_invalid', 'This contact code belongs to no one.');
    if (user.id !== viewerId && (await this.isBlocked(user.id, viewerId))) {
      throw new DomainError('not_found', 'No such user.');
    }
    return this.#publicUser(viewerId, user);
  }

  // ── Friend requests ──────────────────────────────────────────────────────

  /**
   * Asks someone to be friends. In order: a known client id answers its original request
   * (a different body is an idempotency conflict); oneself and existing friends are
   * refused; a target who blocks the sender gets nothing, while the sender sees a request
   * like any other; a target who already asked the sender is accepted instead; an open
   * request of the sender's is re-sent (new message, new expiry) rather than doubled.
   */
  async sendRequest(
    senderId: string,
    input: { id: string; to: FriendTarget; message?: string | undefined },
  ): Promise<FriendRequest> {
    const message = input.message?.trim() ?? '';
    const hash = sendHash(input.to, message);
    const replay = await this.#replay(this.db, senderId, input.id, hash);
    if (replay) return this.#requestView(this.db, senderId, replay);

    const target = await this.#resolveTarget(input.to);
    if (target.id === senderId) throw new DomainError('cannot_friend_self', 'You cannot befriend yourself.');

    const requestId = await this.#sendInTransaction(senderId, target, input.id, hash, message).catch(
      async (error: unknown) => {
        // The same id used at once for two different targets: the loser is a conflict.
        if (!uniqueViolation(error)) throw error;
        const winner = await this.#replay(this.db, senderId, input.id, hash);
        assert(winner, 'a unique violation on a client id means the id was taken');
        return winner.id;
      },
    );
    const row = await this.repo.findRequest(requestId);
    assert(row, 'the request answered is there');
    return this.#requestView(this.db, senderId, row);
  }

  #sendInTransaction(
    senderId: string,
    target: UserRow,
    clientId: string,
    hash: string,
    message: string,
  ): Promise<string> {
    return this.#withUpdates(async (trx, log) => {
      await this.repo.lockPair(trx, senderId, target.id);
      const now = this.clock.now();
      const copy = await this.#replay(trx, senderId, clientId, hash);
      if (copy) return copy.id;
      if (await this.repo.findFriendship(trx, senderId, target.id)) {
        throw new DomainError('already_friends', 'You are already friends.');
      }
      const hidden = await this.repo.isBlocked(trx, target.id, senderId);
      const events: OutboxEvent[] = [];

      const theirs = hidden ? undefined : await this.repo.findPending(trx, target.id, senderId);
      if (theirs && !theirs.hidden && now < theirs.expires_at) {
        await this.#befriend(trx, theirs, now, events);
        await this.repo.insertSend(trx, {
          id: clientId,
          sender_id: senderId,
          request_id: theirs.id,
          request_hash: hash,
          created_at: now,
        });
        await log(events, now);
        return theirs.id;
      }

      const expiresAt = addSeconds(now, friendRequestTtlSeconds);
      const mine = await this.repo.findPending(trx, senderId, target.id);
      let id: string;
      if (mine && now < mine.expires_at) {
        id = mine.id;
        await this.repo.updateRequest(trx, id, { message, hidden, updated_at: now, expires_at: expiresAt });
      } else {
        if (mine) await this.repo.updateRequest(trx, mine.id, { status: 'expired', updated_at: now });
        id = clientId;
        await this.repo.insertRequest(trx, {
          id,
          from_id: senderId,
          to_id: target.id,
          message,
          status: 'pending',
          hidden,
          created_at: now,
          updated_at: now,
          expires_at: expiresAt,
          decided_at: null,
        });
      }
      await this.repo.insertSend(trx, {
        id: clientId,
        sender_id: senderId,
        request_id: id,
        request_hash: hash,
        created_at: now,
      });
      const row = await this.repo.findRequest(id, trx);
      assert(row, 'the request just written is there');
      // The sender's devices hear of it either way; the recipient only when not hidden.
      const audience = hidden ? [senderId] : [senderId, target.id];
      for (const viewer of audience) {
        events.push({
          topic: SOCIAL_TOPICS.friendRequest,
          audience: [viewer],
          payload: { request: await this.#requestView(trx, viewer, row) },
        });
      }
      await log(events, now);
      return id;
    });
  }

  async listRequests(userId: string, direction: 'incoming' | 'outgoing'): Promise<FriendRequest[]> {
    const rows = await this.repo.listRequests(userId, direction, friendRequestsListMax);
    return this.#requestViews(this.db, userId, rows);
  }

  /** Only the recipient may answer; to anyone else (and for hidden requests) it does not exist. */
  async #decide(
    userId: string,
    requestId: string,
    decide: (
      trx: Transaction<Database>,
      row: FriendRequestRow,
      now: Date,
      events: OutboxEvent[],
    ) => Promise<void>,
  ): Promise<FriendRequestRow> {
    const seen = await this.repo.findRequest(requestId);
    if (!seen || seen.to_id !== userId || seen.hidden) {
      throw new DomainError('not_found', 'No such friend request.');
    }
    return this.#withUpdates(async (trx, log) => {
      await this.repo.lockPair(trx, seen.from_id, seen.to_id);
      const now = this.clock.now();
      const row = await this.repo.findRequest(requestId, trx);
      assert(row, 'friend requests are never deleted while their users exist');
      if (row.hidden) throw new DomainError('not_found', 'No such friend request.');
      if (effectiveStatus(row.status, row.expires_at, now) !== 'pending') {
        throw new DomainError(
          'request_not_pending',
          'This friend request was already answered or has expired.',
        );
      }
      const events: OutboxEvent[] = [];
      await decide(trx, row, now, events);
      await log(events, now);
      const after = await this.repo.findRequest(requestId, trx);
      assert(after, 'the request is still there');
      return after;
    });
  }

  async accept(userId: string, requestId: string): Promise<{ contact: Contact }> {
    const row = await this.#decide(userId, requestId, (trx, r, now, events) =>
      this.#befriend(trx, r, now, events),
    );
    return { contact: await this.#contact(this.db, userId, row.from_id) };
  }

  async decline(userId: string, requestId: string): Promise<FriendRequest> {
    const row = await this.#decide(userId, requestId, async (trx, r, now) => {
      await this.repo.updateRequest(trx, r.id, { status: 'declined', decided_at: now, updated_at: now });
    });
    return this.#requestView(this.db, userId, row);
  }

  /** Makes the two of a request friends, closes every open request between them, tells both. */
  async #befriend(
    trx: Transaction<Database>,
    request: FriendRequestRow,
    now: Date,
    events: OutboxEvent[],
  ): Promise<void> {
    await this.repo.insertFriendship(trx, request.from_id, request.to_id, now);
    await this.repo.acceptAllPendingBetween(trx, request.from_id, request.to_id, now);
    const accepted = await this.repo.findRequest(request.id, trx);
    assert(accepted?.status === 'accepted', 'the request was accepted');
    for (const [viewer, other] of [
      [request.from_id, request.to_id],
      [request.to_id, request.from_id],
    ] as const) {
      events.push({
        topic: SOCIAL_TOPICS.friendAdded,
        audience: [viewer],
        payload: {
          request: await this.#requestView(trx, viewer, accepted),
          contact: await this.#contact(trx, viewer, other),
        },
      });
    }
  }

  async #replay(db: Db, senderId: string, id: string, hash: string): Promise<FriendRequestRow | null> {
    const send = await this.repo.findSend(id, db);
    if (!send) return null;
    if (send.sender_id !== senderId || send.request_hash !== hash) {
      throw new DomainError('idempotency_conflict', 'This request id was already used for something else.');
    }
    const row = await this.repo.findRequest(send.request_id, db);
    assert(row, 'a send names an existing request');
    return row;
  }

  /** Whom a request names. A phone its owner keeps unfindable is as unknown as no account. */
  async #resolveTarget(to: FriendTarget): Promise<UserRow> {
    let user: UserRow | undefined;
    if ('userId' in to) user = await this.identity.repo.findUserById(to.userId);
    else if ('username' in to) {
      const login = classifyLogin(to.username);
      user = login?.kind === 'username' ? await this.identity.findByLogin(to.username) : undefined;
    } else {
      const login = classifyLogin(to.phone);
      user = login?.kind === 'phone' ? await this.identity.findByLogin(to.phone) : undefined;
      if (user && !(await this.#privacyRow(user.id)).findable_by_phone) user = undefined;
    }
    if (!user) throw new DomainError('not_found', 'No such user.');
    return user;
  }

  // ── Contacts ─────────────────────────────────────────────────────────────

  async contacts(userId: string): Promise<ContactList> {
    const rows = await this.repo.listFriendships(userId);
    const users = await this.identity.usersByIds(rows.map((r) => r.friend_id));
    const contacts = rows.map((row) => {
      const user = users.get(row.friend_id);
      assert(user, 'a friend is an existing user');
      return this.#toContact(row, user);
    });
    contacts.sort((a, b) => compareContacts({ ...a, id: a.user.id }, { ...b, id: b.user.id }));
    return { contacts, index: buildIndex(contacts) };
  }

  async updateContact(userId: string, friendId: string, remark: string | null): Promise<Contact> {
    const row = await this.repo.setRemark(userId, friendId, normalizeRemark(remark), this.clock.now());
    if (!row) throw new DomainError('not_found', 'No such contact.');
    return this.#toContact(row, await this.identity.getUser(friendId));
  }

  /** Unfriends both ways (each side's remark goes too). */
  async removeContact(userId: string, friendId: string): Promise<void> {
    const removed = await this.db.transaction().execute(async (trx) => {
      await this.repo.lockPair(trx, userId, friendId);
      return this.repo.deleteFriendship(trx, userId, friendId);
    });
    if (removed === 0) throw new DomainError('not_found', 'No such contact.');
  }

  async #contact(db: Db, ownerId: string, friendId: string): Promise<Contact> {
    const row = await this.repo.findFriendship(db, ownerId, friendId);
    const user = await this.identity.repo.findUserById(friendId, db);
    assert(row && user, 'the friendship and the friend exist');
    return this.#toContact(row, user);
  }

  #toContact(row: FriendshipRow, user: UserRow): Contact {
    const name = row.remark ?? user.display_name;
    const { letter, sortKey } = contactKey(name);
    return {
      user: { ...this.#profile(user), relation: 'friend' },
      remark: row.remark,
      name,
      letter,
      sortKey,
      since: row.created_at.toISOString(),
    };
  }

  // ── Blocks ───────────────────────────────────────────────────────────────

  /**
   * Blocks a user: their open request to me disappears from my view (they are not told),
   * their future requests are dropped silently, and neither may message the other. A
   * friendship stays in both contact lists, as in WeChat.
   */
  async block(userId: string, targetId: string): Promise<void> {
    if (userId === targetId) {
      throw new DomainError('invalid_request', 'You cannot block yourself.', { path: '/body/userId' });
    }
    await this.identity.getUser(targetId);
    await this.db.transaction().execute(async (trx) => {
      await this.repo.lockPair(trx, userId, targetId);
      await this.repo.insertBlock(trx, userId, targetId, this.clock.now());
      await this.repo.hidePendingFrom(trx, targetId, userId);
    });
  }

  async unblock(userId: string, targetId: string): Promise<void> {
    if (!(await this.repo.deleteBlock(userId, targetId))) {
      throw new DomainError('not_found', 'That user is not blocked.');
    }
  }

  async blocked(userId: string): Promise<PublicUser[]> {
    const ids = await this.repo.listBlocked(userId, blocksListMax);
    const users = await this.identity.usersByIds(ids);
    const rows = ids.map((id) => users.get(id)).filter((u): u is UserRow => u !== undefined);
    const views = await this.#publicUsers(this.db, userId, rows);
    return rows.map((u) => views.get(u.id) as PublicUser);
  }

  // ── Presence ─────────────────────────────────────────────────────────────

  /** A socket of this user is alive (called by the realtime layer). */
  async touchPresence(userId: string): Promise<void> {
    await this.repo.touchPresence(userId, this.clock.now());
  }

  /** A friend's presence; hidden when they hide their last seen. Anyone else: not found. */
  async presence(viewerId: string, userId: string): Promise<Presence> {
    if (viewerId !== userId && !(await this.areFriends(viewerId, userId))) {
      throw new DomainError('not_found', 'No such user.');
    }
    if (viewerId !== userId && !(await this.#privacyRow(userId)).show_last_seen) {
      return { online: null, lastSeenAt: null };
    }
    const seen = await this.repo.lastSeen(userId);
    if (!seen) return { online: false, lastSeenAt: null };
    return {
      online: this.clock.now().getTime() - seen.getTime() <= presenceOnlineSeconds * 1000,
      lastSeenAt: seen.toISOString(),
    };
  }

  // ── Privacy ──────────────────────────────────────────────────────────────

  async #privacyRow(userId: string): Promise<PrivacyColumns> {
    return (await this.repo.findPrivacy(userId)) ?? PRIVACY_DEFAULTS;
  }

  async privacy(userId: string): Promise<PrivacySettings> {
    return toPrivacy(await this.#privacyRow(userId));
  }

  async updatePrivacy(userId: string, patch: Partial<PrivacySettings>): Promise<PrivacySettings> {
    const set: Partial<PrivacyColumns> = {};
    if (patch.findableByPhone !== undefined) set.findable_by_phone = patch.findableByPhone;
    if (patch.showLastSeen !== undefined) set.show_last_seen = patch.showLastSeen;
    if (patch.allowStrangerMessages !== undefined) set.allow_stranger_messages = patch.allowStrangerMessages;
    if (Object.keys(set).length === 0) return this.privacy(userId);
    const row: PrivacyRow = await this.repo.upsertPrivacy(userId, PRIVACY_DEFAULTS, set, this.clock.now());
    return toPrivacy(row);
  }

  // ── Views ────────────────────────────────────────────────────────────────

  #profile(user: UserRow): Omit<PublicUser, 'relation'> {
    return {
      id: user.id,
      displayName: user.display_name,
      username: user.username,
      region: user.region,
      avatarId: user.avatar_id,
    };
  }

  async #publicUser(viewerId: string, user: UserRow, db: Db = this.db): Promise<PublicUser> {
    const views = await this.#publicUsers(db, viewerId, [user]);
    return views.get(user.id) as PublicUser;
  }

  /** Public faces of several users, each with how the viewer stands towards them. */
  async #publicUsers(db: Db, viewerId: string, users: readonly UserRow[]): Promise<Map<string, PublicUser>> {
    const others = [...new Set(users.map((u) => u.id).filter((id) => id !== viewerId))];
    const now = this.clock.now();
    // One after the other: `db` may be a transaction, which runs one statement at a time.
    const friends = await this.repo.friendsAmong(db, viewerId, others);
    const pending = await this.repo.pendingAround(db, viewerId, others, now);
    const sent = new Set(pending.filter((r) => r.from_id === viewerId).map((r) => r.to_id));
    const received = new Set(pending.filter((r) => r.to_id === viewerId).map((r) => r.from_id));
    const out = new Map<string, PublicUser>();
    for (const user of users) {
      out.set(user.id, {
        ...this.#profile(user),
        relation: relationOf(viewerId, user.id, {
          friends: friends.has(user.id),
          sentPending: sent.has(user.id),
          receivedPending: received.has(user.id),
        }),
      });
    }
    return out;
  }

  async #requestView(db: Db, viewerId: string, row: FriendRequestRow): Promise<FriendRequest> {
    const [view] = await this.#requestViews(db, viewerId, [row]);
    assert(view, 'one view per request');
    return view;
  }

  async #requestViews(db: Db, viewerId: string, rows: readonly FriendRequestRow[]): Promise<FriendRequest[]> {
    if (rows.length === 0) return [];
    const ids = [...new Set(rows.flatMap((r) => [r.from_id, r.to_id]))];
    const users: UserRow[] = [];
    for (const id of ids) {
      const user = await this.identity.repo.findUserById(id, db);
      if (user) users.push(user);
    }
    const views = await this.#publicUsers(db, viewerId, users);
    const now = this.clock.now();
    return rows.map((row) => {
      const from = views.get(row.from_id);
      const to = views.get(row.to_id);
      assert(from && to, 'both users of a request exist');
      return {
        id: row.id,
        from,
        to,
        message: row.message,
        status: effectiveStatus(row.status, row.expires_at, now),
        createdAt: row.created_at.toISOString(),
        expiresAt: row.expires_at.toISOString(),
      };
    });
  }
}
