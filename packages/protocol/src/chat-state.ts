/**
 * A client's chat state, rebuilt from the update log alone. Applying every update a user
 * receives must give the same state as fetching it fresh (a test checks this on the real
 * server). Pure: no I/O, no clock.
 */
import type { ChatEvents, ConversationInfo, Message } from './chat.js';
import type { Update } from './realtime.js';

export interface ConversationState {
  info: ConversationInfo | null;
  /** Visible messages by seq (deleted-for-me ones removed). */
  messages: Map<number, Message>;
  /** Read watermark per member, as last heard. */
  readSeq: Map<string, number>;
  deliveredSeq: Map<string, number>;
  /** False once I left or was removed. */
  member: boolean;
}

export interface ChatState {
  me: string;
  conversations: Map<string, ConversationState>;
}

export function emptyChatState(me: string): ChatState {
  return { me, conversations: new Map() };
}

function conversation(state: ChatState, id: string): ConversationState {
  let c = state.conversations.get(id);
  if (!c) {
    c = { info: null, messages: new Map(), readSeq: new Map(), deliveredSeq: new Map(), member: true };
    state.conversations.set(id, c);
  }
  return c;
}

function raise(map: Map<string, number>, userId: string, seq: number): void {
  if ((map.get(userId) ?? 0) < seq) map.set(userId, seq);
}

/** Applies one update (other domains' topics are ignored). Mutates and returns `state`. */
export function applyChatUpdate(state: ChatState, update: Update): ChatState {
  switch (update.topic) {
    case 'chat.message': {
      const p = update.payload as ChatEvents['chat.message'];
      conversation(state, p.conversationId).messages.set(p.message.seq, { ...p.message });
      return state;
    }
    case 'chat.recalled': {
      const p = update.payload as ChatEvents['chat.recalled'];
      const m = conversation(state, p.conversationId).messages.get(p.seq);
      if (m) Object.assign(m, { recalled: true, text: null, payload: null });
      return state;
    }
    case 'chat.deleted': {
      const p = update.payload as ChatEvents['chat.deleted'];
      conversation(state, p.conversationId).messages.delete(p.seq);
      return state;
    }
    case 'chat.read': {
      const p = update.payload as ChatEvents['chat.read'];
      const c = conversation(state, p.conversationId);
      raise(c.readSeq, p.userId, p.seq);
      raise(c.deliveredSeq, p.userId, p.seq);
      return state;
    }
    case 'chat.delivered': {
      const p = update.payload as ChatEvents['chat.delivered'];
      raise(conversation(state, p.conversationId).deliveredSeq, p.userId, p.seq);
      return state;
    }
    case 'chat.conversation': {
      const p = update.payload as ChatEvents['chat.conversation'];
      const c = conversation(state, p.conversationId);
      c.info = { ...p.conversation };
      if (p.change === 'removed') c.member = false;
      return state;
    }
    default:
      return state;
  }
}

/** How many others have read a message (what the server reports as readCount). */
export function readCountOf(c: ConversationState, m: Message): number {
  let n = 0;
  for (const [userId, seq] of c.readSeq) if (userId !== m.senderId && seq >= m.seq) n++;
  return n;
}

/** Unread for me: others' messages after my read watermark, not system, not recalled. */
export function unreadCountOf(state: ChatState, c: ConversationState): number {
  const mine = c.readSeq.get(state.me) ?? 0;
  let n = 0;
  for (const m of c.messages.values()) {
    if (m.seq > mine && m.senderId !== state.me && m.kind !== 'system' && !m.recalled) n++;
  }
  return n;
}
