import type { Message } from '@jiaozi/protocol';
import type { Kysely, Transaction } from 'kysely';
import { uniqueViolation } from '../identity/identity.repository.js';
import type { Clock } from '../kernel/clock.js';
import { DomainError } from '../kernel/errors.js';
import { messageBatchesInFlightMax, messageBatchMax, messageQueueMax } from '../kernel/limits.js';
import type { Logger } from '../kernel/logger.js';
import type { Database } from '../platform/db/schema.js';
import type { Announcer } from '../platform/outbox/announcer.js';
import { type OutboxEvent, writeOutbox } from '../platform/outbox/outbox.js';
import { canSpeak, parseMentions } from './chat.core.js';
import type {
  ChatRepository,
  ConversationRow,
  MemberRow,
  MessageRow,
  NewMessage,
} from './chat.repository.js';

/** What a send asks for, before it has a conversation, a seq or a time. */
export interface Draft {
  kind: string;
  body: string | null;
  /** Another domain's facts about the message (a photo album, a voice clip). */
  payload?: Record<string, unknown> | undefined;
  /**
   * Runs in the send's transaction, under the conversation's lock, just before a new
   * message is written (never for a resend); a send that has one is written alone.
   */
  attach?:
    | ((trx: Transaction<Database>, conversationId: string, messageId: string) => Promise<void>)
    | undefined;
  replyTo: string | null;
  mentions: readonly string[] | undefined;
  forwarded: boolean;
  /** What the client id stands for, so that a resend can be told from another message. */
  hash: string;
}

export interface SendRequest {
  senderId: string;
  conversationId: string;
  id: string;
  draft: Draft;
}

export interface SendOutcome {
  row: MessageRow;
  created: boolean;
}

/** What a batch knows once its conversations are locked. */
export interface BatchState {
  conversations: ReadonlyMap<string, ConversationRow>;
  members: ReadonlyMap<string, readonly MemberRow[]>;
  /** Messages already sent under a (sender, client id): `${senderId}/${id}`. */
  sent: ReadonlyMap<string, MessageRow>;
  /** Seqs of messages replied to: `${conversationId}/${id}`. */
  seqs: ReadonlyMap<string, bigint>;
  /** Whether a direct conversation's sender may message its peer: `${senderId}/${peerId}`. */
  mayMessage: ReadonlyMap<string, boolean>;
}

export type Decision =
  | { kind: 'new'; row: NewMessage & { seq: bigint }; audience: string[] }
  | { kind: 'replay'; row: MessageRow }
  /** The same send twice in one batch: the copy answers the first, as a resend would. */
  | { kind: 'again'; row: NewMessage & { seq: bigint } }
  | { kind: 'error'; error: DomainError };

/**
 * Decides a batch of sends against the locked state, in order: a resend answers the
 * original, anything refused gets its own error, and the rest take the next seqs of their
 * conversations. Later sends see the earlier ones (a reply to a message of the same batch,
 * the same client id twice).
 */
export function decideBatch(requests: readonly SendRequest[], state: BatchState): Decision[] {
  const lastSeq = new Map<string, bigint>();
  const sent = new Map<
    string,
    { conversationId: string; hash: string; decision: Extract<Decision, { kind: 'new' }> }
  >();
  const seqs = new Map(state.seqs);
  return requests.map((r) => {
    const key = `${r.senderId}/${r.id}`;
    const earlier = sent.get(key);
    const stored = state.sent.get(key);
    const original =
      earlier ?? (stored && { conversationId: stored.conversation_id, hash: stored.request_hash });
    if (original) {
      if (original.hash !== r.draft.hash || original.conversationId !== r.conversationId) {
        return {
          kind: 'error',
          error: new DomainError(
            'idempotency_conflict',
            'This message id was already used for another message.',
          ),
        };
      }
      if (stored) return { kind: 'replay', row: stored };
      if (earlier) return { kind: 'again', row: earlier.decision.row };
    }
    const decision = decideOne(r, state, lastSeq, seqs);
    if (decision.kind === 'new') {
      sent.set(key, { conversationId: r.conversationId, hash: r.draft.hash, decision });
      seqs.set(`${r.conversationId}/${r.id}`, decision.row.seq);
    }
    return decision;
  });
}

function decideOne(
  r: SendRequest,
  state: BatchState,
  lastSeq: Map<string, bigint>,
  seqs: ReadonlyMap<string, bigint>,
): Decision {
  try {
    const conv = state.conversations.get(r.conversationId);
    const members = state.members.get(r.conversationId) ?? [];
    const me = members.find((m) => m.user_id === r.senderId);
    if (!conv || !me) throw new DomainError('not_found', 'No such conversation.');
    if (conv.kind === 'direct') {
      const peer = members.find((m) => m.user_id !== r.senderId);
      if (!peer || state.mayMessage.get(`${r.senderId}/${peer.user_id}`) !== true) {
        throw new DomainError('recipient_unavailable', 'This person cannot be messaged.');
      }
    } else if (!canSpeak(me.role, conv.mute_all)) {
      throw new DomainError('forbidden', 'Only the owner and admins may speak while the group is muted.');
    }
    const mentions = parseMentions(r.draft.mentions, {
      kind: conv.kind,
      senderId: r.senderId,
      senderRole: me.role,
      memberIds: new Set(members.map((m) => m.user_id)),
    });
    if (r.draft.replyTo !== null) {
      const seq = seqs.get(`${conv.id}/${r.draft.replyTo}`);
      if (seq === undefined || seq <= me.joined_seq) {
        throw new DomainError('invalid_request', 'The message replied to is not in this conversation.', {
          path: '/body/replyTo',
        });
      }
    }
    const seq = (lastSeq.get(conv.id) ?? BigInt(conv.last_seq)) + 1n;
    lastSeq.set(conv.id, seq);
    return {
      kind: 'new',
      row: {
        conversation_id: conv.id,
        seq,
        id: r.id,
        sender_id: r.senderId,
        kind: r.draft.kind,
        body: r.draft.body,
        payload: r.draft.payload ?? null,
        reply_to: r.draft.replyTo,
        mentions: mentions.userIds,
        mention_all: mentions.all,
        forwarded: r.draft.forwarded,
        request_hash: r.draft.hash,
      },
      audience: members.map((m) => m.user_id),
    };
  } catch (error) {
    if (error instanceof DomainError) return { kind: 'error', error };
    throw error;
  }
}

interface Pending extends SendRequest {
  resolve(outcome: SendOutcome): void;
  reject(error: unknown): void;
}

export interface WriterDeps {
  db: Kysely<Database>;
  repo: ChatRepository;
  clock: Clock;
  logger: Logger;
  announcer: Announcer;
  /** Whether each sender may message each recipient (social's rules), in order. */
  canMessageMany(
    pairs: readonly { senderId: string; recipientId: string }[],
    db: Transaction<Database>,
  ): Promise<boolean[]>;
  /** The wire form of a message, for the update log. */
  view(row: MessageRow): Message;
  /**
   * The message a sender's client id already stands for in this conversation, or null;
   * `idempotency_conflict` when it stands for another message.
   */
  replay(senderId: string, id: string, hash: string, conversationId: string): Promise<MessageRow | null>;
  /** Topic of the "new message" update. */
  topic: string;
}

/**
 * Writes sends in batches: while a batch commits, the next gathers. A batch locks its
 * conversations in id order, reads what it needs in a few statements, decides every send,
 * and writes the messages, the seqs and the update logs in one transaction — so seqs stay
 * gapless and a resend answers the original, at a fraction of the round trips per message.
 * A batch that fails as a whole (a race on a client id with another node) is retried one
 * send at a time. A few batches run at once, on different connections; a conversation is
 * in at most one of them, so that sends into it keep the order in which they came.
 */
export class MessageWriter {
  #queue: Pending[] = [];
  #runners = 0;
  /** Conversations in a batch now being written. */
  readonly #busy = new Set<string>();

  constructor(private readonly deps: WriterDeps) {}

  submit(request: SendRequest): Promise<SendOutcome> {
    if (this.#queue.length >= messageQueueMax) {
      return Promise.reject(
        new DomainError('service_unavailable', 'Too many messages at once; try again shortly.'),
      );
    }
    return new Promise<SendOutcome>((resolve, reject) => {
      this.#queue.push({ ...request, resolve, reject });
      this.#kick();
    });
  }

  #kick(): void {
    while (this.#runners < messageBatchesInFlightMax && this.#queue.length > 0) {
      const batch = this.#take();
      if (batch.length === 0) return;
      this.#runners++;
      void this.#write(batch).finally(() => {
        for (const p of batch) this.#busy.delete(p.conversationId);
        this.#runners--;
        this.#kick();
      });
    }
  }

  /** The next batch: waiting sends whose conversations no running batch holds, in order. */
  #take(): Pending[] {
    const batch: Pending[] = [];
    const rest: Pending[] = [];
    const held = new Set(this.#busy);
    let full = false;
    for (const p of this.#queue) {
      // A send with work of its own in the transaction goes alone.
      const alone = p.draft.attach !== undefined;
      if (!full && !held.has(p.conversationId) && (!alone || batch.length === 0)) {
        batch.push(p);
        full = alone || batch.length >= messageBatchMax;
      } else {
        // Everything after a send left waiting in its conversation waits too.
        held.add(p.conversationId);
        rest.push(p);
      }
    }
    this.#queue = rest;
    for (const p of batch) this.#busy.add(p.conversationId);
    return batch;
  }

  async #write(batch: Pending[]): Promise<void> {
    try {
      const { decisions, written } = await this.deps.db
        .transaction()
        .execute((trx) => this.#apply(trx, batch));
      batch.forEach((p, i) => {
        const d = decisions[i] as Decision;
        if (d.kind === 'error') p.reject(d.error);
        else if (d.kind === 'replay') p.resolve({ row: d.row, created: false });
        else
          p.resolve({
            row: { ...d.row, created_at: written.at, recalled_at: null, read_count: 0 },
            // A copy of a send earlier in this batch answers as a resend would.
            created: d.kind === 'new',
          });
      });
      if (written.updates.length > 0) {
        this.deps.announcer.announce([...new Set(written.updates.map((u) => u.userId))], written.updates);
      }
    } catch (error) {
      if (uniqueViolation(error) && batch.length > 1) {
        // Another node raced one of these client ids: decide them one by one.
        for (const p of batch) await this.#write([p]);
        return;
      }
      if (uniqueViolation(error)) return this.#settleRace(batch[0] as Pending);
      // A refusal from a send's own work (media already sent) is that send's answer.
      if (!(error instanceof DomainError)) {
        this.deps.logger.error(
          { err: error, sends: batch.length },
          'message batch failed; nothing of it was written',
        );
      }
      for (const p of batch) p.reject(error);
    }
  }

  /** The same id sent at once into two conversations, or another sender's id here. */
  async #settleRace(p: Pending): Promise<void> {
    try {
      const winner = await this.deps.replay(p.senderId, p.id, p.draft.hash, p.conversationId);
      if (!winner) throw new DomainError('idempotency_conflict', 'This message id is already taken.');
      p.resolve({ row: winner, created: false });
    } catch (error) {
      p.reject(error);
    }
  }

  async #apply(trx: Transaction<Database>, batch: readonly Pending[]) {
    const { repo } = this.deps;
    const now = this.deps.clock.now();
    const ids = [...new Set(batch.map((p) => p.conversationId))].sort();
    const conversations = new Map((await repo.lockConversations(trx, ids)).map((c) => [c.id, c]));
    const members = new Map<string, MemberRow[]>();
    for (const m of await repo.membersOf([...conversations.keys()], trx)) {
      const list = members.get(m.conversation_id);
      if (list) list.push(m);
      else members.set(m.conversation_id, [m]);
    }
    const sent = new Map(
      (
        await repo.findBySenders(
          batch.map((p) => ({ senderId: p.senderId, id: p.id })),
          trx,
        )
      ).map((m) => [`${m.sender_id}/${m.id}`, m]),
    );
    const replies = batch.flatMap((p) =>
      p.draft.replyTo === null ? [] : [{ conversationId: p.conversationId, id: p.draft.replyTo }],
    );
    const seqs = new Map(
      (await repo.seqsOf(replies, trx)).map((m) => [`${m.conversation_id}/${m.id}`, m.seq]),
    );
    const pairs = new Map<string, { senderId: string; recipientId: string }>();
    for (const p of batch) {
      if (conversations.get(p.conversationId)?.kind !== 'direct') continue;
      const peer = members.get(p.conversationId)?.find((m) => m.user_id !== p.senderId);
      if (peer)
        pairs.set(`${p.senderId}/${peer.user_id}`, { senderId: p.senderId, recipientId: peer.user_id });
    }
    const verdicts = await this.deps.canMessageMany([...pairs.values()], trx);
    const mayMessage = new Map([...pairs.keys()].map((k, i) => [k, verdicts[i] === true]));

    const decisions = decideBatch(batch, { conversations, members, sent, seqs, mayMessage });
    for (const [i, d] of decisions.entries()) {
      const attach = batch[i]?.draft.attach;
      if (d.kind === 'new' && attach) await attach(trx, d.row.conversation_id, d.row.id);
    }
    const fresh = decisions.flatMap((d) => (d.kind === 'new' ? [d] : []));
    const heads = new Map<string, bigint>();
    for (const d of fresh) heads.set(d.row.conversation_id, d.row.seq);
    await repo.insertMessages(
      trx,
      fresh.map((d) => d.row),
      now,
    );
    await repo.advanceConversations(
      trx,
      [...heads].map(([id, lastSeq]) => ({ id, lastSeq })),
      now,
    );
    const events: OutboxEvent[] = fresh.map((d) => ({
      topic: this.deps.topic,
      audience: d.audience,
      payload: {
        conversationId: d.row.conversation_id,
        seq: Number(d.row.seq),
        message: this.deps.view({ ...d.row, created_at: now, recalled_at: null, read_count: 0 }),
      },
    }));
    const updates = await writeOutbox(trx, events, now);
    return { decisions, written: { at: now, updates } };
  }
}
