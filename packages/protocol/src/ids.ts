/**
 * UUIDv7 (RFC 9562), made by clients and the server alike: 48-bit Unix milliseconds,
 * version 7, a 12-bit sequence in `rand_a`, the variant bits, then 62 random bits. Ids made
 * in one process (or page) are strictly increasing, even within one millisecond or when the
 * clock steps back.
 */

/** Random bytes from the platform CSPRNG (Web Crypto; a global in browsers and Node ≥ 19). */
export type RandomBytes = (length: number) => Uint8Array;

/**
 * Random bytes are drawn from the CSPRNG a pool at a time: one `getRandomValues` call per
 * 256 ids instead of one per id (the call, not the bytes, is what costs).
 */
const POOL_BYTES = 4096;
let pool = new Uint8Array(0);
let poolAt = 0;
const cryptoRandom: RandomBytes = (length) => {
  if (poolAt + length > pool.length) {
    pool = globalThis.crypto.getRandomValues(new Uint8Array(Math.max(POOL_BYTES, length)));
    poolAt = 0;
  }
  const out = pool.subarray(poolAt, poolAt + length);
  poolAt += length;
  return out;
};

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

let lastMs = -1;
let lastSeq = 0;

export function uuidv7(nowMs: number = Date.now(), random: RandomBytes = cryptoRandom): string {
  const bytes = random(16);
  let ms = Math.max(0, Math.floor(nowMs));
  if (ms <= lastMs) {
    ms = lastMs;
    lastSeq += 1;
    if (lastSeq > 0xfff) {
      ms = lastMs + 1;
      lastSeq = 0;
    }
  } else {
    lastSeq = 0;
  }
  lastMs = ms;
  const high = Math.floor(ms / 2 ** 32);
  const low = ms >>> 0;
  bytes[0] = (high >>> 8) & 0xff;
  bytes[1] = high & 0xff;
  bytes[2] = (low >>> 24) & 0xff;
  bytes[3] = (low >>> 16) & 0xff;
  bytes[4] = (low >>> 8) & 0xff;
  bytes[5] = low & 0xff;
  bytes[6] = 0x70 | ((lastSeq >>> 8) & 0x0f);
  bytes[7] = lastSeq & 0xff;
  bytes[8] = 0x80 | ((bytes[8] ?? 0) & 0x3f);
  const h = (i: number) => HEX[bytes[i] as number] as string;
  return (
    h(0) +
    h(1) +
    h(2) +
    h(3) +
    '-' +
    h(4) +
    h(5) +
    '-' +
    h(6) +
    h(7) +
    '-' +
    h(8) +
    h(9) +
    '-' +
    h(10) +
    h(11) +
    h(12) +
    h(13) +
    h(14) +
    h(15)
  );
}

export const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** The millisecond timestamp inside a UUIDv7. */
export function uuidv7Time(id: string): number {
  return Number.parseInt(id.replaceAll('-', '').slice(0, 12), 16);
}
