import { type ComponentType, type ReactNode, useState } from 'react';
import { handleOf, initialOf } from '../format.js';
import { useI18n } from '../i18n/context.js';
import { otherLang } from '../i18n/i18n.js';
import { Link } from '../router.js';
import { ROUTES } from '../routes.js';
import { useMe, useSession } from '../session.js';
import {
  ChevronRightIcon,
  DevicesIcon,
  EyeOffIcon,
  GlobeIcon,
  GridIcon,
  type IconProps,
  LockIcon,
  LogoutIcon,
  ProfileIcon,
  ShieldIcon,
  UsersIcon,
} from '../ui/icons.js';
import { Page } from '../ui/layout.js';
import { avatarUrl } from './contacts/common.js';

function RowContent({
  Icon,
  tone,
  label,
  value,
}: {
  Icon: ComponentType<IconProps>;
  tone: string;
  label: string;
  value?: ReactNode;
}) {
  return (
    <>
      <span className={`row-icon tone-${tone}`}>
        <Icon size={18} />
      </span>
      <span className="row-label">{label}</span>
      {value !== undefined ? <span className="row-value">{value}</span> : null}
      <ChevronRightIcon size={18} className="row-chevron" />
    </>
  );
}

export function MeScreen() {
  const { t, lang, setLang } = useI18n();
  const { signOut } = useSession();
  const me = useMe();
  const [leaving, setLeaving] = useState(false);
  const next = otherLang(lang);

  const logout = async () => {
    setLeaving(true);
    await signOut();
  };

  return (
    <Page title={t('tabs.me')} tabbed>
      <section className="card me-header">
        <div className="avatar" aria-hidden="true" data-testid="me-avatar">
          {me.avatarId ? (
            <img className="avatar-image" src={avatarUrl(me.avatarId, 128)} alt="" />
          ) : (
            initialOf(me.displayName || me.username || me.phone || '')
          )}
        </div>
        <div className="me-names">
          <p className="me-name" data-testid="me-display-name">
            {me.displayName}
          </p>
          <p className="me-handle" data-testid="me-handle">
            {handleOf(me)}
          </p>
          {me.bio ? <p className="me-bio">{me.bio}</p> : null}
        </div>
      </section>

      <h2 className="section-title">{t('me.account')}</h2>
      <nav className="list" aria-label={t('me.account')}>
        <Link to={ROUTES.profile} className="row" data-testid="open-profile">
          <RowContent Icon={ProfileIcon} tone="blue" label={t('me.profile')} />
        </Link>
        <Link to={ROUTES.devices} className="row" data-testid="open-devices">
          <RowContent Icon={DevicesIcon} tone="violet" label={t('me.devices')} />
        </Link>
      </nav>

      <h2 className="section-title">{t('me.security')}</h2>
      <nav className="list" aria-label={t('me.security')}>
        <Link to={ROUTES.pin} className="row" data-testid="open-pin">
          <RowContent
            Icon={ShieldIcon}
            tone="green"
            label={t('me.pin')}
            value={
              <span className={me.hasPin ? 'pill pill-green' : 'pill pill-orange'}>
                {me.hasPin ? t('me.pin_set') : t('me.pin_not_set')}
              </span>
            }
          />
        </Link>
        <Link to={ROUTES.password} className="row" data-testid="open-password">
          <RowContent Icon={LockIcon} tone="orange" label={t('me.password')} />
        </Link>
      </nav>

      <h2 className="section-title">{t('me.payments')}</h2>
      <nav className="list" aria-label={t('me.payments')}>
        <Link to={ROUTES.family} className="row" data-testid="open-family">
          <RowContent Icon={UsersIcon} tone="orange" label={t('me.family')} />
        </Link>
      </nav>

      <h2 className="section-title">{t('miniapps.me_section')}</h2>
      <nav className="list" aria-label={t('miniapps.me_section')}>
        <Link to={ROUTES.developer} className="row" data-testid="open-developer">
          <RowContent Icon={GridIcon} tone="violet" label={t('miniapps.dev_title')} />
        </Link>
      </nav>

      <h2 className="section-title">{t('me.settings')}</h2>
      <div className="list">
        <Link to={ROUTES.privacy} className="row" data-testid="open-privacy">
          <RowContent Icon={EyeOffIcon} tone="blue" label={t('me.privacy')} />
        </Link>
        <button
          type="button"
          className="row"
          data-testid="language-switch"
          data-lang={lang}
          aria-label={t('me.language_switch', {
            current: t(`language.${lang}`),
            next: t(`language.${next}`),
          })}
          onClick={() => setLang(next)}
        >
          <RowContent Icon={GlobeIcon} tone="teal" label={t('me.language')} value={t(`language.${lang}`)} />
        </button>
      </div>

      <div className="list">
        <button
          type="button"
          className="row row-danger"
          data-testid="logout"
          disabled={leaving}
          onClick={() => void logout()}
        >
          <span className="row-icon tone-red">
            <LogoutIcon size={18} />
          </span>
          <span className="row-label">{leaving ? t('me.logging_out') : t('me.logout')}</span>
        </button>
      </div>
    </Page>
  );
}
