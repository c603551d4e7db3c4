import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import {
  type DatabaseConnection,
  type Driver,
  Kysely,
  PGliteDialect,
  PostgresDialect,
  type TransactionSettings,
} from 'kysely';
import pg from 'pg';
import { dbPoolCloseWaitMaxMs, dbStatementTimeoutMs } from '../../kernel/limits.js';
import type { Database } from './schema.js';

export type DatabaseKind = 'pglite' | 'postgres';

export interface PoolStats {
  total: number;
  idle: number;
  waiting: number;
}

/** A database and what the platform needs to watch and close it. */
export interface DatabaseHandle {
  db: Kysely<Database>;
  kind: DatabaseKind;
  poolStats(): PoolStats;
  close(): Promise<void>;
}

const INT8_OID = 20;

/** int8 columns (amounts, counters) arrive as bigint, never as a lossy number. */
function parseInt8(value: string): bigint {
  return BigInt(value);
}

/**
 * A Kysely over a pg pool. An idle connection that fails (Postgres restarted, a backend
 * terminated) is dropped from the pool and reported to `onIdleError`; it never takes the
 * process down, and the next query opens a fresh connection.
 */
export function connectPostgres(
  url: string,
  poolMax: number,
  onIdleError: (error: Error) => void = (error) =>
    process.emitWarning(`an idle database connection failed: ${error.message}`),
): DatabaseHandle {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolMax,
    statement_timeout: dbStatementTimeoutMs,
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID
          ? parseInt8
          : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
    },
  });
  pool.on('error', onIdleError);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  let closed = false;
  return {
    db,
    kind: 'postgres',
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    close: async () => {
      if (closed) return;
      closed = true;
      // pg's Pool.end() resolves once its clients are told to end, not once their sockets
      // have closed. Wait for each client's `remove` (emitted when its connection is gone), so
      // that whoever closes the pool may drop the database without killing live backends.
      const open = pool.totalCount;
      let removed = 0;
      let timer: NodeJS.Timeout | undefined;
      const allGone = new Promise<void>((resolve) => {
        if (open === 0) resolve();
        pool.on('remove', () => {
          removed += 1;
          if (removed >= open) resolve();
        });
        timer = setTimeout(resolve, dbPoolCloseWaitMaxMs);
      });
      await db.destroy();
      await allGone;
      clearTimeout(timer);
    },
  };
}

export interface PgliteOptions {
  /** A directory (kept across restarts) or undefined for memory. */
  dataDir?: string;
  /** A data directory dump (tar) to start from: the migrated test template. */
  loadDataDir?: Blob;
}

export async function createPglite(options: PgliteOptions): Promise<PGlite> {
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  return PGlite.create({
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    ...(options.loadDataDir ? { loadDataDir: options.loadDataDir } : {}),
    parsers: { [INT8_OID]: parseInt8 },
  });
}

/**
 * PGlite is one connection. Kysely's PGlite driver hands the same connection to every
 * caller, so a query issued while another caller's transaction is open would run inside
 * that transaction. This driver serialises access: a transaction holds the connection
 * until it ends, and every other query waits its turn, as with SQLite.
 */
class SerialDriver implements Driver {
  #queue: Promise<void> = Promise.resolve();
  #release: (() => void) | undefined;

  constructor(private readonly inner: Driver) {}

  init(): Promise<void> {
    return this.inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const previous = this.#queue;
    let release!: () => void;
    this.#queue = new Promise<void>((resolve) => {
      release = resolve;
    });
    await previous;
    this.#release = release;
    return this.inner.acquireConnection();
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.inner.beginTransaction(connection, settings);
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.commitTransaction(connection);
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.rollbackTransaction(connection);
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    await this.inner.releaseConnection(connection);
    const release = this.#release;
    this.#release = undefined;
    release?.();
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }
}

class SerialPGliteDialect extends PGliteDialect {
  override createDriver(): Driver {
    return new SerialDriver(super.createDriver());
  }
}

export function wrapPglite(pglite: PGlite): DatabaseHandle {
  const db = new Kysely<Database>({ dialect: new SerialPGliteDialect({ pglite }) });
  let closed = false;
  return {
    db,
    kind: 'pglite',
    poolStats: () => ({ total: 1, idle: 1, waiting: 0 }),
    close: async () => {
      if (closed) return;
      closed = true;
      await db.destroy();
    },
  };
}

/** Postgres when a URL is given, otherwise PGlite kept on disk under dataDir/pglite. */
export async function connectDatabase(options: {
  databaseUrl: string | undefined;
  dataDir: string;
  poolMax: number;
}): Promise<DatabaseHandle> {
  if (options.databaseUrl) return connectPostgres(options.databaseUrl, options.poolMax);
  const pglite = await createPglite({ dataDir: join(options.dataDir, 'pglite') });
  return wrapPglite(pglite);
}
