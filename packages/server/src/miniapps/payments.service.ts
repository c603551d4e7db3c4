import { createHash, createHmac } from 'node:crypto';
import type {
  CreateOrderRequest,
  CreateOrderResponse,
  CreateRefundRequest,
  CreateSettlementRequest,
  EventList,
  MerchantBalance,
  Order,
  PaymentPreview,
  PayOrderRequest,
  PayOrderResponse,
  Refund,
  RefundList,
  Settlement,
  WebhookEvent,
} from '@jiaozi/protocol';
import type { Kysely, Transaction } from 'kysely';
import type { FamilyPayService } from '../familypay/familypay.service.js';
import type { IdentityService, RequestMeta } from '../identity/identity.service.js';
import { addSeconds, type Clock } from '../kernel/clock.js';
import { assert, DomainError } from '../kernel/errors.js';
import { newId } from '../kernel/ids.js';
import * as limits from '../kernel/limits.js';
import type { Logger } from '../kernel/logger.js';
import {
  type Account,
  AccountCode,
  AccountFlag,
  available,
  creditBalance,
  type LedgerService,
  type Transfer as LedgerTransfer,
  plainTransfer,
  TransferFlag,
  type TransferInput,
  type TransferResult,
} from '../ledger/ledger.service.js';
import type { Database } from '../platform/db/schema.js';
import { cancelJob, type Job, type JobOutcome, scheduleJob } from '../platform/jobs/jobs.js';
import type { Announcer } from '../platform/outbox/announcer.js';
import { type OutboxEvent, writeOutbox } from '../platform/outbox/outbox.js';
import type { Secrets } from '../platform/secrets/secrets.js';
import type { BankCallback } from '../wallet/bank-gateway.js';
import { checkAmount, derivedId, limitsFor } from '../wallet/wallet.core.js';
import type { WalletService } from '../wallet/wallet.service.js';
import {
  closeDecision,
  currencyOf,
  decodeSeqCursor,
  encodeSeqCursor,
  isIdempotencyKey,
  orderInputProblem,
  orderStatusAt,
  payRefusal,
  refundRefusal,
  requestFingerprint,
  shouldExpire,
} from './payments.core.js';
import {
  type Mode,
  type OrderRow,
  type PayingApp,
  PaymentsRepository,
  type RefundRow,
  type SettlementRow,
} from './payments.repository.js';
import { WebhookService } from './webhooks.service.js';

/** The job kind that expires an open order (key: the order id). */
export const ORDER_EXPIRE_JOB = 'miniapps.order_expire';

/** Who is calling the merchant API: an app, in the mode of the key it used. */
export interface MerchantCaller {
  appId: string;
  mode: Mode;
}

/** What payments need of the registry (SERVER side of the same domain). */
export interface OpenidDirectory {
  userIdForOpenid(appId: string, openid: string): Promise<string | null>;
}

export interface PaymentsOptions {
  /** The live currency (the wallet's). */
  currency: string;
  announcer?: Announcer;
  /** Let webhooks reach loopback and private addresses (`WEBHOOK_ALLOW_PRIVATE_NETWORKS`). */
  allowPrivateWebhooks?: boolean;
}

const TOKEN_SECRET = 'miniapp_payment_token';
const FAUCET_OWNER = 'system:test-faucet';
const BANK_OWNER = 'system:bank';

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function wire(amount: bigint): number {
  assert(amount >= 0n && amount <= BigInt(Number.MAX_SAFE_INTEGER), 'amount fits the wire');
  return Number(amount);
}

function conflict(): DomainError {
  return new DomainError(
    'idempotency_conflict',
    'This Idempotency-Key was already used with a different request. Use a new key for a new request.',
  );
}

/** Thrown inside a transaction to roll it back when a concurrent request took the same key. */
class KeyTaken extends Error {}

/**
 * Mini-app payments: merchant servers create orders (idempotently) for a user's openid; the
 * host shows the order and the user pays it with their PIN from their wallet or through a
 * family-pay grant; the money moves to the app's merchant account (one per mode) in the
 * transaction that marks the order paid and writes the webhook event. Refunds go back the
 * same way, settlements leave through the wallet's bank requests, and open orders expire by a job.
 */
export class PaymentsService {
  readonly repo: PaymentsRepository;
  readonly webhooks: WebhookService;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    logger: Logger,
    private readonly ledger: LedgerService,
    private readonly identity: IdentityService,
    private readonly wallet: WalletService,
    private readonly family: FamilyPayService,
    private readonly openids: OpenidDirectory,
    private readonly secrets: Secrets,
    private readonly options: PaymentsOptions,
  ) {
    this.repo = new PaymentsRepository(db);
    this.webhooks = new WebhookService(clock, logger, this.repo, {
      allowPrivateNetworks: options.allowPrivateWebhooks === true,
    });
    wallet.useBankOperations((cb) => this.handleBankCallback(cb));
  }

  // ── Accounts ─────────────────────────────────────────────────────────────

  #currency(mode: Mode): string {
    return currencyOf(mode, this.options.currency);
  }

  /** The app's merchant account of a mode (opened on first use; it may not go negative). */
  merchantAccount(
    appId: string,
    mode: Mode,
    db?: Kysely<Database> | Transaction<Database>,
  ): Promise<Account> {
    return this.ledger.openAccount(
      {
        currency: this.#currency(mode),
        code: AccountCode.merchant,
        flags: AccountFlag.debitsMustNotExceedCredits,
        ownerRef: appId,
      },
      db,
    );
  }

  #faucet(): Promise<Account> {
    return this.ledger.openAccount({
      currency: this.#currency('test'),
      code: AccountCode.testFaucet,
      flags: 0,
      ownerRef: FAUCET_OWNER,
    });
  }

  /**
   * The user's test wallet (XTS), funded with 10,000.00 test money from the faucet the first
   * time it is needed (the funding transfer's id is derived from the user, so it happens once).
   */
  async testWallet(userId: string): Promise<Account> {
    const account = await this.ledger.openAccount({
      currency: this.#currency('test'),
      code: AccountCode.userWallet,
      flags: AccountFlag.debitsMustNotExceedCredits,
      ownerRef: userId,
    });
    if (account.version === 0n) {
      const faucet = await this.#faucet();
      const [result] = await this.ledger.submit([
        plainTransfer(
          derivedId(sha256(`miniapp-test-funding:${userId}`)),
          faucet.id,
          account.id,
          limits.miniappTestWalletFundingMinor,
          'test_funding',
          { kind: 'topup', to: userId, note: 'Test money' },
        ),
      ]);
      if (result?.status === 'failed') throw new Error(`test funding failed: ${result.code}`);
      return (await this.ledger.account(account.id)) ?? account;
    }
    return account;
  }

  async #payingAccount(userId: string, mode: Mode): Promise<Account> {
    return mode === 'test' ? this.testWallet(userId) : this.wallet.wallet(userId);
  }

  async #app(appId: string): Promise<PayingApp> {
    const app = await this.repo.app(appId);
    assert(app, 'the caller was authenticated for this app');
    return app;
  }

  async #token(orderId: string): Promise<string> {
    const mac = createHmac('sha256', await this.secrets.get(TOKEN_SECRET))
      .update(orderId)
      .digest('base64url');
    return `pt_${mac}`;
  }

  // ── Idempotency ──────────────────────────────────────────────────────────

  async #replay(
    caller: MerchantCaller,
    key: string | undefined,
    fingerprint: string,
    type: 'order' | 'refund' | 'settlement',
  ): Promise<{ key: string; resourceId: string | null }> {
    if (!isIdempotencyKey(key)) {
      throw new DomainError(
        'idempotency_key_missing',
        'Send an Idempotency-Key header (1 to 255 printable ASCII characters).',
      );
    }
    const found = await this.repo.findKey(caller.appId, caller.mode, key);
    if (!found) return { key, resourceId: null };
    if (found.fingerprint !== fingerprint || found.resource_type !== type) throw conflict();
    return { key, resourceId: found.resource_id };
  }

  async #claim(
    trx: Transaction<Database>,
    caller: MerchantCaller,
    key: string,
    fingerprint: string,
    type: 'order' | 'refund' | 'settlement',
    resourceId: string,
  ): Promise<void> {
    const claimed = await this.repo.claimKey(trx, {
      app_id: caller.appId,
      mode: caller.mode,
      key,
      fingerprint,
      resource_type: type,
      resource_id: resourceId,
      created_at: this.clock.now(),
    });
    if (!claimed) throw new KeyTaken();
  }

  // ── Orders ───────────────────────────────────────────────────────────────

  /** Creates an order; the same Idempotency-Key with the same body answers the same order. */
  async createOrder(
    caller: MerchantCaller,
    key: string | undefined,
    input: CreateOrderRequest,
  ): Promise<CreateOrderResponse> {
    const fingerprint = requestFingerprint('order', input);
    const replay = await this.#replay(caller, key, fingerprint, 'order');
    if (replay.resourceId) return this.#orderResponse(replay.resourceId);
    const problem = orderInputProblem(input);
    if (problem) throw new DomainError('invalid_request', problem.message, { path: problem.path });
    const currency = this.#currency(caller.mode);
    if (input.currency !== currency) {
      throw new DomainError('currency_mismatch', `A ${caller.mode} key takes amounts in ${currency}.`, {
        currency,
      });
    }
    const userId = await this.openids.userIdForOpenid(caller.appId, input.openid);
    if (!userId) throw new DomainError('openid_unknown', 'No user of this app has this openid.');
    const now = this.clock.now();
    const id = `ord_${newId(this.clock)}`;
    const expiresAt = addSeconds(now, input.expiresInSeconds ?? limits.miniappOrderTtlDefaultSeconds);
    const token = await this.#token(id);
    try {
      await this.db.transaction().execute(async (trx) => {
        await this.#claim(trx, caller, replay.key, fingerprint, 'order', id);
        await this.repo.insertOrder(trx, {
          id,
          app_id: caller.appId,
          mode: caller.mode,
          user_id: userId,
          openid: input.openid,
          amount: BigInt(input.amountMinor),
          currency,
          description: input.description.trim(),
          merchant_reference: input.merchantReference ?? null,
          metadata: input.metadata ?? {},
          status: 'open',
          paid_with: null,
          grant_id: null,
          payment_transfer_id: null,
          payment_token_hash: sha256(token),
          created_at: now,
          expires_at: expiresAt,
          paid_at: null,
          closed_at: null,
          expired_at: null,
        });
        await scheduleJob(trx, { kind: ORDER_EXPIRE_JOB, key: id, runAt: expiresAt }, now);
      });
    } catch (error) {
      // A concurrent request with the same key won: its answer is this one's.
      if (error instanceof KeyTaken) return this.createOrder(caller, key, input);
      throw error;
    }
    return this.#orderResponse(id);
  }

  async #orderResponse(id: string): Promise<CreateOrderResponse> {
    const row = await this.repo.findOrder(id);
    assert(row, 'the order exists');
    return { order: this.#order(row), paymentToken: await this.#token(id) };
  }

  async #callerOrder(caller: MerchantCaller, orderId: string): Promise<OrderRow> {
    const row = await this.repo.findOrder(orderId);
    if (!row || row.app_id !== caller.appId || row.mode !== caller.mode) {
      throw new DomainError('not_found', 'No such order.');
    }
    return row;
  }

  async getOrder(caller: MerchantCaller, orderId: string): Promise<Order> {
    return this.#order(await this.#callerOrder(caller, orderId));
  }

  /** Closes an open order (closing a closed one answers it again); paid or expired ones refuse. */
  async closeOrder(caller: MerchantCaller, orderId: string): Promise<Order> {
    await this.#callerOrder(caller, orderId);
    const app = await this.#app(caller.appId);
    const row = await this.db.transaction().execute(async (trx) => {
      const locked = await this.repo.lockOrder(trx, orderId);
      assert(locked, 'an order is never deleted');
      const now = this.clock.now();
      const decision = closeDecision(orderState(locked), now);
      if (decision === 'noop') return locked;
      if (decision === 'order_already_paid') {
        throw new DomainError('order_already_paid', 'The order is paid: refund it instead of closing it.');
      }
      if (decision === 'order_expired') throw new DomainError('order_expired', 'The order has expired.');
      const closed = await this.repo.markEnded(trx, orderId, 'closed', now);
      await cancelJob(trx, ORDER_EXPIRE_JOB, orderId);
      await this.webhooks.writeEvent(trx, app, caller.mode, 'order.closed', { order: this.#order(closed) });
      return closed;
    });
    return this.#order(row);
  }

  /** The expiry job: marks an open order past its time expired (once) and tells the merchant. */
  async runExpireJob(job: Job): Promise<JobOutcome> {
    const row = await this.repo.findOrder(job.key);
    if (row?.status !== 'open') return undefined;
    if (!shouldExpire(orderState(row), this.clock.now())) return { runAgainAt: row.expires_at };
    const app = await this.repo.app(row.app_id);
    if (!app) return undefined;
    await this.db.transaction().execute(async (trx) => {
      const locked = await this.repo.lockOrder(trx, row.id);
      const now = this.clock.now();
      if (!locked || !shouldExpire(orderState(locked), now)) return;
      const expired = await this.repo.markEnded(trx, row.id, 'expired', now);
      await this.webhooks.writeEvent(trx, app, expired.mode, 'order.expired', {
        order: this.#order(expired),
      });
    });
    return undefined;
  }

  // ── Host: preview and pay ────────────────────────────────────────────────

  /** The order behind a payment token, for its own user and its own app's frame only. */
  async #tokenOrder(userId: string, token: string, appId: string): Promise<OrderRow> {
    const row = /^pt_[A-Za-z0-9_-]{43}$/.test(token)
      ? await this.repo.findOrderByToken(sha256(token))
      : undefined;
    if (!row || row.user_id !== userId || row.app_id !== appId) {
      throw new DomainError('payment_not_found', 'No such payment for this account.');
    }
    return row;
  }

  /** What the host's payment sheet shows: the server's order, never the app's word. */
  async preview(userId: string, token: string, appId: string): Promise<PaymentPreview> {
    const row = await this.#tokenOrder(userId, token, appId);
    const app = await this.#app(row.app_id);
    return {
      orderId: row.id,
      appId: row.app_id,
      appName: app.name,
      iconUrl: app.icon_url,
      amountMinor: wire(row.amount),
      currency: row.currency,
      description: row.description,
      status: orderStatusAt(orderState(row), this.clock.now()),
      expiresAt: row.expires_at.toISOString(),
      mode: row.mode,
    };
  }

  /**
   * Pays an order with the user's PIN, from their wallet (their test wallet in test mode) or
   * through a family-pay grant (live only). The order row is locked in the transaction that
   * moves the money, marks it paid and writes the `order.paid` event, so however many pays
   * run at once the order is paid once.
   */
  async pay(
    userId: string,
    token: string,
    input: PayOrderRequest,
    meta: RequestMeta,
    appId: string,
  ): Promise<PayOrderResponse> {
    const row = await this.#tokenOrder(userId, token, appId);
    this.#assertPayable(row);
    if (input.grantId !== undefined && row.mode === 'test') {
      throw new DomainError('grant_use_not_allowed', 'A family card pays live orders only, not test ones.');
    }
    const user = await this.identity.getUser(userId);
    const amount = BigInt(row.amount);
    if (checkAmount(amount, user.kyc_tier)) {
      throw new DomainError('invalid_amount', 'The amount is above your per-payment limit.', {
        maxMinor: wire(limitsFor(user.kyc_tier).singleTransferMaxMinor),
      });
    }
    const app = await this.#app(row.app_id);
    if (app.status === 'suspended' || app.status === 'rejected') {
      throw new DomainError('app_not_active', `The app is ${app.status}: it cannot take payments.`, {
        status: app.status,
      });
    }
    await this.identity.verifyPin(userId, input.pin, meta);
    const merchant = await this.merchantAccount(row.app_id, row.mode);
    const transferId = newId(this.clock);
    const userData = {
      kind: 'miniapp',
      from: userId,
      note: row.description,
      merchantName: app.name,
      appId: app.id,
      orderId: row.id,
    };
    let paid: OrderRow | undefined;
    const markPaid = async (
      trx: Transaction<Database>,
      transfer: LedgerTransfer,
      paidWith: 'wallet' | 'family_grant',
    ) => {
      const now = this.clock.now();
      paid = await this.repo.markPaid(trx, row.id, {
        paidWith,
        grantId: input.grantId ?? null,
        transferId: transfer.id,
        at: now,
      });
      await cancelJob(trx, ORDER_EXPIRE_JOB, row.id);
      const order = this.#order(paid);
      await this.webhooks.writeEvent(trx, app, row.mode, 'order.paid', { order });
      return [orderPaidUpdate(userId, order)];
    };
    if (input.grantId !== undefined) {
      const { from: _payer, ...grantUserData } = userData;
      await this.family
        .chargeForMerchant(
          {
            grantId: input.grantId,
            granteeId: userId,
            merchantId: app.developer_id,
            transferId,
            amountMinor: amount,
            note: row.description,
            merchantName: app.name,
            creditAccountId: merchant.id,
            // The granter pays: family pay names them as `from`.
            userData: grantUserData,
          },
          {
            before: (trx) => this.#lockPayable(trx, row.id),
            after: (trx, transfer) => markPaid(trx, transfer, 'family_grant'),
          },
        )
        .catch((error: unknown) => {
          // Refused before anything is written: the granter made this app.
          if (error instanceof DomainError && error.code === 'cannot_pay_self') {
            throw new DomainError(
              'cannot_pay_self',
              "This family card's granter made this app: their card cannot pay their own app. Pay from your wallet instead.",
            );
          }
          throw error;
        });
    } else {
      const from = await this.#payingAccount(userId, row.mode);
      const live = row.mode === 'live';
      if (live) await this.wallet.reserveDailyOutflow(userId, amount, user.kyc_tier);
      try {
        const written = await this.db.transaction().execute(async (trx) => {
          await this.#lockPayable(trx, row.id);
          const t = plainTransfer(transferId, from.id, merchant.id, amount, 'miniapp', userData);
          const [result] = await this.ledger.applyInTransaction(trx, [t]);
          const transfer = okTransfer(result, 'insufficient_funds');
          const events = await markPaid(trx, transfer, 'wallet');
          return writeOutbox(trx, events, this.clock.now());
        });
        this.options.announcer?.announce([userId], written);
      } catch (error) {
        if (live) await this.wallet.releaseDailyOutflow(userId, amount);
        throw error;
      }
    }
    assert(paid?.paid_at, 'the order was paid');
    return { orderId: paid.id, status: 'paid', paidAt: paid.paid_at.toISOString() };
  }

  #assertPayable(row: OrderRow): void {
    const refusal = payRefusal(orderState(row), this.clock.now());
    if (refusal === 'order_expired') throw new DomainError('order_expired', 'The order has expired.');
    if (refusal === 'order_closed') throw new DomainError('order_closed', 'The merchant closed the order.');
    if (refusal === 'order_already_paid') {
      throw new DomainError('order_already_paid', 'The order is already paid.');
    }
  }

  async #lockPayable(trx: Transaction<Database>, orderId: string): Promise<void> {
    const locked = await this.repo.lockOrder(trx, orderId);
    assert(locked, 'an order is never deleted');
    this.#assertPayable(locked);
  }

  // ── Refunds ──────────────────────────────────────────────────────────────

  /**
   * Refunds part or all of what is left of a paid order, within 365 days, back to the wallet
   * that paid; the merchant account must hold the money.
   */
  async refund(
    caller: MerchantCaller,
    orderId: string,
    key: string | undefined,
    input: CreateRefundRequest,
  ): Promise<Refund> {
    const fingerprint = requestFingerprint(`refund:${orderId}`, input);
    const replay = await this.#replay(caller, key, fingerprint, 'refund');
    if (replay.resourceId) return this.#refundById(replay.resourceId);
    const order = await this.#callerOrder(caller, orderId);
    const reason = input.reason?.trim() || null;
    if (reason !== null && reason.length > limits.miniappRefundReasonMaxLength) {
      throw new DomainError(
        'invalid_request',
        `A refund reason has at most ${limits.miniappRefundReasonMaxLength} characters.`,
        {
          path: '/body/reason',
        },
      );
    }
    const amount = BigInt(input.amountMinor);
    // Checked before anything is written (and again under the lock).
    this.#assertRefundable(order, amount);
    assert(order.payment_transfer_id, 'a paid order has its payment');
    const [payment] = await this.ledger.transfers([order.payment_transfer_id]);
    assert(payment, 'the payment transfer exists');
    const app = await this.#app(caller.appId);
    const merchant = await this.merchantAccount(caller.appId, caller.mode);
    const payer = JSON.parse(payment.userData ?? '{}') as { from?: string };
    const id = `rfd_${newId(this.clock)}`;
    const transferId = newId(this.clock);
    let written: Awaited<ReturnType<typeof writeOutbox>> = [];
    try {
      written = await this.db.transaction().execute(async (trx) => {
        await this.#claim(trx, caller, replay.key, fingerprint, 'refund', id);
        const locked = await this.repo.lockOrder(trx, orderId);
        assert(locked, 'an order is never deleted');
        this.#assertRefundable(locked, amount);
        const t = plainTransfer(transferId, merchant.id, payment.debitAccountId, amount, 'miniapp_refund', {
          kind: 'miniapp',
          to: payer.from,
          note: order.description,
          merchantName: app.name,
          appId: app.id,
          orderId,
          refundId: id,
        });
        // The grant's lock before the accounts', as in a grant payment (no deadlock).
        if (locked.paid_with === 'family_grant') {
          await this.family.refundInTransaction(trx, payment.id, amount);
        }
        const [result] = await this.ledger.applyInTransaction(trx, [t]);
        okTransfer(result, 'merchant_insufficient_funds');
        const now = this.clock.now();
        const refundRow: RefundRow = {
          id,
          order_id: orderId,
          app_id: caller.appId,
          mode: caller.mode,
          amount,
          currency: order.currency,
          reason,
          transfer_id: transferId,
          created_at: now,
        };
        await this.repo.insertRefund(trx, refundRow);
        const updated = await this.repo.addRefunded(trx, orderId, amount);
        await this.webhooks.writeEvent(trx, app, caller.mode, 'refund.succeeded', {
          refund: toRefund(refundRow),
          order: this.#order(updated),
        });
        return writeOutbox(
          trx,
          payer.from
            ? [
                {
                  topic: 'wallet.miniapp_refunded',
                  audience: [payer.from],
                  payload: { orderId, refundId: id, amountMinor: wire(amount), currency: order.currency },
                },
              ]
            : [],
          now,
        );
      });
    } catch (error) {
      if (error instanceof KeyTaken) return this.refund(caller, orderId, key, input);
      throw error;
    }
    if (payer.from) this.options.announcer?.announce([payer.from], written);
    return this.#refundById(id);
  }

  #assertRefundable(row: OrderRow, amount: bigint): void {
    const refusal = refundRefusal(
      {
        status: orderStatusAt(orderState(row), this.clock.now()),
        amountMinor: BigInt(row.amount),
        refundedMinor: BigInt(row.refunded),
        paidAt: row.paid_at,
      },
      amount,
      this.clock.now(),
    );
    if (refusal === null) return;
    if (refusal === 'invalid_amount') {
      throw new DomainError('invalid_amount', 'A refund is a positive amount.');
    }
    if (refusal === 'order_not_paid') {
      throw new DomainError('order_not_paid', 'Only a paid order can be refunded.');
    }
    if (refusal === 'refund_window_passed') {
      throw new DomainError('refund_window_passed', 'The payment is more than 365 days old.');
    }
    throw new DomainError('refund_exceeds_remaining', 'The refund is more than what is left to refund.', {
      paidMinor: wire(BigInt(row.amount)),
      refundedMinor: wire(BigInt(row.refunded)),
      refundableMinor: wire(BigInt(row.amount) - BigInt(row.refunded)),
    });
  }

  async #refundById(id: string): Promise<Refund> {
    const row = await this.repo.findRefund(id);
    assert(row, 'the refund exists');
    return toRefund(row);
  }

  async refunds(caller: MerchantCaller, orderId: string): Promise<RefundList> {
    await this.#callerOrder(caller, orderId);
    const rows = await this.repo.refundsOf(orderId, limits.miniappRefundsListMax);
    return { refunds: rows.map(toRefund) };
  }

  // ── Events and balance ───────────────────────────────────────────────────

  /** Events oldest first after the cursor. */
  async events(
    caller: MerchantCaller,
    after: string | undefined,
    limit: number | undefined,
  ): Promise<EventList> {
    const seq = after === undefined ? 0n : decodeSeqCursor(after);
    if (seq === null) {
      throw new DomainError('invalid_request', 'The cursor is not valid.', { path: '/querystring/after' });
    }
    const n = Math.min(limit ?? limits.miniappEventsPageDefault, limits.miniappEventsPageMax);
    const rows = await this.repo.eventsAfter(caller.appId, caller.mode, seq, n);
    const last = rows[rows.length - 1];
    return {
      events: rows.map((r) => JSON.parse(r.body) as WebhookEvent),
      nextCursor: last ? encodeSeqCursor(BigInt(last.seq)) : null,
    };
  }

  async balance(caller: MerchantCaller): Promise<MerchantBalance> {
    const account = await this.ledger.accountByOwner(
      AccountCode.merchant,
      caller.appId,
      this.#currency(caller.mode),
    );
    return {
      mode: caller.mode,
      currency: this.#currency(caller.mode),
      balanceMinor: account ? wire(creditBalance(account)) : 0,
      availableMinor: account ? wire(available(account)) : 0,
      pendingSettlementMinor: account ? wire(account.debitsPending) : 0,
    };
  }

  // ── Settlements ──────────────────────────────────────────────────────────

  /**
   * Pays money of the merchant account out to the developer's newest bank card, the way a
   * wallet withdrawal does: held now, posted when the bank confirms, released if it fails.
   * A test settlement never reaches the bank: its XTS goes back to the test faucet at once,
   * in the transaction that records it succeeded and writes `settlement.succeeded`.
   */
  async settle(
    caller: MerchantCaller,
    key: string | undefined,
    input: CreateSettlementRequest,
  ): Promise<Settlement> {
    const fingerprint = requestFingerprint('settlement', input);
    const replay = await this.#replay(caller, key, fingerprint, 'settlement');
    if (replay.resourceId) return this.#settlementById(replay.resourceId);
    const amount = BigInt(input.amountMinor);
    if (amount <= 0n) throw new DomainError('invalid_amount', 'A settlement is a positive amount.');
    const app = await this.#app(caller.appId);
    const card = await this.wallet.payoutCard(app.developer_id);
    if (!card) {
      throw new DomainError('settlement_card_missing', "Add a bank card to the developer's wallet first.");
    }
    const currency = this.#currency(caller.mode);
    const merchant = await this.merchantAccount(caller.appId, caller.mode);
    const outside =
      caller.mode === 'test'
        ? await this.#faucet()
        : await this.ledger.accountByOwner(AccountCode.bankSettlement, BANK_OWNER, currency);
    assert(outside, 'the bank settlement account was opened by the wallet');
    const holdId = newId(this.clock);
    const id = `stl_${holdId}`;
    const test = caller.mode === 'test';
    const payout = { operationId: holdId, cardToken: card.token, amountMinor: amount, currency };
    try {
      await this.db.transaction().execute(async (trx) => {
        await this.#claim(trx, caller, replay.key, fingerprint, 'settlement', id);
        const transfer = plainTransfer(
          holdId,
          merchant.id,
          outside.id,
          amount,
          'miniapp_settlement',
          {
            kind: 'miniapp_settlement',
            appId: app.id,
            settlementId: id,
          },
          test ? {} : { flags: TransferFlag.pending, timeoutSeconds: limits.withdrawalHoldSeconds },
        );
        const [result] = await this.ledger.applyInTransaction(trx, [transfer]);
        okTransfer(result, 'merchant_insufficient_funds');
        const now = this.clock.now();
        const row: SettlementRow = {
          id,
          app_id: app.id,
          mode: caller.mode,
          amount,
          currency,
          status: test ? 'succeeded' : 'pending',
          card_id: card.id,
          destination: card.label,
          hold_transfer_id: holdId,
          failure_reason: null,
          created_at: now,
          completed_at: test ? now : null,
        };
        await this.repo.insertSettlement(trx, row);
        if (test) {
          await this.webhooks.writeEvent(trx, app, caller.mode, 'settlement.succeeded', {
            settlement: toSettlement(row),
          });
        } else {
          // Only live money ever reaches the bank.
          assert(currency === this.options.currency, 'a bank payout is in the live currency');
          await this.wallet.scheduleBankRequest(trx, 'payout', payout);
        }
      });
    } catch (error) {
      if (error instanceof KeyTaken) return this.settle(caller, key, input);
      throw error;
    }
    if (!test) await this.wallet.sendBankRequest('payout', payout);
    return this.#settlementById(id);
  }

  async #settlementById(id: string): Promise<Settlement> {
    const row = await this.repo.findSettlement(id);
    assert(row, 'the settlement exists');
    return toSettlement(row);
  }

  /** The bank's answer about a settlement: post or release the hold, once, and tell the merchant. */
  async handleBankCallback(cb: BankCallback): Promise<'applied' | 'ignored'> {
    const row = await this.repo.findSettlementByHold(cb.operationId);
    if (row?.status !== 'pending') return 'ignored';
    if (cb.amountMinor !== row.amount.toString() || cb.currency !== row.currency) return 'ignored';
    const app = await this.repo.app(row.app_id);
    if (!app) return 'ignored';
    const succeeded = cb.status === 'succeeded';
    return this.db.transaction().execute(async (trx) => {
      const step: TransferInput = {
        id: derivedId(sha256(`${row.hold_transfer_id}:${succeeded ? 'post' : 'void'}`)),
        debitAccountId: '',
        creditAccountId: '',
        amount: 0n,
        code: 'miniapp_settlement',
        flags: succeeded ? TransferFlag.postPending : TransferFlag.voidPending,
        pendingId: row.hold_transfer_id,
        timeoutSeconds: 0,
        userData: null,
      };
      const [result] = await this.ledger.applyInTransaction(trx, [step]);
      let status: 'succeeded' | 'failed' = succeeded ? 'succeeded' : 'failed';
      let reason = succeeded ? null : (cb.reason ?? 'bank_error');
      if (result?.status === 'failed') {
        if (result.code === 'pending_transfer_expired' || result.code === 'pending_transfer_already_voided') {
          status = 'failed';
          reason = 'expired';
        } else if (result.code !== 'pending_transfer_already_posted') {
          throw new Error(`settlement callback could not be applied: ${result.code}`);
        }
      }
      const finished = await this.repo.finishSettlement(trx, row.id, status, reason, this.clock.now());
      if (!finished) return 'ignored';
      await this.webhooks.writeEvent(trx, app, finished.mode, `settlement.${status}`, {
        settlement: toSettlement(finished),
      });
      return 'applied';
    });
  }

  // ── Views ────────────────────────────────────────────────────────────────

  #order(row: OrderRow): Order {
    const now = this.clock.now();
    return {
      id: row.id,
      appId: row.app_id,
      mode: row.mode,
      openid: row.openid,
      amountMinor: wire(BigInt(row.amount)),
      currency: row.currency,
      description: row.description,
      merchantReference: row.merchant_reference,
      metadata: parseMetadata(row.metadata),
      status: orderStatusAt(orderState(row), now),
      refundedMinor: wire(BigInt(row.refunded)),
      paidWith: row.paid_with,
      createdAt: row.created_at.toISOString(),
      expiresAt: row.expires_at.toISOString(),
      paidAt: row.paid_at?.toISOString() ?? null,
      closedAt: row.closed_at?.toISOString() ?? null,
      expiredAt: row.expired_at?.toISOString() ?? null,
    };
  }
}

function parseMetadata(value: unknown): Record<string, string> {
  return (typeof value === 'string' ? JSON.parse(value) : value) as Record<string, string>;
}

function orderState(row: OrderRow) {
  return { status: row.status, expiresAt: row.expires_at };
}

/** The stored transfer of an ok (or replayed) result; a balance failure as `code`. */
function okTransfer(
  result: TransferResult | undefined,
  code: 'insufficient_funds' | 'merchant_insufficient_funds',
): LedgerTransfer {
  assert(result, 'one result per transfer');
  if (result.status !== 'failed') return result.transfer;
  if (result.code === 'exceeds_credits' && code === 'insufficient_funds') {
    throw new DomainError('insufficient_funds', 'Not enough money in the wallet. Nothing was paid.');
  }
  if (result.code === 'exceeds_credits') {
    throw new DomainError(
      'merchant_insufficient_funds',
      'The merchant account does not hold enough available money. Nothing moved.',
    );
  }
  throw new Error(`unexpected ledger result: ${result.code}`);
}

function orderPaidUpdate(userId: string, order: Order): OutboxEvent {
  return {
    topic: 'wallet.miniapp_paid',
    audience: [userId],
    payload: {
      orderId: order.id,
      appId: order.appId,
      amountMinor: order.amountMinor,
      currency: order.currency,
    },
  };
}

function toRefund(row: RefundRow): Refund {
  return {
    id: row.id,
    orderId: row.order_id,
    amountMinor: wire(BigInt(row.amount)),
    currency: row.currency,
    reason: row.reason,
    status: 'succeeded',
    createdAt: row.created_at.toISOString(),
  };
}

function toSettlement(row: SettlementRow): Settlement {
  return {
    id: row.id,
    mode: row.mode,
    amountMinor: wire(BigInt(row.amount)),
    currency: row.currency,
    status: row.status,
    destination: row.destination,
    failureReason: row.failure_reason,
    createdAt: row.created_at.toISOString(),
    completedAt: row.completed_at?.toISOString() ?? null,
  };
}
