import type { BankCard, TopUp } from '@jiaozi/protocol';
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { useI18n } from '../../i18n/context.js';
import { Link, navigate } from '../../router.js';
import { ROUTES } from '../../routes.js';
import { useMe, useSession } from '../../session.js';
import { type FieldProblem, FormError, SubmitButton, useSubmit } from '../../ui/form.js';
import { CardIcon, CheckIcon, ShieldIcon, XCircleIcon } from '../../ui/icons.js';
import { EmptyState, Page } from '../../ui/layout.js';
import { PinSheet } from '../../ui/pin-sheet.js';
import { useLoad } from '../../ui/use-load.js';
import { parseAmountInput } from '../../wallet/amount.js';
import { pollUntilSettled } from '../../wallet/poll.js';
import {
  AmountField,
  amountProblem,
  CardSelect,
  cardLabel,
  Spinner,
  useIntentIds,
  useMoney,
} from './common.js';

type Mode = 'topup' | 'withdraw';

/** Top up from a card, or withdraw to one: a form, then the bank's answer as it comes. */
export function BankOperationScreen({ mode }: { mode: Mode }) {
  const { t } = useI18n();
  const { api, config } = useSession();
  const me = useMe();
  const money = useMoney();
  const cards = useLoad(() => api.cards(), [api]);
  const summary = useLoad(() => api.wallet(), [api]);
  const ids = useIntentIds();
  const [cardId, setCardId] = useState('');
  const [amount, setAmount] = useState('');
  const [fieldError, setFieldError] = useState<FieldProblem | null>(null);
  const [operation, setOperation] = useState<TopUp | null>(null);
  const [confirming, setConfirming] = useState<{ card: BankCard; wire: number } | null>(null);
  const created = useRef<TopUp | null>(null);
  const { pending, error, setError, run } = useSubmit();

  const currency = summary.data?.currency ?? config.currency;
  const list = cards.data?.cards ?? [];
  const card = list.find((c) => c.id === cardId) ?? list[0];
  const withdraw = mode === 'withdraw';

  const validate = (): { card: BankCard; wire: number } | null => {
    setError(null);
    if (!card) return null;
    const parsed = parseAmountInput(amount, currency);
    const problem = amountProblem(parsed, t);
    setFieldError(problem);
    return parsed.ok ? { card, wire: parsed.wire } : null;
  };

  const create = async (chosen: BankCard, wire: number, pin?: string): Promise<TopUp> => {
    const id = ids.idFor(`${chosen.id}|${wire}`);
    try {
      const op =
        pin === undefined
          ? await api.createTopUp({ id, cardId: chosen.id, amountMinor: wire })
          : await api.createWithdrawal({ id, cardId: chosen.id, amountMinor: wire, pin });
      ids.settle();
      return op;
    } catch (caught) {
      ids.settleAfter(caught);
      throw caught;
    }
  };

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const valid = validate();
    if (!valid) return;
    if (withdraw) {
      setConfirming(valid);
      return;
    }
    void run(async () => {
      setOperation(await create(valid.card, valid.wire));
    });
  };

  const reset = () => {
    setOperation(null);
    setAmount('');
    setFieldError(null);
    setError(null);
    summary.reload();
  };

  const title = withdraw ? t('withdraw.title') : t('topup.title');
  const prefix = withdraw ? 'withdraw' : 'topup';

  if (operation) {
    const opCard = list.find((c) => c.id === operation.cardId);
    return (
      <Page title={title} back={ROUTES.wallet}>
        <OperationStatus
          mode={mode}
          operation={operation}
          cardName={opCard ? cardLabel(opCard, t) : ''}
          onChange={setOperation}
          onSettled={summary.reload}
          balance={
            operation.status !== 'pending' && summary.data && !summary.loading
              ? money.format(summary.data.balanceMinor, summary.data.currency)
              : null
          }
          onAgain={reset}
        />
      </Page>
    );
  }

  return (
    <Page title={title} back={ROUTES.wallet}>
      <p className="page-intro">{withdraw ? t('withdraw.intro') : t('topup.intro')}</p>
      {withdraw && !me.hasPin ? (
        <section className="banner banner-info">
          <ShieldIcon size={20} className="banner-icon" />
          <span>{t('wallet.pin_reminder')}</span>
          <Link to={ROUTES.pin} className="banner-action">
            {t('wallet.pin_reminder_action')}
          </Link>
        </section>
      ) : null}
      {cards.data === null ? (
        cards.error ? (
          <>
            <FormError error={cards.error} />
            <button type="button" className="button button-secondary button-block" onClick={cards.reload}>
              {t('common.retry')}
            </button>
          </>
        ) : (
          <Spinner label={t('common.loading')} />
        )
      ) : list.length === 0 || !card ? (
        <div className="card">
          <EmptyState icon={<CardIcon size={36} />} title={t('bank.no_cards_title')}>
            {t('bank.no_cards_body')}
          </EmptyState>
          <div className="card-footer">
            <Link
              to={ROUTES.walletCards}
              className="button button-primary button-block"
              data-testid="open-cards"
            >
              {t('wallet.cards_add')}
            </Link>
          </div>
        </div>
      ) : (
        <form className="card form-card" onSubmit={submit} noValidate>
          <FormError error={error} />
          <CardSelect
            label={withdraw ? t('withdraw.card') : t('topup.card')}
            cards={list}
            value={card.id}
            onValueChange={setCardId}
            testId={`${prefix}-card`}
          />
          <AmountField
            label={t('amount.label')}
            value={amount}
            onValueChange={(value) => {
              setAmount(value);
              setFieldError(null);
            }}
            currency={currency}
            testId={`${prefix}-amount`}
            error={fieldError}
            hint={
              withdraw && summary.data
                ? t('amount.available', { amount: money.format(summary.data.availableMinor, currency) })
                : undefined
            }
            trailing={
              withdraw && summary.data && summary.data.availableMinor > 0 ? (
                <button
                  type="button"
                  className="amount-all"
                  data-testid="withdraw-all"
                  onClick={() => {
                    if (summary.data) setAmount(money.plain(summary.data.availableMinor, currency));
                    setFieldError(null);
                  }}
                >
                  {t('withdraw.all')}
                </button>
              ) : null
            }
          />
          <SubmitButton
            pending={pending}
            label={withdraw ? t('withdraw.submit') : t('topup.submit')}
            pendingLabel={t('topup.submitting')}
            testId={`${prefix}-submit`}
          />
        </form>
      )}

      {confirming ? (
        <PinSheet
          title={t('withdraw.pin_title', { card: cardLabel(confirming.card, t) })}
          amount={money.format(confirming.wire, currency)}
          length={config.limits.pinLength}
          onSubmit={async (pin) => {
            created.current = await create(confirming.card, confirming.wire, pin);
          }}
          onFail={(caught) => {
            setConfirming(null);
            setError(caught);
          }}
          onDone={() => {
            setConfirming(null);
            if (created.current) setOperation(created.current);
          }}
          onClose={() => setConfirming(null)}
        />
      ) : null}
    </Page>
  );
}

function OperationStatus({
  mode,
  operation,
  cardName,
  balance,
  onChange,
  onSettled,
  onAgain,
}: {
  mode: Mode;
  operation: TopUp;
  cardName: string;
  balance: string | null;
  onChange: (operation: TopUp) => void;
  onSettled: () => void;
  onAgain: () => void;
}) {
  const { t } = useI18n();
  const { api } = useSession();
  const money = useMoney();
  const [pollError, setPollError] = useState<unknown>(null);
  const [round, setRound] = useState(0);
  const { id, status } = operation;
  const withdraw = mode === 'withdraw';

  // biome-ignore lint/correctness/useExhaustiveDependencies: `round` restarts polling after a failure.
  useEffect(() => {
    if (status !== 'pending') return;
    const controller = new AbortController();
    setPollError(null);
    const get = () => (withdraw ? api.withdrawal(id) : api.topUp(id));
    pollUntilSettled(get, { signal: controller.signal, onUpdate: onChange }).then(onSettled, (caught) => {
      if (!controller.signal.aborted) setPollError(caught);
    });
    return () => controller.abort();
  }, [api, id, status, withdraw, round]);

  const amount = money.format(operation.amountMinor, operation.currency);
  const prefix = withdraw ? 'withdraw' : 'topup';
  return (
    <section
      className={`card op-status op-status-${operation.status}`}
      data-testid={`${prefix}-status`}
      data-status={operation.status}
      data-id={operation.id}
      aria-live="polite"
    >
      <div className="op-status-icon" aria-hidden="true">
        {operation.status === 'pending' ? (
          <span className="spinner spinner-dark spinner-large" />
        ) : operation.status === 'succeeded' ? (
          <CheckIcon size={56} />
        ) : (
          <XCircleIcon size={56} />
        )}
      </div>
      <h2 className="op-status-title">
        {operation.status === 'pending'
          ? t('bank.pending')
          : operation.status === 'succeeded'
            ? withdraw
              ? t('withdraw.succeeded')
              : t('topup.succeeded')
            : withdraw
              ? t('withdraw.failed')
              : t('topup.failed')}
      </h2>
      <p className="op-status-amount">{amount}</p>
      {cardName ? <p className="op-status-card">{cardName}</p> : null}
      <p className="op-status-body">
        {operation.status === 'pending'
          ? t('bank.pending_body')
          : operation.status === 'succeeded'
            ? withdraw
              ? t('withdraw.succeeded_body', { amount, card: cardName })
              : t('topup.succeeded_body', { amount })
            : withdraw
              ? t('withdraw.failed_body')
              : t('topup.failed_body')}
      </p>
      {operation.status === 'failed' && operation.failureReason ? (
        <p className="op-status-reason" data-testid={`${prefix}-failure`}>
          {t('bank.failed_reason', { reason: operation.failureReason })}
        </p>
      ) : null}
      {balance ? <p className="op-status-balance">{t('bank.balance_now', { amount: balance })}</p> : null}
      {pollError ? (
        <div className="op-status-error">
          <p className="banner banner-info">{t('bank.poll_failed')}</p>
          <button
            type="button"
            className="button button-secondary button-block"
            onClick={() => setRound((n) => n + 1)}
          >
            {t('bank.check_again')}
          </button>
        </div>
      ) : null}
      {operation.status === 'pending' ? null : (
        <div className="op-status-actions">
          <button
            type="button"
            className="button button-primary button-block"
            data-testid={`${prefix}-done`}
            onClick={() => navigate(ROUTES.wallet)}
          >
            {t('common.done')}
          </button>
          <button type="button" className="button button-secondary button-block" onClick={onAgain}>
            {withdraw ? t('withdraw.again') : t('topup.again')}
          </button>
        </div>
      )}
    </section>
  );
}
