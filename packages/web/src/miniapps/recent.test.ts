import { describe, expect, it } from 'vitest';
import type { KeyValueStorage } from '../storage.js';
import {
  orderByRecent,
  RECENT_APPS_MAX,
  readRecent,
  recentKey,
  rememberRecent,
  withRecent,
} from './recent.js';

function memory(): KeyValueStorage & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return {
    data,
    getItem: (k) => data.get(k) ?? null,
    setItem: (k, v) => void data.set(k, v),
    removeItem: (k) => void data.delete(k),
  };
}

describe('recently used mini apps', () => {
  it('orders used apps first, most recent first, then the rest in server order', () => {
    const apps = [{ id: 'a' }, { id: 'b' }, { id: 'c' }, { id: 'd' }];
    expect(orderByRecent(apps, ['c', 'gone', 'a']).map((x) => x.id)).toEqual(['c', 'a', 'b', 'd']);
    expect(orderByRecent(apps, []).map((x) => x.id)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('moves an app to the front without duplicates and caps the list', () => {
    expect(withRecent(['a', 'b', 'c'], 'b')).toEqual(['b', 'a', 'c']);
    const many = Array.from({ length: RECENT_APPS_MAX }, (_, i) => `app${i}`);
    const next = withRecent(many, 'new');
    expect(next).toHaveLength(RECENT_APPS_MAX);
    expect(next[0]).toBe('new');
    expect(next).not.toContain(`app${RECENT_APPS_MAX - 1}`);
  });

  it('remembers per user and survives junk in storage', () => {
    const storage = memory();
    rememberRecent('u1', 'a', storage);
    rememberRecent('u1', 'b', storage);
    rememberRecent('u2', 'c', storage);
    expect(readRecent('u1', storage)).toEqual(['b', 'a']);
    expect(readRecent('u2', storage)).toEqual(['c']);
    storage.setItem(recentKey('u3'), '{not json');
    expect(readRecent('u3', storage)).toEqual([]);
    storage.setItem(recentKey('u3'), JSON.stringify(['x', 3, '', 'x', null, 'y']));
    expect(readRecent('u3', storage)).toEqual(['x', 'y']);
  });
});
