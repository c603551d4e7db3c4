import { sql } from 'kysely';
import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';
import { createTestDatabase } from '../../test/db.js';
import { withDatabase } from '../../test/global-setup.js';
import { connectPostgres } from './connect.js';

describe('the Postgres pool', () => {
  it('outlives its idle connections being terminated, and reconnects', async () => {
    // A database of its own, and a pool of ours on it beside the test handle's.
    const copy = await createTestDatabase({ poolMax: 1 });
    const url = inject('testDatabaseUrl');
    const copyName = (await sql<{ d: string }>`SELECT current_database() AS d`.execute(copy.db)).rows[0]
      ?.d as string;
    const errors: Error[] = [];
    const handle = connectPostgres(withDatabase(url, copyName), 3, (error) => errors.push(error));
    try {
      await Promise.all([1, 2, 3].map(() => sql`SELECT pg_sleep(0.05)`.execute(handle.db)));
      expect(handle.poolStats().idle).toBe(3);
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      try {
        // Ours and the test database's own connection: both pools must survive it.
        const killed = await admin.query(
          'SELECT count(*)::int AS n FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()) t',
          [copyName],
        );
        expect(killed.rows[0].n).toBe(4);
      } finally {
        await admin.end();
      }
      for (let i = 0; i < 50 && errors.length < 3; i++) await new Promise((r) => setTimeout(r, 20));
      expect(errors.length).toBeGreaterThanOrEqual(3);
      expect(errors.every((e) => /terminating connection/.test(e.message))).toBe(true);
      const row = (await sql<{ one: number }>`SELECT 1 AS one`.execute(handle.db)).rows[0];
      expect(row).toEqual({ one: 1 });
      expect((await sql<{ one: number }>`SELECT 1 AS one`.execute(copy.db)).rows[0]).toEqual({ one: 1 });
    } finally {
      await handle.close();
      await copy.close();
    }
  });
});
