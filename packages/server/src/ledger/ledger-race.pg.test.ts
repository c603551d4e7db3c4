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
 * Several writers, each with its own connection pool as separate server processes would
 * have, hammer one Postgres at the same time.
 */
describe('ledger races on Postgres', () => {
  let database: DatabaseHandle;
  const extraPools: DatabaseHandle[] = [];
  const writers: LedgerService[] = [];
  let bank: string;

  beforeAll(async () => {
    database = await createTestDatabase({ poolMax: 8 });
    writers.push(new LedgerService(database.db, systemClock, createLogger('silent')));
    for (let i = 0; i < 3; i++) {
      const pool = connectPostgres(await databaseUrlOf(database), 4);
      extraPools.push(pool);
      writers.push(new LedgerService(pool.db, systemClock, createLogger('silent')));
    }
    bank = (
      await writers[0]!.openAccount({
        currency: 'CNY',
        code: AccountCode.bankSettlement,
        flags: 0,
        ownerRef: 'bank',
      })
    ).id;
  });
  afterAll(async () => {
    for (const w of writers) await w.close();
    for (const p of extraPools) await p.close();
    await database?.close();
  });

  async function wallet(owner: string, balance: bigint): Promise<string> {
    const id = (
      await writers[0]!.openAccount({
        currency: 'CNY',
        code: AccountCode.userWallet,
        flags: AccountFlag.debitsMustNotExceedCredits,
        ownerRef: owner,
      })
    ).id;
    if (balance > 0n) await writers[0]!.submit([t(bank, id, balance)]);
    return id;
  }

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

  it('200 concurrent transfers drain a wallet exactly to zero, never below', async () => {
    const payer = await wallet('drained', 50_000n);
    const payees = await Promise.all(Array.from({ length: 10 }, (_, i) => wallet(`payee-${i}`, 0n)));
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        writers[i % writers.length]!.submit([t(payer, payees[i % payees.length]!, 1_000n)]).then(
          (r) => r[0] as TransferResult,
        ),
      ),
    );
    const ok = results.filter((r) => r.status === 'ok').length;
    const refused = results.filter((r) => r.status === 'failed' && r.code === 'exceeds_credits').length;
    expect(ok).toBe(50);
    expect(refused).toBe(150);
    const [account] = await writers[0]!.accounts([payer]);
    expect(account).toMatchObject({ creditsPosted: 50_000n, debitsPosted: 50_000n, debitsPending: 0n });
    const received = await writers[0]!.accounts(payees);
    expect(received.reduce((sum, a) => sum + a.creditsPosted, 0n)).toBe(50_000n);
  });

  it('50 concurrent retries of one id move the money once', async () => {
    const payer = await wallet('retrier', 10_000n);
    const payee = await wallet('retried', 0n);
    const one = t(payer, payee, 2_500n);
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        writers[i % writers.length]!.submit([one]).then((r) => r[0] as TransferResult),
      ),
    );
    expect(results.filter((r) => r.status === 'ok')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'exists')).toHaveLength(49);
    const [a] = await writers[0]!.accounts([payee]);
    expect(a?.creditsPosted).toBe(2_500n);
  });

  it('keeps the chain and every invariant after the storm', async () => {
    const report = await writers[0]!.verify();
    expect(report.problems).toEqual([]);
  });
});

async function databaseUrlOf(handle: DatabaseHandle): Promise<string> {
  const { rows } = await (await import('kysely')).sql<{
    db: string;
  }>`SELECT current_database() AS db`.execute(handle.db);
  const base = new URL(process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  base.pathname = `/${rows[0]!.db}`;
  return base.toString();
}
