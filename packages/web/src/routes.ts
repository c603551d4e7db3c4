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
  privacy: '/me/privacy',
  family: '/me/family',
  contactsAdd: '/contacts/add',
  contactsRequests: '/contacts/requests',
  contactsBlocked: '/contacts/blocked',
  contact: '/contacts/:userId',
  walletCards: '/wallet/cards',
  walletTopUp: '/wallet/topup',
  walletWithdraw: '/wallet/withdraw',
  walletSend: '/wallet/send',
  walletRequest: '/wallet/request',
  walletQr: '/wallet/qr',
  walletScan: '/wallet/scan',
  walletPayCode: '/wallet/paycode',
  walletHistory: '/wallet/history',
  walletHistoryItem: '/wallet/history/:id',
  fund: '/wallet/fund',
  fundSubscribe: '/wallet/fund/subscribe',
  fundRedeem: '/wallet/fund/redeem',
  chatsNew: '/chats/new',
  conversation: '/chats/:conversationId',
  conversationSettings: '/chats/:conversationId/settings',
  transferCard: '/chats/:conversationId/transfers/:id',
  redPacket: '/chats/:conversationId/red-packets/:id',
  split: '/chats/:conversationId/splits/:id',
  miniApp: '/miniapps/:appId',
  developer: '/me/developer',
  developerNew: '/me/developer/new',
  developerReview: '/me/developer/review',
  developerApp: '/me/developer/:appId',
  simulator: '/dev/simulator',
} as const;

export type RouteName = keyof typeof ROUTES;

/** `:name` segments of a route's path, as an object of strings. */
export type RouteParams = Readonly<Record<string, string>>;

export const TABS = ['chats', 'contacts', 'wallet', 'discover', 'me'] as const satisfies readonly RouteName[];
export type Tab = (typeof TABS)[number];

const PUBLIC_ROUTES: ReadonlySet<RouteName> = new Set(['login', 'signup']);

/** Sub-pages and the page their back button returns to. */
export const PARENTS: Partial<Record<RouteName, RouteName>> = {
  profile: 'me',
  devices: 'me',
  pin: 'me',
  password: 'me',
  privacy: 'me',
  family: 'me',
  contactsAdd: 'contacts',
  contactsRequests: 'contacts',
  contactsBlocked: 'contacts',
  contact: 'contacts',
  walletCards: 'wallet',
  walletTopUp: 'wallet',
  walletWithdraw: 'wallet',
  walletSend: 'wallet',
  walletRequest: 'wallet',
  walletQr: 'wallet',
  walletScan: 'wallet',
  walletPayCode: 'wallet',
  walletHistory: 'wallet',
  walletHistoryItem: 'walletHistory',
  fund: 'wallet',
  fundSubscribe: 'fund',
  fundRedeem: 'fund',
  chatsNew: 'chats',
  conversation: 'chats',
  conversationSettings: 'conversation',
  transferCard: 'conversation',
  redPacket: 'conversation',
  split: 'conversation',
  miniApp: 'discover',
  developer: 'me',
  developerNew: 'developer',
  developerReview: 'developer',
  developerApp: 'developer',
  simulator: 'developer',
};

export const HOME = ROUTES.chats;

export function isTab(route: RouteName): route is Tab {
  return (TABS as readonly string[]).includes(route);
}

/** The path of a route with its parameters filled in: `pathTo('walletHistoryItem', {id: 'a/b'})` → "/wallet/history/a%2Fb". */
export function pathTo(route: RouteName, params: RouteParams = {}): string {
  return ROUTES[route].replace(/:(\w+)/g, (_, name: string) => encodeURIComponent(params[name] ?? ''));
}

function matchPattern(pattern: string, path: string): Record<string, string> | undefined {
  const want = pattern.split('/');
  const have = path.split('/');
  if (want.length !== have.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i] as string;
    const h = have[i] as string;
    if (w.startsWith(':')) {
      if (h === '') return undefined;
      try {
        params[w.slice(1)] = decodeURIComponent(h);
      } catch {
        return undefined;
      }
    } else if (w !== h) return undefined;
  }
  return params;
}

/** The route at `pathname` (a trailing slash is ignored) and its parameters. Static paths win. */
export function matchPath(pathname: string): { route: RouteName; params: RouteParams } | undefined {
  const path = pathname.length > 1 ? pathname.replace(/\/+$/, '') : pathname;
  let dynamic: { route: RouteName; params: RouteParams } | undefined;
  for (const [name, routePath] of Object.entries(ROUTES)) {
    const params = matchPattern(routePath, path);
    if (!params) continue;
    if (!routePath.includes(':')) return { route: name as RouteName, params };
    dynamic ??= { route: name as RouteName, params };
  }
  return dynamic;
}

export function matchRoute(pathname: string): RouteName | undefined {
  return matchPath(pathname)?.route;
}

export type Resolution =
  | { kind: 'render'; route: RouteName; params: RouteParams }
  | { kind: 'redirect'; to: string };

/** Signed-out users only see login/signup; signed-in users never do; unknown paths go home. */
export function resolveRoute(pathname: string, signedIn: boolean): Resolution {
  const match = matchPath(pathname);
  if (match === undefined) return { kind: 'redirect', to: signedIn ? HOME : ROUTES.login };
  const { route, params } = match;
  if (PUBLIC_ROUTES.has(route) === signedIn) return { kind: 'redirect', to: signedIn ? HOME : ROUTES.login };
  const canonical = pathTo(route, params);
  if (canonical !== pathname) return { kind: 'redirect', to: canonical };
  return { kind: 'render', route, params };
}
