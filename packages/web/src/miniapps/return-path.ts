/**
 * Where to go after logging in when a signed-out visitor followed a link into a mini app or
 * the simulator. Only those paths are kept (other pages keep going home after login), in
 * sessionStorage: one tab, one use.
 */
export const RETURN_PATH_KEY = 'jiaozi.returnPath';

/** Paths worth coming back to after login. */
export function isReturnPath(path: string): boolean {
  return /^\/(miniapps\/[^/?#]+|dev\/simulator)(\?[^#]*)?$/.test(path);
}

function storage(): Storage | null {
  try {
    return typeof sessionStorage === 'undefined' ? null : sessionStorage;
  } catch {
    return null;
  }
}

export function keepReturnPath(path: string, store: Pick<Storage, 'setItem'> | null = storage()): void {
  if (!isReturnPath(path)) return;
  try {
    store?.setItem(RETURN_PATH_KEY, path);
  } catch {
    // Storage disabled: the visitor lands on the home page instead.
  }
}

export function takeReturnPath(
  store: Pick<Storage, 'getItem' | 'removeItem'> | null = storage(),
): string | null {
  try {
    const path = store?.getItem(RETURN_PATH_KEY) ?? null;
    store?.removeItem(RETURN_PATH_KEY);
    return path !== null && isReturnPath(path) ? path : null;
  } catch {
    return null;
  }
}
