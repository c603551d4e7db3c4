import { type Kysely, sql, type Transaction } from 'kysely';
import type { Clock } from '../kernel/clock.js';
import { assert } from '../kernel/errors.js';
import { newId } from '../kernel/ids.js';
import type { Logger } from '../kernel/logger.js';
import type { Database } from '../platform/db/schema.js';
import { type Account, isValidAccountFlags, type TransferInput, type TransferResult } from './ledger.core.js';
import { batchContentHash, batchHash, chainHash, GENESIS_HASH } from './ledger.hash.js';
import { LedgerRepository } from './ledger.repository.js';
import { type AfterApply, applyGroups, LedgerWriter, type WriterOptions } from './ledger.writer.js';

export * from './ledger.core.js';

/** Batches whose rows verify reads in one go. */
const VERIFY_BATCHES_PER_READ = 200;

function groupByBatch<T extends { batch_id: bigint }>(rows: readonly T[]): Map<bigint, T[]> {
  const map = new Map<bigint, T[]>();
  for (const r of rows) {
    const list = map.get(r.batch_id);
    if (list) list.push(r);
    else map.set(r.batch_id, [r]);
  }
  return map;
}

/** Account codes: what an account is for. */
export const AccountCode = {
  userWallet: 'user_wallet',
  bankSettlement: 'bank_settlement',
  escrow: 'escrow',
  fees: 'fees',
  fundPool: 'fund_pool',
  fundIncome: 'fund_income',
  /** A mini app's merchant account, per app (owner ref) and mode (currency, XTS for test). */
  merchant: 'merchant',
  /** Where test money (XTS) comes from and, when settled, goes back to. */
  testFaucet: 'test_faucet',
} as const;

export interface NewAccount {
  id?: string;
  currency: string;
  code: string;
  flags: number;
  ownerRef: string | null;
}

export interface VerifyReport {
  ok: boolean;
  accounts: number;
  transfers: number;
  batches: number;
  problems: string[];
}

/**
 * The ledger's public face. It imports no other domain: accounts are identified by id and
 * an opaque owner reference, transfers by client ids.
 */
export class LedgerService {
  readonly repo: LedgerRepository;
  readonly writer: LedgerWriter;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    logger: Logger,
    writerOptions: Partial<WriterOptions> = {},
  ) {
    this.repo = new LedgerRepository(db);
    this.writer = new LedgerWriter(db, this.repo, clock, logger, writerOptions);
  }

  start(): void {
    this.writer.start();
  }

  close(): Promise<void> {
    return this.writer.close();
  }

  /** Opens an account; with an owner reference, opening it again returns the existing one. */
  async openAccount(
    input: NewAccount,
    db: Kysely<Database> | Transaction<Database> = this.db,
  ): Promise<Account> {
    assert(isValidAccountFlags(input.flags), 'account flags are valid');
    const id = input.id ?? newId(this.clock);
    const account: Account & { ownerRef: string | null } = {
      id,
      currency: input.currency,
      code: input.code,
      flags: input.flags,
      ownerRef: input.ownerRef,
      debitsPending: 0n,
      debitsPosted: 0n,
      creditsPending: 0n,
      creditsPosted: 0n,
      version: 0n,
    };
    await this.repo.insertAccount(db, account, this.clock.now());
    const stored =
      input.ownerRef === null
        ? (await this.repo.findAccounts([id], db))[0]
        : await this.repo.findAccountByOwner(input.code, input.ownerRef, input.currency, db);
    assert(stored, 'the account exists after opening it');
    assert(stored.code === input.code && stored.currency === input.currency, 'an account id is not reused');
    return stored;
  }

  async account(id: string): Promise<Account | undefined> {
    return (await this.repo.findAccounts([id]))[0];
  }

  accounts(ids: readonly string[]): Promise<Account[]> {
    return this.repo.findAccounts(ids);
  }

  accountByOwner(code: string, ownerRef: string, currency: string): Promise<Account | undefined> {
    return this.repo.findAccountByOwner(code, ownerRef, currency);
  }

  /** Through the batching writer: the fast path for standalone transfers. */
  submit(transfers: readonly TransferInput[], afterApply?: AfterApply): Promise<TransferResult[]> {
    return this.writer.submit(transfers, afterApply);
  }

  /**
   * Inside the caller's transaction, for flows that change other tables atomically with the
   * money (a red packet and its chat message). Takes the same locks as the writer.
   */
  async applyInTransaction(
    trx: Transaction<Database>,
    transfers: readonly TransferInput[],
  ): Promise<TransferResult[]> {
    const out = await applyGroups(trx, this.repo, this.clock.now(), [{ transfers }], 0);
    // The writer decides its next batches on what it holds of these accounts: no longer current.
    this.writer.forget(out.accounts.keys());
    return out.results;
  }

  transfers(ids: readonly string[]) {
    return this.repo.findTransfers(ids);
  }

  /**
   * Checks every invariant: each currency sums to zero, no account breaks its flags, account
   * totals equal both their transfers and their latest entry, entry versions have no gaps,
   * and the hash chain is intact from the first batch.
   */
  async verify(): Promise<VerifyReport> {
    const problems: string[] = [];
    const db = this.db;
    const sums = await sql<{ currency: string; dp: string; dpo: string; cp: string; cpo: string }>`
      SELECT currency, sum(debits_pending)::text AS dp, sum(debits_posted)::text AS dpo,
             sum(credits_pending)::text AS cp, sum(credits_posted)::text AS cpo
      FROM ledger_accounts GROUP BY currency`.execute(db);
    for (const s of sums.rows) {
      if (s.dp !== s.cp) problems.push(`${s.currency}: pending debits ${s.dp} ≠ pending credits ${s.cp}`);
      if (s.dpo !== s.cpo) problems.push(`${s.currency}: posted debits ${s.dpo} ≠ posted credits ${s.cpo}`);
    }
    const flags = await sql<{ id: string }>`
      SELECT id FROM ledger_accounts
      WHERE ((flags & 1) <> 0 AND debits_pending + debits_posted > credits_posted)
         OR ((flags & 2) <> 0 AND credits_pending + credits_posted > debits_posted)`.execute(db);
    for (const r of flags.rows) problems.push(`account ${r.id} breaks its balance flags`);

    // Totals against transfers: posted = plain transfers + posts; pending = holds still pending.
    const fromTransfers = await sql<{ id: string; problem: string }>`
      WITH t AS (
        SELECT debit_account_id AS account_id, 'd' AS side, amount, flags, state FROM ledger_transfers
        UNION ALL
        SELECT credit_account_id, 'c', amount, flags, state FROM ledger_transfers
      ), agg AS (
        SELECT account_id,
          coalesce(sum(amount) FILTER (WHERE side = 'd' AND (flags & 2) = 0 AND (flags & 8) = 0), 0) AS dpo,
          coalesce(sum(amount) FILTER (WHERE side = 'c' AND (flags & 2) = 0 AND (flags & 8) = 0), 0) AS cpo,
          coalesce(sum(amount) FILTER (WHERE side = 'd' AND (flags & 2) <> 0 AND state = 'pending'), 0) AS dp,
          coalesce(sum(amount) FILTER (WHERE side = 'c' AND (flags & 2) <> 0 AND state = 'pending'), 0) AS cp
        FROM t GROUP BY account_id
      )
      SELECT a.id, 'totals differ from its transfers' AS problem
      FROM ledger_accounts a LEFT JOIN agg ON agg.account_id = a.id
      WHERE a.debits_posted <> coalesce(agg.dpo, 0) OR a.credits_posted <> coalesce(agg.cpo, 0)
         OR a.debits_pending <> coalesce(agg.dp, 0) OR a.credits_pending <> coalesce(agg.cp, 0)`.execute(db);
    for (const r of fromTransfers.rows) problems.push(`account ${r.id}: ${r.problem}`);

    const fromEntries = await sql<{ id: string; problem: string }>`
      WITH last AS (
        SELECT DISTINCT ON (account_id) * FROM ledger_entries ORDER BY account_id, version DESC
      ), counts AS (
        SELECT account_id, count(*) AS n, max(version) AS top, min(version) AS low FROM ledger_entries GROUP BY account_id
      )
      SELECT a.id, 'totals or version differ from its entries' AS problem
      FROM ledger_accounts a
      LEFT JOIN last ON last.account_id = a.id
      LEFT JOIN counts ON counts.account_id = a.id
      WHERE a.version <> coalesce(counts.n, 0)
         OR coalesce(counts.top, 0) <> coalesce(counts.n, 0)
         OR coalesce(counts.low, 1) <> 1
         OR a.debits_pending <> coalesce(last.debits_pending, 0)
         OR a.debits_posted <> coalesce(last.debits_posted, 0)
         OR a.credits_pending <> coalesce(last.credits_pending, 0)
         OR a.credits_posted <> coalesce(last.credits_posted, 0)`.execute(db);
    for (const r of fromEntries.rows) problems.push(`account ${r.id}: ${r.problem}`);

    // The chain, batch by batch.
    const batches = await db.selectFrom('ledger_batches').selectAll().orderBy('id').execute();
    let prev = GENESIS_HASH;
    let expectedId = 1n;
    // Rows are read a range of batches at a time (the batch_id indexes are block ranges).
    const readRange = async (lo: bigint, hi: bigint) => {
      const [t, f, e] = await Promise.all([
        db
          .selectFrom('ledger_transfers')
          .selectAll()
          .where('batch_id', '>=', lo)
          .where('batch_id', '<=', hi)
          .execute(),
        db
          .selectFrom('ledger_failures')
          .selectAll()
          .where('batch_id', '>=', lo)
          .where('batch_id', '<=', hi)
          .execute(),
        db
          .selectFrom('ledger_entries')
          .selectAll()
          .where('batch_id', '>=', lo)
          .where('batch_id', '<=', hi)
          .execute(),
      ]);
      return { hi, transfers: groupByBatch(t), failures: groupByBatch(f), entries: groupByBatch(e) };
    };
    let chunk: Awaited<ReturnType<typeof readRange>> | undefined;
    for (const [i, b] of batches.entries()) {
      if (b.id !== expectedId) problems.push(`batch ${expectedId} is missing (found ${b.id})`);
      expectedId = b.id + 1n;
      if (b.prev_hash !== prev) problems.push(`batch ${b.id}: previous hash does not match`);
      if (chunk === undefined || b.id > chunk.hi) {
        const last = batches[Math.min(i + VERIFY_BATCHES_PER_READ, batches.length) - 1] ?? b;
        chunk = await readRange(b.id, last.id);
      }
      const transfers = chunk.transfers.get(b.id) ?? [];
      const failures = chunk.failures.get(b.id) ?? [];
      const entries = chunk.entries.get(b.id) ?? [];
      const content = {
        transfers: transfers.map((t) => ({
          id: t.id,
          fingerprint: t.fingerprint,
          debitAccountId: t.debit_account_id,
          creditAccountId: t.credit_account_id,
          amount: t.amount,
          currency: t.currency,
        })),
        failures: failures.map((f) => ({ id: f.id, code: f.code as never, fingerprint: f.fingerprint })),
        entries: entries.map((e) => ({
          accountId: e.account_id,
          version: e.version,
          transferId: e.transfer_id,
          debitsPending: e.debits_pending,
          debitsPosted: e.debits_posted,
          creditsPending: e.credits_pending,
          creditsPosted: e.credits_posted,
        })),
      };
      if (b.content_hash === null) {
        // Written before migration 0010: one hash over the previous hash and the content.
        if (batchHash(prev, { id: b.id, ...content }) !== b.hash)
          problems.push(`batch ${b.id}: hash does not match its contents`);
      } else if (batchContentHash(content) !== b.content_hash) {
        problems.push(`batch ${b.id}: hash does not match its contents`);
      } else if (chainHash(prev, b.id, b.content_hash) !== b.hash) {
        problems.push(`batch ${b.id}: hash does not match its link in the chain`);
      }
      prev = b.hash;
    }
    const chain = await db.selectFrom('ledger_chain').selectAll().executeTakeFirst();
    if (chain && chain.last_hash !== prev) problems.push('the chain head does not match the last batch');
    const [accounts, transfers] = await Promise.all([
      db
        .selectFrom('ledger_accounts')
        .select((eb) => eb.fn.countAll<bigint>().as('n'))
        .executeTakeFirstOrThrow(),
      db
        .selectFrom('ledger_transfers')
        .select((eb) => eb.fn.countAll<bigint>().as('n'))
        .executeTakeFirstOrThrow(),
    ]);
    return {
      ok: problems.length === 0,
      accounts: Number(accounts.n),
      transfers: Number(transfers.n),
      batches: batches.length,
      problems,
    };
  }
}
