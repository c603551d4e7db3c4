import type { SignupRequest } from '@jiaozi/protocol';
import { type FormEvent, useState } from 'react';
import { currentDeviceName } from '../device.js';
import { useI18n } from '../i18n/context.js';
import { navigate } from '../router.js';
import { ROUTES } from '../routes.js';
import { useSession } from '../session.js';
import { FormError, PasswordField, SubmitButton, TextField, useSubmit } from '../ui/form.js';
import { InfoIcon, Logo } from '../ui/icons.js';
import { useDocumentTitle } from '../ui/layout.js';

export type AuthMode = 'login' | 'signup';

/** "+86 138-0013-8000" → "+8613800138000"; anything else is only trimmed. */
export function normalizeLogin(value: string): string {
  const trimmed = value.trim();
  return trimmed.startsWith('+') ? trimmed.replace(/[\s\-().]/g, '') : trimmed;
}

export function AuthScreen({ mode }: { mode: AuthMode }) {
  const { t, lang } = useI18n();
  const { ended } = useSession();
  useDocumentTitle(mode === 'login' ? t('auth.mode_login') : t('auth.mode_signup'));
  return (
    <main className="auth">
      <div className="auth-hero">
        <div className="auth-logo">
          <Logo size={72} />
        </div>
        <p className="auth-brand">
          {t('app.name')}
          {lang === 'en' ? (
            <span className="auth-brand-alt" lang="zh-CN">
              交子
            </span>
          ) : (
            <span className="auth-brand-alt" lang="en">
              Jiaozi
            </span>
          )}
        </p>
        <p className="auth-tagline">{t('app.tagline')}</p>
      </div>

      <fieldset className="segmented auth-modes">
        <legend className="visually-hidden">{t('auth.mode_label')}</legend>
        <button
          type="button"
          className="segment"
          aria-pressed={mode === 'login'}
          data-testid="auth-mode-login"
          onClick={() => navigate(ROUTES.login, { replace: true })}
        >
          {t('auth.mode_login')}
        </button>
        <button
          type="button"
          className="segment"
          aria-pressed={mode === 'signup'}
          data-testid="auth-mode-signup"
          onClick={() => navigate(ROUTES.signup, { replace: true })}
        >
          {t('auth.mode_signup')}
        </button>
      </fieldset>

      <section className="card auth-card" aria-labelledby="auth-title">
        <h1 id="auth-title" className="card-title">
          {mode === 'login' ? t('auth.login_title') : t('auth.signup_title')}
        </h1>
        {ended === 'expired' && mode === 'login' ? (
          <div className="banner banner-info" role="status" data-testid="session-ended">
            <InfoIcon size={20} className="banner-icon" />
            <span>{t('auth.session_ended')}</span>
          </div>
        ) : null}
        {mode === 'login' ? <LoginForm /> : <SignupForm />}
      </section>
      <p className="auth-footer">{t('app.footer')}</p>
    </main>
  );
}

function LoginForm() {
  const { t } = useI18n();
  const { api, config, signIn } = useSession();
  const [login, setLogin] = useState('');
  const [password, setPassword] = useState('');
  const { pending, error, run } = useSubmit();

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    void run(async () => {
      const auth = await api.login({
        login: normalizeLogin(login),
        password,
        deviceName: currentDeviceName(config.limits.deviceNameMaxLength),
      });
      signIn(auth);
    });
  };

  return (
    <form onSubmit={submit} noValidate>
      <FormError error={error} />
      <TextField
        label={t('auth.login')}
        value={login}
        onValueChange={setLogin}
        testId="login-login"
        name="username"
        autoComplete="username"
        autoCapitalize="off"
        autoCorrect="off"
        spellCheck={false}
        placeholder={t('auth.login_placeholder')}
        required
      />
      <PasswordField
        label={t('auth.password')}
        value={password}
        onValueChange={setPassword}
        testId="login-password"
        name="password"
        autoComplete="current-password"
        required
      />
      <SubmitButton
        pending={pending}
        label={t('auth.submit_login')}
        pendingLabel={t('auth.submitting_login')}
        testId="login-submit"
      />
    </form>
  );
}

type SignupMethod = 'username' | 'phone';

function SignupForm() {
  const { t } = useI18n();
  const { api, config, signIn } = useSession();
  const { limits } = config;
  const [method, setMethod] = useState<SignupMethod>('username');
  const [username, setUsername] = useState('');
  const [phone, setPhone] = useState('');
  const [password, setPassword] = useState('');
  const [displayName, setDisplayName] = useState('');
  const { pending, error, setError, run } = useSubmit();

  const choose = (next: SignupMethod) => {
    setMethod(next);
    setError(null);
  };

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const body: SignupRequest = {
      password,
      deviceName: currentDeviceName(limits.deviceNameMaxLength),
    };
    if (method === 'username') body.username = username.trim();
    else body.phone = normalizeLogin(phone);
    const name = displayName.trim();
    if (name !== '') body.displayName = name;
    void run(async () => {
      signIn(await api.signup(body));
    });
  };

  return (
    <form onSubmit={submit} noValidate>
      <FormError error={error} />
      <fieldset className="segmented segmented-small">
        <legend className="field-label">{t('auth.method_label')}</legend>
        <button
          type="button"
          className="segment"
          aria-pressed={method === 'username'}
          data-testid="signup-method-username"
          onClick={() => choose('username')}
        >
          {t('auth.method_username')}
        </button>
        <button
          type="button"
          className="segment"
          aria-pressed={method === 'phone'}
          data-testid="signup-method-phone"
          onClick={() => choose('phone')}
        >
          {t('auth.method_phone')}
        </button>
      </fieldset>
      {method === 'username' ? (
        <TextField
          key="username"
          label={t('auth.username')}
          value={username}
          onValueChange={setUsername}
          testId="signup-username"
          name="username"
          autoComplete="username"
          autoCapitalize="off"
          autoCorrect="off"
          spellCheck={false}
          placeholder={t('auth.username_placeholder')}
          hint={t('auth.username_hint', { min: limits.usernameMinLength, max: limits.usernameMaxLength })}
          required
        />
      ) : (
        <TextField
          key="phone"
          label={t('auth.phone')}
          value={phone}
          onValueChange={setPhone}
          testId="signup-phone"
          name="phone"
          type="tel"
          inputMode="tel"
          autoComplete="tel"
          placeholder={t('auth.phone_placeholder')}
          hint={t('auth.phone_hint')}
          required
        />
      )}
      <PasswordField
        label={t('auth.password')}
        value={password}
        onValueChange={setPassword}
        testId="signup-password"
        name="new-password"
        autoComplete="new-password"
        hint={t('auth.password_hint', { min: limits.passwordMinLength })}
        required
      />
      <TextField
        label={`${t('auth.display_name')} (${t('common.optional')})`}
        value={displayName}
        onValueChange={setDisplayName}
        testId="signup-display-name"
        name="nickname"
        autoComplete="nickname"
        placeholder={t('auth.display_name_placeholder')}
      />
      <SubmitButton
        pending={pending}
        label={t('auth.submit_signup')}
        pendingLabel={t('auth.submitting_signup')}
        testId="signup-submit"
      />
    </form>
  );
}
