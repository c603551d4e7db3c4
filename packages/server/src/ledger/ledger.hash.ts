import { createHash, hash } from 'node:crypto';
import type { Entry, Failure, PendingState, Transfer } from './ledger.core.js';

export const GENESIS_HASH = '0'.repeat(64);

export interface HashableBatch {
  id: bigint;
  transfers: readonly Pick<
    Transfer,
    'id' | 'fingerprint' | 'debitAccountId' | 'creditAccountId' | 'amount' | 'currency'
  >[];
  failures: readonly Pick<Failure, 'id' | 'code' | 'fingerprint'>[];
  entries: readonly Entry[];
}

function byKey<T>(key: (x: T) => string) {
  return (a: T, b: T) => {
    const ka = key(a);
    const kb = key(b);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  };
}

/** The lines a batch's hash covers, as one string (hashed in one call). */
function contentLines(batch: Omit<HashableBatch, 'id'>): string {
  let out = '';
  for (const t of [...batch.transfers].sort(byKey((x) => x.id))) {
    out += `t ${t.id} ${t.debitAccountId} ${t.creditAccountId} ${t.amount} ${t.currency} ${t.fingerprint}\n`;
  }
  for (const f of [...batch.failures].sort(byKey((x) => x.id))) {
    out += `f ${f.id} ${f.code} ${f.fingerprint}\n`;
  }
  const entries = [...batch.entries].sort((a, b) =>
    a.accountId < b.accountId
      ? -1
      : a.accountId > b.accountId
        ? 1
        : a.version < b.version
          ? -1
          : a.version > b.version
            ? 1
            : 0,
  );
  for (const e of entries) {
    out += `e ${e.accountId} ${e.version} ${e.transferId} ${e.debitsPending} ${e.debitsPosted} ${e.creditsPending} ${e.creditsPosted}\n`;
  }
  return out;
}

/**
 * The hash of a batch written before migration 0010, chained to the one before: what it
 * created, what failed, and every balance it wrote. Rows are ordered by key, so the database
 * can give them back in any order.
 */
export function batchHash(prevHash: string, batch: HashableBatch): string {
  const h = createHash('sha256');
  h.update(`${prevHash}\nbatch ${batch.id}\n`);
  h.update(contentLines(batch));
  return h.digest('hex');
}

/**
 * The hash of what a batch writes — what it created, what failed, every balance — without
 * its place in the chain, so that the writer can compute it before it knows the place.
 * Changing any stored transfer, failure or entry changes it.
 */
export function batchContentHash(batch: Omit<HashableBatch, 'id'>): string {
  return hash('sha256', contentLines(batch), 'hex');
}

/**
 * A batch's link in the chain (computed by `ledger_commit_batch` in SQL, and here to verify):
 * the previous hash, the batch's id and its content hash.
 */
export function chainHash(prevHash: string, id: bigint, contentHash: string): string {
  return createHash('sha256').update(`${prevHash} ${id} ${contentHash}`).digest('hex');
}

export type { PendingState };
