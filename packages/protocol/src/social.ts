/**
 * Wire types of the social domain ("My Friend"): finding people, friend requests, the
 * contact list with private remarks, blocking and privacy settings.
 */

/** How the viewer stands towards a user. A request hidden from its target is `none` to them. */
export type Relation = 'self' | 'friend' | 'none' | 'request_sent' | 'request_received';

/** What anyone may see of a user: never the phone number. */
export interface PublicUser {
  id: string;
  displayName: string;
  username: string | null;
  region: string | null;
  /** Its images are at `/v1/avatars/{avatarId}/{size}`. */
  avatarId: string | null;
  relation: Relation;
}

export type FriendRequestStatus = 'pending' | 'accepted' | 'declined' | 'expired';

export interface FriendRequest {
  id: string;
  from: PublicUser;
  to: PublicUser;
  message: string;
  status: FriendRequestStatus;
  createdAt: string;
  expiresAt: string;
}

/** Exactly one way of naming whom to befriend. */
export type FriendTarget = { userId: string } | { username: string } | { phone: string };

/**
 * `id` is the client's UUIDv7: the same id and body answer the same request. A request to
 * someone who already asked me accepts theirs instead (the answer has status `accepted`).
 */
export interface SendFriendRequest {
  id: string;
  to: FriendTarget;
  message?: string;
}

export interface FriendRequestList {
  requests: FriendRequest[];
}

/** A friend as the owner of the contact list sees them. */
export interface Contact {
  user: PublicUser;
  /** The owner's private name for this friend. */
  remark: string | null;
  /** What the list shows: the remark, or else the display name. */
  name: string;
  /** Index letter: `A`–`Z` (Chinese names by pinyin), or `#` for anything else. */
  letter: string;
  /** Sorts within a letter: lower-case Latin, or pinyin syllables joined by spaces. */
  sortKey: string;
  since: string;
}

export interface ContactIndexEntry {
  letter: string;
  count: number;
}

/** Sorted by letter (`A`–`Z`, then `#`), then sortKey. `index` lists the letters present. */
export interface ContactList {
  contacts: Contact[];
  index: ContactIndexEntry[];
}

export interface AcceptedFriendRequest {
  contact: Contact;
}

export interface UpdateContactRequest {
  remark: string | null;
}

export interface BlockRequest {
  userId: string;
}

export interface BlockList {
  users: PublicUser[];
}

export interface ContactQr {
  /** `jiaozi:user:v1:<userId>:<signature>`: show it as a QR code. */
  payload: string;
}

export interface ResolveContactQrRequest {
  payload: string;
}

export interface PrivacySettings {
  /** Others may find me by my exact phone number. */
  findableByPhone: boolean;
  showLastSeen: boolean;
  /** People who are not my friends may message me. */
  allowStrangerMessages: boolean;
}

export type UpdatePrivacyRequest = Partial<PrivacySettings>;

/** Outbox topics of the social domain and their payloads (each for one user's eyes). */
export interface SocialEvents {
  'social.friend_request': { request: FriendRequest };
  'social.friend_added': { request: FriendRequest; contact: Contact };
}

/** A friend's presence; both null when they hide when they were last seen. */
export interface Presence {
  online: boolean | null;
  lastSeenAt: string | null;
}
