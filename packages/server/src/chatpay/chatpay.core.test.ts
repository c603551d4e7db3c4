import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as limits from '../kernel/limits.js';
import {
  bestLuckIndex,
  derivedId,
  equalShare,
  luckyShare,
  type RandomInt,
  redPacketProblem,
  splitShares,
} from './chatpay.core.js';

/** mulberry32: a small seeded generator, so statistical tests are deterministic. */
function seeded(seed: number): RandomInt {
  let a = seed >>> 0;
  return (bound) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    const u = ((x ^ (x >>> 14)) >>> 0) / 4294967296;
    return Math.floor(u * bound);
  };
}

/** Grabs a whole lucky packet, checking each share against its bounds at its moment. */
function grabAll(total: bigint, count: number, random: RandomInt): bigint[] {
  const shares: bigint[] = [];
  let remaining = total;
  for (let left = count; left >= 1; left--) {
    const share = luckyShare(remaining, left, random);
    expect(share).toBeGreaterThanOrEqual(1n);
    if (left === 1) expect(share).toBe(remaining);
    else {
      // uniform in [0.01, 2 × remaining ÷ count], and every later share can still get 0.01
      expect(share).toBeLessThanOrEqual((2n * remaining) / BigInt(left));
      expect(remaining - share).toBeGreaterThanOrEqual(BigInt(left - 1));
    }
    shares.push(share);
    remaining -= share;
  }
  return shares;
}

describe('the lucky split', () => {
  it('keeps every share within bounds and sums exactly, for any packet and any random source', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: limits.redPacketCountMax }).chain((count) =>
          fc.record({
            count: fc.constant(count),
            total: fc.bigInt({ min: BigInt(count), max: limits.redPacketTotalMaxMinor }),
            draws: fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), {
              minLength: count,
              maxLength: count,
            }),
          }),
        ),
        ({ count, total, draws }) => {
          let i = 0;
          const random: RandomInt = (bound) => Math.floor((draws[i++] ?? 0) * bound);
          const shares = grabAll(total, count, random);
          expect(shares).toHaveLength(count);
          expect(shares.reduce((s, x) => s + x, 0n)).toBe(total);
        },
      ),
      { numRuns: 1_000 },
    );
  });

  it('handles the edges: every share at the minimum, one share, the extremes of the source', () => {
    expect(grabAll(100n, 100, seeded(1))).toEqual(new Array(100).fill(1n));
    expect(luckyShare(20_000n, 1, seeded(2))).toBe(20_000n);
    // The source's smallest and largest answers give the bounds.
    expect(luckyShare(1_000n, 10, () => 0)).toBe(1n);
    expect(luckyShare(1_000n, 10, (bound) => bound - 1)).toBe(200n);
    // Clamped so that the 2 shares after this one can still get 0.01.
    expect(luckyShare(5n, 3, (bound) => bound - 1)).toBe(3n);
    expect(() => luckyShare(1_000n, 10, (bound) => bound)).toThrow();
  });

  it('is fair by position: the mean share of every position is total ÷ count within 2%', () => {
    // 20,000 packets of 10.00 in 10 shares: the expected share of each position is 1.00.
    // The standard error of a position's mean is at most ~0.9 fen here, so 2 fen (2%) is a
    // bound that a position favoured by even 2% would break.
    const random = seeded(20261126);
    const packets = 20_000;
    const count = 10;
    const sums = new Array<bigint>(count).fill(0n);
    for (let p = 0; p < packets; p++) {
      let remaining = 1_000n;
      for (let k = 0; k < count; k++) {
        const share = luckyShare(remaining, count - k, random);
        remaining -= share;
        sums[k] = (sums[k] as bigint) + share;
      }
      expect(remaining).toBe(0n);
    }
    const means = sums.map((s) => Number(s) / packets);
    for (const mean of means) expect(Math.abs(mean - 100)).toBeLessThanOrEqual(2);
    expect(Math.max(...means) - Math.min(...means)).toBeLessThanOrEqual(3);
  });
});

describe('red packet rules', () => {
  it('limits the total, the count and the smallest share', () => {
    expect(redPacketProblem(20_000n, 100)).toBeNull();
    expect(redPacketProblem(20_001n, 1)).toBe('total_max');
    expect(redPacketProblem(100n, 101)).toBe('count');
    expect(redPacketProblem(100n, 0)).toBe('count');
    expect(redPacketProblem(9n, 10)).toBe('share_min');
    expect(redPacketProblem(10n, 10)).toBeNull();
  });

  it('splits equal packets by largest remainder, in grab order', () => {
    expect([1, 2, 3].map((k) => equalShare(100n, 3, k))).toEqual([34n, 33n, 33n]);
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100 }),
        fc.bigInt({ min: 100n, max: 20_000n }),
        (count, total) => {
          const shares = Array.from({ length: count }, (_, k) => equalShare(total, count, k + 1));
          expect(shares.reduce((s, x) => s + x, 0n)).toBe(total);
          const min = shares.reduce((a, b) => (a < b ? a : b));
          const max = shares.reduce((a, b) => (a > b ? a : b));
          expect(max - min <= 1n).toBe(true);
        },
      ),
    );
  });

  it('marks the largest share as best luck, the earlier grab on a tie', () => {
    expect(bestLuckIndex([])).toBe(-1);
    expect(
      bestLuckIndex([
        { amount: 300n, position: 1 },
        { amount: 500n, position: 2 },
        { amount: 500n, position: 3 },
        { amount: 200n, position: 4 },
      ]),
    ).toBe(1);
  });
});

describe('bill splits', () => {
  it('splits equally by largest remainder or takes custom amounts that add up', () => {
    const equal = splitShares(10_000n, ['a', 'b', 'c'], null);
    expect('shares' in equal && [...equal.shares.values()]).toEqual([3_334n, 3_333n, 3_333n]);
    expect(splitShares(2n, ['a', 'b', 'c'], null)).toEqual({ problem: 'share_min' });
    expect(splitShares(100n, ['a', 'a'], null)).toEqual({ problem: 'participants' });
    expect(splitShares(limits.splitTotalMaxMinor + 1n, ['a'], null)).toEqual({ problem: 'total_max' });
    const custom = new Map([
      ['a', 70n],
      ['b', 30n],
    ]);
    const ok = splitShares(100n, ['a', 'b'], custom);
    expect('shares' in ok && [...ok.shares.entries()]).toEqual([
      ['a', 70n],
      ['b', 30n],
    ]);
    expect(splitShares(101n, ['a', 'b'], custom)).toEqual({ problem: 'custom_sum' });
    expect(splitShares(100n, ['a', 'c'], custom)).toEqual({ problem: 'custom_users' });
    expect(
      splitShares(
        100n,
        ['a', 'b'],
        new Map([
          ['a', 100n],
          ['b', 0n],
        ]),
      ),
    ).toEqual({ problem: 'share_min' });
  });
});

describe('derived ledger ids', () => {
  it('are UUIDs, the same for the same inputs and different otherwise', () => {
    const id = derivedId('0192d3a4-0000-7000-8000-000000000000', 'hold');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(derivedId('0192d3a4-0000-7000-8000-000000000000', 'hold')).toBe(id);
    expect(derivedId('0192d3a4-0000-7000-8000-000000000000', 'void')).not.toBe(id);
  });
});
