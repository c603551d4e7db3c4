import { describe, expect, it } from 'vitest';
import { matchPath, matchRoute, PARENTS, pathTo, ROUTES, resolveRoute } from './routes.js';

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
    expect(resolveRoute('/wallet/history/abc', false)).toEqual({ kind: 'redirect', to: '/login' });
    expect(resolveRoute('/signup', false)).toEqual({ kind: 'render', route: 'signup', params: {} });
  });

  it('keeps signed-in users out of login and signup', () => {
    expect(resolveRoute('/login', true)).toEqual({ kind: 'redirect', to: '/chats' });
    expect(resolveRoute('/', true)).toEqual({ kind: 'redirect', to: '/chats' });
    expect(resolveRoute('/me/devices', true)).toEqual({ kind: 'render', route: 'devices', params: {} });
  });

  it('canonicalises a trailing slash', () => {
    expect(resolveRoute('/wallet/', true)).toEqual({ kind: 'redirect', to: '/wallet' });
    expect(resolveRoute('/wallet/history/x1/', true)).toEqual({ kind: 'redirect', to: '/wallet/history/x1' });
  });

  it('reads route parameters, preferring static paths', () => {
    expect(matchPath('/wallet/history')).toEqual({ route: 'walletHistory', params: {} });
    expect(matchPath('/wallet/history/0190a1b2-0000-7000-8000-000000000001')).toEqual({
      route: 'walletHistoryItem',
      params: { id: '0190a1b2-0000-7000-8000-000000000001' },
    });
    expect(matchPath('/wallet/history/a%2Fb')?.params).toEqual({ id: 'a/b' });
    expect(matchPath('/wallet/history/%E0%A4%A')).toBeUndefined();
    expect(matchPath('/wallet/history/a/b')).toBeUndefined();
    expect(resolveRoute('/wallet/history/h1', true)).toEqual({
      kind: 'render',
      route: 'walletHistoryItem',
      params: { id: 'h1' },
    });
  });

  it('builds paths with parameters', () => {
    expect(pathTo('walletHistoryItem', { id: 'a/b' })).toBe('/wallet/history/a%2Fb');
    expect(pathTo('walletSend')).toBe('/wallet/send');
  });

  it('gives every wallet sub-page a parent', () => {
    for (const name of Object.keys(ROUTES)) {
      if (name.startsWith('wallet') && name !== 'wallet')
        expect(PARENTS[name as keyof typeof ROUTES]).toBeDefined();
    }
  });

  it('reads the contact routes, static paths before /contacts/:userId', () => {
    expect(matchPath('/contacts/add')).toEqual({ route: 'contactsAdd', params: {} });
    expect(matchPath('/contacts/requests')).toEqual({ route: 'contactsRequests', params: {} });
    expect(matchPath('/contacts/blocked')).toEqual({ route: 'contactsBlocked', params: {} });
    expect(matchPath('/contacts/u-123')).toEqual({ route: 'contact', params: { userId: 'u-123' } });
    expect(matchPath('/me/privacy')).toEqual({ route: 'privacy', params: {} });
    expect(pathTo('contact', { userId: 'a b' })).toBe('/contacts/a%20b');
    expect(resolveRoute('/contacts/u1', false)).toEqual({ kind: 'redirect', to: '/login' });
  });

  it('gives every contacts sub-page a parent', () => {
    for (const name of Object.keys(ROUTES)) {
      if (name.startsWith('contact') && name !== 'contacts')
        expect(PARENTS[name as keyof typeof ROUTES], name).toBe('contacts');
    }
    expect(PARENTS.privacy).toBe('me');
  });
  it('reads the chat routes, /chats/new before /chats/:conversationId', () => {
    expect(matchPath('/chats/new')).toEqual({ route: 'chatsNew', params: {} });
    expect(matchPath('/chats/c-1')).toEqual({ route: 'conversation', params: { conversationId: 'c-1' } });
    expect(matchPath('/chats/c-1/settings')).toEqual({
      route: 'conversationSettings',
      params: { conversationId: 'c-1' },
    });
    expect(PARENTS.conversation).toBe('chats');
    expect(resolveRoute('/chats/c-1', false)).toEqual({ kind: 'redirect', to: '/login' });
  });
});
