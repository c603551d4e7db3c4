import type { Update } from '@jiaozi/protocol';
import { createContext, type ReactNode, useContext, useEffect, useRef, useSyncExternalStore } from 'react';
import { useSession } from '../session.js';
import type { TokenStore } from '../storage.js';
import { RealtimeConnection, type SocketLike } from './connection.js';

type Listener = (updates: readonly Update[]) => void;

/** Who wants to hear of updates, by topic prefix ('wallet.', 'social.' …). */
class Topics {
  readonly #listeners = new Set<{ prefixes: readonly string[]; fn: Listener }>();

  subscribe(prefixes: readonly string[], fn: Listener): () => void {
    const entry = { prefixes, fn };
    this.#listeners.add(entry);
    return () => this.#listeners.delete(entry);
  }

  publish(updates: readonly Update[]): void {
    for (const { prefixes, fn } of this.#listeners) {
      const matching = updates.filter((u) => prefixes.some((p) => u.topic.startsWith(p)));
      if (matching.length > 0) fn(matching);
    }
  }

  /** After a resync everyone reloads. */
  publishAll(): void {
    for (const { fn } of this.#listeners) fn([]);
  }
}

const TopicsContext = createContext<Topics | null>(null);

function socketUrl(): string {
  const { protocol, host } = window.location;
  return `${protocol === 'https:' ? 'wss' : 'ws'}://${host}/v1/ws`;
}

/** Keeps the signed-in user's realtime connection open and fans updates out to screens. */
export function LiveProvider({ tokens, children }: { tokens: TokenStore; children: ReactNode }) {
  const { status, me, forget } = useSession();
  const topics = useRef(new Topics()).current;
  const token = useSyncExternalStore(tokens.subscribe, tokens.get, () => null);
  const userId = me?.id ?? null;

  useEffect(() => {
    if (status !== 'authenticated' || !token || !userId || typeof WebSocket === 'undefined') return;
    const key = `jiaozi.pts.${userId}`;
    const connection = new RealtimeConnection({
      url: socketUrl(),
      token,
      loadPts: () => {
        const raw = localStorage.getItem(key);
        return raw === null ? null : Number(raw);
      },
      savePts: (pts) => localStorage.setItem(key, String(pts)),
      onUpdates: (updates) => topics.publish(updates),
      onResync: () => topics.publishAll(),
      onUnauthenticated: () => forget(),
      createSocket: (url) => new WebSocket(url) as unknown as SocketLike,
    });
    connection.start();
    return () => connection.stop();
  }, [status, token, userId, topics, forget]);

  return <TopicsContext.Provider value={topics}>{children}</TopicsContext.Provider>;
}

/** Calls `reload` whenever an update with one of these topic prefixes arrives. */
export function useLiveReload(prefixes: readonly string[], reload: () => void): void {
  const topics = useContext(TopicsContext);
  const reloadRef = useRef(reload);
  reloadRef.current = reload;
  const key = prefixes.join('|');
  // biome-ignore lint/correctness/useExhaustiveDependencies: the prefixes are compared by value (key).
  useEffect(() => topics?.subscribe(prefixes, () => reloadRef.current()), [topics, key]);
}
