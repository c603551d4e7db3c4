import { describe, expect, it } from 'vitest';
import { addTraffic, describeValue, TRAFFIC_MAX } from './traffic.js';

describe('simulator traffic', () => {
  it('adds a call and completes it with its answer', () => {
    let rows = addTraffic([], {
      id: 1,
      method: 'ui.setTitle',
      params: { title: 'Hi' },
      startedAt: 10,
      durationMs: null,
    });
    rows = addTraffic(rows, { id: 2, method: 'auth.login', params: {}, startedAt: 11, durationMs: null });
    rows = addTraffic(rows, {
      id: 1,
      method: 'ui.setTitle',
      params: { title: 'Hi' },
      startedAt: 10,
      durationMs: 3,
      result: {},
    });
    rows = addTraffic(rows, {
      id: 2,
      method: 'auth.login',
      params: {},
      startedAt: 11,
      durationMs: 40,
      error: { code: -32000, message: 'nope', data: { code: 'app_not_active' } },
    });
    expect(rows.map((r) => [r.method, r.outcome, r.durationMs, r.errorCode ?? null])).toEqual([
      ['auth.login', 'error', 40, 'app_not_active'],
      ['ui.setTitle', 'ok', 3, null],
    ]);
  });

  it('keeps at most TRAFFIC_MAX rows', () => {
    let rows = addTraffic([], { id: 0, method: 'm', params: {}, startedAt: 0, durationMs: null });
    for (let i = 1; i <= TRAFFIC_MAX + 5; i++) {
      rows = addTraffic(rows, { id: i, method: 'm', params: {}, startedAt: i, durationMs: null });
    }
    expect(rows).toHaveLength(TRAFFIC_MAX);
    expect(rows[0]?.id).toBe(TRAFFIC_MAX + 5);
  });

  it('describes values briefly, byte buffers by size', () => {
    expect(describeValue({ images: [{ name: 'a.png', data: new ArrayBuffer(12) }] })).toBe(
      '{"images":[{"name":"a.png","data":"[12 bytes]"}]}',
    );
    expect(describeValue('x'.repeat(500), 10)).toBe(`"${'x'.repeat(8)}…`);
    expect(describeValue(undefined)).toBe('');
  });
});
