import { createHash } from 'node:crypto';
import type {
  ConversationDetail,
  ConversationInfo,
  ConversationMember,
  ConversationSettings,
  ConversationSummary,
  Message,
  MessageKind,
  MessagePage,
  Watermarks,
} from '@jiaozi/protocol';
import type { Kysely, Transaction } from 'kysely';
import type { IdentityService } from '../identity/identity.service.js';
import type { Clock } from '../kernel/clock.js';
import { assert, DomainError } from '../kernel/errors.js';
import { newId } from '../kernel/ids.js';
import { conversationsListMax, groupMembersMax, messageSearchResultsMax } from '../kernel/limits.js';
import type { Logger } from '../kernel/logger.js';
import type { Database } from '../platform/db/schema.js';
import type { Announcer } from '../platform/outbox/announcer.js';
import { type OutboxEvent, writeOutbox } from '../platform/outbox/outbox.js';
import type { SocialService } from '../social/social.service.js';
import {
  canRemove,
  containsPattern,
  directKey,
  groupHasRoom,
  isManager,
  nextWatermark,
  normalizeAnnouncement,
  normalizeGroupName,
  type PageRequest,
  RECALLABLE_KINDS,
  successorOf,
  validateText,
  withinRecallWindow,
} from './chat.core.js';
import {
  ChatRepository,
  type ConversationRow,
  type MemberRow,
  type MessageRow,
  type NewMessage,
  type SummaryRow,
} from './chat.repository.js';
import { type Draft, MessageWriter } from './chat.writer.js';

type Trx = Transaction<Database>;

export const CHAT_TOPICS = {
  message: 'chat.message',
  recalled: 'chat.recalled',
  read: 'chat.read',
  delivered: 'chat.delivered',
  deleted: 'chat.deleted',
  conversation: 'chat.conversation',
} as const;

type ConversationChange = 'created' | 'updated' | 'members' | 'removed' | 'settings';

/** What a client id stands for, so that a resend can be told from a different message. */
function hashOf(parts: readonly unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

function num(value: bigint | string | number | null | undefined): number {
  return value === null || value === undefined ? 0 : Number(value);
}

/** Where a send goes: a conversation I am in, or a person (their direct conversation). */
export type SendTarget = { conversationId: string } | { userId: string };

/** A message whose kind and payload another domain made (media: `photo`, `voice`). */
export interface PayloadDraft {
  id: string;
  kind: string;
  payload: Record<string, unknown>;
  replyTo?: string | undefined;
  /** What the client id stands for, so that a resend can be told from a different message. */
  hashParts: readonly unknown[];
  attach: (trx: Trx, conversationId: string, messageId: string) => Promise<void>;
}

/** One transaction's events, announced to their audiences after it commits. */
interface Work {
  trx: Trx;
  now: Date;
  events: OutboxEvent[];
}

/**
 * Conversations and messages. A send locks its conversation row and takes `last_seq + 1`,
 * so seqs are gapless; a client id is unique per sender, so a resend answers the original.
 * Every change writes its events to the update log of everyone who must see it, in the
 * same transaction, and announces them once committed.
 */
export class ChatService {
  readonly repo: ChatRepository;
  readonly #writer: MessageWriter;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly identity: IdentityService,
    private readonly social: SocialService,
    private readonly announcer: Announcer,
    logger: Logger,
  ) {
    this.repo = new ChatRepository(db);
    this.#writer = new MessageWriter({
      db,
      repo: this.repo,
      clock,
      logger,
      announcer,
      canMessageMany: (pairs, trx) => social.canMessageMany(pairs, trx),
      view: (row) => this.#message(row),
      replay: (senderId, id, hash, conversationId) => this.#replay(senderId, id, hash, conversationId),
      topic: CHAT_TOPICS.message,
    });
  }

  // ── Plumbing ─────────────────────────────────────────────────────────────

  /** Runs `fn` in a transaction, writes the events it gathered, then announces them. */
  async #commit<T>(fn: (work: Work) => Promise<T>): Promise<T> {
    const events: OutboxEvent[] = [];
    const result = await this.db.transaction().execute(async (trx) => {
      const now = this.clock.now();
      const out = await fn({ trx, now, events });
      return { out, written: await writeOutbox(trx, events, now) };
    });
    const audience = new Set(events.flatMap((e) => e.audience));
    if (audience.size > 0) this.announcer.announce([...audience], result.written);
    return result.out;
  }

  /**
   * Locks a conversation the user is a member of (unknown or not mine: `not_found`) and
   * runs `fn` with it, its member list and the user's own membership.
   */
  #inConversation<T>(
    userId: string,
    conversationId: string,
    fn: (work: Work, ctx: { conv: ConversationRow; me: MemberRow; members: MemberRow[] }) => Promise<T>,
  ): Promise<T> {
    return this.#commit(async (work) => {
      const conv = await this.repo.lockConversation(work.trx, conversationId);
      const members = conv ? await this.repo.listMembers(conversationId, work.trx) : [];
      const me = members.find((m) => m.user_id === userId);
      if (!conv || !me) throw new DomainError('not_found', 'No such conversation.');
      return fn(work, { conv, me, members });
    });
  }

  #inGroup<T>(
    userId: string,
    conversationId: string,
    fn: (work: Work, ctx: { conv: ConversationRow; me: MemberRow; members: MemberRow[] }) => Promise<T>,
  ): Promise<T> {
    return this.#inConversation(userId, conversationId, (work, ctx) => {
      if (ctx.conv.kind !== 'group') throw new DomainError('not_found', 'No such group.');
      return fn(work, ctx);
    });
  }

  /** Writes a message at the conversation's next seq and tells `audience`. */
  async #write(
    work: Work,
    conv: ConversationRow,
    row: NewMessage,
    audience: readonly string[],
  ): Promise<MessageRow> {
    const seq = await this.repo.nextSeq(work.trx, conv.id, work.now);
    conv.last_seq = seq;
    const message = await this.repo.insertMessage(work.trx, row, seq, work.now);
    work.events.push({
      topic: CHAT_TOPICS.message,
      audience,
      payload: { conversationId: conv.id, seq: Number(seq), message: this.#message(message) },
    });
    return message;
  }

  /** A system message (`{ event, ... }`) by `actorId`, written like any other. */
  #system(
    work: Work,
    conv: ConversationRow,
    actorId: string,
    payload: Record<string, unknown>,
    audience: readonly string[],
  ): Promise<MessageRow> {
    const id = newId(this.clock);
    return this.#write(
      work,
      conv,
      {
        conversation_id: conv.id,
        id,
        sender_id: actorId,
        kind: 'system',
        body: null,
        payload,
        reply_to: null,
        mentions: [],
        mention_all: false,
        forwarded: false,
        request_hash: hashOf(['system', id]),
      },
      audience,
    );
  }

  async #conversationEvent(
    work: Work,
    conv: ConversationRow,
    change: ConversationChange,
    audience: readonly string[],
    settings?: ConversationSettings,
  ): Promise<void> {
    const fresh = await this.repo.findConversation(conv.id, work.trx);
    assert(fresh, 'the conversation is there');
    const memberCount = (await this.repo.listMembers(conv.id, work.trx)).length;
    work.events.push({
      topic: CHAT_TOPICS.conversation,
      audience,
      payload: {
        conversationId: conv.id,
        seq: Number(fresh.last_seq),
        change,
        conversation: this.#info(fresh, memberCount),
        ...(settings ? { settings } : {}),
      },
    });
  }

  // ── Conversations ────────────────────────────────────────────────────────

  /** Refuses a direct message unless social says the two may talk (a block answers the same). */
  async #assertMayMessage(senderId: string, recipientId: string): Promise<void> {
    if (!(await this.social.canMessage(senderId, recipientId))) {
      throw new DomainError('recipient_unavailable', 'This person cannot be messaged.');
    }
  }

  /** The pair's direct conversation, made (with both as members) if it is not there yet. */
  async #ensureDirect(a: string, b: string): Promise<{ id: string; created: boolean }> {
    const key = directKey(a, b);
    const existing = await this.repo.findDirect(key);
    if (existing) return { id: existing.id, created: false };
    return this.#commit(async (work) => {
      const id = newId(this.clock);
      const created = await this.repo.insertDirect(work.trx, {
        id,
        direct_key: key,
        created_by: a,
        created_at: work.now,
      });
      if (!created) {
        // Someone else made it in the meantime (the insert waited for them to commit).
        const theirs = await this.repo.findDirect(key, work.trx);
        assert(theirs, 'a conflict on the direct key means the conversation exists');
        return { id: theirs.id, created: false };
      }
      await this.repo.insertMembers(
        work.trx,
        [a, b].map((user_id) => ({
          conversation_id: id,
          user_id,
          role: 'member' as const,
          joined_seq: 0n,
          joined_at: work.now,
        })),
      );
      const conv = await this.repo.findConversation(id, work.trx);
      assert(conv, 'the conversation just made is there');
      await this.#conversationEvent(work, conv, 'created', [a, b]);
      return { id, created: true };
    });
  }

  /**
   * For other domains' notices: the two users' direct conversation (made if missing, with
   * no message of its own). Blocks are not checked: a notice is not a message between them.
   */
  async directConversationId(a: string, b: string): Promise<string> {
    assert(a !== b, 'a direct conversation has two people');
    return (await this.#ensureDirect(a, b)).id;
  }

  /**
   * For other domains: a conversation's kind and its members' ids, or null when it does not
   * exist (read inside the caller's transaction when one is given).
   */
  async conversationMembers(
    conversationId: string,
    db: Kysely<Database> | Trx = this.db,
  ): Promise<{ kind: 'direct' | 'group'; memberIds: string[] } | null> {
    const conv = await this.repo.findConversation(conversationId, db);
    if (!conv) return null;
    const members = await this.repo.listMembers(conversationId, db);
    return { kind: conv.kind, memberIds: members.map((m) => m.user_id) };
  }

  /** For other domains: whether this sender already used this client id (a resend is coming). */
  async hasSent(senderId: string, id: string): Promise<boolean> {
    return (await this.repo.findBySender(senderId, id)) !== undefined;
  }

  /**
   * For other domains: whether a member sees a message, that is, was in the conversation
   * when it was sent (a red packet is grabbed only by those who saw it arrive).
   */
  async canSeeMessage(userId: string, conversationId: string, messageId: string): Promise<boolean> {
    const me = await this.repo.findMember(conversationId, userId);
    const message = me ? await this.repo.findMessage(conversationId, messageId) : undefined;
    return me !== undefined && message !== undefined && message.seq > me.joined_seq;
  }

  /**
   * Writes a system message (`payload.event` names it) into a conversation inside the
   * caller's transaction, so that it commits or rolls back with the caller's change. Returns
   * the events to write to the outbox in that transaction (and to announce after commit).
   */
  /**
   * Takes a conversation's lock inside another domain's transaction. Whoever writes a message
   * and moves money in one transaction locks the conversation before the ledger (the chat
   * writer does so for every send): call this before the ledger when the message comes after.
   */
  async lockConversationInTransaction(trx: Trx, conversationId: string): Promise<void> {
    const conv = await this.repo.lockConversation(trx, conversationId);
    assert(conv, 'the conversation exists');
  }

  async systemMessageInTransaction(
    trx: Trx,
    conversationId: string,
    actorId: string,
    payload: Record<string, unknown> & { event: string },
  ): Promise<OutboxEvent[]> {
    const conv = await this.repo.lockConversation(trx, conversationId);
    assert(conv, 'the conversation exists');
    const members = await this.repo.listMembers(conversationId, trx);
    const work: Work = { trx, now: this.clock.now(), events: [] };
    await this.#system(
      work,
      conv,
      actorId,
      payload,
      members.map((m) => m.user_id),
    );
    return work.events;
  }

  async #assertUser(userId: string): Promise<void> {
    if (!(await this.identity.repo.findUserById(userId))) throw new DomainError('not_found', 'No such user.');
  }

  async openDirect(
    userId: string,
    peerId: string,
  ): Promise<{ conversation: ConversationDetail; created: boolean }> {
    await this.#assertUser(peerId);
    await this.#assertMayMessage(userId, peerId);
    const { id, created } = await this.#ensureDirect(userId, peerId);
    return { conversation: await this.conversation(userId, id), created };
  }

  /** Only friends of the inviter join (each invitee is checked before anything is written). */
  async #assertFriends(inviterId: string, userIds: readonly string[]): Promise<void> {
    for (const id of userIds) {
      if (!(await this.social.areFriends(inviterId, id))) {
        throw new DomainError('recipient_unavailable', 'Only your friends can be added to a group.');
      }
    }
  }

  async createGroup(userId: string, input: { name: string; memberIds: readonly string[] }) {
    const name = normalizeGroupName(input.name);
    const others = [...new Set(input.memberIds)].filter((id) => id !== userId);
    if (!groupHasRoom(1, others.length)) {
      throw new DomainError('invalid_request', `A group has at most ${groupMembersMax} members.`, {
        path: '/body/memberIds',
        max: groupMembersMax,
      });
    }
    await this.#assertFriends(userId, others);
    const id = await this.#commit(async (work) => {
      const id = newId(this.clock);
      await this.repo.insertGroup(work.trx, { id, name, owner_id: userId, created_at: work.now });
      await this.repo.insertMembers(work.trx, [
        { conversation_id: id, user_id: userId, role: 'owner', joined_seq: 0n, joined_at: work.now },
        ...others.map((user_id) => ({
          conversation_id: id,
          user_id,
          role: 'member' as const,
          joined_seq: 0n,
          joined_at: work.now,
        })),
      ]);
      const conv = await this.repo.lockConversation(work.trx, id);
      assert(conv, 'the group just made is there');
      const audience = [userId, ...others];
      await this.#system(work, conv, userId, { event: 'group_created', name, userIds: others }, audience);
      await this.#conversationEvent(work, conv, 'created', audience);
      return id;
    });
    return this.conversation(userId, id);
  }

  /** Name, announcement and mute-all: the owner and admins only. Each change says so in the chat. */
  async updateGroup(
    userId: string,
    conversationId: string,
    patch: {
      name?: string | undefined;
      announcement?: string | null | undefined;
      muteAll?: boolean | undefined;
    },
  ): Promise<ConversationDetail> {
    const name = patch.name === undefined ? undefined : normalizeGroupName(patch.name);
    const announcement =
      patch.announcement === undefined ? undefined : normalizeAnnouncement(patch.announcement);
    await this.#inGroup(userId, conversationId, async (work, { conv, me, members }) => {
      if (!isManager(me.role))
        throw new DomainError('forbidden', 'Only the owner and admins may change the group.');
      const audience = members.map((m) => m.user_id);
      let changed = false;
      if (name !== undefined && name !== conv.name) {
        await this.repo.updateConversation(work.trx, conv.id, { name });
        await this.#system(work, conv, userId, { event: 'renamed', name }, audience);
        changed = true;
      }
      if (announcement !== undefined && announcement !== conv.announcement) {
        await this.repo.updateConversation(work.trx, conv.id, { announcement });
        await this.#system(
          work,
          conv,
          userId,
          { event: 'announcement_changed', text: announcement },
          audience,
        );
        changed = true;
      }
      if (patch.muteAll !== undefined && patch.muteAll !== conv.mute_all) {
        await this.repo.updateConversation(work.trx, conv.id, { mute_all: patch.muteAll });
        await this.#system(work, conv, userId, { event: 'mute_all_changed', on: patch.muteAll }, audience);
        changed = true;
      }
      if (changed) await this.#conversationEvent(work, conv, 'updated', audience);
    });
    return this.conversation(userId, conversationId);
  }

  /**
   * Sets or clears a group's avatar (the owner and admins; media made the image); every
   * member hears of it.
   */
  async setGroupAvatar(
    userId: string,
    conversationId: string,
    avatarId: string | null,
  ): Promise<ConversationDetail> {
    await this.#inGroup(userId, conversationId, async (work, { conv, me, members }) => {
      if (!isManager(me.role))
        throw new DomainError('forbidden', 'Only the owner and admins may change the group.');
      await this.repo.updateConversation(work.trx, conv.id, { avatar_id: avatarId });
      await this.#conversationEvent(
        work,
        conv,
        'updated',
        members.map((m) => m.user_id),
      );
    });
    return this.conversation(userId, conversationId);
  }

  /** Any member may invite their friends; those already in are left as they are. */
  async invite(
    userId: string,
    conversationId: string,
    userIds: readonly string[],
  ): Promise<ConversationDetail> {
    const wanted = [...new Set(userIds)].filter((id) => id !== userId);
    await this.#assertFriends(userId, wanted);
    await this.#inGroup(userId, conversationId, async (work, { conv, members }) => {
      const current = new Set(members.map((m) => m.user_id));
      const joining = wanted.filter((id) => !current.has(id));
      if (joining.length === 0) return;
      if (!groupHasRoom(members.length, joining.length)) {
        throw new DomainError('invalid_request', `A group has at most ${groupMembersMax} members.`, {
          path: '/body/userIds',
          max: groupMembersMax,
        });
      }
      // They see the group from their own join message on, not its history before.
      await this.repo.insertMembers(
        work.trx,
        joining.map((user_id) => ({
          conversation_id: conv.id,
          user_id,
          role: 'member' as const,
          joined_seq: conv.last_seq,
          joined_at: work.now,
        })),
      );
      const audience = [...current, ...joining];
      await this.#system(
        work,
        conv,
        userId,
        { event: 'member_joined', userIds: joining, by: userId },
        audience,
      );
      await this.#conversationEvent(work, conv, 'members', audience);
    });
    return this.conversation(userId, conversationId);
  }

  /** The owner removes anyone else; admins remove ordinary members. */
  async removeMember(userId: string, conversationId: string, targetId: string): Promise<void> {
    await this.#inGroup(userId, conversationId, async (work, { conv, me, members }) => {
      const target = members.find((m) => m.user_id === targetId);
      if (!target) throw new DomainError('not_found', 'No such member.');
      if (!canRemove({ id: me.user_id, role: me.role }, { id: target.user_id, role: target.role })) {
        throw new DomainError('forbidden', 'You may not remove this member.');
      }
      await this.repo.deleteMember(work.trx, conv.id, targetId);
      const remaining = members.map((m) => m.user_id).filter((id) => id !== targetId);
      await this.#system(work, conv, userId, { event: 'member_removed', userIds: [targetId], by: userId }, [
        ...remaining,
        targetId,
      ]);
      await this.#conversationEvent(work, conv, 'members', remaining);
      await this.#conversationEvent(work, conv, 'removed', [targetId]);
    });
  }

  /** Leaves a group. An owner who leaves hands the group to the earliest admin, else member. */
  async leave(userId: string, conversationId: string): Promise<void> {
    await this.#inGroup(userId, conversationId, async (work, { conv, me, members }) => {
      await this.repo.deleteMember(work.trx, conv.id, userId);
      const rest = members.filter((m) => m.user_id !== userId);
      const audience = rest.map((m) => m.user_id);
      await this.#system(work, conv, userId, { event: 'member_left', userId }, [...audience, userId]);
      if (me.role === 'owner') {
        const heir = successorOf(rest.map((m) => ({ ...m, userId: m.user_id, joinedAt: m.joined_at })));
        await this.repo.updateConversation(work.trx, conv.id, { owner_id: heir?.user_id ?? null });
        if (heir) {
          await this.repo.updateMember(work.trx, conv.id, heir.user_id, {
            role: 'owner',
            updated_at: work.now,
          });
          await this.#system(
            work,
            conv,
            userId,
            { event: 'owner_changed', from: userId, to: heir.user_id },
            audience,
          );
        }
      }
      await this.#conversationEvent(work, conv, 'members', audience);
      await this.#conversationEvent(work, conv, 'removed', [userId]);
    });
  }

  /** The owner makes a member an admin or an admin a member. */
  async setRole(userId: string, conversationId: string, targetId: string, role: 'admin' | 'member') {
    await this.#inGroup(userId, conversationId, async (work, { conv, me, members }) => {
      if (me.role !== 'owner') throw new DomainError('forbidden', 'Only the owner may change roles.');
      const target = members.find((m) => m.user_id === targetId);
      if (!target) throw new DomainError('not_found', 'No such member.');
      if (target.role === 'owner') {
        throw new DomainError('forbidden', 'The owner keeps their role: transfer ownership instead.');
      }
      if (target.role === role) return;
      await this.repo.updateMember(work.trx, conv.id, targetId, { role, updated_at: work.now });
      const audience = members.map((m) => m.user_id);
      await this.#system(work, conv, userId, { event: 'role_changed', userId: targetId, role }, audience);
      await this.#conversationEvent(work, conv, 'members', audience);
    });
    return this.conversation(userId, conversationId);
  }

  /** The owner hands the group to another member and becomes an admin. */
  async transferOwnership(userId: string, conversationId: string, targetId: string) {
    await this.#inGroup(userId, conversationId, async (work, { conv, me, members }) => {
      if (me.role !== 'owner') throw new DomainError('forbidden', 'Only the owner may transfer the group.');
      const target = members.find((m) => m.user_id === targetId);
      if (!target) throw new DomainError('not_found', 'No such member.');
      if (targetId === userId) return;
      await this.repo.updateMember(work.trx, conv.id, userId, { role: 'admin', updated_at: work.now });
      await this.repo.updateMember(work.trx, conv.id, targetId, { role: 'owner', updated_at: work.now });
      await this.repo.updateConversation(work.trx, conv.id, { owner_id: targetId });
      const audience = members.map((m) => m.user_id);
      await this.#system(
        work,
        conv,
        userId,
        { event: 'owner_changed', from: userId, to: targetId },
        audience,
      );
      await this.#conversationEvent(work, conv, 'members', audience);
    });
    return this.conversation(userId, conversationId);
  }

  async updateSettings(
    userId: string,
    conversationId: string,
    patch: Partial<ConversationSettings>,
  ): Promise<ConversationSummary> {
    await this.#commit(async (work) => {
      const me = await this.repo.lockMember(work.trx, conversationId, userId);
      if (!me) throw new DomainError('not_found', 'No such conversation.');
      const set: Partial<ConversationSettings> = {};
      for (const key of ['muted', 'pinned', 'archived'] as const) {
        const value = patch[key];
        if (value !== undefined && value !== me[key]) set[key] = value;
      }
      if (Object.keys(set).length === 0) return;
      const after = await this.repo.updateMember(work.trx, conversationId, userId, {
        ...set,
        updated_at: work.now,
      });
      const conv = await this.repo.findConversation(conversationId, work.trx);
      assert(conv, 'a member belongs to a conversation');
      await this.#conversationEvent(work, conv, 'settings', [userId], {
        muted: after.muted,
        pinned: after.pinned,
        archived: after.archived,
      });
    });
    return this.#summary(userId, conversationId);
  }

  // ── Reading ──────────────────────────────────────────────────────────────

  /** The other members who should see `userId` typing here; null when they are no member. */
  async typingAudience(userId: string, conversationId: string): Promise<string[] | null> {
    const members = await this.repo.listMembers(conversationId);
    if (!members.some((m) => m.user_id === userId)) return null;
    return members.filter((m) => m.user_id !== userId).map((m) => m.user_id);
  }

  async list(userId: string): Promise<ConversationSummary[]> {
    const rows = await this.repo.summaries(userId, conversationsListMax);
    return this.#summaries(rows);
  }

  async #summary(userId: string, conversationId: string): Promise<ConversationSummary> {
    const rows = await this.repo.summaries(userId, 1, conversationId);
    if (rows.length === 0) throw new DomainError('not_found', 'No such conversation.');
    const [summary] = await this.#summaries(rows);
    assert(summary, 'one summary per row');
    return summary;
  }

  async conversation(userId: string, conversationId: string): Promise<ConversationDetail> {
    const summary = await this.#summary(userId, conversationId);
    const members = await this.repo.listMembers(conversationId);
    return { ...summary, members: members.map((m) => this.#member(m)) };
  }

  async messages(userId: string, conversationId: string, request: PageRequest): Promise<MessagePage> {
    const me = await this.repo.findMember(conversationId, userId);
    if (!me) throw new DomainError('not_found', 'No such conversation.');
    const rows = await this.repo.page(conversationId, userId, me.joined_seq, request);
    const hasMore = rows.length > request.limit;
    const page = rows.slice(0, request.limit);
    if (request.direction !== 'after') page.reverse();
    return { messages: page.map((r) => this.#message(r)), hasMore };
  }

  async search(userId: string, q: string): Promise<Message[]> {
    const query = q.trim();
    if (query === '')
      throw new DomainError('invalid_request', 'Search for some text.', { path: '/querystring/q' });
    const rows = await this.repo.search(userId, query, containsPattern(query), messageSearchResultsMax);
    return rows.map((r) => this.#message(r));
  }

  // ── Sending ──────────────────────────────────────────────────────────────

  async send(
    userId: string,
    target: SendTarget,
    input: {
      id: string;
      text: string;
      replyTo?: string | undefined;
      mentions?: readonly string[] | undefined;
    },
  ): Promise<{ message: Message; created: boolean }> {
    const text = validateText(input.text);
    const mentions = input.mentions ? [...input.mentions].sort() : [];
    const draft: Draft = {
      kind: 'text',
      body: text,
      replyTo: input.replyTo ?? null,
      mentions: input.mentions,
      forwarded: false,
      hash: hashOf(['text', text, input.replyTo ?? null, mentions]),
    };
    return this.#send(userId, target, input.id, draft);
  }

  /** Sends a message of another domain's kind; its `attach` runs in the send's transaction. */
  async sendPayload(
    userId: string,
    target: SendTarget,
    input: PayloadDraft,
  ): Promise<{ message: Message; created: boolean }> {
    const draft: Draft = {
      kind: input.kind,
      body: null,
      payload: input.payload,
      attach: input.attach,
      replyTo: input.replyTo ?? null,
      mentions: undefined,
      forwarded: false,
      hash: hashOf([input.kind, ...input.hashParts, input.replyTo ?? null]),
    };
    return this.#send(userId, target, input.id, draft);
  }

  /** Copies a message I can see into another of my conversations, marked forwarded. */
  async forward(
    userId: string,
    conversationId: string,
    input: { id: string; from: { conversationId: string; messageId: string } },
  ): Promise<{ message: Message; created: boolean }> {
    const hash = hashOf(['forward', input.from.conversationId, input.from.messageId]);
    const replay = await this.#replay(userId, input.id, hash, conversationId);
    if (replay) return { message: this.#message(replay), created: false };
    const source = await this.#visibleMessage(userId, input.from.conversationId, input.from.messageId);
    if (source.recalled_at !== null) throw new DomainError('not_found', 'No such message.');
    if (source.kind !== 'text' || source.body === null) {
      throw new DomainError('invalid_request', 'Only text messages can be forwarded.', {
        path: '/body/from',
      });
    }
    const draft: Draft = {
      kind: 'text',
      body: source.body,
      replyTo: null,
      mentions: undefined,
      forwarded: true,
      hash,
    };
    return this.#send(userId, { conversationId }, input.id, draft);
  }

  /** A message of a conversation I am in, that I can see (after I joined, not deleted for me). */
  async #visibleMessage(userId: string, conversationId: string, messageId: string): Promise<MessageRow> {
    const me = await this.repo.findMember(conversationId, userId);
    const message = me ? await this.repo.findMessage(conversationId, messageId) : undefined;
    if (
      !me ||
      !message ||
      message.seq <= me.joined_seq ||
      (await this.repo.isHidden(conversationId, userId, message.seq))
    ) {
      throw new DomainError('not_found', 'No such message.');
    }
    return message;
  }

  /**
   * The message a client id already stands for: the same body in the same conversation is
   * a resend (answered with the original); anything else under that id is a conflict.
   */
  async #replay(
    senderId: string,
    id: string,
    hash: string,
    conversationId: string | undefined,
    db: Kysely<Database> | Trx = this.db,
  ): Promise<MessageRow | null> {
    const row = await this.repo.findBySender(senderId, id, db);
    if (!row) return null;
    if (
      row.request_hash !== hash ||
      (conversationId !== undefined && row.conversation_id !== conversationId)
    ) {
      throw new DomainError('idempotency_conflict', 'This message id was already used for another message.');
    }
    return row;
  }

  async #send(userId: string, target: SendTarget, id: string, draft: Draft) {
    let conversationId: string;
    if ('userId' in target) {
      const existing =
        target.userId === userId ? undefined : await this.repo.findDirect(directKey(userId, target.userId));
      // A resend into a direct conversation answers before anything else is asked.
      const replay = await this.#replay(userId, id, draft.hash, existing?.id ?? '');
      if (replay) return { message: this.#message(replay), created: false };
      await this.#assertUser(target.userId);
      await this.#assertMayMessage(userId, target.userId);
      conversationId = (await this.#ensureDirect(userId, target.userId)).id;
    } else {
      conversationId = target.conversationId;
    }
    // The writer batches sends: it checks membership, blocks, mutes and resends under the
    // conversation's lock, and writes the message with the next seq.
    const { row, created } = await this.#writer.submit({ senderId: userId, conversationId, id, draft });
    return { message: this.#message(row), created };
  }

  // ── Recall and delete ────────────────────────────────────────────────────

  /**
   * The sender takes a message back within the recall window: its body is gone for
   * everyone, and a system message says so. Recalling it again answers the same.
   */
  async recall(userId: string, conversationId: string, messageId: string): Promise<Message> {
    const row = await this.#inConversation(userId, conversationId, async (work, { conv, me, members }) => {
      const message = await this.repo.findMessage(conv.id, messageId, work.trx);
      if (!message || message.seq <= me.joined_seq) throw new DomainError('not_found', 'No such message.');
      if (message.sender_id !== userId || !RECALLABLE_KINDS.has(message.kind)) {
        throw new DomainError('forbidden', 'Only its sender may recall a message.');
      }
      if (message.recalled_at !== null) return message;
      if (!withinRecallWindow(message.created_at, work.now)) {
        throw new DomainError('recall_window_passed', 'This message is too old to recall.');
      }
      await this.repo.recall(work.trx, conv.id, message.seq, work.now);
      const audience = members.map((m) => m.user_id);
      work.events.push({
        topic: CHAT_TOPICS.recalled,
        audience,
        payload: { conversationId: conv.id, seq: Number(message.seq), messageId },
      });
      await this.#system(
        work,
        conv,
        userId,
        { event: 'message_recalled', userId, messageId, seq: Number(message.seq) },
        audience,
      );
      const after = await this.repo.findMessage(conv.id, messageId, work.trx);
      assert(after, 'the recalled message is still there');
      return after;
    });
    return this.#message(row);
  }

  /** Hides a message from my own view only (on all my devices). */
  async deleteForMe(userId: string, conversationId: string, messageId: string): Promise<void> {
    const message = await this.#visibleMessage(userId, conversationId, messageId);
    await this.#commit(async (work) => {
      await this.repo.hide(work.trx, conversationId, userId, message.seq, work.now);
      work.events.push({
        topic: CHAT_TOPICS.deleted,
        audience: [userId],
        payload: { conversationId, seq: Number(message.seq), messageId },
      });
    });
  }

  // ── Receipts ─────────────────────────────────────────────────────────────

  /**
   * Moves my read (and with it my delivered) watermark, or my delivered one, up to `seq`;
   * never backwards. Every member hears of a watermark that moved.
   */
  async markWatermark(
    userId: string,
    conversationId: string,
    which: 'read' | 'delivered',
    seq: number,
  ): Promise<Watermarks> {
    return this.#commit(async (work) => {
      const me = await this.repo.lockMember(work.trx, conversationId, userId);
      const conv = me ? await this.repo.findConversation(conversationId, work.trx) : undefined;
      if (!me || !conv) throw new DomainError('not_found', 'No such conversation.');
      const lastSeq = Number(conv.last_seq);
      const read = Number(me.read_seq);
      const delivered = Number(me.delivered_seq);
      const nextRead = which === 'read' ? nextWatermark(read, seq, lastSeq) : read;
      const nextDelivered = Math.max(
        nextRead,
        which === 'delivered' ? nextWatermark(delivered, seq, lastSeq) : delivered,
      );
      if (nextRead === read && nextDelivered === delivered) return { readSeq: read, deliveredSeq: delivered };
      await this.repo.updateMember(work.trx, conversationId, userId, {
        read_seq: BigInt(nextRead),
        delivered_seq: BigInt(nextDelivered),
        updated_at: work.now,
      });
      const audience = (await this.repo.listMembers(conversationId, work.trx)).map((m) => m.user_id);
      if (nextDelivered !== delivered) {
        work.events.push({
          topic: CHAT_TOPICS.delivered,
          audience,
          payload: { conversationId, seq: nextDelivered, userId },
        });
      }
      if (nextRead !== read) {
        work.events.push({
          topic: CHAT_TOPICS.read,
          audience,
          payload: { conversationId, seq: nextRead, userId },
        });
      }
      return { readSeq: nextRead, deliveredSeq: nextDelivered };
    });
  }

  // ── Views ────────────────────────────────────────────────────────────────

  #message(row: MessageRow): Message {
    const recalled = row.recalled_at !== null;
    return {
      id: row.id,
      conversationId: row.conversation_id,
      seq: Number(row.seq),
      senderId: row.sender_id,
      kind: row.kind as MessageKind,
      text: recalled ? null : row.body,
      payload: recalled ? null : row.payload,
      replyTo: row.reply_to,
      mentions: recalled ? [] : row.mentions,
      mentionAll: recalled ? false : row.mention_all,
      forwarded: row.forwarded,
      recalled,
      readCount: num(row.read_count),
      createdAt: row.created_at.toISOString(),
    };
  }

  #info(row: ConversationRow, memberCount: number): ConversationInfo {
    return {
      id: row.id,
      kind: row.kind,
      name: row.name,
      announcement: row.announcement,
      ownerId: row.owner_id,
      muteAll: row.mute_all,
      avatarId: row.avatar_id,
      memberCount,
      lastSeq: Number(row.last_seq),
      createdAt: row.created_at.toISOString(),
    };
  }

  #member(row: MemberRow): ConversationMember {
    return {
      userId: row.user_id,
      role: row.role,
      readSeq: Number(row.read_seq),
      deliveredSeq: Number(row.delivered_seq),
      joinedAt: row.joined_at.toISOString(),
    };
  }

  async #summaries(rows: readonly SummaryRow[]): Promise<ConversationSummary[]> {
    const pairs = rows
      .filter((r) => r.last_visible_seq !== null)
      .map((r) => ({ conversationId: r.id, seq: BigInt(r.last_visible_seq as bigint) }));
    const last = new Map((await this.repo.messagesAt(pairs)).map((m) => [m.conversation_id, m]));
    return rows.map((r) => {
      const message = last.get(r.id);
      return {
        ...this.#info(r, num(r.member_count)),
        peerId: r.peer_id,
        myRole: r.role,
        readSeq: num(r.read_seq),
        deliveredSeq: num(r.delivered_seq),
        unreadCount: num(r.unread_count),
        muted: r.muted,
        pinned: r.pinned,
        archived: r.archived,
        lastMessage: message ? this.#message(message) : null,
        lastActivityAt: new Date(r.last_activity_at).toISOString(),
      };
    });
  }
}
