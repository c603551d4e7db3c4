import { formatPlain, getCurrency, isCurrencyCode, minor } from '@jiaozi/money';
import type { BankCard, HistoryItem, HistoryKind, HistoryStatus } from '@jiaozi/protocol';
import { type ComponentType, type ReactNode, useCallback, useId, useMemo, useState } from 'react';
import { formatDateTime, formatMoney } from '../../format.js';
import { useI18n } from '../../i18n/context.js';
import type { Translate } from '../../i18n/i18n.js';
import { Link } from '../../router.js';
import { pathTo } from '../../routes.js';
import { useSession } from '../../session.js';
import { FieldError, type FieldProblem, TextField } from '../../ui/form.js';
import {
  BarcodeIcon,
  type IconProps,
  RedPacketIcon,
  ShieldIcon,
  SplitIcon,
  TopUpIcon,
  TransferIcon,
  WithdrawIcon,
} from '../../ui/icons.js';
import { AMOUNT_ERROR_KEYS, type AmountInput, minorDigitsOf } from '../../wallet/amount.js';
import { IntentIds } from '../../wallet/ids.js';
import { parsePayee } from '../../wallet/payee.js';

/** The longest note accepted here (the server has the last word). */
export const NOTE_MAX_LENGTH = 140;

/** Formats amounts in minor units (numbers off the wire, or bigints) in the page's language. */
export function useMoney() {
  const { lang } = useI18n();
  const { config } = useSession();
  const fallback = config.currency;
  return useMemo(() => {
    const format = (amount: number | bigint, currency: string = fallback) =>
      formatMoney(minor(amount), currency, lang);
    /** "+¥12.00" for money in, "-¥12.00" for money out. */
    const signed = (amount: number | bigint, direction: 'in' | 'out', currency: string = fallback) => {
      const m = minor(amount);
      return direction === 'in' ? `+${formatMoney(m, currency, lang)}` : formatMoney(-m, currency, lang);
    };
    /** "12.50": what to put in an amount field. */
    const plain = (amount: number | bigint, currency: string = fallback) =>
      isCurrencyCode(currency) ? formatPlain(minor(amount), currency) : String(amount);
    return { format, signed, plain, currency: fallback };
  }, [lang, fallback]);
}

/** One id per user action, kept across renders (see `IntentIds`). */
export function useIntentIds(): IntentIds {
  const [ids] = useState(() => new IntentIds());
  return ids;
}

/** The message of an amount that did not parse. */
export function amountProblem(result: AmountInput, t: Translate): FieldProblem | null {
  if (result.ok) return null;
  return { code: result.code, message: t(AMOUNT_ERROR_KEYS[result.code], { digits: result.digits }) };
}

export function payeeProblem(text: string, t: Translate): FieldProblem | null {
  return parsePayee(text) ? null : { code: 'invalid_payee', message: t('payee.invalid') };
}

/** A big amount input with the currency symbol in front. */
/** Who to pay or ask: a username, a phone number or a user id, typed as it is. */
export function PayeeField(props: {
  label: string;
  value: string;
  onValueChange: (value: string) => void;
  testId: string;
  error: FieldProblem | null;
}) {
  const { t } = useI18n();
  return (
    <TextField
      {...props}
      placeholder={t('payee.placeholder')}
      autoCapitalize="off"
      autoCorrect="off"
      spellCheck={false}
      autoComplete="off"
    />
  );
}

export function AmountField({
  label,
  value,
  onValueChange,
  currency,
  testId,
  error,
  hint,
  readOnly = false,
  trailing,
}: {
  label: string;
  value: string;
  onValueChange: (value: string) => void;
  currency: string;
  testId: string;
  error?: FieldProblem | null | undefined;
  hint?: ReactNode;
  readOnly?: boolean;
  trailing?: ReactNode;
}) {
  const id = useId();
  const symbol = isCurrencyCode(currency) ? getCurrency(currency).symbol : currency;
  const digits = minorDigitsOf(currency);
  const placeholder = digits > 0 ? `0.${'0'.repeat(digits)}` : '0';
  const describedBy = [error ? `${id}-error` : null, hint ? `${id}-hint` : null].filter(Boolean).join(' ');
  return (
    <div className="field">
      <label className="field-label" htmlFor={id}>
        {label}
      </label>
      <div className={readOnly ? 'amount-input amount-input-readonly' : 'amount-input'}>
        <span className="amount-symbol" aria-hidden="true">
          {symbol}
        </span>
        <input
          id={id}
          className="amount-input-field"
          type="text"
          inputMode="decimal"
          autoComplete="off"
          spellCheck={false}
          placeholder={placeholder}
          value={value}
          readOnly={readOnly}
          onChange={(event) => onValueChange(event.target.value)}
          aria-invalid={error ? true : undefined}
          aria-describedby={describedBy || undefined}
          data-testid={testId}
        />
        {trailing}
      </div>
      {error ? <FieldError id={`${id}-error`} field={testId} problem={error} /> : null}
      {hint ? (
        <p className="field-hint" id={`${id}-hint`}>
          {hint}
        </p>
      ) : null}
    </div>
  );
}

export function cardLabel(card: BankCard, t: Translate): string {
  return t('cards.label', { bank: card.bankName, last4: card.last4 });
}

export function CardSelect({
  label,
  cards,
  value,
  onValueChange,
  testId,
}: {
  label: string;
  cards: readonly BankCard[];
  value: string;
  onValueChange: (id: string) => void;
  testId: string;
}) {
  const { t } = useI18n();
  const id = useId();
  return (
    <div className="field">
      <label className="field-label" htmlFor={id}>
        {label}
      </label>
      <select
        id={id}
        className="input select"
        value={value}
        onChange={(event) => onValueChange(event.target.value)}
        data-testid={testId}
      >
        {cards.map((card) => (
          <option key={card.id} value={card.id}>
            {cardLabel(card, t)}
          </option>
        ))}
      </select>
    </div>
  );
}

const KIND_META: Record<HistoryKind, { Icon: ComponentType<IconProps>; tone: string }> = {
  topup: { Icon: TopUpIcon, tone: 'green' },
  withdrawal: { Icon: WithdrawIcon, tone: 'orange' },
  transfer: { Icon: TransferIcon, tone: 'blue' },
  paycode: { Icon: BarcodeIcon, tone: 'violet' },
  fund: { Icon: ShieldIcon, tone: 'teal' },
  chat_transfer: { Icon: TransferIcon, tone: 'orange' },
  red_packet: { Icon: RedPacketIcon, tone: 'red' },
  red_packet_refund: { Icon: RedPacketIcon, tone: 'red' },
  split: { Icon: SplitIcon, tone: 'violet' },
};

export function KindIcon({ kind, size = 18 }: { kind: HistoryKind; size?: number }) {
  const meta = KIND_META[kind] ?? { Icon: ShieldIcon, tone: 'teal' };
  return (
    <span className={`row-icon tone-${meta.tone}`}>
      <meta.Icon size={size} />
    </span>
  );
}

/** Who the entry is with: the other person, else the bank's label ("ICBC ••1234"). */
export function historyTitle(item: HistoryItem, t: Translate): string {
  return item.counterparty?.displayName || item.counterpartyLabel || t('history.bank');
}

/** How a history row marks what did not simply complete. */
const STATUS_PILL: Record<Exclude<HistoryStatus, 'completed'>, string> = {
  pending: 'pill pill-orange',
  failed: 'pill pill-red',
  returned: 'pill',
};

export function HistoryRow({ item }: { item: HistoryItem }) {
  const { t, lang } = useI18n();
  const money = useMoney();
  return (
    <Link
      to={pathTo('walletHistoryItem', { id: item.id })}
      className="row history-row"
      data-testid="history-row"
      data-id={item.id}
      data-direction={item.direction}
      data-status={item.status}
    >
      <KindIcon kind={item.kind} />
      <span className="history-main">
        <span className="history-title">{historyTitle(item, t)}</span>
        <span className="history-meta">
          {t(`history.kind_${item.kind}`)} · {formatDateTime(item.createdAt, lang)}
          {item.note ? ` · ${item.note}` : ''}
        </span>
      </span>
      <span className="history-side">
        <span className={`history-amount history-amount-${item.direction}`}>
          {money.signed(item.amountMinor, item.direction, item.currency)}
        </span>
        {item.status === 'completed' ? null : (
          <span className={STATUS_PILL[item.status]}>{t(`history.status_${item.status}`)}</span>
        )}
      </span>
    </Link>
  );
}

export function Spinner({ label }: { label: string }) {
  return (
    <p className="loading" role="status">
      <span className="spinner spinner-dark" aria-hidden="true" />
      {label}
    </p>
  );
}

/** A click handler that runs once at a time and records its error. */
export function useAction() {
  const [pending, setPending] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const run = useCallback(async (key: string, action: () => Promise<void>) => {
    setPending(key);
    setError(null);
    try {
      await action();
    } catch (caught) {
      setError(caught);
    } finally {
      setPending(null);
    }
  }, []);
  return { pending, error, setError, run };
}
