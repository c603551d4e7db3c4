import type { SessionInfo } from '@jiaozi/protocol';
import { useCallback, useEffect, useState } from 'react';
import { isMobileDeviceName } from '../device.js';
import { formatDate, formatRelativeTime } from '../format.js';
import { useI18n } from '../i18n/context.js';
import { ROUTES } from '../routes.js';
import { useSession } from '../session.js';
import { FormError } from '../ui/form.js';
import { DevicesIcon, LaptopIcon } from '../ui/icons.js';
import { EmptyState, Page } from '../ui/layout.js';

/** This device first, then the most recently active. */
export function sortSessions(sessions: readonly SessionInfo[]): SessionInfo[] {
  return [...sessions].sort((a, b) => {
    if (a.current !== b.current) return a.current ? -1 : 1;
    return Date.parse(b.lastSeenAt) - Date.parse(a.lastSeenAt);
  });
}

export function DevicesScreen() {
  const { t } = useI18n();
  const { api, forget } = useSession();
  const [sessions, setSessions] = useState<SessionInfo[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [revoking, setRevoking] = useState<string | null>(null);

  const load = useCallback(async () => {
    setError(null);
    try {
      const list = await api.sessions();
      setSessions(sortSessions(list.sessions));
    } catch (caught) {
      setError(caught);
    }
  }, [api]);

  useEffect(() => {
    void load();
  }, [load]);

  const revoke = async (session: SessionInfo) => {
    setRevoking(session.id);
    setError(null);
    try {
      await api.revokeSession(session.id);
      if (session.current) {
        forget();
        return;
      }
      setSessions((list) => list?.filter((s) => s.id !== session.id) ?? null);
    } catch (caught) {
      setError(caught);
    } finally {
      setRevoking(null);
    }
  };

  return (
    <Page title={t('devices.title')} back={ROUTES.me}>
      <p className="page-intro">{t('devices.intro')}</p>
      <FormError error={error} />
      {sessions === null ? (
        error ? (
          <button type="button" className="button button-secondary button-block" onClick={() => void load()}>
            {t('common.retry')}
          </button>
        ) : (
          <p className="loading" role="status">
            <span className="spinner spinner-dark" aria-hidden="true" />
            {t('common.loading')}
          </p>
        )
      ) : sessions.length === 0 ? (
        <EmptyState icon={<DevicesIcon size={36} />} title={t('devices.empty')} />
      ) : (
        <ul className="list session-list">
          {sessions.map((session) => (
            <SessionRow
              key={session.id}
              session={session}
              pending={revoking === session.id}
              disabled={revoking !== null}
              onRevoke={() => void revoke(session)}
            />
          ))}
        </ul>
      )}
    </Page>
  );
}

function SessionRow({
  session,
  pending,
  disabled,
  onRevoke,
}: {
  session: SessionInfo;
  pending: boolean;
  disabled: boolean;
  onRevoke: () => void;
}) {
  const { t, lang } = useI18n();
  const name = session.deviceName.trim() || t('devices.unknown');
  const Icon = isMobileDeviceName(name) ? DevicesIcon : LaptopIcon;
  return (
    <li className="session" data-testid="session-row" data-current={session.current ? 'true' : 'false'}>
      <span className={session.current ? 'session-icon session-icon-current' : 'session-icon'}>
        <Icon size={22} />
      </span>
      <div className="session-main">
        <p className="session-name">
          <span>{name}</span>
          {session.current ? <span className="pill pill-green">{t('devices.this_device')}</span> : null}
        </p>
        <p className="session-meta">
          {t('devices.last_active', { time: formatRelativeTime(session.lastSeenAt, lang) })}
          {session.ip ? ` · ${session.ip}` : ''}
        </p>
        <p className="session-meta">
          {t('devices.signed_in', { time: formatDate(session.createdAt, lang) })}
        </p>
      </div>
      <button
        type="button"
        className="button button-danger-outline button-small"
        data-testid="session-revoke"
        aria-label={t('devices.revoke_label', { device: name })}
        disabled={disabled}
        onClick={onRevoke}
      >
        {pending ? t('devices.revoking') : t('devices.revoke')}
      </button>
    </li>
  );
}
