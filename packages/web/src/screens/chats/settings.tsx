import type { ConversationDetail, ConversationSettings } from '@jiaozi/protocol';
import { type FormEvent, useId, useState } from 'react';
import { canRemoveMember, conversationName, GROUP_NAME_MAX_LENGTH, isManager } from '../../chat/chat.js';
import { useI18n } from '../../i18n/context.js';
import type { MessageKey } from '../../i18n/i18n.js';
import { useLiveReload } from '../../realtime/live.js';
import { Link, navigate } from '../../router.js';
import { pathTo, ROUTES } from '../../routes.js';
import { useMe, useSession } from '../../session.js';
import { FormError, FormSuccess, SubmitButton, SwitchRow, TextField, useSubmit } from '../../ui/form.js';
import { LogoutIcon, UserPlusIcon } from '../../ui/icons.js';
import { Page } from '../../ui/layout.js';
import { useLoad } from '../../ui/use-load.js';
import { AvatarEditor } from '../avatar.js';
import { Avatar } from '../contacts/common.js';
import { Spinner, useAction } from '../wallet/common.js';
import { ContactPicker, usePeople } from './common.js';

const SWITCHES: readonly {
  key: keyof ConversationSettings;
  label: MessageKey;
  hint: MessageKey;
  testId: string;
}[] = [
  { key: 'muted', label: 'chats.setting_mute', hint: 'chats.setting_mute_hint', testId: 'settings-mute' },
  { key: 'pinned', label: 'chats.setting_pin', hint: 'chats.setting_pin_hint', testId: 'settings-pin' },
  {
    key: 'archived',
    label: 'chats.setting_archive',
    hint: 'chats.setting_archive_hint',
    testId: 'settings-archive',
  },
];

/** Chat info: members, group details for managers, my own switches, and leaving. */
export function ConversationSettingsScreen({ conversationId }: { conversationId: string }) {
  const { t } = useI18n();
  const { api } = useSession();
  const me = useMe();
  const loaded = useLoad(() => api.conversation(conversationId), [api, conversationId]);
  useLiveReload(['chat.conversation'], loaded.reload);
  const detail = loaded.data;
  const { nameOf, avatarOf, contacts } = usePeople(detail?.members.map((m) => m.userId) ?? []);
  const action = useAction();
  const [confirmLeave, setConfirmLeave] = useState(false);
  const [inviting, setInviting] = useState(false);
  const [picked, setPicked] = useState<ReadonlySet<string>>(new Set());
  const back = pathTo('conversation', { conversationId });

  if (!detail) {
    return (
      <Page title={t('chats.settings')} back={back}>
        {loaded.error ? <FormError error={loaded.error} /> : <Spinner label={t('common.loading')} />}
      </Page>
    );
  }

  const group = detail.kind === 'group';
  const manager = group && isManager(detail.myRole);

  const toggle = (key: keyof ConversationSettings, value: boolean) => {
    loaded.setData((current) => (current ? { ...current, [key]: value } : current));
    void action.run(key, async () => {
      try {
        const summary = await api.updateConversationSettings(conversationId, { [key]: value });
        loaded.setData((current) => (current ? { ...current, ...settingsOf(summary) } : current));
      } catch (caught) {
        loaded.setData((current) => (current ? { ...current, [key]: !value } : current));
        throw caught;
      }
    });
  };

  const setMuteAll = (value: boolean) => {
    void action.run('muteAll', async () => {
      const updated = await api.updateGroup(conversationId, { muteAll: value });
      loaded.setData(updated);
    });
  };

  const leave = () => {
    if (!confirmLeave) {
      setConfirmLeave(true);
      return;
    }
    void action.run('leave', async () => {
      await api.leaveConversation(conversationId);
      navigate(ROUTES.chats, { replace: true });
    });
  };

  const removeMember = (userId: string) => {
    void action.run(`remove:${userId}`, async () => {
      await api.removeMember(conversationId, userId);
      loaded.reload();
    });
  };

  const invite = () => {
    if (picked.size === 0) return;
    void action.run('invite', async () => {
      const updated = await api.inviteMembers(conversationId, [...picked]);
      loaded.setData(updated);
      setPicked(new Set());
      setInviting(false);
    });
  };

  const memberIds = new Set(detail.members.map((m) => m.userId));
  const roleOrder = { owner: 0, admin: 1, member: 2 } as const;
  const members = [...detail.members].sort((a, b) => roleOrder[a.role] - roleOrder[b.role]);

  return (
    <Page title={t('chats.settings')} back={back}>
      <FormError error={action.error} />
      {manager ? (
        <section className="card">
          <AvatarEditor
            name={detail.name ?? ''}
            avatarId={detail.avatarId}
            testId="settings-avatar"
            upload={async (file) => loaded.setData(await api.setGroupAvatar(conversationId, file))}
          />
        </section>
      ) : null}
      <h2 className="section-title">
        {group ? t('chats.members', { count: detail.members.length }) : conversationName(detail, nameOf, t)}
      </h2>
      <ul className="list contact-list" data-testid="settings-members">
        {members.map((member) => {
          const name = nameOf(member.userId);
          return (
            <li key={member.userId}>
              <div
                className="row contact-row"
                data-testid="settings-member"
                data-user-id={member.userId}
                data-role={member.role}
              >
                <Avatar name={name} size="small" avatarId={avatarOf(member.userId)} />
                <Link to={pathTo('contact', { userId: member.userId })} className="contact-name member-name">
                  {member.userId === me.id ? t('chats.me_suffix', { name: me.displayName }) : name}
                </Link>
                {group && member.role !== 'member' ? (
                  <span className={member.role === 'owner' ? 'pill pill-orange' : 'pill pill-green'}>
                    {t(member.role === 'owner' ? 'chats.role_owner' : 'chats.role_admin')}
                  </span>
                ) : null}
                {group && canRemoveMember(detail.myRole, member.role, member.userId === me.id) ? (
                  <button
                    type="button"
                    className="button button-danger-outline button-small"
                    data-testid="settings-remove"
                    disabled={action.pending !== null}
                    aria-label={t('chats.remove_member_label', { name })}
                    onClick={() => removeMember(member.userId)}
                  >
                    {t('chats.remove_member')}
                  </button>
                ) : null}
              </div>
            </li>
          );
        })}
      </ul>

      {group ? (
        inviting ? (
          <section className="invite">
            <h2 className="section-title">{t('chats.invite_title')}</h2>
            {contacts.data?.contacts.some((c) => !memberIds.has(c.user.id)) ? (
              <ContactPicker
                contacts={contacts.data.contacts}
                exclude={memberIds}
                selected={picked}
                multiple
                onPick={(userId) =>
                  setPicked((current) => {
                    const next = new Set(current);
                    if (next.has(userId)) next.delete(userId);
                    else next.add(userId);
                    return next;
                  })
                }
              />
            ) : (
              <p className="page-intro">{t('chats.no_one_to_invite')}</p>
            )}
            <div className="button-row">
              <button type="button" className="button button-secondary" onClick={() => setInviting(false)}>
                {t('common.cancel')}
              </button>
              <button
                type="button"
                className="button button-primary"
                data-testid="settings-invite-submit"
                disabled={picked.size === 0 || action.pending !== null}
                onClick={invite}
              >
                {t('chats.invite_submit', { count: picked.size })}
              </button>
            </div>
          </section>
        ) : (
          <nav className="list">
            <button
              type="button"
              className="row"
              data-testid="settings-invite"
              onClick={() => setInviting(true)}
            >
              <span className="row-icon tone-green">
                <UserPlusIcon size={18} />
              </span>
              <span className="row-label">{t('chats.invite')}</span>
            </button>
          </nav>
        )
      ) : null}

      {manager ? <GroupForm detail={detail} onSaved={(updated) => loaded.setData(updated)} /> : null}
      {group && !manager && detail.announcement ? (
        <section className="card form-card">
          <h2 className="field-label">{t('chats.announcement')}</h2>
          <p className="announcement-text">{detail.announcement}</p>
        </section>
      ) : null}

      <div className="list">
        {SWITCHES.map((item) => (
          <SwitchRow
            key={item.key}
            label={t(item.label)}
            hint={t(item.hint)}
            checked={detail[item.key]}
            busy={action.pending === item.key}
            testId={item.testId}
            onChange={(value) => toggle(item.key, value)}
          />
        ))}
        {manager ? (
          <SwitchRow
            label={t('chats.setting_mute_all')}
            hint={t('chats.setting_mute_all_hint')}
            checked={detail.muteAll}
            busy={action.pending === 'muteAll'}
            testId="settings-mute-all"
            onChange={setMuteAll}
          />
        ) : null}
      </div>

      {group ? (
        <nav className="list">
          <button
            type="button"
            className="row row-danger"
            data-testid="settings-leave"
            data-confirming={confirmLeave}
            disabled={action.pending !== null}
            onClick={leave}
          >
            <span className="row-icon tone-red">
              <LogoutIcon size={18} />
            </span>
            <span className="row-label">{confirmLeave ? t('chats.leave_confirm') : t('chats.leave')}</span>
          </button>
        </nav>
      ) : null}
    </Page>
  );
}

function settingsOf(summary: ConversationSettings): ConversationSettings {
  return { muted: summary.muted, pinned: summary.pinned, archived: summary.archived };
}

function GroupForm({
  detail,
  onSaved,
}: {
  detail: ConversationDetail;
  onSaved: (d: ConversationDetail) => void;
}) {
  const { t } = useI18n();
  const { api } = useSession();
  const [name, setName] = useState(detail.name ?? '');
  const [announcement, setAnnouncement] = useState(detail.announcement ?? '');
  const [saved, setSaved] = useState(false);
  const { pending, error, run } = useSubmit();
  const announcementId = useId();

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setSaved(false);
    const patch: { name?: string; announcement?: string | null } = {};
    if (name.trim() !== '' && name.trim() !== detail.name) patch.name = name.trim();
    const text = announcement.trim();
    if (text !== (detail.announcement ?? '')) patch.announcement = text === '' ? null : text;
    if (Object.keys(patch).length === 0) return;
    void run(async () => {
      const updated = await api.updateGroup(detail.id, patch);
      onSaved(updated);
      setSaved(true);
    });
  };

  return (
    <form className="card form-card" onSubmit={submit} noValidate>
      <FormError error={error} />
      {saved ? <FormSuccess testId="settings-group-saved">{t('chats.group_saved')}</FormSuccess> : null}
      <TextField
        label={t('chats.group_name')}
        value={name}
        onValueChange={(value) => {
          setName(value);
          setSaved(false);
        }}
        testId="settings-group-name"
        maxLength={GROUP_NAME_MAX_LENGTH}
        autoComplete="off"
      />
      <div className="field">
        <label className="field-label" htmlFor={announcementId}>
          {t('chats.announcement')}
        </label>
        <textarea
          id={announcementId}
          className="input textarea"
          rows={3}
          value={announcement}
          placeholder={t('chats.announcement_placeholder')}
          data-testid="settings-announcement"
          onChange={(event) => {
            setAnnouncement(event.target.value);
            setSaved(false);
          }}
        />
      </div>
      <SubmitButton
        pending={pending}
        label={t('common.save')}
        pendingLabel={t('common.saving')}
        testId="settings-group-save"
      />
    </form>
  );
}
