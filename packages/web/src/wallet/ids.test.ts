import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/client.js';
import { IntentIds, isDefinitiveFailure, UUID_V7, uuidv7, uuidv7Time } from './ids.js';

const apiError = (status: number, code = 'x') => new ApiError({ status, code, message: '' });

describe('uuidv7', () => {
  it('has the UUIDv7 layout: version 7, RFC variant, lowercase hex', () => {
    for (let i = 0; i < 200; i++) expect(uuidv7()).toMatch(UUID_V7);
  });

  it('carries the millisecond timestamp', () => {
    // Far in the future: the generator never goes back in time, and earlier tests used the clock.
    const now = Date.parse('2040-03-04T05:06:07.089Z');
    expect(uuidv7Time(uuidv7(now))).toBe(now);
  });

  it('is strictly increasing within one millisecond and when the clock steps back', () => {
    const now = Date.parse('2041-01-01T00:00:00Z');
    const ids = [uuidv7(now)];
    for (let i = 0; i < 5000; i++) ids.push(uuidv7(now));
    for (let i = 0; i < 10; i++) ids.push(uuidv7(now - 1000));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(UUID_V7);
  });

  it('uses the random source for the tail', () => {
    const zeros = uuidv7(Date.parse('2042-01-01T00:00:00Z'), (n) => new Uint8Array(n));
    expect(zeros).toMatch(UUID_V7);
    expect(zeros.endsWith('-8000-000000000000')).toBe(true);
  });
});

describe('IntentIds', () => {
  it('reuses the id for the same request and makes a new one when it changes', () => {
    let n = 0;
    const ids = new IntentIds(() => `id-${++n}`);
    expect(ids.idFor('alice|100')).toBe('id-1');
    expect(ids.idFor('alice|100')).toBe('id-1');
    expect(ids.idFor('alice|200')).toBe('id-2');
    expect(ids.idFor('alice|100')).toBe('id-3');
  });

  it('keeps the id after an unknown outcome and drops it after a definitive one', () => {
    let n = 0;
    const ids = new IntentIds(() => `id-${++n}`);
    ids.idFor('a');
    ids.settleAfter(apiError(0, 'network_error'));
    expect(ids.idFor('a')).toBe('id-1');
    ids.settleAfter(apiError(503));
    expect(ids.idFor('a')).toBe('id-1');
    ids.settleAfter(apiError(401, 'pin_incorrect'));
    expect(ids.idFor('a')).toBe('id-2');
    ids.settleAfter(null);
    expect(ids.idFor('a')).toBe('id-3');
  });

  it('classifies failures', () => {
    expect(isDefinitiveFailure(apiError(409, 'idempotency_conflict'))).toBe(true);
    expect(isDefinitiveFailure(apiError(400))).toBe(true);
    expect(isDefinitiveFailure(apiError(0))).toBe(false);
    expect(isDefinitiveFailure(apiError(500))).toBe(false);
    expect(isDefinitiveFailure(new Error('boom'))).toBe(false);
  });
});
