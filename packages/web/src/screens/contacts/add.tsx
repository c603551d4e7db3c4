import type { FriendTarget, PublicUser } from '@jiaozi/protocol';
import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import { ApiError } from '../../api/client.js';
import { handleOf } from '../../format.js';
import { useI18n } from '../../i18n/context.js';
import { Link, navigate, useSearch } from '../../router.js';
import { pathTo, ROUTES } from '../../routes.js';
import { useMe, useSession } from '../../session.js';
import {
  defaultFriendMessage,
  parseSearchQuery,
  publicName,
  relationAfterRequest,
  selfName,
  targetKey,
  targetOf,
} from '../../social/contacts.js';
import { FieldError, type FieldProblem, FormError, SubmitButton, TextField } from '../../ui/form.js';
import { ChevronRightIcon, InfoIcon, QrIcon, ScanIcon, SearchIcon } from '../../ui/icons.js';
import { Page } from '../../ui/layout.js';
import { QrScanner } from '../../ui/qr-scanner.js';
import { useLoad } from '../../ui/use-load.js';
import { Spinner, useIntentIds } from '../wallet/common.js';
import { QrCard } from '../wallet/qr.js';
import { Avatar, userMeta } from './common.js';

/** The longest friend-request message offered here (the server has the last word). */
export const FRIEND_MESSAGE_MAX_LENGTH = 200;

interface Found {
  user: PublicUser;
  /** How the request will name them: the way they were found. */
  target: FriendTarget;
  viaQr: boolean;
}

/**
 * Add contacts: exact search by username or +phone, my contact QR code (`?view=qr`), and the
 * scanner (`?view=scan`). `?q=alice` searches at once.
 */
export function AddContactScreen() {
  const { t } = useI18n();
  const { api } = useSession();
  const search = useSearch();
  const params = new URLSearchParams(search);
  const view = params.get('view');
  const [found, setFound] = useState<Found | null>(null);

  const showUser = (user: PublicUser, target: FriendTarget, viaQr: boolean) => {
    setFound({ user, target, viaQr });
  };

  if (view === 'qr') return <MyQr />;
  if (view === 'scan') {
    return (
      <Page title={t('add.scan')} back={ROUTES.contactsAdd}>
        <QrScanner
          onCode={async (payload) => {
            const user = await api.resolveContactQr(payload);
            showUser(user, { userId: user.id }, true);
            navigate(ROUTES.contactsAdd, { replace: true });
          }}
        />
      </Page>
    );
  }
  return <SearchView initialQuery={params.get('q') ?? ''} found={found} onFound={setFound} />;
}

function SearchView({
  initialQuery,
  found,
  onFound,
}: {
  initialQuery: string;
  found: Found | null;
  onFound: (found: Found | null) => void;
}) {
  const { t } = useI18n();
  const { api } = useSession();
  const inputId = useId();
  const [query, setQuery] = useState(initialQuery);
  const [fieldError, setFieldError] = useState<FieldProblem | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [notFound, setNotFound] = useState(false);
  const [searching, setSearching] = useState(false);
  const generation = useRef(0);

  const runSearch = async (text: string) => {
    const parsed = parseSearchQuery(text);
    setError(null);
    setNotFound(false);
    if (!parsed) {
      setFieldError({ code: 'invalid_query', message: t('add.search_invalid') });
      return;
    }
    setFieldError(null);
    const mine = ++generation.current;
    setSearching(true);
    onFound(null);
    try {
      const user = await api.searchUser(parsed.q);
      if (mine === generation.current) onFound({ user, target: targetOf(parsed), viaQr: false });
    } catch (caught) {
      if (mine !== generation.current) return;
      if (caught instanceof ApiError && caught.code === 'not_found') setNotFound(true);
      else setError(caught);
    } finally {
      if (mine === generation.current) setSearching(false);
    }
  };
  const runRef = useRef(runSearch);
  runRef.current = runSearch;

  // `?q=` (from a profile's "Add to contacts") searches once, on arrival.
  useEffect(() => {
    if (initialQuery.trim() !== '') void runRef.current(initialQuery);
    return () => {
      generation.current += 1;
    };
  }, [initialQuery]);

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    void runSearch(query);
  };

  return (
    <Page title={t('add.title')} back={ROUTES.contacts}>
      <form className="card form-card search-card" onSubmit={submit} noValidate>
        <label className="field-label" htmlFor={inputId}>
          {t('add.search_label')}
        </label>
        <div className="search-row">
          <div className="search-input-wrap">
            <SearchIcon size={18} className="search-icon" />
            <input
              id={inputId}
              className="input search-input"
              type="search"
              inputMode="text"
              enterKeyHint="search"
              value={query}
              placeholder={t('add.search_placeholder')}
              autoCapitalize="off"
              autoCorrect="off"
              autoComplete="off"
              spellCheck={false}
              aria-invalid={fieldError ? true : undefined}
              aria-describedby={`${inputId}-hint`}
              onChange={(event) => {
                setQuery(event.target.value);
                setFieldError(null);
              }}
              data-testid="search-input"
            />
          </div>
          <button
            type="submit"
            className="button button-primary search-button"
            disabled={searching}
            aria-busy={searching}
            data-testid="search-submit"
          >
            {searching ? <span className="spinner" aria-hidden="true" /> : null}
            {t('add.search_submit')}
          </button>
        </div>
        {fieldError ? <FieldError field="search-input" problem={fieldError} /> : null}
        <p className="field-hint" id={`${inputId}-hint`}>
          {t('add.search_hint')}
        </p>
      </form>

      {searching ? <Spinner label={t('add.searching')} /> : null}
      <FormError error={error} />
      {notFound ? (
        <div
          className="banner banner-info search-empty"
          role="status"
          data-testid="form-error"
          data-code="not_found"
        >
          <InfoIcon size={20} className="banner-icon" />
          <span>
            <strong>{t('add.not_found')}</strong> {t('add.not_found_hint')}
          </span>
        </div>
      ) : null}
      {found ? (
        <SearchResult key={found.user.id} found={found} onChange={(user) => onFound({ ...found, user })} />
      ) : null}

      <h2 className="section-title">{t('add.ways')}</h2>
      <nav className="list" aria-label={t('add.ways')}>
        <Link to={`${ROUTES.contactsAdd}?view=qr`} className="row" data-testid="open-contact-qr">
          <span className="row-icon tone-green">
            <QrIcon size={18} />
          </span>
          <span className="row-text">
            <span className="row-label">{t('add.my_qr')}</span>
            <span className="row-sub">{t('add.my_qr_hint')}</span>
          </span>
          <ChevronRightIcon size={18} className="row-chevron" />
        </Link>
        <Link to={`${ROUTES.contactsAdd}?view=scan`} className="row" data-testid="open-contact-scan">
          <span className="row-icon tone-blue">
            <ScanIcon size={18} />
          </span>
          <span className="row-text">
            <span className="row-label">{t('add.scan')}</span>
            <span className="row-sub">{t('add.scan_hint')}</span>
          </span>
          <ChevronRightIcon size={18} className="row-chevron" />
        </Link>
      </nav>
    </Page>
  );
}

/** The one account found: who they are, and "Add to contacts" or where things stand. */
function SearchResult({ found, onChange }: { found: Found; onChange: (user: PublicUser) => void }) {
  const { t, lang } = useI18n();
  const { api } = useSession();
  const me = useMe();
  const ids = useIntentIds();
  const { user } = found;
  const [message, setMessage] = useState(() =>
    defaultFriendMessage(me, (name) => t('add.message_default', { name }), t('add.message_fallback')),
  );
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [added, setAdded] = useState(false);
  const name = publicName(user);
  const meta = userMeta(user, lang);

  const send = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (pending) return;
    const text = message.trim();
    setPending(true);
    setError(null);
    const id = ids.idFor(`${targetKey(found.target)}|${text}`);
    try {
      const request = await api.createFriendRequest({
        id,
        to: found.target,
        ...(text === '' ? {} : { message: text }),
      });
      ids.settle();
      const relation = relationAfterRequest(request);
      setAdded(relation === 'friend');
      onChange({ ...user, relation });
    } catch (caught) {
      ids.settleAfter(caught);
      if (caught instanceof ApiError && caught.code === 'already_friends') {
        onChange({ ...user, relation: 'friend' });
      } else {
        setError(caught);
      }
    } finally {
      setPending(false);
    }
  };

  return (
    <section className="card search-result" data-testid="search-result" data-relation={user.relation}>
      <div className="search-result-head">
        <Avatar name={name} size="large" avatarId={user.avatarId} />
        <div className="search-result-names">
          <p className="search-result-name">{name}</p>
          {meta ? <p className="search-result-meta">{meta}</p> : null}
          {found.viaQr ? (
            <p className="search-result-meta">
              <QrIcon size={14} /> {t('add.from_qr')}
            </p>
          ) : null}
        </div>
      </div>
      {user.relation === 'none' ? (
        <form className="search-result-form" onSubmit={(event) => void send(event)} noValidate>
          <FormError error={error} />
          <TextField
            label={t('add.message')}
            value={message}
            onValueChange={setMessage}
            testId="friend-message"
            maxLength={FRIEND_MESSAGE_MAX_LENGTH}
            autoComplete="off"
            hint={t('common.chars', { count: Array.from(message).length, max: FRIEND_MESSAGE_MAX_LENGTH })}
          />
          <SubmitButton
            pending={pending}
            label={t('add.send')}
            pendingLabel={t('add.sending')}
            testId="friend-send"
          />
        </form>
      ) : (
        <div className="search-result-status">
          <p className="search-result-status-text" data-testid="search-result-status">
            {added ? t('add.added', { name }) : t(`add.status_${user.relation}`)}
          </p>
          {user.relation === 'friend' ? (
            <Link
              to={pathTo('contact', { userId: user.id })}
              className="button button-secondary button-small"
            >
              {t('add.view_profile')}
            </Link>
          ) : user.relation === 'request_received' ? (
            <Link to={ROUTES.contactsRequests} className="button button-primary button-small">
              {t('add.respond')}
            </Link>
          ) : null}
        </div>
      )}
    </section>
  );
}

/** My contact QR code: others scan it (here, under Scan) to add me. */
function MyQr() {
  const { t } = useI18n();
  const { api } = useSession();
  const me = useMe();
  const qr = useLoad(() => api.contactQr(), [api]);
  const name = selfName(me);
  return (
    <Page title={t('add.my_qr')} back={ROUTES.contactsAdd}>
      <QrCard
        owner={{ name, avatarId: me.avatarId, meta: handleOf(me) }}
        payload={qr.data?.payload ?? null}
        error={qr.error}
        alt={t('contactqr.alt', { name })}
        testId="contact-qr-image"
      >
        <p className="qr-intro">{t('contactqr.intro')}</p>
      </QrCard>
    </Page>
  );
}
