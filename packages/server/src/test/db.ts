import { readFileSync } from 'node:fs';
import pg from 'pg';
import { inject } from 'vitest';
import { connectPostgres, createPglite, type DatabaseHandle, wrapPglite } from '../platform/db/connect.js';
import { testDatabaseName, withDatabase } from './global-setup.js';

export type TestDatabaseKind = 'pglite' | 'postgres';

export function testDatabaseKind(): TestDatabaseKind {
  return process.env.JIAOZI_TEST_DB === 'postgres' ? 'postgres' : 'pglite';
}

/**
 * A migrated database of this test file's own: a PGlite loaded from the template dump, or
 * a Postgres database created from the template. `close()` drops it.
 */
export async function createTestDatabase(options: { poolMax?: number } = {}): Promise<DatabaseHandle> {
  if (testDatabaseKind() === 'postgres') {
    const url = inject('testDatabaseUrl');
    const template = inject('pgTemplateName');
    const name = testDatabaseName();
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
    } finally {
      await admin.end();
    }
    const handle = connectPostgres(withDatabase(url, name), options.poolMax ?? 10);
    return {
      ...handle,
      close: async () => {
        await handle.close();
        const dropper = new pg.Client({ connectionString: url });
        await dropper.connect();
        try {
          await dropper.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        } finally {
          await dropper.end();
        }
      },
    };
  }
  const tar = readFileSync(inject('pgliteTemplatePath'));
  const pglite = await createPglite({ loadDataDir: new Blob([tar]) });
  return wrapPglite(pglite);
}
