import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pinAttemptsMax, pinLength, pinLockSeconds, usernameMaxLength } from '../kernel/limits.js';
import {
  classifyLogin,
  deviceNameFromUserAgent,
  isValidPhone,
  isValidUsername,
  isWeakPin,
  normalizeUsername,
  type PinOutcome,
  type PinState,
  pinAttempt,
} from './identity.core.js';

const lockMs = pinLockSeconds * 1000;

describe('classifyLogin', () => {
  it('reads a login starting with + as a phone number, without spaces and dashes', () => {
    expect(classifyLogin('+8613800138000')).toEqual({ kind: 'phone', phone: '+8613800138000' });
    expect(classifyLogin('  +86 138-0013-8000 ')).toEqual({ kind: 'phone', phone: '+8613800138000' });
    expect(classifyLogin('+1234567')).toEqual({ kind: 'phone', phone: '+1234567' });
  });

  it('rejects phone numbers that are not E.164', () => {
    expect(classifyLogin('+123456')).toBeNull(); // 6 digits: too short
    expect(classifyLogin('+1234567890123456')).toBeNull(); // 16 digits: too long
    expect(classifyLogin('+0123456789')).toBeNull(); // country code cannot start with 0
    expect(classifyLogin('+86138abc8000')).toBeNull();
    expect(classifyLogin('+')).toBeNull();
  });

  it('reads anything else as a username, trimmed and in lower case', () => {
    expect(classifyLogin('Alice')).toEqual({ kind: 'username', username: 'alice' });
    expect(classifyLogin('  BoB_99 ')).toEqual({ kind: 'username', username: 'bob_99' });
    expect(classifyLogin('abc')).toEqual({ kind: 'username', username: 'abc' });
  });

  it('rejects invalid usernames', () => {
    expect(classifyLogin('')).toBeNull();
    expect(classifyLogin('ab')).toBeNull();
    expect(classifyLogin('1abc')).toBeNull();
    expect(classifyLogin('_abc')).toBeNull();
    expect(classifyLogin('user-name')).toBeNull();
    expect(classifyLogin('user name')).toBeNull();
    expect(classifyLogin('8613800138000')).toBeNull(); // a phone without + is no username either
    expect(classifyLogin(`a${'b'.repeat(usernameMaxLength)}`)).toBeNull();
  });

  it('classifies every valid username as itself in lower case (property)', () => {
    const username = fc
      .tuple(
        fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'),
        fc.string({
          unit: fc.constantFrom(...'abcXYZ0189_'),
          minLength: 2,
          maxLength: usernameMaxLength - 1,
        }),
      )
      .map(([first, rest]) => first + rest);
    fc.assert(
      fc.property(username, (u) => {
        expect(classifyLogin(u)).toEqual({ kind: 'username', username: u.toLowerCase() });
      }),
    );
  });
});

describe('username and phone validation', () => {
  it('accepts usernames of 3 to 32 characters from a letter', () => {
    expect(isValidUsername('abc')).toBe(true);
    expect(isValidUsername('a'.repeat(32))).toBe(true);
    expect(isValidUsername('a'.repeat(33))).toBe(false);
    expect(isValidUsername('ab')).toBe(false);
    expect(isValidUsername('Zed_0')).toBe(true);
    expect(isValidUsername('zed.0')).toBe(false);
    expect(isValidUsername('zéd')).toBe(false);
    expect(isValidUsername('abc\n')).toBe(false);
  });

  it('normalises usernames to lower case', () => {
    expect(normalizeUsername('AlIcE_1')).toBe('alice_1');
  });

  it('accepts E.164 phone numbers only', () => {
    expect(isValidPhone('+8613800138000')).toBe(true);
    expect(isValidPhone('+123456789012345')).toBe(true); // 15 digits
    expect(isValidPhone('+1234567890123456')).toBe(false); // 16 digits
    expect(isValidPhone('+1234567')).toBe(true); // 7 digits
    expect(isValidPhone('+123456')).toBe(false);
    expect(isValidPhone('8613800138000')).toBe(false);
    expect(isValidPhone('+86 138 0013 8000')).toBe(false); // classifyLogin compacts, the validator does not
    expect(isValidPhone('+0613800138000')).toBe(false);
  });
});

describe('isWeakPin', () => {
  it('rejects repeated digits, straight runs (also wrapping) and alternating pairs', () => {
    for (const pin of ['000000', '999999', '123456', '654321', '012345', '987654', '901234', '210987']) {
      expect(isWeakPin(pin), pin).toBe(true);
    }
    for (const pin of ['121212', '909090', '373737']) expect(isWeakPin(pin), pin).toBe(true);
  });

  it('accepts PINs that follow none of those patterns', () => {
    for (const pin of ['135790', '123457', '112233', '246802', '120120', '482915', '060505']) {
      expect(isWeakPin(pin), pin).toBe(false);
    }
  });

  it('treats anything that is not exactly six digits as weak', () => {
    for (const pin of ['', '12345', '1234567', '12345a', ' 13579', '１３５７９０']) {
      expect(isWeakPin(pin), pin).toBe(true);
    }
  });

  it('finds any PIN made of one repeated digit weak (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 9 }), (d) => {
        expect(isWeakPin(String(d).repeat(pinLength))).toBe(true);
      }),
    );
  });

  it('finds any +1 or -1 run weak, wrapping past 9 and 0 (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 9 }), fc.constantFrom(1, -1), (start, step) => {
        const pin = Array.from({ length: pinLength }, (_, i) => (((start + step * i) % 10) + 10) % 10).join(
          '',
        );
        expect(isWeakPin(pin)).toBe(true);
      }),
    );
  });

  it('is weak for exactly 120 of the 10^6 PINs: 10 repeats + 20 runs + 90 alternating pairs', () => {
    const weak: string[] = [];
    for (let n = 0; n < 10 ** pinLength; n++) {
      const pin = String(n).padStart(pinLength, '0');
      if (isWeakPin(pin)) weak.push(pin);
    }
    expect(weak).toHaveLength(120);
    // An independent oracle: every weak PIN is a repeat, a ±1 run or an alternating pair.
    for (const pin of weak) {
      const d = [...pin].map(Number);
      const steps = new Set(d.slice(1).map((x, i) => (x - (d[i] ?? 0) + 10) % 10));
      const run = steps.size === 1 && [0, 1, 9].includes([...steps][0] ?? -1);
      const alternating = d.every((x, i) => x === d[i % 2]);
      expect(run || alternating, pin).toBe(true);
    }
  });
});

/** A reference model of the PIN lockout, written from the rules rather than from the code. */
interface Model {
  consecutiveWrong: number;
  lockStartedAt: number | null;
}

type Step = { correct: boolean; advanceMs: number };

const stepArb: fc.Arbitrary<Step> = fc.record({
  correct: fc.boolean(),
  advanceMs: fc.oneof(
    fc.constant(0),
    fc.constant(1),
    fc.constant(lockMs - 1),
    fc.constant(lockMs),
    fc.integer({ min: 0, max: 60_000 }),
    fc.integer({ min: 0, max: 2 * lockMs }),
  ),
});

describe('pinAttempt as a state machine', () => {
  it('counts wrong PINs, locks at the fifth, ignores attempts while locked, unlocks after exactly the lock time', () => {
    fc.assert(
      fc.property(
        fc.array(stepArb, { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 0, max: 2 ** 40 }),
        (steps, startMs) => {
          let state: PinState = { failedAttempts: 0, lockedUntil: null };
          const model: Model = { consecutiveWrong: 0, lockStartedAt: null };
          let now = startMs;
          for (const step of steps) {
            now += step.advanceMs;
            const outcome: PinOutcome = pinAttempt(state, step.correct, new Date(now));

            expect(outcome.next.failedAttempts).toBeGreaterThanOrEqual(0);
            expect(outcome.next.failedAttempts).toBeLessThanOrEqual(pinAttemptsMax);

            const lockedByModel = model.lockStartedAt !== null && now < model.lockStartedAt + lockMs;
            if (lockedByModel) {
              // Nothing is counted while locked, right or wrong, and the lock end does not move.
              expect(outcome).toEqual({
                result: 'locked',
                next: state,
                unlockAt: new Date((model.lockStartedAt ?? 0) + lockMs),
                lockedNow: false,
              });
            } else {
              if (model.lockStartedAt !== null) {
                // The lock ran out: a fresh count.
                model.lockStartedAt = null;
                model.consecutiveWrong = 0;
              }
              if (step.correct) {
                model.consecutiveWrong = 0;
                expect(outcome).toEqual({ result: 'ok', next: { failedAttempts: 0, lockedUntil: null } });
              } else {
                model.consecutiveWrong += 1;
                if (model.consecutiveWrong === pinAttemptsMax) {
                  model.lockStartedAt = now;
                  expect(outcome).toEqual({
                    result: 'locked',
                    next: { failedAttempts: pinAttemptsMax, lockedUntil: new Date(now + lockMs) },
                    unlockAt: new Date(now + lockMs),
                    lockedNow: true,
                  });
                } else {
                  expect(model.consecutiveWrong).toBeLessThan(pinAttemptsMax);
                  expect(outcome).toEqual({
                    result: 'incorrect',
                    next: { failedAttempts: model.consecutiveWrong, lockedUntil: null },
                    attemptsLeft: pinAttemptsMax - model.consecutiveWrong,
                  });
                }
              }
            }
            state = outcome.next;
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('locks exactly at the fifth consecutive wrong PIN, not at the fourth', () => {
    const t0 = new Date('2026-01-01T00:00:00Z');
    let state: PinState = { failedAttempts: 0, lockedUntil: null };
    const left: number[] = [];
    for (let i = 0; i < pinAttemptsMax - 1; i++) {
      const o = pinAttempt(state, false, t0);
      if (o.result !== 'incorrect') throw new Error(`attempt ${i + 1} answered ${o.result}`);
      left.push(o.attemptsLeft);
      state = o.next;
    }
    expect(left).toEqual([4, 3, 2, 1]);
    const fifth = pinAttempt(state, false, t0);
    expect(fifth).toEqual({
      result: 'locked',
      next: { failedAttempts: 5, lockedUntil: new Date(t0.getTime() + lockMs) },
      unlockAt: new Date('2026-01-01T03:00:00Z'),
      lockedNow: true,
    });
  });

  it('keeps the lock for exactly pinLockSeconds', () => {
    const lockedUntil = new Date('2026-01-01T03:00:00Z');
    const state: PinState = { failedAttempts: 5, lockedUntil };
    const justBefore = pinAttempt(state, true, new Date(lockedUntil.getTime() - 1));
    expect(justBefore).toEqual({ result: 'locked', next: state, unlockAt: lockedUntil, lockedNow: false });
    expect(pinAttempt(state, true, lockedUntil)).toEqual({
      result: 'ok',
      next: { failedAttempts: 0, lockedUntil: null },
    });
    // After the lock a wrong PIN starts a fresh count of five.
    expect(pinAttempt(state, false, lockedUntil)).toEqual({
      result: 'incorrect',
      next: { failedAttempts: 1, lockedUntil: null },
      attemptsLeft: 4,
    });
  });

  it('resets the count on a correct PIN', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    const ok = pinAttempt({ failedAttempts: 4, lockedUntil: null }, true, now);
    expect(ok).toEqual({ result: 'ok', next: { failedAttempts: 0, lockedUntil: null } });
    const wrong = pinAttempt(ok.next, false, now);
    expect(wrong).toEqual({
      result: 'incorrect',
      next: { failedAttempts: 1, lockedUntil: null },
      attemptsLeft: 4,
    });
  });
});

describe('deviceNameFromUserAgent', () => {
  const cases: [string | undefined, string][] = [
    [undefined, 'Unknown device'],
    ['', 'Unknown device'],
    ['curl/8.5.0', 'Unknown device'],
    [
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
      'Chrome on Windows',
    ],
    [
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0',
      'Edge on Windows',
    ],
    [
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
      'Safari on iOS',
    ],
    [
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
      'Safari on macOS',
    ],
    [
      'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36',
      'Chrome on Android',
    ],
    ['Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0', 'Firefox on Linux'],
    [
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chromium/126.0 Safari/537.36',
      'Chrome on Linux',
    ],
    ['SomeBot/1.0 (Windows)', 'Windows'],
    ['Firefox/127.0', 'Firefox'],
  ];
  it.each(cases)('%s → %s', (ua, expected) => {
    expect(deviceNameFromUserAgent(ua)).toBe(expected);
  });
});
