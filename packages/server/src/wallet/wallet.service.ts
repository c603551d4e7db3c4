import { createHash, randomInt } from 'node:crypto';
import { formatPlain, isCurrencyCode, minor } from '@jiaozi/money';
import type {
  BankCard,
  HistoryItem,
  HistoryPage,
  MonthlyTotals,
  Party,
  PayCode,
  PayeeRef,
  PaymentRequest,
  ReceiveQr,
  ResolvedQr,
  TopUp,
  Transfer,
  WalletSummary,
} from '@jiaozi/protocol';
import type { Kysely, Transaction } from 'kysely';
import type { UserRow } from '../identity/identity.repository.js';
import type { IdentityService, RequestMeta } from '../identity/identity.service.js';
import { addSeconds, type Clock } from '../kernel/clock.js';
import { assert, DomainError } from '../kernel/errors.js';
import { isUuid, newId } from '../kernel/ids.js';
import * as limits from '../kernel/limits.js';
import type { Logger } from '../kernel/logger.js';
import {
  type Account,
  AccountCode,
  AccountFlag,
  available,
  creditBalance,
  type LedgerErrorCode,
  type LedgerService,
  type Transfer as LedgerTransfer,
  plainTransfer,
  sameFingerprint,
  TransferFlag,
  type TransferInput,
  type TransferResult,
} from '../ledger/ledger.service.js';
import type { Database } from '../platform/db/schema.js';
import { cancelJob, type Job, type JobRunner, scheduleJob } from '../platform/jobs/jobs.js';
import type { Announcer } from '../platform/outbox/announcer.js';
import { type OutboxEvent, writeOutbox } from '../platform/outbox/outbox.js';
import { hmacHex, type Secrets, sameSignature } from '../platform/secrets/secrets.js';
import { type BankCallback, type BankGateway, type BankRequest, parseBankSignature } from './bank-gateway.js';
import {
  checkAmount,
  csvRow,
  decodeCursor,
  derivedId,
  encodeCursor,
  formatPayCode,
  isPayCodeShape,
  isValidCardNumber,
  limitDay,
  limitsFor,
  normalizeCardNumber,
  parseQr,
  qrMessage,
} from './wallet.core.js';
import {
  type CardRow,
  type HistoryFilters,
  type HistoryRow,
  type PaymentRequestRow,
  WalletRepository,
} from './wallet.repository.js';

export interface WalletOptions {
  currency: string;
  /** Tells the realtime layer whose update logs grew (after each commit). */
  announcer?: Announcer;
  /** The time zone that daily limits and monthly totals follow. */
  timeZone: string;
}

/** What a ledger transfer's user data says about the business operation. */
interface TransferMeta {
  /**
   * `fund`: written by the fund domain for subscriptions and redemptions; `miniapp`: a
   * mini-app order paid or refunded (shown as a merchant payment, named by `merchantName`);
   * `chat_transfer`, `red_packet`, `red_packet_refund`, `split`: written by money in chat,
   * with the conversation they happened in.
   */
  kind:
    | 'topup'
    | 'withdrawal'
    | 'transfer'
    | 'paycode'
    | 'fund'
    | 'miniapp'
    | 'chat_transfer'
    | 'red_packet'
    | 'red_packet_refund'
    | 'split';
  from?: string;
  to?: string;
  note?: string;
  requestId?: string;
  /** A payment through a family-pay grant: the grant and the grantee who paid. */
  grantId?: string;
  grantee?: string;
  conversationId?: string;
  merchantName?: string;
  orderId?: string;
}

/** A pay-code charge that pays through a family-pay grant (the granter's wallet pays). */
export interface GrantCharge {
  grantId: string;
  granteeId: string;
  merchantId: string;
  transferId: string;
  amountMinor: bigint;
  note: string;
}

/**
 * What the family-pay domain lends the wallet (registered with `useGrants`): the wallet
 * names a grant, family pay decides whether it may be used and moves the money.
 */
export interface GrantPayments {
  /** Throws `not_found` unless `granteeId` may pay through the grant now. */
  assertUsable(granteeId: string, grantId: string): Promise<void>;
  /** Charges the granter's wallet within the grant's monthly limit; the stored transfer. */
  charge(charge: GrantCharge): Promise<LedgerTransfer>;
}

const BANK_OWNER = 'system:bank';

/** The durable job that makes a bank request reach the bank (see `scheduleBankRequest`). */
export const BANK_REQUEST_JOB = 'bank.request';

/** A bank request as its job keeps it (amounts as decimal strings in JSON). */
export interface BankRequestJob {
  kind: 'charge' | 'payout';
  operationId: string;
  cardToken: string;
  amountMinor: string;
  currency: string;
}

/** A bank operation just recorded: the request to send after the commit, or null for a copy. */
interface RecordedOperation {
  operationId: string;
  kind: 'topup' | 'withdrawal';
  request: BankRequest | null;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function wire(amount: bigint): number {
  assert(amount >= 0n && amount <= BigInt(Number.MAX_SAFE_INTEGER), 'amount fits the wire');
  return Number(amount);
}

function party(user: UserRow): Party {
  return { userId: user.id, displayName: user.display_name, username: user.username };
}

/** A failed ledger result as the error a person should see. */
function ledgerError(code: LedgerErrorCode | undefined): DomainError | Error {
  switch (code) {
    case 'exceeds_credits':
      return new DomainError('insufficient_funds', 'Not enough money in the wallet. Nothing was sent.');
    case 'exists_with_different_fields':
      return new DomainError('idempotency_conflict', 'This request id was already used for something else.');
    default:
      return new Error(`unexpected ledger result: ${code}`);
  }
}

/** Throws unless a single-transfer result is ok or a replay of an ok one. */
function expectOk(result: TransferResult | undefined): LedgerTransfer {
  assert(result, 'one result per transfer');
  if (result.status !== 'failed') return result.transfer;
  throw ledgerError(result.code === 'id_already_failed' ? result.originalCode : result.code);
}

/**
 * The wallet: a ledger account per user, bank cards and bank operations through a gateway,
 * transfers between users, money requests, QR codes, pay codes and history.
 */
export class WalletService {
  readonly repo: WalletRepository;
  #bankAccountId: string | undefined;
  #grants: GrantPayments | undefined;
  #bankOperations: ((callback: BankCallback) => Promise<'applied' | 'ignored'>) | undefined;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly ledger: LedgerService,
    private readonly identity: IdentityService,
    private readonly secrets: Secrets,
    private readonly gateway: BankGateway,
    private readonly options: WalletOptions,
  ) {
    this.repo = new WalletRepository(db);
    identity.onUserCreated((trx, user) => this.openWallet(trx, user.id).then(() => undefined));
  }

  /** Opens the system accounts. Safe to call on every start, on every node. */
  async init(): Promise<void> {
    const bank = await this.ledger.openAccount({
      currency: this.options.currency,
      code: AccountCode.bankSettlement,
      flags: 0,
      ownerRef: BANK_OWNER,
    });
    this.#bankAccountId = bank.id;
  }

  /** Lets pay codes and payments name a family-pay grant. */
  useGrants(grants: GrantPayments): void {
    assert(!this.#grants, 'one family-pay domain');
    this.#grants = grants;
  }

  /** Refuses a payment that names a grant the wallet may not pay through (or no usable grant). */
  async #refuseGrant(userId: string, grantId: string | undefined): Promise<void> {
    if (grantId === undefined) return;
    if (!this.#grants) throw new DomainError('not_found', 'No such grant.');
    await this.#grants.assertUsable(userId, grantId);
    throw new DomainError(
      'grant_use_not_allowed',
      'A family card pays merchants only, not transfers to people.',
    );
  }

  /**
   * Lets another domain start bank operations of its own through the gateway (mini-app
   * settlements): a callback for an operation id the wallet does not know goes to `handler`.
   */
  useBankOperations(handler: (callback: BankCallback) => Promise<'applied' | 'ignored'>): void {
    assert(!this.#bankOperations, 'one other bank-operation owner');
    this.#bankOperations = handler;
  }

  /** The user's newest bank card with its gateway token, for payouts another domain makes. */
  async payoutCard(userId: string): Promise<{ id: string; label: string; token: string } | null> {
    const cards = await this.repo.listCards(userId);
    const card = cards[cards.length - 1];
    return card
      ? { id: card.id, label: `${card.bank_name} ••${card.last4}`, token: card.gateway_token }
      : null;
  }

  get #bank(): string {
    assert(this.#bankAccountId, 'the wallet was initialised');
    return this.#bankAccountId;
  }

  openWallet(db: Kysely<Database> | Transaction<Database>, userId: string): Promise<Account> {
    return this.ledger.openAccount(
      {
        currency: this.options.currency,
        code: AccountCode.userWallet,
        flags: AccountFlag.debitsMustNotExceedCredits,
        ownerRef: userId,
      },
      db,
    );
  }

  /** The user's wallet account (opened now for accounts older than wallets). */
  async wallet(userId: string): Promise<Account> {
    const found = await this.ledger.accountByOwner(AccountCode.userWallet, userId, this.options.currency);
    return found ?? this.openWallet(this.db, userId);
  }

  #announce(userIds: readonly string[]): void {
    this.options.announcer?.announce(userIds);
  }

  #day(): string {
    return limitDay(this.clock.now(), this.options.timeZone);
  }

  async summary(userId: string): Promise<WalletSummary> {
    const [user, account] = await Promise.all([this.identity.getUser(userId), this.wallet(userId)]);
    const tier = limitsFor(user.kyc_tier);
    const used = await this.repo.outflowOn(userId, this.#day());
    return {
      accountId: account.id,
      currency: account.currency,
      balanceMinor: wire(creditBalance(account)),
      availableMinor: wire(available(account)),
      incomingPendingMinor: wire(account.creditsPending),
      kycTier: user.kyc_tier as 0 | 1 | 2,
      limits: {
        singleTransferMaxMinor: wire(tier.singleTransferMaxMinor),
        dailyOutflowMaxMinor: wire(tier.dailyOutflowMaxMinor),
        dailyOutflowUsedMinor: wire(used),
        balanceMaxMinor: wire(tier.balanceMaxMinor),
      },
    };
  }

  /**
   * Credits a wallet from the bank settlement account without a card (an operator's grant:
   * demo balances, goodwill, promotions). Shown in history as a top-up with the note.
   */
  async operatorCredit(userId: string, amountMinor: bigint, note: string): Promise<void> {
    assert(amountMinor > 0n, 'a credit is positive');
    const account = await this.wallet(userId);
    const [result] = await this.ledger.submit([
      plainTransfer(newId(this.clock), this.#bank, account.id, amountMinor, 'topup', {
        kind: 'topup',
        to: userId,
        note,
      }),
    ]);
    expectOk(result);
    this.#announce([userId]);
  }

  // ── Cards ────────────────────────────────────────────────────────────────

  async addCard(
    userId: string,
    input: { bankName: string; cardNumber: string; holderName: string },
  ): Promise<BankCard> {
    const number = normalizeCardNumber(input.cardNumber);
    if (!isValidCardNumber(number))
      throw new DomainError('card_number_invalid', 'That card number is not valid.');
    const cards = await this.repo.listCards(userId);
    if (cards.length >= limits.bankCardsPerUserMax) {
      throw new DomainError('invalid_request', `At most ${limits.bankCardsPerUserMax} cards.`, {
        path: '/body/cardNumber',
      });
    }
    const row = {
      id: newId(this.clock),
      user_id: userId,
      bank_name: input.bankName.trim(),
      last4: number.slice(-4),
      holder_name: input.holderName.trim(),
      gateway_token: await this.gateway.tokenizeCard(number),
      created_at: this.clock.now(),
      removed_at: null,
    };
    await this.repo.insertCard(row);
    return toCard(row);
  }

  async cards(userId: string): Promise<BankCard[]> {
    return (await this.repo.listCards(userId)).map(toCard);
  }

  async removeCard(userId: string, id: string): Promise<void> {
    if (!(await this.repo.removeCard(userId, id, this.clock.now())))
      throw new DomainError('not_found', 'No such card.');
  }

  // ── Bank operations ──────────────────────────────────────────────────────

  /**
   * Top-up: the money is held as incoming (pending) while the bank charges the card, then
   * posted on its confirmation or released on its refusal.
   */
  async topUp(userId: string, input: { id: string; cardId: string; amountMinor: number }): Promise<TopUp> {
    const op = await this.#openBankOperation(userId, 'topup', input);
    if ('replay' in op) return op.replay;
    const { amount, user, card, account, requestHash } = op;
    const tier = limitsFor(user.kyc_tier);
    if (checkAmount(amount, user.kyc_tier)) {
      throw new DomainError(
        'invalid_amount',
        'The amount must be positive and within your per-payment limit.',
        {
          maxMinor: wire(tier.singleTransferMaxMinor),
        },
      );
    }
    const meta: TransferMeta = { kind: 'topup', to: userId };
    const hold = plainTransfer(input.id, this.#bank, account.id, amount, 'topup', meta, {
      flags: TransferFlag.pending,
      timeoutSeconds: limits.topUpHoldSeconds,
    });
    // Checked and held under a per-user lock, so that concurrent top-ups cannot together
    // take the balance over the maximum (a retry of a hold already made is not counted twice).
    const recorded = await this.db.transaction().execute(async (trx) => {
      await this.repo.lockTopUps(trx, userId);
      const [current] = await this.ledger.repo.findAccounts([account.id], trx);
      const [existing] = await this.ledger.repo.findTransfers([input.id], trx);
      assert(current, 'the wallet exists');
      if (!existing && creditBalance(current) + current.creditsPending + amount > tier.balanceMaxMinor) {
        throw new DomainError(
          'balance_limit_exceeded',
          'This would take your balance over the limit for your KYC tier.',
          {
            balanceMaxMinor: wire(tier.balanceMaxMinor),
          },
        );
      }
      const [result] = await this.ledger.applyInTransaction(trx, [hold]);
      expectOk(result);
      return this.#recordOperation(trx, userId, 'topup', input.id, card, amount, requestHash);
    });
    return this.#startOperation(recorded);
  }

  /** Withdrawal: the money is held while the bank pays out, then posted or released. */
  async withdraw(
    userId: string,
    input: { id: string; cardId: string; amountMinor: number; pin: string },
    meta: RequestMeta,
  ): Promise<TopUp> {
    const op = await this.#openBankOperation(userId, 'withdrawal', input);
    if ('replay' in op) return op.replay;
    const { amount, user, card, account, requestHash } = op;
    this.#checkAmount(amount, user.kyc_tier);
    await this.identity.verifyPin(userId, input.pin, meta);
    await this.#reserve(userId, amount, user.kyc_tier);
    const transferMeta: TransferMeta = { kind: 'withdrawal', from: userId };
    const hold = plainTransfer(input.id, account.id, this.#bank, amount, 'withdrawal', transferMeta, {
      flags: TransferFlag.pending,
      timeoutSeconds: limits.withdrawalHoldSeconds,
    });
    let started: { created: boolean; recorded: RecordedOperation };
    try {
      // The hold, the operation and its bank request commit together or not at all.
      started = await this.db.transaction().execute(async (trx) => {
        const [result] = await this.ledger.applyInTransaction(trx, [hold]);
        expectOk(result);
        const recorded = await this.#recordOperation(
          trx,
          userId,
          'withdrawal',
          input.id,
          card,
          amount,
          requestHash,
        );
        return { created: result?.status === 'ok', recorded };
      });
    } catch (error) {
      await this.repo.releaseOutflow(userId, this.#day(), amount);
      throw error;
    }
    // A concurrent retry of the same withdrawal: the original counted against the limit.
    if (!started.created) await this.repo.releaseOutflow(userId, this.#day(), amount);
    return this.#startOperation(started.recorded);
  }

  /** What a top-up and a withdrawal both start with: a replay, or the checked parties. */
  async #openBankOperation(
    userId: string,
    kind: 'topup' | 'withdrawal',
    input: { id: string; cardId: string; amountMinor: number },
  ): Promise<
    | { replay: TopUp }
    | { amount: bigint; user: UserRow; card: CardRow; account: Account; requestHash: string }
  > {
    const requestHash = sha256(JSON.stringify({ kind, cardId: input.cardId, amount: input.amountMinor }));
    const replay = await this.#replayOperation(userId, input.id, requestHash);
    if (replay) return { replay };
    const [user, card, account] = await Promise.all([
      this.identity.getUser(userId),
      this.repo.findCard(userId, input.cardId),
      this.wallet(userId),
    ]);
    if (!card) throw new DomainError('not_found', 'No such card.');
    return { amount: BigInt(input.amountMinor), user, card, account, requestHash };
  }

  /**
   * Records a bank operation (pending) and the job that sends its request, in the caller's
   * transaction. Returns the request to send, or null when the operation was already
   * recorded (a concurrent retry: its first call sends it).
   */
  async #recordOperation(
    trx: Transaction<Database>,
    userId: string,
    kind: 'topup' | 'withdrawal',
    id: string,
    card: { id: string; gateway_token: string },
    amount: bigint,
    requestHash: string,
  ): Promise<RecordedOperation> {
    const now = this.clock.now();
    const inserted = await this.repo.insertOperation(
      {
        id,
        user_id: userId,
        kind,
        card_id: card.id,
        amount,
        currency: this.options.currency,
        status: 'pending',
        failure_reason: null,
        request_hash: requestHash,
        created_at: now,
        completed_at: null,
      },
      trx,
    );
    if (!inserted) return { operationId: id, request: null, kind };
    const request: BankRequest = {
      operationId: id,
      cardToken: card.gateway_token,
      amountMinor: amount,
      currency: this.options.currency,
    };
    await this.scheduleBankRequest(trx, kind === 'topup' ? 'charge' : 'payout', request);
    return { operationId: id, request, kind };
  }

  /** After the commit: sends the request of an operation just recorded, and answers it. */
  async #startOperation(recorded: RecordedOperation): Promise<TopUp> {
    if (recorded.request) {
      await this.sendBankRequest(recorded.kind === 'topup' ? 'charge' : 'payout', recorded.request);
    }
    const op = await this.repo.findOperation(recorded.operationId);
    assert(op, 'the operation exists after it was started');
    return toOperation(op);
  }

  // ── Bank requests ─────────────────────────────────────────────────────────

  /**
   * Records, in the transaction that creates a bank operation (a top-up, a withdrawal, a
   * merchant's settlement), that its request must reach the bank: a durable job sends it
   * `bankRequestRetrySeconds` later unless `sendBankRequest` got it there first. So a request
   * is not lost when the gateway fails or the process stops between the commit and the call.
   * The bank takes each operation id once, so a request sent twice is harmless.
   */
  async scheduleBankRequest(
    trx: Transaction<Database>,
    kind: BankRequestJob['kind'],
    request: BankRequest,
  ): Promise<void> {
    const now = this.clock.now();
    const payload: BankRequestJob = { ...request, kind, amountMinor: request.amountMinor.toString() };
    await scheduleJob(
      trx,
      {
        kind: BANK_REQUEST_JOB,
        key: request.operationId,
        runAt: addSeconds(now, limits.bankRequestRetrySeconds),
        payload,
      },
      now,
    );
  }

  /**
   * Sends a request recorded by `scheduleBankRequest` now and drops its job once the bank has
   * it. A failure is logged, not thrown: the operation is recorded and its job sends it again.
   */
  async sendBankRequest(kind: BankRequestJob['kind'], request: BankRequest): Promise<void> {
    try {
      await this.#toBank(kind, request);
    } catch (error) {
      this.logger.warn(
        { err: error, operationId: request.operationId },
        'bank request failed; its job will send it again',
      );
      return;
    }
    await cancelJob(this.db, BANK_REQUEST_JOB, request.operationId);
  }

  registerJobs(jobs: JobRunner): void {
    jobs.register(BANK_REQUEST_JOB, async (job: Job<BankRequestJob>) => {
      const { kind, amountMinor, ...rest } = job.payload;
      const request: BankRequest = { ...rest, amountMinor: BigInt(amountMinor) };
      // A throw leaves the job to run again later (backoff).
      await this.#toBank(kind, request);
      return undefined;
    });
  }

  #toBank(kind: BankRequestJob['kind'], request: BankRequest): Promise<void> {
    return kind === 'charge' ? this.gateway.charge(request) : this.gateway.payout(request);
  }

  async #replayOperation(userId: string, id: string, requestHash: string): Promise<TopUp | null> {
    const op = await this.repo.findOperation(id);
    if (!op) return null;
    if (op.user_id !== userId || op.request_hash !== requestHash) {
      throw new DomainError('idempotency_conflict', 'This request id was already used for something else.');
    }
    return toOperation(op);
  }

  async operation(userId: string, id: string, kind: 'topup' | 'withdrawal'): Promise<TopUp> {
    const op = await this.repo.findOperation(id);
    if (!op || op.user_id !== userId || op.kind !== kind)
      throw new DomainError('not_found', 'No such operation.');
    return toOperation(op);
  }

  /**
   * A bank callback: signature and age checked first; an unknown or finished operation
   * changes nothing, so replays and duplicates are harmless.
   */
  async handleBankCallback(
    body: string,
    signatureHeader: string | undefined,
  ): Promise<'applied' | 'ignored'> {
    const sig = parseBankSignature(signatureHeader);
    const nowSeconds = Math.floor(this.clock.now().getTime() / 1000);
    if (!sig || Math.abs(nowSeconds - sig.t) > limits.bankCallbackToleranceSeconds) {
      throw new DomainError('signature_invalid', 'The callback signature is missing or too old.');
    }
    const expected = hmacHex(await this.secrets.get('bank_callback'), `${sig.t}.${body}`);
    if (!sameSignature(expected, sig.v1))
      throw new DomainError('signature_invalid', 'The callback signature does not match.');
    let cb: BankCallback;
    try {
      cb = JSON.parse(body) as BankCallback;
    } catch {
      throw new DomainError('invalid_request', 'The callback body is not JSON.', { path: '/body' });
    }
    if (
      typeof cb !== 'object' ||
      cb === null ||
      typeof cb.operationId !== 'string' ||
      !isUuid(cb.operationId)
    ) {
      throw new DomainError('invalid_request', 'The callback names no operation.', {
        path: '/body/operationId',
      });
    }
    const op = await this.repo.findOperation(cb.operationId);
    if (!op && this.#bankOperations) return this.#bankOperations(cb);
    if (op?.status !== 'pending') return 'ignored';
    if (cb.amountMinor !== op.amount.toString() || cb.currency !== op.currency) {
      this.logger.error({ operationId: op.id }, 'bank callback does not match the operation; ignored');
      return 'ignored';
    }
    const succeeded = cb.status === 'succeeded';
    const step: TransferInput = {
      id: derivedId(sha256(`${op.id}:${succeeded ? 'post' : 'void'}`)),
      debitAccountId: '',
      creditAccountId: '',
      amount: 0n,
      code: op.kind,
      flags: succeeded ? TransferFlag.postPending : TransferFlag.voidPending,
      pendingId: op.id,
      timeoutSeconds: 0,
      userData: null,
    };
    const [result] = await this.ledger.submit([step]);
    let status: 'succeeded' | 'failed' = succeeded ? 'succeeded' : 'failed';
    let reason = succeeded ? null : (cb.reason ?? 'bank_error');
    if (result?.status === 'failed') {
      if (result.code === 'pending_transfer_expired' || result.code === 'pending_transfer_already_voided') {
        status = 'failed';
        reason = 'expired';
      } else if (result.code !== 'pending_transfer_already_posted') {
        throw new Error(`bank callback could not be applied: ${result.code}`);
      }
    }
    const finished = await this.repo.finishOperation(op.id, status, reason, this.clock.now());
    if (!finished) return 'ignored';
    if (op.kind === 'withdrawal' && status === 'failed') {
      await this.repo.releaseOutflow(op.user_id, limitDay(op.created_at, this.options.timeZone), op.amount);
    }
    await writeOutbox(
      this.db,
      [
        {
          topic: `wallet.${op.kind}_${status}`,
          audience: [op.user_id],
          payload: { operation: toOperation(finished) },
        },
      ],
      this.clock.now(),
    );
    this.#announce([op.user_id]);
    return 'applied';
  }

  // ── Transfers ────────────────────────────────────────────────────────────

  async resolvePayee(ref: PayeeRef): Promise<{ user: UserRow; amountMinor: bigint | null }> {
    const given = [ref.userId, ref.username, ref.phone, ref.qr].filter((x) => x !== undefined);
    if (given.length !== 1) {
      throw new DomainError('invalid_request', 'Name the payee one way: userId, username, phone or qr.', {
        path: '/body/to',
      });
    }
    if (ref.qr !== undefined) {
      const qr = await this.#verifyQr(ref.qr);
      return { user: await this.identity.getUser(qr.userId), amountMinor: qr.amountMinor };
    }
    const user =
      ref.userId !== undefined
        ? await this.identity.repo.findUserById(ref.userId)
        : await this.identity.findByLogin(ref.username ?? ref.phone ?? '');
    if (!user) throw new DomainError('not_found', 'No such user.');
    return { user, amountMinor: null };
  }

  #checkAmount(amount: bigint, tier: number): void {
    const problem = checkAmount(amount, tier);
    if (problem) {
      throw new DomainError(
        'invalid_amount',
        problem === 'not_positive'
          ? 'The amount must be positive.'
          : 'The amount is above your per-payment limit.',
        { maxMinor: wire(limitsFor(tier).singleTransferMaxMinor) },
      );
    }
  }

  /**
   * For payments another domain makes from this user's wallet (family pay): counts them
   * against today's outflow limit of the user's tier, or throws `daily_limit_exceeded`.
   * Give it back with `releaseDailyOutflow` if the money does not move.
   */
  async reserveDailyOutflow(userId: string, amount: bigint, tier: number): Promise<void> {
    await this.#reserve(userId, amount, tier);
  }

  async releaseDailyOutflow(userId: string, amount: bigint): Promise<void> {
    await this.repo.releaseOutflow(userId, this.#day(), amount);
  }

  /**
   * Gives back to the daily outflow of the day it was counted on money that came back to
   * its payer without moving (a transfer card returned or not accepted, what is left of a red
   * packet), in the caller's transaction.
   */
  async giveBackDailyOutflow(
    trx: Transaction<Database>,
    userId: string,
    amount: bigint,
    countedAt: Date,
  ): Promise<void> {
    await this.repo.releaseOutflow(userId, limitDay(countedAt, this.options.timeZone), amount, trx);
  }

  async #reserve(userId: string, amount: bigint, tier: number): Promise<void> {
    const limit = limitsFor(tier).dailyOutflowMaxMinor;
    if (!(await this.repo.reserveOutflow(userId, this.#day(), amount, limit))) {
      const used = await this.repo.outflowOn(userId, this.#day());
      throw new DomainError('daily_limit_exceeded', 'This would go over your daily limit.', {
        dailyLimitMinor: wire(limit),
        remainingMinor: wire(limit > used ? limit - used : 0n),
      });
    }
  }

  /**
   * Sends money to another user. A retry with the same id answers the original transfer
   * (created: false) without asking for the PIN again; the same id with a different body is
   * an idempotency conflict. Nothing moves unless every rule holds.
   */
  async transfer(
    payerId: string,
    input: {
      id: string;
      to: PayeeRef;
      amountMinor: number;
      note?: string | undefined;
      pin: string;
      grantId?: string | undefined;
    },
    meta: RequestMeta,
    kind: 'transfer' | 'paycode' = 'transfer',
  ): Promise<{ transfer: Transfer; created: boolean }> {
    await this.#refuseGrant(payerId, input.grantId);
    const { user: payee, amountMinor: fixedAmount } = await this.resolvePayee(input.to);
    if (payee.id === payerId) throw new DomainError('cannot_pay_self', 'You cannot pay yourself.');
    if (fixedAmount !== null && fixedAmount !== BigInt(input.amountMinor)) {
      throw new DomainError('invalid_amount', 'This QR code asks for a fixed amount.', {
        amountMinor: wire(fixedAmount),
      });
    }
    const [payer, from, to] = await Promise.all([
      this.identity.getUser(payerId),
      this.wallet(payerId),
      this.wallet(payee.id),
    ]);
    const amount = BigInt(input.amountMinor);
    const t = plainTransfer(input.id, from.id, to.id, amount, kind === 'paycode' ? 'paycode' : 'p2p', {
      kind,
      from: payerId,
      to: payee.id,
      note: input.note?.trim() ?? '',
    });
    const replay = await this.#replayTransfer(t);
    if (replay) return { transfer: await this.#toTransfer(replay), created: false };
    this.#checkAmount(amount, payer.kyc_tier);
    await this.identity.verifyPin(payerId, input.pin, meta);
    return this.#send(payer, payee, t, amount);
  }

  /** Waits (briefly) for a concurrent copy of `t` to reach the ledger. */
  async #awaitTransfer(t: TransferInput): Promise<LedgerTransfer | null> {
    for (let i = 0; i < limits.concurrentCopyWaitPolls; i++) {
      const replay = await this.#replayTransfer(t);
      if (replay) return replay;
      await new Promise((resolve) => setTimeout(resolve, limits.concurrentCopyPollIntervalMs));
    }
    return null;
  }

  async #replayTransfer(t: TransferInput): Promise<LedgerTransfer | null> {
    const [existing] = await this.ledger.transfers([t.id]);
    if (!existing) return null;
    if (!sameFingerprint(existing.fingerprint, t)) {
      throw new DomainError('idempotency_conflict', 'This request id was already used for something else.');
    }
    return existing;
  }

  async #send(
    payer: UserRow,
    payee: UserRow,
    t: TransferInput,
    amount: bigint,
  ): Promise<{ transfer: Transfer; created: boolean }> {
    if (!(await this.repo.claim(t.id, this.clock.now()))) {
      // Another copy of this request is on its way: its answer is this one's answer.
      const replay = await this.#awaitTransfer(t);
      if (replay) return { transfer: await this.#toTransfer(replay), created: false };
    }
    await this.#reserve(payer.id, amount, payer.kyc_tier);
    let result: TransferResult | undefined;
    try {
      [result] = await this.ledger.submit([t], (results) =>
        results[0]?.status === 'ok' ? [this.#receivedEvent(payer, payee, t)] : [],
      );
    } catch (error) {
      await this.repo.releaseOutflow(payer.id, this.#day(), amount);
      throw error;
    }
    if (result?.status !== 'ok') await this.repo.releaseOutflow(payer.id, this.#day(), amount);
    else this.#announce([payer.id, payee.id]);
    const stored = expectOk(result);
    return { transfer: await this.#toTransfer(stored), created: result?.status === 'ok' };
  }

  #receivedEvent(payer: UserRow, payee: UserRow, t: TransferInput): OutboxEvent {
    const meta = JSON.parse(t.userData ?? '{}') as TransferMeta;
    return {
      topic: 'wallet.payment_received',
      audience: [payee.id, payer.id],
      payload: {
        transferId: t.id,
        kind: meta.kind,
        from: party(payer),
        to: party(payee),
        amountMinor: wire(t.amount),
        currency: this.options.currency,
        note: meta.note ?? '',
      },
    };
  }

  async #toTransfer(t: LedgerTransfer): Promise<Transfer> {
    const meta = JSON.parse(t.userData ?? '{}') as TransferMeta;
    const users = await this.identity.usersByIds([meta.from ?? '', meta.to ?? ''].filter(Boolean));
    const from = users.get(meta.from ?? '');
    const to = users.get(meta.to ?? '');
    assert(from && to, 'a transfer names both users');
    return {
      id: t.id,
      from: party(from),
      to: party(to),
      amountMinor: wire(t.amount),
      currency: t.currency,
      note: meta.note ?? '',
      createdAt: t.timestamp.toISOString(),
    };
  }

  /** A transfer the user took part in; anyone else's is not found. */
  async getTransfer(userId: string, id: string): Promise<Transfer> {
    const [t] = await this.ledger.transfers([id]);
    const meta = t ? (JSON.parse(t.userData ?? '{}') as TransferMeta) : undefined;
    if (
      !t ||
      !meta ||
      (meta.kind !== 'transfer' && meta.kind !== 'paycode') ||
      (meta.from !== userId && meta.to !== userId)
    ) {
      throw new DomainError('not_found', 'No such transfer.');
    }
    return this.#toTransfer(t);
  }

  // ── Money requests ───────────────────────────────────────────────────────

  async createRequest(
    requesterId: string,
    input: { id: string; from: PayeeRef; amountMinor: number; note?: string | undefined },
  ): Promise<{ request: PaymentRequest; created: boolean }> {
    const { user: payer } = await this.resolvePayee(input.from);
    if (payer.id === requesterId)
      throw new DomainError('cannot_pay_self', 'You cannot ask yourself for money.');
    const requestHash = sha256(
      JSON.stringify({ from: payer.id, amount: input.amountMinor, note: input.note ?? '' }),
    );
    const existing = await this.repo.findRequest(input.id);
    if (existing) {
      if (existing.requester_id !== requesterId || existing.request_hash !== requestHash) {
        throw new DomainError('idempotency_conflict', 'This request id was already used for something else.');
      }
      return { request: await this.#toRequest(existing), created: false };
    }
    const requester = await this.identity.getUser(requesterId);
    this.#checkAmount(BigInt(input.amountMinor), requester.kyc_tier);
    const now = this.clock.now();
    const row: PaymentRequestRow = {
      id: input.id,
      requester_id: requesterId,
      payer_id: payer.id,
      amount: BigInt(input.amountMinor),
      currency: this.options.currency,
      note: input.note?.trim() ?? '',
      status: 'pending',
      transfer_id: null,
      request_hash: requestHash,
      created_at: now,
      expires_at: addSeconds(now, limits.paymentRequestTtlSeconds),
      decided_at: null,
    };
    const inserted = await this.repo.insertRequest(row);
    if (!inserted) return this.createRequest(requesterId, input);
    const request = await this.#toRequest(row);
    await writeOutbox(
      this.db,
      [{ topic: 'wallet.request_received', audience: [payer.id, requesterId], payload: { request } }],
      now,
    );
    this.#announce([payer.id, requesterId]);
    return { request, created: true };
  }

  async requests(userId: string, role: 'incoming' | 'outgoing'): Promise<PaymentRequest[]> {
    const rows = await this.repo.listRequests(userId, role, 100);
    return Promise.all(rows.map((r) => this.#toRequest(r)));
  }

  async #visibleRequest(userId: string, id: string): Promise<PaymentRequestRow> {
    const row = await this.repo.findRequest(id);
    if (!row || (row.payer_id !== userId && row.requester_id !== userId))
      throw new DomainError('not_found', 'No such request.');
    return row;
  }

  /**
   * Pays a request: under a lock on the request, the money moves and the request becomes
   * paid in one transaction, so two payments of one request cannot both go through.
   */
  async payRequest(
    userId: string,
    id: string,
    input: { transferId: string; pin: string },
    meta: RequestMeta,
  ): Promise<PaymentRequest> {
    const row = await this.#visibleRequest(userId, id);
    if (row.payer_id !== userId) throw new DomainError('not_found', 'No such request.');
    if (row.status === 'paid' && row.transfer_id === input.transferId) return this.#toRequest(row);
    this.#assertPending(row);
    const [payer, requester, from, to] = await Promise.all([
      this.identity.getUser(row.payer_id),
      this.identity.getUser(row.requester_id),
      this.wallet(row.payer_id),
      this.wallet(row.requester_id),
    ]);
    this.#checkAmount(row.amount, payer.kyc_tier);
    await this.identity.verifyPin(userId, input.pin, meta);
    await this.#reserve(userId, row.amount, payer.kyc_tier);
    const t = plainTransfer(input.transferId, from.id, to.id, row.amount, 'p2p', {
      kind: 'transfer',
      from: payer.id,
      to: requester.id,
      note: row.note,
      requestId: row.id,
    });
    try {
      const paid = await this.db
        .transaction()
        .execute(async (trx): Promise<{ replay: PaymentRequestRow } | { paid: PaymentRequestRow }> => {
          const locked = await this.repo.lockRequest(trx, id);
          assert(locked, 'the request exists');
          // A concurrent retry of this very payment finds it done: the original answer.
          if (locked.status === 'paid' && locked.transfer_id === input.transferId) {
            return { replay: locked };
          }
          this.#assertPending(locked);
          const [result] = await this.ledger.applyInTransaction(trx, [t]);
          expectOk(result);
          const updated = await this.repo.decideRequest(trx, id, 'paid', this.clock.now(), t.id);
          assert(updated, 'a locked pending request can be decided');
          await writeOutbox(trx, [this.#receivedEvent(payer, requester, t)], this.clock.now());
          return { paid: updated as PaymentRequestRow };
        });
      if ('replay' in paid) {
        await this.repo.releaseOutflow(userId, this.#day(), row.amount);
        return this.#toRequest(paid.replay);
      }
      this.#announce([row.payer_id, row.requester_id]);
      return this.#toRequest(paid.paid);
    } catch (error) {
      await this.repo.releaseOutflow(userId, this.#day(), row.amount);
      throw error;
    }
  }

  #assertPending(row: PaymentRequestRow): void {
    if (row.status !== 'pending' || row.expires_at.getTime() <= this.clock.now().getTime()) {
      throw new DomainError('request_not_pending', 'This request was already settled or has expired.', {
        status: this.#status(row),
      });
    }
  }

  #status(row: PaymentRequestRow): PaymentRequest['status'] {
    return row.status === 'pending' && row.expires_at.getTime() <= this.clock.now().getTime()
      ? 'expired'
      : row.status;
  }

  async declineRequest(userId: string, id: string): Promise<PaymentRequest> {
    return this.#decide(userId, id, 'payer', 'declined');
  }

  async cancelRequest(userId: string, id: string): Promise<PaymentRequest> {
    return this.#decide(userId, id, 'requester', 'cancelled');
  }

  async #decide(
    userId: string,
    id: string,
    who: 'payer' | 'requester',
    status: 'declined' | 'cancelled',
  ): Promise<PaymentRequest> {
    const row = await this.#visibleRequest(userId, id);
    if ((who === 'payer' ? row.payer_id : row.requester_id) !== userId)
      throw new DomainError('not_found', 'No such request.');
    if (row.status === status) return this.#toRequest(row);
    this.#assertPending(row);
    const updated = await this.repo.decideRequest(this.db, id, status, this.clock.now());
    if (!updated) {
      const now = await this.repo.findRequest(id);
      assert(now, 'the request exists');
      throw new DomainError('request_not_pending', 'This request was already settled.', {
        status: this.#status(now),
      });
    }
    return this.#toRequest(updated);
  }

  async #toRequest(row: PaymentRequestRow): Promise<PaymentRequest> {
    const users = await this.identity.usersByIds([row.requester_id, row.payer_id]);
    const requester = users.get(row.requester_id);
    const payer = users.get(row.payer_id);
    assert(requester && payer, 'both sides of a request exist');
    return {
      id: row.id,
      requester: party(requester),
      payer: party(payer),
      amountMinor: wire(row.amount),
      currency: row.currency,
      note: row.note,
      status: this.#status(row),
      transferId: row.transfer_id,
      createdAt: row.created_at.toISOString(),
      expiresAt: row.expires_at.toISOString(),
    };
  }

  // ── QR codes and pay codes ───────────────────────────────────────────────

  async receiveQr(userId: string, amountMinor: number | undefined): Promise<ReceiveQr> {
    const fields = { userId, amountMinor: amountMinor === undefined ? null : BigInt(amountMinor) };
    const message = qrMessage(fields);
    const signature = hmacHex(await this.secrets.get('receive_qr'), message).slice(0, 32);
    return { payload: `${message}:${signature}`, amountMinor: amountMinor ?? null };
  }

  async #verifyQr(payload: string): Promise<{ userId: string; amountMinor: bigint | null }> {
    const parsed = parseQr(payload);
    if (!parsed) throw new DomainError('qr_invalid', 'This is not a Jiaozi payment code.');
    const expected = hmacHex(await this.secrets.get('receive_qr'), parsed.message).slice(0, 32);
    if (!sameSignature(expected, parsed.signature))
      throw new DomainError('qr_invalid', 'This payment code is not genuine.');
    return parsed.fields;
  }

  async resolveQr(payload: string): Promise<ResolvedQr> {
    const qr = await this.#verifyQr(payload);
    const user = await this.identity.repo.findUserById(qr.userId);
    if (!user) throw new DomainError('qr_invalid', 'This payment code belongs to no one.');
    return { payee: party(user), amountMinor: qr.amountMinor === null ? null : wire(qr.amountMinor) };
  }

  /** A one-time pay code; with `grantId`, a charge of it pays through that family-pay grant. */
  async payCode(userId: string, grantId?: string): Promise<PayCode> {
    await this.identity.getUser(userId);
    if (grantId !== undefined) {
      if (!this.#grants) throw new DomainError('not_found', 'No such grant.');
      await this.#grants.assertUsable(userId, grantId);
    }
    let digits = '';
    for (let i = 0; i < 16; i++) digits += String(randomInt(10));
    const code = formatPayCode(digits);
    const now = this.clock.now();
    const expiresAt = addSeconds(now, limits.paycodeTtlSeconds);
    await this.repo.insertPaycode(sha256(code), userId, now, expiresAt, grantId ?? null);
    return { code, expiresAt: expiresAt.toISOString() };
  }

  /** A merchant charges a customer's pay code: valid once, for 60 seconds, no PIN. */
  async chargePayCode(
    merchantId: string,
    input: { id: string; code: string; amountMinor: number; note?: string | undefined },
  ): Promise<{ transfer: Transfer; created: boolean }> {
    const [existing] = await this.ledger.transfers([input.id]);
    if (existing) {
      const meta = JSON.parse(existing.userData ?? '{}') as TransferMeta;
      if (
        meta.kind !== 'paycode' ||
        meta.to !== merchantId ||
        existing.amount !== BigInt(input.amountMinor)
      ) {
        throw new DomainError('idempotency_conflict', 'This request id was already used for something else.');
      }
      return { transfer: await this.#toTransfer(existing), created: false };
    }
    if (!isPayCodeShape(input.code)) throw new DomainError('paycode_invalid', 'That is not a pay code.');
    const codeHash = sha256(input.code);
    const usedAt = this.clock.now();
    const consumed = await this.repo.consumePaycode(codeHash, input.id, usedAt);
    const payerId = consumed?.user_id;
    if (!payerId) {
      // A concurrent copy of this very charge may hold the code: wait for its answer.
      for (let i = 0; i < 50 && (await this.repo.paycodeCharge(codeHash)) === input.id; i++) {
        const [charged] = await this.ledger.transfers([input.id]);
        if (charged) return this.chargePayCode(merchantId, input);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      throw new DomainError('paycode_invalid', 'The pay code is unknown, expired or already used.');
    }
    try {
      if (payerId === merchantId)
        throw new DomainError('cannot_pay_self', 'You cannot charge your own pay code.');
      if (consumed.grant_id) {
        assert(this.#grants, 'a grant pay code was issued with family pay wired');
        const stored = await this.#grants.charge({
          grantId: consumed.grant_id,
          granteeId: payerId,
          merchantId,
          transferId: input.id,
          amountMinor: BigInt(input.amountMinor),
          note: input.note?.trim() ?? '',
        });
        return { transfer: await this.#toTransfer(stored), created: true };
      }
      const [payer, merchant, from, to] = await Promise.all([
        this.identity.getUser(payerId),
        this.identity.getUser(merchantId),
        this.wallet(payerId),
        this.wallet(merchantId),
      ]);
      const amount = BigInt(input.amountMinor);
      this.#checkAmount(amount, payer.kyc_tier);
      const t = plainTransfer(input.id, from.id, to.id, amount, 'paycode', {
        kind: 'paycode',
        from: payerId,
        to: merchantId,
        note: input.note?.trim() ?? '',
      });
      return await this.#send(payer, merchant, t, amount);
    } catch (error) {
      // A charge that moved nothing leaves the customer's code usable until it expires.
      if (error instanceof DomainError) await this.repo.restorePaycode(codeHash, usedAt);
      throw error;
    }
  }

  // ── History ──────────────────────────────────────────────────────────────

  async history(
    userId: string,
    query: {
      cursor?: string;
      limit?: number;
      kind?: string;
      direction?: 'in' | 'out';
      from?: string;
      to?: string;
      counterparty?: string;
    },
  ): Promise<HistoryPage> {
    const account = await this.wallet(userId);
    const limit = Math.min(query.limit ?? limits.historyPageDefault, limits.historyPageMax);
    const before = query.cursor ? decodeCursor(query.cursor) : undefined;
    if (before === null)
      throw new DomainError('invalid_request', 'The cursor is not valid.', { path: '/querystring/cursor' });
    const filters: HistoryFilters = {
      kind: query.kind,
      direction: query.direction,
      from: query.from ? new Date(query.from) : undefined,
      to: query.to ? new Date(query.to) : undefined,
      counterparty: query.counterparty,
      before: before?.version,
    };
    const rows = await this.repo.history(account.id, filters, limit + 1);
    const page = rows.slice(0, limit);
    const items = await this.#toHistory(page);
    const last = page[page.length - 1];
    return { items, nextCursor: rows.length > limit && last ? encodeCursor(last.account_version) : null };
  }

  async historyItem(userId: string, id: string): Promise<HistoryItem> {
    const account = await this.wallet(userId);
    const row = await this.repo.historyItem(account.id, id);
    if (!row) throw new DomainError('not_found', 'No such entry.');
    const [item] = await this.#toHistory([row]);
    assert(item, 'one item per row');
    return item;
  }

  async *historyCsv(
    userId: string,
    query: { kind?: string; direction?: 'in' | 'out'; from?: string; to?: string; counterparty?: string },
  ): AsyncGenerator<string> {
    yield csvRow([
      'time',
      'id',
      'kind',
      'direction',
      'amount',
      'currency',
      'status',
      'counterparty',
      'note',
      'balance_after',
    ]);
    let cursor: string | undefined;
    let rows = 0;
    const money = (m: number) =>
      isCurrencyCode(this.options.currency) ? formatPlain(minor(m), this.options.currency) : String(m);
    do {
      const page = await this.history(userId, {
        ...query,
        limit: limits.historyPageMax,
        ...(cursor ? { cursor } : {}),
      });
      for (const item of page.items) {
        yield csvRow([
          item.createdAt,
          item.id,
          item.kind,
          item.direction,
          `${item.direction === 'out' ? '-' : ''}${money(item.amountMinor)}`,
          item.currency,
          item.status,
          item.counterpartyLabel,
          item.note,
          item.balanceAfterMinor === null ? '' : money(item.balanceAfterMinor),
        ]);
        rows += 1;
      }
      cursor = page.nextCursor ?? undefined;
    } while (cursor && rows < limits.historyExportRowsMax);
  }

  async monthly(userId: string, months: number): Promise<MonthlyTotals> {
    const account = await this.wallet(userId);
    const n = Math.min(Math.max(months, 1), limits.monthlyTotalsMonthsMax);
    const now = this.clock.now();
    const since = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - n, 1));
    const rows = await this.repo.monthly(account.id, since, this.options.timeZone);
    const byMonth = new Map(rows.map((r) => [r.month, r]));
    const out: MonthlyTotals['months'] = [];
    for (let i = n - 1; i >= 0; i--) {
      const month = limitDay(
        new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - i, 15)),
        this.options.timeZone,
      ).slice(0, 7);
      const r = byMonth.get(month);
      out.push({
        month,
        inMinor: wire(BigInt(String(r?.in_minor ?? 0))),
        outMinor: wire(BigInt(String(r?.out_minor ?? 0))),
      });
    }
    return { months: out };
  }

  async #toHistory(rows: readonly HistoryRow[]): Promise<HistoryItem[]> {
    const metas = rows.map((r) => JSON.parse(r.user_data ?? '{}') as TransferMeta);
    const users = await this.identity.usersByIds(
      metas.flatMap((m) => [m.from ?? '', m.to ?? '']).filter(Boolean),
    );
    return rows.map((r, i) => {
      const meta = metas[i] as TransferMeta;
      const otherId = r.outgoing ? meta.to : meta.from;
      const other = otherId ? users.get(otherId) : undefined;
      const bank = r.bank_name ? `${r.bank_name} ••${r.card_last4}` : 'Bank card';
      const pending = (r.flags & TransferFlag.pending) !== 0;
      const status: HistoryItem['status'] = !pending
        ? 'completed'
        : r.state === 'posted'
          ? 'completed'
          : r.state === 'pending'
            ? 'pending'
            : meta.kind === 'chat_transfer'
              ? 'returned'
              : 'failed';
      const isBank = meta.kind === 'topup' || meta.kind === 'withdrawal';
      const isFund = meta.kind === 'fund';
      // A red packet's own sending has no single counterparty: it went to a chat.
      const isPacket = (meta.kind === 'red_packet' && !meta.to) || meta.kind === 'red_packet_refund';
      const isMiniapp = meta.kind === 'miniapp';
      return {
        id: r.id,
        kind: meta.kind === 'miniapp' ? 'paycode' : (meta.kind ?? 'transfer'),
        direction: r.outgoing ? 'out' : 'in',
        amountMinor: wire(r.post_amount ?? r.amount),
        currency: r.currency,
        status,
        counterparty: !isBank && !isFund && !isPacket && !isMiniapp && other ? party(other) : null,
        counterpartyLabel: isBank
          ? bank
          : isFund
            ? 'Money fund'
            : isPacket
              ? 'Red packet'
              : isMiniapp
                ? (meta.merchantName ?? '')
                : (other?.display_name ?? ''),
        note: meta.note ?? '',
        reference: meta.requestId
          ? { type: 'payment_request', id: meta.requestId }
          : meta.conversationId
            ? { type: 'conversation', id: meta.conversationId }
            : meta.orderId
              ? { type: 'miniapp_order', id: meta.orderId }
              : null,
        balanceAfterMinor: r.balance_after === null ? null : wire(r.balance_after),
        createdAt: r.created_at.toISOString(),
      };
    });
  }
}

function toCard(row: {
  id: string;
  bank_name: string;
  last4: string;
  holder_name: string;
  created_at: Date;
}): BankCard {
  return {
    id: row.id,
    bankName: row.bank_name,
    last4: row.last4,
    holderName: row.holder_name,
    createdAt: row.created_at.toISOString(),
  };
}

function toOperation(op: {
  id: string;
  card_id: string;
  amount: bigint;
  currency: string;
  status: 'pending' | 'succeeded' | 'failed';
  failure_reason: string | null;
  created_at: Date;
  completed_at: Date | null;
}): TopUp {
  return {
    id: op.id,
    cardId: op.card_id,
    amountMinor: wire(op.amount),
    currency: op.currency,
    status: op.status,
    failureReason: op.failure_reason,
    createdAt: op.created_at.toISOString(),
    completedAt: op.completed_at?.toISOString() ?? null,
  };
}
