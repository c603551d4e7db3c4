import { describe, expect, it } from 'vitest';
import { isReturnPath, keepReturnPath, RETURN_PATH_KEY, takeReturnPath } from './return-path.js';

function memory() {
  const data = new Map<string, string>();
  return {
    data,
    getItem: (k: string) => data.get(k) ?? null,
    setItem: (k: string, v: string) => void data.set(k, v),
    removeItem: (k: string) => void data.delete(k),
  };
}

describe('the path to return to after login', () => {
  it('keeps only mini-app and simulator links', () => {
    expect(isReturnPath('/dev/simulator?app=01abc')).toBe(true);
    expect(isReturnPath('/miniapps/01abc')).toBe(true);
    expect(isReturnPath('/miniapps/01abc?path=%2Fcart')).toBe(true);
    expect(isReturnPath('/me')).toBe(false);
    expect(isReturnPath('/miniapps/a/b')).toBe(false);
    expect(isReturnPath('//evil.example/dev/simulator')).toBe(false);
    expect(isReturnPath('https://evil.example/miniapps/x')).toBe(false);
  });

  it('is taken once', () => {
    const store = memory();
    keepReturnPath('/wallet', store);
    expect(store.data.has(RETURN_PATH_KEY)).toBe(false);
    keepReturnPath('/dev/simulator?app=01abc', store);
    expect(takeReturnPath(store)).toBe('/dev/simulator?app=01abc');
    expect(takeReturnPath(store)).toBeNull();
    store.setItem(RETURN_PATH_KEY, '//evil.example');
    expect(takeReturnPath(store)).toBeNull();
  });
});
