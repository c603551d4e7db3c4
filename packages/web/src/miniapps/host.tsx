import {
  BRIDGE_METHODS,
  BRIDGE_VERSION,
  type BridgeCapabilities,
  type MiniAppScope,
  type MiniAppSummary,
  type PaymentPreview,
  uuidv7,
} from '@jiaozi/protocol';
import { type ReactNode, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useI18n } from '../i18n/context.js';
import { useMe, useSession } from '../session.js';
import { ChevronLeftIcon, CloseIcon, InfoIcon, MoreIcon, SendIcon, ShieldIcon } from '../ui/icons.js';
import { miniApps } from './api.js';
import { startBridgeHost } from './bridge-host.js';
import { BridgeError, createDispatcher, type Handlers, type TrafficEntry } from './dispatcher.js';
import { appUrl } from './origin.js';
import { CallLimiter } from './rate-limit.js';
import { rememberRecent } from './recent.js';
import {
  AboutSheet,
  ChatPickerSheet,
  ConsentSheet,
  closedOrderCode,
  HostSheet,
  ImagePickerSheet,
  PaymentSheet,
  PermissionsSheet,
  type PickedImage,
  ScanSheet,
} from './sheets.js';

/** What this host offers to every app. */
export const WEB_CAPABILITIES: BridgeCapabilities = {
  version: BRIDGE_VERSION,
  methods: [...BRIDGE_METHODS],
  host: 'web',
};

/** How long a toast stays when the app does not say. */
const TOAST_DEFAULT_MS = 2_000;

type Sheet =
  | { kind: 'consent'; scopes: MiniAppScope[]; allow: () => Promise<void>; deny: () => void }
  | {
      kind: 'payment';
      token: string;
      preview: PaymentPreview;
      paid: (orderId: string) => void;
      cancel: (failure: unknown) => void;
    }
  | { kind: 'images'; count: number; pick: (images: PickedImage[]) => void; cancel: () => void }
  | {
      kind: 'share';
      title: string;
      description: string | undefined;
      pick: (conversationId: string) => Promise<void>;
      cancel: () => void;
    }
  | { kind: 'scan'; code: (text: string) => void; cancel: () => void };

type HostPanel = 'menu' | 'about' | 'permissions' | 'share' | null;

export interface MiniAppHostProps {
  app: MiniAppSummary;
  /** Where in the app to open (default `/`). */
  path?: string | null;
  /** The developer's name for About (when known). */
  developer?: string | null;
  /** Whether the app may post cards into chats (approved apps only). */
  canShare?: boolean;
  /** Inside the simulator: a block instead of the whole screen. */
  embedded?: boolean;
  /** A line under the title bar (the simulator's "test mode"). */
  banner?: ReactNode;
  onClose: () => void;
  onTraffic?: (entry: TrafficEntry) => void;
}

/**
 * A mini app on screen: the host-drawn title bar (close, title, "…" menu), the app in a
 * sandboxed iframe from its own origin, the bridge host, and the host's sheets.
 */
export function MiniAppHost({
  app,
  path,
  developer = null,
  canShare = true,
  embedded = false,
  banner,
  onClose,
  onTraffic,
}: MiniAppHostProps) {
  const { t } = useI18n();
  const { api } = useSession();
  const me = useMe();
  const frameRef = useRef<HTMLIFrameElement>(null);
  const [title, setTitle] = useState<string | null>(null);
  const [sheet, setSheet] = useState<Sheet | null>(null);
  const [panel, setPanel] = useState<HostPanel>(null);
  const [toast, setToast] = useState<{ text: string; key: number } | null>(null);
  const [hellos, setHellos] = useState({ accepted: 0, ignored: 0 });
  const [notice, setNotice] = useState<string | null>(null);
  const src = appUrl(app.origin, path);
  const trafficRef = useRef(onTraffic);
  trafficRef.current = onTraffic;
  const canShareRef = useRef(canShare);
  canShareRef.current = canShare;

  useEffect(() => {
    rememberRecent(me.id, app.id);
  }, [me.id, app.id]);

  /** One sheet at a time: a second request waits for the first to close. */
  const queue = useRef<Promise<unknown>>(Promise.resolve());
  const open = useRef<Sheet | null>(null);
  const ask = useCallback(
    <T,>(build: (resolve: (value: T) => void, reject: (error: unknown) => void) => Sheet) => {
      const result = queue.current.then(
        () =>
          new Promise<T>((resolve, reject) => {
            const close = () => {
              open.current = null;
              setSheet(null);
            };
            const next = build(
              (value) => {
                close();
                resolve(value);
              },
              (error) => {
                close();
                reject(error);
              },
            );
            open.current = next;
            setSheet(next);
          }),
      );
      queue.current = result.catch(() => undefined);
      return result;
    },
    [],
  );

  // Leaving the app cancels the sheet it asked for.
  useEffect(
    () => () => {
      const current = open.current;
      if (!current) return;
      if (current.kind === 'consent') current.deny();
      else if (current.kind === 'payment') current.cancel(null);
      else current.cancel();
    },
    [],
  );

  const handlers = useMemo<Handlers>(() => {
    const calls = miniApps(api);
    const cancelled = () => new BridgeError('user_cancelled', 'The user closed the sheet');
    return {
      getCapabilities: async () => WEB_CAPABILITIES,
      'auth.login': async (_params, { appId }) => ({ code: (await calls.loginCode(appId)).code }),
      'auth.requestScopes': async ({ scopes }, { appId }) => {
        const asked = [...new Set(scopes)];
        const before = (await calls.scopes(appId)).granted;
        const missing = asked.filter((s) => !before.includes(s));
        if (missing.length === 0) return { granted: asked };
        const granted = await ask<MiniAppScope[]>((resolve, reject) => ({
          kind: 'consent',
          scopes: missing,
          allow: async () => resolve((await calls.grantScopes(appId, missing)).granted),
          deny: () => reject(new BridgeError('permission_denied', 'The user did not allow it')),
        }));
        return { granted: asked.filter((s) => granted.includes(s)) };
      },
      'pay.requestPayment': async ({ paymentToken }, { appId }) => {
        // The order comes from the server (never from the app); one that cannot be paid answers at once.
        const preview = await calls.paymentPreview(paymentToken, appId);
        const closed = closedOrderCode(preview.status);
        if (closed !== null) throw new BridgeError(closed, `The order is ${preview.status}`);
        return ask((resolve, reject) => ({
          kind: 'payment',
          token: paymentToken,
          preview,
          paid: (orderId) => resolve({ orderId, status: 'paid' as const }),
          cancel: (failure) => {
            if (failure === null || failure === undefined) reject(cancelled());
            else if (failure instanceof Error && 'code' in failure && typeof failure.code === 'string') {
              reject(
                ['payment_not_found', 'order_expired', 'order_closed', 'order_already_paid'].includes(
                  failure.code,
                )
                  ? failure
                  : new BridgeError('payment_failed', failure.message || failure.code, {
                      code: failure.code,
                    }),
              );
            } else reject(new BridgeError('payment_failed', 'The payment failed'));
          },
        }));
      },
      'media.chooseImage': async ({ count }) =>
        ask((resolve, reject) => ({
          kind: 'images',
          count: count ?? 1,
          pick: (images) => resolve({ images }),
          cancel: () => reject(cancelled()),
        })),
      'share.toChat': async ({ title: cardTitle, path: cardPath, description }, { appId }) => {
        if (!canShareRef.current) {
          throw new BridgeError('permission_denied', 'Only an approved app can be shared into chats');
        }
        return ask((resolve, reject) => ({
          kind: 'share',
          title: cardTitle,
          description,
          pick: async (conversationId) => {
            await calls.share(appId, {
              conversationId,
              clientId: uuidv7(),
              title: cardTitle,
              path: cardPath ?? '/',
              ...(description === undefined ? {} : { description }),
            });
            resolve({ conversationId });
          },
          cancel: () => reject(cancelled()),
        }));
      },
      'ui.showToast': async ({ text, durationMs }) => {
        const key = Date.now();
        setToast({ text, key });
        setTimeout(
          () => setToast((current) => (current?.key === key ? null : current)),
          durationMs ?? TOAST_DEFAULT_MS,
        );
        return {};
      },
      'ui.setTitle': async ({ title: next }) => {
        setTitle(next);
        return {};
      },
      'storage.get': async ({ key }, { appId }) => ({
        value: (await calls.storageGet(appId, key)) as never,
      }),
      'storage.set': async ({ key, value }, { appId }) => {
        await calls.storageSet(appId, key, value);
        return {};
      },
      'storage.remove': async ({ key }, { appId }) => {
        await calls.storageRemove(appId, key);
        return {};
      },
      'device.scanQR': async () =>
        ask((resolve, reject) => ({
          kind: 'scan',
          code: (text) => resolve({ text }),
          cancel: () => reject(cancelled()),
        })),
    };
  }, [api, ask]);

  useEffect(() => {
    const frame = frameRef.current;
    if (!frame || src === null) return;
    const dispatcher = createDispatcher({
      appId: app.id,
      handlers,
      limiter: new CallLimiter(),
      now: () => Date.now(),
      onTraffic: (entry) => trafficRef.current?.(entry),
    });
    return startBridgeHost({
      frame,
      appId: app.id,
      origin: app.origin,
      capabilities: WEB_CAPABILITIES,
      dispatcher,
      onHello: (verdict) =>
        setHellos((h) =>
          verdict === 'accept' ? { ...h, accepted: h.accepted + 1 } : { ...h, ignored: h.ignored + 1 },
        ),
    });
  }, [app.id, app.origin, handlers, src]);

  const shareFromMenu = () => {
    setPanel('share');
  };

  return (
    <div
      className={embedded ? 'miniapp-host miniapp-host-embedded' : 'miniapp-host'}
      data-testid="miniapp-host"
      data-app-id={app.id}
      data-bridge={hellos.accepted > 0 ? 'connected' : 'waiting'}
      data-hellos-accepted={hellos.accepted}
      data-hellos-ignored={hellos.ignored}
    >
      <header className="miniapp-bar">
        <button
          type="button"
          className="miniapp-bar-button"
          data-testid="miniapp-close"
          aria-label={t('miniapps.close')}
          onClick={onClose}
        >
          {embedded ? <CloseIcon size={20} /> : <ChevronLeftIcon size={22} />}
        </button>
        <h1 className="miniapp-bar-title" data-testid="miniapp-title">
          {title ?? app.name}
        </h1>
        <button
          type="button"
          className="miniapp-bar-button"
          data-testid="miniapp-more"
          aria-label={t('miniapps.more')}
          aria-haspopup="menu"
          onClick={() => setPanel('menu')}
        >
          <MoreIcon size={22} />
        </button>
      </header>
      {banner}
      {notice ? (
        <p className="miniapp-notice" role="status" data-testid="miniapp-notice">
          {notice}
        </p>
      ) : null}
      {src === null ? (
        <p className="miniapp-notice" role="alert">
          {t('miniapps.bad_path')}
        </p>
      ) : (
        <iframe
          ref={frameRef}
          className="miniapp-frame"
          title={app.name}
          src={src}
          sandbox="allow-scripts allow-same-origin allow-forms"
          allow="camera 'none'; microphone 'none'"
          referrerPolicy="no-referrer"
          data-testid="miniapp-frame"
        />
      )}
      {toast ? (
        <div className="miniapp-toast" role="status" data-testid="miniapp-toast">
          {toast.text}
        </div>
      ) : null}

      {panel === 'menu' ? (
        <HostSheet title={app.name} testId="miniapp-menu" onClose={() => setPanel(null)}>
          <div className="list menu-list" role="menu">
            {canShare ? (
              <MenuRow
                testId="miniapp-menu-share"
                icon={<SendIcon size={18} />}
                label={t('miniapps.menu_share')}
                onClick={shareFromMenu}
              />
            ) : null}
            <MenuRow
              testId="miniapp-menu-about"
              icon={<InfoIcon size={18} />}
              label={t('miniapps.menu_about')}
              onClick={() => setPanel('about')}
            />
            <MenuRow
              testId="miniapp-menu-permissions"
              icon={<ShieldIcon size={18} />}
              label={t('miniapps.menu_permissions')}
              onClick={() => setPanel('permissions')}
            />
          </div>
        </HostSheet>
      ) : null}
      {panel === 'about' ? (
        <AboutSheet
          app={app}
          developer={developer ?? app.developerName ?? null}
          onClose={() => setPanel(null)}
        />
      ) : null}
      {panel === 'permissions' ? <PermissionsSheet app={app} onClose={() => setPanel(null)} /> : null}
      {panel === 'share' ? (
        <ChatPickerSheet
          card={{ title: title ?? app.name, description: app.description, app }}
          onPick={async (c) => {
            await miniApps(api).share(app.id, {
              conversationId: c.id,
              clientId: uuidv7(),
              title: title ?? app.name,
              path: '/',
              description: app.description,
            });
            setPanel(null);
            setNotice(t('miniapps.shared'));
          }}
          onCancel={() => setPanel(null)}
        />
      ) : null}

      {sheet?.kind === 'consent' ? (
        <ConsentSheet app={app} scopes={sheet.scopes} onAllow={sheet.allow} onDeny={sheet.deny} />
      ) : null}
      {sheet?.kind === 'payment' ? (
        <PaymentSheet
          paymentToken={sheet.token}
          appId={app.id}
          preview={sheet.preview}
          onPaid={(answer) => sheet.paid(answer.orderId)}
          onCancel={sheet.cancel}
        />
      ) : null}
      {sheet?.kind === 'images' ? (
        <ImagePickerSheet count={sheet.count} onPick={sheet.pick} onCancel={sheet.cancel} />
      ) : null}
      {sheet?.kind === 'share' ? (
        <ChatPickerSheet
          card={{ title: sheet.title, description: sheet.description, app }}
          onPick={(c) => sheet.pick(c.id)}
          onCancel={sheet.cancel}
        />
      ) : null}
      {sheet?.kind === 'scan' ? <ScanSheet onCode={sheet.code} onCancel={sheet.cancel} /> : null}
    </div>
  );
}

function MenuRow({
  testId,
  icon,
  label,
  onClick,
}: {
  testId: string;
  icon: ReactNode;
  label: string;
  onClick: () => void;
}) {
  return (
    <button type="button" role="menuitem" className="row" data-testid={testId} onClick={onClick}>
      <span className="row-icon tone-gray">{icon}</span>
      <span className="row-label">{label}</span>
    </button>
  );
}
