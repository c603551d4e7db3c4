/**
 * Pure rules of the chat domain: what a valid text or group name is, who may speak, manage
 * and recall, how receipts move (cumulative, never backwards), how mentions are read, how a
 * message page is asked for, and the order of the conversation list. No I/O here.
 */
import type { MemberRole } from '@jiaozi/protocol';
import { DomainError } from '../kernel/errors.js';
import {
  groupAnnouncementMaxLength,
  groupMembersMax,
  groupNameMaxLength,
  messagePageDefault,
  messagePageMax,
  messageTextMaxLength,
  recallWindowSeconds,
} from '../kernel/limits.js';

/** Length in Unicode code points (an emoji or a CJK character is one). */
export function codePoints(text: string): number {
  let n = 0;
  for (const _ of text) n += 1;
  return n;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is exactly what Postgres text cannot hold
const NUL_RE = /\u0000/;

/** A text message's body, as sent: not blank, no NUL, at most the limit. */
export function validateText(text: string): string {
  if (text.trim() === '' || NUL_RE.test(text)) {
    throw new DomainError('invalid_request', 'A text message needs some text.', { path: '/body/text' });
  }
  if (codePoints(text) > messageTextMaxLength) {
    throw new DomainError('message_too_long', `A message holds at most ${messageTextMaxLength} characters.`, {
      maxLength: messageTextMaxLength,
    });
  }
  return text;
}

/** A group's name: trimmed, not blank, at most the limit. */
export function normalizeGroupName(name: string): string {
  const trimmed = name.trim();
  if (trimmed === '' || NUL_RE.test(trimmed) || codePoints(trimmed) > groupNameMaxLength) {
    throw new DomainError('invalid_request', `A group name has 1 to ${groupNameMaxLength} characters.`, {
      path: '/body/name',
    });
  }
  return trimmed;
}

/** An announcement: trimmed; blank clears it. */
export function normalizeAnnouncement(text: string | null): string | null {
  if (text === null) return null;
  const trimmed = text.trim();
  if (NUL_RE.test(trimmed) || codePoints(trimmed) > groupAnnouncementMaxLength) {
    throw new DomainError('invalid_request', 'The announcement is too long.', { path: '/body/announcement' });
  }
  return trimmed === '' ? null : trimmed;
}

/** The key that makes a pair's direct conversation unique, the same whichever side asks. */
export function directKey(a: string, b: string): string {
  if (a === b) throw new DomainError('recipient_unavailable');
  return a < b ? `${a}:${b}` : `${b}:${a}`;
}

/** Whether a group of `current` members may take `adding` more. */
export function groupHasRoom(current: number, adding: number): boolean {
  return current + adding <= groupMembersMax;
}

export function isManager(role: MemberRole): boolean {
  return role === 'owner' || role === 'admin';
}

/** With mute-all on, only the owner and admins speak. */
export function canSpeak(role: MemberRole, muteAll: boolean): boolean {
  return !muteAll || isManager(role);
}

/** The owner removes anyone but themself; an admin removes ordinary members only. */
export function canRemove(actor: { id: string; role: MemberRole }, target: { id: string; role: MemberRole }) {
  if (actor.id === target.id) return false;
  if (actor.role === 'owner') return true;
  return actor.role === 'admin' && target.role === 'member';
}

/**
 * Who becomes owner when the owner leaves: the earliest admin, else the earliest member
 * (ties by id). Undefined when nobody is left.
 */
export function successorOf<T extends { userId: string; role: MemberRole; joinedAt: Date }>(
  remaining: readonly T[],
): T | undefined {
  const order = (a: T, b: T) =>
    a.joinedAt.getTime() - b.joinedAt.getTime() || (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0);
  const admins = remaining.filter((m) => m.role === 'admin').sort(order);
  return admins[0] ?? [...remaining].sort(order)[0];
}

/** Kinds the sender may recall. Payment messages (later) may not; system messages never. */
export const RECALLABLE_KINDS: ReadonlySet<string> = new Set(['text', 'photo', 'voice', 'miniapp']);

/** Recall is open until exactly `recallWindowSeconds` after sending, inclusive. */
export function withinRecallWindow(createdAt: Date, now: Date): boolean {
  return now.getTime() - createdAt.getTime() <= recallWindowSeconds * 1000;
}

/**
 * A cumulative receipt watermark after a member reports `requested`: it never moves
 * backwards, and nobody reads past the last message.
 */
export function nextWatermark(current: number, requested: number, lastSeq: number): number {
  if (!Number.isSafeInteger(requested) || requested < 0 || requested > lastSeq) {
    throw new DomainError('invalid_request', `seq must be between 0 and ${lastSeq}.`, {
      path: '/body/seq',
    });
  }
  return Math.max(current, requested);
}

export interface Mentions {
  userIds: string[];
  all: boolean;
}

/**
 * Reads a message's mentions: member ids (deduplicated, in order, the sender left out) and
 * `all`, which only the owner and admins may use. Mentions exist in groups only, and only
 * of current members.
 */
export function parseMentions(
  input: readonly string[] | undefined,
  ctx: { kind: 'direct' | 'group'; senderId: string; senderRole: MemberRole; memberIds: ReadonlySet<string> },
): Mentions {
  if (!input || input.length === 0) return { userIds: [], all: false };
  if (ctx.kind !== 'group') {
    throw new DomainError('invalid_request', 'Mentions are for groups.', { path: '/body/mentions' });
  }
  let all = false;
  const userIds: string[] = [];
  const seen = new Set<string>();
  for (const item of input) {
    if (item === 'all') {
      if (!isManager(ctx.senderRole)) {
        throw new DomainError('forbidden', 'Only the owner and admins may mention everyone.');
      }
      all = true;
      continue;
    }
    if (!ctx.memberIds.has(item)) {
      throw new DomainError('invalid_request', 'Only members of the group can be mentioned.', {
        path: '/body/mentions',
      });
    }
    if (item === ctx.senderId || seen.has(item)) continue;
    seen.add(item);
    userIds.push(item);
  }
  return { userIds, all };
}

export type PageRequest =
  | { direction: 'latest'; limit: number }
  | { direction: 'before'; seq: number; limit: number }
  | { direction: 'after'; seq: number; limit: number };

/** A page of history: before a seq (older), after a seq (newer), or the latest. Not both. */
export function pageRequest(query: { before?: number; after?: number; limit?: number }): PageRequest {
  const limit = query.limit ?? messagePageDefault;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > messagePageMax) {
    throw new DomainError('invalid_request', `limit is 1 to ${messagePageMax}.`, {
      path: '/querystring/limit',
    });
  }
  if (query.before !== undefined && query.after !== undefined) {
    throw new DomainError('invalid_request', 'Ask for messages before or after a seq, not both.', {
      path: '/querystring/after',
    });
  }
  if (query.before !== undefined) return { direction: 'before', seq: query.before, limit };
  if (query.after !== undefined) return { direction: 'after', seq: query.after, limit };
  return { direction: 'latest', limit };
}

/** A LIKE pattern matching `text` anywhere, with its own `%`, `_` and `\` taken literally. */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** Conversation list order: pinned first, then by last activity (newest first), then id. */
export function compareConversations(
  a: { pinned: boolean; lastActivityAt: string; id: string },
  b: { pinned: boolean; lastActivityAt: string; id: string },
): number {
  if (a.pinned !== b.pinned) return a.pinned ? -1 : 1;
  if (a.lastActivityAt !== b.lastActivityAt) return a.lastActivityAt < b.lastActivityAt ? 1 : -1;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}
