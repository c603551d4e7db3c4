import type { MiniAppCardPayload } from '@jiaozi/protocol';
import { normalizeAppPath } from './origin.js';

/** `/miniapps/:appId?path=/x`: where an app opens in the host. */
export function miniAppPath(appId: string, path?: string | null): string {
  const base = `/miniapps/${encodeURIComponent(appId)}`;
  return path && path !== '/' ? `${base}?path=${encodeURIComponent(path)}` : base;
}

/** `/dev/simulator?app=<appId>`: the simulator around a developer's own app. */
export function simulatorPath(appId: string, path?: string | null): string {
  const query = new URLSearchParams({ app: appId });
  if (path && path !== '/') query.set('path', path);
  return `/dev/simulator?${query.toString()}`;
}

/** A `miniapp` message's payload, or null when it does not look like one. */
export function cardPayloadOf(payload: Record<string, unknown> | null): MiniAppCardPayload | null {
  if (!payload) return null;
  const { appId, appName, iconUrl, title, path, description } = payload;
  if (typeof appId !== 'string' || appId === '' || typeof appName !== 'string' || typeof title !== 'string') {
    return null;
  }
  return {
    appId,
    appName,
    iconUrl: typeof iconUrl === 'string' ? iconUrl : null,
    title,
    path: (typeof path === 'string' ? normalizeAppPath(path) : null) ?? '/',
    description: typeof description === 'string' ? description : '',
  };
}

/** `/me/developer/:appId`: an app in the developer console. */
export function developerAppPath(appId: string): string {
  return `/me/developer/${encodeURIComponent(appId)}`;
}
