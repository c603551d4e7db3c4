/**
 * bench/fund-accrual: one day's fund accrual for a million holders on real Postgres.
 *
 *   npm run bench:fund [-- --holders 1000000 --days 1]
 *
 * 1. A fresh database, migrated; the fund's system accounts opened by the service.
 * 2. `--holders` holders created set-based (one INSERT … SELECT over generate_series), with
 *    shares from 1.00 to 50,000.00, and the same total moved into the fund pool through the
 *    ledger, so the pool equals the holders from the start.
 * 3. A yield published, then `FundService.accrue` for the day: subscriptions confirmed,
 *    every holder's income floor(shares × per-10k ÷ 10,000) reinvested and recorded, one
 *    aggregate ledger transfer income source → pool, one transaction. Prints the time and
 *    holders per second; accruing the day again must pay nothing.
 * 4. The ledger's verify (every invariant and the hash chain) and the fund's (pool = shares).
 */
import { sql } from 'kysely';
import { buildApp } from '../../packages/server/src/app.js';
import { loadConfig } from '../../packages/server/src/kernel/config.js';
import { newId } from '../../packages/server/src/kernel/ids.js';
import { createLogger } from '../../packages/server/src/kernel/logger.js';
import { LedgerService } from '../../packages/server/src/ledger/ledger.service.js';
import { connectPostgres } from '../../packages/server/src/platform/db/connect.js';
import { migrateToLatest } from '../../packages/server/src/platform/db/migrate.js';
import { arg, dropDatabase, recreateDatabase } from '../common.js';

const holders = arg('holders', 1_000_000);
const days = arg('days', 1);
const keep = process.argv.includes('--keep');

function seconds(since: number): number {
  return (performance.now() - since) / 1000;
}

async function main(): Promise<void> {
  console.log(`bench/fund-accrual: ${holders.toLocaleString('en')} holders, ${days} day(s)`);
  const name = 'jiaozi_bench_fund';
  const url = await recreateDatabase(name);
  const database = connectPostgres(url, 8);
  await migrateToLatest(database.db as never);
  const config = { ...loadConfig({}), databaseUrl: url, logLevel: 'warn' as const, fundScheduler: false };
  const built = await buildApp({ config, database, logger: createLogger('warn') });
  const { fund, ledger } = built.services;
  const db = database.db;

  // Holders, set-based: shares from 1.00 to 50,000.00, spread deterministically.
  let t0 = performance.now();
  await sql`
    INSERT INTO fund_holdings (user_id, shares, updated_at)
    SELECT gen_random_uuid(), 100 + (i::int8 * 7919) % 5000000, now()
    FROM generate_series(1, ${holders}) AS i`.execute(db);
  await sql`ANALYZE fund_holdings`.execute(db);
  const total = BigInt(
    (await sql<{ s: string }>`SELECT sum(shares)::text AS s FROM fund_holdings`.execute(db)).rows[0]?.s ??
      '0',
  );
  // The same money into the pool through the ledger, from an account standing for the holders' banks.
  const source = await ledger.openAccount({
    currency: config.currency,
    code: 'bench',
    flags: 0,
    ownerRef: 'bench:seed',
  });
  const [seeded] = await ledger.submit([
    {
      id: newId(),
      debitAccountId: source.id,
      creditAccountId: fund.poolAccountId,
      amount: total,
      code: 'bench_seed',
      flags: 0,
      pendingId: null,
      timeoutSeconds: 0,
      userData: null,
    },
  ]);
  if (seeded?.status !== 'ok') throw new Error(`seeding the pool failed: ${JSON.stringify(seeded)}`);
  console.log(
    `holders created in ${seconds(t0).toFixed(1)} s; ${(Number(total) / 100).toLocaleString('en', { minimumFractionDigits: 2 })} in the pool`,
  );

  for (let d = 0; d < days; d++) {
    // The last `days` days up to yesterday (a day is accrued once it has begun).
    const day = new Date(Date.now() - (days - d) * 86_400_000).toISOString().slice(0, 10);
    await fund.publishYield(day, '1.2345');
    t0 = performance.now();
    const accrual = await fund.accrue(day);
    const took = seconds(t0);
    console.log(
      `accrue ${day}: ${accrual.holders.toLocaleString('en')} holders in ${took.toFixed(2)} s = ${Math.round(accrual.holders / took).toLocaleString('en')} holders/s; paid ${(accrual.incomeTotalMinor / 100).toLocaleString('en', { minimumFractionDigits: 2 })}${took < 60 ? ' (target < 60 s: met)' : ' (target < 60 s: MISSED)'}`,
    );
    const again = await fund.accrue(day);
    console.log(`accrue ${day} again: ${again.created ? 'PAID TWICE' : 'nothing paid (idempotent)'}`);
  }

  t0 = performance.now();
  const report = await new LedgerService(db, { now: () => new Date() }, createLogger('silent')).verify();
  console.log(
    `ledger verify: ${report.ok ? 'every invariant holds, the chain is intact' : `FAILED: ${report.problems.slice(0, 5).join('; ')}`} (${report.accounts} accounts, ${report.transfers} transfers, ${seconds(t0).toFixed(1)} s)`,
  );
  t0 = performance.now();
  const fundReport = await fund.verify();
  console.log(
    `fund verify: ${fundReport.ok ? 'the pool equals the holders’ shares' : `FAILED: ${fundReport.problems.join('; ')}`} (${fundReport.holders.toLocaleString('en')} holders, ${seconds(t0).toFixed(1)} s)`,
  );

  await built.close();
  await database.close();
  if (!keep) await dropDatabase(name);
  if (!report.ok || !fundReport.ok) process.exit(2);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
