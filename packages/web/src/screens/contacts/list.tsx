import type { Contact } from '@jiaozi/protocol';
import { useMemo, useState } from 'react';
import { handleOf } from '../../format.js';
import { useI18n } from '../../i18n/context.js';
import { useLiveReload } from '../../realtime/live.js';
import { Link, navigate } from '../../router.js';
import { pathTo, ROUTES } from '../../routes.js';
import { useMe, useSession } from '../../session.js';
import { buildIndex, groupByLetter, pendingCount, sectionId } from '../../social/contacts.js';
import { FormError } from '../../ui/form.js';
import { BanIcon, ChevronRightIcon, ContactsIcon, UserPlusIcon } from '../../ui/icons.js';
import { EmptyState, Page } from '../../ui/layout.js';
import { useLoad } from '../../ui/use-load.js';
import { Spinner } from '../wallet/common.js';
import { Avatar } from './common.js';

/** The Contacts tab: new friends, blocked, then everyone by letter with an A–Z index. */
export function ContactsScreen() {
  const { t } = useI18n();
  const { api } = useSession();
  const me = useMe();
  const list = useLoad(() => api.contacts(), [api]);
  const incoming = useLoad(() => api.friendRequests('incoming'), [api]);
  useLiveReload(['social.'], () => {
    list.reload();
    incoming.reload();
  });
  const groups = useMemo(() => groupByLetter(list.data?.contacts ?? []), [list.data]);
  const index = useMemo(() => buildIndex(groups), [groups]);
  const [active, setActive] = useState<string | null>(null);
  const newCount = pendingCount(incoming.data?.requests ?? []);
  const total = list.data?.contacts.length ?? 0;

  const jump = (target: string | null) => {
    if (target === null) return;
    setActive(target);
    document.getElementById(sectionId(target))?.scrollIntoView({ block: 'start' });
  };

  const addButton = (
    <Link
      to={ROUTES.contactsAdd}
      className="topbar-action"
      data-testid="contacts-add"
      aria-label={t('contacts.add_label')}
    >
      <UserPlusIcon size={20} />
      <span>{t('contacts.add')}</span>
    </Link>
  );

  return (
    <Page title={t('tabs.contacts')} tabbed action={addButton}>
      <div className={total > 0 ? 'contacts contacts-indexed' : 'contacts'}>
        <nav className="list" aria-label={t('contacts.shortcuts')}>
          <Link
            to={ROUTES.contactsRequests}
            className="row"
            data-testid="contacts-requests"
            data-count={newCount}
          >
            <span className="row-icon tone-orange">
              <UserPlusIcon size={18} />
            </span>
            <span className="row-label">{t('contacts.new_friends')}</span>
            {newCount > 0 ? (
              <>
                <span className="badge" aria-hidden="true">
                  {newCount > 99 ? '99+' : newCount}
                </span>
                <span className="visually-hidden">
                  {t('contacts.new_friends_badge', { count: newCount })}
                </span>
              </>
            ) : null}
            <ChevronRightIcon size={18} className="row-chevron" />
          </Link>
          <Link to={ROUTES.contactsBlocked} className="row" data-testid="open-blocked">
            <span className="row-icon tone-gray">
              <BanIcon size={18} />
            </span>
            <span className="row-label">{t('contacts.blocked')}</span>
            <ChevronRightIcon size={18} className="row-chevron" />
          </Link>
        </nav>

        {list.data === null ? (
          list.error ? (
            <div className="card list-note">
              <FormError error={list.error} />
              <button type="button" className="button button-secondary button-small" onClick={list.reload}>
                {t('common.retry')}
              </button>
            </div>
          ) : (
            <Spinner label={t('common.loading')} />
          )
        ) : total === 0 ? (
          <>
            <EmptyState icon={<ContactsIcon size={40} />} title={t('contacts.empty_title')}>
              {t('contacts.empty_body', { handle: handleOf(me) })}
            </EmptyState>
            <div className="empty-action">
              <button
                type="button"
                className="button button-primary"
                onClick={() => navigate(ROUTES.contactsAdd)}
              >
                <UserPlusIcon size={20} />
                {t('contacts.empty_action')}
              </button>
            </div>
          </>
        ) : (
          <>
            <div className="contact-groups">
              <h2 className="visually-hidden">{t('contacts.list_label')}</h2>
              {groups.map((group) => (
                <section
                  key={group.letter}
                  className="contact-group"
                  id={sectionId(group.letter)}
                  aria-labelledby={`${sectionId(group.letter)}-title`}
                >
                  <h2 className="contact-letter" id={`${sectionId(group.letter)}-title`}>
                    {group.letter}
                  </h2>
                  <ul className="list contact-list">
                    {group.contacts.map((contact) => (
                      <ContactRow key={contact.user.id} contact={contact} letter={group.letter} />
                    ))}
                  </ul>
                </section>
              ))}
            </div>
            <p className="list-end" data-testid="contacts-total">
              {total === 1 ? t('contacts.total_one') : t('contacts.total', { count: total })}
            </p>
            <nav className="contacts-index" aria-label={t('contacts.index_label')}>
              {index.map((entry) => (
                <button
                  key={entry.letter}
                  type="button"
                  className="contacts-index-letter"
                  data-testid="contacts-index-letter"
                  data-letter={entry.letter}
                  data-count={entry.count}
                  aria-current={active === entry.letter ? 'true' : undefined}
                  aria-label={t('contacts.index_letter', { letter: entry.letter })}
                  onClick={() => jump(entry.target)}
                >
                  {entry.letter}
                </button>
              ))}
            </nav>
          </>
        )}
      </div>
    </Page>
  );
}

function ContactRow({ contact, letter }: { contact: Contact; letter: string }) {
  return (
    <li>
      <Link
        to={pathTo('contact', { userId: contact.user.id })}
        className="row contact-row"
        data-testid="contact-row"
        data-user-id={contact.user.id}
        data-letter={letter}
      >
        <Avatar name={contact.name} size="small" avatarId={contact.user.avatarId} />
        <span className="contact-name">{contact.name}</span>
      </Link>
    </li>
  );
}
