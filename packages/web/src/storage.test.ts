import { describe, expect, it, vi } from 'vitest';
import { createTokenStore, type KeyValueStorage } from './storage.js';

function memoryStorage(
  initial: Record<string, string> = {},
): KeyValueStorage & { data: Map<string, string> } {
  const data = new Map(Object.entries(initial));
  return {
    data,
    getItem: (key) => data.get(key) ?? null,
    setItem: (key, value) => void data.set(key, value),
    removeItem: (key) => void data.delete(key),
  };
}

describe('createTokenStore', () => {
  it('reads, writes and clears jiaozi.token', () => {
    const storage = memoryStorage({ 'jiaozi.token': 'a' });
    const store = createTokenStore(storage);
    expect(store.get()).toBe('a');
    const listener = vi.fn();
    store.subscribe(listener);
    store.set('b');
    expect(storage.data.get('jiaozi.token')).toBe('b');
    store.clear();
    expect(store.get()).toBeNull();
    expect(storage.data.has('jiaozi.token')).toBe(false);
    expect(store.ended()).toBeNull();
    expect(listener).toHaveBeenCalledTimes(2);
  });

  it('expires only the token that was rejected', () => {
    const store = createTokenStore(memoryStorage());
    store.set('new');
    store.expire('old');
    expect(store.get()).toBe('new');
    store.expire('new');
    expect(store.get()).toBeNull();
    expect(store.ended()).toBe('expired');
    store.set('again');
    expect(store.ended()).toBeNull();
  });

  it('survives a storage that throws', () => {
    const broken: KeyValueStorage = {
      getItem: () => {
        throw new Error('denied');
      },
      setItem: () => {
        throw new Error('denied');
      },
      removeItem: () => {
        throw new Error('denied');
      },
    };
    const store = createTokenStore(broken);
    expect(store.get()).toBeNull();
    store.set('t');
    expect(store.get()).toBe('t');
  });
});
