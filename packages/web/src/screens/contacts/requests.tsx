import type { FriendRequest, FriendRequestStatus } from '@jiaozi/protocol';
import { type ReactNode, useState } from 'react';
import { ApiError } from '../../api/client.js';
import { formatRelativeTime } from '../../format.js';
import { useI18n } from '../../i18n/context.js';
import { Link } from '../../router.js';
import { pathTo, ROUTES } from '../../routes.js';
import { useSession } from '../../session.js';
import { publicName } from '../../social/contacts.js';
import { FormError, FormSuccess } from '../../ui/form.js';
import { Page } from '../../ui/layout.js';
import { type Loaded, useLoad } from '../../ui/use-load.js';
import { Spinner, useAction } from '../wallet/common.js';
import { Avatar } from './common.js';

const STATUS_PILL: Record<FriendRequestStatus, string> = {
  pending: 'pill pill-orange',
  accepted: 'pill pill-green',
  declined: 'pill pill-red',
  expired: 'pill',
};

/** New friends: requests to me (accept or decline) and the ones I sent (their status). */
export function FriendRequestsScreen() {
  const { t } = useI18n();
  const { api } = useSession();
  const incoming = useLoad(() => api.friendRequests('incoming'), [api]);
  const outgoing = useLoad(() => api.friendRequests('outgoing'), [api]);
  const action = useAction();
  const [accepted, setAccepted] = useState<string | null>(null);

  const replace = (updated: FriendRequest) => {
    incoming.setData((current) => ({
      requests: (current?.requests ?? []).map((r) => (r.id === updated.id ? updated : r)),
    }));
  };

  /** After `request_not_pending` (answered elsewhere, or expired) the list is out of date. */
  const refreshIfStale = (caught: unknown): never => {
    if (caught instanceof ApiError && caught.code === 'request_not_pending') incoming.reload();
    throw caught;
  };

  const accept = (request: FriendRequest) => {
    setAccepted(null);
    void action.run(`accept:${request.id}`, async () => {
      const { contact } = await api.acceptFriendRequest(request.id).catch(refreshIfStale);
      replace({ ...request, status: 'accepted' });
      setAccepted(contact.name || publicName(request.from));
    });
  };

  const decline = (request: FriendRequest) => {
    setAccepted(null);
    void action.run(`decline:${request.id}`, async () => {
      replace(await api.declineFriendRequest(request.id).catch(refreshIfStale));
    });
  };

  return (
    <Page title={t('requests.title')} back={ROUTES.contacts}>
      {accepted ? (
        <FormSuccess testId="request-accepted">{t('requests.accepted', { name: accepted })}</FormSuccess>
      ) : null}
      <FormError error={action.error} />

      <h2 className="section-title">{t('requests.incoming')}</h2>
      <RequestList
        loaded={incoming}
        empty={t('requests.incoming_empty')}
        render={(request) => (
          <RequestRow
            key={request.id}
            request={request}
            direction="incoming"
            pending={action.pending}
            onAccept={() => accept(request)}
            onDecline={() => decline(request)}
          />
        )}
      />

      <h2 className="section-title">{t('requests.outgoing')}</h2>
      <RequestList
        loaded={outgoing}
        empty={t('requests.outgoing_empty')}
        render={(request) => (
          <RequestRow key={request.id} request={request} direction="outgoing" pending={action.pending} />
        )}
      />
    </Page>
  );
}

function RequestList({
  loaded,
  empty,
  render,
}: {
  loaded: Loaded<{ requests: FriendRequest[] }>;
  empty: string;
  render: (request: FriendRequest) => ReactNode;
}) {
  const { t } = useI18n();
  if (loaded.data === null) {
    return loaded.error ? (
      <div className="card list-note">
        <FormError error={loaded.error} />
        <button type="button" className="button button-secondary button-small" onClick={loaded.reload}>
          {t('common.retry')}
        </button>
      </div>
    ) : (
      <Spinner label={t('common.loading')} />
    );
  }
  if (loaded.data.requests.length === 0) return <p className="card list-note">{empty}</p>;
  return <ul className="list">{loaded.data.requests.map(render)}</ul>;
}

function RequestRow({
  request,
  direction,
  pending,
  onAccept,
  onDecline,
}: {
  request: FriendRequest;
  direction: 'incoming' | 'outgoing';
  pending: string | null;
  onAccept?: () => void;
  onDecline?: () => void;
}) {
  const { t, lang } = useI18n();
  const other = direction === 'incoming' ? request.from : request.to;
  const name = publicName(other);
  const actionable = direction === 'incoming' && request.status === 'pending';
  const busy = pending !== null;
  return (
    <li
      className="request-row friend-request"
      data-testid="request-row"
      data-id={request.id}
      data-status={request.status}
      data-direction={direction}
    >
      <Link to={pathTo('contact', { userId: other.id })} className="friend-request-who">
        <Avatar name={name} avatarId={other.avatarId} />
        <span className="request-main">
          <span className="request-name">{direction === 'incoming' ? name : t('requests.to', { name })}</span>
          <span className="request-meta">
            {request.message ? `${request.message} · ` : ''}
            {formatRelativeTime(request.createdAt, lang)}
            {direction === 'outgoing' && request.status === 'pending'
              ? ` · ${t('requests.expires', { time: formatRelativeTime(request.expiresAt, lang) })}`
              : ''}
          </span>
        </span>
      </Link>
      <div className="request-side">
        {actionable ? null : (
          <span className={STATUS_PILL[request.status] ?? 'pill'} data-testid="request-status">
            {t(`requests.status_${request.status}`)}
          </span>
        )}
      </div>
      {actionable ? (
        <div className="request-actions">
          <button
            type="button"
            className="button button-secondary button-small"
            data-testid="request-decline"
            disabled={busy}
            onClick={onDecline}
          >
            {pending === `decline:${request.id}` ? t('requests.declining') : t('requests.decline')}
          </button>
          <button
            type="button"
            className="button button-primary button-small"
            data-testid="request-accept"
            disabled={busy}
            onClick={onAccept}
          >
            {pending === `accept:${request.id}` ? t('requests.accepting') : t('requests.accept')}
          </button>
        </div>
      ) : null}
    </li>
  );
}
