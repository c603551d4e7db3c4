import { useRef, useState } from 'react';
import { useI18n } from '../i18n/context.js';
import { FormError } from '../ui/form.js';
import { Avatar } from './contacts/common.js';

/**
 * A large avatar with a button to choose a new photo: the server crops it square and
 * makes every size; `upload` sends it and refreshes whoever shows it.
 */
export function AvatarEditor({
  name,
  avatarId,
  upload,
  testId,
}: {
  name: string;
  avatarId: string | null;
  upload: (file: File) => Promise<void>;
  testId: string;
}) {
  const { t } = useI18n();
  const input = useRef<HTMLInputElement>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const onFile = async (file: File | undefined) => {
    if (!file) return;
    setBusy(true);
    setError(null);
    try {
      await upload(file);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="avatar-editor" data-testid={testId}>
      <Avatar name={name} avatarId={avatarId} size="large" />
      <button
        type="button"
        className="button button-secondary button-small"
        data-testid={`${testId}-change`}
        disabled={busy}
        onClick={() => input.current?.click()}
      >
        {busy ? t('media.sending') : t('media.avatar_change')}
      </button>
      <input
        ref={input}
        type="file"
        accept="image/jpeg,image/png,image/gif,image/webp"
        hidden
        data-testid={`${testId}-input`}
        onChange={(event) => {
          void onFile(event.target.files?.[0]);
          event.target.value = '';
        }}
      />
      <FormError error={error} />
    </div>
  );
}
