import type { PaymentRequest } from '@jiaozi/protocol';
import { type ComponentType, useState } from 'react';
import { formatRelativeTime } from '../../format.js';
import { useI18n } from '../../i18n/context.js';
import { useLiveReload } from '../../realtime/live.js';
import { Link } from '../../router.js';
import { ROUTES } from '../../routes.js';
import { useMe, useSession } from '../../session.js';
import { FormError, FormSuccess } from '../../ui/form.js';
import {
  BarcodeIcon,
  type IconProps,
  QrIcon,
  ReceiptIcon,
  RequestIcon,
  ScanIcon,
  SendIcon,
  ShieldIcon,
  TopUpIcon,
  WithdrawIcon,
} from '../../ui/icons.js';
import { EmptyState, Page } from '../../ui/layout.js';
import { PinSheet } from '../../ui/pin-sheet.js';
import { useLoad } from '../../ui/use-load.js';
import { cardLabel, HistoryRow, useAction, useIntentIds, useMoney } from './common.js';

const ACTIONS: readonly {
  id: string;
  to: string;
  label:
    | 'wallet.action_topup'
    | 'wallet.action_withdraw'
    | 'wallet.action_send'
    | 'wallet.action_request'
    | 'wallet.action_qr'
    | 'wallet.action_scan'
    | 'wallet.action_paycode'
    | 'wallet.action_history';
  Icon: ComponentType<IconProps>;
}[] = [
  { id: 'action-topup', to: ROUTES.walletTopUp, label: 'wallet.action_topup', Icon: TopUpIcon },
  { id: 'action-withdraw', to: ROUTES.walletWithdraw, label: 'wallet.action_withdraw', Icon: WithdrawIcon },
  { id: 'action-send', to: ROUTES.walletSend, label: 'wallet.action_send', Icon: SendIcon },
  { id: 'action-request', to: ROUTES.walletRequest, label: 'wallet.action_request', Icon: RequestIcon },
  { id: 'action-qr', to: ROUTES.walletQr, label: 'wallet.action_qr', Icon: QrIcon },
  { id: 'action-scan', to: ROUTES.walletScan, label: 'wallet.action_scan', Icon: ScanIcon },
  { id: 'action-paycode', to: ROUTES.walletPayCode, label: 'wallet.action_paycode', Icon: BarcodeIcon },
  { id: 'action-history', to: ROUTES.walletHistory, label: 'wallet.action_history', Icon: ReceiptIcon },
];

export function WalletScreen() {
  const { t } = useI18n();
  const { api, config } = useSession();
  const me = useMe();
  const money = useMoney();
  const summary = useLoad(() => api.wallet(), [api]);
  const cards = useLoad(() => api.cards(), [api]);
  const recent = useLoad(() => api.history({}, { limit: 5 }), [api]);
  const incoming = useLoad(() => api.paymentRequests('incoming'), [api]);
  const fund = useLoad(() => api.fund(), [api]);
  // Money received, a bank answer, a request: the wallet shows it as it happens.
  useLiveReload(['wallet.'], () => {
    summary.reload();
    recent.reload();
    incoming.reload();
  });
  const ids = useIntentIds();
  const action = useAction();
  const [paying, setPaying] = useState<PaymentRequest | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const currency = summary.data?.currency ?? config.currency;
  const pendingRequests = (incoming.data?.requests ?? []).filter((r) => r.status === 'pending');

  const refresh = () => {
    summary.reload();
    recent.reload();
    incoming.reload();
  };

  const pay = async (request: PaymentRequest, pin: string) => {
    try {
      await api.payPaymentRequest(request.id, { transferId: ids.idFor(request.id), pin });
      ids.settle();
    } catch (error) {
      ids.settleAfter(error);
      throw error;
    }
  };

  const decline = (request: PaymentRequest) => {
    setNotice(null);
    void action.run(request.id, async () => {
      await api.declinePaymentRequest(request.id);
      setNotice(t('wallet.request_declined', { name: request.requester.displayName }));
      incoming.reload();
    });
  };

  return (
    <Page title={t('tabs.wallet')} tabbed>
      <section className="balance-card" aria-labelledby="balance-label" aria-busy={summary.loading}>
        <p className="balance-label" id="balance-label">
          {t('wallet.balance')} · {currency}
        </p>
        {summary.data ? (
          <p className="balance-amount" data-testid="wallet-balance">
            {money.format(summary.data.balanceMinor, currency)}
          </p>
        ) : (
          <p className="balance-amount balance-skeleton" aria-hidden="true">
            {'\u00a0'}
          </p>
        )}
        <p className="balance-sub">
          {summary.data ? (
            <>
              <span>
                {t('wallet.available')}{' '}
                <span className="balance-sub-amount" data-testid="wallet-available">
                  {money.format(summary.data.availableMinor, currency)}
                </span>
              </span>
              {summary.data.incomingPendingMinor > 0 ? (
                <span>
                  {t('wallet.incoming_pending')}{' '}
                  <span className="balance-sub-amount" data-testid="wallet-incoming">
                    {money.format(summary.data.incomingPendingMinor, currency)}
                  </span>
                </span>
              ) : null}
            </>
          ) : (
            '\u00a0'
          )}
        </p>
      </section>
      {summary.error ? (
        <div className="wallet-load-error">
          <FormError error={summary.error} />
          <button type="button" className="button button-secondary button-small" onClick={refresh}>
            {t('common.retry')}
          </button>
        </div>
      ) : null}

      <nav className="card wallet-actions" aria-label={t('wallet.actions')}>
        {ACTIONS.map(({ id, to, label, Icon }) => (
          <Link key={id} to={to} className="wallet-action" data-testid={id}>
            <span className="wallet-action-icon">
              <Icon size={24} />
            </span>
            <span>{t(label)}</span>
          </Link>
        ))}
      </nav>

      <Link to={ROUTES.fund} className="card row fund-entry" data-testid="open-fund">
        <span className="row-icon tone-teal" aria-hidden="true">
          <ShieldIcon size={20} />
        </span>
        <span className="history-main">
          <span className="history-title">{t('fund.entry_title')}</span>
          <span className="history-meta">
            {fund.data?.sevenDayYieldPercent
              ? t('fund.entry_body', { percent: `${fund.data.sevenDayYieldPercent}%` })
              : t('fund.entry_empty')}
          </span>
        </span>
        <span className="history-side" data-testid="open-fund-balance">
          {fund.data ? money.format(fund.data.balanceMinor, fund.data.currency) : ''}
        </span>
      </Link>

      {me.hasPin ? null : (
        <section className="banner banner-info wallet-pin">
          <ShieldIcon size={20} className="banner-icon" />
          <span>{t('wallet.pin_reminder')}</span>
          <Link to={ROUTES.pin} className="banner-action">
            {t('wallet.pin_reminder_action')}
          </Link>
        </section>
      )}

      {notice ? (
        <div className="wallet-notice">
          <FormSuccess testId="wallet-notice">{notice}</FormSuccess>
        </div>
      ) : null}
      {action.error ? (
        <div className="wallet-notice">
          <FormError error={action.error} />
        </div>
      ) : null}

      {pendingRequests.length > 0 ? (
        <>
          <h2 className="section-title">{t('wallet.requests_incoming')}</h2>
          <ul className="list">
            {pendingRequests.map((request) => (
              <IncomingRequest
                key={request.id}
                request={request}
                busy={action.pending === request.id}
                onPay={() => {
                  setNotice(null);
                  action.setError(null);
                  setPaying(request);
                }}
                onDecline={() => decline(request)}
              />
            ))}
          </ul>
        </>
      ) : null}

      <div className="section-head">
        <h2 className="section-title">{t('wallet.cards')}</h2>
        <Link to={ROUTES.walletCards} className="section-link" data-testid="open-cards">
          {cards.data && cards.data.cards.length === 0 ? t('wallet.cards_add') : t('wallet.cards_manage')}
        </Link>
      </div>
      <div className="list wallet-cards">
        {cards.data === null ? (
          <div className="list-note">
            {cards.error ? <FormError error={cards.error} /> : t('common.loading')}
          </div>
        ) : cards.data.cards.length === 0 ? (
          <p className="list-note">{t('wallet.cards_empty')}</p>
        ) : (
          cards.data.cards.map((card) => (
            <div key={card.id} className="row wallet-card" data-testid="wallet-card" data-id={card.id}>
              <span className="bank-badge" aria-hidden="true">
                {Array.from(card.bankName)[0] ?? '?'}
              </span>
              <span className="row-label">{cardLabel(card, t)}</span>
              <span className="row-value">{card.holderName}</span>
            </div>
          ))
        )}
      </div>

      <div className="section-head">
        <h2 className="section-title">{t('wallet.transactions')}</h2>
        <Link to={ROUTES.walletHistory} className="section-link" data-testid="history-see-all">
          {t('wallet.see_all')}
        </Link>
      </div>
      {recent.data === null ? (
        <div className="card">
          {recent.error ? (
            <div className="list-note">
              <FormError error={recent.error} />
            </div>
          ) : (
            <p className="list-note">{t('common.loading')}</p>
          )}
        </div>
      ) : recent.data.items.length === 0 ? (
        <div className="card">
          <EmptyState icon={<ReceiptIcon size={36} />} title={t('wallet.empty_title')}>
            {t('wallet.empty_body')}
          </EmptyState>
        </div>
      ) : (
        <div className="list">
          {recent.data.items.slice(0, 5).map((item) => (
            <HistoryRow key={item.id} item={item} />
          ))}
        </div>
      )}

      {paying ? (
        <PinSheet
          title={t('wallet.pay_request_title', { name: paying.requester.displayName })}
          description={paying.note || undefined}
          amount={money.format(paying.amountMinor, paying.currency)}
          length={config.limits.pinLength}
          onSubmit={(pin) => pay(paying, pin)}
          onFail={(error) => {
            setPaying(null);
            action.setError(error);
            incoming.reload();
          }}
          onDone={() => {
            setNotice(
              t('wallet.request_paid', {
                name: paying.requester.displayName,
                amount: money.format(paying.amountMinor, paying.currency),
              }),
            );
            setPaying(null);
            refresh();
          }}
          onClose={() => setPaying(null)}
        />
      ) : null}
    </Page>
  );
}

function IncomingRequest({
  request,
  busy,
  onPay,
  onDecline,
}: {
  request: PaymentRequest;
  busy: boolean;
  onPay: () => void;
  onDecline: () => void;
}) {
  const { t, lang } = useI18n();
  const money = useMoney();
  return (
    <li className="request-row" data-testid="incoming-request" data-id={request.id}>
      <div className="request-main">
        <p className="request-name">{request.requester.displayName}</p>
        <p className="request-meta">
          {request.note ? `${request.note} · ` : ''}
          {t('wallet.request_expires', { time: formatRelativeTime(request.expiresAt, lang) })}
        </p>
      </div>
      <p className="request-amount">{money.format(request.amountMinor, request.currency)}</p>
      <div className="request-actions">
        <button
          type="button"
          className="button button-secondary button-small"
          data-testid="request-decline"
          disabled={busy}
          onClick={onDecline}
        >
          {busy ? t('wallet.request_declining') : t('wallet.request_decline')}
        </button>
        <button
          type="button"
          className="button button-primary button-small"
          data-testid="request-pay"
          disabled={busy}
          onClick={onPay}
        >
          {t('wallet.request_pay')}
        </button>
      </div>
    </li>
  );
}
