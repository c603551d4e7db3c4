import type { Contact, FriendRequest, FriendTarget, PublicUser } from '@jiaozi/protocol';

/** The letters of the A–Z index, in order, with '#' (names that start with anything else) last. */
export const INDEX_LETTERS: readonly string[] = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZ', '#'];

/** The server's letter, made safe: one of `INDEX_LETTERS`. */
export function normalizeLetter(letter: string): string {
  const upper = letter.trim().toUpperCase();
  return /^[A-Z]$/.test(upper) ? upper : '#';
}

function letterRank(letter: string): number {
  return INDEX_LETTERS.indexOf(letter);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Contact order: letter (A–Z, then #), then the server's sort key, then name and id (stable). */
export function compareContacts(a: Contact, b: Contact): number {
  return (
    letterRank(normalizeLetter(a.letter)) - letterRank(normalizeLetter(b.letter)) ||
    compareText(a.sortKey, b.sortKey) ||
    compareText(a.name, b.name) ||
    compareText(a.user.id, b.user.id)
  );
}

export interface ContactGroup {
  letter: string;
  contacts: Contact[];
}

/** Contacts in sections by letter, sections and contacts in display order; no empty sections. */
export function groupByLetter(contacts: readonly Contact[]): ContactGroup[] {
  const groups: ContactGroup[] = [];
  for (const contact of [...contacts].sort(compareContacts)) {
    const letter = normalizeLetter(contact.letter);
    const last = groups.at(-1);
    if (last?.letter === letter) last.contacts.push(contact);
    else groups.push({ letter, contacts: [contact] });
  }
  return groups;
}

export interface IndexEntry {
  letter: string;
  count: number;
  /** The section a tap on this letter scrolls to: its own, else the next one down, else the last. */
  target: string | null;
}

/** The full A–Z + # index for the side bar: every letter, how many contacts, where a tap goes. */
export function buildIndex(groups: readonly ContactGroup[]): IndexEntry[] {
  const counts = new Map(groups.map((group) => [group.letter, group.contacts.length]));
  const present = INDEX_LETTERS.filter((letter) => counts.has(letter));
  return INDEX_LETTERS.map((letter) => {
    const rank = letterRank(letter);
    const target = present.find((p) => letterRank(p) >= rank) ?? present.at(-1) ?? null;
    return { letter, count: counts.get(letter) ?? 0, target };
  });
}

/** The DOM id of a letter's section (for jumping to it). */
export function sectionId(letter: string): string {
  return letter === '#' ? 'contacts-section-hash' : `contacts-section-${letter}`;
}

/** How a person is named in the friend request's default message. */
export function selfName(me: { displayName: string; username: string | null; phone: string | null }): string {
  return me.displayName.trim() || me.username || me.phone || '';
}

/**
 * The message a friend request starts with: "Hi, I'm Alice" from a template such as
 * "Hi, I'm {name}". Without a usable name, the template's fallback (e.g. "Hi!").
 */
export function defaultFriendMessage(
  me: { displayName: string; username: string | null; phone: string | null },
  template: (name: string) => string,
  fallback: string,
): string {
  const name = selfName(me);
  return name === '' ? fallback : template(name);
}

const PHONE = /^\+[1-9][0-9]{6,14}$/;
const USERNAME = /^[A-Za-z][A-Za-z0-9_]*$/;

export type SearchQuery = { kind: 'username'; q: string } | { kind: 'phone'; q: string };

/**
 * What the search box means: "+86 138-0013-8000" → the phone "+8613800138000", "@Alice" or
 * "Alice" → the username "Alice" (the server matches usernames case-insensitively). Null when
 * it is neither: search is exact, never by part of a name.
 */
export function parseSearchQuery(text: string): SearchQuery | null {
  const trimmed = text.trim();
  if (trimmed.startsWith('+')) {
    const phone = trimmed.replace(/[\s\-().]/g, '');
    return PHONE.test(phone) ? { kind: 'phone', q: phone } : null;
  }
  const username = trimmed.startsWith('@') ? trimmed.slice(1) : trimmed;
  return USERNAME.test(username) ? { kind: 'username', q: username } : null;
}

/** The friend-request target for a search query. */
export function targetOf(query: SearchQuery): FriendTarget {
  return query.kind === 'phone' ? { phone: query.q } : { username: query.q };
}

/** A stable text form of a target, for idempotency fingerprints. */
export function targetKey(target: FriendTarget): string {
  if ('userId' in target) return `id:${target.userId}`;
  if ('phone' in target) return `phone:${target.phone}`;
  return `user:${target.username.toLowerCase()}`;
}

/** The name shown for someone: the display name, else @username, else '?'. */
export function publicName(user: Pick<PublicUser, 'displayName' | 'username'>): string {
  return user.displayName.trim() || (user.username ? `@${user.username}` : '?');
}

/** Pending requests waiting for my answer (the "New friends" badge). */
export function pendingCount(requests: readonly FriendRequest[]): number {
  return requests.filter((request) => request.status === 'pending').length;
}

/** The relation after sending a request: accepted at once (they had asked me) or waiting. */
export function relationAfterRequest(request: FriendRequest): PublicUser['relation'] {
  return request.status === 'accepted' ? 'friend' : 'request_sent';
}
