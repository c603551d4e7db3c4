import { randomInt } from 'node:crypto';
import type {
  Message,
  Party,
  RedPacket,
  RedPacketGrab,
  RedPacketMode,
  RedPacketPayload,
  Split,
  SplitPayload,
  TransferCard,
  TransferCardPayload,
} from '@jiaozi/protocol';
import { CHATPAY_TOPICS } from '@jiaozi/protocol';
import type { Kysely, Transaction } from 'kysely';
import type { ChatService } from '../chat/chat.service.js';
import type { UserRow } from '../identity/identity.repository.js';
import type { IdentityService, RequestMeta } from '../identity/identity.service.js';
import { addSeconds, type Clock } from '../kernel/clock.js';
import { assert, DomainError } from '../kernel/errors.js';
import { newId } from '../kernel/ids.js';
import * as limits from '../kernel/limits.js';
import {
  type Account,
  AccountCode,
  AccountFlag,
  type LedgerService,
  plainTransfer,
  TransferFlag,
  type TransferInput,
  type TransferResult,
} from '../ledger/ledger.service.js';
import type { Database } from '../platform/db/schema.js';
import { cancelJob, type Job, type JobOutcome, type JobRunner, scheduleJob } from '../platform/jobs/jobs.js';
import type { Announcer } from '../platform/outbox/announcer.js';
import { type OutboxEvent, type WrittenUpdate, writeOutbox } from '../platform/outbox/outbox.js';
import { checkAmount, limitsFor } from '../wallet/wallet.core.js';
import type { WalletService } from '../wallet/wallet.service.js';
import {
  bestLuckIndex,
  derivedId,
  equalShare,
  isExpired,
  luckyShare,
  type RandomInt,
  redPacketProblem,
  splitShares,
} from './chatpay.core.js';
import {
  type CardRow,
  ChatPayRepository,
  type GrabRow,
  type PacketRow,
  type ShareRow,
  type SplitRow,
} from './chatpay.repository.js';

type Trx = Transaction<Database>;

export interface ChatPayOptions {
  currency: string;
  announcer?: Announcer;
  /** The lucky split's random source (tests inject a seeded one). */
  randomInt?: RandomInt;
}

/** Job kinds: the 24 h expiries, keyed by the card's or packet's id. */
export const CHATPAY_JOBS = {
  transferExpire: 'chatpay.transfer_expire',
  redPacketExpire: 'chatpay.red_packet_expire',
} as const;

const ESCROW_OWNER = 'system:chatpay-escrow';

function wire(amount: bigint): number {
  assert(amount >= 0n && amount <= BigInt(Number.MAX_SAFE_INTEGER), 'amount fits the wire');
  return Number(amount);
}

function party(user: UserRow): Party {
  return { userId: user.id, displayName: user.display_name, username: user.username };
}

function money(minorUnits: bigint): string {
  const whole = minorUnits / 100n;
  const cents = (minorUnits % 100n).toString().padStart(2, '0');
  return `${whole.toLocaleString('en-US')}.${cents}`;
}

/** Throws the error a person should see unless a ledger result is ok or a replay. */
function expectMoved(result: TransferResult | undefined, which: string): void {
  assert(result, 'one result per transfer');
  if (result.status !== 'failed') return;
  const code = result.code === 'id_already_failed' ? result.originalCode : result.code;
  if (code === 'exceeds_credits') {
    throw new DomainError('insufficient_funds', 'Not enough money in the wallet. Nothing was sent.', {
      which,
    });
  }
  throw new Error(`unexpected ledger result for ${which}: ${code}`);
}

/** What the HTTP layer needs to answer a send: the chat message and the object it carries. */
export interface Sent<T> {
  message: Message;
  created: boolean;
  object: T;
}

/**
 * Money in chat. Every object is a chat message sent through the chat service whose
 * `attach` step (in the send's transaction) writes the object's row, moves or holds its
 * money in the ledger and schedules its 24 h expiry job: the message, the money and the job
 * commit together or not at all. Later changes lock the object's row, check its status,
 * move the money (with ledger ids derived from the object's id, so a step that runs twice
 * is a replay in the ledger), change the status and write update-log events, in one
 * transaction.
 *
 * Ledger model (all through one escrow account that may never pay out more than it got):
 * - transfer card: a hold wallet → escrow at send; accept posts it and pays escrow →
 *   receiver (linked); return or expiry voids it.
 * - red packet: the total moves wallet → escrow at send; each grab pays escrow → grabber;
 *   at expiry what is left goes escrow → sender.
 * - bill split: each participant pays their share wallet → creator directly.
 */
export class ChatPayService {
  readonly repo: ChatPayRepository;
  #escrowId: string | undefined;
  readonly #randomInt: RandomInt;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly ledger: LedgerService,
    private readonly identity: IdentityService,
    private readonly wallet: WalletService,
    private readonly chat: ChatService,
    private readonly options: ChatPayOptions,
  ) {
    this.repo = new ChatPayRepository(db);
    this.#randomInt = options.randomInt ?? ((bound) => randomInt(bound));
  }

  /** Opens the escrow account. Safe on every start, on every node. */
  async init(): Promise<void> {
    const escrow = await this.ledger.openAccount({
      currency: this.options.currency,
      code: AccountCode.escrow,
      flags: AccountFlag.debitsMustNotExceedCredits,
      ownerRef: ESCROW_OWNER,
    });
    this.#escrowId = escrow.id;
  }

  /** Registers the expiry jobs with a runner (each node's). */
  registerJobs(jobs: JobRunner): void {
    jobs.register(CHATPAY_JOBS.transferExpire, (job: Job<{ cardId: string }>) =>
      this.expireTransfer(job.payload.cardId),
    );
    jobs.register(CHATPAY_JOBS.redPacketExpire, (job: Job<{ packetId: string }>) =>
      this.expireRedPacket(job.payload.packetId),
    );
  }

  get escrowAccountId(): string {
    assert(this.#escrowId, 'chatpay was initialised');
    return this.#escrowId;
  }

  async escrowAccount(): Promise<Account> {
    const account = await this.ledger.account(this.escrowAccountId);
    assert(account, 'the escrow account exists');
    return account;
  }

  #announce(written: readonly WrittenUpdate[]): void {
    if (written.length === 0) return;
    this.options.announcer?.announce([...new Set(written.map((u) => u.userId))], written);
  }

  /** The payer's KYC limit for one payment, as a 400 with the limit in the message. */
  #checkPaymentLimit(amount: bigint, tier: number): void {
    const problem = checkAmount(amount, tier);
    if (problem) {
      const max = limitsFor(tier).singleTransferMaxMinor;
      throw new DomainError(
        'invalid_amount',
        problem === 'not_positive'
          ? 'The amount must be positive.'
          : `The amount is above your per-payment limit of ${money(max)}.`,
        { maxMinor: wire(max) },
      );
    }
  }

  /**
   * Sends a money message: a resend of the same client id answers the original without
   * asking for the PIN again; otherwise the rules, the PIN and the daily limit are checked
   * before the message, the money and its job are written together.
   */
  async #sendMoney<T>(
    senderId: string,
    input: { id: string; conversationId: string; kind: string; hashParts: readonly unknown[] },
    prepare: () => Promise<{
      payload: Record<string, unknown>;
      amount: bigint;
      tier: number;
      attach: (trx: Trx, conversationId: string, messageId: string) => Promise<void>;
      load: () => Promise<T>;
    }>,
    resend: (message: Message) => Promise<T>,
    pin: { pin: string; meta: RequestMeta } | null,
  ): Promise<Sent<T>> {
    const target = { conversationId: input.conversationId };
    if (await this.chat.hasSent(senderId, input.id)) {
      const { message } = await this.chat.sendPayload(senderId, target, {
        id: input.id,
        kind: input.kind,
        payload: {},
        hashParts: input.hashParts,
        attach: async () => {
          throw new Error('a resend does not attach');
        },
      });
      return { message, created: false, object: await resend(message) };
    }
    const ready = await prepare();
    if (pin) await this.identity.verifyPin(senderId, pin.pin, pin.meta);
    if (ready.amount > 0n) await this.wallet.reserveDailyOutflow(senderId, ready.amount, ready.tier);
    let sent: { message: Message; created: boolean };
    try {
      sent = await this.chat.sendPayload(senderId, target, {
        id: input.id,
        kind: input.kind,
        payload: ready.payload,
        hashParts: input.hashParts,
        attach: ready.attach,
      });
    } catch (error) {
      if (ready.amount > 0n) await this.wallet.releaseDailyOutflow(senderId, ready.amount);
      throw error;
    }
    if (!sent.created) {
      // A concurrent copy of this send won: its money counted, not this one's.
      if (ready.amount > 0n) await this.wallet.releaseDailyOutflow(senderId, ready.amount);
      return { ...sent, object: await resend(sent.message) };
    }
    return { ...sent, object: await ready.load() };
  }

  /** The conversation, if the user is in it (a group they are not in is not found). */
  async #membership(userId: string, conversationId: string) {
    const conv = await this.chat.conversationMembers(conversationId);
    if (!conv?.memberIds.includes(userId)) throw new DomainError('not_found', 'No such conversation.');
    return conv;
  }

  // ── Transfer cards ───────────────────────────────────────────────────────

  async sendTransfer(
    senderId: string,
    input: {
      id: string;
      conversationId: string;
      amountMinor: number;
      note?: string | undefined;
      pin: string;
    },
    meta: RequestMeta,
  ): Promise<Sent<TransferCard>> {
    const amount = BigInt(input.amountMinor);
    const note = (input.note ?? '').trim();
    return this.#sendMoney(
      senderId,
      {
        id: input.id,
        conversationId: input.conversationId,
        kind: 'transfer',
        hashParts: [input.conversationId, input.amountMinor, note],
      },
      async () => {
        if ([...note].length > limits.transferCardNoteMaxLength) {
          throw new DomainError(
            'invalid_request',
            `The note is longer than ${limits.transferCardNoteMaxLength} characters.`,
            { path: '/body/note' },
          );
        }
        const conv = await this.#membership(senderId, input.conversationId);
        if (conv.kind !== 'direct') {
          throw new DomainError('invalid_request', 'A transfer card goes into a 1:1 chat.', {
            path: '/body/conversationId',
          });
        }
        const receiverId = conv.memberIds.find((id) => id !== senderId);
        if (!receiverId) throw new DomainError('cannot_pay_self', 'You cannot pay yourself.');
        const sender = await this.identity.getUser(senderId);
        this.#checkPaymentLimit(amount, sender.kyc_tier);
        const [from, to] = await Promise.all([this.wallet.wallet(senderId), this.wallet.wallet(receiverId)]);
        void to;
        const cardId = newId(this.clock);
        const payload: TransferCardPayload = {
          cardId,
          amountMinor: input.amountMinor,
          currency: this.options.currency,
          note,
          receiverId,
        };
        return {
          payload: { ...payload },
          amount,
          tier: sender.kyc_tier,
          attach: async (trx, conversationId, messageId) => {
            const now = this.clock.now();
            const row: CardRow = {
              id: cardId,
              conversation_id: conversationId,
              message_id: messageId,
              sender_id: senderId,
              receiver_id: receiverId,
              amount,
              currency: this.options.currency,
              note,
              status: 'pending',
              hold_id: derivedId(cardId, 'hold'),
              created_at: now,
              expires_at: addSeconds(now, limits.transferCardTtlSeconds),
              settled_at: null,
            };
            await this.repo.insertCard(trx, row);
            const [result] = await this.ledger.applyInTransaction(trx, [
              plainTransfer(
                row.hold_id,
                from.id,
                this.escrowAccountId,
                amount,
                'chat_transfer',
                { kind: 'chat_transfer', from: senderId, to: receiverId, note, conversationId, cardId },
                { flags: TransferFlag.pending },
              ),
            ]);
            expectMoved(result, 'sender_balance');
            await scheduleJob(
              trx,
              { kind: CHATPAY_JOBS.transferExpire, key: cardId, runAt: row.expires_at, payload: { cardId } },
              now,
            );
          },
          load: () => this.transfer(senderId, cardId),
        };
      },
      (message) => this.transfer(senderId, String(message.payload?.cardId ?? '')),
      { pin: input.pin, meta },
    );
  }

  async transfer(userId: string, id: string): Promise<TransferCard> {
    return this.#cardView(await this.#visibleCard(userId, id));
  }

  async #visibleCard(userId: string, id: string): Promise<CardRow> {
    const row = await this.repo.findCard(id);
    if (!row || (row.sender_id !== userId && row.receiver_id !== userId)) {
      throw new DomainError('not_found', 'No such transfer.');
    }
    return row;
  }

  /** The receiver takes the money: the hold is posted and escrow pays the receiver. */
  acceptTransfer(userId: string, id: string): Promise<TransferCard> {
    return this.#decideCard(userId, id, 'received');
  }

  /** The receiver sends it back: the hold is voided. */
  returnTransfer(userId: string, id: string): Promise<TransferCard> {
    return this.#decideCard(userId, id, 'returned');
  }

  async #decideCard(userId: string, id: string, status: 'received' | 'returned'): Promise<TransferCard> {
    const visible = await this.#visibleCard(userId, id);
    if (visible.receiver_id !== userId) {
      throw new DomainError(
        'transfer_not_for_you',
        'Only the receiver may accept or return a transfer card; its sender cannot recall it.',
      );
    }
    const prepared = await this.#cardParties(visible);
    const done = await this.db.transaction().execute(async (trx) => {
      const row = await this.repo.lockCard(trx, id);
      assert(row, 'a card is never deleted');
      const now = this.clock.now();
      if (row.status !== 'pending') {
        throw new DomainError('transfer_not_pending', `This transfer was already ${row.status}.`, {
          status: row.status,
        });
      }
      if (isExpired(row.expires_at, now)) {
        throw new DomainError(
          'transfer_not_pending',
          'This transfer expired after 24 hours and is being refunded.',
          {
            status: 'refunded',
          },
        );
      }
      return this.#settleCard(trx, row, status, now, prepared);
    });
    this.#announce(done.written);
    return this.#cardView(done.row);
  }

  /** What settling a card needs from outside its transaction (read before it begins). */
  async #cardParties(row: CardRow): Promise<{ receiverWalletId: string; users: Map<string, UserRow> }> {
    const [receiver, users] = await Promise.all([
      this.wallet.wallet(row.receiver_id),
      this.identity.usersByIds([row.sender_id, row.receiver_id]),
    ]);
    return { receiverWalletId: receiver.id, users };
  }

  /** Moves a locked pending card to its final status: money, row, job and events. */
  async #settleCard(
    trx: Trx,
    row: CardRow,
    status: 'received' | 'returned' | 'refunded',
    now: Date,
    prepared: { receiverWalletId: string; users: Map<string, UserRow> },
  ): Promise<{ row: CardRow; written: WrittenUpdate[] }> {
    assert(row.status === 'pending', 'only a pending card settles');
    const transfers: TransferInput[] =
      status === 'received'
        ? [
            {
              id: derivedId(row.id, 'post'),
              debitAccountId: '',
              creditAccountId: '',
              amount: 0n,
              code: 'chat_transfer',
              flags: TransferFlag.postPending | TransferFlag.linked,
              pendingId: row.hold_id,
              timeoutSeconds: 0,
              userData: null,
            },
            plainTransfer(
              derivedId(row.id, 'pay'),
              this.escrowAccountId,
              prepared.receiverWalletId,
              BigInt(row.amount),
              'chat_transfer',
              {
                kind: 'chat_transfer',
                from: row.sender_id,
                to: row.receiver_id,
                note: row.note,
                conversationId: row.conversation_id,
                cardId: row.id,
              },
            ),
          ]
        : [
            {
              id: derivedId(row.id, 'void'),
              debitAccountId: '',
              creditAccountId: '',
              amount: 0n,
              code: 'chat_transfer',
              flags: TransferFlag.voidPending,
              pendingId: row.hold_id,
              timeoutSeconds: 0,
              userData: null,
            },
          ];
    const results = await this.ledger.applyInTransaction(trx, transfers);
    for (const r of results) expectMoved(r, 'escrow');
    const settled = await this.repo.settleCard(trx, row.id, status, now);
    assert(settled, 'the locked card was pending');
    // Money that came back did not leave: it no longer counts against the sender's limit.
    if (status !== 'received') {
      await this.wallet.giveBackDailyOutflow(trx, row.sender_id, BigInt(row.amount), row.created_at);
    }
    if (status !== 'refunded') await cancelJob(trx, CHATPAY_JOBS.transferExpire, row.id);
    const card = this.#cardFrom(settled, prepared.users);
    const events: OutboxEvent[] = [
      { topic: CHATPAY_TOPICS.transfer, audience: [row.sender_id, row.receiver_id], payload: { card } },
    ];
    if (status === 'received') {
      events.push({
        topic: 'wallet.payment_received',
        audience: [row.receiver_id, row.sender_id],
        payload: {
          transferId: derivedId(row.id, 'pay'),
          kind: 'chat_transfer',
          from: card.sender,
          to: card.receiver,
          amountMinor: card.amountMinor,
          currency: card.currency,
          note: card.note,
        },
      });
    }
    return { row: settled, written: await writeOutbox(trx, events, now) };
  }

  /**
   * The 24 h expiry of a transfer card: a pending card past its time is refunded (the hold
   * voided) exactly once, however many times or on however many nodes this runs.
   */
  async expireTransfer(cardId: string): Promise<JobOutcome> {
    const found = await this.repo.findCard(cardId);
    if (found?.status !== 'pending') return undefined;
    const prepared = await this.#cardParties(found);
    const done = await this.db.transaction().execute(async (trx) => {
      const row = await this.repo.lockCard(trx, cardId);
      if (row?.status !== 'pending') return { written: [] as WrittenUpdate[] };
      const now = this.clock.now();
      if (!isExpired(row.expires_at, now)) return { runAgainAt: row.expires_at, written: [] };
      return this.#settleCard(trx, row, 'refunded', now, prepared);
    });
    this.#announce(done.written);
    return 'runAgainAt' in done && done.runAgainAt ? { runAgainAt: done.runAgainAt } : undefined;
  }

  async #cardView(row: CardRow): Promise<TransferCard> {
    return this.#cardFrom(row, await this.identity.usersByIds([row.sender_id, row.receiver_id]));
  }

  #cardFrom(row: CardRow, users: Map<string, UserRow>): TransferCard {
    const sender = users.get(row.sender_id);
    const receiver = users.get(row.receiver_id);
    assert(sender && receiver, 'both sides of a card exist');
    return {
      id: row.id,
      conversationId: row.conversation_id,
      messageId: row.message_id,
      sender: party(sender),
      receiver: party(receiver),
      amountMinor: wire(BigInt(row.amount)),
      currency: row.currency,
      note: row.note,
      status: row.status,
      createdAt: row.created_at.toISOString(),
      expiresAt: row.expires_at.toISOString(),
      settledAt: row.settled_at?.toISOString() ?? null,
    };
  }

  // ── Red packets ──────────────────────────────────────────────────────────

  async sendRedPacket(
    senderId: string,
    input: {
      id: string;
      conversationId: string;
      mode: RedPacketMode;
      totalMinor: number;
      count: number;
      greeting?: string | undefined;
      recipientIds?: readonly string[] | undefined;
      pin: string;
    },
    meta: RequestMeta,
  ): Promise<Sent<RedPacket>> {
    const total = BigInt(input.totalMinor);
    const greeting = (input.greeting ?? '').trim();
    const recipientIds = input.recipientIds ? [...new Set(input.recipientIds)].sort() : null;
    return this.#sendMoney(
      senderId,
      {
        id: input.id,
        conversationId: input.conversationId,
        kind: 'red_packet',
        hashParts: [input.conversationId, input.mode, input.totalMinor, input.count, greeting, recipientIds],
      },
      async () => {
        const problem = total <= 0n ? 'share_min' : redPacketProblem(total, input.count);
        if (problem) {
          throw new DomainError(
            'invalid_amount',
            problem === 'count'
              ? `A red packet has from 1 to ${limits.redPacketCountMax} shares.`
              : problem === 'total_max'
                ? `A red packet holds at most ${money(limits.redPacketTotalMaxMinor)}.`
                : `Every share of a red packet is at least ${money(limits.redPacketShareMinMinor)}.`,
            {
              maxMinor: wire(limits.redPacketTotalMaxMinor),
              shareMinMinor: wire(limits.redPacketShareMinMinor),
              countMax: limits.redPacketCountMax,
            },
          );
        }
        if ([...greeting].length > limits.redPacketGreetingMaxLength) {
          throw new DomainError(
            'invalid_request',
            `The greeting is longer than ${limits.redPacketGreetingMaxLength} characters.`,
            { path: '/body/greeting' },
          );
        }
        const conv = await this.#membership(senderId, input.conversationId);
        if (conv.kind === 'direct' && input.count !== 1) {
          throw new DomainError('invalid_request', 'A red packet in a 1:1 chat has one share.', {
            path: '/body/count',
          });
        }
        if (recipientIds !== null) {
          if (
            conv.kind !== 'group' ||
            recipientIds.length === 0 ||
            recipientIds.some((id) => !conv.memberIds.includes(id)) ||
            input.count > recipientIds.length
          ) {
            throw new DomainError(
              'invalid_request',
              'Chosen recipients are members of this group, at least as many as the shares.',
              { path: '/body/recipientIds' },
            );
          }
        }
        const sender = await this.identity.getUser(senderId);
        this.#checkPaymentLimit(total, sender.kyc_tier);
        const from = await this.wallet.wallet(senderId);
        const packetId = newId(this.clock);
        const payload: RedPacketPayload = {
          packetId,
          mode: input.mode,
          count: input.count,
          currency: this.options.currency,
          greeting,
          recipientIds,
        };
        return {
          payload: { ...payload },
          amount: total,
          tier: sender.kyc_tier,
          attach: async (trx, conversationId, messageId) => {
            const now = this.clock.now();
            const expiresAt = addSeconds(now, limits.redPacketTtlSeconds);
            await this.repo.insertPacket(trx, {
              id: packetId,
              conversation_id: conversationId,
              message_id: messageId,
              sender_id: senderId,
              mode: input.mode,
              total,
              count: input.count,
              currency: this.options.currency,
              greeting,
              recipient_ids: recipientIds === null ? null : JSON.stringify(recipientIds),
              remaining: total,
              remaining_count: input.count,
              status: 'active',
              created_at: now,
              expires_at: expiresAt,
              finished_at: null,
            });
            const [result] = await this.ledger.applyInTransaction(trx, [
              plainTransfer(derivedId(packetId, 'fund'), from.id, this.escrowAccountId, total, 'red_packet', {
                kind: 'red_packet',
                from: senderId,
                note: greeting,
                conversationId,
                packetId,
              }),
            ]);
            expectMoved(result, 'sender_balance');
            await scheduleJob(
              trx,
              { kind: CHATPAY_JOBS.redPacketExpire, key: packetId, runAt: expiresAt, payload: { packetId } },
              now,
            );
          },
          load: () => this.redPacket(senderId, packetId),
        };
      },
      (message) => this.redPacket(senderId, String(message.payload?.packetId ?? '')),
      { pin: input.pin, meta },
    );
  }

  async #visiblePacket(userId: string, id: string): Promise<{ row: PacketRow; memberIds: string[] }> {
    const row = await this.repo.findPacket(id);
    const conv = row ? await this.chat.conversationMembers(row.conversation_id) : null;
    if (!row || !conv || (!conv.memberIds.includes(userId) && row.sender_id !== userId)) {
      // Someone who left still sees what they grabbed.
      if (row && (await this.repo.findGrab(row.id, userId))) return { row, memberIds: conv?.memberIds ?? [] };
      throw new DomainError('not_found', 'No such red packet.');
    }
    return { row, memberIds: conv.memberIds };
  }

  /** The packet with who got what and when, best luck marked. */
  async redPacket(userId: string, id: string): Promise<RedPacket> {
    const { row } = await this.#visiblePacket(userId, id);
    return this.#packetView(userId, row, await this.repo.grabsOf(id));
  }

  #mayGrab(userId: string, row: PacketRow, kind: 'direct' | 'group'): boolean {
    if (kind === 'direct' && row.sender_id === userId) return false;
    const ids = row.recipient_ids;
    return ids === null || ids.includes(userId);
  }

  /**
   * Grabs a share: under the packet's lock, checks it is for me, not grabbed by me, not
   * expired and not empty, decides the share (equal, or lucky now), records the grab and pays
   * it from escrow, in one transaction.
   */
  async grab(userId: string, id: string): Promise<RedPacket> {
    const { row: visible } = await this.#visiblePacket(userId, id);
    const conv = await this.chat.conversationMembers(visible.conversation_id);
    // Members who joined after it was sent do not see it, so cannot grab it either.
    if (!conv || !(await this.chat.canSeeMessage(userId, visible.conversation_id, visible.message_id))) {
      throw new DomainError('not_found', 'No such red packet.');
    }
    if (!this.#mayGrab(userId, visible, conv.kind)) {
      throw new DomainError('red_packet_not_for_you', 'This red packet is not for you.');
    }
    const [to, grabber] = await Promise.all([this.wallet.wallet(userId), this.identity.getUser(userId)]);
    const done = await this.db.transaction().execute(async (trx) => {
      const row = await this.repo.lockPacket(trx, id);
      assert(row, 'a packet is never deleted');
      const now = this.clock.now();
      const mine = await this.repo.findGrab(id, userId, trx);
      if (mine) {
        throw new DomainError('red_packet_already_grabbed', 'You already grabbed this red packet.', {
          amountMinor: wire(BigInt(mine.amount)),
        });
      }
      if (row.status === 'refunded' || (row.status === 'active' && isExpired(row.expires_at, now))) {
        throw new DomainError('red_packet_expired', 'This red packet expired after 24 hours.');
      }
      if (row.status === 'empty') throw new DomainError('red_packet_empty', 'All shares were grabbed.');
      const remaining = BigInt(row.remaining);
      const position = row.count - row.remaining_count + 1;
      const amount =
        row.mode === 'equal'
          ? equalShare(BigInt(row.total), row.count, position)
          : luckyShare(remaining, row.remaining_count, this.#randomInt);
      assert(amount >= limits.redPacketShareMinMinor && amount <= remaining, 'a share fits what is left');
      const grab: GrabRow = {
        packet_id: id,
        user_id: userId,
        position,
        amount,
        transfer_id: derivedId(id, `grab/${userId}`),
        created_at: now,
      };
      const [result] = await this.ledger.applyInTransaction(trx, [
        plainTransfer(grab.transfer_id, this.escrowAccountId, to.id, amount, 'red_packet', {
          kind: 'red_packet',
          from: row.sender_id,
          to: userId,
          note: row.greeting,
          conversationId: row.conversation_id,
          packetId: id,
        }),
      ]);
      expectMoved(result, 'escrow');
      const after = await this.repo.recordGrab(trx, grab, row, now);
      if (after.status === 'empty') await cancelJob(trx, CHATPAY_JOBS.redPacketExpire, id);
      const written = await writeOutbox(trx, this.#packetEvents(after, conv.memberIds, grabber, grab), now);
      return { written };
    });
    this.#announce(done.written);
    return this.redPacket(userId, id);
  }

  #packetEvents(row: PacketRow, memberIds: readonly string[], grabber: UserRow | null, grab: GrabRow | null) {
    const audience = [...new Set([...memberIds, row.sender_id])];
    return [
      {
        topic: CHATPAY_TOPICS.redPacket,
        audience,
        payload: {
          packetId: row.id,
          conversationId: row.conversation_id,
          messageId: row.message_id,
          status: row.status,
          remainingCount: row.remaining_count,
          grab:
            grab && grabber
              ? {
                  user: party(grabber),
                  amountMinor: wire(BigInt(grab.amount)),
                  position: grab.position,
                  grabbedAt: grab.created_at.toISOString(),
                }
              : null,
        },
      },
    ] satisfies OutboxEvent[];
  }

  /**
   * The 24 h expiry of a red packet: what is left of an active packet past its time goes
   * back to its sender exactly once, however many times or on however many nodes this runs.
   */
  async expireRedPacket(packetId: string): Promise<JobOutcome> {
    const found = await this.repo.findPacket(packetId);
    if (found?.status !== 'active') return undefined;
    const senderWallet = await this.wallet.wallet(found.sender_id);
    const done = await this.db.transaction().execute(async (trx) => {
      const row = await this.repo.lockPacket(trx, packetId);
      if (row?.status !== 'active') return { written: [] as WrittenUpdate[] };
      const now = this.clock.now();
      if (!isExpired(row.expires_at, now)) return { runAgainAt: row.expires_at, written: [] };
      const refunded = await this.repo.refundPacket(trx, packetId, now);
      assert(refunded, 'the locked packet was active');
      const back = BigInt(refunded.refunded);
      assert(back > 0n, 'an active packet has money left');
      const [result] = await this.ledger.applyInTransaction(trx, [
        plainTransfer(
          derivedId(packetId, 'refund'),
          this.escrowAccountId,
          senderWallet.id,
          back,
          'red_packet',
          {
            kind: 'red_packet_refund',
            from: row.sender_id,
            to: row.sender_id,
            note: row.greeting,
            conversationId: row.conversation_id,
            packetId,
          },
        ),
      ]);
      expectMoved(result, 'escrow');
      await this.wallet.giveBackDailyOutflow(trx, row.sender_id, back, row.created_at);
      const conv = await this.chat.conversationMembers(row.conversation_id, trx);
      const written = await writeOutbox(
        trx,
        this.#packetEvents(refunded, conv?.memberIds ?? [], null, null),
        now,
      );
      return { written };
    });
    this.#announce(done.written);
    return 'runAgainAt' in done && done.runAgainAt ? { runAgainAt: done.runAgainAt } : undefined;
  }

  async #packetView(userId: string, row: PacketRow, grabs: readonly GrabRow[]): Promise<RedPacket> {
    const users = await this.identity.usersByIds([row.sender_id, ...grabs.map((g) => g.user_id)]);
    const sender = users.get(row.sender_id);
    assert(sender, 'the sender exists');
    // Lucky packets only: the largest share so far (final once the packet is finished).
    const best = row.mode === 'lucky' ? bestLuckIndex(grabs) : -1;
    const views: RedPacketGrab[] = grabs.map((g, i) => {
      const user = users.get(g.user_id);
      assert(user, 'a grabber exists');
      return {
        user: party(user),
        amountMinor: wire(BigInt(g.amount)),
        position: g.position,
        bestLuck: i === best,
        grabbedAt: g.created_at.toISOString(),
      };
    });
    const myGrab = views.find((g) => g.user.userId === userId) ?? null;
    const conv = await this.chat.conversationMembers(row.conversation_id);
    const sees = await this.chat.canSeeMessage(userId, row.conversation_id, row.message_id);
    const now = this.clock.now();
    return {
      id: row.id,
      conversationId: row.conversation_id,
      messageId: row.message_id,
      sender: party(sender),
      mode: row.mode,
      totalMinor: wire(BigInt(row.total)),
      count: row.count,
      currency: row.currency,
      greeting: row.greeting,
      recipientIds: row.recipient_ids,
      status: row.status,
      remainingMinor: wire(BigInt(row.remaining)),
      remainingCount: row.remaining_count,
      refundedMinor: wire(BigInt(row.refunded)),
      myGrab,
      canGrab:
        row.status === 'active' &&
        !isExpired(row.expires_at, now) &&
        myGrab === null &&
        sees &&
        conv !== null &&
        this.#mayGrab(userId, row, conv.kind),
      grabs: views,
      createdAt: row.created_at.toISOString(),
      expiresAt: row.expires_at.toISOString(),
      finishedAt: row.finished_at?.toISOString() ?? null,
    };
  }

  // ── Bill splits (AA) ─────────────────────────────────────────────────────

  async createSplit(
    creatorId: string,
    input: {
      id: string;
      conversationId: string;
      title: string;
      totalMinor: number;
      participantIds: readonly string[];
      amounts?: readonly { userId: string; amountMinor: number }[] | undefined;
    },
  ): Promise<Sent<Split>> {
    const title = input.title.trim();
    const total = BigInt(input.totalMinor);
    const participantIds = [...input.participantIds];
    const custom = input.amounts
      ? new Map(input.amounts.map((a) => [a.userId, BigInt(a.amountMinor)] as const))
      : null;
    return this.#sendMoney(
      creatorId,
      {
        id: input.id,
        conversationId: input.conversationId,
        kind: 'split',
        hashParts: [input.conversationId, title, input.totalMinor, participantIds, input.amounts ?? null],
      },
      async () => {
        if (title.length === 0 || [...title].length > limits.splitTitleMaxLength) {
          throw new DomainError(
            'invalid_request',
            `The title is 1 to ${limits.splitTitleMaxLength} characters.`,
            { path: '/body/title' },
          );
        }
        const conv = await this.#membership(creatorId, input.conversationId);
        if (conv.kind !== 'group') {
          throw new DomainError('invalid_request', 'A bill is split in a group.', {
            path: '/body/conversationId',
          });
        }
        if (participantIds.some((id) => !conv.memberIds.includes(id))) {
          throw new DomainError('invalid_request', 'Every participant is a member of this group.', {
            path: '/body/participantIds',
          });
        }
        if (custom && input.amounts && custom.size !== input.amounts.length) {
          throw new DomainError('invalid_request', 'Each participant has one amount.', {
            path: '/body/amounts',
          });
        }
        const split = splitShares(total, participantIds, custom);
        if ('problem' in split) {
          if (split.problem === 'participants') {
            throw new DomainError(
              'invalid_request',
              `A split has 1 to ${limits.splitParticipantsMax} different participants.`,
              { path: '/body/participantIds' },
            );
          }
          if (split.problem === 'custom_users') {
            throw new DomainError('invalid_request', 'The amounts name exactly the participants.', {
              path: '/body/amounts',
            });
          }
          throw new DomainError(
            'invalid_amount',
            split.problem === 'total_max'
              ? `A split's total is at most ${money(limits.splitTotalMaxMinor)}.`
              : split.problem === 'share_min'
                ? `Every share is at least ${money(limits.redPacketShareMinMinor)}.`
                : 'The amounts must add up to the total.',
            { maxMinor: wire(limits.splitTotalMaxMinor), shareMinMinor: wire(limits.redPacketShareMinMinor) },
          );
        }
        const splitId = newId(this.clock);
        const payload: SplitPayload = {
          splitId,
          title,
          totalMinor: input.totalMinor,
          currency: this.options.currency,
          participantIds,
        };
        return {
          payload: { ...payload },
          amount: 0n,
          tier: 0,
          attach: async (trx, conversationId, messageId) => {
            const now = this.clock.now();
            const row: SplitRow = {
              id: splitId,
              conversation_id: conversationId,
              message_id: messageId,
              creator_id: creatorId,
              title,
              mode: custom ? 'custom' : 'equal',
              total,
              currency: this.options.currency,
              status: 'open',
              last_reminded_at: null,
              created_at: now,
              closed_at: null,
            };
            // The creator's own share is theirs already: nothing to move.
            const shares: ShareRow[] = participantIds.map((id) => ({
              split_id: splitId,
              user_id: id,
              amount: split.shares.get(id) as bigint,
              paid_at: id === creatorId ? now : null,
              transfer_id: null,
            }));
            await this.repo.insertSplit(trx, row, shares);
          },
          load: () => this.split(creatorId, splitId),
        };
      },
      (message) => this.split(creatorId, String(message.payload?.splitId ?? '')),
      null,
    );
  }

  async #visibleSplit(userId: string, id: string): Promise<SplitRow> {
    const row = await this.repo.findSplit(id);
    if (!row) throw new DomainError('not_found', 'No such split.');
    const conv = await this.chat.conversationMembers(row.conversation_id);
    const shares = await this.repo.sharesOf(id);
    if (
      row.creator_id !== userId &&
      !conv?.memberIds.includes(userId) &&
      !shares.some((s) => s.user_id === userId)
    ) {
      throw new DomainError('not_found', 'No such split.');
    }
    return row;
  }

  async split(userId: string, id: string): Promise<Split> {
    const row = await this.#visibleSplit(userId, id);
    return this.#splitView(row, await this.repo.sharesOf(id));
  }

  /** A participant pays their share to the creator with their PIN. */
  async paySplit(userId: string, id: string, pin: string, meta: RequestMeta): Promise<Split> {
    const row = await this.#visibleSplit(userId, id);
    const share = (await this.repo.sharesOf(id)).find((s) => s.user_id === userId);
    if (!share) throw new DomainError('split_not_participant', 'You are not a participant of this split.');
    if (row.status === 'closed') throw new DomainError('split_closed', 'This split is closed.');
    if (share.paid_at !== null) throw new DomainError('split_already_paid', 'Your share is already paid.');
    const amount = BigInt(share.amount);
    const payer = await this.identity.getUser(userId);
    this.#checkPaymentLimit(amount, payer.kyc_tier);
    await this.identity.verifyPin(userId, pin, meta);
    const [from, to, users] = await Promise.all([
      this.wallet.wallet(userId),
      this.wallet.wallet(row.creator_id),
      this.#splitUsers(row),
    ]);
    await this.wallet.reserveDailyOutflow(userId, amount, payer.kyc_tier);
    let done: { written: WrittenUpdate[]; row: SplitRow };
    try {
      done = await this.db.transaction().execute(async (trx) => {
        const locked = await this.repo.lockSplit(trx, id);
        assert(locked, 'a split is never deleted');
        const now = this.clock.now();
        if (locked.status === 'closed') throw new DomainError('split_closed', 'This split is closed.');
        const transferId = derivedId(id, `pay/${userId}`);
        if (!(await this.repo.markPaid(trx, id, userId, transferId, now))) {
          throw new DomainError('split_already_paid', 'Your share is already paid.');
        }
        const [result] = await this.ledger.applyInTransaction(trx, [
          plainTransfer(transferId, from.id, to.id, amount, 'split', {
            kind: 'split',
            from: userId,
            to: locked.creator_id,
            note: locked.title,
            conversationId: locked.conversation_id,
            splitId: id,
          }),
        ]);
        expectMoved(result, 'payer_balance');
        const shares = await this.repo.sharesOf(id, trx);
        const split = this.#splitFrom(locked, shares, users);
        const payerRow = users.get(userId);
        const creator = users.get(locked.creator_id);
        assert(payerRow && creator, 'both sides exist');
        const events: OutboxEvent[] = [
          { topic: CHATPAY_TOPICS.split, audience: this.#splitAudience(locked, shares), payload: { split } },
          {
            topic: 'wallet.payment_received',
            audience: [locked.creator_id, userId],
            payload: {
              transferId,
              kind: 'split',
              from: party(payerRow),
              to: party(creator),
              amountMinor: wire(amount),
              currency: locked.currency,
              note: locked.title,
            },
          },
        ];
        return { written: await writeOutbox(trx, events, now), row: locked };
      });
    } catch (error) {
      await this.wallet.releaseDailyOutflow(userId, amount);
      throw error;
    }
    this.#announce(done.written);
    return this.#splitView(done.row, await this.repo.sharesOf(id));
  }

  /** The creator nudges the unpaid participants again (at most once an hour). */
  async remindSplit(userId: string, id: string): Promise<Split> {
    return this.#creatorChange(userId, id, async (trx, row, shares, now, users) => {
      const last = row.last_reminded_at;
      if (last && now.getTime() - last.getTime() < limits.splitRemindIntervalSeconds * 1000) {
        const retryAfterSeconds = Math.ceil(
          (last.getTime() + limits.splitRemindIntervalSeconds * 1000 - now.getTime()) / 1000,
        );
        throw new DomainError('rate_limited', 'You reminded everyone less than an hour ago.', {
          retryAfterSeconds,
        });
      }
      const changed = await this.repo.reminded(trx, id, now);
      const unpaid = shares.filter((s) => s.paid_at === null).map((s) => s.user_id);
      const split = this.#splitFrom(changed, shares, users);
      const events: OutboxEvent[] = [
        { topic: CHATPAY_TOPICS.split, audience: this.#splitAudience(changed, shares), payload: { split } },
      ];
      if (unpaid.length > 0)
        events.push({ topic: CHATPAY_TOPICS.splitReminder, audience: unpaid, payload: { split } });
      return { row: changed, events };
    });
  }

  /** The creator closes the split: no more shares are paid through it. */
  async closeSplit(userId: string, id: string): Promise<Split> {
    return this.#creatorChange(userId, id, async (trx, row, shares, now, users) => {
      const changed = await this.repo.closeSplit(trx, row.id, now);
      const split = this.#splitFrom(changed, shares, users);
      return {
        row: changed,
        events: [
          { topic: CHATPAY_TOPICS.split, audience: this.#splitAudience(changed, shares), payload: { split } },
        ],
      };
    });
  }

  async #creatorChange(
    userId: string,
    id: string,
    fn: (
      trx: Trx,
      row: SplitRow,
      shares: ShareRow[],
      now: Date,
      users: Map<string, UserRow>,
    ) => Promise<{ row: SplitRow; events: OutboxEvent[] }>,
  ): Promise<Split> {
    const visible = await this.#visibleSplit(userId, id);
    if (visible.creator_id !== userId) {
      throw new DomainError('split_not_participant', 'Only the creator of the split may do this.');
    }
    const users = await this.#splitUsers(visible);
    const done = await this.db.transaction().execute(async (trx) => {
      const row = await this.repo.lockSplit(trx, id);
      assert(row, 'a split is never deleted');
      if (row.status === 'closed') throw new DomainError('split_closed', 'This split is closed.');
      const now = this.clock.now();
      const shares = await this.repo.sharesOf(id, trx);
      const out = await fn(trx, row, shares, now, users);
      return { row: out.row, written: await writeOutbox(trx, out.events, now) };
    });
    this.#announce(done.written);
    return this.#splitView(done.row, await this.repo.sharesOf(id));
  }

  #splitAudience(row: SplitRow, shares: readonly ShareRow[]): string[] {
    return [...new Set([row.creator_id, ...shares.map((s) => s.user_id)])];
  }

  /** The creator and the participants (fixed when the split is made), read outside any transaction. */
  async #splitUsers(row: SplitRow): Promise<Map<string, UserRow>> {
    const shares = await this.repo.sharesOf(row.id);
    return this.identity.usersByIds([row.creator_id, ...shares.map((s) => s.user_id)]);
  }

  async #splitView(row: SplitRow, shares: readonly ShareRow[]): Promise<Split> {
    return this.#splitFrom(row, shares, await this.#splitUsers(row));
  }

  #splitFrom(row: SplitRow, shares: readonly ShareRow[], users: Map<string, UserRow>): Split {
    const creator = users.get(row.creator_id);
    assert(creator, 'the creator exists');
    let paid = 0n;
    let paidCount = 0;
    const views = shares.map((s) => {
      const user = users.get(s.user_id);
      assert(user, 'a participant exists');
      if (s.paid_at !== null) {
        paid += BigInt(s.amount);
        paidCount += 1;
      }
      return {
        user: party(user),
        amountMinor: wire(BigInt(s.amount)),
        paidAt: s.paid_at?.toISOString() ?? null,
        transferId: s.transfer_id,
      };
    });
    return {
      id: row.id,
      conversationId: row.conversation_id,
      messageId: row.message_id,
      creator: party(creator),
      title: row.title,
      mode: row.mode,
      totalMinor: wire(BigInt(row.total)),
      currency: row.currency,
      status: row.status,
      shares: views,
      paidMinor: wire(paid),
      paidCount,
      lastRemindedAt: row.last_reminded_at?.toISOString() ?? null,
      createdAt: row.created_at.toISOString(),
      closedAt: row.closed_at?.toISOString() ?? null,
    };
  }
}
