import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../kernel/logger.js';
import { LedgerService } from '../ledger/ledger.service.js';
import type { DatabaseHandle } from '../platform/db/connect.js';
import { createTestApp, type TestApp } from '../test/app.js';
import { createTestDatabase } from '../test/db.js';
import { jiaoziCli } from '../test/processes.js';

const run = promisify(execFile);

/**
 * Crash test: `jiaozi fund accrue` is killed with SIGKILL while its accrual statement runs
 * over 100,000 holders. Nothing of the day is left behind; running it again pays the day
 * exactly once, and every invariant holds.
 */
describe('kill -9 in the middle of an accrual', () => {
  const holders = 100_000;
  // A day that has begun in every time zone: the day before yesterday (UTC).
  const day = new Date(Date.now() - 2 * 86_400_000).toISOString().slice(0, 10);
  let database: DatabaseHandle;
  let t: TestApp;
  let url: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    t = await createTestApp({ database, config: { fundScheduler: false } });
    const { rows } = await sql<{ db: string }>`SELECT current_database() AS db`.execute(database.db);
    const u = new URL(process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
    u.pathname = `/${rows[0]?.db}`;
    url = u.toString();
  });
  afterAll(async () => {
    await t?.shutdown();
    await database?.close();
  });

  async function sharesTotal(): Promise<bigint> {
    const r = await sql<{ s: string }>`SELECT coalesce(sum(shares), 0)::text AS s FROM fund_holdings`.execute(
      database.db,
    );
    return BigInt(r.rows[0]?.s ?? '0');
  }

  it('leaves nothing half-written and pays the day once on the next run', { timeout: 180_000 }, async () => {
    // Holders set-based, and the same money moved into the pool through the ledger.
    await sql`
      INSERT INTO fund_holdings (user_id, shares, updated_at)
      SELECT gen_random_uuid(), 100 + (i::int8 * 7919) % 5000000, now() FROM generate_series(1, ${holders}) AS i`.execute(
      database.db,
    );
    const total = await sharesTotal();
    const ledger = t.services.ledger;
    const seed = await ledger.openAccount({ currency: 'CNY', code: 'test', flags: 0, ownerRef: 'test:seed' });
    const [seeded] = await ledger.submit([
      {
        id: '019a0000-0000-7000-8000-000000000001',
        debitAccountId: seed.id,
        creditAccountId: t.services.fund.poolAccountId,
        amount: total,
        code: 'test_seed',
        flags: 0,
        pendingId: null,
        timeoutSeconds: 0,
        userData: null,
      },
    ]);
    expect(seeded?.status).toBe('ok');
    await t.services.fund.publishYield(day, '1.2345');
    expect((await t.services.fund.verify()).problems).toEqual([]);

    const env = { ...process.env, DATABASE_URL: url, LOG_LEVEL: 'warn', FUND_SCHEDULER: 'false' };
    const child = spawn(process.execPath, [...jiaoziCli, 'fund', 'accrue', '--date', day], {
      env,
      stdio: 'ignore',
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_code, signal) => resolve(signal)),
    );
    // Wait until the accrual statement is running, then kill the process.
    let seen = false;
    for (let i = 0; i < 600 && !seen; i++) {
      const r = await sql<{ n: string }>`
        SELECT count(*)::text AS n FROM pg_stat_activity
        WHERE datname = current_database() AND state = 'active' AND query LIKE '%INSERT INTO fund_incomes%'
          AND pid <> pg_backend_pid()`.execute(database.db);
      seen = r.rows[0]?.n !== '0';
      if (!seen) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(seen).toBe(true);
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    // The server notices the dead client and rolls its transaction back.
    for (let i = 0; i < 200; i++) {
      const r = await sql<{ n: string }>`
        SELECT count(*)::text AS n FROM pg_stat_activity
        WHERE datname = current_database() AND query LIKE '%fund_incomes%' AND pid <> pg_backend_pid()`.execute(
        database.db,
      );
      if (r.rows[0]?.n === '0') break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }

    // Nothing of the day was written: no accrual, no income, no shares, no ledger transfer.
    expect(await t.services.fund.repo.findAccrual(day)).toBeUndefined();
    expect(await sharesTotal()).toBe(total);
    const incomes = await sql<{ n: string }>`SELECT count(*)::text AS n FROM fund_incomes`.execute(
      database.db,
    );
    expect(incomes.rows[0]?.n).toBe('0');
    expect((await t.services.fund.verify()).problems).toEqual([]);

    // The next run pays the day, once.
    const again = await run(process.execPath, [...jiaoziCli, 'fund', 'accrue', '--date', day], {
      env,
    });
    expect(again.stdout).toMatch(new RegExp(`^${day}: paid \\d+ minor units to 100000 holders at 1\\.2345`));
    const third = await run(process.execPath, [...jiaoziCli, 'fund', 'accrue', '--date', day], {
      env,
    });
    expect(third.stdout).toMatch(/already accrued/);
    const accrual = await t.services.fund.repo.findAccrual(day);
    expect(accrual?.holders).toBe(BigInt(holders));
    expect(await sharesTotal()).toBe(total + (accrual?.incomeTotal ?? -1n));
    expect((await t.services.fund.verify()).problems).toEqual([]);
    const verify = await new LedgerService(
      database.db,
      { now: () => new Date() },
      createLogger('silent'),
    ).verify();
    expect(verify.problems).toEqual([]);
    const cli = await run(process.execPath, [...jiaoziCli, 'ledger', 'verify'], { env });
    expect(cli.stdout).toContain('the pool equals the holders');
  });
});
