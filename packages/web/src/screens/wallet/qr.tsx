import { type FormEvent, type ReactNode, useEffect, useState } from 'react';
import { handleOf } from '../../format.js';
import { useI18n } from '../../i18n/context.js';
import { ROUTES } from '../../routes.js';
import { useMe, useSession } from '../../session.js';
import { type FieldProblem, FormError } from '../../ui/form.js';
import { Page } from '../../ui/layout.js';
import { useLoad } from '../../ui/use-load.js';
import { parseAmountInput } from '../../wallet/amount.js';
import { Avatar } from '../contacts/common.js';
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

/**
 * A person's QR code on a card: whose it is, the code itself (a spinner while it is drawn)
 * and any error loading it; what the screen adds below goes in `children`.
 */
export function QrCard(props: {
  owner: { name: string; avatarId: string | null; meta: string };
  payload: string | null;
  error: unknown;
  alt: string;
  testId: string;
  /** A receive code's fixed amount ('' for any amount), kept on the image for tests. */
  amountMinor?: number | null | undefined;
  children?: ReactNode;
}) {
  const { t } = useI18n();
  const image = useQrImage(props.payload);
  const { name, avatarId, meta } = props.owner;
  return (
    <section className="card qr-card">
      <div className="qr-owner">
        <Avatar name={name} avatarId={avatarId} />
        <span className="payee-main">
          <span className="payee-name">{name}</span>
          <span className="payee-meta">{meta}</span>
        </span>
      </div>
      <div className="qr-frame">
        {image && props.payload !== null ? (
          <img
            className="qr-image"
            src={image}
            alt={props.alt}
            width={240}
            height={240}
            data-testid={props.testId}
            data-payload={props.payload}
            {...(props.amountMinor === undefined ? {} : { 'data-amount': props.amountMinor ?? '' })}
          />
        ) : props.error ? null : (
          <Spinner label={t('common.loading')} />
        )}
      </div>
      <FormError error={props.error} />
      {props.children}
    </section>
  );
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
      <QrCard
        owner={{ name, avatarId: me.avatarId, meta: handleOf(me) }}
        payload={qr.data?.payload ?? null}
        error={qr.error}
        alt={t('qr.alt', { name })}
        testId="qr-image"
        amountMinor={qr.data ? (qr.data.amountMinor ?? null) : undefined}
      >
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
      </QrCard>
    </Page>
  );
}
