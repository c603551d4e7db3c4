import { type KeyValueStorage, readStorage, writeStorage } from '../storage.js';

/** How many recently opened apps are remembered per user. */
export const RECENT_APPS_MAX = 20;

/** localStorage key of a user's recently opened mini apps (newest first). */
export function recentKey(userId: string): string {
  return `jiaozi.miniapps.recent.${userId}`;
}

/** The remembered ids (newest first); anything unreadable counts as none. */
export function readRecent(userId: string, storage?: KeyValueStorage | null): string[] {
  const raw =
    storage === undefined ? readStorage(recentKey(userId)) : readStorage(recentKey(userId), storage);
  if (raw === null) return [];
  try {
    const parsed: unknown = JSON.parse(raw);
    if (!Array.isArray(parsed)) return [];
    return [...new Set(parsed.filter((id): id is string => typeof id === 'string' && id !== ''))].slice(
      0,
      RECENT_APPS_MAX,
    );
  } catch {
    return [];
  }
}

/** `appId` moved to the front of `recent`, without duplicates, at most RECENT_APPS_MAX long. */
export function withRecent(recent: readonly string[], appId: string): string[] {
  return [appId, ...recent.filter((id) => id !== appId)].slice(0, RECENT_APPS_MAX);
}

export function rememberRecent(userId: string, appId: string, storage?: KeyValueStorage | null): void {
  const next = JSON.stringify(withRecent(readRecent(userId, storage), appId));
  if (storage === undefined) writeStorage(recentKey(userId), next);
  else writeStorage(recentKey(userId), next, storage);
}

/**
 * Recently used apps first (most recent first), then the others in the server's order. Ids
 * of apps no longer listed are dropped.
 */
export function orderByRecent<T extends { id: string }>(apps: readonly T[], recent: readonly string[]): T[] {
  const rank = new Map(recent.map((id, index) => [id, index]));
  const used = apps.filter((app) => rank.has(app.id));
  used.sort((a, b) => (rank.get(a.id) as number) - (rank.get(b.id) as number));
  return [...used, ...apps.filter((app) => !rank.has(app.id))];
}
