import type { PayCode } from '@jiaozi/protocol';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useI18n } from '../../i18n/context.js';
import { ROUTES } from '../../routes.js';
import { useMe, useSession } from '../../session.js';
import { FormError } from '../../ui/form.js';
import { RefreshIcon } from '../../ui/icons.js';
import { Page } from '../../ui/layout.js';
import { PinSheet } from '../../ui/pin-sheet.js';
import { useLoad } from '../../ui/use-load.js';
import { groupDigits, type PayCodeSchedule, payCodeSchedule, secondsLeft } from '../../wallet/paycode.js';
import { Spinner } from './common.js';
import { useQrImage } from './qr.js';

const RETRY_MS = 5_000;

/**
 * The pay code a cashier scans: a QR code and 18 digits, refreshed every ~50 s and at expiry.
 * It pays from my wallet, or from a family card given to me (a code for that one is asked
 * for with my PIN each time, so it is not refreshed on its own).
 */
export function PayCodeScreen() {
  const { t } = useI18n();
  const { api, config } = useSession();
  const me = useMe();
  const grants = useLoad(() => api.familyGrants(), [api]);
  const cards = (grants.data?.grants ?? []).filter(
    (g) => g.status === 'active' && g.grantee.userId === me.id,
  );
  const [source, setSource] = useState('wallet');
  const [askPin, setAskPin] = useState(false);
  const pinCode = useRef<PayCode | null>(null);
  const [code, setCode] = useState<{ code: PayCode; schedule: PayCodeSchedule } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const [now, setNow] = useState(() => Date.now());
  const request = useRef(0);
  const image = useQrImage(code?.code.code ?? null);

  const load = useCallback((next: Promise<PayCode>) => {
    const mine = ++request.current;
    setLoading(true);
    setError(null);
    next.then(
      (next) => {
        if (mine !== request.current) return;
        const received = Date.now();
        setCode({ code: next, schedule: payCodeSchedule(next.expiresAt, received) });
        setNow(received);
        setLoading(false);
      },
      (caught: unknown) => {
        if (mine !== request.current) return;
        setError(caught);
        setLoading(false);
        // A code that has expired must not stay on screen.
        setCode((current) => (current && current.schedule.expiresAt <= Date.now() ? null : current));
      },
    );
  }, []);

  const refresh = useCallback(() => {
    if (source === 'wallet') load(api.payCode());
    else {
      request.current += 1;
      setCode(null);
      setLoading(false);
      setAskPin(true);
    }
  }, [api, load, source]);

  useEffect(() => {
    refresh();
    return () => {
      request.current += 1;
    };
  }, [refresh]);

  // The next refresh, ~50 s after this code arrived (or when it expires, if sooner); after a
  // failure, another try in a few seconds.
  const refreshAt = code?.schedule.refreshAt;
  const failed = error !== null;
  useEffect(() => {
    if (source !== 'wallet') return;
    if (failed) {
      const timer = setTimeout(refresh, RETRY_MS);
      return () => clearTimeout(timer);
    }
    if (refreshAt === undefined) return;
    const timer = setTimeout(refresh, Math.max(0, refreshAt - Date.now()));
    return () => clearTimeout(timer);
  }, [refreshAt, failed, refresh, source]);

  // The countdown, and a catch-up when the page comes back from the background.
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    const onVisible = () => {
      if (document.visibilityState !== 'visible') return;
      setNow(Date.now());
      if (refreshAt !== undefined && Date.now() >= refreshAt) refresh();
    };
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      clearInterval(timer);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [refreshAt, refresh]);

  const groups = code ? groupDigits(code.code.code) : [];
  const expired = code ? now >= code.schedule.expiresAt : false;
  return (
    <Page title={t('paycode.title')} back={ROUTES.wallet}>
      <section className="card paycode-card" data-testid="paycode" data-expired={expired ? 'true' : 'false'}>
        <p className="paycode-intro">{t('paycode.intro')}</p>
        {cards.length > 0 ? (
          <label className="field">
            <span className="field-label">{t('paycode.source')}</span>
            <select
              className="input"
              data-testid="paycode-source"
              value={source}
              onChange={(e) => setSource(e.target.value)}
            >
              <option value="wallet">{t('paycode.source_wallet')}</option>
              {cards.map((g) => (
                <option key={g.id} value={g.id}>
                  {t('paycode.source_family', { name: g.granter.displayName })}
                </option>
              ))}
            </select>
          </label>
        ) : null}
        <FormError error={error} />
        {code ? (
          <>
            <p className="visually-hidden">
              {t('paycode.digits_label')}: {groups.join(' ')}
            </p>
            <p
              className="paycode-digits"
              data-testid="paycode-digits"
              data-code={code.code.code}
              aria-hidden="true"
            >
              {groups.map((group, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: groups are positions in the code.
                <span key={i} className="paycode-group">
                  {group}
                </span>
              ))}
            </p>
            <div className={expired ? 'qr-frame qr-frame-stale' : 'qr-frame'}>
              {image ? (
                <img
                  className="qr-image"
                  src={image}
                  alt={t('paycode.alt')}
                  width={240}
                  height={240}
                  data-testid="paycode-qr"
                />
              ) : (
                <Spinner label={t('common.loading')} />
              )}
            </div>
          </>
        ) : loading ? (
          <Spinner label={t('common.loading')} />
        ) : null}
        <div className="paycode-footer">
          <span className="paycode-countdown" data-testid="paycode-countdown" aria-live="off">
            {code && !loading
              ? source === 'wallet'
                ? t('paycode.refresh_in', { seconds: secondsLeft(code.schedule.refreshAt, now) })
                : t('paycode.expires_in', { seconds: secondsLeft(code.schedule.expiresAt, now) })
              : '\u00a0'}
          </span>
          <button
            type="button"
            className="button button-secondary button-small"
            data-testid="paycode-refresh"
            disabled={loading}
            onClick={refresh}
          >
            <RefreshIcon size={16} />
            {loading ? t('paycode.refreshing') : t('paycode.refresh')}
          </button>
        </div>
      </section>
      {askPin ? (
        <PinSheet
          description={t('paycode.family_pin')}
          length={config.limits.pinLength}
          onSubmit={async (pin) => {
            pinCode.current = await api.familyPayCode(source, pin);
          }}
          onFail={(caught) => {
            setAskPin(false);
            setError(caught);
          }}
          onDone={() => {
            setAskPin(false);
            if (pinCode.current) load(Promise.resolve(pinCode.current));
          }}
          onClose={() => setAskPin(false)}
        />
      ) : null}
    </Page>
  );
}
