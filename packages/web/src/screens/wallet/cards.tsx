import type { BankCard } from '@jiaozi/protocol';
import { type FormEvent, useState } from 'react';
import { formatDate } from '../../format.js';
import { useI18n } from '../../i18n/context.js';
import { ROUTES } from '../../routes.js';
import { useSession } from '../../session.js';
import { FormError, FormSuccess, SubmitButton, TextField, useSubmit } from '../../ui/form.js';
import { Page } from '../../ui/layout.js';
import { useLoad } from '../../ui/use-load.js';
import { cardDigits, groupCardNumber } from '../../wallet/cards.js';
import { cardLabel, Spinner, useAction } from './common.js';

/** Banks offered as suggestions; any name is accepted. */
const BANK_SUGGESTIONS = [
  'ICBC',
  'China Construction Bank',
  'Agricultural Bank of China',
  'Bank of China',
  'China Merchants Bank',
  '工商银行',
  '建设银行',
  '农业银行',
  '中国银行',
  '招商银行',
];

export function CardsScreen() {
  const { t, lang } = useI18n();
  const { api } = useSession();
  const list = useLoad(() => api.cards(), [api]);
  const [bankName, setBankName] = useState('');
  const [cardNumber, setCardNumber] = useState('');
  const [holderName, setHolderName] = useState('');
  const [added, setAdded] = useState<BankCard | null>(null);
  const [confirming, setConfirming] = useState<string | null>(null);
  const { pending, error, run } = useSubmit();
  const removal = useAction();

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setAdded(null);
    void run(async () => {
      const card = await api.addCard({
        bankName: bankName.trim(),
        cardNumber: cardDigits(cardNumber),
        holderName: holderName.trim(),
      });
      setAdded(card);
      setBankName('');
      setCardNumber('');
      setHolderName('');
      list.setData((current) => ({
        cards: [...(current?.cards ?? []).filter((c) => c.id !== card.id), card],
      }));
    });
  };

  const remove = (card: BankCard) => {
    if (confirming !== card.id) {
      setConfirming(card.id);
      return;
    }
    void removal.run(card.id, async () => {
      await api.removeCard(card.id);
      setConfirming(null);
      list.setData((current) => ({ cards: (current?.cards ?? []).filter((c) => c.id !== card.id) }));
    });
  };

  return (
    <Page title={t('cards.title')} back={ROUTES.wallet}>
      <p className="page-intro">{t('cards.intro')}</p>
      <FormError error={removal.error ?? (list.data ? null : list.error)} />
      {list.data === null ? (
        list.error ? (
          <button type="button" className="button button-secondary button-block" onClick={list.reload}>
            {t('common.retry')}
          </button>
        ) : (
          <Spinner label={t('common.loading')} />
        )
      ) : list.data.cards.length === 0 ? (
        <p className="card list-note">{t('cards.empty')}</p>
      ) : (
        <ul className="list">
          {list.data.cards.map((card) => (
            <li key={card.id} className="row card-row" data-testid="card-row" data-id={card.id}>
              <span className="bank-badge" aria-hidden="true">
                {Array.from(card.bankName)[0] ?? '?'}
              </span>
              <span className="card-row-main">
                <span className="card-row-title">{cardLabel(card, t)}</span>
                <span className="card-row-meta">
                  {t('cards.holder_added', {
                    holder: card.holderName,
                    date: formatDate(card.createdAt, lang),
                  })}
                </span>
              </span>
              <button
                type="button"
                className="button button-danger-outline button-small"
                data-testid="card-remove"
                aria-label={
                  confirming === card.id ? undefined : t('cards.remove_label', { card: cardLabel(card, t) })
                }
                disabled={removal.pending !== null}
                onClick={() => remove(card)}
              >
                {removal.pending === card.id
                  ? t('cards.removing')
                  : confirming === card.id
                    ? t('cards.remove_confirm')
                    : t('cards.remove')}
              </button>
            </li>
          ))}
        </ul>
      )}

      <h2 className="section-title">{t('cards.add_title')}</h2>
      <form className="card form-card" onSubmit={submit} noValidate>
        <FormError error={error} />
        {added ? (
          <FormSuccess testId="card-added">{t('cards.added', { card: cardLabel(added, t) })}</FormSuccess>
        ) : null}
        <TextField
          label={t('cards.bank')}
          value={bankName}
          onValueChange={setBankName}
          testId="card-add-bank"
          placeholder={t('cards.bank_placeholder')}
          list="jiaozi-banks"
          autoComplete="off"
          maxLength={64}
        />
        <datalist id="jiaozi-banks">
          {BANK_SUGGESTIONS.map((bank) => (
            <option key={bank} value={bank} />
          ))}
        </datalist>
        <TextField
          label={t('cards.number')}
          value={cardNumber}
          onValueChange={(value) => setCardNumber(groupCardNumber(value))}
          testId="card-add-number"
          placeholder={t('cards.number_placeholder')}
          inputMode="numeric"
          autoComplete="cc-number"
          className="input-mono"
          maxLength={23}
        />
        <TextField
          label={t('cards.holder')}
          value={holderName}
          onValueChange={setHolderName}
          testId="card-add-holder"
          placeholder={t('cards.holder_placeholder')}
          autoComplete="cc-name"
          maxLength={64}
        />
        <SubmitButton
          pending={pending}
          label={t('cards.submit')}
          pendingLabel={t('cards.submitting')}
          testId="card-add-submit"
          disabled={bankName.trim() === '' || cardNumber.trim() === '' || holderName.trim() === ''}
        />
      </form>
    </Page>
  );
}
