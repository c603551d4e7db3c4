import { resolve } from 'node:path';
import { ERROR_CODES, ERROR_TABLE } from '@jiaozi/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addSeconds, ManualClock, systemClock } from './clock.js';
import { CONFIG_VARS, ConfigError, loadConfig } from './config.js';
import { AssertionError, assert, DomainError } from './errors.js';
import { isUuid, newId, uuidv7, uuidv7Time } from './ids.js';

const UUIDV7_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  it('has a default for everything', () => {
    expect(loadConfig({})).toEqual({
      host: 'localhost',
      port: 8080,
      databaseUrl: undefined,
      dbPoolMax: 10,
      redisUrl: undefined,
      dataDir: resolve(process.cwd(), './data'),
      logLevel: 'info',
      currency: 'CNY',
      sessionTtlDays: 30,
      trustProxy: false,
      webDistDir: undefined,
      argon2MemoryKib: 19456,
      argon2TimeCost: 2,
      rateLimits: true,
      timeZone: 'Asia/Shanghai',
      bankLatencyMs: 1200,
      bankFailureRate: 0,
      fundCutoff: '15:00',
      fundHolidays: undefined,
      fundInstantDailyMaxMinor: 1_000_000n,
      fundYieldSource: 'published',
      fundScheduler: true,
      jobRunner: true,
      mediaDir: undefined,
      mediaLinkTtlSeconds: 300,
      webhookAllowPrivateNetworks: false,
      demoMiniapps: true,
      demoRestaurantsPort: 8091,
      demoShopPort: 8092,
    });
  });

  it('reads the fund settings', () => {
    expect(
      loadConfig({
        FUND_CUTOFF: '14:30',
        FUND_HOLIDAYS: '2026-10-01, 2026-10-02',
        FUND_INSTANT_DAILY_MAX_MINOR: '500000',
        FUND_YIELD_SOURCE: 'simulated',
        FUND_SCHEDULER: 'false',
      }),
    ).toMatchObject({
      fundCutoff: '14:30',
      fundHolidays: ['2026-10-01', '2026-10-02'],
      fundInstantDailyMaxMinor: 500_000n,
      fundYieldSource: 'simulated',
      fundScheduler: false,
    });
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ PORT: '', CURRENCY: '' })).toMatchObject({ port: 8080, currency: 'CNY' });
  });

  it('reads good values', () => {
    const config = loadConfig({
      HOST: '0.0.0.0',
      PORT: '0',
      DATABASE_URL: 'postgresql://u:p@db:5432/jiaozi',
      REDIS_URL: 'rediss://cache:6380',
      CURRENCY: 'JPY',
      TRUST_PROXY: 'YES',
      RATE_LIMITS: 'off',
      LOG_LEVEL: 'silent',
      DATA_DIR: '/var/lib/jiaozi',
      SESSION_TTL_DAYS: '365',
    });
    expect(config).toMatchObject({
      host: '0.0.0.0',
      port: 0,
      databaseUrl: 'postgresql://u:p@db:5432/jiaozi',
      redisUrl: 'rediss://cache:6380',
      currency: 'JPY',
      trustProxy: true,
      rateLimits: false,
      logLevel: 'silent',
      dataDir: '/var/lib/jiaozi',
      sessionTtlDays: 365,
    });
    expect(loadConfig({ PORT: '65535' }).port).toBe(65535);
  });

  const bad: [string, string][] = [
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PORT', '-1'],
    ['PORT', '80.5'],
    ['DATABASE_URL', 'mysql://x'],
    ['DATABASE_URL', 'not a url'],
    ['REDIS_URL', 'nonsense'],
    ['REDIS_URL', 'http://cache:6379'],
    ['CURRENCY', 'XYZ'],
    ['CURRENCY', 'cny'],
    ['TRUST_PROXY', 'maybe'],
    ['LOG_LEVEL', 'loud'],
    ['SESSION_TTL_DAYS', '0'],
    ['SESSION_TTL_DAYS', '366'],
    ['DB_POOL_MAX', '501'],
    ['ARGON2_MEMORY_KIB', '1023'],
    ['RATE_LIMITS', 'sometimes'],
    ['HOST', '   '],
    ['FUND_CUTOFF', '25:00'],
    ['FUND_CUTOFF', '3pm'],
    ['FUND_HOLIDAYS', '2026-02-30'],
    ['FUND_HOLIDAYS', '2026-10-01;2026-10-02'],
    ['FUND_INSTANT_DAILY_MAX_MINOR', '0'],
    ['FUND_INSTANT_DAILY_MAX_MINOR', '100.50'],
    ['FUND_YIELD_SOURCE', 'random'],
  ];
  it.each(bad)('%s=%s stops with a ConfigError naming the variable', (name, value) => {
    const error = configError({ [name]: value });
    expect(error.variable).toBe(name);
    expect(error.message.startsWith(`${name}: `)).toBe(true);
    expect(error.name).toBe('ConfigError');
  });

  it('names the bad value in the message', () => {
    expect(configError({ PORT: 'abc' }).message).toBe('PORT: expected a whole number, got "abc"');
    expect(configError({ PORT: '70000' }).message).toBe('PORT: must be between 0 and 65535, got 70000');
    expect(configError({ DATABASE_URL: 'mysql://x' }).message).toBe(
      'DATABASE_URL: must start with postgres:// or postgresql://',
    );
    expect(configError({ REDIS_URL: 'nonsense' }).message).toBe('REDIS_URL: is not a valid URL');
    expect(configError({ TRUST_PROXY: 'maybe' }).message).toBe(
      'TRUST_PROXY: expected true or false, got "maybe"',
    );
    expect(configError({ LOG_LEVEL: 'loud' }).message).toBe(
      'LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent, got "loud"',
    );
  });

  it('every variable has an upper-case name and a description', () => {
    for (const spec of Object.values(CONFIG_VARS)) {
      expect(spec.name).toMatch(/^[A-Z][A-Z0-9_]+$/);
      expect(spec.description.length).toBeGreaterThan(10);
    }
    const names = Object.values(CONFIG_VARS).map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
  });
});

describe('uuidv7', () => {
  it('has the UUIDv7 layout: version 7, variant 10, the time in the first 48 bits', () => {
    const before = Date.now();
    const id = uuidv7();
    const after = Date.now();
    expect(id).toMatch(UUIDV7_RE);
    expect(isUuid(id)).toBe(true);
    const hex = id.replaceAll('-', '');
    expect(Number.parseInt(hex[12] ?? '', 16)).toBe(7);
    expect(Number.parseInt(hex[16] ?? '', 16) >> 2).toBe(0b10);
    expect(uuidv7Time(id)).toBeGreaterThanOrEqual(before);
    expect(uuidv7Time(id)).toBeLessThanOrEqual(after + 1);
  });

  it('is strictly increasing for 10,000 ids made in a loop', () => {
    const ids: string[] = [];
    for (let i = 0; i < 10_000; i++) ids.push(uuidv7());
    for (let i = 1; i < ids.length; i++) {
      if (!((ids[i] ?? '') > (ids[i - 1] ?? ''))) throw new Error(`id ${i} ${ids[i]} <= ${ids[i - 1]}`);
    }
    expect(new Set(ids).size).toBe(10_000);
    for (const id of ids) expect(id).toMatch(UUIDV7_RE);
    // The random tail is fresh for every id, across the random pool's refills.
    expect(new Set(ids.map((id) => id.slice(19))).size).toBe(10_000);
  });

  it('carries the clock time given to newId', () => {
    const clock = new ManualClock(Date.now() + 1000);
    const id = newId(clock);
    expect(uuidv7Time(id)).toBe(clock.now().getTime());
  });

  it('round-trips its millisecond time (uuidv7Time), for increasing times', () => {
    const base = Date.now() + 10_000;
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: 1_000_000 }), { minLength: 1, maxLength: 50 }),
        (offsets) => {
          const start = Math.max(base, uuidv7Time(uuidv7()) + 1);
          for (const offset of [...offsets].sort((a, b) => a - b)) {
            const ms = start + offset;
            const id = uuidv7(ms);
            expect(id).toMatch(UUIDV7_RE);
            expect(uuidv7Time(id)).toBe(ms);
          }
        },
      ),
      { numRuns: 50 },
    );
  });

  it('never goes backwards when the clock does, and rolls into the next millisecond after 4096 ids', () => {
    const ms = uuidv7Time(uuidv7()) + 5000;
    const first = uuidv7(ms);
    const earlier = uuidv7(ms - 3000);
    expect(earlier > first).toBe(true);
    expect(uuidv7Time(earlier)).toBe(ms);
    let prev = earlier;
    // `first` used counter 0, `earlier` counter 1: 4094 more fill the millisecond's 12-bit counter.
    for (let i = 0; i < 4094; i++) {
      const id = uuidv7(ms);
      expect(id > prev).toBe(true);
      expect(uuidv7Time(id)).toBe(ms);
      prev = id;
    }
    const rolled = uuidv7(ms);
    expect(rolled > prev).toBe(true);
    expect(uuidv7Time(rolled)).toBe(ms + 1);
  });

  it('isUuid accepts UUIDs of versions 1-8 in lower case only', () => {
    expect(isUuid('00000000-0000-4000-8000-000000000000')).toBe(true);
    expect(isUuid('00000000-0000-0000-0000-000000000000')).toBe(false);
    expect(isUuid('00000000-0000-4000-c000-000000000000')).toBe(false);
    expect(isUuid('0190A3B4-0000-7000-8000-000000000000')).toBe(false);
    expect(isUuid('not-a-uuid')).toBe(false);
  });
});

describe('DomainError', () => {
  it.each(ERROR_CODES)('%s takes its status from the error table', (code) => {
    const error = new DomainError(code);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('DomainError');
    expect(error.code).toBe(code);
    expect(error.status).toBe(ERROR_TABLE[code].status);
    expect(error.details).toBeUndefined();
    expect(error.message).not.toContain('`');
    expect(error.message.length).toBeGreaterThan(0);
  });

  it('has the statuses the API promises', () => {
    expect(new DomainError('invalid_request').status).toBe(400);
    expect(new DomainError('unauthenticated').status).toBe(401);
    expect(new DomainError('forbidden').status).toBe(403);
    expect(new DomainError('not_found').status).toBe(404);
    expect(new DomainError('username_taken').status).toBe(409);
    expect(new DomainError('pin_locked').status).toBe(423);
    expect(new DomainError('rate_limited').status).toBe(429);
    expect(new DomainError('internal_error').status).toBe(500);
  });

  it('defaults its message to the first sentence of the meaning, and keeps a given one and details', () => {
    expect(new DomainError('invalid_request').message).toBe(
      'The request is malformed: bad JSON, a missing, extra or mistyped field.',
    );
    expect(new DomainError('pin_locked').message).toBe(
      'Too many wrong PINs: payments are locked until details.unlockAt.',
    );
    const e = new DomainError('pin_incorrect', 'Wrong PIN.', { attemptsLeft: 3 });
    expect(e.message).toBe('Wrong PIN.');
    expect(e.details).toEqual({ attemptsLeft: 3 });
  });

  it('assert throws an AssertionError on a false condition only', () => {
    expect(() => assert(true, 'fine')).not.toThrow();
    expect(() => assert(0, 'amount is positive')).toThrow(AssertionError);
    expect(() => assert(null, 'amount is positive')).toThrow('assertion failed: amount is positive');
  });
});

describe('ManualClock', () => {
  it('stands still until moved', () => {
    const clock = new ManualClock();
    expect(clock.now().toISOString()).toBe('2026-11-25T08:00:00.000Z');
    expect(clock.now().toISOString()).toBe('2026-11-25T08:00:00.000Z');
  });

  it('moves by milliseconds and seconds, and can be set', () => {
    const clock = new ManualClock('2026-01-01T00:00:00.000Z');
    clock.advance(1500);
    expect(clock.now().toISOString()).toBe('2026-01-01T00:00:01.500Z');
    clock.advanceSeconds(3 * 60 * 60);
    expect(clock.now().toISOString()).toBe('2026-01-01T03:00:01.500Z');
    clock.advance(-1500);
    expect(clock.now().toISOString()).toBe('2026-01-01T03:00:00.000Z');
    clock.set(0);
    expect(clock.now().getTime()).toBe(0);
    clock.set(new Date('2030-06-01T12:00:00Z'));
    expect(clock.now().toISOString()).toBe('2030-06-01T12:00:00.000Z');
  });

  it('hands out copies: mutating a returned Date does not move the clock', () => {
    const clock = new ManualClock(1000);
    clock.now().setTime(999_999);
    expect(clock.now().getTime()).toBe(1000);
  });

  it('addSeconds and the system clock', () => {
    expect(addSeconds(new Date('2026-01-01T00:00:00Z'), 90).toISOString()).toBe('2026-01-01T00:01:30.000Z');
    expect(addSeconds(new Date(0), -1).getTime()).toBe(-1000);
    const before = Date.now();
    const now = systemClock.now().getTime();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });
});
