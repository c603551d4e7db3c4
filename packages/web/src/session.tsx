import type { AuthResponse, ClientConfig, Me } from '@jiaozi/protocol';
import {
  createContext,
  type ReactNode,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useState,
  useSyncExternalStore,
} from 'react';
import type { ApiClient } from './api/client.js';
import { ApiError } from './api/client.js';
import { DEFAULT_CONFIG } from './config.js';
import type { SessionEnd, TokenStore } from './storage.js';

export type SessionStatus = 'loading' | 'anonymous' | 'authenticated' | 'offline';

export interface Session {
  status: SessionStatus;
  me: Me | null;
  config: ClientConfig;
  api: ApiClient;
  /** Why the previous session ended ('expired' when the server rejected the token). */
  ended: SessionEnd;
  signIn: (auth: AuthResponse) => void;
  /** Revoke this session on the server (best effort) and forget the token. */
  signOut: () => Promise<void>;
  /** Forget the token without calling the server (it is already revoked). */
  forget: () => void;
  setMe: (me: Me) => void;
  retry: () => void;
}

const SessionContext = createContext<Session | null>(null);

export function SessionProvider({
  api,
  tokens,
  children,
}: {
  api: ApiClient;
  tokens: TokenStore;
  children: ReactNode;
}) {
  const token = useSyncExternalStore(tokens.subscribe, tokens.get, () => null);
  const [loaded, setLoaded] = useState<{ token: string; me: Me } | null>(null);
  const [failed, setFailed] = useState<{ token: string; error: ApiError } | null>(null);
  const [config, setConfig] = useState<ClientConfig>(DEFAULT_CONFIG);

  useEffect(() => {
    let live = true;
    api.config().then(
      (answer) => {
        if (live && answer?.limits) setConfig(answer);
      },
      () => {
        // Hints fall back to the defaults.
      },
    );
    return () => {
      live = false;
    };
  }, [api]);

  const needsMe = token !== null && loaded?.token !== token;
  const failedToken = failed?.token ?? null;
  useEffect(() => {
    // After a failure, wait for "Try again" (which clears `failed`).
    if (token === null || !needsMe || failedToken === token) return;
    let live = true;
    api.me().then(
      (me) => {
        if (!live) return;
        setLoaded({ token, me });
        setFailed(null);
      },
      (error: unknown) => {
        if (live && error instanceof ApiError) setFailed({ token, error });
      },
    );
    return () => {
      live = false;
    };
  }, [api, token, needsMe, failedToken]);

  let status: SessionStatus;
  if (token === null) status = 'anonymous';
  else if (loaded?.token === token) status = 'authenticated';
  else if (failed?.token === token) status = 'offline';
  else status = 'loading';

  const signIn = useCallback(
    (auth: AuthResponse) => {
      setLoaded({ token: auth.token, me: auth.user });
      tokens.set(auth.token);
    },
    [tokens],
  );

  const forget = useCallback(() => {
    tokens.clear();
    setLoaded(null);
  }, [tokens]);

  const signOut = useCallback(async () => {
    try {
      await api.logout();
    } catch {
      // Offline or already revoked: forgetting the token locally still logs this device out.
    }
    forget();
  }, [api, forget]);

  const setMe = useCallback(
    (me: Me) => {
      const current = tokens.get();
      if (current !== null) setLoaded({ token: current, me });
    },
    [tokens],
  );

  const retry = useCallback(() => setFailed(null), []);

  const me = status === 'authenticated' && loaded ? loaded.me : null;
  const ended = status === 'anonymous' ? tokens.ended() : null;
  const value = useMemo<Session>(
    () => ({ status, me, config, api, ended, signIn, signOut, forget, setMe, retry }),
    [status, me, config, api, ended, signIn, signOut, forget, setMe, retry],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside <SessionProvider>');
  return session;
}

/** For screens behind login: the signed-in user is always there. */
export function useMe(): Me {
  const { me } = useSession();
  if (!me) throw new Error('useMe on a signed-out screen');
  return me;
}
