import type { ConversationSummary } from '@jiaozi/protocol';
import { type FormEvent, useEffect, useMemo, useRef, useState } from 'react';
import {
  badgeText,
  compareConversations,
  conversationName,
  GROUP_NAME_MAX_LENGTH,
  listTime,
  type NameOf,
  previewText,
} from '../../chat/chat.js';
import { useI18n } from '../../i18n/context.js';
import { useLiveReload } from '../../realtime/live.js';
import { Link, navigate } from '../../router.js';
import { pathTo, ROUTES } from '../../routes.js';
import { useMe, useSession } from '../../session.js';
import { FieldError, type FieldProblem, FormError, TextField, useSubmit } from '../../ui/form.js';
import { BellOffIcon, ChatIcon, ContactsIcon, PlusIcon, UsersIcon } from '../../ui/icons.js';
import { EmptyState, Page } from '../../ui/layout.js';
import { useLoad } from '../../ui/use-load.js';
import { Avatar } from '../contacts/common.js';
import { Spinner } from '../wallet/common.js';
import { ContactPicker, usePeople } from './common.js';

/** The Chats tab: my conversations, pinned first, then by last activity. */
export function ChatsScreen() {
  const { t } = useI18n();
  const { api } = useSession();
  const me = useMe();
  const list = useLoad(() => api.conversations(), [api]);
  useLiveReload(['chat.'], list.reload);
  const [showArchived, setShowArchived] = useState(false);

  const conversations = useMemo(
    () => [...(list.data?.conversations ?? [])].sort(compareConversations),
    [list.data],
  );
  const people = usePeople(
    conversations.flatMap((c) => [c.peerId ?? '', c.lastMessage?.senderId ?? '', ...payloadIds(c)]),
  );

  // Everything listed has reached this device: say so (two ticks for the senders).
  const delivered = useRef(new Map<string, number>());
  useEffect(() => {
    for (const c of conversations) {
      const last = c.lastMessage?.seq ?? 0;
      if (last <= c.deliveredSeq || (delivered.current.get(c.id) ?? 0) >= last) continue;
      delivered.current.set(c.id, last);
      api.markDelivered(c.id, last).catch(() => delivered.current.delete(c.id));
    }
  }, [conversations, api]);

  const active = conversations.filter((c) => !c.archived);
  const archived = conversations.filter((c) => c.archived);

  const newButton = (
    <Link
      to={ROUTES.chatsNew}
      className="topbar-action"
      data-testid="chats-new"
      aria-label={t('chats.new_label')}
    >
      <PlusIcon size={22} />
    </Link>
  );

  return (
    <Page title={t('tabs.chats')} tabbed action={newButton}>
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
      ) : conversations.length === 0 ? (
        <>
          <EmptyState icon={<ChatIcon size={40} />} title={t('chats.empty_title')}>
            {t('chats.empty_body')}
          </EmptyState>
          <div className="empty-action">
            <button type="button" className="button button-primary" onClick={() => navigate(ROUTES.chatsNew)}>
              <PlusIcon size={20} />
              {t('chats.new')}
            </button>
          </div>
        </>
      ) : (
        <>
          <h2 className="visually-hidden">{t('chats.list_label')}</h2>
          {active.length > 0 ? (
            <ul className="list conversation-list" data-testid="conversation-list">
              {active.map((c) => (
                <ConversationRow
                  key={c.id}
                  conversation={c}
                  nameOf={people.nameOf}
                  avatarOf={people.avatarOf}
                  meId={me.id}
                />
              ))}
            </ul>
          ) : null}
          {archived.length > 0 ? (
            <>
              <button
                type="button"
                className="link-button archived-toggle"
                aria-expanded={showArchived}
                onClick={() => setShowArchived((v) => !v)}
              >
                {showArchived
                  ? t('chats.archived_hide')
                  : t('chats.archived_show', { count: archived.length })}
              </button>
              {showArchived ? (
                <ul className="list conversation-list">
                  {archived.map((c) => (
                    <ConversationRow
                      key={c.id}
                      conversation={c}
                      nameOf={people.nameOf}
                      avatarOf={people.avatarOf}
                      meId={me.id}
                    />
                  ))}
                </ul>
              ) : null}
            </>
          ) : null}
        </>
      )}
    </Page>
  );
}

/** People a system message preview names (so their names are fetched). */
function payloadIds(c: ConversationSummary): string[] {
  const p = c.lastMessage?.payload;
  if (!p) return [];
  const ids: string[] = [];
  for (const value of Object.values(p)) {
    if (typeof value === 'string') ids.push(value);
    else if (Array.isArray(value)) ids.push(...value.filter((v): v is string => typeof v === 'string'));
  }
  return ids.filter((id) => /^[0-9a-f-]{36}$/.test(id));
}

function ConversationRow({
  conversation: c,
  nameOf,
  avatarOf,
  meId,
}: {
  conversation: ConversationSummary;
  nameOf: NameOf;
  avatarOf: (userId: string | null) => string | null;
  meId: string;
}) {
  const { t, lang } = useI18n();
  const name = conversationName(c, nameOf, t);
  const preview = previewText(c.lastMessage, { group: c.kind === 'group', meId, nameOf, t });
  const unread = c.unreadCount;
  return (
    <li>
      <Link
        to={pathTo('conversation', { conversationId: c.id })}
        className={c.pinned ? 'row conversation-row conversation-row-pinned' : 'row conversation-row'}
        data-testid="conversation-row"
        data-id={c.id}
        data-unread={unread}
        data-kind={c.kind}
        data-muted={c.muted}
        data-pinned={c.pinned}
      >
        <span className="conversation-avatar">
          <Avatar name={name} avatarId={c.kind === 'group' ? c.avatarId : avatarOf(c.peerId)} />
          {unread > 0 ? (
            c.muted ? (
              <span className="unread-dot" aria-hidden="true" />
            ) : (
              <span className="badge unread-badge" aria-hidden="true">
                {badgeText(unread)}
              </span>
            )
          ) : null}
        </span>
        <span className="conversation-main">
          <span className="conversation-top">
            <span className="conversation-name" data-testid="conversation-name">
              {name}
            </span>
            <span className="conversation-time">{listTime(c.lastActivityAt, lang, t)}</span>
          </span>
          <span className="conversation-bottom">
            <span className="conversation-preview">
              {c.muted && unread > 1 ? `[${t('chats.unread_badge', { count: unread })}] ` : ''}
              {preview}
            </span>
            {c.muted ? (
              <span className="conversation-muted" title={t('chats.muted')}>
                <BellOffIcon size={14} />
                <span className="visually-hidden">{t('chats.muted')}</span>
              </span>
            ) : null}
          </span>
        </span>
        {unread > 0 ? (
          <span className="visually-hidden">{t('chats.unread_badge', { count: unread })}</span>
        ) : null}
      </Link>
    </li>
  );
}

/** "+" on the Chats tab: pick a friend to chat with, or several and a name for a group. */
export function NewChatScreen() {
  const { t } = useI18n();
  const { api } = useSession();
  const { contacts } = usePeople();
  const [group, setGroup] = useState(false);
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [name, setName] = useState('');
  const [problem, setProblem] = useState<FieldProblem | null>(null);
  const { pending, error, run } = useSubmit();
  const list = contacts.data?.contacts ?? [];

  const open = (userId: string) => {
    void run(async () => {
      const conversation = await api.openDirect(userId);
      navigate(pathTo('conversation', { conversationId: conversation.id }), { replace: true });
    });
  };

  const toggle = (userId: string) => {
    setProblem(null);
    setSelected((current) => {
      const next = new Set(current);
      if (next.has(userId)) next.delete(userId);
      else next.add(userId);
      return next;
    });
  };

  const create = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const trimmed = name.trim();
    if (selected.size < 2) {
      setProblem({ code: 'group_too_small', message: t('chats.group_min_members') });
      return;
    }
    if (trimmed === '') {
      setProblem({ code: 'group_name_required', message: t('chats.group_name_required') });
      return;
    }
    setProblem(null);
    void run(async () => {
      const conversation = await api.createGroup({ name: trimmed, memberIds: [...selected] });
      navigate(pathTo('conversation', { conversationId: conversation.id }), { replace: true });
    });
  };

  const title = group ? t('chats.new_group_title') : t('chats.new_title');
  return (
    <Page title={title} back={ROUTES.chats}>
      {contacts.data === null ? (
        contacts.error ? (
          <FormError error={contacts.error} />
        ) : (
          <Spinner label={t('common.loading')} />
        )
      ) : list.length === 0 ? (
        <>
          <EmptyState icon={<ContactsIcon size={40} />} title={t('chats.no_contacts_title')}>
            {t('chats.no_contacts')}
          </EmptyState>
          <div className="empty-action">
            <button
              type="button"
              className="button button-primary"
              onClick={() => navigate(ROUTES.contactsAdd)}
            >
              {t('contacts.empty_action')}
            </button>
          </div>
        </>
      ) : group ? (
        <form onSubmit={create} noValidate>
          <FormError error={error} />
          <div className="card form-card">
            <TextField
              label={t('chats.group_name')}
              value={name}
              onValueChange={(value) => {
                setName(value);
                setProblem(null);
              }}
              testId="group-name"
              placeholder={t('chats.group_name_placeholder')}
              maxLength={GROUP_NAME_MAX_LENGTH}
              autoComplete="off"
            />
          </div>
          <h2 className="section-title">
            {t('chats.pick_members')} · {t('chats.selected', { count: selected.size })}
          </h2>
          <ContactPicker contacts={list} selected={selected} onPick={toggle} multiple disabled={pending} />
          {problem ? <FieldError field="group" problem={problem} /> : null}
          <button
            type="submit"
            className="button button-primary button-block"
            disabled={pending}
            aria-busy={pending}
            data-testid="group-create"
          >
            {pending ? <span className="spinner" aria-hidden="true" /> : null}
            {pending ? t('chats.group_creating') : t('chats.group_create')}
          </button>
        </form>
      ) : (
        <>
          <FormError error={error} />
          <nav className="list">
            <button
              type="button"
              className="row"
              data-testid="chats-new-group"
              onClick={() => {
                setGroup(true);
                setSelected(new Set());
              }}
            >
              <span className="row-icon tone-green">
                <UsersIcon size={18} />
              </span>
              <span className="row-label">{t('chats.new_group')}</span>
            </button>
          </nav>
          <h2 className="section-title">{t('chats.pick_contact')}</h2>
          <ContactPicker
            contacts={list}
            selected={new Set()}
            onPick={open}
            multiple={false}
            disabled={pending}
          />
        </>
      )}
    </Page>
  );
}
