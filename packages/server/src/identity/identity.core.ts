/**
 * Pure rules of identity: how logins, usernames, phones and PINs are recognised, and the
 * PIN attempt state machine. No I/O here.
 */
import {
  pinAttemptsMax,
  pinLength,
  pinLockSeconds,
  usernameMaxLength,
  usernameMinLength,
} from '../kernel/limits.js';

export const USERNAME_PATTERN = `^[A-Za-z][A-Za-z0-9_]{${usernameMinLength - 1},${usernameMaxLength - 1}}$`;
export const PHONE_PATTERN = '^\\+[1-9][0-9]{6,14}$';
export const PIN_PATTERN = `^[0-9]{${pinLength}}$`;
export const REGION_PATTERN = '^[A-Z]{2}$';

const usernameRe = new RegExp(USERNAME_PATTERN);
const phoneRe = new RegExp(PHONE_PATTERN);
const pinRe = new RegExp(PIN_PATTERN);

/** Usernames are unique without regard to case and stored in lower case. */
export function normalizeUsername(username: string): string {
  return username.toLowerCase();
}

export function isValidUsername(username: string): boolean {
  return usernameRe.test(username);
}

export function isValidPhone(phone: string): boolean {
  return phoneRe.test(phone);
}

export type LoginIdentifier =
  | { kind: 'username'; username: string }
  | { kind: 'phone'; phone: string }
  | null;

/** A login starting with + is a phone number; anything else a username. Invalid → null. */
export function classifyLogin(login: string): LoginIdentifier {
  const trimmed = login.trim();
  if (trimmed.startsWith('+')) {
    const compact = trimmed.replace(/[\s-]/g, '');
    return isValidPhone(compact) ? { kind: 'phone', phone: compact } : null;
  }
  return isValidUsername(trimmed) ? { kind: 'username', username: normalizeUsername(trimmed) } : null;
}

/**
 * A PIN is too weak when it is one repeated digit, a straight run up or down (123456,
 * 654321, also wrapping 901234), or two alternating digits (121212).
 */
export function isWeakPin(pin: string): boolean {
  if (!pinRe.test(pin)) return true;
  const digits = [...pin].map(Number);
  const steps = new Set<number>();
  for (let i = 1; i < digits.length; i++) steps.add(((digits[i] ?? 0) - (digits[i - 1] ?? 0) + 10) % 10);
  if (steps.size === 1) {
    const [step] = [...steps];
    if (step === 0 || step === 1 || step === 9) return true;
  }
  const even = new Set(digits.filter((_, i) => i % 2 === 0));
  const odd = new Set(digits.filter((_, i) => i % 2 === 1));
  return even.size === 1 && odd.size === 1;
}

export interface PinState {
  failedAttempts: number;
  lockedUntil: Date | null;
}

export type PinOutcome =
  | { result: 'ok'; next: PinState }
  | { result: 'incorrect'; next: PinState; attemptsLeft: number }
  | { result: 'locked'; next: PinState; unlockAt: Date; lockedNow: boolean };

/**
 * One PIN attempt. While locked nothing is counted, right or wrong. A lock that has run out
 * starts a fresh count. The attempt that reaches the maximum locks for pinLockSeconds.
 */
export function pinAttempt(state: PinState, correct: boolean, now: Date): PinOutcome {
  if (state.lockedUntil && now.getTime() < state.lockedUntil.getTime()) {
    return { result: 'locked', next: state, unlockAt: state.lockedUntil, lockedNow: false };
  }
  const failed = state.lockedUntil ? 0 : state.failedAttempts;
  if (correct) return { result: 'ok', next: { failedAttempts: 0, lockedUntil: null } };
  const counted = failed + 1;
  if (counted >= pinAttemptsMax) {
    const unlockAt = new Date(now.getTime() + pinLockSeconds * 1000);
    return {
      result: 'locked',
      next: { failedAttempts: pinAttemptsMax, lockedUntil: unlockAt },
      unlockAt,
      lockedNow: true,
    };
  }
  return {
    result: 'incorrect',
    next: { failedAttempts: counted, lockedUntil: null },
    attemptsLeft: pinAttemptsMax - counted,
  };
}

/** A readable device name from a User-Agent header, for sessions that did not name one. */
export function deviceNameFromUserAgent(userAgent: string | undefined): string {
  if (!userAgent) return 'Unknown device';
  const browser = /Edg\//.test(userAgent)
    ? 'Edge'
    : /Firefox\//.test(userAgent)
      ? 'Firefox'
      : /Chrom(e|ium)\//.test(userAgent)
        ? 'Chrome'
        : /Safari\//.test(userAgent)
          ? 'Safari'
          : null;
  const os = /Android/.test(userAgent)
    ? 'Android'
    : /iPhone|iPad|iOS/.test(userAgent)
      ? 'iOS'
      : /Mac OS X|Macintosh/.test(userAgent)
        ? 'macOS'
        : /Windows/.test(userAgent)
          ? 'Windows'
          : /Linux/.test(userAgent)
            ? 'Linux'
            : null;
  if (browser && os) return `${browser} on ${os}`;
  return browser ?? os ?? 'Unknown device';
}
