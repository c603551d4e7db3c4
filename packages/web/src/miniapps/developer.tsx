import {
  type CreatedApp,
  type DeveloperApp,
  MINIAPP_SCOPES,
  type MiniAppScope,
  type MiniAppSecretKind,
  type MiniAppStatus,
  type WebhookDelivery,
} from '@jiaozi/protocol';
import { type FormEvent, useState } from 'react';
import { formatDateTime } from '../format.js';
import { useI18n } from '../i18n/context.js';
import { useLiveReload } from '../realtime/live.js';
import { Link, navigate } from '../router.js';
import { ROUTES } from '../routes.js';
import { Spinner } from '../screens/wallet/common.js';
import { useMe, useSession } from '../session.js';
import { FormError, SubmitButton, TextField, useSubmit } from '../ui/form.js';
import { CopyIcon, GridIcon, PlusIcon } from '../ui/icons.js';
import { EmptyState, Page } from '../ui/layout.js';
import { useLoad } from '../ui/use-load.js';
import { miniApps } from './api.js';
import { developerAppPath, simulatorPath } from './links.js';
import { AppIcon } from './sheets.js';

const STATUS_PILL: Record<MiniAppStatus, string> = {
  pending: 'pill pill-orange',
  approved: 'pill pill-green',
  rejected: 'pill pill-red',
  suspended: 'pill pill-red',
};

export function StatusPill({ status }: { status: MiniAppStatus }) {
  const { t } = useI18n();
  return (
    <span className={STATUS_PILL[status]} data-testid="app-status" data-status={status}>
      {t(`miniapps.status_${status}`)}
    </span>
  );
}

/** Me → Developer: my apps, register one, and (admins) the review queue. */
export function DeveloperScreen() {
  const { t } = useI18n();
  const { api } = useSession();
  const me = useMe();
  const apps = useLoad(() => miniApps(api).myApps(), [api]);
  // An admin's verdict arrives live.
  useLiveReload(['miniapps.'], apps.reload);
  const list = apps.data?.apps ?? [];
  return (
    <Page
      title={t('miniapps.dev_title')}
      back={ROUTES.me}
      action={
        <Link to={ROUTES.developerNew} className="button button-small" data-testid="dev-new">
          <PlusIcon size={16} />
          {t('miniapps.dev_new')}
        </Link>
      }
    >
      <p className="page-intro">{t('miniapps.dev_intro')}</p>
      {me.role === 'admin' ? (
        <nav className="list">
          <Link to={ROUTES.developerReview} className="row" data-testid="dev-review">
            <span className="row-label">{t('miniapps.review_title')}</span>
          </Link>
        </nav>
      ) : null}
      <FormError error={apps.error} />
      {apps.loading && !apps.data ? <Spinner label={t('common.loading')} /> : null}
      {apps.data && list.length === 0 ? (
        <EmptyState icon={<GridIcon size={40} />} title={t('miniapps.dev_empty')} />
      ) : null}
      <nav className="list" data-testid="dev-apps">
        {list.map((app) => (
          <Link
            key={app.id}
            to={developerAppPath(app.id)}
            className="row miniapp-row"
            data-testid="dev-app"
            data-app-id={app.id}
          >
            <AppIcon app={app} size={36} />
            <span className="row-text">
              <span className="row-label">{app.name}</span>
              <span className="row-sub">{app.origin}</span>
            </span>
            <StatusPill status={app.status} />
          </Link>
        ))}
      </nav>
    </Page>
  );
}

function Secret({ label, value, testId }: { label: string; value: string; testId: string }) {
  const { t } = useI18n();
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setCopied(true);
    } catch {
      setCopied(false);
    }
  };
  return (
    <div className="miniapp-secret">
      <span className="field-label">{label}</span>
      <div className="miniapp-secret-line">
        <code data-testid={testId}>{value}</code>
        <button
          type="button"
          className="button button-secondary button-small"
          data-testid={`${testId}-copy`}
          onClick={() => void copy()}
        >
          <CopyIcon size={16} />
          {copied ? t('miniapps.copied') : t('miniapps.copy')}
        </button>
      </div>
    </div>
  );
}

/** Secrets shown once, with copy buttons and the warning that they will not be shown again. */
function SecretsOnce({
  secrets,
  onDone,
}: {
  secrets: { kind: MiniAppSecretKind; value: string }[];
  onDone: () => void;
}) {
  const { t } = useI18n();
  return (
    <section className="card miniapp-secrets" data-testid="secrets-once">
      <div className="banner banner-error" role="alert">
        <span>{t('miniapps.secrets_once')}</span>
      </div>
      {secrets.map((s) => (
        <Secret
          key={s.kind}
          label={t(`miniapps.secret_${s.kind}`)}
          value={s.value}
          testId={`secret-${s.kind}`}
        />
      ))}
      <button
        type="button"
        className="button button-primary button-block"
        data-testid="secrets-done"
        onClick={onDone}
      >
        {t('miniapps.secrets_saved')}
      </button>
    </section>
  );
}

function ScopeChoice({
  value,
  onChange,
}: {
  value: MiniAppScope[];
  onChange: (next: MiniAppScope[]) => void;
}) {
  const { t } = useI18n();
  return (
    <fieldset className="field miniapp-scope-choice">
      <legend className="field-label">{t('miniapps.field_scopes')}</legend>
      {MINIAPP_SCOPES.map((scope) => (
        <label key={scope} className="miniapp-check">
          <input
            type="checkbox"
            data-testid={`dev-scope-${scope}`}
            checked={value.includes(scope)}
            onChange={(event) =>
              onChange(event.target.checked ? [...value, scope] : value.filter((s) => s !== scope))
            }
          />
          <span>
            {t(`miniapps.scope_${scope}`)} — {t(`miniapps.scope_${scope}_detail`)}
          </span>
        </label>
      ))}
    </fieldset>
  );
}

/** Me → Developer → Register an app. */
export function NewAppScreen() {
  const { t } = useI18n();
  const { api } = useSession();
  const [name, setName] = useState('');
  const [iconUrl, setIconUrl] = useState('');
  const [description, setDescription] = useState('');
  const [origin, setOrigin] = useState('');
  const [webhookUrl, setWebhookUrl] = useState('');
  const [scopes, setScopes] = useState<MiniAppScope[]>(['profile']);
  const [created, setCreated] = useState<CreatedApp | null>(null);
  const { pending, error, run } = useSubmit();

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      const answer = await miniApps(api).createApp({
        name: name.trim(),
        description: description.trim(),
        origin: origin.trim(),
        scopes,
        ...(iconUrl.trim() ? { iconUrl: iconUrl.trim() } : {}),
        ...(webhookUrl.trim() ? { webhookUrl: webhookUrl.trim() } : {}),
      });
      setCreated(answer);
    });
  };

  if (created) {
    return (
      <Page title={created.app.name} back={ROUTES.developer}>
        <p className="page-intro" data-testid="dev-created" data-app-id={created.app.id}>
          {t('miniapps.dev_created', { id: created.app.id })}
        </p>
        <SecretsOnce
          secrets={[
            { kind: 'live', value: created.liveSecret },
            { kind: 'test', value: created.testSecret },
            { kind: 'webhook', value: created.webhookSecret },
          ]}
          onDone={() => navigate(developerAppPath(created.app.id), { replace: true })}
        />
      </Page>
    );
  }

  return (
    <Page title={t('miniapps.dev_new')} back={ROUTES.developer}>
      <form className="card form" onSubmit={submit} noValidate data-testid="dev-form">
        <FormError error={error} />
        <TextField
          label={t('miniapps.field_name')}
          value={name}
          onValueChange={setName}
          testId="dev-name"
          required
        />
        <TextField
          label={t('miniapps.field_icon')}
          value={iconUrl}
          onValueChange={setIconUrl}
          testId="dev-icon"
          placeholder="https://shop.example/icon.png"
        />
        <TextField
          label={t('miniapps.field_description')}
          value={description}
          onValueChange={setDescription}
          testId="dev-description"
        />
        <TextField
          label={t('miniapps.field_origin')}
          value={origin}
          onValueChange={setOrigin}
          testId="dev-origin"
          placeholder="https://shop.example"
          hint={t('miniapps.field_origin_hint')}
        />
        <ScopeChoice value={scopes} onChange={setScopes} />
        <TextField
          label={t('miniapps.field_webhook')}
          value={webhookUrl}
          onValueChange={setWebhookUrl}
          testId="dev-webhook"
          placeholder="https://shop.example/api/webhooks"
        />
        <SubmitButton
          pending={pending}
          label={t('miniapps.dev_register')}
          pendingLabel={t('miniapps.dev_registering')}
          testId="dev-submit"
        />
      </form>
    </Page>
  );
}

/** Me → Developer → one app: status, secrets, webhook deliveries. */
export function DeveloperAppScreen({ appId }: { appId: string }) {
  const { t, lang } = useI18n();
  const { api } = useSession();
  const calls = miniApps(api);
  const app = useLoad(() => calls.myApp(appId), [api, appId]);
  const deliveries = useLoad(() => calls.deliveries(appId), [api, appId]);
  useLiveReload(['miniapps.'], app.reload);
  const [shown, setShown] = useState<{ kind: MiniAppSecretKind; value: string } | null>(null);
  const [confirming, setConfirming] = useState<MiniAppSecretKind | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);

  const act = async (key: string, fn: () => Promise<void>) => {
    setBusy(key);
    setError(null);
    try {
      await fn();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(null);
    }
  };

  const rotate = (kind: MiniAppSecretKind) =>
    act(`rotate-${kind}`, async () => {
      const answer = await calls.rotateSecret(appId, kind);
      setConfirming(null);
      setShown({ kind: answer.kind, value: answer.secret });
      app.reload();
    });

  const resend = (d: WebhookDelivery) =>
    act(`resend-${d.id}`, async () => {
      const answer = await calls.resend(appId, d.id);
      deliveries.setData((current) =>
        current
          ? { ...current, deliveries: current.deliveries.map((x) => (x.id === d.id ? answer.delivery : x)) }
          : current,
      );
    });

  const a: DeveloperApp | null = app.data;
  return (
    <Page title={a?.name ?? t('miniapps.dev_title')} back={ROUTES.developer}>
      <FormError error={error ?? app.error} />
      {app.loading && !a ? <Spinner label={t('common.loading')} /> : null}
      {shown ? <SecretsOnce secrets={[shown]} onDone={() => setShown(null)} /> : null}
      {a ? (
        <>
          <section className="card miniapp-dev-app" data-testid="dev-app-detail" data-app-id={a.id}>
            <div className="miniapp-sheet-app">
              <AppIcon app={a} size={44} />
              <div>
                <p className="row-label">{a.name}</p>
                <p className="row-sub">{a.origin}</p>
              </div>
              <StatusPill status={a.status} />
            </div>
            {a.statusReason ? <p className="miniapp-sheet-text">{a.statusReason}</p> : null}
            <dl className="miniapp-about">
              <dt>{t('miniapps.app_id')}</dt>
              <dd>
                <code data-testid="dev-app-id">{a.id}</code>
              </dd>
              <dt>{t('miniapps.field_description')}</dt>
              <dd>{a.description}</dd>
              <dt>{t('miniapps.field_scopes')}</dt>
              <dd>{a.scopes.map((s) => t(`miniapps.scope_${s}`)).join(', ') || '—'}</dd>
              <dt>{t('miniapps.field_webhook')}</dt>
              <dd>{a.webhookUrl ?? '—'}</dd>
            </dl>
            <Link
              to={simulatorPath(a.id)}
              className="button button-secondary button-block"
              data-testid="dev-simulator"
            >
              {t('miniapps.open_simulator')}
            </Link>
          </section>

          <h2 className="section-title">{t('miniapps.secrets_title')}</h2>
          <div className="list">
            {(['live', 'test', 'webhook'] as const).map((kind) => (
              <div key={kind} className="row">
                <span className="row-text">
                  <span className="row-label">{t(`miniapps.secret_${kind}`)}</span>
                  <span className="row-sub">
                    {t('miniapps.secret_made', {
                      time: formatDateTime(
                        kind === 'live'
                          ? a.liveKeyCreatedAt
                          : kind === 'test'
                            ? a.testKeyCreatedAt
                            : a.webhookSecretCreatedAt,
                        lang,
                      ),
                    })}
                  </span>
                </span>
                {confirming === kind ? (
                  <button
                    type="button"
                    className="button button-small button-danger"
                    data-testid={`rotate-confirm-${kind}`}
                    disabled={busy !== null}
                    onClick={() => void rotate(kind)}
                  >
                    {t('miniapps.rotate_confirm')}
                  </button>
                ) : (
                  <button
                    type="button"
                    className="button button-secondary button-small"
                    data-testid={`rotate-${kind}`}
                    disabled={busy !== null}
                    onClick={() => setConfirming(kind)}
                  >
                    {t('miniapps.rotate')}
                  </button>
                )}
              </div>
            ))}
          </div>

          <h2 className="section-title">{t('miniapps.deliveries_title')}</h2>
          <FormError error={deliveries.error} />
          {deliveries.data && deliveries.data.deliveries.length === 0 ? (
            <p className="page-intro">{t('miniapps.deliveries_none')}</p>
          ) : null}
          <ul className="miniapp-deliveries" data-testid="deliveries">
            {(deliveries.data?.deliveries ?? []).map((d) => {
              const last = d.attempts.at(-1);
              return (
                <li
                  key={d.id}
                  className="card miniapp-delivery"
                  data-testid="delivery"
                  data-status={d.status}
                >
                  <div className="miniapp-delivery-head">
                    <code>{d.eventType}</code>
                    <span
                      className={
                        d.status === 'succeeded'
                          ? 'pill pill-green'
                          : d.status === 'failed'
                            ? 'pill pill-red'
                            : 'pill pill-orange'
                      }
                    >
                      {t(`miniapps.delivery_${d.status}`)}
                    </span>
                    {d.mode === 'test' ? <span className="pill">{t('miniapps.test_badge')}</span> : null}
                  </div>
                  <p className="row-sub">
                    {t('miniapps.delivery_meta', {
                      attempts: d.attemptCount,
                      time: formatDateTime(d.lastAttemptAt ?? d.createdAt, lang),
                    })}
                  </p>
                  {last ? (
                    <p className="row-sub" data-testid="delivery-response">
                      {last.responseStatus !== null
                        ? t('miniapps.delivery_response', {
                            status: last.responseStatus,
                            ms: last.durationMs,
                          })
                        : t('miniapps.delivery_no_response', { error: last.error ?? '—' })}
                    </p>
                  ) : null}
                  {last?.responseBody ? (
                    <pre className="miniapp-delivery-body">{last.responseBody}</pre>
                  ) : null}
                  <button
                    type="button"
                    className="button button-secondary button-small"
                    data-testid="delivery-resend"
                    disabled={busy !== null}
                    onClick={() => void resend(d)}
                  >
                    {busy === `resend-${d.id}` ? t('miniapps.resending') : t('miniapps.resend')}
                  </button>
                </li>
              );
            })}
          </ul>
          {deliveries.data?.nextCursor ? (
            <button
              type="button"
              className="button button-secondary button-block"
              onClick={() =>
                void act('more', async () => {
                  const more = await calls.deliveries(appId, deliveries.data?.nextCursor ?? undefined);
                  deliveries.setData((current) =>
                    current
                      ? {
                          deliveries: [...current.deliveries, ...more.deliveries],
                          nextCursor: more.nextCursor,
                        }
                      : more,
                  );
                })
              }
            >
              {t('miniapps.more_deliveries')}
            </button>
          ) : null}
        </>
      ) : null}
    </Page>
  );
}

/** Me → Developer → Review (admins): pending apps to approve or reject. */
export function ReviewScreen() {
  const { t } = useI18n();
  const { api } = useSession();
  const me = useMe();
  const calls = miniApps(api);
  const pending = useLoad(() => calls.review('pending'), [api]);
  const [reasons, setReasons] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);

  const act = async (appId: string, fn: () => Promise<unknown>) => {
    setBusy(appId);
    setError(null);
    try {
      await fn();
      pending.setData((current) =>
        current ? { apps: current.apps.filter((a) => a.id !== appId) } : current,
      );
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(null);
    }
  };

  if (me.role !== 'admin') {
    return (
      <Page title={t('miniapps.review_title')} back={ROUTES.developer}>
        <EmptyState icon={<GridIcon size={40} />} title={t('miniapps.review_admins_only')} />
      </Page>
    );
  }
  const apps = pending.data?.apps ?? [];
  return (
    <Page title={t('miniapps.review_title')} back={ROUTES.developer}>
      <FormError error={error ?? pending.error} />
      {pending.loading && !pending.data ? <Spinner label={t('common.loading')} /> : null}
      {pending.data && apps.length === 0 ? (
        <EmptyState icon={<GridIcon size={40} />} title={t('miniapps.review_empty')} />
      ) : null}
      <ul className="miniapp-review" data-testid="review-list">
        {apps.map((a) => (
          <li key={a.id} className="card" data-testid="review-app" data-app-id={a.id}>
            <div className="miniapp-sheet-app">
              <AppIcon app={a} size={40} />
              <div>
                <p className="row-label">{a.name}</p>
                <p className="row-sub">{a.origin}</p>
              </div>
            </div>
            <p className="miniapp-sheet-text">{a.description}</p>
            <p className="row-sub">{a.scopes.map((s) => t(`miniapps.scope_${s}`)).join(', ')}</p>
            <TextField
              label={t('miniapps.review_reason')}
              value={reasons[a.id] ?? ''}
              onValueChange={(value) => setReasons((r) => ({ ...r, [a.id]: value }))}
              testId="review-reason"
            />
            <div className="miniapp-sheet-actions">
              <button
                type="button"
                className="button button-secondary"
                data-testid="review-reject"
                disabled={busy !== null || (reasons[a.id] ?? '').trim() === ''}
                onClick={() => void act(a.id, () => calls.reject(a.id, (reasons[a.id] ?? '').trim()))}
              >
                {t('miniapps.review_reject')}
              </button>
              <button
                type="button"
                className="button button-primary"
                data-testid="review-approve"
                disabled={busy !== null}
                onClick={() => void act(a.id, () => calls.approve(a.id))}
              >
                {t('miniapps.review_approve')}
              </button>
            </div>
          </li>
        ))}
      </ul>
    </Page>
  );
}
