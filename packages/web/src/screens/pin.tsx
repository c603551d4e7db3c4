import { type FormEvent, useState } from 'react';
import { useI18n } from '../i18n/context.js';
import { ROUTES } from '../routes.js';
import { useMe, useSession } from '../session.js';
import {
  AccountNameField,
  FormError,
  FormSuccess,
  PasswordField,
  SubmitButton,
  TextField,
  useSubmit,
} from '../ui/form.js';
import { ShieldIcon } from '../ui/icons.js';
import { Page } from '../ui/layout.js';

export function PinScreen() {
  const { t } = useI18n();
  const { api, config, setMe } = useSession();
  const me = useMe();
  const length = config.limits.pinLength;
  const [pin, setPin] = useState('');
  const [password, setPassword] = useState('');
  const [done, setDone] = useState(false);
  const { pending, error, run } = useSubmit();

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setDone(false);
    void run(async () => {
      await api.setPin({ pin, password });
      setPin('');
      setPassword('');
      setDone(true);
      try {
        setMe(await api.me());
      } catch {
        setMe({ ...me, hasPin: true });
      }
    });
  };

  return (
    <Page title={t('pin.title')} back={ROUTES.me}>
      <section className={me.hasPin ? 'status-card status-ok' : 'status-card status-warn'}>
        <ShieldIcon size={28} className="status-icon" />
        <div>
          <p className="status-title" data-testid="pin-status" data-set={me.hasPin ? 'true' : 'false'}>
            {me.hasPin ? t('pin.status_set') : t('pin.status_not_set')}
          </p>
          <p className="status-body">{t('pin.intro', { length })}</p>
        </div>
      </section>
      <form className="card form-card" onSubmit={submit} noValidate>
        <FormError error={error} />
        <AccountNameField />
        {done ? <FormSuccess testId="pin-success">{t('pin.success')}</FormSuccess> : null}
        <TextField
          label={t('pin.new', { length })}
          value={pin}
          onValueChange={(value) => setPin(value.replace(/\D/g, '').slice(0, length))}
          testId="pin-input"
          type="password"
          inputMode="numeric"
          autoComplete="off"
          pattern="[0-9]*"
          maxLength={length}
          className="input-pin"
          placeholder={'•'.repeat(length)}
        />
        <PasswordField
          label={t('pin.password')}
          value={password}
          onValueChange={setPassword}
          testId="pin-password"
          autoComplete="current-password"
          hint={t('pin.password_hint')}
        />
        <SubmitButton
          pending={pending}
          label={me.hasPin ? t('pin.submit_change') : t('pin.submit_set')}
          pendingLabel={t('common.saving')}
          testId="pin-submit"
        />
      </form>
    </Page>
  );
}
