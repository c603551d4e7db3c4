/**
 * The rules of money in chat as pure functions: the limits of a red packet, the lucky
 * ("拼手气") share decided at grab time, the equal shares, the best-luck marker, the shares of a
 * bill split, and the ledger ids derived from an object's id (so that doing the same money
 * step twice is the same ledger transfer, which the ledger answers as a replay).
 */
import { createHash } from 'node:crypto';
import { allocate, minor } from '@jiaozi/money';
import { assert } from '../kernel/errors.js';
import { uuidFromDigest } from '../kernel/ids.js';
import * as limits from '../kernel/limits.js';

/** A uniform random integer in [0, boundExclusive); injectable so tests are deterministic. */
export type RandomInt = (boundExclusive: number) => number;

/**
 * A UUID (version 8, RFC 9562 custom) derived from an object's id and a label: the same
 * inputs always give the same id. Ledger ids of a card's post, a grab or a refund are made
 * this way, so a step that runs twice is the same transfer, not a second payment.
 */
export function derivedId(base: string, label: string): string {
  return uuidFromDigest(createHash('sha256').update(`${base}/${label}`).digest('hex'));
}

export type RedPacketProblem = 'count' | 'total_max' | 'share_min';

/** Whether a red packet of `total` in `count` shares is allowed; the problem if not. */
export function redPacketProblem(total: bigint, count: number): RedPacketProblem | null {
  if (!Number.isInteger(count) || count < 1 || count > limits.redPacketCountMax) return 'count';
  if (total > limits.redPacketTotalMaxMinor) return 'total_max';
  if (total < BigInt(count) * limits.redPacketShareMinMinor) return 'share_min';
  return null;
}

/**
 * The next lucky share of a packet with `remaining` left in `count` shares: uniform in
 * [0.01, 2 × remaining ÷ count] (the double-mean rule, so every position has the same
 * expected share), clamped so that every later share can still get 0.01; the last share
 * takes the rest.
 */
export function luckyShare(remaining: bigint, count: number, randomInt: RandomInt): bigint {
  const min = limits.redPacketShareMinMinor;
  assert(Number.isInteger(count) && count >= 1, 'a share is drawn from a packet with shares left');
  assert(remaining >= BigInt(count) * min, 'every share left can get the minimum');
  if (count === 1) return remaining;
  const doubleMean = (2n * remaining) / BigInt(count);
  const cap = remaining - BigInt(count - 1) * min;
  const max = doubleMean < cap ? doubleMean : cap;
  if (max <= min) return min;
  const span = Number(max - min + 1n);
  const draw = randomInt(span);
  assert(Number.isInteger(draw) && draw >= 0 && draw < span, 'the random source stays in range');
  const share = min + BigInt(draw);
  assert(share >= min && share <= max, 'a lucky share is within its bounds');
  return share;
}

/** The share of the grab at `position` (1-based) of an equal packet: largest remainder. */
export function equalShare(total: bigint, count: number, position: number): bigint {
  assert(position >= 1 && position <= count, 'a grab position is within the count');
  const shares = allocate(minor(total), count);
  return shares[position - 1] as bigint;
}

/** The index of the largest share (a tie goes to the earlier grab), or -1 for none. */
export function bestLuckIndex(grabs: readonly { amount: bigint; position: number }[]): number {
  let best = -1;
  for (const [i, g] of grabs.entries()) {
    const b = best === -1 ? undefined : grabs[best];
    if (!b || g.amount > b.amount || (g.amount === b.amount && g.position < b.position)) best = i;
  }
  return best;
}

export type SplitProblem = 'participants' | 'total_max' | 'share_min' | 'custom_sum' | 'custom_users';

/**
 * The shares of a bill: equal (largest remainder, in participant order) or the custom
 * amounts given, which must name exactly the participants and sum to the total. Every
 * share is at least 0.01.
 */
export function splitShares(
  total: bigint,
  participantIds: readonly string[],
  custom: ReadonlyMap<string, bigint> | null,
): { shares: Map<string, bigint> } | { problem: SplitProblem } {
  const n = participantIds.length;
  if (n < 1 || n > limits.splitParticipantsMax || new Set(participantIds).size !== n) {
    return { problem: 'participants' };
  }
  if (total <= 0n || total > limits.splitTotalMaxMinor) return { problem: 'total_max' };
  if (custom === null) {
    if (total < BigInt(n) * limits.redPacketShareMinMinor) return { problem: 'share_min' };
    const amounts = allocate(minor(total), n);
    return { shares: new Map(participantIds.map((id, i) => [id, amounts[i] as bigint])) };
  }
  if (custom.size !== n || participantIds.some((id) => !custom.has(id))) return { problem: 'custom_users' };
  let sum = 0n;
  for (const a of custom.values()) {
    if (a < limits.redPacketShareMinMinor) return { problem: 'share_min' };
    sum += a;
  }
  if (sum !== total) return { problem: 'custom_sum' };
  return { shares: new Map(participantIds.map((id) => [id, custom.get(id) as bigint])) };
}

/** Whether an object created with a 24 h life has expired at `now`. */
export function isExpired(expiresAt: Date, now: Date): boolean {
  return expiresAt.getTime() <= now.getTime();
}
