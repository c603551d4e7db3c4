import type { FamilyGrant, FamilyGrantUse } from '@jiaozi/protocol';
import { type FormEvent, useState } from 'react';
import { useI18n } from '../i18n/context.js';
import { ROUTES } from '../routes.js';
import { useMe, useSession } from '../session.js';
import { FormError } from '../ui/form.js';
import { Page } from '../ui/layout.js';
import { useLoad } from '../ui/use-load.js';
import { parseAmountInput } from '../wallet/amount.js';
import { uuidv7 } from '../wallet/ids.js';
import { Spinner, useMoney } from './wallet/common.js';

/** Me → Family pay: grant a friend a monthly limit, accept, list, end, and each grant's uses. */
export function FamilyScreen() {
  const { t } = useI18n();
  const { api, config } = useSession();
  const me = useMe();
  const money = useMoney();
  const grants = useLoad(() => api.familyGrants(), [api]);
  const contacts = useLoad(() => api.contacts(), [api]);
  const [granteeId, setGranteeId] = useState('');
  const [limitText, setLimitText] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [open, setOpen] = useState<{ id: string; uses: FamilyGrantUse[] } | null>(null);

  const act = async (fn: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
      grants.reload();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  const grant = (event: FormEvent) => {
    event.preventDefault();
    const amount = parseAmountInput(limitText, config.currency);
    if (!amount.ok || !granteeId) {
      setError(new Error(t('family.form_incomplete')));
      return;
    }
    void act(async () => {
      await api.createFamilyGrant({ id: uuidv7(), granteeId, monthlyLimitMinor: amount.wire });
      setLimitText('');
    });
  };

  const showUses = (id: string) =>
    act(async () => {
      if (open?.id === id) setOpen(null);
      else setOpen({ id, uses: (await api.familyGrantUses(id)).uses });
    });

  const list = grants.data?.grants ?? [];
  const row = (g: FamilyGrant) => {
    const given = g.granter.userId === me.id;
    const other = given ? g.grantee : g.granter;
    return (
      <li key={g.id} className="card family-grant" data-testid="family-grant" data-status={g.status}>
        <p className="row-label" data-testid="family-grant-title">
          {given
            ? t('family.given_to', { name: other.displayName })
            : t('family.card_of', { name: other.displayName })}
        </p>
        <p data-testid="family-grant-status">{t(`family.status_${g.status}`)}</p>
        <p data-testid="family-grant-remaining">
          {t('family.remaining', {
            left: money.format(g.remainingThisMonthMinor, g.currency),
            limit: money.format(g.monthlyLimitMinor, g.currency),
          })}
        </p>
        <div className="row-actions">
          {!given && g.status === 'offered' ? (
            <button
              type="button"
              className="button button-small"
              data-testid="family-accept"
              disabled={busy}
              onClick={() => act(() => api.acceptFamilyGrant(g.id))}
            >
              {t('family.accept')}
            </button>
          ) : null}
          {g.status === 'offered' || g.status === 'active' ? (
            <button
              type="button"
              className="button button-secondary button-small"
              data-testid="family-end"
              disabled={busy}
              onClick={() => act(() => api.endFamilyGrant(g.id))}
            >
              {t('family.end')}
            </button>
          ) : null}
          <button
            type="button"
            className="button button-secondary button-small"
            data-testid="family-history"
            disabled={busy}
            onClick={() => showUses(g.id)}
          >
            {t('family.history')}
          </button>
        </div>
        {open?.id === g.id ? (
          <ul className="list" data-testid="family-uses">
            {open.uses.length === 0 ? <li>{t('family.no_uses')}</li> : null}
            {open.uses.map((u) => (
              <li key={u.transferId} className="row" data-testid="family-use">
                <span className="row-label">{u.merchant.displayName}</span>
                <span className="row-value">{money.format(u.amountMinor, u.currency)}</span>
              </li>
            ))}
          </ul>
        ) : null}
      </li>
    );
  };

  return (
    <Page title={t('family.title')} back={ROUTES.me}>
      <p>{t('family.intro')}</p>
      <FormError error={error ?? grants.error} />
      <form className="card" onSubmit={grant} data-testid="family-form">
        <label className="field">
          <span className="field-label">{t('family.friend')}</span>
          <select
            className="input"
            data-testid="family-friend"
            value={granteeId}
            onChange={(e) => setGranteeId(e.target.value)}
          >
            <option value="">{t('family.choose_friend')}</option>
            {(contacts.data?.contacts ?? []).map((c) => (
              <option key={c.user.id} value={c.user.id}>
                {c.name}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span className="field-label">{t('family.monthly_limit')}</span>
          <input
            className="input"
            inputMode="decimal"
            data-testid="family-limit"
            value={limitText}
            onChange={(e) => setLimitText(e.target.value)}
          />
        </label>
        <button type="submit" className="button" data-testid="family-grant-submit" disabled={busy}>
          {t('family.grant')}
        </button>
      </form>
      {grants.loading && !grants.data ? <Spinner label={t('common.loading')} /> : null}
      <ul className="family-grants" data-testid="family-grants">
        {list.map(row)}
      </ul>
    </Page>
  );
}
