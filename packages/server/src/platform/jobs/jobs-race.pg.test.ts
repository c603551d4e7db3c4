import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../kernel/clock.js';
import { createLogger } from '../../kernel/logger.js';
import { createTestDatabase } from '../../test/db.js';
import type { DatabaseHandle } from '../db/connect.js';
import { JobRunner, scheduleJob } from './jobs.js';

/** Several runners ("nodes") on separate pools work one queue: every job runs exactly once. */
let database: DatabaseHandle;

beforeAll(async () => {
  database = await createTestDatabase({ poolMax: 12 });
});

afterAll(async () => {
  await database?.close();
});

describe('jobs across nodes', () => {
  it('four runners at once run each of 400 due jobs exactly once', async () => {
    const clock = new ManualClock('2026-11-26T00:00:00Z');
    const now = clock.now();
    for (let i = 0; i < 400; i += 100) {
      await database.db
        .insertInto('jobs')
        .values(
          Array.from({ length: 100 }, (_, j) => ({
            kind: 'expire',
            key: `k${i + j}`,
            payload: JSON.stringify({ n: i + j }),
            run_at: now,
            created_at: now,
            updated_at: now,
          })),
        )
        .execute();
    }
    const runs = new Map<string, number>();
    const byRunner = [0, 0, 0, 0];
    const runners = byRunner.map((_, r) => {
      const runner = new JobRunner(database.db, clock, createLogger('silent'), { claimBatch: 8 });
      runner.register('expire', async (job) => {
        runs.set(job.key, (runs.get(job.key) ?? 0) + 1);
        byRunner[r] = (byRunner[r] ?? 0) + 1;
        // Let the others in while this one works.
        await new Promise((resolve) => setImmediate(resolve));
        return undefined;
      });
      return runner;
    });
    const reports = await Promise.all(runners.map((runner) => runner.runDue()));
    expect(reports.reduce((sum, r) => sum + r.ran, 0)).toBe(400);
    expect(runs.size).toBe(400);
    expect([...runs.values()].every((n) => n === 1)).toBe(true);
    // The work was shared, not done by one node while the others waited on locks.
    expect(byRunner.filter((n) => n > 0).length).toBeGreaterThan(1);
    const left = await database.db
      .selectFrom('jobs')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirst();
    expect(Number(left?.n)).toBe(0);
    // A job added later is claimed by one of them only.
    await scheduleJob(database.db, { kind: 'expire', key: 'late', runAt: now }, now);
    const again = await Promise.all(runners.map((runner) => runner.runDue()));
    expect(again.map((r) => r.ran).sort()).toEqual([0, 0, 0, 1]);
  });
});
