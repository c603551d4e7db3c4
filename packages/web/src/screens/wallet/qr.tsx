import { type FormEvent, useEffect, useState } from 'react';
import { handleOf, initialOf } from '../../format.js';
import { useI18n } from '../../i18n/context.js';
import { ROUTES } from '../../routes.js';
import { useMe, useSession } from '../../session.js';
import { type FieldProblem, FormError } from '../../ui/form.js';
import { Page } from '../../ui/layout.js';
import { useLoad } from '../../ui/use-load.js';
import { parseAmountInput } from '../../wallet/amount.js';
import { AmountField, amountProblem, Spinner, useMoney } from './common.js';

/** A QR code image (PNG data URL) for `text`, or null while it is drawn. */
export function useQrImage(text: string | null, size = 480): string | null {
  const [image, setImage] = useState<{ text: string; url: string } | null>(null);
  useEffect(() => {
    if (text === null) return;
    let live = true;
    // The encoder is loaded on first use, which keeps it out of the main bundle.
    import('qrcode')
      .then(({ toDataURL }) =>
        toDataURL(text, {
          errorCorrectionLevel: 'M',
          margin: 1,
          width: size,
          color: { dark: '#191b1f', light: '#ffffff' },
        }),
      )
      .then(
        (url) => {
          if (live) setImage({ text, url });
        },
        () => {
          if (live) setImage(null);
        },
      );
    return () => {
      live = false;
    };
  }, [text, size]);
  return image && image.text === text ? image.url : null;
}

export function QrScreen() {
  const { t } = useI18n();
  const { api, config } = useSession();
  const me = useMe();
  const money = useMoney();
  const [amountMinor, setAmountMinor] = useState<number | undefined>(undefined);
  const [editing, setEditing] = useState(false);
  const [amount, setAmount] = useState('');
  const [fieldError, setFieldError] = useState<FieldProblem | null>(null);
  const qr = useLoad(() => api.receiveQr(amountMinor), [api, amountMinor]);
  const image = useQrImage(qr.data?.payload ?? null);
  const currency = config.currency;

  const apply = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const parsed = parseAmountInput(amount, currency);
    setFieldError(amountProblem(parsed, t));
    if (!parsed.ok) return;
    setAmountMinor(parsed.wire);
    setEditing(false);
  };

  const clear = () => {
    setAmountMinor(undefined);
    setAmount('');
    setFieldError(null);
    setEditing(false);
  };

  const name = me.displayName || handleOf(me);
  return (
    <Page title={t('qr.title')} back={ROUTES.wallet}>
      <section className="card qr-card">
        <div className="qr-owner">
          <span className="payee-avatar" aria-hidden="true">
            {initialOf(name)}
          </span>
          <span className="payee-main">
            <span className="payee-name">{name}</span>
            <span className="payee-meta">{handleOf(me)}</span>
          </span>
        </div>
        <div className="qr-frame">
          {image && qr.data ? (
            <img
              className="qr-image"
              src={image}
              alt={t('qr.alt', { name })}
              width={240}
              height={240}
              data-testid="qr-image"
              data-payload={qr.data.payload}
              data-amount={qr.data.amountMinor ?? ''}
            />
          ) : qr.error ? null : (
            <Spinner label={t('common.loading')} />
          )}
        </div>
        <FormError error={qr.error} />
        <p className="qr-caption" data-testid="qr-amount-label">
          {qr.data?.amountMinor != null
            ? t('qr.fixed', { amount: money.format(qr.data.amountMinor, currency) })
            : t('qr.any_amount')}
        </p>
        <p className="qr-intro">{t('qr.intro')}</p>
        {editing ? (
          <form className="qr-amount-form" onSubmit={apply} noValidate>
            <AmountField
              label={t('amount.label')}
              value={amount}
              onValueChange={(value) => {
                setAmount(value);
                setFieldError(null);
              }}
              currency={currency}
              testId="qr-amount"
              error={fieldError}
            />
            <div className="button-row">
              <button type="button" className="button button-secondary" onClick={() => setEditing(false)}>
                {t('common.cancel')}
              </button>
              <button type="submit" className="button button-primary" data-testid="qr-amount-submit">
                {t('qr.apply')}
              </button>
            </div>
          </form>
        ) : (
          <div className="button-row">
            <button
              type="button"
              className="button button-secondary"
              data-testid="qr-set-amount"
              onClick={() => setEditing(true)}
            >
              {t('qr.set_amount')}
            </button>
            {amountMinor !== undefined ? (
              <button
                type="button"
                className="button button-secondary"
                data-testid="qr-clear-amount"
                onClick={clear}
              >
                {t('qr.clear_amount')}
              </button>
            ) : null}
          </div>
        )}
      </section>
    </Page>
  );
}
