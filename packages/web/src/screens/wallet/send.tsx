import type { Party, PayeeRef, Transfer } from '@jiaozi/protocol';
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { formatDateTime } from '../../format.js';
import { useI18n } from '../../i18n/context.js';
import { Link, navigate, useSearch } from '../../router.js';
import { ROUTES } from '../../routes.js';
import { useMe, useSession } from '../../session.js';
import { type FieldProblem, FormError, SubmitButton, TextField } from '../../ui/form.js';
import { CheckIcon, QrIcon, ShieldIcon } from '../../ui/icons.js';
import { Page } from '../../ui/layout.js';
import { PinSheet } from '../../ui/pin-sheet.js';
import { useLoad } from '../../ui/use-load.js';
import { parseAmountInput } from '../../wallet/amount.js';
import { parsePayee, payeeKey } from '../../wallet/payee.js';
import {
  AmountField,
  amountProblem,
  NOTE_MAX_LENGTH,
  PayeeField,
  payeeProblem,
  Spinner,
  useIntentIds,
  useMoney,
} from './common.js';

interface Scanned {
  payload: string;
  payee: Party;
  /** What the "To" field shows for this payee; editing it drops the QR code. */
  label: string;
  amountMinor: number | null;
}

interface Confirm {
  to: PayeeRef;
  name: string;
  wire: number;
  note: string;
}

/**
 * Send money: to a username, a +phone, or the payee of a scanned QR code (`?qr=payload`; also
 * `?to=alice&amount=12.50&note=…` to prefill), then the PIN sheet, then a receipt.
 */
export function SendScreen() {
  const { t, lang } = useI18n();
  const { api, config } = useSession();
  const me = useMe();
  const money = useMoney();
  const search = useSearch();
  const summary = useLoad(() => api.wallet(), [api]);
  const ids = useIntentIds();
  const params = new URLSearchParams(search);
  const qr = params.get('qr');
  const [to, setTo] = useState(() => params.get('to') ?? '');
  const [amount, setAmount] = useState(() => params.get('amount') ?? '');
  const [note, setNote] = useState(() => params.get('note') ?? '');
  const [scanned, setScanned] = useState<Scanned | null>(null);
  const [scanError, setScanError] = useState<unknown>(null);
  const [resolving, setResolving] = useState(qr !== null);
  const [fieldError, setFieldError] = useState<{ field: 'to' | 'amount'; problem: FieldProblem } | null>(
    null,
  );
  const [error, setError] = useState<unknown>(null);
  const [confirming, setConfirming] = useState<Confirm | null>(null);
  const [sent, setSent] = useState<Transfer | null>(null);
  const result = useRef<Transfer | null>(null);

  const currency = summary.data?.currency ?? config.currency;

  // The currency only shapes how a fixed amount is written: no need to resolve again for it.
  // biome-ignore lint/correctness/useExhaustiveDependencies: see above.
  useEffect(() => {
    if (qr === null) return;
    let live = true;
    setResolving(true);
    setScanError(null);
    api.resolveQr(qr).then(
      (resolved) => {
        if (!live) return;
        const label = resolved.payee.username ? `@${resolved.payee.username}` : resolved.payee.displayName;
        setScanned({ payload: qr, payee: resolved.payee, label, amountMinor: resolved.amountMinor });
        setTo(label);
        if (resolved.amountMinor !== null) setAmount(money.plain(resolved.amountMinor, currency));
        setResolving(false);
      },
      (caught: unknown) => {
        if (!live) return;
        setScanError(caught);
        setResolving(false);
      },
    );
    return () => {
      live = false;
    };
  }, [api, qr]);

  const fromQr = scanned !== null && to === scanned.label;
  const fixedAmount = fromQr && scanned.amountMinor !== null;

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setError(null);
    let payee: PayeeRef | null;
    let name: string;
    if (fromQr) {
      payee = { qr: scanned.payload };
      name = scanned.payee.displayName;
    } else {
      const problem = payeeProblem(to, t);
      if (problem) {
        setFieldError({ field: 'to', problem });
        return;
      }
      payee = parsePayee(to);
      name = to.trim();
    }
    const max = summary.data?.limits.singleTransferMaxMinor;
    const parsed = parseAmountInput(amount, currency, max);
    let problem = amountProblem(parsed, t);
    if (problem?.code === 'amount_out_of_range' && max !== undefined) {
      problem = { ...problem, message: t('amount.max_hint', { amount: money.format(max, currency) }) };
    }
    if (problem || !parsed.ok || !payee) {
      if (problem) setFieldError({ field: 'amount', problem });
      return;
    }
    setFieldError(null);
    setConfirming({ to: payee, name, wire: parsed.wire, note: note.trim() });
  };

  const send = async (confirm: Confirm, pin: string) => {
    const id = ids.idFor(`${payeeKey(confirm.to)}|${confirm.wire}|${confirm.note}`);
    try {
      result.current = await api.createTransfer({
        id,
        to: confirm.to,
        amountMinor: confirm.wire,
        ...(confirm.note === '' ? {} : { note: confirm.note }),
        pin,
      });
      ids.settle();
    } catch (caught) {
      ids.settleAfter(caught);
      throw caught;
    }
  };

  const again = () => {
    setSent(null);
    setScanned(null);
    setTo('');
    setAmount('');
    setNote('');
    if (qr !== null) navigate(ROUTES.walletSend, { replace: true });
    summary.reload();
  };

  if (sent) {
    return (
      <Page title={t('send.title')} back={ROUTES.wallet}>
        <section className="card receipt" data-testid="send-success" data-id={sent.id}>
          <div className="receipt-icon" aria-hidden="true">
            <CheckIcon size={56} />
          </div>
          <h2 className="receipt-title">{t('send.success_title')}</h2>
          <p className="receipt-amount" data-testid="send-success-amount">
            {money.format(sent.amountMinor, sent.currency)}
          </p>
          <p className="receipt-body">
            {t('send.success_body', {
              amount: money.format(sent.amountMinor, sent.currency),
              name: sent.to.displayName,
            })}
          </p>
          {sent.note ? <p className="receipt-note">“{sent.note}”</p> : null}
          <p className="receipt-meta">{formatDateTime(sent.createdAt, lang)}</p>
          <div className="op-status-actions">
            <button
              type="button"
              className="button button-primary button-block"
              data-testid="send-done"
              onClick={() => navigate(ROUTES.wallet)}
            >
              {t('common.done')}
            </button>
            <button type="button" className="button button-secondary button-block" onClick={again}>
              {t('send.again')}
            </button>
          </div>
        </section>
      </Page>
    );
  }

  return (
    <Page title={t('send.title')} back={ROUTES.wallet}>
      {me.hasPin ? null : (
        <section className="banner banner-info">
          <ShieldIcon size={20} className="banner-icon" />
          <span>{t('wallet.pin_reminder')}</span>
          <Link to={ROUTES.pin} className="banner-action">
            {t('wallet.pin_reminder_action')}
          </Link>
        </section>
      )}
      {resolving ? <Spinner label={t('send.resolving')} /> : null}
      <form className="card form-card" onSubmit={submit} noValidate>
        <FormError error={fieldError ? null : (error ?? scanError)} />
        {fromQr ? (
          <div className="payee-chip" data-testid="send-payee">
            <span className="payee-avatar" aria-hidden="true">
              {Array.from(scanned.payee.displayName)[0] ?? '?'}
            </span>
            <span className="payee-main">
              <span className="payee-name">{scanned.payee.displayName}</span>
              <span className="payee-meta">
                <QrIcon size={14} /> {t('send.from_qr')}
              </span>
            </span>
          </div>
        ) : null}
        <PayeeField
          label={t('send.to')}
          value={to}
          onValueChange={(value) => {
            setTo(value);
            if (fieldError?.field === 'to') setFieldError(null);
          }}
          testId="send-to"
          error={fieldError?.field === 'to' ? fieldError.problem : null}
        />
        <AmountField
          label={t('amount.label')}
          value={amount}
          onValueChange={(value) => {
            setAmount(value);
            if (fieldError?.field === 'amount') setFieldError(null);
          }}
          currency={currency}
          testId="send-amount"
          readOnly={fixedAmount}
          error={fieldError?.field === 'amount' ? fieldError.problem : null}
          hint={
            fixedAmount
              ? t('send.fixed_amount')
              : summary.data
                ? t('amount.available', { amount: money.format(summary.data.availableMinor, currency) })
                : undefined
          }
        />
        <TextField
          label={t('send.note')}
          value={note}
          onValueChange={setNote}
          testId="send-note"
          placeholder={t('send.note_placeholder')}
          maxLength={NOTE_MAX_LENGTH}
          autoComplete="off"
        />
        <SubmitButton
          pending={false}
          label={t('send.submit')}
          pendingLabel={t('send.submit')}
          testId="send-submit"
          disabled={resolving}
        />
      </form>

      {confirming ? (
        <PinSheet
          description={t('send.pin_to', { name: confirming.name })}
          amount={money.format(confirming.wire, currency)}
          length={config.limits.pinLength}
          onSubmit={(pin) => send(confirming, pin)}
          onFail={(caught) => {
            setConfirming(null);
            setError(caught);
          }}
          onDone={() => {
            setConfirming(null);
            setSent(result.current);
          }}
          onClose={() => setConfirming(null)}
        />
      ) : null}
    </Page>
  );
}
