import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../kernel/clock.js';
import { createLogger } from '../../kernel/logger.js';
import { createTestDatabase } from '../../test/db.js';
import type { DatabaseHandle } from '../db/connect.js';
import { cancelJob, JobRunner, scheduleJob } from './jobs.js';

let database: DatabaseHandle;
const logger = createLogger('silent');

beforeAll(async () => {
  database = await createTestDatabase();
});

afterAll(async () => {
  await database?.close();
});

beforeEach(async () => {
  await sql`DELETE FROM jobs`.execute(database.db);
});

async function rows() {
  return database.db.selectFrom('jobs').selectAll().orderBy('key').execute();
}

describe('durable jobs', () => {
  it('runs a job once it is due, with its payload, and then forgets it', async () => {
    const clock = new ManualClock('2026-11-26T00:00:00Z');
    const runner = new JobRunner(database.db, clock, logger);
    const seen: unknown[] = [];
    runner.register<{ amount: number }>('card.expire', async (job) => {
      seen.push([job.key, job.payload.amount, job.attempt, job.now.toISOString()]);
      return undefined;
    });
    expect(
      await scheduleJob(
        database.db,
        { kind: 'card.expire', key: 'c1', runAt: new Date('2026-11-27T00:00:00Z'), payload: { amount: 5 } },
        clock.now(),
      ),
    ).toBe(true);
    // The same key again keeps the first.
    expect(
      await scheduleJob(
        database.db,
        { kind: 'card.expire', key: 'c1', runAt: new Date('2026-11-26T00:00:00Z'), payload: { amount: 9 } },
        clock.now(),
      ),
    ).toBe(false);

    expect(await runner.runDue()).toEqual({ ran: 0, failed: 0 });
    clock.set('2026-11-26T23:59:59.999Z');
    expect(await runner.runDue()).toEqual({ ran: 0, failed: 0 });
    clock.set('2026-11-27T00:00:00Z');
    expect(await runner.runDue()).toEqual({ ran: 1, failed: 0 });
    expect(seen).toEqual([['c1', 5, 1, '2026-11-27T00:00:00.000Z']]);
    expect(await rows()).toEqual([]);
    expect(await runner.runDue()).toEqual({ ran: 0, failed: 0 });
  });

  it('retries a failing job with backoff, then marks it dead after the last attempt', async () => {
    const clock = new ManualClock('2026-11-26T00:00:00Z');
    const runner = new JobRunner(database.db, clock, logger);
    let calls = 0;
    runner.register(
      'flaky',
      async () => {
        calls += 1;
        throw new Error(`boom ${calls}`);
      },
      { maxAttempts: 3, backoffSeconds: (n) => n * 10 },
    );
    await scheduleJob(database.db, { kind: 'flaky', key: 'k', runAt: clock.now() }, clock.now());
    expect(await runner.runDue()).toEqual({ ran: 0, failed: 1 });
    let [row] = await rows();
    expect(row).toMatchObject({ attempts: 1, last_error: 'boom 1', dead: false });
    expect(row?.run_at.toISOString()).toBe('2026-11-26T00:00:10.000Z');
    clock.advanceSeconds(9);
    expect(await runner.runDue()).toEqual({ ran: 0, failed: 0 });
    clock.advanceSeconds(1);
    expect(await runner.runDue()).toEqual({ ran: 0, failed: 1 });
    [row] = await rows();
    expect(row?.run_at.toISOString()).toBe('2026-11-26T00:00:30.000Z');
    clock.advanceSeconds(20);
    expect(await runner.runDue()).toEqual({ ran: 0, failed: 1 });
    [row] = await rows();
    expect(row).toMatchObject({ attempts: 3, last_error: 'boom 3', dead: true });
    clock.advanceSeconds(3600 * 24);
    expect(await runner.runDue()).toEqual({ ran: 0, failed: 0 });
    expect(calls).toBe(3);
  });

  it('reschedules a job that asks to run again, with its attempts reset', async () => {
    const clock = new ManualClock('2026-11-26T00:00:00Z');
    const runner = new JobRunner(database.db, clock, logger);
    const runs: number[] = [];
    runner.register('poll', async (job) => {
      runs.push(job.attempt);
      return runs.length < 3 ? { runAgainAt: new Date(job.now.getTime() + 60_000) } : undefined;
    });
    await scheduleJob(database.db, { kind: 'poll', key: 'p', runAt: clock.now() }, clock.now());
    for (let i = 0; i < 5; i++) {
      await runner.runDue();
      clock.advanceSeconds(60);
    }
    expect(runs).toEqual([1, 1, 1]);
    expect(await rows()).toEqual([]);
  });

  it('runs a job again when the node that claimed it never finished (lease over)', async () => {
    const clock = new ManualClock('2026-11-26T00:00:00Z');
    const runner = new JobRunner(database.db, clock, logger);
    runner.register('refund', async () => undefined, { leaseSeconds: 30 });
    await scheduleJob(database.db, { kind: 'refund', key: 'r', runAt: clock.now() }, clock.now());
    // A node claims it and dies: the row is leased for 30 s.
    await sql`UPDATE jobs SET run_at = ${new Date(clock.now().getTime() + 30_000)}, attempts = 1`.execute(
      database.db,
    );
    expect(await runner.runDue()).toEqual({ ran: 0, failed: 0 });
    clock.advanceSeconds(30);
    expect(await runner.runDue()).toEqual({ ran: 1, failed: 0 });
    expect(await rows()).toEqual([]);
  });

  it('leaves kinds it does not know to the nodes that do, and cancels by key', async () => {
    const clock = new ManualClock('2026-11-26T00:00:00Z');
    const runner = new JobRunner(database.db, clock, logger);
    runner.register('known', async () => undefined);
    await scheduleJob(database.db, { kind: 'unknown', key: 'u', runAt: clock.now() }, clock.now());
    await scheduleJob(database.db, { kind: 'known', key: 'x', runAt: clock.now() }, clock.now());
    await scheduleJob(database.db, { kind: 'known', key: 'y', runAt: clock.now() }, clock.now());
    expect(await cancelJob(database.db, 'known', 'y')).toBe(true);
    expect(await cancelJob(database.db, 'known', 'y')).toBe(false);
    expect(await runner.runDue()).toEqual({ ran: 1, failed: 0 });
    expect((await rows()).map((r) => r.kind)).toEqual(['unknown']);
  });

  it('schedules inside a transaction that rolls back: no job', async () => {
    const clock = new ManualClock('2026-11-26T00:00:00Z');
    await expect(
      database.db.transaction().execute(async (trx) => {
        await scheduleJob(trx, { kind: 'k', key: 'gone', runAt: clock.now() }, clock.now());
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(await rows()).toEqual([]);
  });
});
