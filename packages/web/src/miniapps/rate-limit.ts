/**
 * The host's limit on bridge calls: at most `BRIDGE_RATE_LIMIT.calls` in any window of
 * `BRIDGE_RATE_LIMIT.windowMs` per app frame. Past it a call answers `rate_limited` at once
 * (the call is not queued). Pure: the caller passes the time.
 */

export const BRIDGE_RATE_LIMIT = { name: 'bridge_calls_per_frame', calls: 30, windowMs: 1_000 } as const;

export interface RateLimit {
  name: string;
  calls: number;
  windowMs: number;
}

/** A sliding window of the times of the calls let through. */
export class CallLimiter {
  readonly limit: RateLimit;
  readonly #times: number[] = [];

  constructor(limit: RateLimit = BRIDGE_RATE_LIMIT) {
    if (!Number.isInteger(limit.calls) || limit.calls < 1)
      throw new RangeError('calls must be a positive integer');
    if (!(limit.windowMs > 0)) throw new RangeError('windowMs must be positive');
    this.limit = limit;
  }

  /** Counts a call at `now` (ms) if the window has room; false when it must be refused. */
  take(now: number): boolean {
    const since = now - this.limit.windowMs;
    while (this.#times.length > 0 && (this.#times[0] as number) <= since) this.#times.shift();
    if (this.#times.length >= this.limit.calls) return false;
    this.#times.push(now);
    return true;
  }

  /** Milliseconds until the next call would be let through (0: now). */
  retryAfterMs(now: number): number {
    if (this.#times.length < this.limit.calls) return 0;
    return Math.max(0, (this.#times[0] as number) + this.limit.windowMs - now);
  }
}
