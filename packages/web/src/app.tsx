import { useEffect } from 'react';
import type { ApiClient } from './api/client.js';
import { I18nProvider, useI18n } from './i18n/context.js';
import { DeveloperAppScreen, DeveloperScreen, NewAppScreen, ReviewScreen } from './miniapps/developer.js';
import { keepReturnPath, takeReturnPath } from './miniapps/return-path.js';
import { DiscoverScreen, MiniAppScreen } from './miniapps/screens.js';
import { SimulatorScreen } from './miniapps/simulator.js';
import { LiveProvider } from './realtime/live.js';
import { navigate, usePathname, useSearch } from './router.js';
import { HOME, isTab, ROUTES, type RouteName, type RouteParams, resolveRoute } from './routes.js';
import { AuthScreen } from './screens/auth.js';
import { ConversationScreen } from './screens/chats/conversation.js';
import { ChatsScreen, NewChatScreen } from './screens/chats/list.js';
import { RedPacketScreen, SplitScreen, TransferCardScreen } from './screens/chats/money.js';
import { ConversationSettingsScreen } from './screens/chats/settings.js';
import { AddContactScreen } from './screens/contacts/add.js';
import { BlockedScreen } from './screens/contacts/blocked.js';
import { ContactScreen } from './screens/contacts/contact.js';
import { ContactsScreen } from './screens/contacts/list.js';
import { FriendRequestsScreen } from './screens/contacts/requests.js';
import { DevicesScreen } from './screens/devices.js';
import { FamilyScreen } from './screens/family.js';
import { FundOrderScreen, FundScreen } from './screens/fund.js';
import { MeScreen } from './screens/me.js';
import { PasswordScreen } from './screens/password.js';
import { PinScreen } from './screens/pin.js';
import { PrivacyScreen } from './screens/privacy.js';
import { ProfileScreen } from './screens/profile.js';
import { BankOperationScreen } from './screens/wallet/bank.js';
import { CardsScreen } from './screens/wallet/cards.js';
import { HistoryItemScreen, HistoryScreen } from './screens/wallet/history.js';
import { WalletScreen } from './screens/wallet/home.js';
import { PayCodeScreen } from './screens/wallet/paycode.js';
import { QrScreen } from './screens/wallet/qr.js';
import { RequestScreen } from './screens/wallet/request.js';
import { ScanScreen } from './screens/wallet/scan.js';
import { SendScreen } from './screens/wallet/send.js';
import { SessionProvider, useSession } from './session.js';
import type { TokenStore } from './storage.js';
import { CloudOffIcon, Logo } from './ui/icons.js';
import { TabBar } from './ui/layout.js';

export function App({ api, tokens }: { api: ApiClient; tokens: TokenStore }) {
  return (
    <I18nProvider>
      <SessionProvider api={api} tokens={tokens}>
        <LiveProvider tokens={tokens}>
          <div className="app">
            <Shell />
          </div>
        </LiveProvider>
      </SessionProvider>
    </I18nProvider>
  );
}

function Shell() {
  const pathname = usePathname();
  const search = useSearch();
  const { status } = useSession();
  const settled = status === 'authenticated' || status === 'anonymous';
  const resolution = settled ? resolveRoute(pathname, status === 'authenticated') : null;
  const redirect = resolution?.kind === 'redirect' ? resolution.to : null;

  // A link into a mini app or the simulator (`jiaozi dev` prints one) survives logging in.
  useEffect(() => {
    if (redirect === ROUTES.login) keepReturnPath(pathname + search);
  }, [redirect, pathname, search]);

  useEffect(() => {
    if (!redirect) return;
    navigate(redirect === HOME ? (takeReturnPath() ?? redirect) : redirect, { replace: true });
  }, [redirect]);

  if (status === 'offline') return <Offline />;
  if (resolution?.kind !== 'render') return <Splash />;
  const { route, params } = resolution;
  return (
    <>
      <Screen key={pathname} route={route} params={params} />
      {isTab(route) ? <TabBar active={route} /> : null}
    </>
  );
}

function Screen({ route, params }: { route: RouteName; params: RouteParams }) {
  switch (route) {
    case 'login':
    case 'signup':
      return <AuthScreen mode={route} />;
    case 'chats':
      return <ChatsScreen />;
    case 'contacts':
      return <ContactsScreen />;
    case 'wallet':
      return <WalletScreen />;
    case 'discover':
      return <DiscoverScreen />;
    case 'me':
      return <MeScreen />;
    case 'profile':
      return <ProfileScreen />;
    case 'devices':
      return <DevicesScreen />;
    case 'pin':
      return <PinScreen />;
    case 'password':
      return <PasswordScreen />;
    case 'privacy':
      return <PrivacyScreen />;
    case 'family':
      return <FamilyScreen />;
    case 'contactsAdd':
      return <AddContactScreen />;
    case 'contactsRequests':
      return <FriendRequestsScreen />;
    case 'contactsBlocked':
      return <BlockedScreen />;
    case 'contact':
      return <ContactScreen userId={params.userId ?? ''} />;
    case 'walletCards':
      return <CardsScreen />;
    case 'walletTopUp':
      return <BankOperationScreen mode="topup" />;
    case 'walletWithdraw':
      return <BankOperationScreen mode="withdraw" />;
    case 'walletSend':
      return <SendScreen />;
    case 'fund':
      return <FundScreen />;
    case 'fundSubscribe':
      return <FundOrderScreen mode="subscribe" />;
    case 'fundRedeem':
      return <FundOrderScreen mode="redeem" />;
    case 'walletRequest':
      return <RequestScreen />;
    case 'walletQr':
      return <QrScreen />;
    case 'walletScan':
      return <ScanScreen />;
    case 'walletPayCode':
      return <PayCodeScreen />;
    case 'walletHistory':
      return <HistoryScreen />;
    case 'walletHistoryItem':
      return <HistoryItemScreen id={params.id ?? ''} />;
    case 'chatsNew':
      return <NewChatScreen />;
    case 'conversation':
      return <ConversationScreen conversationId={params.conversationId ?? ''} />;
    case 'conversationSettings':
      return <ConversationSettingsScreen conversationId={params.conversationId ?? ''} />;
    case 'transferCard':
      return <TransferCardScreen conversationId={params.conversationId ?? ''} id={params.id ?? ''} />;
    case 'redPacket':
      return <RedPacketScreen conversationId={params.conversationId ?? ''} id={params.id ?? ''} />;
    case 'split':
      return <SplitScreen conversationId={params.conversationId ?? ''} id={params.id ?? ''} />;
    case 'miniApp':
      return <MiniAppScreen appId={params.appId ?? ''} />;
    case 'developer':
      return <DeveloperScreen />;
    case 'developerNew':
      return <NewAppScreen />;
    case 'developerReview':
      return <ReviewScreen />;
    case 'developerApp':
      return <DeveloperAppScreen appId={params.appId ?? ''} />;
    case 'simulator':
      return <SimulatorScreen />;
  }
}

function Splash() {
  const { t } = useI18n();
  return (
    <main className="splash" aria-busy="true">
      <div className="splash-logo">
        <Logo size={64} />
      </div>
      <p className="visually-hidden" role="status">
        {t('common.loading')}
      </p>
    </main>
  );
}

function Offline() {
  const { t } = useI18n();
  const { retry } = useSession();
  return (
    <main className="splash">
      <div className="empty-art">
        <CloudOffIcon size={40} />
      </div>
      <h1 className="empty-title">{t('offline.title')}</h1>
      <p className="empty-body">{t('offline.body')}</p>
      <button type="button" className="button button-primary" data-testid="offline-retry" onClick={retry}>
        {t('common.retry')}
      </button>
    </main>
  );
}
