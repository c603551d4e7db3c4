import { type DependencyList, useCallback, useEffect, useRef, useState } from 'react';

export interface Loaded<T> {
  data: T | null;
  error: unknown;
  loading: boolean;
  reload: () => void;
  setData: (update: T | ((current: T | null) => T | null)) => void;
}

/**
 * Loads data for a screen when it mounts (and when `deps` change). An answer that arrives after
 * the screen was left, or after a newer load started, is dropped.
 */
export function useLoad<T>(load: () => Promise<T>, deps: DependencyList): Loaded<T> {
  const [data, setDataState] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const [round, setRound] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  // biome-ignore lint/correctness/useExhaustiveDependencies: the caller lists what the load depends on.
  useEffect(() => {
    let live = true;
    setLoading(true);
    setError(null);
    loadRef.current().then(
      (value) => {
        if (!live) return;
        setDataState(value);
        setLoading(false);
      },
      (caught: unknown) => {
        if (!live) return;
        setError(caught);
        setLoading(false);
      },
    );
    return () => {
      live = false;
    };
  }, [round, ...deps]);

  const reload = useCallback(() => setRound((n) => n + 1), []);
  const setData = useCallback((update: T | ((current: T | null) => T | null)) => {
    setDataState((current) =>
      typeof update === 'function' ? (update as (current: T | null) => T | null)(current) : update,
    );
  }, []);
  return { data, error, loading, reload, setData };
}
