import type { Contact } from '@jiaozi/protocol';
import { useCallback, useEffect, useMemo, useState } from 'react';
import type { NameOf } from '../../chat/chat.js';
import { useI18n } from '../../i18n/context.js';
import { useLiveReload } from '../../realtime/live.js';
import { useMe, useSession } from '../../session.js';
import { publicName } from '../../social/contacts.js';
import { CheckIcon } from '../../ui/icons.js';
import { useLoad } from '../../ui/use-load.js';
import { Avatar } from '../contacts/common.js';

/** Names and avatars of people met in chats, shared by every screen of the page. */
const fetchedNames = new Map<string, string>();
const fetchedAvatars = new Map<string, string | null>();

/**
 * `nameOf(userId)`: "You" for me, the contact name (remark) of a friend, else the public name
 * (fetched once per person). Also returns the contact list, for pickers.
 */
export function usePeople(ids: readonly string[] = []) {
  const { t } = useI18n();
  const { api } = useSession();
  const me = useMe();
  const contacts = useLoad(() => api.contacts(), [api]);
  useLiveReload(['social.'], contacts.reload);
  const [, setRound] = useState(0);

  const byId = useMemo(() => {
    const map = new Map<string, Contact>();
    for (const contact of contacts.data?.contacts ?? []) map.set(contact.user.id, contact);
    return map;
  }, [contacts.data]);

  const key = [...new Set(ids)].sort().join(',');
  useEffect(() => {
    if (contacts.data === null && contacts.error === null) return;
    const missing = key
      .split(',')
      .filter((id) => id !== '' && id !== me.id && !byId.has(id) && !fetchedNames.has(id));
    if (missing.length === 0) return;
    let live = true;
    void Promise.allSettled(
      missing.map(async (id) => {
        const user = await api.user(id);
        fetchedNames.set(id, publicName(user));
        fetchedAvatars.set(id, user.avatarId);
      }),
    ).then(() => {
      if (live) setRound((n) => n + 1);
    });
    return () => {
      live = false;
    };
  }, [key, byId, api, me.id, contacts.data, contacts.error]);

  const nameOf: NameOf = useCallback(
    (userId: string) => {
      if (userId === me.id) return t('chats.you');
      return byId.get(userId)?.name ?? fetchedNames.get(userId) ?? t('chats.someone');
    },
    [byId, me.id, t],
  );

  /** The avatar id of a person (null: none, or not known yet). */
  const avatarOf = useCallback(
    (userId: string | null): string | null => {
      if (userId === null) return null;
      if (userId === me.id) return me.avatarId;
      return byId.get(userId)?.user.avatarId ?? fetchedAvatars.get(userId) ?? null;
    },
    [byId, me.id, me.avatarId],
  );

  return { nameOf, avatarOf, contacts };
}

/** A list of friends to choose from: one tap (single) or check boxes (multiple). */
export function ContactPicker({
  contacts,
  selected,
  onPick,
  multiple,
  disabled = false,
  exclude,
}: {
  contacts: readonly Contact[];
  selected: ReadonlySet<string>;
  onPick: (userId: string) => void;
  multiple: boolean;
  disabled?: boolean;
  exclude?: ReadonlySet<string>;
}) {
  const shown = contacts
    .filter((c) => !exclude?.has(c.user.id))
    .sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0));
  return (
    <ul className="list contact-list picker-list">
      {shown.map((contact) => {
        const checked = selected.has(contact.user.id);
        return (
          <li key={contact.user.id}>
            <button
              type="button"
              className="row contact-row"
              data-testid="pick-contact"
              data-user-id={contact.user.id}
              aria-pressed={multiple ? checked : undefined}
              disabled={disabled}
              onClick={() => onPick(contact.user.id)}
            >
              {multiple ? (
                <span className={checked ? 'pick-check pick-check-on' : 'pick-check'} aria-hidden="true">
                  {checked ? <CheckIcon size={14} /> : null}
                </span>
              ) : null}
              <Avatar name={contact.name} size="small" avatarId={contact.user.avatarId} />
              <span className="contact-name">{contact.name || publicName(contact.user)}</span>
            </button>
          </li>
        );
      })}
    </ul>
  );
}
