import type { MiniAppCardPayload, MiniAppSummary } from '@jiaozi/protocol';
import { useI18n } from '../i18n/context.js';
import { navigate, useSearch } from '../router.js';
import { ROUTES } from '../routes.js';
import { Spinner } from '../screens/wallet/common.js';
import { useMe, useSession } from '../session.js';
import { FormError } from '../ui/form.js';
import { ChevronRightIcon, GridIcon } from '../ui/icons.js';
import { EmptyState, Page, useDocumentTitle } from '../ui/layout.js';
import { useLoad } from '../ui/use-load.js';
import { miniApps } from './api.js';
import { MiniAppHost } from './host.js';
import { miniAppPath } from './links.js';
import { orderByRecent, readRecent } from './recent.js';
import { AppIcon } from './sheets.js';

/** The Discover tab: approved mini apps, the ones I used lately first. */
export function DiscoverScreen() {
  const { t } = useI18n();
  const { api } = useSession();
  const me = useMe();
  const list = useLoad(() => miniApps(api).discover(), [api]);
  const recent = readRecent(me.id);
  const apps = orderByRecent(list.data?.apps ?? [], recent);
  const recentSet = new Set(recent);
  return (
    <Page title={t('tabs.discover')} tabbed>
      <FormError error={list.error} />
      {list.loading && !list.data ? <Spinner label={t('common.loading')} /> : null}
      {list.data && apps.length === 0 ? (
        <EmptyState icon={<GridIcon size={40} />} title={t('discover.empty_title')}>
          {t('discover.empty_body')}
        </EmptyState>
      ) : null}
      {apps.length > 0 ? (
        <>
          <h2 className="section-title">{t('miniapps.discover_title')}</h2>
          <nav className="list" aria-label={t('miniapps.discover_title')} data-testid="discover-list">
            {apps.map((app) => (
              <button
                key={app.id}
                type="button"
                className="row miniapp-row"
                data-testid="discover-app"
                data-app-id={app.id}
                data-recent={recentSet.has(app.id)}
                onClick={() => navigate(miniAppPath(app.id))}
              >
                <AppIcon app={app} size={44} />
                <span className="row-text">
                  <span className="row-label" data-testid="discover-app-name">
                    {app.name}
                  </span>
                  <span className="row-sub">{app.description}</span>
                </span>
                {recentSet.has(app.id) ? <span className="pill">{t('miniapps.recent')}</span> : null}
                <ChevronRightIcon size={18} className="row-chevron" />
              </button>
            ))}
          </nav>
        </>
      ) : null}
    </Page>
  );
}

/** `/miniapps/:appId`: the app full screen. */
export function MiniAppScreen({ appId }: { appId: string }) {
  const { t } = useI18n();
  const { api } = useSession();
  const search = useSearch();
  const path = new URLSearchParams(search).get('path');
  const app = useLoad(() => miniApps(api).app(appId), [api, appId]);
  useDocumentTitle(app.data?.name ?? t('tabs.discover'));
  const close = () => {
    if (window.history.length > 1) window.history.back();
    else navigate(ROUTES.discover);
  };
  if (!app.data) {
    return (
      <Page title={t('tabs.discover')} back={ROUTES.discover}>
        <FormError error={app.error} />
        {app.loading ? <Spinner label={t('common.loading')} /> : null}
      </Page>
    );
  }
  return <MiniAppHost app={app.data} path={path} onClose={close} />;
}

/** The card of a `miniapp` chat message: tapping it opens the app where the card points. */
export function MiniAppCard({ payload }: { payload: MiniAppCardPayload }) {
  const { t } = useI18n();
  const app: Pick<MiniAppSummary, 'iconUrl' | 'name'> = { iconUrl: payload.iconUrl, name: payload.appName };
  return (
    <button
      type="button"
      className="miniapp-card"
      data-testid="miniapp-card"
      data-app-id={payload.appId}
      onClick={() => navigate(miniAppPath(payload.appId, payload.path))}
    >
      <span className="miniapp-card-text">
        <span className="miniapp-card-title" data-testid="miniapp-card-title">
          {payload.title}
        </span>
        {payload.description ? <span className="miniapp-card-description">{payload.description}</span> : null}
      </span>
      <span className="miniapp-card-app">
        <AppIcon app={app} size={18} />
        <span data-testid="miniapp-card-app">{payload.appName}</span>
        <span className="miniapp-card-kind">{t('miniapps.card_kind')}</span>
      </span>
    </button>
  );
}
