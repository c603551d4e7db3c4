import type {
  ConversationSummary,
  FamilyGrant,
  MiniAppScope,
  MiniAppSummary,
  PaymentPreview,
  PayOrderResponse,
} from '@jiaozi/protocol';
import { type ChangeEvent, type ReactNode, useEffect, useId, useRef, useState } from 'react';
import { ApiError } from '../api/client.js';
import { compareConversations, conversationName } from '../chat/chat.js';
import { useI18n } from '../i18n/context.js';
import { usePeople } from '../screens/chats/common.js';
import { Spinner, useMoney } from '../screens/wallet/common.js';
import { useMe, useSession } from '../session.js';
import { FormError } from '../ui/form.js';
import { CloseIcon, GridIcon } from '../ui/icons.js';
import { PinSheet } from '../ui/pin-sheet.js';
import { QrScanner } from '../ui/qr-scanner.js';
import { useLoad } from '../ui/use-load.js';
import { miniApps } from './api.js';

/**
 * The sheets the host draws over a mini app, outside its iframe, so that the app can neither
 * draw nor click them: consent, payment, image picker, chat picker, QR scanner, about and
 * permissions.
 */

export function HostSheet({
  title,
  testId,
  onClose,
  closable = true,
  children,
}: {
  title: string;
  testId: string;
  onClose: () => void;
  closable?: boolean;
  children: ReactNode;
}) {
  const { t } = useI18n();
  const id = useId();
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape' && closable) onClose();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose, closable]);
  return (
    <div className="sheet-backdrop miniapp-sheet-backdrop">
      <button
        type="button"
        className="sheet-scrim"
        tabIndex={-1}
        aria-hidden="true"
        onClick={() => {
          if (closable) onClose();
        }}
      />
      <div
        className="sheet"
        role="dialog"
        aria-modal="true"
        aria-labelledby={`${id}-title`}
        data-testid={testId}
      >
        <div className="sheet-header">
          <button
            type="button"
            className="sheet-close"
            aria-label={t('common.close')}
            data-testid={`${testId}-close`}
            disabled={!closable}
            onClick={onClose}
          >
            <CloseIcon size={22} />
          </button>
          <h2 className="sheet-title" id={`${id}-title`}>
            {title}
          </h2>
        </div>
        {children}
      </div>
    </div>
  );
}

export function AppIcon({
  app,
  size = 44,
}: {
  app: Pick<MiniAppSummary, 'iconUrl' | 'name'>;
  size?: number;
}) {
  const [broken, setBroken] = useState(false);
  return (
    <span className="miniapp-icon" style={{ width: size, height: size }} aria-hidden="true">
      {app.iconUrl && !broken ? (
        <img src={app.iconUrl} alt="" width={size} height={size} onError={() => setBroken(true)} />
      ) : (
        <GridIcon size={Math.round(size * 0.55)} />
      )}
    </span>
  );
}

function AppLine({ app }: { app: Pick<MiniAppSummary, 'iconUrl' | 'name' | 'origin'> }) {
  return (
    <div className="miniapp-sheet-app">
      <AppIcon app={app} size={40} />
      <div>
        <p className="row-label">{app.name}</p>
        <p className="row-sub">{app.origin}</p>
      </div>
    </div>
  );
}

// ---------- Consent ----------

export function ConsentSheet({
  app,
  scopes,
  onAllow,
  onDeny,
}: {
  app: MiniAppSummary;
  scopes: MiniAppScope[];
  /** Records the grant; throws when the server refuses (the sheet shows why). */
  onAllow: () => Promise<void>;
  onDeny: () => void;
}) {
  const { t } = useI18n();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const allow = async () => {
    setBusy(true);
    setError(null);
    try {
      await onAllow();
    } catch (caught) {
      setError(caught);
      setBusy(false);
    }
  };
  return (
    <HostSheet title={t('miniapps.consent_title')} testId="consent-sheet" onClose={onDeny} closable={!busy}>
      <AppLine app={app} />
      <p className="miniapp-sheet-text">{t('miniapps.consent_intro', { name: app.name })}</p>
      <ul className="list miniapp-scopes" data-testid="consent-scopes">
        {scopes.map((scope) => (
          <li key={scope} className="row" data-testid="consent-scope" data-scope={scope}>
            <span className="row-text">
              <span className="row-label">{t(`miniapps.scope_${scope}`)}</span>
              <span className="row-sub">{t(`miniapps.scope_${scope}_detail`)}</span>
            </span>
          </li>
        ))}
      </ul>
      <FormError error={error} />
      <div className="miniapp-sheet-actions">
        <button
          type="button"
          className="button button-secondary"
          data-testid="consent-deny"
          disabled={busy}
          onClick={onDeny}
        >
          {t('miniapps.consent_deny')}
        </button>
        <button
          type="button"
          className="button button-primary"
          data-testid="consent-allow"
          disabled={busy}
          aria-busy={busy}
          onClick={() => void allow()}
        >
          {busy ? <span className="spinner" aria-hidden="true" /> : null}
          {t('miniapps.consent_allow')}
        </button>
      </div>
    </HostSheet>
  );
}

// ---------- Payment ----------

/** Why an order that is not open cannot be paid: the server's code for it. */
export function closedOrderCode(status: PaymentPreview['status']): string | null {
  switch (status) {
    case 'open':
      return null;
    case 'paid':
      return 'order_already_paid';
    case 'closed':
      return 'order_closed';
    case 'expired':
      return 'order_expired';
  }
}

export function PaymentSheet({
  paymentToken,
  appId,
  preview: order,
  onPaid,
  onCancel,
}: {
  paymentToken: string;
  /** The app of the frame that asked: a token of another app is refused by the server. */
  appId: string;
  /** The server's order behind the token: the only source of what is shown and paid. */
  preview: PaymentPreview;
  onPaid: (answer: PayOrderResponse) => void;
  /** Closed: `failure` is the error the user saw on the sheet (none if they just cancelled). */
  onCancel: (failure: unknown) => void;
}) {
  const { t } = useI18n();
  const { api, config } = useSession();
  const me = useMe();
  const money = useMoney();
  const grants = useLoad(() => api.familyGrants(), [api]);
  const [source, setSource] = useState('');
  const [pinOpen, setPinOpen] = useState(false);
  const [failure, setFailure] = useState<unknown>(null);
  const paid = useRef<PayOrderResponse | null>(null);

  const cards: FamilyGrant[] =
    order.mode === 'live'
      ? (grants.data?.grants ?? []).filter(
          (g) => g.grantee.userId === me.id && g.status === 'active' && g.currency === order.currency,
        )
      : [];
  const closedCode = closedOrderCode(order.status);
  const amount = money.format(order.amountMinor, order.currency);

  return (
    <>
      {pinOpen ? null : (
        <HostSheet title={t('miniapps.pay_title')} testId="pay-sheet" onClose={() => onCancel(failure)}>
          {order ? (
            <div className="miniapp-pay" data-status={order.status} data-mode={order.mode}>
              <div className="miniapp-pay-merchant">
                <AppIcon app={{ iconUrl: order.iconUrl, name: order.appName }} size={36} />
                <span className="miniapp-pay-name" data-testid="pay-sheet-merchant">
                  {order.appName}
                </span>
                {order.mode === 'test' ? (
                  <span className="pill pill-orange" data-testid="pay-sheet-test">
                    {t('miniapps.test_badge')}
                  </span>
                ) : null}
              </div>
              <p className="sheet-amount" data-testid="pay-sheet-amount">
                {amount}
              </p>
              <p className="sheet-description" data-testid="pay-sheet-description">
                {order.description}
              </p>
              {order.mode === 'test' ? (
                <p className="miniapp-sheet-text">{t('miniapps.pay_test_note')}</p>
              ) : null}
              {cards.length > 0 && closedCode === null ? (
                <label className="field">
                  <span className="field-label">{t('miniapps.pay_with')}</span>
                  <select
                    className="input"
                    data-testid="pay-sheet-source"
                    value={source}
                    onChange={(event) => setSource(event.target.value)}
                  >
                    <option value="">{t('miniapps.pay_with_wallet')}</option>
                    {cards.map((g) => (
                      <option key={g.id} value={g.id}>
                        {t('miniapps.pay_with_family', {
                          name: g.granter.displayName,
                          left: money.format(g.remainingThisMonthMinor, g.currency),
                        })}
                      </option>
                    ))}
                  </select>
                </label>
              ) : null}
            </div>
          ) : null}
          {closedCode !== null ? (
            <FormError error={new ApiError({ status: 409, code: closedCode, message: '' })} />
          ) : null}
          <FormError error={failure} />
          {closedCode === null ? (
            <button
              type="button"
              className="button button-primary button-block"
              data-testid="pay-sheet-pay"
              onClick={() => {
                setFailure(null);
                setPinOpen(true);
              }}
            >
              {t('miniapps.pay_button', { amount })}
            </button>
          ) : null}
        </HostSheet>
      )}
      {pinOpen ? (
        <PinSheet
          description={t('miniapps.pay_pin_to', { name: order.appName })}
          amount={amount}
          length={config.limits.pinLength}
          onSubmit={async (pin) => {
            paid.current = await miniApps(api).pay(
              paymentToken,
              appId,
              source ? { pin, grantId: source } : { pin },
            );
          }}
          onFail={(caught) => {
            setPinOpen(false);
            setFailure(caught);
          }}
          onDone={() => {
            setPinOpen(false);
            if (paid.current) onPaid(paid.current);
          }}
          onClose={() => setPinOpen(false)}
        />
      ) : null}
    </>
  );
}

// ---------- Images ----------

/** The largest image the host hands to an app (bytes). */
export const MINIAPP_IMAGE_MAX_BYTES = 10 * 1024 * 1024;

export interface PickedImage {
  name: string;
  type: string;
  size: number;
  data: ArrayBuffer;
}

export function ImagePickerSheet({
  count,
  onPick,
  onCancel,
}: {
  count: number;
  onPick: (images: PickedImage[]) => void;
  onCancel: () => void;
}) {
  const { t } = useI18n();
  const [files, setFiles] = useState<File[]>([]);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const choose = (event: ChangeEvent<HTMLInputElement>) => {
    const chosen = [...(event.target.files ?? [])];
    event.target.value = '';
    const images = chosen.filter((f) => f.type.startsWith('image/'));
    const fitting = images.filter((f) => f.size <= MINIAPP_IMAGE_MAX_BYTES);
    setProblem(
      images.length < chosen.length
        ? t('miniapps.images_not_image')
        : fitting.length < images.length
          ? t('miniapps.images_too_large', { mb: MINIAPP_IMAGE_MAX_BYTES / 1024 / 1024 })
          : fitting.length > count
            ? t('miniapps.images_too_many', { count })
            : null,
    );
    setFiles(fitting.slice(0, count));
  };

  const confirm = async () => {
    setBusy(true);
    const images = await Promise.all(
      files.map(async (f) => ({ name: f.name, type: f.type, size: f.size, data: await f.arrayBuffer() })),
    );
    onPick(images);
  };

  return (
    <HostSheet title={t('miniapps.images_title', { count })} testId="images-sheet" onClose={onCancel}>
      <label className="button button-secondary button-block">
        {t('miniapps.images_choose')}
        <input
          type="file"
          accept="image/*"
          multiple={count > 1}
          className="visually-hidden"
          data-testid="images-file"
          onChange={choose}
        />
      </label>
      {problem ? (
        <p className="field-error" role="alert">
          {problem}
        </p>
      ) : null}
      <ul className="list miniapp-images" data-testid="images-list">
        {files.map((f, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: two files may share a name.
          <li key={i} className="row" data-testid="images-item">
            <span className="row-label">{f.name}</span>
            <span className="row-value">{Math.max(1, Math.round(f.size / 1024))} KB</span>
          </li>
        ))}
      </ul>
      <button
        type="button"
        className="button button-primary button-block"
        data-testid="images-confirm"
        disabled={files.length === 0 || busy}
        onClick={() => void confirm()}
      >
        {t('miniapps.images_confirm', { count: files.length })}
      </button>
    </HostSheet>
  );
}

// ---------- Share to a chat ----------

export function ChatPickerSheet({
  card,
  onPick,
  onCancel,
}: {
  card: { title: string; description?: string | undefined; app: MiniAppSummary };
  /** Sends the card into the chosen chat; throws when the server refuses (the sheet shows why). */
  onPick: (conversation: ConversationSummary) => Promise<void>;
  onCancel: () => void;
}) {
  const { t } = useI18n();
  const { api } = useSession();
  const list = useLoad(() => api.conversations(), [api]);
  const conversations = (list.data?.conversations ?? [])
    .filter((c) => !c.archived)
    .sort(compareConversations);
  const { nameOf } = usePeople(conversations.map((c) => c.peerId ?? '').filter((id) => id !== ''));
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);

  const pick = async (c: ConversationSummary) => {
    setBusy(c.id);
    setError(null);
    try {
      await onPick(c);
    } catch (caught) {
      setError(caught);
      setBusy(null);
    }
  };

  return (
    <HostSheet
      title={t('miniapps.share_title')}
      testId="share-sheet"
      onClose={onCancel}
      closable={busy === null}
    >
      <div className="miniapp-card miniapp-card-preview">
        <AppIcon app={card.app} size={32} />
        <div className="miniapp-card-text">
          <p className="miniapp-card-title">{card.title}</p>
          {card.description ? <p className="miniapp-card-description">{card.description}</p> : null}
          <p className="miniapp-card-app">{card.app.name}</p>
        </div>
      </div>
      <FormError error={error ?? list.error} />
      {list.loading && !list.data ? <Spinner label={t('common.loading')} /> : null}
      {list.data && conversations.length === 0 ? (
        <p className="miniapp-sheet-text">{t('miniapps.share_none')}</p>
      ) : null}
      <div className="list menu-list forward-list">
        {conversations.map((c) => (
          <button
            key={c.id}
            type="button"
            className="row"
            data-testid="share-target"
            data-id={c.id}
            disabled={busy !== null}
            onClick={() => void pick(c)}
          >
            <span className="row-label">{conversationName(c, nameOf, t)}</span>
            {busy === c.id ? <span className="spinner spinner-dark" aria-hidden="true" /> : null}
          </button>
        ))}
      </div>
    </HostSheet>
  );
}

// ---------- QR ----------

export function ScanSheet({ onCode, onCancel }: { onCode: (text: string) => void; onCancel: () => void }) {
  const { t } = useI18n();
  return (
    <HostSheet title={t('miniapps.scan_title')} testId="scan-sheet" onClose={onCancel}>
      <QrScanner
        onCode={async (text) => {
          onCode(text);
        }}
      />
    </HostSheet>
  );
}

// ---------- About and permissions ----------

export function AboutSheet({
  app,
  developer,
  onClose,
}: {
  app: MiniAppSummary;
  developer: string | null;
  onClose: () => void;
}) {
  const { t } = useI18n();
  return (
    <HostSheet title={t('miniapps.about_title')} testId="about-sheet" onClose={onClose}>
      <AppLine app={app} />
      <dl className="miniapp-about">
        <dt>{t('miniapps.about_name')}</dt>
        <dd data-testid="about-name">{app.name}</dd>
        <dt>{t('miniapps.about_developer')}</dt>
        <dd data-testid="about-developer">{developer ?? t('miniapps.about_developer_unknown')}</dd>
        <dt>{t('miniapps.about_origin')}</dt>
        <dd data-testid="about-origin">{app.origin}</dd>
        <dt>{t('miniapps.about_description')}</dt>
        <dd data-testid="about-description">{app.description}</dd>
      </dl>
    </HostSheet>
  );
}

export function PermissionsSheet({ app, onClose }: { app: MiniAppSummary; onClose: () => void }) {
  const { t } = useI18n();
  const { api } = useSession();
  const grants = useLoad(() => miniApps(api).scopes(app.id), [api, app.id]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const revoke = async (scope: MiniAppScope) => {
    setBusy(true);
    setError(null);
    try {
      await miniApps(api).revokeScope(app.id, scope);
      grants.reload();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  const granted = grants.data?.granted ?? [];
  return (
    <HostSheet title={t('miniapps.permissions_title')} testId="permissions-sheet" onClose={onClose}>
      <AppLine app={app} />
      <FormError error={error ?? grants.error} />
      {grants.loading && !grants.data ? <Spinner label={t('common.loading')} /> : null}
      {grants.data && granted.length === 0 ? (
        <p className="miniapp-sheet-text" data-testid="permissions-none">
          {t('miniapps.permissions_none')}
        </p>
      ) : null}
      <ul className="list miniapp-scopes">
        {granted.map((scope) => (
          <li key={scope} className="row" data-testid="permission" data-scope={scope}>
            <span className="row-text">
              <span className="row-label">{t(`miniapps.scope_${scope}`)}</span>
              <span className="row-sub">{t(`miniapps.scope_${scope}_detail`)}</span>
            </span>
            <button
              type="button"
              className="button button-secondary button-small"
              data-testid="permission-revoke"
              disabled={busy}
              onClick={() => void revoke(scope)}
            >
              {t('miniapps.permissions_revoke')}
            </button>
          </li>
        ))}
      </ul>
    </HostSheet>
  );
}
