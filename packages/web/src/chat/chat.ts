import { formatPlain, isCurrencyCode, minor } from '@jiaozi/money';
import type { ConversationMember, ConversationSummary, Message } from '@jiaozi/protocol';
import type { Lang, MessageKey, MessageParams } from '../i18n/i18n.js';
import { formatDuration, voiceOf } from '../media/media.js';

/** Characters (Unicode code points) in one text message, as the server counts them. */
export const MESSAGE_MAX_LENGTH = 4_000;
/** The counter under the composer shows from this many characters on. */
export const MESSAGE_COUNTER_FROM = 3_500;
/** A sender may recall a message this long after sending it. */
export const RECALL_WINDOW_MS = 2 * 60 * 1000;
export const GROUP_NAME_MAX_LENGTH = 64;

type T = (key: MessageKey, params?: MessageParams) => string;

/** Length in code points ("🥟" is one). */
export function textLength(text: string): number {
  return Array.from(text).length;
}

// ---------- Merging pages ----------

/**
 * `current` and `incoming` merged, ascending by seq, one message per seq (the incoming one
 * wins: it is fresher). When `range` is given, the incoming page is the whole truth for those
 * seqs: a current message there that the page lacks (deleted for me) is dropped.
 */
export function mergeMessages(
  current: readonly Message[],
  incoming: readonly Message[],
  range?: { from: number; to: number },
): Message[] {
  const bySeq = new Map<number, Message>();
  for (const message of current) {
    if (range && message.seq >= range.from && message.seq <= range.to) continue;
    bySeq.set(message.seq, message);
  }
  for (const message of incoming) bySeq.set(message.seq, message);
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

/** The seqs a latest page speaks for: from its first message (or 0 when nothing is older) on. */
export function latestPageRange(page: { messages: readonly Message[]; hasMore: boolean }): {
  from: number;
  to: number;
} {
  const first = page.messages[0]?.seq;
  return { from: page.hasMore && first !== undefined ? first : 0, to: Number.POSITIVE_INFINITY };
}

// ---------- Ticks ----------

export type DeliveryStatus = 'sending' | 'sent' | 'delivered' | 'read';

/**
 * The ticks of my own message. Direct: the other member's watermarks. Group: read when
 * anyone has read it (readCount), delivered when any other member has received it.
 */
export function tickStatus(
  message: Pick<Message, 'seq' | 'readCount'>,
  kind: 'direct' | 'group',
  others: readonly Pick<ConversationMember, 'readSeq' | 'deliveredSeq'>[],
): DeliveryStatus {
  if (kind === 'direct') {
    const peer = others[0];
    if (!peer) return 'sent';
    if (peer.readSeq >= message.seq) return 'read';
    if (peer.deliveredSeq >= message.seq) return 'delivered';
    return 'sent';
  }
  if (message.readCount > 0 || others.some((m) => m.readSeq >= message.seq)) return 'read';
  if (others.some((m) => m.deliveredSeq >= message.seq)) return 'delivered';
  return 'sent';
}

// ---------- Days ----------

/** "2024-05-01" in local time. */
export function dayKey(iso: string): string {
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** A day divider (`at`: the time of its first message) or a message. */
export type TimelineItem<M> =
  | { type: 'day'; key: string; day: string; at: string }
  | { type: 'message'; message: M };

/** Items in order with a day divider before the first item of each local day. */
export function groupByDay<M extends { createdAt: string }>(messages: readonly M[]): TimelineItem<M>[] {
  const items: TimelineItem<M>[] = [];
  let last: string | null = null;
  for (const message of messages) {
    const day = dayKey(message.createdAt);
    if (day !== last) {
      items.push({ type: 'day', key: `day-${day}`, day, at: message.createdAt });
      last = day;
    }
    items.push({ type: 'message', message });
  }
  return items;
}

function startOfDay(time: number): number {
  const d = new Date(time);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

/** Whole local days between a time and now (0 today, 1 yesterday). */
export function daysAgo(iso: string, now = Date.now()): number {
  return Math.round((startOfDay(now) - startOfDay(Date.parse(iso))) / 86_400_000);
}

/** A day divider: "Today", "Yesterday", else the date. */
export function dayLabel(iso: string, lang: Lang, t: T, now = Date.now()): string {
  const ago = daysAgo(iso, now);
  if (ago === 0) return t('chats.today');
  if (ago === 1) return t('chats.yesterday');
  const sameYear = new Date(iso).getFullYear() === new Date(now).getFullYear();
  return new Intl.DateTimeFormat(lang, {
    ...(sameYear ? {} : { year: 'numeric' }),
    month: 'short',
    day: 'numeric',
    weekday: 'short',
  }).format(Date.parse(iso));
}

export function clockTime(iso: string, lang: Lang): string {
  return new Intl.DateTimeFormat(lang, { hour: '2-digit', minute: '2-digit' }).format(Date.parse(iso));
}

/** The time of a conversation row: a clock time today, "Yesterday", a weekday, else a date. */
export function listTime(iso: string, lang: Lang, t: T, now = Date.now()): string {
  const ago = daysAgo(iso, now);
  if (ago <= 0) return clockTime(iso, lang);
  if (ago === 1) return t('chats.yesterday');
  if (ago < 7) return new Intl.DateTimeFormat(lang, { weekday: 'short' }).format(Date.parse(iso));
  return new Intl.DateTimeFormat(lang, { year: '2-digit', month: 'numeric', day: 'numeric' }).format(
    Date.parse(iso),
  );
}

// ---------- Text of messages ----------

/** Names people for system messages: "You" for me, else their name. */
export type NameOf = (userId: string) => string;

function idsOf(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** What a system message says, in words ("Bob joined"). */
export function systemText(message: Pick<Message, 'senderId' | 'payload'>, nameOf: NameOf, t: T): string {
  const p = message.payload ?? {};
  const actor = nameOf(message.senderId);
  const names = (ids: string[]) => ids.map(nameOf).join(t('chats.list_separator'));
  switch (p.event) {
    case 'group_created':
      return t('chats.sys_group_created', { name: actor, group: str(p.name) });
    case 'member_joined':
      return t('chats.sys_member_joined', { names: names(idsOf(p.userIds)) });
    case 'member_left':
      return t('chats.sys_member_left', { name: nameOf(str(p.userId) || message.senderId) });
    case 'member_removed':
      return t('chats.sys_member_removed', { name: actor, names: names(idsOf(p.userIds)) });
    case 'role_changed':
      return p.role === 'admin'
        ? t('chats.sys_role_admin', { name: nameOf(str(p.userId)) })
        : t('chats.sys_role_member', { name: nameOf(str(p.userId)) });
    case 'owner_changed':
      return t('chats.sys_owner_changed', { name: nameOf(str(p.to)) });
    case 'renamed':
      return t('chats.sys_renamed', { name: actor, group: str(p.name) });
    case 'announcement_changed':
      return p.text
        ? t('chats.sys_announcement', { name: actor })
        : t('chats.sys_announcement_cleared', { name: actor });
    case 'mute_all_changed':
      return p.on
        ? t('chats.sys_mute_all_on', { name: actor })
        : t('chats.sys_mute_all_off', { name: actor });
    case 'message_recalled':
      return t('chats.recalled_by', { name: nameOf(str(p.userId) || message.senderId) });
    case 'family_pay_used':
      return t('chats.sys_family_pay_used', {
        name: nameOf(str(p.granteeId) || message.senderId),
        merchant: str(p.merchantName),
        amount:
          typeof p.amountMinor === 'number' && isCurrencyCode(p.currency)
            ? formatPlain(minor(p.amountMinor), p.currency)
            : '',
      });
    default:
      return t('chats.sys_unknown');
  }
}

/** A system message that only echoes a recall (the recalled message itself already says so). */
export function isRecallNotice(message: Pick<Message, 'kind' | 'payload'>): boolean {
  return message.kind === 'system' && message.payload?.event === 'message_recalled';
}

/** The one-line preview of a conversation's last message. */
/** A message's body in one line: its text, or what it holds (`[Photo]`, `[Voice] 0:05`). */
export function bodyText(message: Pick<Message, 'kind' | 'payload' | 'text'>, t: T): string {
  if (message.kind === 'photo') return t('media.preview_photo');
  if (message.kind === 'miniapp') {
    const title = typeof message.payload?.title === 'string' ? message.payload.title : '';
    return t('miniapps.preview_card', { title });
  }
  const p = message.payload ?? {};
  if (message.kind === 'transfer') return t('pay.preview_transfer');
  if (message.kind === 'red_packet')
    return t('pay.preview_red_packet', { greeting: String(p.greeting ?? '') }).trim();
  if (message.kind === 'split') return t('pay.preview_split', { title: String(p.title ?? '') });
  const voice = voiceOf(message);
  if (voice) return t('media.preview_voice', { duration: formatDuration(voice.durationMs) });
  return (message.text ?? '').replace(/\s+/g, ' ').trim();
}

export function previewText(
  message: Pick<Message, 'kind' | 'senderId' | 'payload' | 'text' | 'recalled'> | null,
  options: { group: boolean; meId: string; nameOf: NameOf; t: T },
): string {
  if (!message) return '';
  const { nameOf, t } = options;
  if (message.recalled) return t('chats.recalled_by', { name: nameOf(message.senderId) });
  if (message.kind === 'system') return systemText(message, nameOf, t);
  const text = bodyText(message, t);
  if (options.group && message.senderId !== options.meId) {
    return t('chats.preview_from', { name: nameOf(message.senderId), text });
  }
  return text;
}

// ---------- Conversations ----------

/** Pinned first, then by last activity (newest first): the server's order, kept after local changes. */
export function compareConversations(a: ConversationSummary, b: ConversationSummary): number {
  if (a.pinned !== b.pinned) return a.pinned ? -1 : 1;
  const at = Date.parse(a.lastActivityAt);
  const bt = Date.parse(b.lastActivityAt);
  if (at !== bt) return bt - at;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/** A conversation's name: the group's, else the other person's. */
export function conversationName(
  conversation: Pick<ConversationSummary, 'kind' | 'name' | 'peerId'>,
  nameOf: NameOf,
  t: T,
): string {
  if (conversation.kind === 'group') return conversation.name?.trim() || t('chats.group_untitled');
  return conversation.peerId ? nameOf(conversation.peerId) : t('chats.someone');
}

/** Whether I may still recall a message of mine. */
export function canRecall(
  message: Pick<Message, 'senderId' | 'kind' | 'recalled' | 'createdAt'>,
  meId: string,
  now = Date.now(),
): boolean {
  return (
    message.senderId === meId &&
    message.kind === 'text' &&
    !message.recalled &&
    now - Date.parse(message.createdAt) <= RECALL_WINDOW_MS
  );
}

/** Who may remove whom: the owner anyone else, admins ordinary members. */
export function canRemoveMember(myRole: string, targetRole: string, isSelf: boolean): boolean {
  if (isSelf) return false;
  if (myRole === 'owner') return true;
  return myRole === 'admin' && targetRole === 'member';
}

export function isManager(role: string): boolean {
  return role === 'owner' || role === 'admin';
}

/** The unread badge text. */
export function badgeText(count: number): string {
  return count > 99 ? '99+' : String(count);
}
