import { type Kysely, sql, type Transaction } from 'kysely';
import type { Clock } from '../../kernel/clock.js';
import { assert } from '../../kernel/errors.js';
import type { Logger } from '../../kernel/logger.js';
import type { Database } from '../db/schema.js';

/**
 * Durable scheduled jobs on the database every node shares.
 *
 * A job is one row per (kind, key): scheduling the same key twice keeps the first, so a
 * business object can name its own job (`transfer-card.expire` / card id) and schedule it
 * in the transaction that creates the object. Any node claims due jobs with
 * `FOR UPDATE SKIP LOCKED` and leases each one by moving its `run_at` a lease ahead; the
 * job row is deleted when its handler succeeds. A node that dies mid-job leaves the row to
 * come due again when the lease ends, so a job can run more than once: handlers must be
 * idempotent (do nothing when the work is already done).
 */

type Executor = Kysely<Database> | Transaction<Database>;

export interface JobSpec {
  kind: string;
  key: string;
  runAt: Date;
  payload?: unknown;
}

export interface Job<P = unknown> {
  kind: string;
  key: string;
  payload: P;
  /** 1 on the first run. */
  attempt: number;
  /** When the run started, by the runner's clock. */
  now: Date;
}

/** What a handler may return: nothing (done, the row is deleted) or a later time to run again. */
export type JobOutcome = undefined | { runAgainAt: Date };

export type JobHandler<P = unknown> = (job: Job<P>) => Promise<JobOutcome | undefined>;

export interface JobKindOptions {
  /** How long a claimed run may take before another node may run the job again. */
  leaseSeconds?: number;
  /** After this many failed runs the job is kept, marked dead, and never run again. */
  maxAttempts?: number;
  /** Delay after the n-th failure (1-based); default 2^n seconds capped at an hour. */
  backoffSeconds?: (failures: number) => number;
}

interface Registered {
  handler: JobHandler;
  leaseSeconds: number;
  maxAttempts: number;
  backoffSeconds: (failures: number) => number;
}

export const jobDefaults = {
  leaseSeconds: 60,
  maxAttempts: 20,
  pollMs: 1000,
  claimBatch: 16,
} as const;

export function defaultBackoffSeconds(failures: number): number {
  return Math.min(3600, 2 ** Math.min(failures, 12));
}

/** Schedules a job unless one with the same kind and key exists; true when this call added it. */
export async function scheduleJob(db: Executor, spec: JobSpec, now: Date): Promise<boolean> {
  assert(spec.kind.length > 0 && spec.key.length > 0, 'a job has a kind and a key');
  const rows = await db
    .insertInto('jobs')
    .values({
      kind: spec.kind,
      key: spec.key,
      payload: JSON.stringify(spec.payload ?? {}),
      run_at: spec.runAt,
      created_at: now,
      updated_at: now,
    })
    .onConflict((oc) => oc.columns(['kind', 'key']).doNothing())
    .returning('key')
    .execute();
  return rows.length === 1;
}

/** Removes a job that is no longer needed (the work happened another way). */
export async function cancelJob(db: Executor, kind: string, key: string): Promise<boolean> {
  const result = await db
    .deleteFrom('jobs')
    .where('kind', '=', kind)
    .where('key', '=', key)
    .executeTakeFirst();
  return result.numDeletedRows > 0n;
}

export interface RunReport {
  ran: number;
  failed: number;
}

export class JobRunner {
  readonly #kinds = new Map<string, Registered>();
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<unknown> | undefined;
  #stopped = false;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly options: { pollMs?: number; claimBatch?: number } = {},
  ) {}

  register<P>(kind: string, handler: JobHandler<P>, options: JobKindOptions = {}): void {
    assert(!this.#kinds.has(kind), `job kind ${kind} is registered once`);
    this.#kinds.set(kind, {
      handler: handler as JobHandler,
      leaseSeconds: options.leaseSeconds ?? jobDefaults.leaseSeconds,
      maxAttempts: options.maxAttempts ?? jobDefaults.maxAttempts,
      backoffSeconds: options.backoffSeconds ?? defaultBackoffSeconds,
    });
  }

  /** Polls for due jobs on this node until `stop()`. */
  start(): void {
    if (this.#timer) return;
    this.#stopped = false;
    this.#timer = setInterval(() => this.kick(), this.options.pollMs ?? jobDefaults.pollMs);
    this.#timer.unref();
    this.kick();
  }

  /** Runs due jobs now unless a pass is already going. */
  kick(): void {
    if (this.#running || this.#stopped) return;
    this.#running = this.runDue()
      .catch((error: unknown) => this.logger.error({ err: error }, 'job pass failed'))
      .finally(() => {
        this.#running = undefined;
      });
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  /** Claims and runs every job due by the clock, batch after batch, until none is left. */
  async runDue(): Promise<RunReport> {
    const report: RunReport = { ran: 0, failed: 0 };
    for (;;) {
      const claimed = await this.#claim();
      if (claimed.length === 0) return report;
      for (const job of claimed) {
        const ok = await this.#run(job);
        if (ok) report.ran += 1;
        else report.failed += 1;
      }
      if (this.#stopped) return report;
    }
  }

  async #claim(): Promise<ClaimedRow[]> {
    const kinds = [...this.#kinds.keys()];
    if (kinds.length === 0) return [];
    const now = this.clock.now();
    // A pass leases what it claims for the longest lease of the kinds this node runs.
    const lease = Math.max(...[...this.#kinds.values()].map((k) => k.leaseSeconds));
    const leaseUntil = new Date(now.getTime() + lease * 1000);
    const limit = this.options.claimBatch ?? jobDefaults.claimBatch;
    const result = await sql<ClaimedRow>`
      UPDATE jobs SET run_at = ${leaseUntil}, attempts = attempts + 1, updated_at = ${now}
      WHERE (kind, key) IN (
        SELECT kind, key FROM jobs
        WHERE NOT dead AND run_at <= ${now} AND kind IN (${sql.join(kinds)})
        ORDER BY run_at
        LIMIT ${limit}
        FOR UPDATE SKIP LOCKED
      )
      RETURNING kind, key, payload, attempts, run_at
    `.execute(this.db);
    return result.rows.map((row) => ({ ...row, now }));
  }

  async #run(row: ClaimedRow): Promise<boolean> {
    const kind = this.#kinds.get(row.kind);
    assert(kind, 'only registered kinds are claimed');
    const payload = typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload;
    const leasedUntil = new Date(row.run_at);
    try {
      const outcome = await kind.handler({
        kind: row.kind,
        key: row.key,
        payload,
        attempt: row.attempts,
        now: row.now,
      });
      if (outcome?.runAgainAt) {
        await this.#settle(row, leasedUntil, { run_at: outcome.runAgainAt, attempts: 0, last_error: null });
      } else {
        await this.db
          .deleteFrom('jobs')
          .where('kind', '=', row.kind)
          .where('key', '=', row.key)
          .where('run_at', '=', leasedUntil)
          .execute();
      }
      return true;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const dead = row.attempts >= kind.maxAttempts;
      const retryAt = new Date(this.clock.now().getTime() + kind.backoffSeconds(row.attempts) * 1000);
      this.logger[dead ? 'error' : 'warn'](
        { err: error, job: { kind: row.kind, key: row.key, attempt: row.attempts } },
        dead ? 'job failed for the last time' : 'job failed; it will run again',
      );
      await this.#settle(row, leasedUntil, { run_at: retryAt, last_error: message.slice(0, 1000), dead });
      return false;
    }
  }

  /** Changes a claimed row unless someone else has claimed or replaced it since. */
  async #settle(
    row: ClaimedRow,
    leasedUntil: Date,
    changes: { run_at: Date; attempts?: number; last_error: string | null; dead?: boolean },
  ): Promise<void> {
    await this.db
      .updateTable('jobs')
      .set({ ...changes, updated_at: this.clock.now() })
      .where('kind', '=', row.kind)
      .where('key', '=', row.key)
      .where('run_at', '=', leasedUntil)
      .execute();
  }
}

interface ClaimedRow {
  kind: string;
  key: string;
  payload: unknown;
  attempts: number;
  run_at: Date;
  now: Date;
}
