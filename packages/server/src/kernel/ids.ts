import { uuidv7 } from '@jiaozi/protocol';
import type { Clock } from './clock.js';

/** UUIDv7s: the generator is shared with the clients (packages/protocol). */
export { uuidv7, uuidv7Time } from '@jiaozi/protocol';

export function newId(clock?: Clock): string {
  return uuidv7(clock ? clock.now().getTime() : Date.now());
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/**
 * A UUID (version 8, RFC 9562 custom) made from a hex digest of at least 128 bits: the id of a
 * step derived from an operation (the post of a top-up, a day's income, a red packet's grab),
 * the same on every node, so that a step done twice is the same ledger transfer.
 */
export function uuidFromDigest(hashHex: string): string {
  if (!/^[0-9a-f]{32,}$/.test(hashHex)) throw new Error('a hex digest of at least 128 bits');
  const h = hashHex.slice(0, 32).split('');
  h[12] = '8';
  h[16] = ((Number.parseInt(h[16] as string, 16) & 0x3) | 0x8).toString(16);
  const s = h.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20, 32)}`;
}

export function isUuid(value: string): boolean {
  return UUID_RE.test(value);
}
