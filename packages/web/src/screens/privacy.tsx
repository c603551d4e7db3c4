import type { PrivacySettings } from '@jiaozi/protocol';
import { useState } from 'react';
import { useI18n } from '../i18n/context.js';
import type { MessageKey } from '../i18n/i18n.js';
import { ROUTES } from '../routes.js';
import { useSession } from '../session.js';
import { FormError, SwitchRow } from '../ui/form.js';
import { Page } from '../ui/layout.js';
import { useLoad } from '../ui/use-load.js';
import { Spinner } from './wallet/common.js';

const SWITCHES: readonly {
  key: keyof PrivacySettings;
  testId: string;
  label: MessageKey;
  hint: MessageKey;
}[] = [
  {
    key: 'findableByPhone',
    testId: 'privacy-findable-by-phone',
    label: 'privacy.findable_by_phone',
    hint: 'privacy.findable_by_phone_hint',
  },
  {
    key: 'showLastSeen',
    testId: 'privacy-show-last-seen',
    label: 'privacy.show_last_seen',
    hint: 'privacy.show_last_seen_hint',
  },
  {
    key: 'allowStrangerMessages',
    testId: 'privacy-allow-strangers',
    label: 'privacy.allow_strangers',
    hint: 'privacy.allow_strangers_hint',
  },
];

/** Me → Privacy: each switch saves at once (and flips back if the server says no). */
export function PrivacyScreen() {
  const { t } = useI18n();
  const { api } = useSession();
  const settings = useLoad(() => api.privacy(), [api]);
  const [saving, setSaving] = useState<ReadonlySet<keyof PrivacySettings>>(new Set());
  const [error, setError] = useState<unknown>(null);

  const toggle = async (key: keyof PrivacySettings, value: boolean) => {
    setError(null);
    setSaving((current) => new Set(current).add(key));
    settings.setData((current) => (current ? { ...current, [key]: value } : current));
    try {
      const updated = await api.updatePrivacy({ [key]: value });
      settings.setData((current) => (current ? { ...current, [key]: updated[key] } : updated));
    } catch (caught) {
      settings.setData((current) => (current ? { ...current, [key]: !value } : current));
      setError(caught);
    } finally {
      setSaving((current) => {
        const next = new Set(current);
        next.delete(key);
        return next;
      });
    }
  };

  const data = settings.data;
  return (
    <Page title={t('privacy.title')} back={ROUTES.me}>
      <p className="page-intro">{t('privacy.intro')}</p>
      <FormError error={error ?? (data ? null : settings.error)} />
      {data === null ? (
        settings.error ? (
          <button type="button" className="button button-secondary button-small" onClick={settings.reload}>
            {t('common.retry')}
          </button>
        ) : (
          <Spinner label={t('common.loading')} />
        )
      ) : (
        <div className="list">
          {SWITCHES.map((item) => (
            <SwitchRow
              key={item.key}
              label={t(item.label)}
              hint={t(item.hint)}
              checked={data[item.key]}
              busy={saving.has(item.key)}
              testId={item.testId}
              onChange={(value) => void toggle(item.key, value)}
            />
          ))}
        </div>
      )}
    </Page>
  );
}
