/**
 * Wire types of the chat domain: direct and group conversations, messages (text, system,
 * photo, voice, and the money kinds of chatpay.ts), receipts as cumulative watermarks,
 * per-member settings, search, and the update-log events chat writes.
 */

export type ConversationKind = 'direct' | 'group';
export type MemberRole = 'owner' | 'admin' | 'member';

/**
 * `text`, `system`, `photo` (an album: payload `PhotoPayload`), `voice` (payload
 * `VoicePayload`), and the money kinds `transfer` (`TransferCardPayload`), `red_packet`
 * (`RedPacketPayload`) and `split` (`SplitPayload`), which cannot be recalled.
 */
export type MessageKind =
  | 'text'
  | 'system'
  | 'photo'
  | 'voice'
  | 'transfer'
  | 'red_packet'
  | 'split'
  | 'miniapp';

/** What a system message says happened; `payload.event` names it. */
export type SystemEvent =
  | 'group_created'
  | 'member_joined'
  | 'member_left'
  | 'member_removed'
  | 'role_changed'
  | 'owner_changed'
  | 'renamed'
  | 'announcement_changed'
  | 'mute_all_changed'
  | 'message_recalled'
  /** A family-pay grant was used: `{ grantId, granteeId, merchantName, amountMinor, currency }`. */
  | 'family_pay_used';

export interface Message {
  /** The sender's client UUIDv7 (system messages: the server's). */
  id: string;
  conversationId: string;
  /** Gapless within the conversation, from 1. */
  seq: number;
  senderId: string;
  kind: MessageKind;
  /** The text of a `text` message; null for other kinds and once recalled. */
  text: string | null;
  /** A system message's facts (`{ event, ... }`); null otherwise and once recalled. */
  payload: Record<string, unknown> | null;
  /** The id of the message this one answers, in the same conversation. */
  replyTo: string | null;
  /** Mentioned members (groups only). */
  mentions: string[];
  /** The whole group was mentioned (owner or admins only). */
  mentionAll: boolean;
  forwarded: boolean;
  recalled: boolean;
  /** Members, other than the sender, whose read watermark reached this message. */
  readCount: number;
  createdAt: string;
}

/** What every member of a conversation sees alike. */
export interface ConversationInfo {
  id: string;
  kind: ConversationKind;
  /** Groups only. */
  name: string | null;
  announcement: string | null;
  ownerId: string | null;
  /** Only the owner and admins may speak. */
  muteAll: boolean;
  /** Groups: the avatar's id; its images are at `/v1/avatars/{avatarId}/{size}`. */
  avatarId: string | null;
  memberCount: number;
  /** The last seq written in the conversation (0 when empty). */
  lastSeq: number;
  createdAt: string;
}

export interface ConversationSettings {
  muted: boolean;
  pinned: boolean;
  archived: boolean;
}

/** A conversation as one member sees it in the list. */
export interface ConversationSummary extends ConversationInfo, ConversationSettings {
  /** Direct conversations: the other person. */
  peerId: string | null;
  myRole: MemberRole;
  readSeq: number;
  deliveredSeq: number;
  unreadCount: number;
  /** The newest message I can see (not deleted for me). */
  lastMessage: Message | null;
  lastActivityAt: string;
}

export interface ConversationMember {
  userId: string;
  role: MemberRole;
  readSeq: number;
  deliveredSeq: number;
  joinedAt: string;
}

export interface ConversationDetail extends ConversationSummary {
  members: ConversationMember[];
}

/** Pinned first, then by last activity, newest first. */
export interface ConversationList {
  conversations: ConversationSummary[];
}

export interface MessagePage {
  /** Ascending by seq. */
  messages: Message[];
  /** More messages lie beyond this page in the direction asked. */
  hasMore: boolean;
}

export interface SendMessageRequest {
  /** The client's UUIDv7: resending it answers the original message. */
  id: string;
  text: string;
  replyTo?: string;
  /** Member ids, or `all` (owner and admins only). Groups only. */
  mentions?: string[];
}

export interface ForwardMessageRequest {
  id: string;
  from: { conversationId: string; messageId: string };
}

export interface CreateDirectRequest {
  userId: string;
}

export interface CreateGroupRequest {
  name: string;
  memberIds: string[];
}

export interface UpdateGroupRequest {
  name?: string;
  announcement?: string | null;
  muteAll?: boolean;
}

export interface InviteRequest {
  userIds: string[];
}

export interface SetRoleRequest {
  role: 'admin' | 'member';
}

export interface TransferOwnershipRequest {
  userId: string;
}

export interface WatermarkRequest {
  seq: number;
}

export interface Watermarks {
  readSeq: number;
  deliveredSeq: number;
}

export type UpdateSettingsRequest = Partial<ConversationSettings>;

export interface MessageSearchResult {
  /** Newest first. */
  messages: Message[];
}

/** Outbox topics of the chat domain and their payloads. Each carries the conversation and a seq. */
export interface ChatEvents {
  /** To every member: a new message (system ones included). */
  'chat.message': { conversationId: string; seq: number; message: Message };
  /** To every member: the message at `seq` was recalled (its body is gone). */
  'chat.recalled': { conversationId: string; seq: number; messageId: string };
  /** To every member: `userId` has read up to `seq`. */
  'chat.read': { conversationId: string; seq: number; userId: string };
  /** To every member: `userId` has received up to `seq`. */
  'chat.delivered': { conversationId: string; seq: number; userId: string };
  /** To the one member: the message at `seq` is deleted for them. */
  'chat.deleted': { conversationId: string; seq: number; messageId: string };
  /**
   * The conversation changed: created, updated (name, announcement, mute-all), members,
   * removed (to a member who left or was removed), or settings (to that member only).
   */
  'chat.conversation': {
    conversationId: string;
    seq: number;
    change: 'created' | 'updated' | 'members' | 'removed' | 'settings';
    conversation: ConversationInfo;
    settings?: ConversationSettings;
  };
}
