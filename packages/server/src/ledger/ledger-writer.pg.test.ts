import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../kernel/clock.js';
import { newId } from '../kernel/ids.js';
import { createLogger } from '../kernel/logger.js';
import { connectPostgres, type DatabaseHandle } from '../platform/db/connect.js';
import { createTestDatabase } from '../test/db.js';
import {
  AccountCode,
  AccountFlag,
  LedgerService,
  type TransferInput,
  type TransferResult,
} from './ledger.service.js';

/**
 * The writer's fast path decides batches against account states it keeps in memory and
 * sends the next batch while the last one commits. These tests make those states wrong on
 * purpose — another writer (its own pool, as another process would have) changes accounts
 * behind its back, a batch fails under the one decided after it, an id is retried across
 * two batches in flight — and check that every outcome is still exact.
 */
describe('the ledger writer on Postgres: cached states and batches in flight', () => {
  let database: DatabaseHandle;
  let other: DatabaseHandle;
  let a: LedgerService;
  let b: LedgerService;
  let bank: string;

  beforeAll(async () => {
    database = await createTestDatabase({ poolMax: 8 });
    const { rows } = await sql<{ db: string }>`SELECT current_database() AS db`.execute(database.db);
    const url = new URL(process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
    url.pathname = `/${rows[0]?.db}`;
    other = connectPostgres(url.toString(), 4);
    // No pause of the fast path after a refusal: each test here sets up its own refusals.
    a = new LedgerService(database.db, systemClock, createLogger('silent'), { fastPauseAfterRefusalMs: 0 });
    b = new LedgerService(other.db, systemClock, createLogger('silent'));
    bank = (
      await a.openAccount({ currency: 'CNY', code: AccountCode.bankSettlement, flags: 0, ownerRef: 'bank' })
    ).id;
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await other?.close();
    await database?.close();
  });

  function t(debit: string, credit: string, amount: bigint, id = newId()): TransferInput {
    return {
      id,
      debitAccountId: debit,
      creditAccountId: credit,
      amount,
      code: 'p2p',
      flags: 0,
      pendingId: null,
      timeoutSeconds: 0,
      userData: null,
    };
  }

  async function wallet(owner: string, balance: bigint): Promise<string> {
    const id = (
      await a.openAccount({
        currency: 'CNY',
        code: AccountCode.userWallet,
        flags: AccountFlag.debitsMustNotExceedCredits,
        ownerRef: owner,
      })
    ).id;
    if (balance > 0n) expect((await a.submit([t(bank, id, balance)]))[0]?.status).toBe('ok');
    return id;
  }

  async function balance(id: string): Promise<bigint> {
    const [acc] = await a.accounts([id]);
    return (acc?.creditsPosted ?? 0n) - (acc?.debitsPosted ?? 0n);
  }

  it('decides again when another writer changed an account behind its back', async () => {
    const payer = await wallet('stale-payer', 1_000n);
    const payee = await wallet('stale-payee', 0n);
    // Writer a now holds payer at 1,000; writer b spends 600 of it.
    expect((await b.submit([t(payer, payee, 600n)]))[0]?.status).toBe('ok');
    const refusedBefore = a.writer.stats.refused;
    const slowBefore = a.writer.stats.slow;
    const results = await Promise.all(
      Array.from({ length: 4 }, () => a.submit([t(payer, payee, 300n)]).then((r) => r[0] as TransferResult)),
    );
    expect(results.filter((r) => r.status === 'ok')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'failed' && r.code === 'exceeds_credits')).toHaveLength(3);
    expect(a.writer.stats.refused).toBeGreaterThan(refusedBefore);
    // The refusal taught it payer's state: decided again on the fast path, not the slow one.
    expect(a.writer.stats.slow).toBe(slowBefore);
    expect(await balance(payer)).toBe(100n);
    expect(await balance(payee)).toBe(900n);
  });

  it('reads an account again after a transaction beside the writer changed it: nothing refused', async () => {
    const payer = await wallet('beside-payer', 1_000n);
    const payee = await wallet('beside-payee', 0n);
    // Writer a holds payer at 1,000; a business transaction through a moves 400 of it.
    const [moved] = await database.db
      .transaction()
      .execute((trx) => a.applyInTransaction(trx, [t(payer, payee, 400n)]));
    expect(moved?.status).toBe('ok');
    const before = { ...a.writer.stats };
    expect((await a.submit([t(payer, payee, 600n)]))[0]?.status).toBe('ok');
    expect(a.writer.stats).toEqual({ fast: before.fast + 1, refused: before.refused, slow: before.slow });
    expect(await balance(payer)).toBe(0n);
    expect(await balance(payee)).toBe(1_000n);
  });

  it('re-runs the batch decided after a batch that failed', async () => {
    const payer = await wallet('pipeline-payer', 1_000n);
    const first = await wallet('pipeline-first', 0n);
    const second = await wallet('pipeline-second', 0n);
    // Warm writer a's states of all three accounts, so that both batches are sent at once.
    expect((await a.submit([t(payer, first, 1n), t(payer, second, 1n)])).map((r) => r.status)).toEqual([
      'ok',
      'ok',
    ]);
    const refusedBefore = a.writer.stats.refused;
    const slowBefore = a.writer.stats.slow;
    // Sixteen transfers wait: the writer sends the first group of eight as one batch and decides
    // the eight single transfers after it against the 798 it would leave (200 after it). That
    // first batch fails in the database (an id that is no uuid), so the second was decided
    // against a state that never existed: it must be refused and decided again, and then all
    // eight go through.
    const poisoned = [
      t(payer, first, 100n, 'not-a-uuid'),
      ...Array.from({ length: 7 }, () => t(payer, first, 100n)),
    ];
    const failedGroup = a.submit(poisoned);
    const singles = Array.from({ length: 8 }, () =>
      a.submit([t(payer, second, 100n)]).then((r) => r[0] as TransferResult),
    );
    await expect(failedGroup).rejects.toThrow(/uuid/);
    const results = await Promise.all(singles);
    expect(results.map((r) => r.status)).toEqual(Array(8).fill('ok'));
    expect(a.writer.stats.refused).toBe(refusedBefore + 1);
    // It was sent behind the failed batch: decided again on the fast path, not the slow one.
    expect(a.writer.stats.slow).toBe(slowBefore);
    expect(await balance(payer)).toBe(1_000n - 2n - 800n);
    expect(await balance(first)).toBe(1n);
    expect(await balance(second)).toBe(801n);
  });

  it('refuses a batch decided on what a failed batch would have left when another writer reused that version', async () => {
    const payer = await wallet('collision-payer', 1_000n);
    const payee = await wallet('collision-payee', 0n);
    const filler = await wallet('collision-filler', 0n);
    expect((await a.submit([t(payer, payee, 1n), t(bank, filler, 1n)])).map((r) => r.status)).toEqual([
      'ok',
      'ok',
    ]);
    // Writer b moves the payer to its next version (-50) in a transaction held open, so that
    // writer a's batches queue behind it on the chain head.
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const other = database.db.transaction().execute(async (trx) => {
      const [r] = await b.applyInTransaction(trx, [t(payer, payee, 50n)]);
      expect(r?.status).toBe('ok');
      await held;
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    // Writer a, which still knows the payer and payee before b's change, sends a batch that
    // fails (an id that is no uuid; it would have moved each of them one version on, as b did)
    // and, behind it, eight transfers decided on the states it would have left: the same
    // version numbers as b's, with other totals.
    const failedGroup = a.submit([
      t(payer, payee, 100n, 'not-a-uuid'),
      ...Array.from({ length: 7 }, () => t(bank, filler, 1n)),
    ]);
    const singles = Array.from({ length: 8 }, () =>
      a.submit([t(payer, payee, 10n)]).then((r) => r[0] as TransferResult),
    );
    await expect(failedGroup).rejects.toThrow(/uuid/);
    await new Promise((resolve) => setTimeout(resolve, 100));
    release();
    await other;
    const results = await Promise.all(singles);
    expect(results.map((r) => r.status)).toEqual(Array(8).fill('ok'));
    expect(await balance(payer)).toBe(1_000n - 1n - 50n - 80n);
    expect(await balance(payee)).toBe(1n + 50n + 80n);
    expect(await balance(filler)).toBe(1n);
    expect((await a.verify()).problems).toEqual([]);
  });

  it('answers an id retried in the next batch in flight with the original', async () => {
    const payer = await wallet('retry-payer', 10_000n);
    const payee = await wallet('retry-payee', 0n);
    expect((await a.submit([t(payer, payee, 1n)]))[0]?.status).toBe('ok');
    const once = t(payer, payee, 500n);
    // The first half (once and seven others) and the second half (seven others and once again)
    // go as two batches; the second takes once for new and is refused when it finds it stored.
    const submissions = [once, ...Array.from({ length: 14 }, () => t(payer, payee, 10n)), { ...once }].map(
      (x) => a.submit([x]).then((r) => r[0] as TransferResult),
    );
    const results = await Promise.all(submissions);
    expect(results[0]).toMatchObject({ status: 'ok', transfer: { id: once.id, amount: 500n } });
    expect(results[15]).toMatchObject({ status: 'exists', transfer: { id: once.id, amount: 500n } });
    expect(results.slice(1, 15).map((r) => r.status)).toEqual(Array(14).fill('ok'));
    expect(await balance(payee)).toBe(1n + 500n + 140n);
  });

  it('two writers storming the same wallets: every total equals the transfers that went through', async () => {
    const wallets = await Promise.all(Array.from({ length: 6 }, (_, i) => wallet(`storm-${i}`, 5_000n)));
    const writers = [a, b];
    const ok: TransferInput[] = [];
    let refusedOverdrafts = 0;
    await Promise.all(
      Array.from({ length: 16 }, async (_, submitter) => {
        for (let k = 0; k < 40; k++) {
          const from = wallets[(submitter + k) % wallets.length] as string;
          const to = wallets[(submitter + 3 * k + 1) % wallets.length] as string;
          if (from === to) continue;
          const input = t(from, to, BigInt(100 + ((submitter * 37 + k * 11) % 900)));
          const [r] = await (writers[(submitter + k) % 2] as LedgerService).submit([input]);
          if (r?.status === 'ok') ok.push(input);
          else if (r?.status === 'failed' && r.code === 'exceeds_credits') refusedOverdrafts++;
          else throw new Error(`unexpected result ${JSON.stringify(r)}`);
        }
      }),
    );
    expect(ok.length + refusedOverdrafts).toBeGreaterThan(500);
    for (const id of wallets) {
      const moved = ok.reduce(
        (sum, x) =>
          sum + (x.creditAccountId === id ? x.amount : 0n) - (x.debitAccountId === id ? x.amount : 0n),
        0n,
      );
      expect(await balance(id)).toBe(5_000n + moved);
      expect(await balance(id)).toBeGreaterThanOrEqual(0n);
    }
    // Both writers wrote, and fast batches were refused and decided again.
    expect(a.writer.stats.fast + a.writer.stats.slow).toBeGreaterThan(0);
    expect(b.writer.stats.fast + b.writer.stats.slow).toBeGreaterThan(0);
    expect(a.writer.stats.refused + b.writer.stats.refused).toBeGreaterThan(0);
    const report = await a.verify();
    expect(report.problems).toEqual([]);
  });
});
