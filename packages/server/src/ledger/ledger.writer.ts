import type { Kysely, Transaction } from 'kysely';
import type { Clock } from '../kernel/clock.js';
import { assert, DomainError } from '../kernel/errors.js';
import type { Logger } from '../kernel/logger.js';
import type { Database } from '../platform/db/schema.js';
import { type OutboxEvent, writeOutbox } from '../platform/outbox/outbox.js';
import {
  type Account,
  applyBatch,
  type BatchOutcome,
  expirePending,
  type LedgerView,
  type PendingState,
  type Transfer,
  TransferFlag,
  type TransferInput,
  type TransferResult,
} from './ledger.core.js';
import { batchContentHash } from './ledger.hash.js';
import type { LedgerRepository } from './ledger.repository.js';

export interface WriterOptions {
  /** Transfers per database transaction, at most. */
  maxBatchTransfers: number;
  /** Transfers waiting, at most; beyond it submissions are refused (backpressure). */
  maxQueuedTransfers: number;
  /** Expired holds released per batch, at most. */
  maxExpiriesPerBatch: number;
  /** How often to look for holds whose timeout has passed. */
  expiryCheckIntervalMs: number;
  /** Batches sent and not yet answered, at most (1: the next batch waits for the last). */
  maxInFlightBatches: number;
  /** Account states the writer keeps in memory, at most. */
  maxKnownAccounts: number;
  /**
   * After the database refused a fast batch, how long to take the slow path only. Another
   * writer is changing the same accounts: every fast batch would likely be refused too.
   */
  fastPauseAfterRefusalMs: number;
}

export const defaultWriterOptions: WriterOptions = {
  maxBatchTransfers: 1024,
  maxQueuedTransfers: 100_000,
  maxExpiriesPerBatch: 1024,
  expiryCheckIntervalMs: 1000,
  maxInFlightBatches: 2,
  maxKnownAccounts: 200_000,
  fastPauseAfterRefusalMs: 200,
};

/**
 * The update-log events a submission produces once its results are known (e.g. "money
 * received" when it went through). They are written in the batch's own transaction, all
 * groups' events together in one statement.
 */
export type AfterApply = (results: readonly TransferResult[]) => readonly OutboxEvent[];

interface Group {
  transfers: readonly TransferInput[];
  afterApply: AfterApply | undefined;
  resolve: (results: TransferResult[]) => void;
  reject: (error: unknown) => void;
}

export interface AppliedBatch {
  batchId: bigint;
  results: TransferResult[];
}

/**
 * Applies groups of transfers in one transaction: takes the chain head (one batch at a time
 * across all nodes), locks the touched accounts in id order, releases expired holds, runs
 * the pure state machine, writes the outcome and the next link of the hash chain.
 */
export async function applyGroups(
  trx: Transaction<Database>,
  repo: LedgerRepository,
  now: Date,
  groups: readonly { transfers: readonly TransferInput[]; afterApply?: AfterApply | undefined }[],
  maxExpiries: number,
): Promise<
  AppliedBatch & {
    perGroup: TransferResult[][];
    moreDue: boolean;
    /** Every account the batch read, as it stands after the batch. */
    accounts: Map<string, Account>;
  }
> {
  const inputs = groups.flatMap((g) => g.transfers);
  const ids = inputs.map((t) => t.id);
  const pendingIds = inputs.flatMap((t) => (t.pendingId ? [t.pendingId] : []));
  const accountIds = new Set<string>();
  for (const t of inputs) {
    if (t.debitAccountId) accountIds.add(t.debitAccountId);
    if (t.creditAccountId) accountIds.add(t.creditAccountId);
  }
  const read = await repo.readBatch(trx, {
    ids,
    transferIds: [...new Set([...ids, ...pendingIds])],
    accountIds: [...accountIds],
    now,
    maxExpiries,
  });
  const chain = { lastBatchId: read.lastBatchId, lastHash: read.lastHash };
  const { accounts, transfers, failures, due } = read;

  const transferMap = new Map(transfers.map((t) => [t.id, t]));
  const view: LedgerView = {
    accounts: new Map(accounts.map((a) => [a.id, a])),
    transfers: transferMap,
    failures: new Map(failures.map((f) => [f.id, f])),
  };
  const expired = expirePending(view, due, now);
  const afterExpiry: LedgerView = {
    accounts: new Map([...view.accounts, ...expired.accounts]),
    transfers: new Map(
      [...transferMap].map(([id, t]): [string, Transfer] => {
        const state = expired.pendingStates.get(id);
        return [id, state ? { ...t, state } : t];
      }),
    ),
    failures: view.failures,
  };
  const applied = applyBatch(afterExpiry, inputs, now);
  const outcome: Pick<BatchOutcome, 'created' | 'failures' | 'pendingStates' | 'accounts' | 'entries'> = {
    created: applied.created,
    failures: applied.failures,
    pendingStates: new Map<string, PendingState>([...expired.pendingStates, ...applied.pendingStates]),
    accounts: new Map<string, Account>([...expired.accounts, ...applied.accounts]),
    entries: [...expired.entries, ...applied.entries],
  };
  const hasWork = outcome.created.length + outcome.failures.length + outcome.entries.length > 0;
  let batchId = chain.lastBatchId;
  if (hasWork) {
    // Read under the chain lock just now: it cannot be stale.
    batchId = await repo.commitBatch(
      trx,
      {
        at: now,
        contentHash: batchContentHash({
          transfers: outcome.created,
          failures: outcome.failures,
          entries: outcome.entries,
        }),
        expected: accounts,
      },
      outcome,
    );
  }
  const perGroup: TransferResult[][] = [];
  const events: OutboxEvent[] = [];
  let offset = 0;
  for (const g of groups) {
    const slice = applied.results.slice(offset, offset + g.transfers.length);
    offset += g.transfers.length;
    perGroup.push(slice);
    if (g.afterApply) events.push(...g.afterApply(slice));
  }
  if (events.length > 0) await writeOutbox(trx, events, now);
  return {
    batchId,
    results: applied.results,
    perGroup,
    moreDue: maxExpiries > 0 && due.length >= maxExpiries,
    accounts: new Map([...view.accounts, ...outcome.accounts]),
  };
}

/** A batch sent to the database and not yet answered. */
interface InFlight {
  groups: Group[];
  /** The account states it wrote (the speculative states later batches were decided on). */
  accounts: Map<string, Account>;
  /** Sent while an earlier batch was in flight (and so perhaps decided on what it would write). */
  behind: boolean;
}

/**
 * The batching writer. Callers submit groups of transfers and wait; while batches are being
 * committed the next requests queue up, so that under load each commit carries many
 * transfers and at rest a transfer is committed at once. Holds whose timeout passed are
 * released by the writer. Any number of writers (processes) may run against one Postgres:
 * the chain lock orders their batches.
 *
 * The fast path (plain and pending transfers, the common case) reads nothing: the writer
 * keeps the states of the accounts it has seen, decides a batch against them, and sends it
 * as one self-committing statement that checks, under the chain lock, that the batch's ids
 * are new and that every account is still in the state it was decided against. Up to
 * `maxInFlightBatches` batches are in flight: batch N+1 is decided against the states batch
 * N will leave, and sent while N commits (its statement waits for N's lock). Callers hear
 * their results only once their batch has committed. When a check fails (another writer
 * or a business transaction changed an account, a retried id is stored, or batch N failed
 * under N+1) nothing of that batch is written; once the batches in flight have been
 * answered it is decided again, on the fast path with the states the refusal read, or (a
 * stored id, a second refusal) on the slow path, which reads everything under the chain
 * lock. Post, void, expiry and transfers naming an account the writer cannot find take the
 * slow path too.
 */
export class LedgerWriter {
  readonly #queue: Group[] = [];
  #queuedTransfers = 0;
  #running = false;
  #expiryDue = true;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  #idle: Promise<void> = Promise.resolve();
  #markIdle: () => void = () => undefined;
  /** Account states as last committed, as far as this writer knows (checked at commit). */
  readonly #known = new Map<string, Account>();
  /** States that batches in flight will leave, newest first per account. */
  readonly #speculative = new Map<string, Account>();
  readonly #inFlight = new Set<InFlight>();
  /** Groups that must take the slow path (their fast attempt was refused). */
  readonly #slow = new WeakSet<Group>();
  /** Groups refused once as stale: tried fast once more, then slow. */
  readonly #retried = new WeakSet<Group>();
  /** Send no fast batch until every batch in flight is answered. */
  #drainFirst = false;
  #wake: (() => void) | undefined;
  /** performance.now() until which every batch takes the slow path. */
  #fastPausedUntil = 0;
  readonly options: WriterOptions;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly repo: LedgerRepository,
    private readonly clock: Clock,
    private readonly logger: Logger,
    options: Partial<WriterOptions> = {},
  ) {
    this.options = { ...defaultWriterOptions, ...options };
  }

  /** Starts the timer that looks for expired holds. */
  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => {
      this.#expiryDue = true;
      this.#kick();
    }, this.options.expiryCheckIntervalMs);
    this.#timer.unref();
  }

  /** Stops taking work and waits for what is queued to be written. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#idle;
  }

  /** Applies the transfers (a linked chain must end inside the group) and returns one result each. */
  submit(transfers: readonly TransferInput[], afterApply?: AfterApply): Promise<TransferResult[]> {
    assert(transfers.length > 0, 'a submission has transfers');
    assert(transfers.length <= this.options.maxBatchTransfers, 'a submission fits in one batch');
    assert(
      ((transfers[transfers.length - 1] as TransferInput).flags & TransferFlag.linked) === 0,
      'a linked chain ends inside its submission',
    );
    if (this.#closed)
      return Promise.reject(new DomainError('service_unavailable', 'The ledger is shutting down.'));
    if (this.#queuedTransfers + transfers.length > this.options.maxQueuedTransfers) {
      return Promise.reject(new DomainError('service_unavailable', 'The ledger is busy; try again shortly.'));
    }
    return new Promise<TransferResult[]>((resolve, reject) => {
      this.#queue.push({ transfers, afterApply, resolve, reject });
      this.#queuedTransfers += transfers.length;
      this.#kick();
    });
  }

  /** Releases due holds now (also done every expiryCheckIntervalMs). */
  async expireNow(): Promise<void> {
    this.#expiryDue = true;
    await new Promise<void>((resolve, reject) => {
      this.#queue.push({ transfers: [], afterApply: undefined, resolve: () => resolve(), reject });
      this.#kick();
    });
  }

  /**
   * What the writer did so far: batches written on the fast path, fast batches the database
   * refused (an id stored or an account changed since it was read), and batches read and
   * written under the chain lock (the slow path). For tests and metrics.
   */
  readonly stats = { fast: 0, refused: 0, slow: 0 };

  /**
   * Forgets what this writer holds of these accounts: they are being changed beside it (a
   * business transaction through `applyInTransaction`). The next batch that names them reads
   * them again instead of being decided on a state that is about to be stale.
   */
  forget(accountIds: Iterable<string>): void {
    for (const id of accountIds) this.#known.delete(id);
  }

  /** How many account states the writer holds (for tests and metrics). */
  get knownAccounts(): number {
    return this.#known.size;
  }

  #kick(): void {
    if (this.#running) {
      // The loop may be waiting for an answer while there is room to send more.
      const wake = this.#wake;
      this.#wake = undefined;
      wake?.();
      return;
    }
    if (this.#queue.length === 0 && !this.#expiryDue) return;
    this.#running = true;
    this.#idle = new Promise((resolve) => {
      this.#markIdle = resolve;
    });
    void this.#run();
  }

  /** Waits until a batch in flight is answered. */
  #answered(): Promise<void> {
    return new Promise((resolve) => {
      this.#wake = resolve;
    });
  }

  #isFast(g: Group): boolean {
    if (g.transfers.length === 0 || this.#slow.has(g)) return false;
    if (this.#fastPausedUntil > 0) {
      if (performance.now() < this.#fastPausedUntil) return false;
      this.#fastPausedUntil = 0;
    }
    for (const t of g.transfers) {
      if (t.pendingId !== null || (t.flags & (TransferFlag.postPending | TransferFlag.voidPending)) !== 0)
        return false;
    }
    return true;
  }

  /** Takes queued groups for one batch, while `accept` says yes and they fit. */
  #take(accept: (g: Group) => boolean, max = this.options.maxBatchTransfers): Group[] {
    const groups: Group[] = [];
    let count = 0;
    while (this.#queue.length > 0) {
      const next = this.#queue[0] as Group;
      if (!accept(next)) break;
      if (groups.length > 0 && count + next.transfers.length > max) break;
      this.#queue.shift();
      groups.push(next);
      count += next.transfers.length;
    }
    this.#queuedTransfers -= count;
    return groups;
  }

  /**
   * Puts groups back at the head of the queue, in their order: for the slow path, or with
   * `fastAgain` for one more fast attempt (the slow path for a group that had it already).
   */
  #requeue(groups: readonly Group[], fastAgain = false): void {
    for (const g of groups) {
      if (fastAgain && !this.#retried.has(g)) this.#retried.add(g);
      else this.#slow.add(g);
    }
    this.#queue.unshift(...groups);
    this.#queuedTransfers += groups.reduce((n, g) => n + g.transfers.length, 0);
  }

  async #run(): Promise<void> {
    try {
      for (;;) {
        const head = this.#queue[0];
        if (head === undefined && !this.#expiryDue) {
          if (this.#inFlight.size === 0) break;
          await this.#answered();
          continue;
        }
        if (this.#expiryDue || (head !== undefined && !this.#isFast(head))) {
          // The slow path reads under the chain lock: let the batches in flight finish first,
          // so that what it reads and what this writer knows agree.
          if (this.#inFlight.size > 0) {
            await this.#answered();
            continue;
          }
          const groups = this.#take(() => true);
          const expire = this.#expiryDue;
          this.#expiryDue = false;
          await this.#commit(groups, expire);
          continue;
        }
        if (this.#drainFirst && this.#inFlight.size === 0) this.#drainFirst = false;
        if (this.#inFlight.size >= this.options.maxInFlightBatches || this.#drainFirst) {
          await this.#answered();
          continue;
        }
        // With nothing in flight, send half of what waits now and the rest right behind it:
        // the second half is decided while the first commits, and from then on batches
        // alternate, one being decided while the other commits.
        const split =
          this.#inFlight.size === 0 && this.options.maxInFlightBatches > 1 && this.#queuedTransfers >= 16
            ? Math.ceil(this.#queuedTransfers / 2)
            : this.options.maxBatchTransfers;
        await this.#send(this.#take((g) => this.#isFast(g), split));
      }
    } finally {
      this.#running = false;
      this.#markIdle();
    }
  }

  /** The state a new batch is decided against: what the batches in flight will leave, else what is known. */
  #current(id: string): Account | undefined {
    return this.#speculative.get(id) ?? this.#known.get(id);
  }

  #learn(account: Account): void {
    const known = this.#known.get(account.id);
    // Versions only grow: never go back to an older state that arrives late.
    if (known !== undefined && known.version > account.version) return;
    this.#known.delete(account.id);
    this.#known.set(account.id, account);
    if (this.#known.size > this.options.maxKnownAccounts) {
      const oldest = this.#known.keys().next().value;
      if (oldest !== undefined) this.#known.delete(oldest);
    }
  }

  /** Decides a batch against the states this writer holds and sends it without waiting. */
  async #send(groups: Group[]): Promise<void> {
    const inputs = groups.flatMap((g) => g.transfers);
    const ids = new Set<string>();
    for (const t of inputs) {
      ids.add(t.debitAccountId);
      ids.add(t.creditAccountId);
    }
    const missing = [...ids].filter((id) => this.#current(id) === undefined);
    if (missing.length > 0) {
      try {
        for (const a of await this.repo.findAccounts(missing)) this.#learn(a);
      } catch (error) {
        this.#fail(groups, error);
        return;
      }
    }
    const accounts = new Map<string, Account>();
    for (const id of ids) {
      const a = this.#current(id);
      // An account this writer cannot find: the slow path decides (and keeps the failure).
      if (a === undefined) {
        this.#requeue(groups);
        return;
      }
      accounts.set(id, a);
    }
    const now = this.clock.now();
    const applied = applyBatch({ accounts, transfers: new Map(), failures: new Map() }, inputs, now);
    if (applied.created.length + applied.failures.length === 0) {
      this.#requeue(groups);
      return;
    }
    const perGroup: TransferResult[][] = [];
    const events: OutboxEvent[] = [];
    let offset = 0;
    for (const g of groups) {
      const slice = applied.results.slice(offset, offset + g.transfers.length);
      offset += g.transfers.length;
      perGroup.push(slice);
      if (g.afterApply) events.push(...g.afterApply(slice));
    }
    const batch = {
      at: now,
      contentHash: batchContentHash({
        transfers: applied.created,
        failures: applied.failures,
        entries: applied.entries,
      }),
      expected: [...accounts.values()],
    };
    const flight: InFlight = {
      groups,
      accounts: applied.accounts,
      behind: this.#inFlight.size > 0,
    };
    for (const a of applied.accounts.values()) this.#speculative.set(a.id, a);
    this.#inFlight.add(flight);
    const commit =
      events.length === 0
        ? this.repo.commitBatch(this.db, batch, applied)
        : this.db.transaction().execute(async (trx) => {
            const batchId = await this.repo.commitBatch(trx, batch, applied);
            await writeOutbox(trx, events, now);
            return batchId;
          });
    commit
      .then(
        () => null,
        async (error: unknown) => ({ error, refused: await this.repo.refusal(error, [...accounts.keys()]) }),
      )
      .then(
        (failed) => {
          if (failed === null) {
            this.#settle(flight, true, false);
            this.stats.fast++;
            groups.forEach((g, i) => {
              g.resolve(perGroup[i] ?? []);
            });
          } else if (failed.refused === null) {
            // The statement failed: it may have committed after all (the answer was lost).
            this.#settle(flight, false, true);
            this.#fail(groups, failed.error);
          } else {
            // Refused: nothing of it was written.
            this.#settle(flight, false, false);
            this.stats.refused++;
            const refused = failed.refused;
            if (refused.status === 'stale') for (const a of refused.accounts) this.#learn(a);
            // An id is stored (a retry): the slow path answers it with the original.
            // Stale: the refusal has just taught this writer the accounts' current states.
            // Decide the groups once more on the fast path when every batch in flight is
            // answered: a batch sent behind another may simply have taken the chain lock first
            // (two connections) or been decided on what a refused batch would have written, and
            // a change made beside this writer (a business transaction through
            // `applyInTransaction`, a batch of another writer) is usually over by then. A group
            // refused again takes the slow path; if it was not behind another batch, another
            // writer keeps changing these accounts: pause the fast path, whose batches would
            // likely be refused too.
            if (refused.status === 'exists') {
              this.#requeue(groups);
            } else {
              if (!flight.behind && groups.some((g) => this.#retried.has(g))) {
                this.#fastPausedUntil = performance.now() + this.options.fastPauseAfterRefusalMs;
              }
              this.#drainFirst = true;
              this.#requeue(groups, true);
            }
          }
          this.#kick();
        },
        (error: unknown) => {
          // Reading the accounts of a refused batch failed: what it did is not known.
          this.#settle(flight, false, true);
          this.#fail(groups, error);
          this.#kick();
        },
      );
  }

  /** A batch in flight was answered: its states are now known, or were never written. */
  #settle(flight: InFlight, written: boolean, uncertain: boolean): void {
    this.#inFlight.delete(flight);
    for (const a of flight.accounts.values()) {
      if (written) this.#learn(a);
      // Batches decided on this state after it will be refused by their own checks if it
      // was not written; new ones start again from what is known.
      if (!written || this.#speculative.get(a.id) === a) this.#speculative.delete(a.id);
      // The statement failed: it may have committed after all (the answer was lost).
      if (uncertain) this.#known.delete(a.id);
    }
  }

  #fail(groups: readonly Group[], error: unknown): void {
    this.logger.error(
      { err: error, groups: groups.length },
      'ledger batch failed; nothing of it was written',
    );
    for (const g of groups) g.reject(error);
  }

  async #commit(groups: Group[], expire: boolean): Promise<void> {
    try {
      const now = this.clock.now();
      const out = await this.db
        .transaction()
        .execute((trx) =>
          applyGroups(trx, this.repo, now, groups, expire ? this.options.maxExpiriesPerBatch : 0),
        );
      this.stats.slow++;
      for (const a of out.accounts.values()) this.#learn(a);
      // More holds are due than one batch releases: the next batch takes the rest.
      if (out.moreDue) this.#expiryDue = true;
      groups.forEach((g, i) => {
        g.resolve(out.perGroup[i] ?? []);
      });
    } catch (error) {
      // The transaction may have committed after all (the answer was lost): forget what it read.
      this.#known.clear();
      this.logger.error(
        { err: error, groups: groups.length },
        'ledger batch failed; nothing of it was written',
      );
      for (const g of groups) g.reject(error);
      // A failed expiry pass is tried again on the next tick.
      if (expire) this.#expiryDue = false;
    }
  }
}
