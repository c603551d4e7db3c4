import { describe, expect, it } from 'vitest';
import { matchRoute, ROUTES, resolveRoute } from './routes.js';

describe('routes', () => {
  it('matches every route path, with or without a trailing slash', () => {
    for (const [name, path] of Object.entries(ROUTES)) {
      expect(matchRoute(path)).toBe(name);
      expect(matchRoute(`${path}/`)).toBe(name);
    }
    expect(matchRoute('/nope')).toBeUndefined();
    expect(matchRoute('/')).toBeUndefined();
  });

  it('sends signed-out users to /login', () => {
    expect(resolveRoute('/me/pin', false)).toEqual({ kind: 'redirect', to: '/login' });
    expect(resolveRoute('/', false)).toEqual({ kind: 'redirect', to: '/login' });
    expect(resolveRoute('/signup', false)).toEqual({ kind: 'render', route: 'signup' });
  });

  it('keeps signed-in users out of login and signup', () => {
    expect(resolveRoute('/login', true)).toEqual({ kind: 'redirect', to: '/chats' });
    expect(resolveRoute('/', true)).toEqual({ kind: 'redirect', to: '/chats' });
    expect(resolveRoute('/me/devices', true)).toEqual({ kind: 'render', route: 'devices' });
  });

  it('canonicalises a trailing slash', () => {
    expect(resolveRoute('/wallet/', true)).toEqual({ kind: 'redirect', to: '/wallet' });
  });
});
