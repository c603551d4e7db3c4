import { type FormEvent, useState } from 'react';
import { useI18n } from '../i18n/context.js';
import { ROUTES } from '../routes.js';
import { useMe, useSession } from '../session.js';
import { FormError, FormSuccess, SubmitButton, TextField, useSubmit } from '../ui/form.js';
import { Page } from '../ui/layout.js';
import { AvatarEditor } from './avatar.js';

/** A few common regions offered as suggestions; any ISO 3166 alpha-2 code is accepted. */
const REGION_SUGGESTIONS = [
  'CN',
  'HK',
  'MO',
  'TW',
  'SG',
  'MY',
  'JP',
  'KR',
  'US',
  'GB',
  'DE',
  'FR',
  'AU',
  'CA',
];

export function regionName(code: string, lang: string): string {
  try {
    return new Intl.DisplayNames([lang], { type: 'region' }).of(code) ?? code;
  } catch {
    return code;
  }
}

export function ProfileScreen() {
  const { t, lang } = useI18n();
  const { api, config, setMe } = useSession();
  const me = useMe();
  const { limits } = config;
  const [displayName, setDisplayName] = useState(me.displayName);
  const [bio, setBio] = useState(me.bio);
  const [region, setRegion] = useState(me.region ?? '');
  const [saved, setSaved] = useState(false);
  const { pending, error, run } = useSubmit();

  const regionCode = region.trim().toUpperCase();
  const regionLabel = /^[A-Z]{2}$/.test(regionCode) ? regionName(regionCode, lang) : null;

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setSaved(false);
    void run(async () => {
      const updated = await api.updateMe({
        displayName: displayName.trim(),
        bio,
        region: regionCode === '' ? null : regionCode,
      });
      setMe(updated);
      setDisplayName(updated.displayName);
      setBio(updated.bio);
      setRegion(updated.region ?? '');
      setSaved(true);
    });
  };

  return (
    <Page title={t('profile.title')} back={ROUTES.me}>
      <section className="card">
        <AvatarEditor
          name={me.displayName}
          avatarId={me.avatarId}
          testId="profile-avatar"
          upload={async (file) => {
            await api.setMyAvatar(file);
            setMe(await api.me());
          }}
        />
      </section>
      <form className="card form-card" onSubmit={submit} noValidate>
        <FormError error={error} />
        {saved ? <FormSuccess testId="profile-success">{t('profile.saved')}</FormSuccess> : null}
        <TextField
          label={t('profile.display_name')}
          value={displayName}
          onValueChange={setDisplayName}
          testId="profile-display-name"
          autoComplete="nickname"
          hint={t('common.chars', {
            count: Array.from(displayName).length,
            max: limits.displayNameMaxLength,
          })}
        />
        <BioField value={bio} onValueChange={setBio} max={limits.bioMaxLength} />
        <TextField
          label={t('profile.region')}
          value={region}
          onValueChange={(value) => setRegion(value.toUpperCase())}
          testId="profile-region"
          autoComplete="country"
          autoCapitalize="characters"
          autoCorrect="off"
          spellCheck={false}
          placeholder={t('profile.region_placeholder')}
          list="region-suggestions"
          className="input-short"
          hint={regionLabel ? `${regionLabel} · ${t('profile.region_hint')}` : t('profile.region_hint')}
        />
        <datalist id="region-suggestions">
          {REGION_SUGGESTIONS.map((code) => (
            <option key={code} value={code}>
              {regionName(code, lang)}
            </option>
          ))}
        </datalist>
        <SubmitButton
          pending={pending}
          label={t('common.save')}
          pendingLabel={t('common.saving')}
          testId="profile-save"
        />
      </form>
    </Page>
  );
}

function BioField({
  value,
  onValueChange,
  max,
}: {
  value: string;
  onValueChange: (v: string) => void;
  max: number;
}) {
  const { t } = useI18n();
  const count = Array.from(value).length;
  return (
    <div className="field">
      <label className="field-label" htmlFor="profile-bio">
        {t('profile.bio')}
      </label>
      <textarea
        id="profile-bio"
        className="input textarea"
        rows={3}
        value={value}
        placeholder={t('profile.bio_placeholder')}
        onChange={(event) => onValueChange(event.target.value)}
        aria-describedby="profile-bio-count"
        data-testid="profile-bio"
      />
      <p className={count > max ? 'field-hint field-hint-over' : 'field-hint'} id="profile-bio-count">
        {t('common.chars', { count, max })}
      </p>
    </div>
  );
}
