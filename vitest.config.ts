import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';

/**
 * One `npm test` runs everything the machine can run:
 * - unit: pure tests, always;
 * - db-pglite: every `*.db.test.ts` against embedded PGlite, always;
 * - db-postgres: the same files plus `*.pg.test.ts` (races) against real Postgres;
 * - redis: `*.redis.test.ts` against a real Redis;
 * - e2e: Playwright against Debian's Chromium.
 * Locally a suite whose service is missing is left out (and said so); under CI=true every
 * suite runs and a missing service fails it.
 */

const ci = process.env.CI === 'true' || process.env.CI === '1';
const testDatabaseUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const testRedisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

function reachable(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

const shared = {
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'], externalConditions: ['source'] } },
};

const serverSetup = './packages/server/src/test/global-setup.ts';

export default defineConfig(async () => {
  const [pgUp, redisUp] = await Promise.all([reachable(testDatabaseUrl), reachable(testRedisUrl)]);
  const chromiumUp = existsSync(chromiumPath);
  const projects: TestProjectInlineConfiguration[] = [
    {
      ...shared,
      test: {
        name: 'unit',
        include: ['packages/*/src/**/*.test.ts', 'examples/miniapps/*/src/**/*.test.ts'],
        exclude: ['**/*.db.test.ts', '**/*.pg.test.ts', '**/*.redis.test.ts', '**/node_modules/**'],
      },
    },
    {
      ...shared,
      test: {
        name: 'db-pglite',
        include: ['packages/*/src/**/*.db.test.ts', 'examples/miniapps/*/src/**/*.db.test.ts'],
        globalSetup: [serverSetup],
        env: { JIAOZI_TEST_DB: 'pglite' },
        testTimeout: 30_000,
        hookTimeout: 60_000,
      },
    },
  ];
  const skipped: string[] = [];
  if (pgUp || ci) {
    projects.push({
      ...shared,
      test: {
        name: 'db-postgres',
        include: [
          'packages/*/src/**/*.db.test.ts',
          'packages/*/src/**/*.pg.test.ts',
          'examples/miniapps/*/src/**/*.db.test.ts',
        ],
        globalSetup: [serverSetup],
        env: { JIAOZI_TEST_DB: 'postgres', TEST_DATABASE_URL: testDatabaseUrl },
        testTimeout: 30_000,
        hookTimeout: 60_000,
      },
    });
  } else skipped.push(`db-postgres (nothing answers at ${testDatabaseUrl})`);
  if (redisUp || ci) {
    projects.push({
      ...shared,
      test: {
        name: 'redis',
        include: ['packages/*/src/**/*.redis.test.ts'],
        // One file at a time: a test that cuts Redis connections must not cut another's.
        fileParallelism: false,
        globalSetup: [serverSetup],
        env: { JIAOZI_TEST_DB: 'pglite', TEST_REDIS_URL: testRedisUrl },
        testTimeout: 30_000,
        hookTimeout: 60_000,
      },
    });
  } else skipped.push(`redis (nothing answers at ${testRedisUrl})`);
  if (chromiumUp || ci) {
    projects.push({
      ...shared,
      test: {
        name: 'e2e',
        include: ['e2e/**/*.e2e.test.ts'],
        globalSetup: [serverSetup, './e2e/global-setup.ts'],
        env: { JIAOZI_TEST_DB: 'pglite', CHROMIUM_PATH: chromiumPath },
        testTimeout: 120_000,
        hookTimeout: 180_000,
        fileParallelism: false,
      },
    });
  } else skipped.push(`e2e (no Chromium at ${chromiumPath}; apt-get install -y chromium)`);
  if (skipped.length > 0) console.warn(`[jiaozi] suites left out on this machine: ${skipped.join('; ')}`);
  return { test: { projects, reporters: ['default'] } };
});
