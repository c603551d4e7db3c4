import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../kernel/clock.js';
import { newId } from '../kernel/ids.js';
import { createLogger } from '../kernel/logger.js';
import type { DatabaseHandle } from '../platform/db/connect.js';
import { createTestDatabase } from '../test/db.js';
import {
  AccountCode,
  AccountFlag,
  LedgerService,
  TransferFlag,
  type TransferInput,
} from './ledger.service.js';

function transfer(
  debit: string,
  credit: string,
  amount: bigint,
  extra: Partial<TransferInput> = {},
): TransferInput {
  return {
    id: newId(),
    debitAccountId: debit,
    creditAccountId: credit,
    amount,
    code: 'test',
    flags: 0,
    pendingId: null,
    timeoutSeconds: 0,
    userData: null,
    ...extra,
  };
}

describe('ledger on a real database', () => {
  let database: DatabaseHandle;
  let ledger: LedgerService;
  const clock = new ManualClock('2026-11-25T08:00:00Z');
  let bank: string;
  let alice: string;
  let bob: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    ledger = new LedgerService(database.db, clock, createLogger('silent'));
    bank = (
      await ledger.openAccount({
        currency: 'CNY',
        code: AccountCode.bankSettlement,
        flags: 0,
        ownerRef: 'bank',
      })
    ).id;
    alice = (
      await ledger.openAccount({
        currency: 'CNY',
        code: AccountCode.userWallet,
        flags: AccountFlag.debitsMustNotExceedCredits,
        ownerRef: 'alice',
      })
    ).id;
    bob = (
      await ledger.openAccount({
        currency: 'CNY',
        code: AccountCode.userWallet,
        flags: AccountFlag.debitsMustNotExceedCredits,
        ownerRef: 'bob',
      })
    ).id;
  });
  afterAll(async () => {
    await ledger?.close();
    await database?.close();
  });

  it('opens an owned account once', async () => {
    const again = await ledger.openAccount({
      currency: 'CNY',
      code: AccountCode.userWallet,
      flags: AccountFlag.debitsMustNotExceedCredits,
      ownerRef: 'alice',
    });
    expect(again.id).toBe(alice);
  });

  it('moves money, refuses overdrafts, and answers retries with the original', async () => {
    const topUp = transfer(bank, alice, 10_000n);
    expect((await ledger.submit([topUp]))[0]).toMatchObject({ status: 'ok' });
    const pay = transfer(alice, bob, 1_234n);
    const [first] = await ledger.submit([pay]);
    expect(first).toMatchObject({ status: 'ok', transfer: { amount: 1_234n } });
    const [retry] = await ledger.submit([pay]);
    expect(retry).toMatchObject({ status: 'exists' });
    const [conflict] = await ledger.submit([{ ...pay, amount: 1_000n }]);
    expect(conflict).toEqual({ status: 'failed', code: 'exists_with_different_fields' });
    const over = transfer(alice, bob, 100_000n);
    expect((await ledger.submit([over]))[0]).toEqual({ status: 'failed', code: 'exceeds_credits' });
    expect((await ledger.submit([over]))[0]).toEqual({
      status: 'failed',
      code: 'id_already_failed',
      originalCode: 'exceeds_credits',
    });
    const [a, b] = await ledger
      .accounts([alice, bob])
      .then((xs) => xs.sort((x, y) => (x.id === alice ? -1 : y.id === alice ? 1 : 0)));
    expect(a).toMatchObject({ creditsPosted: 10_000n, debitsPosted: 1_234n, version: 2n });
    expect(b).toMatchObject({ creditsPosted: 1_234n, debitsPosted: 0n, version: 1n });
    const past = await ledger.repo.entryAt(alice, 1n);
    expect(past).toMatchObject({ credits_posted: 10_000n, debits_posted: 0n });
  });

  it('holds, posts part of a hold, voids and expires holds', async () => {
    const hold = transfer(alice, bank, 500n, { flags: TransferFlag.pending, timeoutSeconds: 60 });
    expect((await ledger.submit([hold]))[0]).toMatchObject({ status: 'ok' });
    const post = transfer('', '', 300n, { flags: TransferFlag.postPending, pendingId: hold.id });
    expect((await ledger.submit([post]))[0]).toMatchObject({ status: 'ok', transfer: { amount: 300n } });
    const again = transfer('', '', 0n, { flags: TransferFlag.voidPending, pendingId: hold.id });
    expect((await ledger.submit([again]))[0]).toEqual({
      status: 'failed',
      code: 'pending_transfer_already_posted',
    });

    const hold2 = transfer(alice, bank, 200n, { flags: TransferFlag.pending, timeoutSeconds: 60 });
    await ledger.submit([hold2]);
    let [a] = await ledger.accounts([alice]);
    expect(a?.debitsPending).toBe(200n);
    clock.advanceSeconds(61);
    await ledger.writer.expireNow();
    [a] = await ledger.accounts([alice]);
    expect(a?.debitsPending).toBe(0n);
    const late = transfer('', '', 0n, { flags: TransferFlag.postPending, pendingId: hold2.id });
    expect((await ledger.submit([late]))[0]).toEqual({ status: 'failed', code: 'pending_transfer_expired' });
    const [stored] = await ledger.transfers([hold2.id]);
    expect(stored?.state).toBe('expired');
  });

  it('releases more due holds than one batch takes, over several batches', async () => {
    const small = new LedgerService(database.db, clock, createLogger('silent'), { maxExpiriesPerBatch: 3 });
    const holds = Array.from({ length: 7 }, () =>
      transfer(alice, bank, 10n, { flags: TransferFlag.pending, timeoutSeconds: 30 }),
    );
    for (const r of await small.submit(holds)) expect(r.status).toBe('ok');
    clock.advanceSeconds(31);
    await small.writer.expireNow();
    await small.close();
    const stored = await ledger.transfers(holds.map((h) => h.id));
    expect(stored.map((t) => t.state)).toEqual(Array(7).fill('expired'));
  });

  it('rolls back a failed linked chain as a whole', async () => {
    const [before] = await ledger.accounts([bob]);
    const first = transfer(bob, alice, 1n, { flags: TransferFlag.linked });
    const second = transfer(bob, alice, 1_000_000n);
    const results = await ledger.submit([first, second]);
    expect(results).toEqual([
      { status: 'failed', code: 'linked_event_failed' },
      { status: 'failed', code: 'exceeds_credits' },
    ]);
    const [after] = await ledger.accounts([bob]);
    expect(after).toEqual(before);
  });

  it('applies inside a caller’s transaction, and rolls back with it', async () => {
    const t = transfer(bank, bob, 7n);
    await expect(
      database.db.transaction().execute(async (trx) => {
        const [r] = await ledger.applyInTransaction(trx, [t]);
        expect(r?.status).toBe('ok');
        throw new Error('the caller changes its mind');
      }),
    ).rejects.toThrow('changes its mind');
    expect(await ledger.transfers([t.id])).toEqual([]);
    await database.db.transaction().execute((trx) => ledger.applyInTransaction(trx, [t]));
    expect((await ledger.transfers([t.id]))[0]?.amount).toBe(7n);
  });

  it('verifies every invariant, and notices tampering', async () => {
    const report = await ledger.verify();
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.batches).toBeGreaterThan(5);

    // Entries are the entry fields of transfers (and ledger_entries_other): neither changes.
    await expect(
      sql`UPDATE ledger_transfers SET credit_cpo = credit_cpo + 1 WHERE credit_account_id = ${bob}`.execute(
        database.db,
      ),
    ).rejects.toThrow(/only the state of a pending ledger transfer may change/);
    await expect(
      sql`UPDATE ledger_entries_other SET credits_posted = credits_posted + 1`.execute(database.db),
    ).rejects.toThrow(/append-only/);
    await sql`ALTER TABLE ledger_transfers DISABLE TRIGGER ledger_transfers_guard`.execute(database.db);
    await sql`UPDATE ledger_transfers SET credit_cpo = credit_cpo + 1 WHERE credit_account_id = ${bob} AND credit_version = 1`.execute(
      database.db,
    );
    await sql`ALTER TABLE ledger_transfers ENABLE TRIGGER ledger_transfers_guard`.execute(database.db);
    const tampered = await ledger.verify();
    expect(tampered.ok).toBe(false);
    expect(tampered.problems.some((p) => /hash does not match/.test(p))).toBe(true);
  });
});
