import { getCurrency, isCurrencyCode } from '@jiaozi/money';
import type { FundOrder, FundQuote, FundSummary } from '@jiaozi/protocol';
import { type FormEvent, useRef, useState } from 'react';
import { formatDay, formatPlainPercent, instantLeft } from '../fund/fund.js';
import { useI18n } from '../i18n/context.js';
import { useLiveReload } from '../realtime/live.js';
import { Link, navigate } from '../router.js';
import { ROUTES } from '../routes.js';
import { useSession } from '../session.js';
import { type FieldProblem, FormError, SubmitButton } from '../ui/form.js';
import { FundChart } from '../ui/fund-chart.js';
import { CheckIcon } from '../ui/icons.js';
import { Page } from '../ui/layout.js';
import { PinSheet } from '../ui/pin-sheet.js';
import { useLoad } from '../ui/use-load.js';
import { parseAmountInput } from '../wallet/amount.js';
import { AmountField, amountProblem, Spinner, useIntentIds, useMoney } from './wallet/common.js';

/**
 * The money-market fund: what is held, yesterday's income, the cumulative income, the 7-day
 * annualised yield and a chart of the last 30 days; add money or withdraw it.
 */
export function FundScreen() {
  const { t, lang } = useI18n();
  const { api, config } = useSession();
  const money = useMoney();
  const summary = useLoad(() => api.fund(), [api]);
  const history = useLoad(() => api.fundHistory(30), [api]);
  const orders = useLoad(() => api.fundOrders(), [api]);
  useLiveReload(['fund.'], () => {
    summary.reload();
    history.reload();
    orders.reload();
  });
  const s = summary.data;
  const currency = s?.currency ?? config.currency;
  const digits = isCurrencyCode(currency) ? getCurrency(currency).minorDigits : 2;
  const earning = history.data?.days.some((d) => d.incomeMinor > 0) ?? false;
  // The last week's incomes, newest first (days with a yield only).
  const recent = (history.data?.days ?? [])
    .filter((d) => d.per10k !== null)
    .slice(-7)
    .reverse();

  return (
    <Page title={t('fund.title')} back={ROUTES.wallet}>
      <section className="balance-card fund-card" aria-busy={summary.loading}>
        <p className="balance-label">
          {t('fund.total')} · {currency}
        </p>
        <p className="balance-amount" data-testid="fund-balance">
          {s ? money.format(s.balanceMinor, currency) : '\u00a0'}
        </p>
        {s && s.pendingSubscriptionMinor > 0 ? (
          <p className="balance-sub" data-testid="fund-pending">
            {t('fund.pending', { amount: money.format(s.pendingSubscriptionMinor, currency) })}
          </p>
        ) : null}
        <div className="fund-figures">
          <div>
            <p className="fund-figure-label">
              {t('fund.yesterday')}
              {s?.incomeDay ? ` · ${t('fund.income_for', { day: formatDay(s.incomeDay, lang) })}` : ''}
            </p>
            <p className="fund-figure" data-testid="fund-yesterday">
              {s ? money.format(s.yesterdayIncomeMinor, currency) : '\u00a0'}
            </p>
          </div>
          <div>
            <p className="fund-figure-label">{t('fund.cumulative')}</p>
            <p className="fund-figure" data-testid="fund-cumulative">
              {s ? money.format(s.cumulativeIncomeMinor, currency) : '\u00a0'}
            </p>
          </div>
          <div>
            <p className="fund-figure-label">{t('fund.seven_day')}</p>
            <p className="fund-figure" data-testid="fund-seven-day">
              {s ? (formatPlainPercent(s.sevenDayYieldPercent) ?? t('fund.no_figure')) : '\u00a0'}
            </p>
          </div>
        </div>
        {s?.latestPer10k ? (
          <p className="balance-note">{t('fund.per10k', { value: s.latestPer10k })}</p>
        ) : null}
      </section>
      {summary.error ? <FormError error={summary.error} /> : null}

      <div className="fund-actions">
        <Link to={ROUTES.fundRedeem} className="button button-secondary" data-testid="fund-redeem">
          {t('fund.redeem')}
        </Link>
        <Link to={ROUTES.fundSubscribe} className="button button-primary" data-testid="fund-subscribe">
          {t('fund.subscribe')}
        </Link>
      </div>

      <h2 className="section-title">{t('fund.chart_title')}</h2>
      <section className="card fund-chart-card">
        {history.data ? (
          <>
            <FundChart
              days={history.data.days}
              minorDigits={digits}
              incomeLabel={t('fund.chart_income')}
              yieldLabel={t('fund.chart_yield')}
            />
            {earning ? null : <p className="list-note">{t('fund.chart_empty')}</p>}
          </>
        ) : history.error ? (
          <FormError error={history.error} />
        ) : (
          <Spinner label={t('common.loading')} />
        )}
      </section>

      {recent.length > 0 ? (
        <>
          <h2 className="section-title">{t('fund.income_history')}</h2>
          <div className="list">
            {recent.map((d) => (
              <div key={d.day} className="row" data-testid="fund-income-row" data-day={d.day}>
                <span className="history-main">
                  <span className="history-title">{formatDay(d.day, lang)}</span>
                  <span className="history-meta">
                    {t('fund.per10k', { value: d.per10k ?? t('fund.no_figure') })}
                  </span>
                </span>
                <span className="history-amount history-amount-in">
                  {money.signed(d.incomeMinor, 'in', currency)}
                </span>
              </div>
            ))}
          </div>
        </>
      ) : null}

      <h2 className="section-title">{t('fund.orders')}</h2>
      <div className="list">
        {orders.data === null ? (
          <p className="list-note">{t('common.loading')}</p>
        ) : orders.data.orders.length === 0 ? (
          <p className="list-note">{t('fund.orders_empty')}</p>
        ) : (
          orders.data.orders.slice(0, 20).map((o) => <OrderRow key={o.id} order={o} />)
        )}
      </div>
    </Page>
  );
}

function OrderRow({ order }: { order: FundOrder }) {
  const { t, lang } = useI18n();
  const money = useMoney();
  const direction = order.kind === 'subscribe' ? 'in' : 'out';
  const status =
    order.status === 'done'
      ? t('fund.order_done')
      : order.kind === 'subscribe'
        ? t('fund.order_confirms', { day: formatDay(order.effectiveDay, lang) })
        : t('fund.order_arrives', { day: formatDay(order.effectiveDay, lang) });
  return (
    <div className="row" data-testid="fund-order" data-kind={order.kind} data-status={order.status}>
      <span className="history-main">
        <span className="history-title">{t(`fund.order_${order.kind}`)}</span>
        <span className="history-meta">{status}</span>
      </span>
      <span className={`history-amount history-amount-${direction}`}>
        {money.signed(order.amountMinor, direction, order.currency)}
      </span>
    </div>
  );
}

/** What the PIN sheet confirms: the amount and when it takes effect. */
interface Pending {
  wire: number;
  description: string;
  mode: 'instant' | 'normal';
}

/** Add money to the fund, or take it out (instant or next trading day), with the PIN. */
export function FundOrderScreen({ mode }: { mode: 'subscribe' | 'redeem' }) {
  const { t, lang } = useI18n();
  const { api, config } = useSession();
  const money = useMoney();
  const wallet = useLoad(() => api.wallet(), [api]);
  const fund = useLoad(() => api.fund(), [api]);
  const quote = useLoad(() => api.fundQuote(), [api]);
  const ids = useIntentIds();
  const [amount, setAmount] = useState('');
  const [speed, setSpeed] = useState<'instant' | 'normal'>('instant');
  const [fieldError, setFieldError] = useState<FieldProblem | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [confirming, setConfirming] = useState<Pending | null>(null);
  const [done, setDone] = useState<FundOrder | null>(null);
  const result = useRef<FundOrder | null>(null);

  const currency = fund.data?.currency ?? config.currency;
  const q = quote.data;
  const title = mode === 'subscribe' ? t('fund.subscribe_title') : t('fund.redeem_title');
  const max = mode === 'subscribe' ? wallet.data?.availableMinor : fund.data?.sharesMinor;

  const timing = (f: FundSummary | null, qq: FundQuote | null): string => {
    if (!qq) return '';
    if (mode === 'subscribe') {
      return t('fund.subscribe_timing', {
        confirm: formatDay(qq.subscribe.confirmDay, lang),
        earns: formatDay(qq.subscribe.earnsFrom, lang),
      });
    }
    return speed === 'instant'
      ? t('fund.arrives_instant', { left: f ? money.format(instantLeft(f), currency) : '–' })
      : t('fund.arrives_normal', { day: formatDay(qq.redeemNormal.arrivesOn, lang) });
  };

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setError(null);
    const parsed = parseAmountInput(amount, currency, max);
    const problem = amountProblem(parsed, t);
    if (problem || !parsed.ok || !q) {
      if (problem) setFieldError(problem);
      return;
    }
    setFieldError(null);
    const description =
      mode === 'subscribe'
        ? t('fund.subscribe_pin', { day: formatDay(q.subscribe.earnsFrom, lang) })
        : speed === 'instant'
          ? t('fund.redeem_pin_instant')
          : t('fund.redeem_pin_normal', { day: formatDay(q.redeemNormal.arrivesOn, lang) });
    setConfirming({ wire: parsed.wire, description, mode: speed });
  };

  const send = async (p: Pending, pin: string) => {
    const id = ids.idFor(`${mode}|${p.mode}|${p.wire}`);
    try {
      result.current =
        mode === 'subscribe'
          ? await api.subscribeFund({ id, amountMinor: p.wire, pin })
          : await api.redeemFund({ id, amountMinor: p.wire, mode: p.mode, pin });
      ids.settle();
    } catch (caught) {
      ids.settleAfter(caught);
      throw caught;
    }
  };

  if (done) {
    const body =
      done.kind === 'subscribe'
        ? t('fund.subscribe_done_body', { day: formatDay(done.effectiveDay, lang) })
        : done.kind === 'redeem_instant'
          ? t('fund.redeem_done_instant')
          : t('fund.redeem_done_normal', { day: formatDay(done.effectiveDay, lang) });
    return (
      <Page title={title} back={ROUTES.fund}>
        <section className="card receipt" data-testid="fund-order-success" data-kind={done.kind}>
          <div className="receipt-icon" aria-hidden="true">
            <CheckIcon size={56} />
          </div>
          <h2 className="receipt-title">
            {t(done.kind === 'subscribe' ? 'fund.subscribe_done' : 'fund.redeem_done', {
              amount: money.format(done.amountMinor, done.currency),
            })}
          </h2>
          <p className="receipt-body" data-testid="fund-order-success-body">
            {body}
          </p>
          <div className="op-status-actions">
            <button
              type="button"
              className="button button-primary button-block"
              data-testid="fund-order-done"
              onClick={() => navigate(ROUTES.fund)}
            >
              {t('fund.back_to_fund')}
            </button>
          </div>
        </section>
      </Page>
    );
  }

  return (
    <Page title={title} back={ROUTES.fund}>
      <form className="card form-card" onSubmit={submit} noValidate>
        <FormError error={fieldError ? null : error} />
        {mode === 'redeem' ? (
          <fieldset className="segmented segmented-small">
            <legend className="field-label">{t('fund.mode')}</legend>
            {(['instant', 'normal'] as const).map((m) => (
              <button
                key={m}
                type="button"
                className="segment"
                aria-pressed={speed === m}
                data-testid={`fund-mode-${m}`}
                onClick={() => setSpeed(m)}
              >
                {t(m === 'instant' ? 'fund.mode_instant' : 'fund.mode_normal')}
              </button>
            ))}
          </fieldset>
        ) : null}
        <AmountField
          label={t('amount.label')}
          value={amount}
          onValueChange={(value) => {
            setAmount(value);
            setFieldError(null);
          }}
          currency={currency}
          testId="fund-amount"
          error={fieldError}
          hint={
            mode === 'subscribe'
              ? wallet.data
                ? t('amount.available', { amount: money.format(wallet.data.availableMinor, currency) })
                : undefined
              : fund.data
                ? t('fund.shares_available', { amount: money.format(fund.data.sharesMinor, currency) })
                : undefined
          }
        />
        <p className="fund-timing" data-testid="fund-arrival">
          {timing(fund.data, q)}
        </p>
        {mode === 'subscribe' && q ? (
          <p className="list-note">{t('fund.subscribe_cutoff', { cutoff: q.cutoff })}</p>
        ) : null}
        <SubmitButton
          pending={false}
          label={mode === 'subscribe' ? t('fund.subscribe_submit') : t('fund.redeem_submit')}
          pendingLabel={t('common.loading')}
          testId="fund-submit"
          disabled={!q}
        />
      </form>

      {confirming ? (
        <PinSheet
          description={confirming.description}
          amount={money.format(confirming.wire, currency)}
          length={config.limits.pinLength}
          onSubmit={(pin) => send(confirming, pin)}
          onFail={(caught) => {
            setConfirming(null);
            setError(caught);
            fund.reload();
          }}
          onDone={() => {
            setConfirming(null);
            setDone(result.current);
          }}
          onClose={() => setConfirming(null)}
        />
      ) : null}
    </Page>
  );
}
