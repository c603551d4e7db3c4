import { type FormEvent, useState } from 'react';
import { ApiError } from '../api/client.js';
import { useI18n } from '../i18n/context.js';
import { ROUTES } from '../routes.js';
import { useSession } from '../session.js';
import {
  AccountNameField,
  FormError,
  FormSuccess,
  PasswordField,
  SubmitButton,
  useSubmit,
} from '../ui/form.js';
import { Page } from '../ui/layout.js';

export function PasswordScreen() {
  const { t } = useI18n();
  const { api, config } = useSession();
  const { limits } = config;
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [repeat, setRepeat] = useState('');
  const [done, setDone] = useState(false);
  const { pending, error, run } = useSubmit();

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setDone(false);
    void run(async () => {
      if (next !== repeat) {
        throw new ApiError({ status: 0, code: 'password_mismatch', message: 'The new passwords differ.' });
      }
      await api.changePassword({ currentPassword: current, newPassword: next });
      setCurrent('');
      setNext('');
      setRepeat('');
      setDone(true);
    });
  };

  return (
    <Page title={t('password.title')} back={ROUTES.me}>
      <form className="card form-card" onSubmit={submit} noValidate>
        <FormError error={error} />
        <AccountNameField />
        {done ? <FormSuccess testId="password-success">{t('password.success')}</FormSuccess> : null}
        <PasswordField
          label={t('password.current')}
          value={current}
          onValueChange={setCurrent}
          testId="password-current"
          autoComplete="current-password"
        />
        <PasswordField
          label={t('password.new')}
          value={next}
          onValueChange={setNext}
          testId="password-new"
          autoComplete="new-password"
          hint={t('auth.password_hint', { min: limits.passwordMinLength })}
        />
        <PasswordField
          label={t('password.confirm')}
          value={repeat}
          onValueChange={setRepeat}
          testId="password-confirm"
          autoComplete="new-password"
        />
        <SubmitButton
          pending={pending}
          label={t('password.submit')}
          pendingLabel={t('common.saving')}
          testId="password-submit"
        />
      </form>
    </Page>
  );
}
