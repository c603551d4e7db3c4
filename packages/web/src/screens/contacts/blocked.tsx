import { useI18n } from '../../i18n/context.js';
import { Link } from '../../router.js';
import { pathTo, ROUTES } from '../../routes.js';
import { useSession } from '../../session.js';
import { publicName } from '../../social/contacts.js';
import { FormError } from '../../ui/form.js';
import { Page } from '../../ui/layout.js';
import { useLoad } from '../../ui/use-load.js';
import { Spinner, useAction } from '../wallet/common.js';
import { UserLine } from './common.js';

/** Everyone I blocked, each with Unblock. */
export function BlockedScreen() {
  const { t } = useI18n();
  const { api } = useSession();
  const blocked = useLoad(() => api.blocks(), [api]);
  const action = useAction();

  const unblock = (userId: string) => {
    void action.run(userId, async () => {
      await api.unblock(userId);
      blocked.setData((current) => ({ users: (current?.users ?? []).filter((u) => u.id !== userId) }));
    });
  };

  const users = blocked.data?.users ?? [];
  return (
    <Page title={t('blocked.title')} back={ROUTES.contacts}>
      <p className="page-intro">{t('blocked.intro')}</p>
      <FormError error={action.error ?? (blocked.data ? null : blocked.error)} />
      {blocked.data === null ? (
        blocked.error ? (
          <button type="button" className="button button-secondary button-small" onClick={blocked.reload}>
            {t('common.retry')}
          </button>
        ) : (
          <Spinner label={t('common.loading')} />
        )
      ) : users.length === 0 ? (
        <p className="card list-note" data-testid="blocked-empty">
          {t('blocked.empty')}
        </p>
      ) : (
        <ul className="list">
          {users.map((user) => (
            <li key={user.id} className="blocked-row" data-testid="blocked-row" data-user-id={user.id}>
              <Link to={pathTo('contact', { userId: user.id })} className="blocked-who">
                <UserLine user={user} />
              </Link>
              <button
                type="button"
                className="button button-secondary button-small"
                data-testid="blocked-unblock"
                aria-label={t('blocked.unblock_label', { name: publicName(user) })}
                disabled={action.pending !== null}
                onClick={() => unblock(user.id)}
              >
                {action.pending === user.id ? t('blocked.unblocking') : t('blocked.unblock')}
              </button>
            </li>
          ))}
        </ul>
      )}
    </Page>
  );
}
