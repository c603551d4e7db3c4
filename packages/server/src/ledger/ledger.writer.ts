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
import { batchHash } from './ledger.hash.js';
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
}

export const defaultWriterOptions: WriterOptions = {
  maxBatchTransfers: 1024,
  maxQueuedTransfers: 100_000,
  maxExpiriesPerBatch: 1024,
  expiryCheckIntervalMs: 1000,
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
): Promise<AppliedBatch & { perGroup: TransferResult[][]; moreDue: boolean }> {
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
  const batchId = chain.lastBatchId + 1n;
  const hasWork = outcome.created.length + outcome.failures.length + outcome.entries.length > 0;
  if (hasWork) {
    const hash = batchHash(chain.lastHash, {
      id: batchId,
      transfers: outcome.created,
      failures: outcome.failures,
      entries: outcome.entries,
    });
    await repo.writeOutcome(trx, { id: batchId, prevHash: chain.lastHash, hash, at: now }, outcome);
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
    batchId: hasWork ? batchId : chain.lastBatchId,
    results: applied.results,
    perGroup,
    moreDue: maxExpiries > 0 && due.length >= maxExpiries,
  };
}

/**
 * The batching writer. Callers submit groups of transfers and wait; while one batch is
 * being committed the next requests queue up, so that under load each commit carries many
 * transfers and at rest a transfer is committed at once. Holds whose timeout passed are
 * released by the writer. Any number of writers (processes) may run against one Postgres:
 * the chain lock orders their batches.
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

  #kick(): void {
    if (this.#running) return;
    if (this.#queue.length === 0 && !this.#expiryDue) return;
    this.#running = true;
    this.#idle = new Promise((resolve) => {
      this.#markIdle = resolve;
    });
    void this.#run();
  }

  async #run(): Promise<void> {
    try {
      while (this.#queue.length > 0 || this.#expiryDue) {
        const groups: Group[] = [];
        let count = 0;
        while (this.#queue.length > 0) {
          const next = this.#queue[0] as Group;
          if (groups.length > 0 && count + next.transfers.length > this.options.maxBatchTransfers) break;
          this.#queue.shift();
          groups.push(next);
          count += next.transfers.length;
        }
        this.#queuedTransfers -= count;
        const expire = this.#expiryDue;
        this.#expiryDue = false;
        await this.#commit(groups, expire);
      }
    } finally {
      this.#running = false;
      this.#markIdle();
    }
  }

  async #commit(groups: Group[], expire: boolean): Promise<void> {
    try {
      const now = this.clock.now();
      const out = await this.db
        .transaction()
        .execute((trx) =>
          applyGroups(trx, this.repo, now, groups, expire ? this.options.maxExpiriesPerBatch : 0),
        );
      // More holds are due than one batch releases: the next batch takes the rest.
      if (out.moreDue) this.#expiryDue = true;
      groups.forEach((g, i) => {
        g.resolve(out.perGroup[i] ?? []);
      });
    } catch (error) {
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
