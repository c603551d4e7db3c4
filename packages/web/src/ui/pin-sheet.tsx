import { type FormEvent, type KeyboardEvent, useEffect, useId, useRef, useState } from 'react';
import { asApiError } from '../errors.js';
import { useI18n } from '../i18n/context.js';
import { Link } from '../router.js';
import { ROUTES } from '../routes.js';
import { FormError } from './form.js';
import { CheckIcon, CloseIcon } from './icons.js';

/** Failures the person can fix inside the sheet (type the PIN again, or just retry). */
const SHEET_ERRORS: ReadonlySet<string> = new Set([
  'pin_incorrect',
  'network_error',
  'unexpected_response',
  'internal_error',
  'service_unavailable',
  'rate_limited',
]);

/** How long the sheet shows its tick before handing over to the screen. */
const DONE_DELAY_MS = 450;

export interface PinSheetProps {
  /** Defaults to "Enter payment PIN". */
  title?: string | undefined;
  /** What is being confirmed, e.g. "To Alice Wang". */
  description?: string | undefined;
  /** The formatted amount, shown large. */
  amount?: string | undefined;
  length: number;
  /** Sends the payment with this PIN; throws an `ApiError` when it is refused. */
  onSubmit: (pin: string) => Promise<void>;
  /** A refusal that is not about the PIN (insufficient funds…): the screen shows it, the sheet closes. */
  onFail: (error: unknown) => void;
  /** The payment went through (called after a short tick). */
  onDone: () => void;
  onClose: () => void;
}

/**
 * A bottom sheet asking for the payment PIN: six boxes over one numeric input. Typing the last
 * digit submits; the Confirm button does too (and is harmless while a payment is in flight).
 */
export function PinSheet({
  title,
  description,
  amount,
  length,
  onSubmit,
  onFail,
  onDone,
  onClose,
}: PinSheetProps) {
  const { t } = useI18n();
  const id = useId();
  const [pin, setPin] = useState('');
  const [phase, setPhase] = useState<'idle' | 'pending' | 'done'>('idle');
  const [error, setError] = useState<unknown>(null);
  const [focused, setFocused] = useState(false);
  const inputRef = useRef<HTMLInputElement>(null);
  const busy = useRef(false);
  const live = useRef(true);

  useEffect(() => {
    live.current = true;
    return () => {
      live.current = false;
    };
  }, []);

  const submit = async (value: string) => {
    if (busy.current || value.length !== length) return;
    busy.current = true;
    setPhase('pending');
    setError(null);
    try {
      await onSubmit(value);
      if (!live.current) return;
      setPhase('done');
      setTimeout(() => {
        if (live.current) onDone();
      }, DONE_DELAY_MS);
    } catch (caught) {
      busy.current = false;
      if (!live.current) return;
      setPhase('idle');
      const code = asApiError(caught).code;
      if (SHEET_ERRORS.has(code)) {
        setError(caught);
        if (code === 'pin_incorrect') setPin('');
        inputRef.current?.focus();
      } else {
        onFail(caught);
      }
    }
  };

  const change = (raw: string) => {
    if (phase !== 'idle') return;
    const next = raw.replace(/\D/g, '').slice(0, length);
    // Typing the last digit submits; a pasted (or filled) PIN waits for Confirm.
    const typedLast = next.length === length && pin.length === length - 1;
    setPin(next);
    if (typedLast) void submit(next);
  };

  const onFormSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    void submit(pin);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (event.key === 'Escape' && phase === 'idle') onClose();
  };

  const inert = phase !== 'idle';
  return (
    <div className="sheet-backdrop">
      <button
        type="button"
        className="sheet-scrim"
        tabIndex={-1}
        aria-hidden="true"
        onClick={() => {
          if (!inert) onClose();
        }}
      />
      <div
        className="sheet"
        role="dialog"
        aria-modal="true"
        aria-labelledby={`${id}-title`}
        data-testid="pin-sheet"
        data-phase={phase}
        onKeyDown={onKeyDown}
      >
        <div className="sheet-header">
          <button
            type="button"
            className="sheet-close"
            aria-label={t('common.close')}
            disabled={inert}
            onClick={onClose}
          >
            <CloseIcon size={22} />
          </button>
          <h2 className="sheet-title" id={`${id}-title`}>
            {title ?? t('pinsheet.title')}
          </h2>
        </div>
        {description ? <p className="sheet-description">{description}</p> : null}
        {amount ? <p className="sheet-amount">{amount}</p> : null}
        <form className="sheet-form" onSubmit={onFormSubmit} noValidate>
          <FormError error={error} />
          <label className={focused ? 'pin-boxes pin-boxes-focused' : 'pin-boxes'} htmlFor={`${id}-pin`}>
            <span className="visually-hidden">{t('pinsheet.label', { length })}</span>
            <input
              ref={inputRef}
              id={`${id}-pin`}
              className="pin-boxes-input"
              type="password"
              inputMode="numeric"
              pattern="[0-9]*"
              autoComplete="off"
              maxLength={length}
              value={pin}
              onChange={(event) => change(event.target.value)}
              onFocus={() => setFocused(true)}
              onBlur={() => setFocused(false)}
              // biome-ignore lint/a11y/noAutofocus: the sheet exists to take the PIN.
              autoFocus
              data-testid="pin-sheet-input"
            />
            {Array.from({ length }, (_, i) => (
              <span
                // biome-ignore lint/suspicious/noArrayIndexKey: the boxes are positions.
                key={i}
                className={
                  i === pin.length || (i === length - 1 && pin.length === length)
                    ? 'pin-box pin-box-current'
                    : 'pin-box'
                }
                aria-hidden="true"
              >
                {i < pin.length ? <span className="pin-dot" /> : null}
              </span>
            ))}
          </label>
          <button
            type="submit"
            className="button button-primary button-block"
            // Stays enabled while the payment is in flight: a second press is a harmless no-op.
            disabled={phase === 'idle' && pin.length !== length}
            aria-busy={phase === 'pending'}
            data-testid="pin-sheet-submit"
          >
            {phase === 'pending' ? <span className="spinner" aria-hidden="true" /> : null}
            {phase === 'done' ? <CheckIcon size={20} /> : null}
            {phase === 'pending'
              ? t('pinsheet.submitting')
              : phase === 'done'
                ? t('pinsheet.done')
                : t('pinsheet.submit')}
          </button>
          <Link to={ROUTES.pin} className="sheet-link">
            {t('pinsheet.forgot')}
          </Link>
        </form>
      </div>
    </div>
  );
}
