import { type InputHTMLAttributes, type ReactNode, useId, useState } from 'react';
import { asApiError, errorMessage } from '../errors.js';
import { useI18n } from '../i18n/context.js';
import { useSession } from '../session.js';
import { AlertIcon, CheckIcon, EyeIcon, EyeOffIcon } from './icons.js';

type InputProps = Omit<InputHTMLAttributes<HTMLInputElement>, 'value' | 'onChange' | 'id'>;

export interface TextFieldProps extends InputProps {
  label: string;
  value: string;
  onValueChange: (value: string) => void;
  hint?: ReactNode;
  testId: string;
  /** A problem with this field found before sending (shown under it, with its code). */
  error?: FieldProblem | null | undefined;
}

/** A client-side check that failed: a machine code and the sentence for people. */
export interface FieldProblem {
  code: string;
  message: string;
}

/**
 * The error of one field, under it. Like `FormError` it carries `data-testid="form-error"` and
 * the code, so a test reads either the same way; a form shows at most one of the two at a time.
 */
export function FieldError({ id, field, problem }: { id?: string; field: string; problem: FieldProblem }) {
  return (
    <p
      className="field-error"
      id={id}
      role="alert"
      data-testid="form-error"
      data-code={problem.code}
      data-field={field}
    >
      <AlertIcon size={16} className="field-error-icon" />
      <span>{problem.message}</span>
    </p>
  );
}

/** A labelled input; the hint is announced with it. */
export function TextField({
  label,
  value,
  onValueChange,
  hint,
  testId,
  className,
  error,
  ...input
}: TextFieldProps) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [error ? errorId : null, hint ? hintId : null].filter(Boolean).join(' ');
  return (
    <div className="field">
      <label className="field-label" htmlFor={id}>
        {label}
      </label>
      <input
        {...input}
        id={id}
        className={className ? `input ${className}` : 'input'}
        value={value}
        onChange={(event) => onValueChange(event.target.value)}
        aria-describedby={describedBy || undefined}
        aria-invalid={error ? true : undefined}
        data-testid={testId}
      />
      {error ? <FieldError id={errorId} field={testId} problem={error} /> : null}
      {hint ? (
        <p className="field-hint" id={hintId}>
          {hint}
        </p>
      ) : null}
    </div>
  );
}

/** A password input with a show/hide toggle. */
export function PasswordField({ label, value, onValueChange, hint, testId, ...input }: TextFieldProps) {
  const { t } = useI18n();
  const id = useId();
  const hintId = `${id}-hint`;
  const [visible, setVisible] = useState(false);
  return (
    <div className="field">
      <label className="field-label" htmlFor={id}>
        {label}
      </label>
      <div className="input-group">
        <input
          {...input}
          id={id}
          className="input"
          type={visible ? 'text' : 'password'}
          value={value}
          onChange={(event) => onValueChange(event.target.value)}
          aria-describedby={hint ? hintId : undefined}
          autoCapitalize="off"
          autoCorrect="off"
          spellCheck={false}
          data-testid={testId}
        />
        <button
          type="button"
          className="input-addon"
          aria-controls={id}
          aria-pressed={visible}
          aria-label={visible ? t('common.hide_password') : t('common.show_password')}
          title={visible ? t('common.hide_password') : t('common.show_password')}
          onClick={() => setVisible((v) => !v)}
        >
          {visible ? <EyeOffIcon size={20} /> : <EyeIcon size={20} />}
        </button>
      </div>
      {hint ? (
        <p className="field-hint" id={hintId}>
          {hint}
        </p>
      ) : null}
    </div>
  );
}

/** The translated error of the last attempt, with its code for tests and support. */
export function FormError({ error }: { error: unknown }) {
  const { t, lang } = useI18n();
  if (error === null || error === undefined) return null;
  const apiError = asApiError(error);
  return (
    <div className="banner banner-error" role="alert" data-testid="form-error" data-code={apiError.code}>
      <AlertIcon size={20} className="banner-icon" />
      <span>{errorMessage(apiError, t, lang)}</span>
    </div>
  );
}

export function FormSuccess({ children, testId }: { children: ReactNode; testId: string }) {
  return (
    <div className="banner banner-success" role="status" data-testid={testId}>
      <CheckIcon size={20} className="banner-icon" />
      <span>{children}</span>
    </div>
  );
}

export function SubmitButton({
  pending,
  label,
  pendingLabel,
  testId,
  disabled = false,
}: {
  pending: boolean;
  label: string;
  pendingLabel: string;
  testId: string;
  disabled?: boolean;
}) {
  return (
    <button
      type="submit"
      className="button button-primary button-block"
      disabled={pending || disabled}
      aria-busy={pending}
      data-testid={testId}
    >
      {pending ? <span className="spinner" aria-hidden="true" /> : null}
      {pending ? pendingLabel : label}
    </button>
  );
}

/** State for one form submission: pending flag, last error, and a runner that records both. */
export function useSubmit() {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const run = async (action: () => Promise<void>): Promise<boolean> => {
    if (pending) return false;
    setPending(true);
    setError(null);
    try {
      await action();
      return true;
    } catch (caught) {
      setError(caught);
      return false;
    } finally {
      setPending(false);
    }
  };
  return { pending, error, setError, run };
}

/** Tells password managers which account a password form belongs to (not shown). */
export function AccountNameField() {
  const { me } = useSession();
  if (!me) return null;
  const account = me.username ?? me.phone ?? '';
  return <input type="text" name="username" autoComplete="username" value={account} readOnly hidden />;
}

/** A labelled on/off switch with a hint line (a checkbox with role=switch). */
export function SwitchRow({
  label,
  hint,
  checked,
  busy,
  testId,
  onChange,
}: {
  label: string;
  hint: string;
  checked: boolean;
  busy: boolean;
  testId: string;
  onChange: (value: boolean) => void;
}) {
  const id = useId();
  return (
    <div className="row switch-row">
      <label className="row-text" htmlFor={id}>
        <span className="row-label">{label}</span>
        <span className="row-sub" id={`${id}-hint`}>
          {hint}
        </span>
      </label>
      <input
        id={id}
        type="checkbox"
        role="switch"
        className="switch"
        checked={checked}
        aria-checked={checked}
        aria-describedby={`${id}-hint`}
        aria-busy={busy}
        disabled={busy}
        data-testid={testId}
        onChange={(event) => onChange(event.target.checked)}
      />
    </div>
  );
}
