import type {
  ConversationDetail,
  Message,
  RedPacket,
  RedPacketMode,
  Split,
  TransferCard,
} from '@jiaozi/protocol';
import { type FormEvent, useRef, useState } from 'react';
import { formatDateTime } from '../../format.js';
import { useI18n } from '../../i18n/context.js';
import { useLiveReload } from '../../realtime/live.js';
import { Link, navigate } from '../../router.js';
import { pathTo } from '../../routes.js';
import { useMe, useSession } from '../../session.js';
import { FormError, TextField } from '../../ui/form.js';
import { PlusIcon, RedPacketIcon, SplitIcon, TransferIcon } from '../../ui/icons.js';
import { Page } from '../../ui/layout.js';
import { PinSheet } from '../../ui/pin-sheet.js';
import { useLoad } from '../../ui/use-load.js';
import { parseAmountInput } from '../../wallet/amount.js';
import { uuidv7 } from '../../wallet/ids.js';
import { AmountField, amountProblem, Spinner, useMoney } from '../wallet/common.js';
import { usePeople } from './common.js';
import { Sheet } from './conversation.js';

/** Money in chat: the composer's "+" menu, the cards in the chat, and their details pages. */

type Form = 'transfer' | 'red_packet' | 'split';

interface Pending {
  description: string;
  amountMinor: number;
  send: (pin: string) => Promise<Message>;
}

/** The composer's "+": Transfer (1:1), Red packet, Split (groups), each ending in the PIN sheet. */
export function MoneyMenu({
  detail,
  onSent,
  disabled,
}: {
  detail: ConversationDetail | null;
  onSent: (message: Message) => void;
  disabled: boolean;
}) {
  const { t } = useI18n();
  const { config } = useSession();
  const money = useMoney();
  const [menu, setMenu] = useState(false);
  const [form, setForm] = useState<Form | null>(null);
  const [pending, setPending] = useState<Pending | null>(null);
  const [error, setError] = useState<unknown>(null);
  // The message the PIN sheet's payment made, handed over once the sheet closes.
  const sent = useRef<Message | null>(null);
  const group = detail?.kind === 'group';

  const open = (f: Form) => {
    setMenu(false);
    setError(null);
    setForm(f);
  };

  return (
    <>
      <button
        type="button"
        className="icon-button composer-plus"
        data-testid="composer-plus"
        aria-label={t('pay.menu')}
        disabled={disabled || !detail}
        onClick={() => setMenu(true)}
      >
        <PlusIcon size={22} />
      </button>
      {menu ? (
        <Sheet title={t('pay.menu')} onClose={() => setMenu(false)}>
          <div className="pay-menu">
            {!group ? (
              <button
                type="button"
                className="pay-menu-item"
                data-testid="pay-menu-transfer"
                onClick={() => open('transfer')}
              >
                <span className="row-icon tone-orange">
                  <TransferIcon size={22} />
                </span>
                {t('pay.transfer')}
              </button>
            ) : null}
            <button
              type="button"
              className="pay-menu-item"
              data-testid="pay-menu-red-packet"
              onClick={() => open('red_packet')}
            >
              <span className="row-icon tone-red">
                <RedPacketIcon size={22} />
              </span>
              {t('pay.red_packet')}
            </button>
            {group ? (
              <button
                type="button"
                className="pay-menu-item"
                data-testid="pay-menu-split"
                onClick={() => open('split')}
              >
                <span className="row-icon tone-violet">
                  <SplitIcon size={22} />
                </span>
                {t('pay.split')}
              </button>
            ) : null}
          </div>
        </Sheet>
      ) : null}
      {form && detail ? (
        <Sheet title={t(`pay.${form}`)} onClose={() => setForm(null)}>
          <FormError error={error} />
          {form === 'transfer' ? (
            <TransferForm detail={detail} onReady={setPending} />
          ) : form === 'red_packet' ? (
            <RedPacketForm detail={detail} onReady={setPending} />
          ) : (
            <SplitForm
              detail={detail}
              onError={setError}
              onSent={(message) => {
                setForm(null);
                onSent(message);
              }}
            />
          )}
        </Sheet>
      ) : null}
      {pending ? (
        <PinSheet
          description={pending.description}
          amount={money.format(pending.amountMinor)}
          length={config.limits.pinLength}
          onSubmit={async (pin) => {
            sent.current = await pending.send(pin);
          }}
          onFail={(caught) => {
            setPending(null);
            setError(caught);
          }}
          onDone={() => {
            setPending(null);
            setForm(null);
            if (sent.current) onSent(sent.current);
            sent.current = null;
          }}
          onClose={() => setPending(null)}
        />
      ) : null}
    </>
  );
}

function useAmount() {
  const { t } = useI18n();
  const { config } = useSession();
  const [text, setText] = useState('');
  const [problem, setProblem] = useState<ReturnType<typeof amountProblem>>(null);
  const parse = (): number | null => {
    const parsed = parseAmountInput(text, config.currency);
    const p = amountProblem(parsed, t);
    setProblem(p);
    return parsed.ok ? parsed.wire : null;
  };
  return { text, setText, problem, parse };
}

function TransferForm({ detail, onReady }: { detail: ConversationDetail; onReady: (p: Pending) => void }) {
  const { t } = useI18n();
  const { api, config } = useSession();
  const me = useMe();
  const amount = useAmount();
  const [note, setNote] = useState('');
  const peer = detail.members.find((m) => m.userId !== me.id)?.userId ?? '';
  const { nameOf } = usePeople([peer]);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const wire = amount.parse();
    if (wire === null) return;
    const id = uuidv7();
    onReady({
      description: t('pay.transfer_to', { name: nameOf(peer) }),
      amountMinor: wire,
      send: async (pin) =>
        (
          await api.sendTransferCard({
            id,
            conversationId: detail.id,
            amountMinor: wire,
            ...(note.trim() ? { note: note.trim() } : {}),
            pin,
          })
        ).message,
    });
  };
  return (
    <form className="pay-form" onSubmit={submit} data-testid="transfer-form">
      <AmountField
        label={t('amount.label')}
        value={amount.text}
        onValueChange={amount.setText}
        currency={config.currency}
        testId="transfer-amount"
        error={amount.problem}
      />
      <TextField
        label={t('pay.note')}
        value={note}
        onValueChange={setNote}
        testId="transfer-note"
        maxLength={100}
        autoComplete="off"
      />
      <button type="submit" className="button button-primary" data-testid="transfer-submit">
        {t('pay.transfer')}
      </button>
    </form>
  );
}

function RedPacketForm({ detail, onReady }: { detail: ConversationDetail; onReady: (p: Pending) => void }) {
  const { t } = useI18n();
  const { api, config } = useSession();
  const me = useMe();
  const group = detail.kind === 'group';
  const amount = useAmount();
  const [mode, setMode] = useState<RedPacketMode>('lucky');
  const [count, setCount] = useState(group ? '' : '1');
  const [greeting, setGreeting] = useState('');
  const [only, setOnly] = useState<string[]>([]);
  const [countError, setCountError] = useState<string | null>(null);
  const others = detail.members.filter((m) => m.userId !== me.id).map((m) => m.userId);
  const { nameOf } = usePeople(others);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const wire = amount.parse();
    const n = Number(count);
    const countOk = Number.isInteger(n) && n >= 1 && n <= 100;
    setCountError(countOk ? null : t('pay.count_range'));
    if (wire === null || !countOk) return;
    const id = uuidv7();
    onReady({
      description: greeting.trim() || t('pay.greeting_default'),
      amountMinor: wire,
      send: async (pin) =>
        (
          await api.sendRedPacket({
            id,
            conversationId: detail.id,
            mode,
            totalMinor: wire,
            count: n,
            greeting: greeting.trim() || t('pay.greeting_default'),
            ...(only.length > 0 ? { recipientIds: only } : {}),
            pin,
          })
        ).message,
    });
  };
  return (
    <form className="pay-form" onSubmit={submit} data-testid="red-packet-form">
      {group ? (
        <fieldset className="segmented">
          <legend className="visually-hidden">{t('pay.mode')}</legend>
          {(['lucky', 'equal'] as const).map((m) => (
            <button
              key={m}
              type="button"
              className="segment"
              aria-pressed={mode === m}
              data-testid={`red-packet-mode-${m}`}
              onClick={() => setMode(m)}
            >
              {t(`pay.mode_${m}`)}
            </button>
          ))}
        </fieldset>
      ) : null}
      {group ? (
        <TextField
          label={t('pay.count')}
          value={count}
          onValueChange={setCount}
          testId="red-packet-count"
          inputMode="numeric"
          error={countError ? { code: 'count', message: countError } : null}
        />
      ) : null}
      <AmountField
        label={t('pay.total')}
        value={amount.text}
        onValueChange={amount.setText}
        currency={config.currency}
        testId="red-packet-amount"
        error={amount.problem}
        hint={t('pay.red_packet_limits')}
      />
      <TextField
        label={t('pay.greeting')}
        value={greeting}
        onValueChange={setGreeting}
        testId="red-packet-greeting"
        placeholder={t('pay.greeting_default')}
        maxLength={40}
        autoComplete="off"
      />
      {group ? (
        <fieldset className="pay-people">
          <legend>{t('pay.only_for')}</legend>
          {others.map((id) => (
            <label key={id} className="row">
              <input
                type="checkbox"
                checked={only.includes(id)}
                onChange={(event) =>
                  setOnly((current) =>
                    event.target.checked ? [...current, id] : current.filter((x) => x !== id),
                  )
                }
              />
              {nameOf(id)}
            </label>
          ))}
        </fieldset>
      ) : null}
      <button type="submit" className="button button-primary button-red" data-testid="red-packet-submit">
        {t('pay.red_packet_send')}
      </button>
    </form>
  );
}

function SplitForm({
  detail,
  onSent,
  onError,
}: {
  detail: ConversationDetail;
  onSent: (message: Message) => void;
  onError: (error: unknown) => void;
}) {
  const { t } = useI18n();
  const { api, config } = useSession();
  const money = useMoney();
  const amount = useAmount();
  const [title, setTitle] = useState('');
  const members = detail.members.map((m) => m.userId);
  const [who, setWho] = useState<string[]>(members);
  const [custom, setCustom] = useState(false);
  const [amounts, setAmounts] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const { nameOf } = usePeople(members);
  const chosen = members.filter((m) => who.includes(m));
  // Custom shares: each must parse; the total is their sum.
  const shares = chosen.map((id) => ({ id, parsed: parseAmountInput(amounts[id] ?? '', config.currency) }));
  const customTotal = shares.reduce((sum, x) => sum + (x.parsed.ok ? x.parsed.wire : 0), 0);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (title.trim() === '' || chosen.length === 0) return;
    let totalMinor: number;
    let split: { userId: string; amountMinor: number }[] | undefined;
    if (custom) {
      if (shares.some((x) => !x.parsed.ok)) {
        onError(new Error(t('pay.split_custom_invalid')));
        return;
      }
      split = shares.map((x) => ({ userId: x.id, amountMinor: x.parsed.ok ? x.parsed.wire : 0 }));
      totalMinor = customTotal;
    } else {
      const wire = amount.parse();
      if (wire === null) return;
      totalMinor = wire;
    }
    setBusy(true);
    try {
      const { message } = await api.createSplit({
        id: uuidv7(),
        conversationId: detail.id,
        title: title.trim(),
        totalMinor,
        participantIds: chosen,
        ...(split ? { amounts: split } : {}),
      });
      onSent(message);
    } catch (caught) {
      onError(caught);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="pay-form" onSubmit={(e) => void submit(e)} data-testid="split-form">
      <TextField
        label={t('pay.split_title')}
        value={title}
        onValueChange={setTitle}
        testId="split-title"
        maxLength={40}
      />
      <fieldset className="segmented">
        <legend className="visually-hidden">{t('pay.mode')}</legend>
        <button
          type="button"
          className="segment"
          aria-pressed={!custom}
          data-testid="split-mode-equal"
          onClick={() => setCustom(false)}
        >
          {t('pay.split_mode_equal')}
        </button>
        <button
          type="button"
          className="segment"
          aria-pressed={custom}
          data-testid="split-mode-custom"
          onClick={() => setCustom(true)}
        >
          {t('pay.split_mode_custom')}
        </button>
      </fieldset>
      {custom ? (
        <p className="pay-details-meta" data-testid="split-custom-total">
          {t('pay.total')}: {money.format(customTotal)}
        </p>
      ) : (
        <AmountField
          label={t('pay.total')}
          value={amount.text}
          onValueChange={amount.setText}
          currency={config.currency}
          testId="split-amount"
          error={amount.problem}
          hint={t('pay.split_equal')}
        />
      )}
      <fieldset className="pay-people">
        <legend>{t('pay.participants')}</legend>
        {members.map((id) => (
          <div key={id} className="row">
            <label className="pay-person">
              <input
                type="checkbox"
                checked={who.includes(id)}
                onChange={(event) =>
                  setWho((current) =>
                    event.target.checked ? [...current, id] : current.filter((x) => x !== id),
                  )
                }
              />
              {nameOf(id)}
            </label>
            {custom && who.includes(id) ? (
              <input
                className="input pay-person-amount"
                inputMode="decimal"
                aria-label={t('pay.share_of', { name: nameOf(id) })}
                data-testid="split-custom-amount"
                value={amounts[id] ?? ''}
                placeholder="0.00"
                onChange={(event) => setAmounts((current) => ({ ...current, [id]: event.target.value }))}
              />
            ) : null}
          </div>
        ))}
      </fieldset>
      <button type="submit" className="button button-primary" data-testid="split-submit" disabled={busy}>
        {t('pay.split_send')}
      </button>
    </form>
  );
}

// ---------- Cards in the chat ----------

function cardStatusKey(status: TransferCard['status'], mine: boolean) {
  if (status === 'pending') return mine ? 'pay.card_pending_mine' : 'pay.card_pending_theirs';
  return `pay.card_${status}` as const;
}

/** The card a money message shows in the chat, with its live status. */
export function MoneyCard({ message, mine }: { message: Message; mine: boolean }) {
  if (message.kind === 'transfer') return <TransferBubble message={message} mine={mine} />;
  if (message.kind === 'red_packet') return <RedPacketBubble message={message} />;
  return <SplitBubble message={message} />;
}

function TransferBubble({ message, mine }: { message: Message; mine: boolean }) {
  const { t } = useI18n();
  const { api } = useSession();
  const money = useMoney();
  const id = String(message.payload?.cardId ?? '');
  const card = useLoad(() => api.transferCard(id), [api, id]);
  useLiveReload(['chatpay.'], card.reload);
  const status = card.data?.status ?? 'pending';
  return (
    <Link
      to={pathTo('transferCard', { conversationId: message.conversationId, id })}
      className={`pay-card pay-card-transfer pay-card-${status}`}
      data-testid="transfer-card"
      data-status={status}
    >
      <span className="pay-card-main">
        <TransferIcon size={28} />
        <span>
          <strong className="pay-card-amount">
            {money.format(Number(message.payload?.amountMinor ?? 0), String(message.payload?.currency ?? ''))}
          </strong>
          <span className="pay-card-note">{String(message.payload?.note ?? '') || t('pay.transfer')}</span>
        </span>
      </span>
      <span className="pay-card-foot" data-testid="transfer-card-status">
        {t(cardStatusKey(status, mine))}
      </span>
    </Link>
  );
}

function RedPacketBubble({ message }: { message: Message }) {
  const { t } = useI18n();
  const { api } = useSession();
  const id = String(message.payload?.packetId ?? '');
  const packet = useLoad(() => api.redPacket(id), [api, id]);
  useLiveReload(['chatpay.'], packet.reload);
  const [opening, setOpening] = useState(false);
  const p = packet.data;
  const foot = !p
    ? t('pay.red_packet')
    : p.myGrab
      ? t('pay.packet_opened')
      : p.status === 'refunded'
        ? t('pay.packet_expired')
        : p.status === 'empty'
          ? t('pay.packet_empty')
          : t('pay.red_packet');
  const details = pathTo('redPacket', { conversationId: message.conversationId, id });
  return (
    <>
      <button
        type="button"
        className={p && !p.canGrab ? 'pay-card pay-card-red pay-card-done' : 'pay-card pay-card-red'}
        data-testid="red-packet-card"
        data-can-grab={p?.canGrab ? 'true' : 'false'}
        onClick={() => (p?.canGrab ? setOpening(true) : navigate(details))}
      >
        <span className="pay-card-main">
          <RedPacketIcon size={28} />
          <span className="pay-card-note">
            {String(message.payload?.greeting ?? '') || t('pay.greeting_default')}
          </span>
        </span>
        <span className="pay-card-foot">{foot}</span>
      </button>
      {opening && p ? (
        <RedPacketOpen
          packet={p}
          onClose={() => setOpening(false)}
          onOpened={() => {
            setOpening(false);
            navigate(details);
          }}
        />
      ) : null}
    </>
  );
}

/** The red packet opening screen: the sender, the greeting and the big 開 button. */
function RedPacketOpen({
  packet,
  onClose,
  onOpened,
}: {
  packet: RedPacket;
  onClose: () => void;
  onOpened: () => void;
}) {
  const { t } = useI18n();
  const { api } = useSession();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const open = async () => {
    setBusy(true);
    try {
      await api.grabRedPacket(packet.id);
      onOpened();
    } catch (caught) {
      setError(caught);
      setBusy(false);
    }
  };
  return (
    <div className="sheet-backdrop red-open-backdrop">
      <button type="button" className="sheet-scrim" aria-label={t('common.close')} onClick={onClose} />
      <div
        className="red-open"
        role="dialog"
        aria-modal="true"
        aria-label={t('pay.red_packet')}
        data-testid="red-packet-open"
      >
        <p className="red-open-from">{t('pay.packet_from', { name: packet.sender.displayName })}</p>
        <p className="red-open-greeting">{packet.greeting || t('pay.greeting_default')}</p>
        <FormError error={error} />
        <button
          type="button"
          className="red-open-button"
          data-testid="red-packet-open-button"
          aria-label={t('pay.open')}
          disabled={busy}
          onClick={() => void open()}
        >
          {t('pay.open_glyph')}
        </button>
      </div>
    </div>
  );
}

function SplitBubble({ message }: { message: Message }) {
  const { t } = useI18n();
  const { api } = useSession();
  const money = useMoney();
  const id = String(message.payload?.splitId ?? '');
  const me = useMe();
  const split = useLoad(() => api.split(id), [api, id]);
  useLiveReload(['chatpay.'], split.reload);
  const mine = split.data?.shares.find((x) => x.user.userId === me.id);
  // The creator reminded me and my share is still unpaid.
  const nudged = split.data?.status === 'open' && mine && !mine.paidAt && split.data.lastRemindedAt !== null;
  return (
    <Link
      to={pathTo('split', { conversationId: message.conversationId, id })}
      className="pay-card pay-card-split"
      data-testid="split-card"
    >
      <span className="pay-card-main">
        <SplitIcon size={28} />
        <span>
          <strong>{String(message.payload?.title ?? '')}</strong>
          <span className="pay-card-note">
            {money.format(Number(message.payload?.totalMinor ?? 0), String(message.payload?.currency ?? ''))}
          </span>
        </span>
      </span>
      <span className="pay-card-foot" data-testid="split-card-foot">
        {nudged
          ? t('pay.split_reminded_you')
          : split.data
            ? split.data.status === 'closed'
              ? t('pay.split_closed')
              : t('pay.split_paid_count', { paid: split.data.paidCount, count: split.data.shares.length })
            : t('pay.split')}
      </span>
    </Link>
  );
}

// ---------- Details pages ----------

export function TransferCardScreen({ conversationId, id }: { conversationId: string; id: string }) {
  const { t, lang } = useI18n();
  const { api } = useSession();
  const me = useMe();
  const money = useMoney();
  const card = useLoad(() => api.transferCard(id), [api, id]);
  useLiveReload(['chatpay.'], card.reload);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const decide = async (action: 'accept' | 'return') => {
    setBusy(true);
    setError(null);
    try {
      card.setData(await api.decideTransferCard(id, action));
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  const c: TransferCard | null = card.data;
  const back = pathTo('conversation', { conversationId });
  return (
    <Page title={t('pay.transfer')} back={back}>
      <FormError error={error ?? card.error} />
      {!c ? (
        <Spinner label={t('common.loading')} />
      ) : (
        <div className="pay-details" data-testid="transfer-details" data-status={c.status}>
          <p className="pay-details-status" data-testid="transfer-details-status">
            {t(cardStatusKey(c.status, c.receiver.userId !== me.id))}
          </p>
          <p className="pay-details-amount">{money.format(c.amountMinor, c.currency)}</p>
          {c.note ? <p>{c.note}</p> : null}
          <p className="pay-details-meta">
            {t('pay.transfer_from_to', { from: c.sender.displayName, to: c.receiver.displayName })}
          </p>
          <p className="pay-details-meta">{formatDateTime(c.createdAt, lang)}</p>
          {c.status === 'pending' && c.receiver.userId === me.id ? (
            <div className="row-actions">
              <button
                type="button"
                className="button button-primary"
                data-testid="transfer-accept"
                disabled={busy}
                onClick={() => void decide('accept')}
              >
                {t('pay.accept')}
              </button>
              <button
                type="button"
                className="button button-secondary"
                data-testid="transfer-return"
                disabled={busy}
                onClick={() => void decide('return')}
              >
                {t('pay.return')}
              </button>
            </div>
          ) : null}
          {c.status === 'pending' ? <p className="pay-details-meta">{t('pay.card_expires')}</p> : null}
        </div>
      )}
    </Page>
  );
}

export function RedPacketScreen({ conversationId, id }: { conversationId: string; id: string }) {
  const { t, lang } = useI18n();
  const { api } = useSession();
  const money = useMoney();
  const packet = useLoad(() => api.redPacket(id), [api, id]);
  useLiveReload(['chatpay.'], packet.reload);
  const p = packet.data;
  return (
    <Page title={t('pay.red_packet_details')} back={pathTo('conversation', { conversationId })}>
      <FormError error={packet.error} />
      {!p ? (
        <Spinner label={t('common.loading')} />
      ) : (
        <div className="red-details" data-testid="red-packet-details" data-status={p.status}>
          <div className="red-details-head">
            <p className="red-details-from">{t('pay.packet_from', { name: p.sender.displayName })}</p>
            <p className="red-details-greeting">{p.greeting}</p>
            {p.myGrab ? (
              <p className="red-details-mine" data-testid="red-packet-my-amount">
                {money.format(p.myGrab.amountMinor, p.currency)}
              </p>
            ) : null}
          </div>
          <p className="pay-details-meta" data-testid="red-packet-summary">
            {t(p.mode === 'lucky' ? 'pay.summary_lucky' : 'pay.summary_equal', {
              taken: p.count - p.remainingCount,
              count: p.count,
              total: money.format(p.totalMinor, p.currency),
            })}
            {p.status === 'refunded'
              ? ` · ${t('pay.refunded', { amount: money.format(p.refundedMinor, p.currency) })}`
              : ''}
          </p>
          <ul className="list" data-testid="red-packet-grabs">
            {p.grabs.map((g) => (
              <li
                key={g.user.userId}
                className="row"
                data-testid="red-packet-grab"
                data-best={g.bestLuck ? 'true' : 'false'}
              >
                <span className="history-main">
                  <span className="history-title">{g.user.displayName}</span>
                  <span className="history-meta">{formatDateTime(g.grabbedAt, lang)}</span>
                </span>
                <span className="history-side">
                  <span className="row-value" data-testid="red-packet-grab-amount">
                    {money.format(g.amountMinor, p.currency)}
                  </span>
                  {g.bestLuck ? (
                    <span className="best-luck" data-testid="best-luck">
                      {t('pay.best_luck')}
                    </span>
                  ) : null}
                </span>
              </li>
            ))}
          </ul>
        </div>
      )}
    </Page>
  );
}

export function SplitScreen({ conversationId, id }: { conversationId: string; id: string }) {
  const { t } = useI18n();
  const { api, config } = useSession();
  const me = useMe();
  const money = useMoney();
  const split = useLoad(() => api.split(id), [api, id]);
  useLiveReload(['chatpay.'], split.reload);
  const [error, setError] = useState<unknown>(null);
  const [paying, setPaying] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const s: Split | null = split.data;
  const mine = s?.shares.find((x) => x.user.userId === me.id) ?? null;
  const act = async (action: 'remind' | 'close') => {
    setError(null);
    try {
      split.setData(await api.splitAction(id, action));
      if (action === 'remind') setNotice(t('pay.reminded'));
    } catch (caught) {
      setError(caught);
    }
  };
  return (
    <Page title={t('pay.split')} back={pathTo('conversation', { conversationId })}>
      <FormError error={error ?? split.error} />
      {notice ? <p role="status">{notice}</p> : null}
      {!s ? (
        <Spinner label={t('common.loading')} />
      ) : (
        <div className="pay-details" data-testid="split-details" data-status={s.status}>
          <p className="pay-details-status">{s.title}</p>
          <p className="pay-details-amount">{money.format(s.totalMinor, s.currency)}</p>
          <p className="pay-details-meta">
            {t('pay.split_paid_count', { paid: s.paidCount, count: s.shares.length })} ·{' '}
            {money.format(s.paidMinor, s.currency)}
          </p>
          <ul className="list">
            {s.shares.map((x) => (
              <li
                key={x.user.userId}
                className="row"
                data-testid="split-share"
                data-paid={x.paidAt ? 'true' : 'false'}
              >
                <span className="row-label">{x.user.displayName}</span>
                <span className="row-value">
                  {money.format(x.amountMinor, s.currency)} · {x.paidAt ? t('pay.paid') : t('pay.unpaid')}
                </span>
              </li>
            ))}
          </ul>
          <div className="row-actions">
            {mine && !mine.paidAt && s.status === 'open' ? (
              <button
                type="button"
                className="button button-primary"
                data-testid="split-pay"
                onClick={() => setPaying(true)}
              >
                {t('pay.pay_share', { amount: money.format(mine.amountMinor, s.currency) })}
              </button>
            ) : null}
            {s.creator.userId === me.id && s.status === 'open' ? (
              <>
                <button
                  type="button"
                  className="button button-secondary"
                  data-testid="split-remind"
                  onClick={() => void act('remind')}
                >
                  {t('pay.remind')}
                </button>
                <button
                  type="button"
                  className="button button-secondary"
                  data-testid="split-close"
                  onClick={() => void act('close')}
                >
                  {t('pay.close_split')}
                </button>
              </>
            ) : null}
          </div>
        </div>
      )}
      {paying && mine && s ? (
        <PinSheet
          description={t('pay.pay_to', { name: s.creator.displayName })}
          amount={money.format(mine.amountMinor, s.currency)}
          length={config.limits.pinLength}
          onSubmit={async (pin) => {
            split.setData(await api.paySplit(id, pin));
          }}
          onFail={(caught) => {
            setPaying(false);
            setError(caught);
          }}
          onDone={() => setPaying(false)}
          onClose={() => setPaying(false)}
        />
      ) : null}
    </Page>
  );
}
