import { createHash } from 'node:crypto';
import type {
  FundAccrual,
  FundHistory,
  FundOrder,
  FundQuote,
  FundSummary,
  FundYield,
} from '@jiaozi/protocol';
import type { Kysely, Transaction } from 'kysely';
import type { IdentityService, RequestMeta } from '../identity/identity.service.js';
import type { Clock } from '../kernel/clock.js';
import { assert, DomainError } from '../kernel/errors.js';
import { newId } from '../kernel/ids.js';
import * as limits from '../kernel/limits.js';
import type { Logger } from '../kernel/logger.js';
import {
  AccountCode,
  available,
  type LedgerService,
  plainTransfer,
  TransferFlag,
  type TransferResult,
} from '../ledger/ledger.service.js';
import type { Database } from '../platform/db/schema.js';
import type { Announcer } from '../platform/outbox/announcer.js';
import { writeOutbox } from '../platform/outbox/outbox.js';
import type { WalletService } from '../wallet/wallet.service.js';
import {
  addDays,
  type Calendar,
  type Day,
  dayIn,
  formatPer10k,
  formatPercent,
  isDay,
  parsePer10k,
  settlementDay,
  sevenDayAnnualisedPercent,
  simulatedYieldE4,
  startOfDay,
  stepId,
} from './fund.core.js';
import { type AccrualRow, FundRepository, type OrderKind, type OrderRow } from './fund.repository.js';

export interface FundOptions {
  currency: string;
  timeZone: string;
  cutoff: string;
  holidays: readonly string[];
  instantDailyMaxMinor: bigint;
  yieldSource: 'published' | 'simulated';
  announcer?: Announcer;
}

export interface FundVerifyReport {
  ok: boolean;
  holders: number;
  poolMinor: bigint;
  sharesMinor: bigint;
  problems: string[];
}

const POOL_OWNER = 'system:fund_pool';
const INCOME_OWNER = 'system:fund_income';

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function wire(amount: bigint): number {
  assert(amount >= 0n && amount <= BigInt(Number.MAX_SAFE_INTEGER), 'amount fits the wire');
  return Number(amount);
}

/** A concurrent copy of the same order got there first: answer with its result. */
class ReplayInstead extends Error {}

function toOrder(o: OrderRow): FundOrder {
  return {
    id: o.id,
    kind: o.kind,
    amountMinor: wire(o.amount),
    currency: o.currency,
    status: o.status,
    tradeDay: o.tradeDay,
    effectiveDay: o.effectiveDay,
    createdAt: o.createdAt.toISOString(),
    doneAt: o.doneAt?.toISOString() ?? null,
  };
}

function toAccrual(a: AccrualRow, created: boolean): FundAccrual {
  return {
    day: a.day,
    per10k: formatPer10k(a.per10kE4),
    holders: Number(a.holders),
    incomeTotalMinor: wire(a.incomeTotal),
    confirmedMinor: wire(a.confirmedTotal),
    created,
  };
}

/**
 * The money-market fund. The money lives in the ledger's fund pool; each holder's part is
 * kept in the fund's own tables, so that a day's accrual is one set-based statement plus
 * one aggregate ledger transfer (income source → pool), in one transaction, once per day.
 * Invariant: the pool's available balance equals every holder's shares plus subscriptions
 * awaiting confirmation.
 */
export class FundService {
  readonly repo: FundRepository;
  readonly calendar: Calendar;
  #poolId: string | undefined;
  #incomeId: string | undefined;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly ledger: LedgerService,
    private readonly identity: IdentityService,
    private readonly wallet: WalletService,
    private readonly options: FundOptions,
  ) {
    this.repo = new FundRepository(db);
    this.calendar = {
      holidays: new Set(options.holidays),
      timeZone: options.timeZone,
      cutoff: options.cutoff,
    };
  }

  /** Opens the fund's system accounts. Safe on every start, on every node. */
  async init(): Promise<void> {
    const open = (code: string, ownerRef: string) =>
      this.ledger.openAccount({ currency: this.options.currency, code, flags: 0, ownerRef });
    this.#poolId = (await open(AccountCode.fundPool, POOL_OWNER)).id;
    this.#incomeId = (await open(AccountCode.fundIncome, INCOME_OWNER)).id;
  }

  get poolAccountId(): string {
    assert(this.#poolId, 'the fund was initialised');
    return this.#poolId;
  }

  get incomeAccountId(): string {
    assert(this.#incomeId, 'the fund was initialised');
    return this.#incomeId;
  }

  #today(): Day {
    return dayIn(this.clock.now(), this.options.timeZone);
  }

  #announce(userIds: readonly string[]): void {
    this.options.announcer?.announce(userIds);
  }

  // ── Figures ───────────────────────────────────────────────────────────

  async summary(userId: string): Promise<FundSummary> {
    const today = this.#today();
    const [holding, lastAccrual, yields, used] = await Promise.all([
      this.repo.holding(userId),
      this.repo.lastAccrualDay(),
      this.repo.latestYields(7, today),
      this.repo.instantUsed(userId, today),
    ]);
    const latest = yields[yields.length - 1];
    const yesterday =
      holding && lastAccrual !== null && holding.lastIncomeDay === lastAccrual ? holding.lastIncome : 0n;
    return {
      currency: this.options.currency,
      balanceMinor: wire((holding?.shares ?? 0n) + (holding?.pending ?? 0n)),
      sharesMinor: wire(holding?.shares ?? 0n),
      pendingSubscriptionMinor: wire(holding?.pending ?? 0n),
      yesterdayIncomeMinor: wire(yesterday),
      incomeDay: lastAccrual,
      cumulativeIncomeMinor: wire(holding?.cumulativeIncome ?? 0n),
      sevenDayYieldPercent: formatPercent(sevenDayAnnualisedPercent(yields.map((y) => y.per10kE4))),
      latestPer10k: latest ? formatPer10k(latest.per10kE4) : null,
      latestYieldDay: latest?.day ?? null,
      instantRedeemedTodayMinor: wire(used),
      instantDailyMaxMinor: wire(this.options.instantDailyMaxMinor),
    };
  }

  /** The last `days` days up to the latest accrual (or yesterday): income, yield, 7-day yield. */
  async history(userId: string, days: number): Promise<FundHistory> {
    const n = Math.min(Math.max(Math.trunc(days), 1), limits.fundHistoryDaysMax);
    const end = (await this.repo.lastAccrualDay()) ?? addDays(this.#today(), -1);
    const start = addDays(end, -(n - 1));
    const [yields, incomes] = await Promise.all([
      this.repo.yieldsBetween(addDays(start, -6), end),
      this.repo.incomes(userId, start, end),
    ]);
    const yieldByDay = new Map(yields.map((y) => [y.day, y.per10kE4]));
    const incomeByDay = new Map(incomes.map((i) => [i.day, i.income]));
    const out: FundHistory['days'] = [];
    for (let i = 0; i < n; i++) {
      const day = addDays(start, i);
      const y = yieldByDay.get(day);
      const week: bigint[] = [];
      for (let k = 6; k >= 0; k--) {
        const v = yieldByDay.get(addDays(day, -k));
        if (v !== undefined) week.push(v);
      }
      out.push({
        day,
        incomeMinor: wire(incomeByDay.get(day) ?? 0n),
        per10k: y === undefined ? null : formatPer10k(y),
        sevenDayYieldPercent: formatPercent(sevenDayAnnualisedPercent(week)),
      });
    }
    return { days: out };
  }

  /** When orders placed now take effect. */
  quote(): FundQuote {
    const now = this.clock.now();
    const s = settlementDay(this.calendar, now);
    return {
      now: now.toISOString(),
      cutoff: this.options.cutoff,
      timeZone: this.options.timeZone,
      subscribe: { tradeDay: s.tradeDay, confirmDay: s.effectiveDay, earnsFrom: s.effectiveDay },
      redeemInstant: { arrivesAt: now.toISOString() },
      redeemNormal: {
        tradeDay: s.tradeDay,
        arrivesOn: s.effectiveDay,
        arrivesAt: startOfDay(s.effectiveDay, this.options.timeZone).toISOString(),
      },
    };
  }

  async orders(userId: string, limit: number = limits.fundOrdersListMax): Promise<FundOrder[]> {
    return (await this.repo.orders(userId, Math.min(limit, limits.fundOrdersListMax))).map(toOrder);
  }

  async yields(days: number): Promise<FundYield[]> {
    const n = Math.min(Math.max(Math.trunc(days), 1), limits.fundHistoryDaysMax);
    const rows = await this.repo.latestYields(n, this.#today());
    return rows.map((y) => ({ day: y.day, per10k: formatPer10k(y.per10kE4), source: y.source }));
  }

  // ── Orders ────────────────────────────────────────────────────────────

  async #replay(userId: string, id: string, requestHash: string): Promise<FundOrder | null> {
    const existing = await this.repo.findOrder(id);
    if (!existing) return null;
    if (existing.userId !== userId || existing.requestHash !== requestHash) {
      throw new DomainError('idempotency_conflict', 'This request id was already used for something else.');
    }
    return toOrder(existing);
  }

  /** Runs an order's transaction; a concurrent copy that won answers instead. */
  async #place(
    userId: string,
    id: string,
    requestHash: string,
    body: (trx: Transaction<Database>) => Promise<OrderRow>,
  ): Promise<{ order: FundOrder; created: boolean }> {
    try {
      const row = await this.db.transaction().execute(body);
      this.#announce([userId]);
      return { order: toOrder(row), created: true };
    } catch (error) {
      if (!(error instanceof ReplayInstead)) throw error;
      const replay = await this.#replay(userId, id, requestHash);
      assert(replay, 'the order that won the race exists');
      return { order: replay, created: false };
    }
  }

  #expectApplied(result: TransferResult | undefined, failure: () => Error): void {
    assert(result, 'one result per transfer');
    if (result.status === 'ok') return;
    if (result.status === 'exists') throw new ReplayInstead();
    const code = result.code === 'id_already_failed' ? result.originalCode : result.code;
    if (code === 'exceeds_credits') throw failure();
    if (code === 'exists_with_different_fields')
      throw new DomainError('idempotency_conflict', 'This request id was already used for something else.');
    throw new Error(`unexpected ledger result: ${code}`);
  }

  /**
   * Moves money from the wallet into the fund (PIN). Confirmed on the next trading day
   * after T (see the calendar) and earning from then. The same id again answers the
   * original order.
   */
  async subscribe(
    userId: string,
    input: { id: string; amountMinor: number; pin: string },
    meta: RequestMeta,
  ): Promise<{ order: FundOrder; created: boolean }> {
    const amount = BigInt(input.amountMinor);
    const requestHash = sha256(JSON.stringify({ kind: 'subscribe', amount: input.amountMinor }));
    const replay = await this.#replay(userId, input.id, requestHash);
    if (replay) return { order: replay, created: false };
    if (amount <= 0n) throw new DomainError('invalid_amount', 'The amount must be positive.');
    await this.identity.verifyPin(userId, input.pin, meta);
    return this.#subscribe(userId, input.id, amount, requestHash, null);
  }

  /**
   * An operator's subscription without a PIN, confirmed on `confirmDay` (the demo seed uses
   * it to start a holding in the past so that the fund page has a history to show).
   */
  async operatorSubscribe(
    userId: string,
    amountMinor: bigint,
    confirmDay: Day,
  ): Promise<{ order: FundOrder; created: boolean }> {
    assert(amountMinor > 0n && isDay(confirmDay), 'a positive amount and a day');
    const id = newId(this.clock);
    const requestHash = sha256(JSON.stringify({ kind: 'subscribe', amount: Number(amountMinor) }));
    return this.#subscribe(userId, id, amountMinor, requestHash, {
      tradeDay: addDays(confirmDay, -1),
      effectiveDay: confirmDay,
    });
  }

  async #subscribe(
    userId: string,
    id: string,
    amount: bigint,
    requestHash: string,
    days: { tradeDay: Day; effectiveDay: Day } | null,
  ): Promise<{ order: FundOrder; created: boolean }> {
    const wallet = await this.wallet.wallet(userId);
    return this.#place(userId, id, requestHash, async (trx) => {
      const now = this.clock.now();
      const { tradeDay, effectiveDay } = days ?? settlementDay(this.calendar, now);
      await this.repo.lockHolding(trx, userId, now);
      const [result] = await this.ledger.applyInTransaction(trx, [
        plainTransfer(id, wallet.id, this.poolAccountId, amount, 'fund_subscribe', {
          kind: 'fund',
          from: userId,
          note: 'Fund subscription',
        }),
      ]);
      this.#expectApplied(
        result,
        () => new DomainError('insufficient_funds', 'Not enough money in the wallet. Nothing was moved.'),
      );
      const order: OrderRow = {
        id,
        userId,
        kind: 'subscribe',
        amount,
        currency: this.options.currency,
        status: 'pending',
        tradeDay,
        effectiveDay,
        requestHash,
        createdAt: now,
        doneAt: null,
      };
      if (!(await this.repo.insertOrder(trx, order))) throw new ReplayInstead();
      await this.repo.changeHolding(trx, userId, { pending: amount }, now);
      await this.#event(trx, userId, 'fund.subscribed', order);
      return order;
    });
  }

  /**
   * Takes money out of the fund (PIN): `instant` pays the wallet at once, within the daily
   * instant cap; `normal` stops earning now and arrives on the next trading day after T.
   * Checked under a lock on the holder's row, so concurrent redemptions can never take out
   * more than is held, nor more than the cap.
   */
  async redeem(
    userId: string,
    input: { id: string; amountMinor: number; mode: 'instant' | 'normal'; pin: string },
    meta: RequestMeta,
  ): Promise<{ order: FundOrder; created: boolean }> {
    const amount = BigInt(input.amountMinor);
    const kind: OrderKind = input.mode === 'instant' ? 'redeem_instant' : 'redeem_normal';
    const requestHash = sha256(JSON.stringify({ kind, amount: input.amountMinor }));
    const replay = await this.#replay(userId, input.id, requestHash);
    if (replay) return { order: replay, created: false };
    if (amount <= 0n) throw new DomainError('invalid_amount', 'The amount must be positive.');
    await this.identity.verifyPin(userId, input.pin, meta);
    const wallet = await this.wallet.wallet(userId);
    return this.#place(userId, input.id, requestHash, async (trx) => {
      const now = this.clock.now();
      const holding = await this.repo.lockHolding(trx, userId, now);
      if (await this.repo.findOrder(input.id, trx)) throw new ReplayInstead();
      if (holding.shares < amount) {
        throw new DomainError('insufficient_shares', 'The fund holds fewer confirmed shares than that.', {
          sharesMinor: wire(holding.shares),
          pendingSubscriptionMinor: wire(holding.pending),
        });
      }
      const today = this.#today();
      let tradeDay = today;
      let effectiveDay = today;
      if (kind === 'redeem_instant') {
        const max = this.options.instantDailyMaxMinor;
        if (!(await this.repo.reserveInstant(trx, userId, today, amount, max))) {
          const used = await this.repo.instantUsed(userId, today, trx);
          throw new DomainError(
            'instant_redemption_limit_exceeded',
            'This would go over the daily limit for instant redemptions. Normal redemption has no limit.',
            { dailyMaxMinor: wire(max), remainingMinor: wire(max > used ? max - used : 0n) },
          );
        }
      } else {
        ({ tradeDay, effectiveDay } = settlementDay(this.calendar, now));
      }
      const [result] = await this.ledger.applyInTransaction(trx, [
        plainTransfer(
          input.id,
          this.poolAccountId,
          wallet.id,
          amount,
          kind === 'redeem_instant' ? 'fund_redeem' : 'fund_redeem_normal',
          { kind: 'fund', to: userId, note: 'Fund redemption' },
          kind === 'redeem_normal' ? { flags: TransferFlag.pending } : {},
        ),
      ]);
      this.#expectApplied(result, () => new Error('the fund pool refused a redemption'));
      const order: OrderRow = {
        id: input.id,
        userId,
        kind,
        amount,
        currency: this.options.currency,
        status: kind === 'redeem_instant' ? 'done' : 'pending',
        tradeDay,
        effectiveDay,
        requestHash,
        createdAt: now,
        doneAt: kind === 'redeem_instant' ? now : null,
      };
      if (!(await this.repo.insertOrder(trx, order))) throw new ReplayInstead();
      await this.repo.changeHolding(trx, userId, { shares: -amount }, now);
      await this.#event(trx, userId, 'fund.redeemed', order);
      return order;
    });
  }

  async #event(trx: Transaction<Database>, userId: string, topic: string, order: OrderRow): Promise<void> {
    await writeOutbox(
      trx,
      [{ topic, audience: [userId], payload: { order: toOrder(order) } }],
      order.createdAt,
    );
  }

  /** Pays out normal redemptions whose day has come. Safe on many nodes at once. */
  async settleDueRedemptions(): Promise<number> {
    const today = this.#today();
    let settled = 0;
    for (let round = 0; round < limits.fundSettlementRoundsMax; round++) {
      const users: string[] = [];
      const n = await this.db.transaction().execute(async (trx) => {
        const due = await this.repo.lockDueRedemptions(trx, today, limits.fundSettlementBatchMax);
        if (due.length === 0) return 0;
        const results = await this.ledger.applyInTransaction(
          trx,
          due.map((o) => ({
            id: stepId(sha256(`fund:redemption:${o.id}:post`)),
            debitAccountId: '',
            creditAccountId: '',
            amount: 0n,
            code: 'fund_redeem_normal',
            flags: TransferFlag.postPending,
            pendingId: o.id,
            timeoutSeconds: 0,
            userData: null,
          })),
        );
        for (const r of results) {
          assert(r.status !== 'failed', `a due redemption posts (${r.status === 'failed' ? r.code : ''})`);
        }
        const marked = await this.repo.markDone(
          trx,
          due.map((o) => o.id),
          this.clock.now(),
        );
        assert(marked === due.length, 'every locked redemption is marked done');
        await writeOutbox(
          trx,
          due.map((o) => ({
            topic: 'fund.redemption_arrived',
            audience: [o.userId],
            payload: { order: toOrder({ ...o, status: 'done' }) },
          })),
          this.clock.now(),
        );
        users.push(...due.map((o) => o.userId));
        return due.length;
      });
      this.#announce(users);
      settled += n;
      if (n < limits.fundSettlementBatchMax) break;
    }
    return settled;
  }

  // ── Yields and accrual ───────────────────────────────────────────────

  /**
   * Publishes a day's per-10k yield ("1.2345"). Publishing the same value again is harmless;
   * a different value for a published day is refused.
   */
  async publishYield(
    date: string,
    per10k: string,
    source: 'published' | 'simulated' = 'published',
  ): Promise<FundYield & { created: boolean }> {
    const e4 = parsePer10k(per10k);
    if (!isDay(date) || e4 === null) {
      throw new DomainError(
        'yield_invalid',
        'Give a day YYYY-MM-DD and a per-10,000 yield from 0 to 10.0000 with at most four decimals.',
        { date, per10k },
      );
    }
    const { row, created } = await this.repo.publishYield(this.db, date, e4, source, this.clock.now());
    if (row.per10kE4 !== e4) {
      throw new DomainError(
        'yield_conflict',
        `The yield of ${date} is already ${formatPer10k(row.per10kE4)}.`,
        {
          date,
          per10k: formatPer10k(row.per10kE4),
        },
      );
    }
    return { day: row.day, per10k: formatPer10k(row.per10kE4), source: row.source, created };
  }

  /**
   * Accrues one day for every holder: subscriptions confirmed by that day start earning, then
   * each earning holder gets floor(shares × per-10k ÷ 10,000) as new shares, and the pool
   * receives the sum from the income source — all in one transaction. Running it again
   * for the day answers the first run and pays nothing.
   */
  async accrue(date: string): Promise<FundAccrual> {
    if (!isDay(date))
      throw new DomainError('invalid_request', 'The date is not YYYY-MM-DD.', { path: '/body/date' });
    // A future day accrued now would also block every day before it, for good.
    if (date > this.#today()) {
      throw new DomainError('invalid_request', `${date} has not begun yet in ${this.options.timeZone}.`, {
        path: '/body/date',
      });
    }
    const done = await this.repo.findAccrual(date);
    if (done) return toAccrual(done, false);
    const result = await this.db.transaction().execute(async (trx) => {
      await this.repo.lockAccruals(trx, limits.fundAccrualStatementTimeoutMs);
      const again = await this.repo.findAccrual(date, trx);
      if (again) return { row: again, created: false };
      const last = await this.repo.lastAccrualDay(trx);
      if (last !== null && last > date) {
        throw new DomainError('accrual_out_of_order', `Days up to ${last} are already accrued.`, {
          lastAccruedDay: last,
        });
      }
      const y = await this.repo.findYield(date, trx);
      if (!y) throw new DomainError('yield_missing', `No yield is published for ${date}.`, { date });
      const now = this.clock.now();
      const confirmed = await this.repo.confirmSubscriptions(trx, date, now);
      const { holders, total } = await this.repo.accrueIncomes(trx, date, y.per10kE4, now);
      assert(total >= 0n, 'income is never negative');
      let transferId: string | null = null;
      if (total > 0n) {
        transferId = stepId(sha256(`fund:accrual:${date}`));
        const [r] = await this.ledger.applyInTransaction(trx, [
          plainTransfer(transferId, this.incomeAccountId, this.poolAccountId, total, 'fund_income', {
            kind: 'fund_income',
            day: date,
          }),
        ]);
        assert(r?.status === 'ok', `the day's income moves into the pool (${r?.status})`);
      }
      const row: AccrualRow = {
        day: date,
        per10kE4: y.per10kE4,
        holders,
        incomeTotal: total,
        confirmedTotal: confirmed,
        transferId,
        createdAt: now,
      };
      await this.repo.insertAccrual(trx, row);
      return { row, created: true };
    });
    if (result.created) {
      this.logger.info(
        { day: date, holders: Number(result.row.holders), incomeMinor: result.row.incomeTotal.toString() },
        'fund accrued',
      );
    }
    return toAccrual(result.row, result.created);
  }

  /**
   * Accrues every day that is due: days up to yesterday with a yield (published, or with the
   * simulated source made now), after the last accrued day, oldest first.
   */
  async accrueDue(): Promise<FundAccrual[]> {
    const yesterday = addDays(this.#today(), -1);
    const last = await this.repo.lastAccrualDay();
    const out: FundAccrual[] = [];
    if (this.options.yieldSource === 'simulated') {
      let day = last === null ? yesterday : addDays(last, 1);
      for (let i = 0; i < limits.fundAccrualCatchUpDaysMax && day <= yesterday; i++) {
        if (!(await this.repo.findYield(day))) {
          await this.publishYield(day, formatPer10k(simulatedYieldE4(day)), 'simulated');
        }
        out.push(await this.accrue(day));
        day = addDays(day, 1);
      }
      return out;
    }
    // Consecutive days only: a day without a yield waits for the operator, and the days after
    // it wait with it (they could not be accrued before it afterwards).
    const days = await this.repo.yieldDaysAfter(last, yesterday, limits.fundAccrualCatchUpDaysMax);
    let previous = last;
    for (const day of days) {
      if (previous !== null && day !== addDays(previous, 1)) break;
      out.push(await this.accrue(day));
      previous = day;
    }
    return out;
  }

  /** One scheduler pass: redemptions that arrive, then accruals that are due. */
  async tick(): Promise<void> {
    await this.settleDueRedemptions();
    await this.accrueDue();
  }

  /** Runs `tick` now and then every minute, never two at once on this node. */
  startScheduler(): void {
    if (this.#timer) return;
    const run = () => {
      if (this.#running) return;
      this.#running = this.tick()
        .catch((error: unknown) => this.logger.error({ err: error }, 'fund scheduler pass failed'))
        .finally(() => {
          this.#running = undefined;
        });
    };
    run();
    this.#timer = setInterval(run, limits.fundSchedulerIntervalSeconds * 1000);
    this.#timer.unref();
  }

  async stopScheduler(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  // ── Invariants ───────────────────────────────────────────────────────

  /**
   * The sub-ledger against the ledger: the pool's available balance equals all shares plus
   * subscriptions awaiting confirmation; its held debits equal normal redemptions on their
   * way; the income source paid exactly the incomes recorded.
   */
  async verify(): Promise<FundVerifyReport> {
    const problems: string[] = [];
    const accounts = await this.ledger.accounts([this.poolAccountId, this.incomeAccountId]);
    const pool = accounts.find((a) => a.id === this.poolAccountId);
    const income = accounts.find((a) => a.id === this.incomeAccountId);
    assert(pool && income, 'the fund accounts exist');
    const t = await this.repo.totals();
    const poolAvailable = available(pool);
    if (poolAvailable !== t.shares + t.pending) {
      problems.push(
        `fund pool holds ${poolAvailable} but holders own ${t.shares} shares + ${t.pending} awaiting confirmation`,
      );
    }
    if (t.pending !== t.pendingOrders) {
      problems.push(`holdings await ${t.pending} but pending subscriptions sum to ${t.pendingOrders}`);
    }
    if (pool.debitsPending !== t.redeeming) {
      problems.push(
        `fund pool holds ${pool.debitsPending} for redemptions but ${t.redeeming} are on their way`,
      );
    }
    const paid = income.debitsPosted - income.creditsPosted;
    if (paid !== t.accrued || t.accrued !== t.incomes) {
      problems.push(
        `income source paid ${paid}, accruals say ${t.accrued}, holders' incomes sum to ${t.incomes}`,
      );
    }
    if (t.negative !== 0n) problems.push(`${t.negative} holdings are negative`);
    return {
      ok: problems.length === 0,
      holders: Number(t.holders),
      poolMinor: poolAvailable,
      sharesMinor: t.shares,
      problems,
    };
  }
}
