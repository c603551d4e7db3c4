import { createHash } from 'node:crypto';
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

/**
 * The hash of a batch, chained to the one before: what it created, what failed, and every
 * balance it wrote. Changing any stored transfer, failure or entry breaks the chain from
 * that batch on. Rows are ordered by key, so the database can give them back in any order.
 */
export function batchHash(prevHash: string, batch: HashableBatch): string {
  const h = createHash('sha256');
  h.update(`${prevHash}\nbatch ${batch.id}\n`);
  for (const t of [...batch.transfers].sort(byKey((x) => x.id))) {
    h.update(
      `t ${t.id} ${t.debitAccountId} ${t.creditAccountId} ${t.amount} ${t.currency} ${t.fingerprint}\n`,
    );
  }
  for (const f of [...batch.failures].sort(byKey((x) => x.id))) {
    h.update(`f ${f.id} ${f.code} ${f.fingerprint}\n`);
  }
  for (const e of [...batch.entries].sort(
    byKey((x) => `${x.accountId}:${x.version.toString().padStart(20, '0')}`),
  )) {
    h.update(
      `e ${e.accountId} ${e.version} ${e.transferId} ${e.debitsPending} ${e.debitsPosted} ${e.creditsPending} ${e.creditsPosted}\n`,
    );
  }
  return h.digest('hex');
}

export type { PendingState };
