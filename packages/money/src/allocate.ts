import { MoneyError } from './errors.js';
import type { Minor } from './minor.js';

/** Most shares (or weights) one `allocate` call accepts. */
export const MAX_ALLOCATION_PARTS = 10_000;

function fail(message: string): never {
  throw new MoneyError('invalid_allocation', message);
}

function weightsOf(parts: number | readonly bigint[]): readonly bigint[] {
  if (typeof parts === 'number') {
    if (!Number.isInteger(parts) || parts < 1 || parts > MAX_ALLOCATION_PARTS) {
      fail(`parts must be an integer from 1 to ${MAX_ALLOCATION_PARTS}, got ${String(parts)}`);
    }
    return new Array<bigint>(parts).fill(1n);
  }
  if (!Array.isArray(parts)) fail('parts must be a count or an array of bigint weights');
  if (parts.length < 1 || parts.length > MAX_ALLOCATION_PARTS) {
    fail(`weights must have 1 to ${MAX_ALLOCATION_PARTS} entries, got ${parts.length}`);
  }
  let sum = 0n;
  for (const w of parts) {
    if (typeof w !== 'bigint') fail(`weights must be bigints, got ${typeof w}`);
    if (w < 0n) fail(`weights must be non-negative, got ${w}`);
    sum += w;
  }
  if (sum === 0n) fail('weights must not all be zero');
  return parts;
}

/**
 * Splits `total` into `parts` equal shares, or in proportion to non-negative bigint weights, by the
 * largest-remainder method: every share first gets floor(|total| * w / Σw); the units left over go one
 * each to the shares with the largest remainders, ties to the lower index. A negative total is split
 * as its absolute value, then negated.
 *
 * The result sums exactly to `total`, each share is within (strictly) 1 unit of its exact proportion,
 * and zero-weight shares get 0. Throws `invalid_allocation` for a count outside 1..10,000 or not an
 * integer, and for weights that are empty, more than 10,000, negative, not bigints or all zero.
 */
export function allocate(total: Minor, parts: number | readonly bigint[]): Minor[] {
  if (typeof total !== 'bigint') throw new MoneyError('invalid_amount', `not a bigint: ${typeof total}`);
  const weights = weightsOf(parts);
  const negative = total < 0n;
  const amount = negative ? -total : total;
  let weightSum = 0n;
  for (const w of weights) weightSum += w;

  const shares: bigint[] = [];
  const remainders: bigint[] = [];
  let handedOut = 0n;
  for (const w of weights) {
    const product = amount * w;
    const share = product / weightSum;
    shares.push(share);
    remainders.push(product % weightSum);
    handedOut += share;
  }

  // leftover * Σw = Σ remainders, and every remainder is < Σw, so leftover < number of shares and
  // every share picked below has a non-zero remainder.
  const leftover = Number(amount - handedOut);
  if (leftover > 0) {
    const order = shares.map((_, i) => i);
    order.sort((i, j) => {
      const ri = remainders[i]!;
      const rj = remainders[j]!;
      return ri > rj ? -1 : ri < rj ? 1 : i - j;
    });
    for (let k = 0; k < leftover; k++) {
      const i = order[k]!;
      shares[i] = shares[i]! + 1n;
    }
  }
  return shares.map((s) => (negative ? -s : s) as Minor);
}
