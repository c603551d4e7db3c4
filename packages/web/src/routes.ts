/** The route table (pure: no DOM), and where signed-in and signed-out users may go. */

export const ROUTES = {
  login: '/login',
  signup: '/signup',
  chats: '/chats',
  contacts: '/contacts',
  wallet: '/wallet',
  discover: '/discover',
  me: '/me',
  profile: '/me/profile',
  devices: '/me/devices',
  pin: '/me/pin',
  password: '/me/password',
} as const;

export type RouteName = keyof typeof ROUTES;

export const TABS = ['chats', 'contacts', 'wallet', 'discover', 'me'] as const satisfies readonly RouteName[];
export type Tab = (typeof TABS)[number];

const PUBLIC_ROUTES: ReadonlySet<RouteName> = new Set(['login', 'signup']);

/** Sub-pages and the page their back button returns to. */
export const PARENTS: Partial<Record<RouteName, RouteName>> = {
  profile: 'me',
  devices: 'me',
  pin: 'me',
  password: 'me',
};

export const HOME = ROUTES.chats;

export function isTab(route: RouteName): route is Tab {
  return (TABS as readonly string[]).includes(route);
}

export function matchRoute(pathname: string): RouteName | undefined {
  const path = pathname.length > 1 ? pathname.replace(/\/+$/, '') : pathname;
  for (const [name, routePath] of Object.entries(ROUTES)) {
    if (routePath === path) return name as RouteName;
  }
  return undefined;
}

export type Resolution = { kind: 'render'; route: RouteName } | { kind: 'redirect'; to: string };

/** Signed-out users only see login/signup; signed-in users never do; unknown paths go home. */
export function resolveRoute(pathname: string, signedIn: boolean): Resolution {
  const route = matchRoute(pathname);
  if (route === undefined) return { kind: 'redirect', to: signedIn ? HOME : ROUTES.login };
  if (PUBLIC_ROUTES.has(route) === signedIn) return { kind: 'redirect', to: signedIn ? HOME : ROUTES.login };
  if (ROUTES[route] !== pathname) return { kind: 'redirect', to: ROUTES[route] };
  return { kind: 'render', route };
}
