import { isErrorCode, type Message, type SendMessageRequest, statusOf, type Update } from '@jiaozi/protocol';
import {
  createContext,
  type ReactNode,
  useCallback,
  useContext,
  useEffect,
  useRef,
  useState,
  useSyncExternalStore,
} from 'react';
import { ApiError } from '../api/client.js';
import { useSession } from '../session.js';
import type { TokenStore } from '../storage.js';
import { RealtimeConnection, SocketCallFailed, type SocketLike, SocketUnavailable } from './connection.js';

type Listener = (updates: readonly Update[]) => void;

export interface Typing {
  conversationId: string;
  userId: string;
  until: string;
}

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

  readonly #typingListeners = new Set<(typing: Typing) => void>();
  sendTyping: (conversationId: string) => void = () => undefined;
  /** Calls over the socket; rejects with SocketUnavailable when there is none. */
  call: RealtimeConnection['call'] = () => Promise.reject(new SocketUnavailable('not connected'));

  onTyping(fn: (typing: Typing) => void): () => void {
    this.#typingListeners.add(fn);
    return () => this.#typingListeners.delete(fn);
  }

  publishTyping(typing: Typing): void {
    for (const fn of this.#typingListeners) fn(typing);
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
      onTyping: (typing) => topics.publishTyping(typing),
      createSocket: (url) => new WebSocket(url) as unknown as SocketLike,
    });
    connection.start();
    topics.sendTyping = (conversationId) => connection.sendTyping(conversationId);
    topics.call = (method, params, timeoutMs) => connection.call(method, params, timeoutMs);
    return () => {
      topics.sendTyping = () => undefined;
      topics.call = () => Promise.reject(new SocketUnavailable('not connected'));
      connection.stop();
    };
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

/**
 * Who else is typing in a conversation now, and a function to say that I am (throttled to
 * one frame every 3 s; the server relays at most one every 2 s and shows it for 6 s).
 */
export function useTyping(conversationId: string): { typing: string[]; iAmTyping: () => void } {
  const topics = useContext(TopicsContext);
  const [typing, setTyping] = useState<Map<string, number>>(new Map());
  const lastSent = useRef(0);
  useEffect(() => {
    if (!topics) return;
    return topics.onTyping((t) => {
      if (t.conversationId !== conversationId) return;
      setTyping((current) => new Map(current).set(t.userId, Date.parse(t.until)));
    });
  }, [topics, conversationId]);
  useEffect(() => {
    if (typing.size === 0) return;
    const timer = setInterval(() => {
      const now = Date.now();
      setTyping((current) => {
        const next = new Map([...current].filter(([, until]) => until > now));
        return next.size === current.size ? current : next;
      });
    }, 1000);
    return () => clearInterval(timer);
  }, [typing.size]);
  const iAmTyping = useCallback(() => {
    const now = Date.now();
    if (now - lastSent.current < 3000) return;
    lastSent.current = now;
    topics?.sendTyping(conversationId);
  }, [topics, conversationId]);
  return { typing: [...typing.keys()], iAmTyping };
}

/**
 * Sends a text message over the socket when it is up (no request per message), else over
 * HTTP; both under the same client id, so a send the socket dropped is safely sent again.
 */
export function useSendMessage(api: {
  sendMessage(id: string, body: SendMessageRequest): Promise<Message>;
}): (conversationId: string, body: SendMessageRequest) => Promise<Message> {
  const topics = useContext(TopicsContext);
  return useCallback(
    async (conversationId, body) => {
      try {
        const sent = await (topics?.call('messages.send', { conversationId, ...body }) ??
          Promise.reject(new SocketUnavailable('no socket')));
        return sent.message;
      } catch (error) {
        if (error instanceof SocketCallFailed) {
          const { code, message, requestId, details } = error.error;
          throw new ApiError({
            status: isErrorCode(code) ? statusOf(code) : 500,
            code,
            message,
            requestId,
            details,
          });
        }
        if (!(error instanceof SocketUnavailable)) throw error;
        return api.sendMessage(conversationId, body);
      }
    },
    [topics, api],
  );
}
