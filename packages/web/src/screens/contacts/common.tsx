import type { PublicUser } from '@jiaozi/protocol';
import { useState } from 'react';
import { initialOf } from '../../format.js';
import { useI18n } from '../../i18n/context.js';
import { publicName } from '../../social/contacts.js';
import { regionName } from '../profile.js';

/** Where an avatar's image of (at least) `px` pixels is: the server makes 64 and 256. */
export function avatarUrl(avatarId: string, px: number): string {
  return `/v1/avatars/${encodeURIComponent(avatarId)}/${px > 64 ? 256 : 64}`;
}

/** A square avatar: the person's or group's photo, else the first letter of the name. */
export function Avatar({
  name,
  size = 'medium',
  avatarId = null,
}: {
  name: string;
  size?: 'small' | 'medium' | 'large';
  avatarId?: string | null;
}) {
  const [broken, setBroken] = useState<string | null>(null);
  const photo = avatarId !== null && broken !== avatarId;
  return (
    <span
      className={`contact-avatar contact-avatar-${size}`}
      aria-hidden="true"
      data-testid="avatar"
      data-avatar={photo ? avatarId : undefined}
    >
      {photo ? (
        <img
          className="avatar-image"
          src={avatarUrl(avatarId, size === 'large' ? 128 : 64)}
          alt=""
          onError={() => setBroken(avatarId)}
        />
      ) : (
        initialOf(name)
      )}
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
      <Avatar name={shown} avatarId={user.avatarId} />
      <span className="contact-main">
        <span className="contact-name">{shown}</span>
        {meta ? <span className="contact-meta">{meta}</span> : null}
      </span>
    </>
  );
}
