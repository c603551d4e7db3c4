/** localStorage that never throws (private browsing, disabled storage, no window in tests). */
export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export function browserStorage(): KeyValueStorage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null;
  }
}

export function readStorage(key: string, storage = browserStorage()): string | null {
  try {
    return storage?.getItem(key) ?? null;
  } catch {
    return null;
  }
}

export function writeStorage(key: string, value: string | null, storage = browserStorage()): void {
  try {
    if (value === null) storage?.removeItem(key);
    else storage?.setItem(key, value);
  } catch {
    // Storage full or disabled: the app still works for this page load.
  }
}

/** localStorage key of the session token. */
export const TOKEN_STORAGE_KEY = 'jiaozi.token';

export type SessionEnd = 'expired' | null;

/**
 * The bearer token, cached in memory and mirrored to storage. React reads it with
 * `useSyncExternalStore(store.subscribe, store.get)`.
 */
export interface TokenStore {
  get: () => string | null;
  set: (token: string) => void;
  /** Logged out on purpose. */
  clear: () => void;
  /** The server said `unauthenticated` for this token: drop it if it is still the current one. */
  expire: (token: string) => void;
  /** Why the last session ended, for a notice on the login screen. */
  ended: () => SessionEnd;
  /** Re-read storage (another tab logged in or out). */
  reload: () => void;
  subscribe: (listener: () => void) => () => void;
}

export function createTokenStore(storage: KeyValueStorage | null, key = TOKEN_STORAGE_KEY): TokenStore {
  let token = readStorage(key, storage);
  let ended: SessionEnd = null;
  const listeners = new Set<() => void>();
  const update = (next: string | null, reason: SessionEnd) => {
    ended = reason;
    if (next === token) return;
    token = next;
    writeStorage(key, next, storage);
    for (const listener of listeners) listener();
  };
  return {
    get: () => token,
    set: (next) => update(next, null),
    clear: () => update(null, null),
    expire: (stale) => {
      if (stale === token) update(null, 'expired');
    },
    ended: () => ended,
    reload: () => {
      const stored = readStorage(key, storage);
      if (stored === token) return;
      token = stored;
      for (const listener of listeners) listener();
    },
    subscribe: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
