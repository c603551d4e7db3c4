import { formatMoney, handleOf } from '../format.js';
import { useI18n } from '../i18n/context.js';
import { Link } from '../router.js';
import { ROUTES } from '../routes.js';
import { useMe, useSession } from '../session.js';
import {
  ChatIcon,
  ContactsIcon,
  GridIcon,
  PayIcon,
  ReceiptIcon,
  ScanIcon,
  ShieldIcon,
  TopUpIcon,
  TransferIcon,
} from '../ui/icons.js';
import { EmptyState, Page } from '../ui/layout.js';

export function ChatsScreen() {
  const { t } = useI18n();
  return (
    <Page title={t('tabs.chats')} tabbed>
      <EmptyState icon={<ChatIcon size={40} />} title={t('chats.empty_title')}>
        {t('chats.empty_body')}
      </EmptyState>
    </Page>
  );
}

export function ContactsScreen() {
  const { t } = useI18n();
  const me = useMe();
  return (
    <Page title={t('tabs.contacts')} tabbed>
      <EmptyState icon={<ContactsIcon size={40} />} title={t('contacts.empty_title')}>
        {t('contacts.empty_body', { handle: handleOf(me) })}
      </EmptyState>
    </Page>
  );
}

export function WalletScreen() {
  const { t, lang } = useI18n();
  const { config } = useSession();
  const me = useMe();
  const actions = [
    { key: 'scan', label: t('wallet.scan'), Icon: ScanIcon },
    { key: 'pay', label: t('wallet.pay'), Icon: PayIcon },
    { key: 'top-up', label: t('wallet.top_up'), Icon: TopUpIcon },
    { key: 'transfer', label: t('wallet.transfer'), Icon: TransferIcon },
  ] as const;
  return (
    <Page title={t('tabs.wallet')} tabbed>
      <section className="balance-card" aria-labelledby="balance-label">
        <p className="balance-label" id="balance-label">
          {t('wallet.balance')} · {config.currency}
        </p>
        <p className="balance-amount" data-testid="wallet-balance">
          {formatMoney(0n, config.currency, lang)}
        </p>
        <p className="balance-note">{t('wallet.balance_note')}</p>
      </section>

      <section className="card wallet-actions" aria-label={t('wallet.actions')}>
        {actions.map(({ key, label, Icon }) => (
          <button key={key} type="button" className="wallet-action" disabled aria-describedby="wallet-soon">
            <span className="wallet-action-icon">
              <Icon size={24} />
            </span>
            <span>{label}</span>
          </button>
        ))}
        <span id="wallet-soon" className="pill wallet-soon">
          {t('common.soon')}
        </span>
      </section>

      {me.hasPin ? null : (
        <section className="banner banner-info wallet-pin">
          <ShieldIcon size={20} className="banner-icon" />
          <span>{t('wallet.pin_reminder')}</span>
          <Link to={ROUTES.pin} className="banner-action">
            {t('wallet.pin_reminder_action')}
          </Link>
        </section>
      )}

      <h2 className="section-title">{t('wallet.transactions')}</h2>
      <div className="card">
        <EmptyState icon={<ReceiptIcon size={36} />} title={t('wallet.empty_title')}>
          {t('wallet.empty_body')}
        </EmptyState>
      </div>
    </Page>
  );
}

export function DiscoverScreen() {
  const { t } = useI18n();
  return (
    <Page title={t('tabs.discover')} tabbed>
      <EmptyState icon={<GridIcon size={40} />} title={t('discover.empty_title')}>
        {t('discover.empty_body')}
      </EmptyState>
    </Page>
  );
}
