import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { connectPostgres, createPglite, wrapPglite } from '../platform/db/connect.js';
import { migrateToLatest } from '../platform/db/migrate.js';

declare module 'vitest' {
  export interface ProvidedContext {
    pgliteTemplatePath: string;
    pgTemplateName: string;
    testDatabaseUrl: string;
  }
}

const TEST_DB_PREFIX = 'jiaozi_test_';
const STALE_AFTER_SECONDS = 6 * 60 * 60;

/** `jiaozi_test_[kind_]<unix seconds>_<random>`: the time lets a later run spot leftovers. */
export function testDatabaseName(kind?: string): string {
  const seconds = Math.floor(Date.now() / 1000);
  return `${TEST_DB_PREFIX}${kind ? `${kind}_` : ''}${seconds}_${randomBytes(5).toString('hex')}`;
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/**
 * Builds the migrated schema once per run: a PGlite data-dir dump, or a Postgres template
 * database. Each test file then starts from a copy (see test/db.ts).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const kind = project.config.env?.JIAOZI_TEST_DB ?? 'pglite';
  if (kind === 'postgres') {
    const url = project.config.env?.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
    const admin = new pg.Client({ connectionString: url });
    try {
      await admin.connect();
    } catch (error) {
      throw new Error(
        `Postgres is required for the db-postgres suite but ${url} does not answer: ${String(error)}`,
      );
    }
    const template = testDatabaseName('tpl');
    // Leftovers of runs that were killed: test databases named more than a few hours ago.
    // (Names carry their creation time, so a run going on beside this one is left alone.)
    const stale = await admin.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname LIKE '${TEST_DB_PREFIX}%'`,
    );
    const cutoffSeconds = Math.floor(Date.now() / 1000) - STALE_AFTER_SECONDS;
    for (const { datname } of stale.rows) {
      const born = Number(/^jiaozi_test_(?:tpl_)?(\d+)_/.exec(datname)?.[1] ?? 0);
      if (born < cutoffSeconds) {
        await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`).catch(() => undefined);
      }
    }
    await admin.query(`CREATE DATABASE "${template}"`);
    const handle = connectPostgres(withDatabase(url, template), 2);
    await migrateToLatest(handle.db as never);
    await handle.close();
    project.provide('pgTemplateName', template);
    project.provide('testDatabaseUrl', url);
    return async () => {
      await admin.query(`DROP DATABASE IF EXISTS "${template}" WITH (FORCE)`);
      await admin.end();
    };
  }
  const pglite = await createPglite({});
  const handle = wrapPglite(pglite);
  await migrateToLatest(handle.db as never);
  const dump = await pglite.dumpDataDir('none');
  await handle.close();
  const dir = mkdtempSync(join(tmpdir(), 'jiaozi-pglite-'));
  const path = join(dir, 'template.tar');
  writeFileSync(path, Buffer.from(await dump.arrayBuffer()));
  project.provide('pgliteTemplatePath', path);
  return async () => rmSync(dir, { recursive: true, force: true });
}
