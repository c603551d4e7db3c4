import type { PublicUser } from '@jiaozi/protocol';
import { initialOf } from '../../format.js';
import { useI18n } from '../../i18n/context.js';
import { publicName } from '../../social/contacts.js';
import { regionName } from '../profile.js';

/** A square avatar with the first letter of the name. */
export function Avatar({ name, size = 'medium' }: { name: string; size?: 'small' | 'medium' | 'large' }) {
  return (
    <span className={`contact-avatar contact-avatar-${size}`} aria-hidden="true">
      {initialOf(name)}
    </span>
  );
}

/** "@alice · China": how someone is found, and where they are. */
export function userMeta(user: PublicUser, lang: string): string {
  const parts: string[] = [];
  if (user.username) parts.push(`@${user.username}`);
  if (user.region) parts.push(regionName(user.region, lang));
  return parts.join(' · ');
}

/** Avatar, name and handle of someone, for lists and result cards. */
export function UserLine({ user, name }: { user: PublicUser; name?: string }) {
  const { lang } = useI18n();
  const shown = name ?? publicName(user);
  const meta = userMeta(user, lang);
  return (
    <>
      <Avatar name={shown} />
      <span className="contact-main">
        <span className="contact-name">{shown}</span>
        {meta ? <span className="contact-meta">{meta}</span> : null}
      </span>
    </>
  );
}
