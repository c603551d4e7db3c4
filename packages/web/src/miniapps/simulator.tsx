import { useState } from 'react';
import { useI18n } from '../i18n/context.js';
import { Link, navigate, useSearch } from '../router.js';
import { ROUTES } from '../routes.js';
import { Spinner } from '../screens/wallet/common.js';
import { useMe, useSession } from '../session.js';
import { FormError } from '../ui/form.js';
import { Page } from '../ui/layout.js';
import { useLoad } from '../ui/use-load.js';
import { miniApps } from './api.js';
import { StatusPill } from './developer.js';
import { MiniAppHost } from './host.js';
import { developerAppPath, simulatorPath } from './links.js';
import { addTraffic, describeValue, type TrafficRow } from './traffic.js';

/**
 * `/dev/simulator?app=<appId>[&path=/x]`: the developer's own app in the same host (pending apps
 * included: their payments are test mode), with every bridge call, its answer and timing.
 */
export function SimulatorScreen() {
  const { t } = useI18n();
  const { api } = useSession();
  const me = useMe();
  const query = new URLSearchParams(useSearch());
  const appId = query.get('app');
  const path = query.get('path');
  const calls = miniApps(api);
  const mine = useLoad(() => calls.myApps(), [api]);
  const app = useLoad(() => (appId ? calls.myApp(appId) : Promise.resolve(null)), [api, appId]);
  const [rows, setRows] = useState<TrafficRow[]>([]);
  const [round, setRound] = useState(0);

  if (!appId) {
    return (
      <Page title={t('miniapps.sim_title')} back={ROUTES.developer}>
        <p className="page-intro">{t('miniapps.sim_pick')}</p>
        <FormError error={mine.error} />
        <nav className="list">
          {(mine.data?.apps ?? []).map((a) => (
            <Link key={a.id} to={simulatorPath(a.id)} className="row" data-testid="sim-app">
              <span className="row-label">{a.name}</span>
              <StatusPill status={a.status} />
            </Link>
          ))}
        </nav>
      </Page>
    );
  }

  const a = app.data;
  return (
    <Page title={t('miniapps.sim_title')} back={ROUTES.developer} mainClassName="miniapp-sim">
      <FormError error={app.error} />
      {app.loading && !a ? <Spinner label={t('common.loading')} /> : null}
      {a ? (
        <>
          <div className="miniapp-sim-head">
            <span className="row-label">{a.name}</span>
            <StatusPill status={a.status} />
            <button
              type="button"
              className="button button-secondary button-small"
              data-testid="sim-reload"
              onClick={() => {
                setRows([]);
                setRound((n) => n + 1);
              }}
            >
              {t('miniapps.sim_reload')}
            </button>
          </div>
          <div className="miniapp-sim-phone">
            <MiniAppHost
              key={round}
              app={a}
              path={path}
              developer={me.displayName}
              canShare={a.status === 'approved'}
              embedded
              banner={
                a.status === 'approved' ? null : (
                  <p className="miniapp-test-banner" data-testid="sim-test-mode">
                    {t('miniapps.sim_test_mode')}
                  </p>
                )
              }
              onClose={() => navigate(developerAppPath(a.id))}
              onTraffic={(entry) => setRows((current) => addTraffic(current, entry))}
            />
          </div>
          <section className="card miniapp-traffic" data-testid="sim-traffic">
            <div className="miniapp-delivery-head">
              <h2 className="section-title">{t('miniapps.sim_traffic')}</h2>
              <button
                type="button"
                className="button button-secondary button-small"
                onClick={() => setRows([])}
              >
                {t('miniapps.sim_clear')}
              </button>
            </div>
            {rows.length === 0 ? <p className="row-sub">{t('miniapps.sim_no_traffic')}</p> : null}
            <ol className="miniapp-traffic-list">
              {rows.map((row) => (
                <li
                  key={row.key}
                  className={`miniapp-traffic-row miniapp-traffic-${row.outcome}`}
                  data-testid="sim-call"
                  data-method={row.method}
                  data-outcome={row.outcome}
                  data-error-code={row.errorCode}
                >
                  <div className="miniapp-traffic-line">
                    <code className="miniapp-traffic-method">{row.method || '?'}</code>
                    <span className="row-sub">#{String(row.id)}</span>
                    <span className="row-sub">{row.durationMs === null ? '…' : `${row.durationMs} ms`}</span>
                  </div>
                  <code className="miniapp-traffic-detail">→ {describeValue(row.params ?? {})}</code>
                  {row.outcome === 'ok' ? (
                    <code className="miniapp-traffic-detail">← {describeValue(row.result)}</code>
                  ) : null}
                  {row.outcome === 'error' ? (
                    <code className="miniapp-traffic-detail miniapp-traffic-error">
                      ✕ {row.errorCode}: {row.errorMessage}
                    </code>
                  ) : null}
                </li>
              ))}
            </ol>
          </section>
        </>
      ) : null}
    </Page>
  );
}
