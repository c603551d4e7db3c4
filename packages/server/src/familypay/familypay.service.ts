import type { FamilyGrant, FamilyGrantUse, Party, PayCode } from '@jiaozi/protocol';
import { FAMILY_TOPICS } from '@jiaozi/protocol';
import type { Kysely, Transaction } from 'kysely';
import type { ChatService } from '../chat/chat.service.js';
import type { UserRow } from '../identity/identity.repository.js';
import type { IdentityService, RequestMeta } from '../identity/identity.service.js';
import { addSeconds, type Clock } from '../kernel/clock.js';
import { assert, DomainError } from '../kernel/errors.js';
import * as limits from '../kernel/limits.js';
import type { LedgerService, Transfer as LedgerTransfer, TransferInput } from '../ledger/ledger.service.js';
import type { Database } from '../platform/db/schema.js';
import type { Announcer } from '../platform/outbox/announcer.js';
import { type OutboxEvent, type WrittenUpdate, writeOutbox } from '../platform/outbox/outbox.js';
import type { SocialService } from '../social/social.service.js';
import { checkAmount, limitsFor } from '../wallet/wallet.core.js';
import type { GrantCharge, GrantPayments, WalletService } from '../wallet/wallet.service.js';
import { fitsMonth, grantStatus, isLive, isValidMonthlyLimit, monthOf, remaining } from './familypay.core.js';
import { FamilyPayRepository, type GrantRow, type UseRow } from './familypay.repository.js';

export interface FamilyPayOptions {
  currency: string;
  /** The time zone whose calendar months the limits follow. */
  timeZone: string;
  announcer?: Announcer;
}

/** What another domain runs inside a grant payment's transaction (see `chargeForMerchant`). */
export interface MerchantChargeHooks {
  before(trx: Transaction<Database>): Promise<void>;
  after(trx: Transaction<Database>, transfer: LedgerTransfer): Promise<OutboxEvent[]>;
}

/** Where a grant payment goes and how it is told. */
interface ChargeTarget {
  merchant: UserRow;
  merchantName: string;
  creditAccountId: string;
  code: string;
  userData: Record<string, unknown>;
  /** Pay-code charges tell the merchant user and the granter with a wallet event. */
  receivedEvent: boolean;
}

function wire(amount: bigint): number {
  assert(amount >= 0n && amount <= BigInt(Number.MAX_SAFE_INTEGER), 'amount fits the wire');
  return Number(amount);
}

function party(user: UserRow): Party {
  return { userId: user.id, displayName: user.display_name, username: user.username };
}

function sameOffer(row: GrantRow, granteeId: string, limit: bigint, endsAt: Date | null): boolean {
  return (
    row.grantee_id === granteeId &&
    BigInt(row.monthly_limit) === limit &&
    (row.ends_at?.getTime() ?? null) === (endsAt?.getTime() ?? null)
  );
}

/**
 * Family pay: a granter lets a friend pay merchants from the granter's wallet up to a
 * monthly limit. Payments through a grant lock the grant row and count against the month's
 * usage in the same transaction as the ledger transfer, so however many run at once, the
 * month's total never passes the limit.
 */
export class FamilyPayService implements GrantPayments {
  readonly repo: FamilyPayRepository;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly ledger: LedgerService,
    private readonly identity: IdentityService,
    private readonly wallet: WalletService,
    private readonly social: SocialService,
    private readonly chat: ChatService,
    private readonly options: FamilyPayOptions,
  ) {
    this.repo = new FamilyPayRepository(db);
    wallet.useGrants(this);
  }

  #month(): string {
    return monthOf(this.clock.now(), this.options.timeZone);
  }

  #announce(userIds: readonly string[]): void {
    this.options.announcer?.announce(userIds);
  }

  // ── Grants ───────────────────────────────────────────────────────────────

  /** Offers a friend a monthly limit; the same id again answers the original offer. */
  async grant(
    granterId: string,
    input: { id: string; granteeId: string; monthlyLimitMinor: number; endsAt?: string | undefined },
  ): Promise<{ grant: FamilyGrant; created: boolean }> {
    const limit = BigInt(input.monthlyLimitMinor);
    const endsAt = input.endsAt === undefined ? null : new Date(input.endsAt);
    const existing = await this.repo.findGrant(input.id);
    if (existing) {
      if (existing.granter_id !== granterId || !sameOffer(existing, input.granteeId, limit, endsAt)) {
        throw new DomainError('idempotency_conflict', 'This request id was already used for something else.');
      }
      return { grant: await this.#toGrant(existing), created: false };
    }
    if (!isValidMonthlyLimit(limit)) {
      throw new DomainError('invalid_amount', 'The monthly limit must be from 1.00 to 20,000.00.', {
        minMinor: wire(limits.familyGrantMonthlyMinMinor),
        maxMinor: wire(limits.familyGrantMonthlyMaxMinor),
      });
    }
    if (input.granteeId === granterId) throw new DomainError('cannot_pay_self', 'You cannot grant yourself.');
    const now = this.clock.now();
    if (endsAt !== null && endsAt.getTime() <= now.getTime()) {
      throw new DomainError('invalid_request', 'The end date must be in the future.', {
        path: '/body/endsAt',
      });
    }
    if (!(await this.social.areFriends(granterId, input.granteeId))) {
      throw new DomainError('not_found', 'No such friend.');
    }
    const row: GrantRow = {
      id: input.id,
      granter_id: granterId,
      grantee_id: input.granteeId,
      monthly_limit: limit,
      currency: this.options.currency,
      status: 'offered',
      offer_expires_at: addSeconds(now, limits.familyGrantOfferTtlSeconds),
      ends_at: endsAt,
      created_at: now,
      accepted_at: null,
      ended_at: null,
      ended_by: null,
    };
    const users = await this.identity.usersByIds([granterId, input.granteeId]);
    const inserted = await this.db.transaction().execute(async (trx) => {
      await this.repo.lockGranter(trx, granterId);
      // A concurrent copy of this very offer got here first: answer as a retry.
      if (await this.repo.findGrant(input.id, trx)) return false;
      const live = (await this.repo.notEndedOf(trx, granterId)).filter((g) =>
        isLive(grantStatus(times(g), now)),
      );
      if (live.length >= limits.familyGrantsActivePerGranterMax) {
        throw new DomainError(
          'invalid_request',
          `At most ${limits.familyGrantsActivePerGranterMax} family cards at once; end one first.`,
          { path: '/body/granteeId' },
        );
      }
      await this.repo.insertGrant(trx, row);
      const grant = this.#view(row, users, this.#month(), 0n);
      await writeOutbox(
        trx,
        [{ topic: FAMILY_TOPICS.grant, audience: [granterId, input.granteeId], payload: { grant } }],
        now,
      );
      return true;
    });
    if (!inserted) return this.grant(granterId, input);
    this.#announce([granterId, input.granteeId]);
    const stored = await this.repo.findGrant(input.id);
    assert(stored, 'the grant was just written');
    return { grant: await this.#toGrant(stored), created: true };
  }

  /** The grantee accepts an offer within its 24 hours (again: the same answer). */
  async accept(granteeId: string, id: string): Promise<FamilyGrant> {
    return this.#change(granteeId, id, async (trx, row, now) => {
      if (row.grantee_id !== granteeId) throw new DomainError('not_found', 'No such grant.');
      const status = grantStatus(times(row), now);
      if (status === 'active') return null;
      if (status !== 'offered') throw new DomainError('not_found', 'No such grant: it lapsed or ended.');
      return this.repo.accept(trx, id, now);
    });
  }

  /** Either side ends a grant at once (an ended one answers as it is). */
  async end(userId: string, id: string): Promise<FamilyGrant> {
    return this.#change(userId, id, async (trx, row, now) => {
      if (row.status === 'ended') return null;
      return this.repo.end(trx, id, userId, now);
    });
  }

  async #change(
    userId: string,
    id: string,
    fn: (trx: Transaction<Database>, row: GrantRow, now: Date) => Promise<GrantRow | null>,
  ): Promise<FamilyGrant> {
    const visible = await this.#visible(userId, id);
    const users = await this.identity.usersByIds([visible.granter_id, visible.grantee_id]);
    const out = await this.db.transaction().execute(async (trx) => {
      const row = await this.repo.lockGrant(trx, id);
      assert(row, 'a grant is never deleted');
      const now = this.clock.now();
      const changed = await fn(trx, row, now);
      if (!changed) return { row, changed: false };
      const month = monthOf(now, this.options.timeZone);
      const grant = this.#view(changed, users, month, await this.repo.usedIn(id, month, trx));
      await writeOutbox(
        trx,
        [{ topic: FAMILY_TOPICS.grant, audience: [row.granter_id, row.grantee_id], payload: { grant } }],
        now,
      );
      return { row: changed, changed: true };
    });
    if (out.changed) this.#announce([out.row.granter_id, out.row.grantee_id]);
    return this.#toGrant(out.row);
  }

  /** Grants I gave and grants I was given, newest first. */
  async list(userId: string): Promise<FamilyGrant[]> {
    const rows = await this.repo.listFor(userId, limits.familyGrantsListMax);
    const month = this.#month();
    const used = await this.repo.usedInMany(
      rows.map((r) => r.id),
      month,
    );
    const users = await this.identity.usersByIds(rows.flatMap((r) => [r.granter_id, r.grantee_id]));
    return rows.map((r) => this.#view(r, users, month, used.get(r.id) ?? 0n));
  }

  async get(userId: string, id: string): Promise<FamilyGrant> {
    return this.#toGrant(await this.#visible(userId, id));
  }

  /** The payments through a grant, newest first (both sides may look). */
  async history(userId: string, id: string): Promise<FamilyGrantUse[]> {
    const row = await this.#visible(userId, id);
    const uses = await this.repo.uses(row.id, limits.familyGrantHistoryMax);
    const users = await this.identity.usersByIds(uses.map((u) => u.merchant_id));
    return uses.map((u) => {
      const merchant = users.get(u.merchant_id);
      assert(merchant, 'a merchant exists');
      return toUse(u, merchant, this.options.currency);
    });
  }

  async #visible(userId: string, id: string): Promise<GrantRow> {
    const row = await this.repo.findGrant(id);
    if (!row || (row.granter_id !== userId && row.grantee_id !== userId)) {
      throw new DomainError('not_found', 'No such grant.');
    }
    return row;
  }

  // ── Payments (lent to the wallet) ────────────────────────────────────────

  async assertUsable(granteeId: string, grantId: string): Promise<void> {
    const row = await this.repo.findGrant(grantId);
    if (!row || row.grantee_id !== granteeId || grantStatus(times(row), this.clock.now()) !== 'active') {
      throw new DomainError('not_found', 'No such grant, or it has ended.');
    }
  }

  /**
   * A pay code for the grantee (asked for with the grantee's own PIN) that, when a merchant
   * charges it, pays through the grant.
   */
  async payCode(granteeId: string, grantId: string, pin: string, meta: RequestMeta): Promise<PayCode> {
    await this.assertUsable(granteeId, grantId);
    await this.identity.verifyPin(granteeId, pin, meta);
    return this.wallet.payCode(granteeId, grantId);
  }

  /**
   * Charges the granter's wallet: under a lock on the grant row, checks that the grant is
   * usable and the month has room, moves the money, counts it, records the use and tells
   * both sides (a system message in their direct chat and an update-log event), all in one
   * transaction.
   */
  async charge(charge: GrantCharge): Promise<LedgerTransfer> {
    const [merchant, to] = await Promise.all([
      this.identity.getUser(charge.merchantId),
      this.wallet.wallet(charge.merchantId),
    ]);
    return this.#charge(charge, {
      merchant,
      merchantName: merchant.display_name,
      creditAccountId: to.id,
      code: 'paycode',
      userData: { kind: 'paycode', to: charge.merchantId, note: charge.note },
      receivedEvent: true,
    });
  }

  /**
   * Pays another domain's merchant account through a grant (a mini-app order): the same
   * checks, limits and notices as a pay-code charge, in one transaction that also runs
   * `hooks.before` (first, e.g. to lock and check the order) and `hooks.after` (once the
   * money moved, e.g. to mark the order paid; it returns the events to publish).
   */
  async chargeForMerchant(
    charge: GrantCharge & {
      merchantName: string;
      creditAccountId: string;
      userData: Record<string, unknown>;
    },
    hooks: MerchantChargeHooks,
  ): Promise<LedgerTransfer> {
    const merchant = await this.identity.getUser(charge.merchantId);
    return this.#charge(
      charge,
      {
        merchant,
        merchantName: charge.merchantName,
        creditAccountId: charge.creditAccountId,
        code: 'miniapp',
        userData: charge.userData,
        receivedEvent: false,
      },
      hooks,
    );
  }

  async #charge(
    charge: GrantCharge,
    target: ChargeTarget,
    hooks?: MerchantChargeHooks,
  ): Promise<LedgerTransfer> {
    assert(charge.amountMinor > 0n, 'a charge is positive');
    const row = await this.repo.findGrant(charge.grantId);
    if (!row || row.grantee_id !== charge.granteeId) throw new DomainError('not_found', 'No such grant.');
    if (charge.merchantId === row.granter_id) {
      throw new DomainError('cannot_pay_self', 'The granter cannot charge their own family card.');
    }
    const [granter, grantee, from] = await Promise.all([
      this.identity.getUser(row.granter_id),
      this.identity.getUser(row.grantee_id),
      this.wallet.wallet(row.granter_id),
    ]);
    if (checkAmount(charge.amountMinor, granter.kyc_tier)) {
      throw new DomainError('invalid_amount', "The amount is above the granter's per-payment limit.", {
        maxMinor: wire(limitsFor(granter.kyc_tier).singleTransferMaxMinor),
      });
    }
    const conversationId = await this.chat.directConversationId(row.granter_id, row.grantee_id);
    const t: TransferInput = {
      id: charge.transferId,
      debitAccountId: from.id,
      creditAccountId: target.creditAccountId,
      amount: charge.amountMinor,
      code: target.code,
      flags: 0,
      pendingId: null,
      timeoutSeconds: 0,
      userData: JSON.stringify({
        kind: target.userData.kind,
        from: row.granter_id,
        ...target.userData,
        grantId: row.id,
        grantee: row.grantee_id,
      }),
    };
    // The granter's own daily outflow limit holds for payments through their grants too.
    await this.wallet.reserveDailyOutflow(granter.id, charge.amountMinor, granter.kyc_tier);
    let done: { transfer: LedgerTransfer; written: WrittenUpdate[]; audience: string[] };
    try {
      done = await this.#chargeInTransaction(
        row,
        charge,
        t,
        conversationId,
        { granter, grantee },
        target,
        hooks,
      );
    } catch (error) {
      await this.wallet.releaseDailyOutflow(granter.id, charge.amountMinor);
      throw error;
    }
    // A concurrent copy of this charge already counted it.
    if (done.audience.length === 0) await this.wallet.releaseDailyOutflow(granter.id, charge.amountMinor);
    else this.options.announcer?.announce(done.audience, done.written);
    return done.transfer;
  }

  #chargeInTransaction(
    row: GrantRow,
    charge: GrantCharge,
    t: TransferInput,
    conversationId: string,
    people: { granter: UserRow; grantee: UserRow },
    target: ChargeTarget,
    hooks?: MerchantChargeHooks,
  ): Promise<{ transfer: LedgerTransfer; written: WrittenUpdate[]; audience: string[] }> {
    const { granter, grantee } = people;
    const merchant = target.merchant;
    return this.db.transaction().execute(async (trx) => {
      await hooks?.before(trx);
      const locked = await this.repo.lockGrant(trx, row.id);
      // The chat notice below locks the granter–grantee chat; a money message in that chat
      // locks it before the ledger. So lock it here, before the ledger, in the same order.
      await this.chat.lockConversationInTransaction(trx, conversationId);
      const now = this.clock.now();
      if (!locked || grantStatus(times(locked), now) !== 'active') {
        throw new DomainError('not_found', 'No such grant, or it has ended.');
      }
      const month = monthOf(now, this.options.timeZone);
      const limit = BigInt(locked.monthly_limit);
      const used = await this.repo.usedIn(locked.id, month, trx);
      if (!fitsMonth(limit, used, charge.amountMinor)) {
        throw new DomainError(
          'grant_limit_exceeded',
          "This is more than what is left of the family card's month.",
          {
            which: 'monthly_remainder',
            monthlyLimitMinor: wire(limit),
            remainingMinor: wire(remaining(limit, used)),
          },
        );
      }
      const [result] = await this.ledger.applyInTransaction(trx, [t]);
      assert(result, 'one result per transfer');
      if (result.status === 'failed') {
        if (result.code === 'exceeds_credits') {
          throw new DomainError(
            'insufficient_funds',
            "Not enough money in the granter's wallet. Nothing was sent.",
            {
              which: 'granter_balance',
            },
          );
        }
        if (result.code === 'exists_with_different_fields') {
          throw new DomainError(
            'idempotency_conflict',
            'This request id was already used for something else.',
          );
        }
        throw new Error(`unexpected ledger result: ${result.code}`);
      }
      if (result.status === 'exists') return { transfer: result.transfer, written: [], audience: [] };
      await this.repo.addUsage(trx, locked.id, month, charge.amountMinor);
      const use: UseRow = {
        transfer_id: t.id,
        grant_id: locked.id,
        merchant_id: charge.merchantId,
        amount: charge.amountMinor,
        month,
        note: charge.note,
        created_at: now,
      };
      await this.repo.insertUse(trx, use);
      const users = new Map([
        [granter.id, granter],
        [grantee.id, grantee],
      ]);
      const grant = this.#view(locked, users, month, used + charge.amountMinor);
      const events: OutboxEvent[] = [
        {
          topic: FAMILY_TOPICS.used,
          audience: [locked.granter_id, locked.grantee_id],
          payload: { grant, use: toUse(use, merchant, this.options.currency) },
        },
        ...(target.receivedEvent
          ? [
              {
                topic: 'wallet.payment_received',
                audience: [charge.merchantId, locked.granter_id],
                payload: {
                  transferId: t.id,
                  kind: 'paycode',
                  from: party(granter),
                  to: party(merchant),
                  amountMinor: wire(charge.amountMinor),
                  currency: this.options.currency,
                  note: charge.note,
                },
              },
            ]
          : []),
        ...(await this.chat.systemMessageInTransaction(trx, conversationId, locked.grantee_id, {
          event: 'family_pay_used',
          grantId: locked.id,
          granteeId: locked.grantee_id,
          merchantName: target.merchantName,
          amountMinor: wire(charge.amountMinor),
          currency: this.options.currency,
        })),
        ...((await hooks?.after(trx, result.transfer)) ?? []),
      ];
      const written = await writeOutbox(trx, events, now);
      return {
        transfer: result.transfer,
        written,
        audience: [...new Set(events.flatMap((e) => e.audience))],
      };
    });
  }

  /**
   * Inside another domain's refund transaction: a refund of a payment made through a grant
   * gives its amount back to the month the payment counted in (under the grant's lock).
   */
  async refundInTransaction(
    trx: Transaction<Database>,
    paymentTransferId: string,
    amount: bigint,
  ): Promise<void> {
    assert(amount > 0n, 'a refund is positive');
    const use = await this.repo.findUse(paymentTransferId, trx);
    if (!use) return;
    await this.repo.lockGrant(trx, use.grant_id);
    await this.repo.releaseUsage(trx, use.grant_id, use.month, amount);
  }

  // ── Views ────────────────────────────────────────────────────────────────

  async #toGrant(row: GrantRow): Promise<FamilyGrant> {
    const month = this.#month();
    const used = await this.repo.usedIn(row.id, month);
    const users = await this.identity.usersByIds([row.granter_id, row.grantee_id]);
    return this.#view(row, users, month, used);
  }

  #view(row: GrantRow, users: Map<string, UserRow>, month: string, used: bigint): FamilyGrant {
    const granter = users.get(row.granter_id);
    const grantee = users.get(row.grantee_id);
    assert(granter && grantee, 'both sides of a grant exist');
    const limit = BigInt(row.monthly_limit);
    return {
      id: row.id,
      granter: party(granter),
      grantee: party(grantee),
      monthlyLimitMinor: wire(limit),
      currency: row.currency,
      status: grantStatus(times(row), this.clock.now()),
      month,
      usedThisMonthMinor: wire(used),
      remainingThisMonthMinor: wire(remaining(limit, used)),
      offerExpiresAt: row.offer_expires_at.toISOString(),
      endsAt: row.ends_at?.toISOString() ?? null,
      createdAt: row.created_at.toISOString(),
      acceptedAt: row.accepted_at?.toISOString() ?? null,
      endedAt: row.ended_at?.toISOString() ?? null,
    };
  }
}

function times(row: GrantRow) {
  return { status: row.status, offerExpiresAt: row.offer_expires_at, endsAt: row.ends_at };
}

function toUse(u: UseRow, merchant: UserRow, currency: string): FamilyGrantUse {
  return {
    transferId: u.transfer_id,
    merchant: party(merchant),
    amountMinor: wire(BigInt(u.amount)),
    currency,
    note: u.note,
    month: u.month,
    createdAt: u.created_at.toISOString(),
  };
}
