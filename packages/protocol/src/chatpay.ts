/**
 * Wire types of money in chat: transfer cards (1:1), red packets (1:1 and groups) and
 * split-the-bill (AA) in groups. Each is a chat message (kinds `transfer`, `red_packet`,
 * `split`) whose payload names the object; the object's live status is read from the
 * chatpay routes and changes arrive as update-log events. Amounts are integer minor units.
 */
import type { Party } from './wallet.js';

/**
 * `pending`: held in escrow, waiting for the receiver; `received`: accepted (paid to the
 * receiver); `returned`: the receiver sent it back; `refunded`: nobody acted within 24 h.
 */
export type TransferCardStatus = 'pending' | 'received' | 'returned' | 'refunded';

export interface TransferCard {
  id: string;
  conversationId: string;
  messageId: string;
  sender: Party;
  receiver: Party;
  amountMinor: number;
  currency: string;
  note: string;
  status: TransferCardStatus;
  createdAt: string;
  expiresAt: string;
  settledAt: string | null;
}

/** `equal`: every share the same (largest remainder); `lucky` (拼手气): decided at grab time. */
export type RedPacketMode = 'equal' | 'lucky';
/** `active`: shares left; `empty`: all grabbed; `refunded`: expired, the rest went back. */
export type RedPacketStatus = 'active' | 'empty' | 'refunded';

export interface RedPacketGrab {
  user: Party;
  amountMinor: number;
  /** 1 for the first grab. */
  position: number;
  /** Lucky packets: the largest share so far, final once the packet is finished (a tie goes to the earlier grab). */
  bestLuck: boolean;
  grabbedAt: string;
}

export interface RedPacket {
  id: string;
  conversationId: string;
  messageId: string;
  sender: Party;
  mode: RedPacketMode;
  totalMinor: number;
  count: number;
  currency: string;
  greeting: string;
  /** Only these members may grab (groups); null: anyone in the conversation but the sender of a 1:1. */
  recipientIds: string[] | null;
  status: RedPacketStatus;
  remainingMinor: number;
  remainingCount: number;
  /** What went back to the sender at expiry. */
  refundedMinor: number;
  /** What I got, if I grabbed. */
  myGrab: RedPacketGrab | null;
  /** Whether I may still grab it. */
  canGrab: boolean;
  grabs: RedPacketGrab[];
  createdAt: string;
  expiresAt: string;
  finishedAt: string | null;
}

export type SplitMode = 'equal' | 'custom';
export type SplitStatus = 'open' | 'closed';

export interface SplitShare {
  user: Party;
  amountMinor: number;
  paidAt: string | null;
  transferId: string | null;
}

export interface Split {
  id: string;
  conversationId: string;
  messageId: string;
  creator: Party;
  title: string;
  mode: SplitMode;
  totalMinor: number;
  currency: string;
  status: SplitStatus;
  shares: SplitShare[];
  paidMinor: number;
  paidCount: number;
  lastRemindedAt: string | null;
  createdAt: string;
  closedAt: string | null;
}

/** The payload of a `transfer` message. */
export interface TransferCardPayload {
  cardId: string;
  amountMinor: number;
  currency: string;
  note: string;
  receiverId: string;
}

/** The payload of a `red_packet` message. */
export interface RedPacketPayload {
  packetId: string;
  mode: RedPacketMode;
  count: number;
  currency: string;
  greeting: string;
  recipientIds: string[] | null;
}

/** The payload of a `split` message. */
export interface SplitPayload {
  splitId: string;
  title: string;
  totalMinor: number;
  currency: string;
  participantIds: string[];
}

/** Update-log topics of money in chat. */
export const CHATPAY_TOPICS = {
  /** To both sides: a transfer card changed status (`{ card }`). */
  transfer: 'chatpay.transfer_changed',
  /** To the conversation's members: someone grabbed, the packet emptied or was refunded (`{ packetId, conversationId, status, remainingCount, grab? }`). */
  redPacket: 'chatpay.red_packet_changed',
  /** To the creator and the participants: a share was paid or the split closed (`{ split }`). */
  split: 'chatpay.split_changed',
  /** To the unpaid participants: the creator reminds them (`{ split }`). */
  splitReminder: 'chatpay.split_reminder',
} as const;
