/** The 18 digits of a pay code in groups of four, the first group taking the remainder: "28 1234 5678 9012 3456". */
export function groupDigits(code: string, size = 4): string[] {
  const digits = code.replace(/\D/g, '');
  if (digits === '') return [];
  const head = digits.length % size || size;
  const groups = [digits.slice(0, head)];
  for (let i = head; i < digits.length; i += size) groups.push(digits.slice(i, i + size));
  return groups;
}

/** A pay code lives 60 s; the screen fetches a new one after ~50 s, or at expiry if sooner. */
export const PAYCODE_TTL_MS = 60_000;
export const PAYCODE_REFRESH_MS = 50_000;

export interface PayCodeSchedule {
  /** Local time (ms) the code stops working. */
  expiresAt: number;
  /** Local time (ms) to fetch the next one. */
  refreshAt: number;
}

/**
 * When to refresh a code received at `receivedAt` (local ms). The server's `expiresAt` is trusted
 * only when it lies within the code's lifetime from now; a skewed client clock falls back to the
 * nominal 60 s so that the screen neither spins nor shows a dead code for long.
 */
export function payCodeSchedule(expiresAtIso: string, receivedAt: number): PayCodeSchedule {
  const serverExpiry = Date.parse(expiresAtIso);
  const left = serverExpiry - receivedAt;
  const ttl = Number.isFinite(left) && left > 0 && left <= PAYCODE_TTL_MS + 5_000 ? left : PAYCODE_TTL_MS;
  const expiresAt = receivedAt + ttl;
  return { expiresAt, refreshAt: Math.min(receivedAt + PAYCODE_REFRESH_MS, expiresAt) };
}

/** Whole seconds left until `until` (never negative), for the countdown. */
export function secondsLeft(until: number, now: number): number {
  return Math.max(0, Math.ceil((until - now) / 1000));
}
