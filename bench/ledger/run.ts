/**
 * bench/ledger: the ledger's throughput against pgbench on the same Postgres, same run.
 *
 *   npm run bench:ledger [-- --seconds 30 --submitters 64 --accounts 10000 --http-seconds 10]
 *
 * 1. pgbench TPC-B (scale 10, 8 clients) → baseline tps.
 * 2. The ledger service in-process (batching writer, synchronous_commit on): random transfers
 *    between 10,000 wallets from 64 concurrent submitters → transfers/s, p50/p99 latency.
 * 3. The same with every transfer crediting one merchant (a hot account).
 * 4. HTTP end to end: POST /v1/transfers (PIN checked each time) under autocannon
 *    (`--http-seconds 0` leaves it out).
 */
import type { AddressInfo } from 'node:net';
import autocannon from 'autocannon';
import { type Kysely, sql } from 'kysely';
import { buildApp } from '../../packages/server/src/app.js';
import { systemClock } from '../../packages/server/src/kernel/clock.js';
import { loadConfig } from '../../packages/server/src/kernel/config.js';
import { newId } from '../../packages/server/src/kernel/ids.js';
import { createLogger } from '../../packages/server/src/kernel/logger.js';
import {
  AccountCode,
  AccountFlag,
  LedgerService,
  type TransferInput,
} from '../../packages/server/src/ledger/ledger.service.js';
import { connectPostgres } from '../../packages/server/src/platform/db/connect.js';
import { migrateToLatest } from '../../packages/server/src/platform/db/migrate.js';
import type { Database } from '../../packages/server/src/platform/db/schema.js';
import {
  arg,
  cpuSecondsBetween,
  dropDatabase,
  percentile,
  pgbenchTps,
  postgresCpuSnapshot,
  recreateDatabase,
} from '../common.js';

const seconds = arg('seconds', 30);
const submitters = arg('submitters', 64);
const accountCount = arg('accounts', 10_000);
const httpSeconds = arg('http-seconds', 10);

/**
 * The load generator runs in the same process as the ledger, so its own cost counts against
 * it: a plain PRNG picks accounts and amounts (crypto's randomInt cost several µs a transfer).
 */
function randomInt(n: number): number {
  return Math.floor(Math.random() * n);
}

interface RunResult {
  transfers: number;
  failed: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  batches: number;
  /** CPU per transfer of this process (the service and the load) and of Postgres. */
  nodeCpuUs: number;
  postgresCpuUs: number;
}

async function ledgerRun(
  ledger: LedgerService,
  db: Kysely<Database>,
  accounts: string[],
  hot: string | null,
  runSeconds: number,
): Promise<RunResult> {
  const latencies: number[] = [];
  let failed = 0;
  const deadline = performance.now() + runSeconds * 1000;
  const batches = async () =>
    Number((await sql<{ n: string }>`SELECT count(*)::text AS n FROM ledger_batches`.execute(db)).rows[0]?.n);
  const batchesBefore = await batches();
  const database = (await sql<{ d: string }>`SELECT current_database() AS d`.execute(db)).rows[0]
    ?.d as string;
  const pgBefore = postgresCpuSnapshot(database);
  const nodeBefore = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: submitters }, async () => {
      while (performance.now() < deadline) {
        const from = accounts[randomInt(accounts.length)] as string;
        let to = hot ?? (accounts[randomInt(accounts.length)] as string);
        while (to === from) to = accounts[randomInt(accounts.length)] as string;
        const t: TransferInput = {
          id: newId(),
          debitAccountId: from,
          creditAccountId: to,
          amount: BigInt(1 + randomInt(100)),
          code: 'bench',
          flags: 0,
          pendingId: null,
          timeoutSeconds: 0,
          userData: null,
        };
        const t0 = performance.now();
        const [r] = await ledger.submit([t]);
        latencies.push(performance.now() - t0);
        if (r?.status !== 'ok') failed++;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const node = process.cpuUsage(nodeBefore);
  const postgres = cpuSecondsBetween(pgBefore, postgresCpuSnapshot(database));
  const batchesAfter = await batches();
  latencies.sort((a, b) => a - b);
  return {
    transfers: latencies.length,
    failed,
    perSecond: latencies.length / elapsed,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    batches: batchesAfter - batchesBefore,
    nodeCpuUs: (node.user + node.system) / Math.max(1, latencies.length),
    postgresCpuUs: (postgres * 1e6) / Math.max(1, latencies.length),
  };
}

/** Postgres's WAL counters (the whole server's: nothing else writes during a run). */
async function walStats(db: Kysely<Database>): Promise<{ records: number; bytes: number }> {
  const row = (
    await sql<{
      r: string;
      b: string;
    }>`SELECT wal_records::text AS r, wal_bytes::text AS b FROM pg_stat_wal`.execute(db)
  ).rows[0];
  return { records: Number(row?.r ?? 0), bytes: Number(row?.b ?? 0) };
}

function show(name: string, r: RunResult, baselineTps: number): void {
  console.log(
    `${name}: ${r.transfers} transfers (${r.failed} refused) in ${r.batches} batches → ${r.perSecond.toFixed(0)} transfers/s, ` +
      `p50 ${r.p50Ms.toFixed(1)} ms, p99 ${r.p99Ms.toFixed(1)} ms, ratio to pgbench ${(r.perSecond / baselineTps).toFixed(2)}; ` +
      `CPU per transfer: this process (service and load) ${r.nodeCpuUs.toFixed(0)} µs, Postgres ${r.postgresCpuUs.toFixed(0)} µs`,
  );
}

async function main(): Promise<void> {
  console.log(`bench/ledger: ${accountCount} accounts, ${submitters} submitters, ${seconds} s per run`);
  const baseline = await pgbenchTps({ scale: 10, clients: 8, seconds });
  console.log(`pgbench TPC-B (scale 10, 8 clients, ${seconds} s): ${baseline.toFixed(0)} tps`);

  const name = 'jiaozi_bench_ledger';
  const url = await recreateDatabase(name);
  const database = connectPostgres(url, 8);
  await migrateToLatest(database.db as never);
  const ledger = new LedgerService(database.db, systemClock, createLogger('warn'));
  const funding = await ledger.openAccount({
    currency: 'CNY',
    code: AccountCode.bankSettlement,
    flags: 0,
    ownerRef: 'bench:bank',
  });
  const accounts: string[] = [];
  for (let i = 0; i < accountCount; i += 500) {
    const chunk = await Promise.all(
      Array.from({ length: Math.min(500, accountCount - i) }, (_, k) =>
        ledger.openAccount({
          currency: 'CNY',
          code: AccountCode.userWallet,
          flags: AccountFlag.debitsMustNotExceedCredits,
          ownerRef: `bench:${i + k}`,
        }),
      ),
    );
    accounts.push(...chunk.map((a) => a.id));
  }
  for (let i = 0; i < accounts.length; i += 1000) {
    await ledger.submit(
      accounts.slice(i, i + 1000).map((id) => ({
        id: newId(),
        debitAccountId: funding.id,
        creditAccountId: id,
        amount: 100_000_000n,
        code: 'fund',
        flags: 0,
        pendingId: null,
        timeoutSeconds: 0,
        userData: null,
      })),
    );
  }
  const merchant = await ledger.openAccount({
    currency: 'CNY',
    code: AccountCode.userWallet,
    flags: AccountFlag.debitsMustNotExceedCredits,
    ownerRef: 'bench:merchant',
  });
  const sc = await sql<{ synchronous_commit: string }>`SHOW synchronous_commit`.execute(database.db);
  console.log(`ledger database ready (synchronous_commit ${sc.rows[0]?.synchronous_commit})`);

  const walBefore = await walStats(database.db);
  const random = await ledgerRun(ledger, database.db, accounts, null, seconds);
  show('ledger, random transfers', random, baseline);
  const walAfter = await walStats(database.db);
  console.log(
    `  WAL per transfer: ${((walAfter.records - walBefore.records) / random.transfers).toFixed(1)} records, ` +
      `${((walAfter.bytes - walBefore.bytes) / random.transfers).toFixed(0)} bytes; ` +
      `writer: ${ledger.writer.stats.fast} fast batches, ${ledger.writer.stats.refused} refused, ${ledger.writer.stats.slow} slow`,
  );
  const hot = await ledgerRun(ledger, database.db, accounts, merchant.id, seconds);
  show('ledger, hot merchant account', hot, baseline);
  const report = await ledger.verify();
  console.log(
    `ledger verify: ${report.ok ? 'ok' : `FAILED: ${report.problems.slice(0, 5).join('; ')}`} (${report.transfers} transfers)`,
  );
  await ledger.close();
  await database.close();
  await dropDatabase(name);
  if (httpSeconds <= 0) {
    console.log(
      `summary: pgbench ${baseline.toFixed(0)} tps; ledger ${random.perSecond.toFixed(0)}/s (ratio ${(random.perSecond / baseline).toFixed(2)}, p99 ${random.p99Ms.toFixed(1)} ms); ` +
        `hot ${hot.perSecond.toFixed(0)}/s (ratio ${(hot.perSecond / baseline).toFixed(2)}); HTTP not run`,
    );
    return;
  }

  // HTTP end to end.
  const httpName = 'jiaozi_bench_http';
  const httpUrl = await recreateDatabase(httpName);
  const httpDb = connectPostgres(httpUrl, 10);
  await migrateToLatest(httpDb.db as never);
  const built = await buildApp({
    config: { ...loadConfig({}), databaseUrl: httpUrl, logLevel: 'warn', rateLimits: false },
    database: httpDb,
  });
  await built.app.listen({ host: '127.0.0.1', port: 0 });
  const port = (built.app.server.address() as AddressInfo).port;
  const bank = await built.services.ledger.accountByOwner(AccountCode.bankSettlement, 'system:bank', 'CNY');
  if (!bank) throw new Error('the bank account exists after start');
  const users: { token: string; username: string }[] = [];
  for (let i = 0; i < 20; i++) {
    const u = await built.services.identity.createUser({
      username: `bench_${i}`,
      password: 'bench-password',
      kycTier: 2,
    });
    await built.services.identity.setPin(u.id, '135790', 'bench-password', { ip: null, userAgent: 'bench' });
    const wallet = await built.services.wallet.wallet(u.id);
    await built.services.ledger.submit([
      {
        id: newId(),
        debitAccountId: bank.id,
        creditAccountId: wallet.id,
        amount: 10_000_000n,
        code: 'fund',
        flags: 0,
        pendingId: null,
        timeoutSeconds: 0,
        userData: null,
      },
    ]);
    const login = await built.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { login: `bench_${i}`, password: 'bench-password' },
    });
    users.push({ token: (login.json() as { token: string }).token, username: `bench_${i}` });
  }
  let n = 0;
  const result = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: 32,
    duration: httpSeconds,
    requests: [
      {
        method: 'POST',
        path: '/v1/transfers',
        setupRequest: (req) => {
          n++;
          const from = users[n % users.length]!;
          const to = users[(n + 1 + (n % 7)) % users.length]!;
          return {
            ...req,
            headers: { 'content-type': 'application/json', authorization: `Bearer ${from.token}` },
            body: JSON.stringify({
              id: newId(),
              to: { username: to.username },
              amountMinor: 1 + (n % 50),
              pin: '135790',
            }),
          };
        },
      },
    ],
  });
  // Let the requests autocannon abandoned at its deadline finish before closing the database.
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const ok = result['2xx'];
  console.log(
    `HTTP POST /v1/transfers (autocannon, 32 connections, ${httpSeconds} s, PIN checked with Argon2id each time): ` +
      `${(ok / httpSeconds).toFixed(0)} transfers/s, latency p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, non-2xx ${result.non2xx}`,
  );
  await built.close();
  await httpDb.close();
  await dropDatabase(httpName);
  console.log(
    `summary: pgbench ${baseline.toFixed(0)} tps; ledger ${random.perSecond.toFixed(0)}/s (ratio ${(random.perSecond / baseline).toFixed(2)}, p99 ${random.p99Ms.toFixed(1)} ms); ` +
      `hot ${hot.perSecond.toFixed(0)}/s (ratio ${(hot.perSecond / baseline).toFixed(2)}); HTTP ${(ok / httpSeconds).toFixed(0)}/s`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
