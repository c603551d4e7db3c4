import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allocate, MAX_ALLOCATION_PARTS } from './allocate.js';
import { MoneyError } from './errors.js';
import { type Minor, minor, sumMinor } from './minor.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(MoneyError);
    return (e as MoneyError).code;
  }
  return undefined;
}

const m = (b: bigint) => minor(b);

describe('allocate: examples', () => {
  it('splits equally, extra units to the lowest indices', () => {
    expect(allocate(m(100n), 3)).toEqual([34n, 33n, 33n]);
    expect(allocate(m(101n), 3)).toEqual([34n, 34n, 33n]);
    expect(allocate(m(99n), 3)).toEqual([33n, 33n, 33n]);
    expect(allocate(m(5n), 10)).toEqual([1n, 1n, 1n, 1n, 1n, 0n, 0n, 0n, 0n, 0n]);
    expect(allocate(m(0n), 4)).toEqual([0n, 0n, 0n, 0n]);
    expect(allocate(m(7n), 1)).toEqual([7n]);
  });

  it('splits negative totals as the negated split of the absolute value', () => {
    expect(allocate(m(-100n), 3)).toEqual([-34n, -33n, -33n]);
    expect(allocate(m(-5n), [3n, 7n])).toEqual([-2n, -3n]);
    expect(allocate(m(-1n), 2)).toEqual([-1n, 0n]);
  });

  it('splits by weights', () => {
    expect(allocate(m(100n), [1n, 1n, 1n])).toEqual([34n, 33n, 33n]);
    expect(allocate(m(1000n), [50n, 30n, 20n])).toEqual([500n, 300n, 200n]);
    // 3.33… and 6.66…: the larger remainder wins even at the higher index.
    expect(allocate(m(10n), [1n, 2n])).toEqual([3n, 7n]);
    // 1.5 and 3.5: equal remainders, the lower index wins.
    expect(allocate(m(5n), [3n, 7n])).toEqual([2n, 3n]);
    // 4.66… and 2.33…; zero weights get nothing.
    expect(allocate(m(7n), [0n, 2n, 1n, 0n])).toEqual([0n, 5n, 2n, 0n]);
    expect(allocate(m(1n), [0n, 1n])).toEqual([0n, 1n]);
    expect(allocate(m(10n), [1n, 0n, 1n])).toEqual([5n, 0n, 5n]);
    // 20/7 = 2 r6, 30/7 = 4 r2, 20/7 = 2 r6: the two leftover units go to the remainders of 6.
    expect(allocate(m(10n), [2n, 3n, 2n])).toEqual([3n, 4n, 3n]);
  });

  it('handles huge totals and weights exactly', () => {
    const total = 10n ** 40n + 1n;
    const shares = allocate(m(total), 3);
    expect(shares).toEqual([
      3333333333333333333333333333333333333334n,
      3333333333333333333333333333333333333334n,
      3333333333333333333333333333333333333333n,
    ]);
    expect(sumMinor(shares)).toBe(total);
    const weighted = allocate(m(10n ** 30n), [10n ** 50n, 2n * 10n ** 50n, 1n]);
    expect(sumMinor(weighted)).toBe(10n ** 30n);
  });

  it(`accepts up to ${MAX_ALLOCATION_PARTS} parts`, () => {
    const shares = allocate(m(123_456_789n), MAX_ALLOCATION_PARTS);
    expect(shares).toHaveLength(10_000);
    expect(sumMinor(shares)).toBe(123_456_789n);
    expect(shares[0]).toBe(12_346n);
    expect(shares[9_999]).toBe(12_345n);
    expect(allocate(m(1n), new Array<bigint>(10_000).fill(2n))).toHaveLength(10_000);
  });

  it('returns a fresh array', () => {
    const weights = [1n, 2n];
    const shares = allocate(m(3n), weights);
    expect(shares).not.toBe(weights);
    expect(weights).toEqual([1n, 2n]);
  });
});

describe('allocate: rejections', () => {
  it.each([0, -1, 1.5, 10_001, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53])(
    'parts = %s → invalid_allocation',
    (parts) => {
      expect(codeOf(() => allocate(m(100n), parts))).toBe('invalid_allocation');
    },
  );

  it.each<[string, readonly bigint[]]>([
    ['empty weights', []],
    ['a negative weight', [1n, -1n, 5n]],
    ['all-zero weights', [0n, 0n, 0n]],
    ['a single zero weight', [0n]],
    ['more than 10,000 weights', new Array<bigint>(10_001).fill(1n)],
    ['a number weight', [1n, 2 as unknown as bigint]],
    ['a string weight', ['1' as unknown as bigint]],
  ])('%s → invalid_allocation', (_, weights) => {
    expect(codeOf(() => allocate(m(100n), weights))).toBe('invalid_allocation');
  });

  it('other parts types → invalid_allocation; non-bigint totals → invalid_amount', () => {
    expect(codeOf(() => allocate(m(100n), '3' as unknown as number))).toBe('invalid_allocation');
    expect(codeOf(() => allocate(m(100n), null as unknown as number))).toBe('invalid_allocation');
    expect(codeOf(() => allocate(100 as unknown as Minor, 3))).toBe('invalid_amount');
  });
});

const totalArb = fc.bigInt({ min: -(10n ** 24n), max: 10n ** 24n }).map((b) => b as Minor);
const smallTotalArb = fc.bigInt({ min: -1000n, max: 1000n }).map((b) => b as Minor);
const weightsArb = fc
  .array(fc.oneof(fc.bigInt({ min: 0n, max: 10n }), fc.bigInt({ min: 0n, max: 10n ** 20n })), {
    minLength: 1,
    maxLength: 30,
  })
  .filter((ws) => ws.some((w) => w > 0n));

/** floor(|total| * w / Σw) and its remainder, computed independently of `allocate`. */
function exact(total: bigint, weights: readonly bigint[]) {
  const abs = total < 0n ? -total : total;
  const sum = weights.reduce((a, b) => a + b, 0n);
  return {
    abs,
    sum,
    floors: weights.map((w) => (abs * w) / sum),
    remainders: weights.map((w) => (abs * w) % sum),
  };
}

describe('allocate: properties', () => {
  it('always sums exactly to the total', () => {
    fc.assert(
      fc.property(
        fc.oneof(totalArb, smallTotalArb),
        fc.oneof(weightsArb, fc.integer({ min: 1, max: 50 })),
        (total, parts) => {
          const shares = allocate(total, parts);
          expect(shares).toHaveLength(typeof parts === 'number' ? parts : parts.length);
          expect(sumMinor(shares)).toBe(total);
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('every share is strictly within 1 unit of its exact proportion (cross-multiplied)', () => {
    fc.assert(
      fc.property(fc.oneof(totalArb, smallTotalArb), weightsArb, (total, weights) => {
        const shares = allocate(total, weights);
        const sum = weights.reduce((a, b) => a + b, 0n);
        shares.forEach((share, i) => {
          // |share - total * w / Σw| < 1  ⇔  |share * Σw - total * w| < Σw
          const diff = share * sum - total * weights[i]!;
          expect(diff < 0n ? -diff : diff).toBeLessThan(sum);
          if (weights[i] === 0n) expect(share).toBe(0n);
          // Same sign as the total (or zero).
          expect(total >= 0n ? share >= 0n : share <= 0n).toBe(true);
        });
      }),
      { numRuns: 5000 },
    );
  });

  it('equal splits differ by at most 1 and are non-increasing in magnitude', () => {
    fc.assert(
      fc.property(fc.oneof(totalArb, smallTotalArb), fc.integer({ min: 1, max: 100 }), (total, parts) => {
        const shares = allocate(total, parts);
        const abs = shares.map((s) => (s < 0n ? -s : s));
        const min = abs.reduce((a, b) => (a < b ? a : b));
        const max = abs.reduce((a, b) => (a > b ? a : b));
        expect(max - min <= 1n).toBe(true);
        for (let i = 1; i < abs.length; i++) expect(abs[i]! <= abs[i - 1]!).toBe(true);
        expect(shares).toEqual(allocate(total, new Array<bigint>(parts).fill(1n)));
      }),
      { numRuns: 2000 },
    );
  });

  it('hands leftover units out in largest-remainder order, ties to the lower index', () => {
    fc.assert(
      fc.property(fc.oneof(totalArb, smallTotalArb), weightsArb, (total, weights) => {
        const shares = allocate(total, weights);
        const { abs, floors, remainders } = exact(total, weights);
        const extras = shares.map((s, i) => (s < 0n ? -s : s) - floors[i]!);
        for (const e of extras) expect(e === 0n || e === 1n).toBe(true);
        expect(extras.reduce((a, b) => a + b, 0n)).toBe(abs - floors.reduce((a, b) => a + b, 0n));
        for (let i = 0; i < weights.length; i++) {
          for (let j = 0; j < weights.length; j++) {
            if (extras[i] === 1n && extras[j] === 0n) {
              const ri = remainders[i]!;
              const rj = remainders[j]!;
              expect(ri > rj || (ri === rj && i < j)).toBe(true);
            }
          }
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('negating the total negates every share', () => {
    fc.assert(
      fc.property(totalArb, fc.oneof(weightsArb, fc.integer({ min: 1, max: 50 })), (total, parts) => {
        const negated = allocate(-total as Minor, parts).map((s) => (s === 0n ? 0n : -s));
        expect(negated).toEqual(allocate(total, parts));
      }),
      { numRuns: 2000 },
    );
  });

  it('scaling all weights by the same factor changes nothing', () => {
    fc.assert(
      fc.property(totalArb, weightsArb, fc.bigInt({ min: 1n, max: 10n ** 9n }), (total, weights, k) => {
        expect(
          allocate(
            total,
            weights.map((w) => w * k),
          ),
        ).toEqual(allocate(total, weights));
      }),
      { numRuns: 2000 },
    );
  });
});
