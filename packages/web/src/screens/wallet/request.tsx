import type { PaymentRequest, PaymentRequestStatus } from '@jiaozi/protocol';
import { type FormEvent, useState } from 'react';
import { formatRelativeTime } from '../../format.js';
import { useI18n } from '../../i18n/context.js';
import { ROUTES } from '../../routes.js';
import { useSession } from '../../session.js';
import {
  type FieldProblem,
  FormError,
  FormSuccess,
  SubmitButton,
  TextField,
  useSubmit,
} from '../../ui/form.js';
import { Page } from '../../ui/layout.js';
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
  useAction,
  useIntentIds,
  useMoney,
} from './common.js';

const STATUS_PILL: Record<PaymentRequestStatus, string> = {
  pending: 'pill pill-orange',
  paid: 'pill pill-green',
  declined: 'pill pill-red',
  cancelled: 'pill',
  expired: 'pill',
};

export function RequestScreen() {
  const { t } = useI18n();
  const { api, config } = useSession();
  const money = useMoney();
  const outgoing = useLoad(() => api.paymentRequests('outgoing'), [api]);
  const ids = useIntentIds();
  const [from, setFrom] = useState('');
  const [amount, setAmount] = useState('');
  const [note, setNote] = useState('');
  const [fieldError, setFieldError] = useState<{ field: 'from' | 'amount'; problem: FieldProblem } | null>(
    null,
  );
  const [created, setCreated] = useState<PaymentRequest | null>(null);
  const { pending, error, setError, run } = useSubmit();
  const cancel = useAction();
  const currency = config.currency;

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setError(null);
    setCreated(null);
    const payeeError = payeeProblem(from, t);
    if (payeeError) {
      setFieldError({ field: 'from', problem: payeeError });
      return;
    }
    const parsed = parseAmountInput(amount, currency);
    const amountError = amountProblem(parsed, t);
    const payer = parsePayee(from);
    if (amountError || !parsed.ok || !payer) {
      if (amountError) setFieldError({ field: 'amount', problem: amountError });
      return;
    }
    setFieldError(null);
    const trimmed = note.trim();
    void run(async () => {
      const id = ids.idFor(`${payeeKey(payer)}|${parsed.wire}|${trimmed}`);
      let request: PaymentRequest;
      try {
        request = await api.createPaymentRequest({
          id,
          from: payer,
          amountMinor: parsed.wire,
          ...(trimmed === '' ? {} : { note: trimmed }),
        });
        ids.settle();
      } catch (caught) {
        ids.settleAfter(caught);
        throw caught;
      }
      setCreated(request);
      setFrom('');
      setAmount('');
      setNote('');
      outgoing.setData((current) => ({
        requests: [request, ...(current?.requests ?? []).filter((r) => r.id !== request.id)],
      }));
    });
  };

  const cancelRequest = (request: PaymentRequest) => {
    void cancel.run(request.id, async () => {
      const updated = await api.cancelPaymentRequest(request.id);
      outgoing.setData((current) => ({
        requests: (current?.requests ?? []).map((r) => (r.id === updated.id ? updated : r)),
      }));
    });
  };

  const requests = outgoing.data?.requests ?? [];
  return (
    <Page title={t('request.title')} back={ROUTES.wallet}>
      <p className="page-intro">{t('request.intro')}</p>
      <form className="card form-card" onSubmit={submit} noValidate>
        <FormError error={error} />
        {created ? (
          <FormSuccess testId="request-success">
            {t('request.sent', {
              name: created.payer.displayName,
              amount: money.format(created.amountMinor, created.currency),
            })}
          </FormSuccess>
        ) : null}
        <PayeeField
          label={t('request.from')}
          value={from}
          onValueChange={(value) => {
            setFrom(value);
            if (fieldError?.field === 'from') setFieldError(null);
          }}
          testId="request-from"
          error={fieldError?.field === 'from' ? fieldError.problem : null}
        />
        <AmountField
          label={t('amount.label')}
          value={amount}
          onValueChange={(value) => {
            setAmount(value);
            if (fieldError?.field === 'amount') setFieldError(null);
          }}
          currency={currency}
          testId="request-amount"
          error={fieldError?.field === 'amount' ? fieldError.problem : null}
        />
        <TextField
          label={t('request.note')}
          value={note}
          onValueChange={setNote}
          testId="request-note"
          placeholder={t('request.note_placeholder')}
          maxLength={NOTE_MAX_LENGTH}
          autoComplete="off"
        />
        <SubmitButton
          pending={pending}
          label={t('request.submit')}
          pendingLabel={t('request.submitting')}
          testId="request-submit"
        />
      </form>

      <h2 className="section-title">{t('request.outgoing')}</h2>
      <FormError error={cancel.error ?? (outgoing.data ? null : outgoing.error)} />
      {outgoing.data === null ? (
        outgoing.error ? null : (
          <Spinner label={t('common.loading')} />
        )
      ) : requests.length === 0 ? (
        <p className="card list-note">{t('request.outgoing_empty')}</p>
      ) : (
        <ul className="list">
          {requests.map((request) => (
            <OutgoingRequest
              key={request.id}
              request={request}
              busy={cancel.pending === request.id}
              onCancel={() => cancelRequest(request)}
            />
          ))}
        </ul>
      )}
    </Page>
  );
}

function OutgoingRequest({
  request,
  busy,
  onCancel,
}: {
  request: PaymentRequest;
  busy: boolean;
  onCancel: () => void;
}) {
  const { t, lang } = useI18n();
  const money = useMoney();
  return (
    <li
      className="request-row"
      data-testid="outgoing-request"
      data-id={request.id}
      data-status={request.status}
    >
      <div className="request-main">
        <p className="request-name">{request.payer.displayName}</p>
        <p className="request-meta">
          {request.note ? `${request.note} · ` : ''}
          {formatRelativeTime(request.createdAt, lang)}
        </p>
      </div>
      <div className="request-side">
        <p className="request-amount">{money.format(request.amountMinor, request.currency)}</p>
        <span className={STATUS_PILL[request.status] ?? 'pill'} data-testid="request-status">
          {t(`request.status_${request.status}`)}
        </span>
      </div>
      {request.status === 'pending' ? (
        <div className="request-actions">
          <button
            type="button"
            className="button button-danger-outline button-small"
            data-testid="request-cancel"
            disabled={busy}
            onClick={onCancel}
          >
            {busy ? t('request.cancelling') : t('request.cancel')}
          </button>
        </div>
      ) : null}
    </li>
  );
}
