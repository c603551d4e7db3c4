#!/usr/bin/env node
import cluster from 'node:cluster';
import { parseArgs } from 'node:util';
import { DEMO_PASSWORD, DEMO_PIN, seedDemo, seedDemoActivity } from '../admin/demo.js';
import {
  DEMO_DEVELOPER,
  type DemoMiniAppKeys,
  demoServeConfig,
  seedDemoMiniApps,
  startDemoMiniApps,
} from '../admin/demo-miniapps.js';
import { buildApp } from '../app.js';
import type { FundService, FundVerifyReport } from '../fund/fund.service.js';
import { IdentityService } from '../identity/identity.service.js';
import { systemClock } from '../kernel/clock.js';
import { type Config, ConfigError, loadConfig } from '../kernel/config.js';
import { DomainError } from '../kernel/errors.js';
import { createLogger } from '../kernel/logger.js';
import { VERSION } from '../kernel/version.js';
import { LedgerService } from '../ledger/ledger.service.js';
import { MiniappsUsageError, miniappsCommand } from '../miniapps/registry.cli.js';
import { connectDatabase, type DatabaseHandle } from '../platform/db/connect.js';
import { migrateToLatest } from '../platform/db/migrate.js';
import { DevUsageError, devCommand } from './dev.js';

const USAGE = `jiaozi ${VERSION} — Jiaozi server and operator tools

Usage:
  jiaozi serve [--demo] [--workers N]
                               migrate, then serve the API, WebSocket and web app
                               (--demo also creates the demo users; --workers N runs N
                               processes on one port, with DATABASE_URL and REDIS_URL)
  jiaozi migrate               apply pending database migrations
  jiaozi seed                  create the demo users alice, bob, carol (idempotent)
  jiaozi user create (--username NAME | --phone +E164) [--display-name NAME] [--admin]
                               create an account; the password is read from JIAOZI_PASSWORD
  jiaozi user promote LOGIN [--admin | --user] [--kyc-tier 0|1|2]
                               change an account's role or KYC tier
  jiaozi ledger verify         check every ledger invariant and the hash chain, and that
                               the fund pool equals the sum of holders' shares
  jiaozi fund publish-yield --date YYYY-MM-DD --per-10k 1.2345
                               publish a day's income per 10,000 fund shares
  jiaozi fund accrue --date YYYY-MM-DD
                               pay a day's income to every holder (once per day)
  jiaozi fund accrue-due       accrue every due day, pay out arrived redemptions
  jiaozi fund verify           check that the fund pool equals the holders' shares
  jiaozi miniapps list [--status pending|approved|rejected|suspended]
                               list registered mini apps
  jiaozi miniapps approve APP_ID
                               approve a mini app: it appears in Discover
  jiaozi dev --url ORIGIN [--name NAME] [--webhook-url URL] [--data-dir DIR] [--port N]
                               a local server on embedded PGlite for developing a mini app
                               at ORIGIN: a developer with a test wallet, the app registered
                               in test mode, its keys and the simulator's address printed
  jiaozi help                  this text

Configuration comes from the environment (see docs/operator.md).`;

class UsageError extends Error {}

async function withDatabase<T>(config: Config, fn: (db: DatabaseHandle) => Promise<T>): Promise<T> {
  const database = await connectDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    poolMax: config.dbPoolMax,
  });
  try {
    await migrateToLatest(database.db as never);
    return await fn(database);
  } finally {
    await database.close();
  }
}

function identityFor(config: Config, database: DatabaseHandle): IdentityService {
  return new IdentityService(database.db, systemClock, {
    sessionTtlDays: config.sessionTtlDays,
    hash: { memoryKib: config.argon2MemoryKib, timeCost: config.argon2TimeCost },
  });
}

interface Prepared {
  database: DatabaseHandle;
  /** With --demo (and DEMO_MINIAPPS): the example mini apps, registered and approved. */
  demoApps: DemoMiniAppKeys[];
}

/**
 * Connects to the database, migrates it and (with --demo) seeds the demo users and
 * registers the example mini apps.
 */
async function prepare(config: Config, demo: boolean): Promise<Prepared> {
  const logger = createLogger(config.logLevel);
  const database = await connectDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    poolMax: config.dbPoolMax,
  });
  const migrated = await migrateToLatest(database.db as never);
  const applied = (migrated.results ?? []).map((r) => r.migrationName);
  logger.info({ database: database.kind, applied }, 'database ready');
  let demoApps: DemoMiniAppKeys[] = [];
  if (demo) {
    // The fund's scheduler is off here: the seed accrues a month of history itself.
    const built = await buildApp({
      config: { ...config, logLevel: 'warn', fundScheduler: false, jobRunner: false },
      database,
      logger,
    });
    const seeded = await seedDemo(built.services.identity);
    await seedDemoActivity(built.services, seeded.created);
    if (config.demoMiniapps) {
      demoApps = await seedDemoMiniApps(built.services, {
        dataDir: config.dataDir,
        ports: { restaurants: config.demoRestaurantsPort, shop: config.demoShopPort },
      });
    }
    await built.close();
    logger.info(seeded, 'demo users ready');
  }
  return { database, demoApps };
}

/** Where the example servers reach this server. */
function localUrl(config: Config): string {
  const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${config.port}`;
}

/** Starts the example mini apps' servers (they stop when this process exits). */
function startDemoApps(config: Config, demoApps: DemoMiniAppKeys[]): string[] {
  if (demoApps.length === 0) return [];
  const started = startDemoMiniApps(demoApps, {
    jiaoziUrl: localUrl(config),
    dataDir: config.dataDir,
    currency: config.currency,
    logger: createLogger(config.logLevel),
  });
  return started.running.map((r) => `${demoApps.find((a) => a.key === r.key)?.name ?? r.key} ${r.url}`);
}

function banner(
  config: Config,
  databaseKind: string,
  demo: boolean,
  workers: number,
  apps: string[] = [],
): void {
  const shown = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  console.log(`\n  Jiaozi ${VERSION} is running at http://${shown}:${config.port}`);
  console.log(`  API docs: http://${shown}:${config.port}/docs`);
  console.log(
    `  Database: ${databaseKind === 'pglite' ? `embedded PGlite in ${config.dataDir}` : 'Postgres'}${workers > 1 ? `; ${workers} worker processes, updates shared through Redis` : ''}`,
  );
  if (demo)
    console.log(`  Demo users: alice, bob, carol — password "${DEMO_PASSWORD}", payment PIN ${DEMO_PIN}\n`);
  if (apps.length > 0)
    console.log(
      `  Mini apps (developer ${DEMO_DEVELOPER.username}, keys in ${config.dataDir}/demo-miniapps.json): ${apps.join(', ')}\n`,
    );
}

/** Serves on this process until SIGINT or SIGTERM. */
async function serveHere(config: Config, database: DatabaseHandle): Promise<void> {
  const logger = createLogger(config.logLevel);
  const built = await buildApp({ config, database, logger });
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    await built.close();
    await database.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
  await built.app.listen({ host: config.host, port: config.port });
}

async function serve(chosen: Config, demo: boolean, workers: number): Promise<void> {
  const config = demo ? demoServeConfig(chosen, process.env) : chosen;
  if (workers === 1) {
    const { database, demoApps } = await prepare(config, demo);
    await serveHere(config, database);
    banner(config, database.kind, demo, 1, startDemoApps(config, demoApps));
    return;
  }
  if (!config.databaseUrl || !config.redisUrl) {
    throw new UsageError(
      '--workers needs DATABASE_URL (PGlite serves one process) and REDIS_URL (workers share updates).',
    );
  }
  if (cluster.isWorker) {
    const database = await connectDatabase({
      databaseUrl: config.databaseUrl,
      dataDir: config.dataDir,
      poolMax: config.dbPoolMax,
    });
    await serveHere(config, database);
    return;
  }
  // The primary migrates once, then hands the port to its workers and restarts any that die.
  const { database, demoApps } = await prepare(config, demo);
  await database.close();
  const apps = startDemoApps(config, demoApps);
  const logger = createLogger(config.logLevel);
  let stopping = false;
  let listening = 0;
  const fork = () => {
    const worker = cluster.fork();
    worker.once('listening', () => {
      listening++;
      if (listening === workers) banner(config, 'postgres', demo, workers, apps);
    });
  };
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      return;
    }
    logger.error({ pid: worker.process.pid, code, signal }, 'worker died; starting another');
    setTimeout(fork, 1000);
  });
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down workers');
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
    if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  for (let i = 0; i < workers; i++) fork();
}

/** A fund service over its own quiet app (the scheduler off: the command does the work). */
async function withFund<T>(
  config: Config,
  database: DatabaseHandle,
  fn: (fund: FundService) => Promise<T>,
): Promise<T> {
  const built = await buildApp({
    config: { ...config, logLevel: 'warn', fundScheduler: false, jobRunner: false },
    database,
  });
  try {
    return await fn(built.services.fund);
  } finally {
    await built.close();
  }
}

function printFundReport(report: FundVerifyReport): void {
  console.log(
    `fund: ${report.holders} holders, pool ${report.poolMinor} = shares ${report.sharesMinor} + awaiting confirmation: ${report.ok ? 'the pool equals the holders' : 'PROBLEMS FOUND'}`,
  );
  for (const problem of report.problems) console.log(`  - ${problem}`);
}

async function fundCommand(config: Config, sub: string | undefined, args: string[]): Promise<void> {
  switch (sub) {
    case 'publish-yield': {
      const { values } = parseArgs({
        args,
        options: { date: { type: 'string' }, 'per-10k': { type: 'string' } },
      });
      if (!values.date || !values['per-10k'])
        throw new UsageError('Give --date YYYY-MM-DD and --per-10k 1.2345.');
      const date = values.date;
      const per10k = values['per-10k'];
      const published = await withDatabase(config, (database) =>
        withFund(config, database, (fund) => fund.publishYield(date, per10k)),
      );
      console.log(
        `${published.day}: ${published.per10k} per 10,000 shares ${published.created ? 'published' : '(already published, unchanged)'}.`,
      );
      return;
    }
    case 'accrue': {
      const { values } = parseArgs({ args, options: { date: { type: 'string' } } });
      if (!values.date) throw new UsageError('Give --date YYYY-MM-DD.');
      const date = values.date;
      const started = performance.now();
      const accrual = await withDatabase(config, (database) =>
        withFund(config, database, (fund) => fund.accrue(date)),
      );
      const seconds = (performance.now() - started) / 1000;
      console.log(
        accrual.created
          ? `${accrual.day}: paid ${accrual.incomeTotalMinor} minor units to ${accrual.holders} holders at ${accrual.per10k} per 10,000 (${seconds.toFixed(2)} s).`
          : `${accrual.day}: already accrued (${accrual.incomeTotalMinor} minor units to ${accrual.holders} holders); nothing paid again.`,
      );
      return;
    }
    case 'accrue-due': {
      parseArgs({ args, options: {} });
      const accruals = await withDatabase(config, (database) =>
        withFund(config, database, async (fund) => {
          await fund.settleDueRedemptions();
          return fund.accrueDue();
        }),
      );
      for (const a of accruals)
        console.log(
          `${a.day}: ${a.created ? 'paid' : 'already paid'} ${a.incomeTotalMinor} to ${a.holders} holders.`,
        );
      if (accruals.length === 0) console.log('Nothing is due.');
      return;
    }
    case 'verify': {
      parseArgs({ args, options: {} });
      const report = await withDatabase(config, (database) =>
        withFund(config, database, (fund) => fund.verify()),
      );
      printFundReport(report);
      if (!report.ok) process.exit(2);
      return;
    }
    default:
      throw new UsageError(`Unknown command: fund ${sub ?? ''}`.trim());
  }
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    console.log(USAGE);
    return;
  }
  if (command === '--version') {
    console.log(VERSION);
    return;
  }
  const config = loadConfig();
  switch (command) {
    case 'serve': {
      const { values } = parseArgs({
        args: rest,
        options: { demo: { type: 'boolean', default: false }, workers: { type: 'string', default: '1' } },
      });
      const workers = Number(values.workers);
      if (!Number.isInteger(workers) || workers < 1 || workers > 64) {
        throw new UsageError('--workers takes a whole number from 1 to 64.');
      }
      await serve(config, values.demo ?? false, workers);
      return;
    }
    case 'dev': {
      try {
        await devCommand(config, rest);
      } catch (error) {
        if (error instanceof DevUsageError) throw new UsageError(error.message);
        throw error;
      }
      return;
    }
    case 'migrate': {
      parseArgs({ args: rest, options: {} });
      const database = await connectDatabase({
        databaseUrl: config.databaseUrl,
        dataDir: config.dataDir,
        poolMax: 2,
      });
      try {
        const result = await migrateToLatest(database.db as never);
        const applied = (result.results ?? []).map((r) => r.migrationName);
        console.log(applied.length === 0 ? 'Database is up to date.' : `Applied: ${applied.join(', ')}`);
      } finally {
        await database.close();
      }
      return;
    }
    case 'seed': {
      parseArgs({ args: rest, options: {} });
      await withDatabase(config, async (database) => {
        const built = await buildApp({
          config: { ...config, logLevel: 'warn', fundScheduler: false, jobRunner: false },
          database,
        });
        const result = await seedDemo(built.services.identity);
        await seedDemoActivity(built.services, result.created);
        await built.close();
        console.log(
          `Created: ${result.created.join(', ') || 'none'}; already there: ${result.existing.join(', ') || 'none'}`,
        );
        console.log(`Password "${DEMO_PASSWORD}", payment PIN ${DEMO_PIN}.`);
      });
      return;
    }
    case 'user': {
      const [sub, ...args] = rest;
      if (sub === 'create') {
        const { values } = parseArgs({
          args,
          options: {
            username: { type: 'string' },
            phone: { type: 'string' },
            'display-name': { type: 'string' },
            admin: { type: 'boolean', default: false },
          },
        });
        const password = process.env.JIAOZI_PASSWORD;
        if (!password) throw new UsageError('Set JIAOZI_PASSWORD to the new account’s password.');
        await withDatabase(config, async (database) => {
          const user = await identityFor(config, database).createUser({
            username: values.username,
            phone: values.phone,
            password,
            displayName: values['display-name'],
            role: values.admin ? 'admin' : 'user',
          });
          console.log(`Created ${user.username ?? user.phone} (${user.id}), role ${user.role}.`);
        });
        return;
      }
      if (sub === 'promote') {
        const { values, positionals } = parseArgs({
          args,
          allowPositionals: true,
          options: {
            admin: { type: 'boolean', default: false },
            user: { type: 'boolean', default: false },
            'kyc-tier': { type: 'string' },
          },
        });
        const login = positionals[0];
        if (!login) throw new UsageError('Name the account: jiaozi user promote LOGIN …');
        if (values.admin && values.user) throw new UsageError('Choose --admin or --user, not both.');
        const tier = values['kyc-tier'];
        if (tier !== undefined && !/^[0-2]$/.test(tier)) throw new UsageError('--kyc-tier takes 0, 1 or 2.');
        await withDatabase(config, async (database) => {
          const identity = identityFor(config, database);
          const user = await identity.findByLogin(login);
          if (!user) throw new UsageError(`No account ${login}.`);
          const role = values.admin ? 'admin' : values.user ? 'user' : undefined;
          const updated = await identity.setRoleAndTier(user.id, {
            role,
            kycTier: tier === undefined ? undefined : Number(tier),
          });
          console.log(`${login}: role ${updated.role}, KYC tier ${updated.kyc_tier}.`);
        });
        return;
      }
      throw new UsageError(`Unknown command: user ${sub ?? ''}`.trim());
    }
    case 'ledger': {
      const [sub, ...args] = rest;
      if (sub !== 'verify') throw new UsageError(`Unknown command: ledger ${sub ?? ''}`.trim());
      parseArgs({ args, options: {} });
      const [report, fund] = await withDatabase(config, async (database) => {
        const ledger = await new LedgerService(database.db, systemClock, createLogger('silent')).verify();
        return [ledger, await withFund(config, database, (f) => f.verify())] as const;
      });
      console.log(
        `${report.accounts} accounts, ${report.transfers} transfers, ${report.batches} batches: ${report.ok ? 'every invariant holds, the chain is intact' : 'PROBLEMS FOUND'}`,
      );
      for (const problem of report.problems) console.log(`  - ${problem}`);
      printFundReport(fund);
      if (!report.ok || !fund.ok) process.exit(2);
      return;
    }
    case 'fund': {
      const [sub, ...args] = rest;
      await fundCommand(config, sub, args);
      return;
    }
    case 'miniapps': {
      const [sub, ...args] = rest;
      const lines = await withDatabase(config, async (database) => {
        const built = await buildApp({
          config: { ...config, logLevel: 'warn', fundScheduler: false, jobRunner: false },
          database,
        });
        try {
          return await miniappsCommand(built.services.miniapps, sub, args);
        } catch (error) {
          if (error instanceof MiniappsUsageError) throw new UsageError(error.message);
          throw error;
        } finally {
          await built.close();
        }
      });
      for (const line of lines) console.log(line);
      return;
    }
    default:
      throw new UsageError(`Unknown command: ${command}`);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(`jiaozi: invalid configuration: ${error.message}`);
    process.exit(78);
  }
  if (
    error instanceof UsageError ||
    (error instanceof Error && error.name === 'TypeError' && 'code' in error)
  ) {
    console.error(`jiaozi: ${error.message}\n\n${USAGE}`);
    process.exit(64);
  }
  if (error instanceof DomainError) {
    console.error(`jiaozi: ${error.code}: ${error.message}`);
    process.exit(1);
  }
  console.error('jiaozi: failed:', error);
  process.exit(1);
});
