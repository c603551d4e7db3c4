import { describe, expect, it } from 'vitest';
import { BRIDGE_RATE_LIMIT, CallLimiter } from './rate-limit.js';

describe('CallLimiter', () => {
  it('lets 30 calls a second through per frame, then refuses until the window slides', () => {
    expect(BRIDGE_RATE_LIMIT).toEqual({ name: 'bridge_calls_per_frame', calls: 30, windowMs: 1_000 });
    const limiter = new CallLimiter();
    for (let i = 0; i < 30; i++) expect(limiter.take(1_000 + i), `call ${i}`).toBe(true);
    expect(limiter.take(1_100)).toBe(false);
    expect(limiter.retryAfterMs(1_100)).toBe(900);
    // The first call (at 1000) leaves the window at 2000: one more fits, not two.
    expect(limiter.take(2_000)).toBe(true);
    expect(limiter.take(2_000)).toBe(false);
    // The second call (at 1001) leaves at 2001.
    expect(limiter.take(2_001)).toBe(true);
    expect(limiter.take(2_001)).toBe(false);
  });

  it('does not count refused calls', () => {
    const limiter = new CallLimiter({ name: 'test', calls: 2, windowMs: 100 });
    expect([limiter.take(0), limiter.take(1), limiter.take(2), limiter.take(3)]).toEqual([
      true,
      true,
      false,
      false,
    ]);
    expect(limiter.take(100)).toBe(true);
    expect(limiter.take(101)).toBe(true);
    expect(limiter.take(102)).toBe(false);
  });

  it('refuses a nonsense limit', () => {
    expect(() => new CallLimiter({ name: 'x', calls: 0, windowMs: 10 })).toThrow(RangeError);
    expect(() => new CallLimiter({ name: 'x', calls: 1, windowMs: 0 })).toThrow(RangeError);
  });
});
