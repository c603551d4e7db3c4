import type { Contact, PublicUser } from '@jiaozi/protocol';
import { type FormEvent, useState } from 'react';
import { ApiError } from '../../api/client.js';
import { formatDate } from '../../format.js';
import { useI18n } from '../../i18n/context.js';
import { Link, navigate } from '../../router.js';
import { ROUTES } from '../../routes.js';
import { useSession } from '../../session.js';
import { publicName } from '../../social/contacts.js';
import { FormError, FormSuccess, SubmitButton, TextField, useSubmit } from '../../ui/form.js';
import { BanIcon, ChevronRightIcon, SendIcon, TrashIcon, UserPlusIcon } from '../../ui/icons.js';
import { Page } from '../../ui/layout.js';
import { useLoad } from '../../ui/use-load.js';
import { regionName } from '../profile.js';
import { Spinner, useAction } from '../wallet/common.js';
import { Avatar } from './common.js';

/** The longest remark offered here (the server has the last word). */
export const REMARK_MAX_LENGTH = 32;

interface Profile {
  user: PublicUser;
  contact: Contact | null;
  blocked: boolean;
}

/**
 * What we know of someone: their public profile, the contact entry (remark) if they are a
 * contact, and whether I blocked them. A blocked or removed account may no longer be visible
 * through /v1/users/:id, so the other two lists fill in.
 */
async function loadProfile(api: ReturnType<typeof useSession>['api'], userId: string): Promise<Profile> {
  const [user, contacts, blocks] = await Promise.allSettled([api.user(userId), api.contacts(), api.blocks()]);
  const contact =
    contacts.status === 'fulfilled'
      ? (contacts.value.contacts.find((c) => c.user.id === userId) ?? null)
      : null;
  const blockedUser =
    blocks.status === 'fulfilled' ? (blocks.value.users.find((u) => u.id === userId) ?? null) : null;
  const known = user.status === 'fulfilled' ? user.value : (contact?.user ?? blockedUser);
  if (!known) {
    throw user.status === 'rejected'
      ? user.reason
      : new ApiError({ status: 404, code: 'not_found', message: 'No such user' });
  }
  if (user.status === 'rejected' && !(user.reason instanceof ApiError && user.reason.code === 'not_found')) {
    throw user.reason;
  }
  return { user: known, contact, blocked: blockedUser !== null };
}

export function ContactScreen({ userId }: { userId: string }) {
  const { t, lang } = useI18n();
  const { api } = useSession();
  const profile = useLoad(() => loadProfile(api, userId), [api, userId]);
  const action = useAction();
  const [confirmDelete, setConfirmDelete] = useState(false);

  const data = profile.data;
  const title = t('contact.title');
  if (!data) {
    return (
      <Page title={title} back={ROUTES.contacts}>
        {profile.error ? (
          <div className="card list-note">
            <FormError error={profile.error} />
            <button type="button" className="button button-secondary button-small" onClick={profile.reload}>
              {t('common.retry')}
            </button>
          </div>
        ) : (
          <Spinner label={t('common.loading')} />
        )}
      </Page>
    );
  }

  const { user, contact, blocked } = data;
  const name = contact?.name ?? publicName(user);
  const isFriend = contact !== null || user.relation === 'friend';
  const isSelf = user.relation === 'self';

  const remove = () => {
    if (!confirmDelete) {
      setConfirmDelete(true);
      return;
    }
    void action.run('delete', async () => {
      await api.deleteContact(user.id);
      navigate(ROUTES.contacts);
    });
  };

  const toggleBlock = () => {
    setConfirmDelete(false);
    void action.run('block', async () => {
      if (blocked) await api.unblock(user.id);
      else await api.block(user.id);
      profile.setData((current) => (current ? { ...current, blocked: !blocked } : current));
      profile.reload();
    });
  };

  return (
    <Page title={title} back={ROUTES.contacts}>
      <section className="card contact-card" data-testid="contact-card" data-user-id={user.id}>
        <Avatar name={name} size="large" avatarId={user.avatarId} />
        <div className="contact-card-names">
          <p className="contact-card-name" data-testid="contact-name">
            {name}
          </p>
          {contact?.remark ? (
            <p className="contact-card-meta">{t('contact.display_name', { name: user.displayName })}</p>
          ) : null}
          {user.username ? (
            <p className="contact-card-meta" data-testid="contact-username">
              @{user.username}
            </p>
          ) : null}
          {user.region ? (
            <p className="contact-card-meta">
              {t('contact.region', { region: regionName(user.region, lang) })}
            </p>
          ) : null}
          <p className="contact-card-pills">
            {blocked ? <span className="pill pill-red">{t('contact.blocked')}</span> : null}
            {!isFriend && !isSelf ? <span className="pill">{t('contact.not_friend')}</span> : null}
            {contact ? (
              <span className="contact-card-since">
                {t('contact.since', { date: formatDate(contact.since, lang) })}
              </span>
            ) : null}
          </p>
        </div>
      </section>

      {contact ? (
        <RemarkForm
          contact={contact}
          onSaved={(updated) =>
            profile.setData((current) => (current ? { ...current, contact: updated } : current))
          }
        />
      ) : null}

      <FormError error={action.error} />
      {isSelf ? null : (
        <nav className="list" aria-label={t('contact.actions')}>
          {isFriend && user.username ? (
            <Link
              to={`${ROUTES.walletSend}?to=${encodeURIComponent(user.username)}`}
              className="row"
              data-testid="contact-send-money"
            >
              <span className="row-icon tone-blue">
                <SendIcon size={18} />
              </span>
              <span className="row-label">{t('contact.send_money')}</span>
              <ChevronRightIcon size={18} className="row-chevron" />
            </Link>
          ) : null}
          {!isFriend && !blocked && user.username ? (
            <Link
              to={`${ROUTES.contactsAdd}?q=${encodeURIComponent(user.username)}`}
              className="row"
              data-testid="contact-add"
            >
              <span className="row-icon tone-green">
                <UserPlusIcon size={18} />
              </span>
              <span className="row-label">{t('contact.add')}</span>
              <ChevronRightIcon size={18} className="row-chevron" />
            </Link>
          ) : null}
          <button
            type="button"
            className="row"
            data-testid="contact-block"
            data-blocked={blocked}
            disabled={action.pending !== null}
            onClick={toggleBlock}
          >
            <span className="row-icon tone-gray">
              <BanIcon size={18} />
            </span>
            <span className="row-label">
              {action.pending === 'block'
                ? blocked
                  ? t('contact.unblocking')
                  : t('contact.blocking')
                : blocked
                  ? t('contact.unblock')
                  : t('contact.block')}
            </span>
          </button>
          {contact ? (
            <button
              type="button"
              className="row row-danger"
              data-testid="contact-delete"
              data-confirming={confirmDelete}
              disabled={action.pending !== null}
              onClick={remove}
            >
              <span className="row-icon tone-red">
                <TrashIcon size={18} />
              </span>
              <span className="row-label">
                {action.pending === 'delete'
                  ? t('contact.deleting')
                  : confirmDelete
                    ? t('contact.delete_confirm')
                    : t('contact.delete')}
              </span>
            </button>
          ) : null}
        </nav>
      )}
    </Page>
  );
}

function RemarkForm({ contact, onSaved }: { contact: Contact; onSaved: (contact: Contact) => void }) {
  const { t } = useI18n();
  const { api } = useSession();
  const [remark, setRemark] = useState(contact.remark ?? '');
  const [saved, setSaved] = useState(false);
  const { pending, error, run } = useSubmit();
  const trimmed = remark.trim();

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setSaved(false);
    void run(async () => {
      const updated = await api.updateContact(contact.user.id, { remark: trimmed === '' ? null : trimmed });
      setRemark(updated.remark ?? '');
      setSaved(true);
      onSaved(updated);
    });
  };

  return (
    <form className="card form-card remark-form" onSubmit={submit} noValidate>
      <FormError error={error} />
      {saved ? <FormSuccess testId="contact-remark-saved">{t('contact.remark_saved')}</FormSuccess> : null}
      <TextField
        label={t('contact.remark')}
        value={remark}
        onValueChange={(value) => {
          setRemark(value);
          setSaved(false);
        }}
        testId="contact-remark"
        placeholder={t('contact.remark_placeholder')}
        maxLength={REMARK_MAX_LENGTH}
        autoComplete="off"
        hint={t('contact.remark_hint')}
      />
      <SubmitButton
        pending={pending}
        label={t('common.save')}
        pendingLabel={t('common.saving')}
        testId="contact-remark-save"
      />
    </form>
  );
}
