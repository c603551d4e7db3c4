/**
 * Pure rules of the social domain: how a contact list is lettered and sorted (Chinese names
 * by pinyin), what a friend request's status is at a given time, how a viewer relates to a
 * user, and the contact QR payload. No I/O here.
 */
import type { ContactIndexEntry, FriendRequestStatus, Relation } from '@jiaozi/protocol';
import { pinyin } from 'pinyin-pro';
import { contactQrMaxLength } from '../kernel/limits.js';

export const OTHER_LETTER = '#';

export interface ContactKey {
  /** `A`–`Z`, or `#` for names that start with neither a Latin letter nor a Chinese character. */
  letter: string;
  sortKey: string;
}

const HAN_RE = /^\p{Script=Han}/u;
const LATIN_RE = /^[a-z]/;

/** Lower case, compatibility forms folded (Ａ → a) and accents removed (É → e). */
function fold(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{Mn}/gu, '')
    .toLowerCase();
}

/**
 * The index letter and sort key of a name in a contact list. A Latin name files under its
 * first letter; a Chinese name under the first letter of its pinyin, read as a name (曾 is
 * zeng, 单 is shan), with the syllables as sort key: 王小明 → W, `wang xiao ming`. Anything
 * else (digits, emoji, other scripts, blank) files under `#`.
 */
export function contactKey(name: string): ContactKey {
  const trimmed = name.normalize('NFKC').trim();
  if (HAN_RE.test(trimmed)) {
    const syllables = pinyin(trimmed, {
      toneType: 'none',
      type: 'array',
      surname: 'head',
      nonZh: 'consecutive',
    })
      .map((s) => fold(s).trim())
      .filter((s) => s !== '');
    const sortKey = syllables.join(' ');
    const first = sortKey.charAt(0);
    return LATIN_RE.test(first)
      ? { letter: first.toUpperCase(), sortKey }
      : { letter: OTHER_LETTER, sortKey };
  }
  const sortKey = fold(trimmed);
  const first = sortKey.charAt(0);
  if (LATIN_RE.test(first)) return { letter: first.toUpperCase(), sortKey };
  return { letter: OTHER_LETTER, sortKey };
}

function letterRank(letter: string): number {
  return letter === OTHER_LETTER ? 26 : letter.charCodeAt(0) - 65;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Contact-list order: letter (A–Z, then #), sort key, then id so that ties never wobble. */
export function compareContacts(
  a: { letter: string; sortKey: string; id: string },
  b: { letter: string; sortKey: string; id: string },
): number {
  return (
    letterRank(a.letter) - letterRank(b.letter) ||
    compareText(a.sortKey, b.sortKey) ||
    compareText(a.id, b.id)
  );
}

/** The letters present in a sorted list, in order, with how many contacts each has. */
export function buildIndex(sorted: readonly { letter: string }[]): ContactIndexEntry[] {
  const index: ContactIndexEntry[] = [];
  for (const { letter } of sorted) {
    const last = index[index.length - 1];
    if (last && last.letter === letter) last.count += 1;
    else index.push({ letter, count: 1 });
  }
  return index;
}

/** What a remark becomes when stored: trimmed, and blank means none. */
export function normalizeRemark(remark: string | null): string | null {
  const trimmed = remark?.trim() ?? '';
  return trimmed === '' ? null : trimmed;
}

export type StoredRequestStatus = 'pending' | 'accepted' | 'declined' | 'expired';

/** A pending request past its expiry is expired, whether or not a row says so yet. */
export function effectiveStatus(
  status: StoredRequestStatus,
  expiresAt: Date,
  now: Date,
): FriendRequestStatus {
  if (status === 'pending' && now.getTime() >= expiresAt.getTime()) return 'expired';
  return status;
}

export interface RelationFacts {
  friends: boolean;
  /** The viewer has an open request to the other (hidden or not: they are not told). */
  sentPending: boolean;
  /** The other has an open request to the viewer that the viewer may see. */
  receivedPending: boolean;
}

/** How the viewer stands towards a user; friendship wins over any request in flight. */
export function relationOf(viewerId: string, userId: string, facts: RelationFacts): Relation {
  if (viewerId === userId) return 'self';
  if (facts.friends) return 'friend';
  if (facts.sentPending) return 'request_sent';
  if (facts.receivedPending) return 'request_received';
  return 'none';
}

export interface CanMessageFacts {
  friends: boolean;
  /** Either side blocks the other. */
  blocked: boolean;
  recipientAllowsStrangers: boolean;
}

/** Friends may message unless a block stands; strangers only where the recipient allows it. */
export function canMessage(facts: CanMessageFacts): boolean {
  if (facts.blocked) return false;
  return facts.friends || facts.recipientAllowsStrangers;
}

const QR_PREFIX = 'jiaozi:user:v1:';
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const SIGNATURE_RE = /^[0-9a-f]{32}$/;
export const CONTACT_QR_SIGNATURE_LENGTH = 32;

/** The signed text of a contact QR code: `jiaozi:user:v1:<userId>`. */
export function contactQrMessage(userId: string): string {
  return `${QR_PREFIX}${userId}`;
}

export function contactQrPayload(userId: string, signature: string): string {
  return `${contactQrMessage(userId)}:${signature}`;
}

/** Splits a scanned payload into its user id and signature, or null for anything else. */
export function parseContactQr(
  payload: string,
): { userId: string; message: string; signature: string } | null {
  if (payload.length > contactQrMaxLength || !payload.startsWith(QR_PREFIX)) return null;
  const parts = payload.slice(QR_PREFIX.length).split(':');
  if (parts.length !== 2) return null;
  const [userId, signature] = parts as [string, string];
  if (!UUID_RE.test(userId) || !SIGNATURE_RE.test(signature)) return null;
  return { userId, message: contactQrMessage(userId), signature };
}
