import { randomBytes } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import { Migrator } from 'kysely/migration';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../kernel/clock.js';
import { newId } from '../kernel/ids.js';
import { createLogger } from '../kernel/logger.js';
import { connectPostgres, type DatabaseHandle } from '../platform/db/connect.js';
import { migrateToLatest } from '../platform/db/migrate.js';
import { migrations } from '../platform/db/migrations/index.js';
import { batchContentHash } from './ledger.hash.js';
import {
  type Account,
  AccountCode,
  AccountFlag,
  applyBatch,
  type BatchOutcome,
  expirePending,
  LedgerService,
  type Transfer,
  TransferFlag,
  type TransferInput,
} from './ledger.service.js';

/**
 * Migration 0017 moves every transfer's two entries onto its row and keeps the others
 * (holds released by their timeout) in `ledger_entries_other`. A database written in the
 * format before it — transfers, a kept failure, a posted part of a hold and a hold released
 * by its timeout, with fingerprints in the old form — must come through whole: verify clean,
 * every entry readable at its version, old ids answered as before.
 */
describe('migration 0017 over a ledger written before it', () => {
  const adminUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `jz_mig_${randomBytes(6).toString('hex')}`;
  let database: DatabaseHandle;

  beforeAll(async () => {
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${name}"`);
    await admin.end();
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    database = connectPostgres(url.toString(), 4);
  });
  afterAll(async () => {
    await database?.close();
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${name}"`);
    await admin.end();
  });

  /** The fingerprint as stored before 0017: the fields themselves. */
  const oldFingerprint = (t: TransferInput) =>
    JSON.stringify([
      t.debitAccountId,
      t.creditAccountId,
      t.amount.toString(),
      t.code,
      t.flags,
      t.pendingId,
      t.timeoutSeconds,
      t.userData,
    ]);

  /** A batch written as the writer did before 0017 (`ledger_commit_batch` of migration 0016). */
  async function writeOld(db: Kysely<unknown>, at: Date, outcome: BatchOutcome, expected: Account[]) {
    const old = <T extends { fingerprint: string }>(x: T, input: TransferInput | undefined) =>
      input ? { ...x, fingerprint: oldFingerprint(input) } : x;
    const created = outcome.created.map((t) => old(t, inputs.get(t.id)));
    const failures = outcome.failures.map((f) => old(f, inputs.get(f.id)));
    const s = (v: bigint | number | null) => (v === null ? null : v.toString());
    const e = outcome.entries;
    const states = [...outcome.pendingStates].filter(([id]) => !created.some((t) => t.id === id));
    const hash = batchContentHash({ transfers: created, failures, entries: e });
    await sql`SELECT ledger_commit_batch(
      ${at}::timestamptz, ${hash}, ${[...created, ...failures].map((x) => x.id)}::uuid[],
      ${expected.map((a) => a.id)}::uuid[], ${expected.map((a) => s(a.version))}::int8[],
      ${created.map((t) => t.id)}::uuid[], ${created.map((t) => t.debitAccountId)}::uuid[],
      ${created.map((t) => t.creditAccountId)}::uuid[], ${created.map((t) => s(t.amount))}::int8[],
      ${created.map((t) => t.currency)}::text[], ${created.map((t) => t.code)}::text[], ${created.map((t) => t.flags)}::int4[],
      ${created.map((t) => t.pendingId)}::uuid[], ${created.map((t) => t.timeoutSeconds)}::int4[],
      ${created.map((t) => t.expiresAt?.toISOString() ?? null)}::timestamptz[],
      ${created.map((t) => outcome.pendingStates.get(t.id) ?? t.state)}::text[], ${created.map((t) => t.userData)}::text[],
      ${created.map((t) => t.fingerprint)}::text[],
      ${failures.map((f) => f.id)}::uuid[], ${failures.map((f) => f.code)}::text[], ${failures.map((f) => f.fingerprint)}::text[],
      ${e.map((x) => x.accountId)}::uuid[], ${e.map((x) => s(x.version))}::int8[], ${e.map((x) => x.transferId)}::uuid[],
      ${e.map((x) => s(x.debitsPending))}::int8[], ${e.map((x) => s(x.debitsPosted))}::int8[],
      ${e.map((x) => s(x.creditsPending))}::int8[], ${e.map((x) => s(x.creditsPosted))}::int8[],
      ${states.map(([id]) => id)}::uuid[], ${states.map(([, st]) => st)}::text[]
    )`.execute(db);
  }

  const inputs = new Map<string, TransferInput>();
  const input = (
    dr: string,
    cr: string,
    amount: bigint,
    flags = 0,
    pendingId: string | null = null,
  ): TransferInput => {
    const t = {
      id: newId(),
      debitAccountId: dr,
      creditAccountId: cr,
      amount,
      code: 'test',
      flags,
      pendingId,
      timeoutSeconds: flags & TransferFlag.pending ? 60 : 0,
      userData: null,
    };
    inputs.set(t.id, t);
    return t;
  };

  it('keeps every entry, balance and old id through the migration', async () => {
    const db = database.db as unknown as Kysely<unknown>;
    const migrator = new Migrator({
      db,
      provider: { getMigrations: async () => migrations },
      migrationTableName: 'schema_migrations',
      migrationLockTableName: 'schema_migrations_lock',
    });
    const to0016 = await migrator.migrateTo('0016_ledger_lean');
    expect(to0016.error).toBeUndefined();

    const account = (id: string, flags: number): Account => ({
      id,
      currency: 'CNY',
      code: AccountCode.userWallet,
      flags,
      debitsPending: 0n,
      debitsPosted: 0n,
      creditsPending: 0n,
      creditsPosted: 0n,
      version: 0n,
    });
    const [bank, alice, bob] = [newId(), newId(), newId()];
    const states = new Map<string, Account>([
      [bank, account(bank, 0)],
      [alice, account(alice, AccountFlag.debitsMustNotExceedCredits)],
      [bob, account(bob, AccountFlag.debitsMustNotExceedCredits)],
    ]);
    const at = new Date(Date.now() - 3_600_000);
    for (const a of states.values()) {
      await sql`INSERT INTO ledger_accounts (id, currency, code, flags, owner_ref, created_at, updated_at)
        VALUES (${a.id}, 'CNY', ${a.code}, ${a.flags}, ${`old:${a.id}`}, ${at}, ${at})`.execute(db);
    }
    const stored = new Map<string, Transfer>();
    const step = async (outcome: BatchOutcome, when: Date) => {
      await writeOld(db, when, outcome, [...states.values()]);
      for (const [id, a] of outcome.accounts) states.set(id, a);
      for (const t of outcome.created) stored.set(t.id, t);
      for (const [id, st] of outcome.pendingStates) {
        const t = stored.get(id);
        if (t) stored.set(id, { ...t, state: st });
      }
    };
    const view = () => ({ accounts: new Map(states), transfers: new Map(stored), failures: new Map() });
    // Funds, a kept failure, a hold with a part posted, and a hold released by its timeout.
    const fund = [input(bank, alice, 1_000n), input(bank, bob, 500n), input(bob, alice, 9_999n)];
    await step(applyBatch(view(), fund, at), at);
    const hold = input(alice, bob, 300n, TransferFlag.pending);
    const lapsing = input(bob, alice, 50n, TransferFlag.pending);
    await step(applyBatch(view(), [hold, lapsing], at), at);
    const post = input(alice, bob, 200n, TransferFlag.postPending, hold.id);
    await step(applyBatch(view(), [post], at), at);
    const later = new Date(at.getTime() + 120_000);
    await step(expirePending(view(), [stored.get(lapsing.id) as Transfer], later), later);
    const before = (await sql<{ n: string }>`SELECT count(*)::text AS n FROM ledger_entries`.execute(db))
      .rows[0]?.n;
    expect(before).toBe('12');

    const result = await migrateToLatest(db);
    expect(result.results?.map((r) => r.migrationName)).toContain('0017_ledger_entries_inline');
    const ledger = new LedgerService(database.db, systemClock, createLogger('silent'));
    try {
      expect((await ledger.verify()).problems).toEqual([]);
      const counts = await sql<{ all: string; other: string; bare: string }>`
        SELECT (SELECT count(*) FROM ledger_entries)::text AS all,
               (SELECT count(*) FROM ledger_entries_other)::text AS other,
               (SELECT count(*) FROM ledger_transfers WHERE debit_version IS NULL OR credit_version IS NULL)::text AS bare
      `.execute(database.db);
      // Twelve entries: the two of each of the five transfers on their rows, the released
      // hold's two in ledger_entries_other (none lost).
      expect(counts.rows[0]).toEqual({ all: '12', other: '2', bare: '0' });
      for (const [id, a] of states) {
        const [now] = await ledger.accounts([id]);
        expect(now).toEqual(a);
        for (let v = 1n; v <= a.version; v++) expect(await ledger.repo.entryAt(id, v)).toBeDefined();
      }
      // Old ids answer as before: the same transfer (old fingerprint) and the kept failure.
      const [again] = await ledger.submit([fund[0] as TransferInput]);
      expect(again?.status).toBe('exists');
      const [failedAgain] = await ledger.submit([fund[2] as TransferInput]);
      expect(failedAgain).toMatchObject({ status: 'failed', code: 'id_already_failed' });
      const [changed] = await ledger.submit([{ ...(fund[0] as TransferInput), amount: 1n }]);
      expect(changed).toMatchObject({ status: 'failed', code: 'exists_with_different_fields' });
      // And new money moves on top, verify still clean.
      expect((await ledger.submit([input(alice, bob, 10n)]))[0]?.status).toBe('ok');
      expect((await ledger.verify()).problems).toEqual([]);
    } finally {
      await ledger.close();
    }
  });
});
