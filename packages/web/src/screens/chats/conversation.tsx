import type { ConversationDetail, ConversationSummary, Message, PhotoItem, Presence } from '@jiaozi/protocol';
import {
  type KeyboardEvent,
  type PointerEvent,
  type ReactNode,
  useCallback,
  useEffect,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
} from 'react';
import {
  bodyText,
  canRecall,
  clockTime,
  compareConversations,
  conversationName,
  type DeliveryStatus,
  dayLabel,
  groupByDay,
  isManager,
  isRecallNotice,
  latestPageRange,
  MESSAGE_COUNTER_FROM,
  MESSAGE_MAX_LENGTH,
  mergeMessages,
  type NameOf,
  systemText,
  textLength,
  tickStatus,
} from '../../chat/chat.js';
import { formatRelativeTime } from '../../format.js';
import { useI18n } from '../../i18n/context.js';
import { photosOf } from '../../media/media.js';
import { cardPayloadOf } from '../../miniapps/links.js';
import { MiniAppCard } from '../../miniapps/screens.js';
import { useLiveReload, useSendMessage, useTyping } from '../../realtime/live.js';
import { Link } from '../../router.js';
import { pathTo, ROUTES } from '../../routes.js';
import { useMe, useSession } from '../../session.js';
import { FormError } from '../../ui/form.js';
import {
  AlertIcon,
  ClockIcon,
  CloseIcon,
  CopyIcon,
  DoubleTickIcon,
  ForwardIcon,
  MoreIcon,
  ReplyIcon,
  SendIcon,
  TickIcon,
  TrashIcon,
  UndoIcon,
} from '../../ui/icons.js';
import { Page } from '../../ui/layout.js';
import { IntentIds, isDefinitiveFailure, uuidv7 } from '../../wallet/ids.js';
import { Spinner } from '../wallet/common.js';
import { usePeople } from './common.js';
import { PhotoAlbum, PhotoPicker, PhotoViewer, VoiceBubble, VoiceButton } from './media.js';
import { MoneyCard, MoneyMenu } from './money.js';

/** A message of mine on its way: kept (with its id) until the server answers. */
interface Outgoing {
  id: string;
  text: string;
  replyTo: string | null;
  createdAt: string;
  failed: boolean;
  error: unknown;
}

const NEAR_BOTTOM_PX = 60;
const NEAR_TOP_PX = 80;
const LONG_PRESS_MS = 500;

export function ConversationScreen({ conversationId }: { conversationId: string }) {
  const { t, lang } = useI18n();
  const { api } = useSession();
  const me = useMe();
  const [detail, setDetail] = useState<ConversationDetail | null>(null);
  const [messages, setMessages] = useState<Message[]>([]);
  const [hasOlder, setHasOlder] = useState(false);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const [outbox, setOutbox] = useState<Outgoing[]>([]);
  const [replyTo, setReplyTo] = useState<Message | null>(null);
  const [menu, setMenu] = useState<Message | null>(null);
  const [forwarding, setForwarding] = useState<Message | null>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [draft, setDraft] = useState('');
  const [viewer, setViewer] = useState<{ photos: PhotoItem[]; start: number } | null>(null);

  const listRef = useRef<HTMLDivElement>(null);
  const inputRef = useRef<HTMLTextAreaElement>(null);
  const atBottom = useRef(true);
  const anchor = useRef<{ height: number; top: number } | null>(null);
  const readSent = useRef(0);
  const deliveredSent = useRef(0);
  const inFlight = useRef(false);
  const again = useRef(false);
  const live = useRef(true);
  const loadedOnce = useRef(false);

  useEffect(() => {
    live.current = true;
    return () => {
      live.current = false;
    };
  }, []);

  /** Fetches the conversation and its latest page, merged into what is shown (never twice at once). */
  const refresh = useCallback(async () => {
    if (inFlight.current) {
      again.current = true;
      return;
    }
    inFlight.current = true;
    try {
      do {
        again.current = false;
        try {
          const [conversation, page] = await Promise.all([
            api.conversation(conversationId),
            api.messages(conversationId),
          ]);
          if (!live.current) return;
          setDetail(conversation);
          setLoadError(null);
          if (!loadedOnce.current) {
            loadedOnce.current = true;
            setHasOlder(page.hasMore);
          }
          setMessages((current) => mergeMessages(current, page.messages, latestPageRange(page)));
        } catch (caught) {
          if (live.current) setLoadError(caught);
        }
      } while (again.current && live.current);
    } finally {
      inFlight.current = false;
    }
  }, [api, conversationId]);

  useEffect(() => {
    void refresh();
  }, [refresh]);
  useLiveReload(['chat.'], () => void refresh());

  const loadOlder = useCallback(async () => {
    const first = messages[0];
    if (!first || loadingOlder || !hasOlder) return;
    setLoadingOlder(true);
    try {
      const page = await api.messages(conversationId, { before: first.seq });
      if (!live.current) return;
      const list = listRef.current;
      anchor.current = list ? { height: list.scrollHeight, top: list.scrollTop } : null;
      setMessages((current) => mergeMessages(current, page.messages));
      setHasOlder(page.hasMore);
    } catch (caught) {
      if (live.current) setActionError(caught);
    } finally {
      if (live.current) setLoadingOlder(false);
    }
  }, [api, conversationId, messages, loadingOlder, hasOlder]);

  const lastSeq = messages.at(-1)?.seq ?? 0;

  /** Read when the newest message is in view; delivered as soon as it is loaded. */
  const acknowledge = useCallback(() => {
    if (lastSeq === 0 || !detail) return;
    const visible = typeof document === 'undefined' || document.visibilityState !== 'hidden';
    if (atBottom.current && visible) {
      if (lastSeq > Math.max(readSent.current, detail.readSeq)) {
        readSent.current = lastSeq;
        api.markRead(conversationId, lastSeq).catch(() => {
          readSent.current = 0;
        });
      }
    } else if (lastSeq > Math.max(deliveredSent.current, detail.deliveredSeq)) {
      deliveredSent.current = lastSeq;
      api.markDelivered(conversationId, lastSeq).catch(() => {
        deliveredSent.current = 0;
      });
    }
  }, [api, conversationId, lastSeq, detail]);

  useEffect(() => {
    acknowledge();
    document.addEventListener('visibilitychange', acknowledge);
    return () => document.removeEventListener('visibilitychange', acknowledge);
  }, [acknowledge]);

  // Keep the view where it was: at the bottom if it was there, else on the same messages.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs after every change of what is listed.
  useLayoutEffect(() => {
    const list = listRef.current;
    if (!list) return;
    if (anchor.current) {
      list.scrollTop = list.scrollHeight - anchor.current.height + anchor.current.top;
      anchor.current = null;
    } else if (atBottom.current) {
      list.scrollTop = list.scrollHeight;
    }
  }, [messages, outbox, detail === null]);

  const onScroll = () => {
    const list = listRef.current;
    if (!list) return;
    atBottom.current = list.scrollHeight - list.scrollTop - list.clientHeight < NEAR_BOTTOM_PX;
    if (atBottom.current) acknowledge();
    if (list.scrollTop < NEAR_TOP_PX && hasOlder && !loadingOlder) void loadOlder();
  };

  const ids = useMemo(() => {
    const set = new Set<string>();
    for (const m of detail?.members ?? []) set.add(m.userId);
    for (const m of messages) {
      set.add(m.senderId);
      for (const value of Object.values(m.payload ?? {})) {
        if (typeof value === 'string') set.add(value);
        else if (Array.isArray(value)) for (const v of value) if (typeof v === 'string') set.add(v);
      }
    }
    if (detail?.peerId) set.add(detail.peerId);
    return [...set].filter((id) => /^[0-9a-f-]{36}$/.test(id));
  }, [detail, messages]);
  const { nameOf } = usePeople(ids);
  const { typing, iAmTyping } = useTyping(conversationId);
  const presence = usePresence(api, detail?.kind === 'direct' ? (detail.peerId ?? null) : null);

  // ---------- Sending ----------

  const sendMessage = useSendMessage(api);

  const deliver = useCallback(
    async (outgoing: Outgoing) => {
      setOutbox((current) =>
        current.map((o) => (o.id === outgoing.id ? { ...o, failed: false, error: null } : o)),
      );
      try {
        const message = await sendMessage(conversationId, {
          id: outgoing.id,
          text: outgoing.text,
          ...(outgoing.replyTo ? { replyTo: outgoing.replyTo } : {}),
        });
        if (!live.current) return;
        setMessages((current) => mergeMessages(current, [message]));
        setOutbox((current) => current.filter((o) => o.id !== outgoing.id));
      } catch (caught) {
        if (!live.current) return;
        setOutbox((current) =>
          current.map((o) => (o.id === outgoing.id ? { ...o, failed: true, error: caught } : o)),
        );
      }
    },
    [sendMessage, conversationId],
  );

  const length = textLength(draft);
  const tooLong = length > MESSAGE_MAX_LENGTH;
  const canSend = draft.trim() !== '' && !tooLong;

  const send = () => {
    if (!canSend) return;
    const outgoing: Outgoing = {
      id: uuidv7(),
      text: draft.trim(),
      replyTo: replyTo?.id ?? null,
      createdAt: new Date().toISOString(),
      failed: false,
      error: null,
    };
    atBottom.current = true;
    setOutbox((current) => [...current, outgoing]);
    setDraft('');
    setReplyTo(null);
    void deliver(outgoing);
    inputRef.current?.focus();
  };

  /** A photo album or voice message the server took: shown at once, at the bottom. */
  const sentMedia = useCallback((message: Message) => {
    if (!live.current) return;
    atBottom.current = true;
    setMessages((current) => mergeMessages(current, [message]));
  }, []);

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key !== 'Enter' || event.shiftKey || event.nativeEvent.isComposing) return;
    event.preventDefault();
    send();
  };

  // ---------- Message actions ----------

  const act = async (action: () => Promise<void>) => {
    setActionError(null);
    setNotice(null);
    try {
      await action();
    } catch (caught) {
      setActionError(caught);
    }
  };

  const recall = (message: Message) => {
    setMenu(null);
    void act(async () => {
      const recalled = await api.recallMessage(conversationId, message.id);
      setMessages((current) => mergeMessages(current, [recalled]));
      void refresh();
    });
  };

  const remove = (message: Message) => {
    setMenu(null);
    void act(async () => {
      await api.deleteMessage(conversationId, message.id);
      setMessages((current) => current.filter((m) => m.id !== message.id));
    });
  };

  const copy = (message: Message) => {
    setMenu(null);
    void act(async () => {
      await navigator.clipboard?.writeText(message.text ?? '');
      setNotice(t('chats.copied'));
    });
  };

  // ---------- Rendering ----------

  const title = detail ? conversationName(detail, nameOf, t) : t('chats.conversation');
  const shownTitle =
    detail?.kind === 'group' ? t('chats.title_group', { name: title, count: detail.memberCount }) : title;
  const others = (detail?.members ?? []).filter((m) => m.userId !== me.id);
  const muted = detail ? detail.kind === 'group' && detail.muteAll && !isManager(detail.myRole) : false;
  const byId = useMemo(() => new Map(messages.map((m) => [m.id, m])), [messages]);
  const serverIds = useMemo(() => new Set(messages.map((m) => m.id)), [messages]);
  const pending = outbox.filter((o) => !serverIds.has(o.id));
  const items = useMemo(() => groupByDay(messages.filter((m) => !isRecallNotice(m))), [messages]);
  const failed = pending.find((o) => o.failed);

  const settingsLink = (
    <Link
      to={pathTo('conversationSettings', { conversationId })}
      className="topbar-action"
      data-testid="conversation-settings"
      aria-label={t('chats.settings_label')}
    >
      <MoreIcon size={22} />
    </Link>
  );

  return (
    <Page
      title={shownTitle}
      back={ROUTES.chats}
      action={detail ? settingsLink : undefined}
      titleTestId="conversation-title"
      mainClassName="content-chat"
    >
      {detail === null ? (
        loadError ? (
          <div className="card list-note">
            <FormError error={loadError} />
            <button
              type="button"
              className="button button-secondary button-small"
              onClick={() => void refresh()}
            >
              {t('common.retry')}
            </button>
          </div>
        ) : (
          <Spinner label={t('common.loading')} />
        )
      ) : (
        <>
          {presence && (presence.online || presence.lastSeenAt) ? (
            <p className="chat-presence" data-testid="conversation-presence">
              {presence.online
                ? t('chats.presence_online')
                : t('chats.presence_last_seen', {
                    when: formatRelativeTime(presence.lastSeenAt as string, lang),
                  })}
            </p>
          ) : null}
          {detail.kind === 'group' && detail.announcement ? (
            <p className="chat-announcement" data-testid="conversation-announcement">
              {detail.announcement}
            </p>
          ) : null}
          <div
            className="message-list"
            ref={listRef}
            onScroll={onScroll}
            data-testid="message-list"
            role="log"
            aria-label={t('chats.messages_label')}
            aria-busy={loadingOlder}
          >
            {hasOlder ? (
              <button
                type="button"
                className="link-button load-older"
                disabled={loadingOlder}
                onClick={() => void loadOlder()}
              >
                {loadingOlder ? t('chats.loading_older') : t('chats.load_older')}
              </button>
            ) : null}
            {items.length === 0 && pending.length === 0 ? (
              <p className="chat-empty">{t('chats.say_hi')}</p>
            ) : null}
            {items.map((item) =>
              item.type === 'day' ? (
                <p key={item.key} className="day-divider" data-testid="day-divider">
                  <span>{dayLabel(item.at, lang, t)}</span>
                </p>
              ) : (
                <MessageItem
                  key={item.message.seq}
                  message={item.message}
                  detail={detail}
                  meId={me.id}
                  nameOf={nameOf}
                  status={
                    item.message.senderId === me.id ? tickStatus(item.message, detail.kind, others) : null
                  }
                  quoted={item.message.replyTo ? (byId.get(item.message.replyTo) ?? null) : null}
                  onMenu={() => setMenu(item.message)}
                  onOpenPhotos={(photos, start) => setViewer({ photos, start })}
                />
              ),
            )}
            {pending.map((o) => (
              <PendingItem
                key={o.id}
                outgoing={o}
                quoted={o.replyTo ? (byId.get(o.replyTo) ?? null) : null}
                nameOf={nameOf}
                onRetry={() => void deliver(o)}
                onDiscard={() => setOutbox((current) => current.filter((x) => x.id !== o.id))}
              />
            ))}
          </div>

          <div className="composer-area">
            <FormError error={actionError ?? failed?.error ?? null} />
            {notice ? (
              <p className="chat-notice" role="status">
                {notice}
              </p>
            ) : null}
            {replyTo ? (
              <div className="reply-preview" data-testid="reply-preview">
                <span className="reply-preview-text">
                  <strong>{t('chats.reply_to', { name: nameOf(replyTo.senderId) })}</strong>
                  <span>{bodyText(replyTo, t)}</span>
                </span>
                <button
                  type="button"
                  className="icon-button"
                  aria-label={t('chats.reply_cancel')}
                  onClick={() => setReplyTo(null)}
                >
                  <CloseIcon size={18} />
                </button>
              </div>
            ) : null}
            {typing.length > 0 ? (
              <p className="typing-indicator" data-testid="conversation-typing" aria-live="polite">
                {detail?.kind === 'group'
                  ? t('chats.typing_named', { name: typing.map((id) => nameOf(id)).join(', ') })
                  : t('chats.typing')}
              </p>
            ) : null}
            {muted ? (
              <p className="composer-muted" data-testid="composer-muted">
                {t('chats.muted_all')}
              </p>
            ) : (
              <div className="composer">
                <MoneyMenu detail={detail ?? null} onSent={sentMedia} disabled={!detail} />
                <PhotoPicker conversationId={conversationId} onSent={sentMedia} disabled={!detail} />
                <textarea
                  ref={inputRef}
                  className="composer-input"
                  data-testid="composer-input"
                  rows={1}
                  value={draft}
                  placeholder={t('chats.composer_placeholder')}
                  aria-label={t('chats.composer_label')}
                  aria-invalid={tooLong ? true : undefined}
                  onChange={(event) => {
                    setDraft(event.target.value);
                    if (event.target.value.trim() !== '') iAmTyping();
                  }}
                  onKeyDown={onKeyDown}
                />
                {length >= MESSAGE_COUNTER_FROM ? (
                  <span
                    className={tooLong ? 'composer-counter composer-counter-over' : 'composer-counter'}
                    data-testid="composer-counter"
                    aria-live="polite"
                  >
                    {t('common.chars', { count: length, max: MESSAGE_MAX_LENGTH })}
                  </span>
                ) : null}
                <button
                  type="button"
                  className="button button-primary composer-send"
                  data-testid="composer-send"
                  disabled={!canSend}
                  onClick={send}
                  aria-label={t('chats.send')}
                >
                  <SendIcon size={18} />
                  <span className="composer-send-label">{t('chats.send')}</span>
                </button>
                <VoiceButton conversationId={conversationId} onSent={sentMedia} disabled={!detail} />
              </div>
            )}
          </div>

          {menu ? (
            <MessageMenu
              message={menu}
              mine={menu.senderId === me.id}
              meId={me.id}
              onClose={() => setMenu(null)}
              onReply={() => {
                setReplyTo(menu);
                setMenu(null);
                inputRef.current?.focus();
              }}
              onCopy={() => copy(menu)}
              onForward={() => {
                setForwarding(menu);
                setMenu(null);
              }}
              onRecall={() => recall(menu)}
              onDelete={() => remove(menu)}
            />
          ) : null}
          {viewer ? (
            <PhotoViewer photos={viewer.photos} start={viewer.start} onClose={() => setViewer(null)} />
          ) : null}
          {forwarding ? (
            <ForwardSheet
              message={forwarding}
              fromId={conversationId}
              nameOf={nameOf}
              onClose={() => setForwarding(null)}
              onDone={(name) => {
                setForwarding(null);
                setNotice(t('chats.forwarded_to', { name }));
                void refresh();
              }}
            />
          ) : null}
        </>
      )}
    </Page>
  );
}

function Ticks({ status, readCount, group }: { status: DeliveryStatus; readCount: number; group: boolean }) {
  const { t } = useI18n();
  const label = t(`chats.status_${status}`);
  if (group && status === 'read') {
    return (
      <span className="ticks ticks-read" title={label}>
        {t('chats.read_count', { count: Math.max(readCount, 1) })}
      </span>
    );
  }
  return (
    <span className={`ticks ticks-${status}`} title={label} role="img" aria-label={label}>
      {status === 'sending' ? (
        <ClockIcon size={13} />
      ) : status === 'sent' ? (
        <TickIcon size={14} />
      ) : (
        <DoubleTickIcon size={16} />
      )}
    </span>
  );
}

function Quote({ quoted, nameOf }: { quoted: Message | null; nameOf: NameOf }) {
  const { t } = useI18n();
  if (!quoted) return <span className="bubble-quote">{t('chats.reply_missing')}</span>;
  return (
    <span className="bubble-quote" data-testid="message-quote">
      <strong>{nameOf(quoted.senderId)}</strong>
      {quoted.recalled ? t('chats.recalled') : bodyText(quoted, t)}
    </span>
  );
}

function MessageItem({
  message,
  detail,
  meId,
  nameOf,
  status,
  quoted,
  onMenu,
  onOpenPhotos,
}: {
  message: Message;
  detail: ConversationSummary;
  meId: string;
  nameOf: NameOf;
  status: DeliveryStatus | null;
  quoted: Message | null;
  onMenu: () => void;
  onOpenPhotos: (photos: PhotoItem[], start: number) => void;
}) {
  const { t, lang } = useI18n();
  const timer = useRef<number | null>(null);
  const mine = message.senderId === meId;
  const common = {
    'data-testid': 'message',
    'data-seq': message.seq,
    'data-id': message.id,
    'data-mine': mine,
    'data-kind': message.kind,
  };

  if (message.kind === 'system') {
    return (
      <p className="message-system" {...common}>
        {systemText(message, nameOf, t)}
      </p>
    );
  }
  if (message.recalled) {
    return (
      <div
        className="message-system message-recalled"
        {...common}
        data-recalled="true"
        data-status={status ?? undefined}
      >
        <span>{t('chats.recalled_by', { name: nameOf(message.senderId) })}</span>
        <button
          type="button"
          className="message-menu-button"
          data-testid="message-menu"
          aria-label={t('chats.menu')}
          onClick={onMenu}
        >
          <MoreIcon size={16} />
        </button>
      </div>
    );
  }

  const miniAppCard = message.kind === 'miniapp' ? cardPayloadOf(message.payload) : null;
  const cancel = () => {
    if (timer.current !== null) window.clearTimeout(timer.current);
    timer.current = null;
  };
  const onPointerDown = (event: PointerEvent) => {
    if (event.pointerType === 'mouse') return;
    cancel();
    timer.current = window.setTimeout(onMenu, LONG_PRESS_MS);
  };

  return (
    <div
      className={mine ? 'message message-mine' : 'message message-theirs'}
      {...common}
      data-status={status ?? undefined}
      data-recalled="false"
    >
      {detail.kind === 'group' && !mine ? (
        <span className="message-sender">{nameOf(message.senderId)}</span>
      ) : null}
      <div className="message-line">
        {/* biome-ignore lint/a11y/noStaticElementInteractions: long-press and right-click are shortcuts; the ⋯ button is the accessible way. */}
        <div
          className="bubble"
          onContextMenu={(event) => {
            event.preventDefault();
            onMenu();
          }}
          onPointerDown={onPointerDown}
          onPointerUp={cancel}
          onPointerLeave={cancel}
          onPointerMove={cancel}
        >
          {message.forwarded ? <span className="bubble-forwarded">{t('chats.forwarded')}</span> : null}
          {message.replyTo ? <Quote quoted={quoted} nameOf={nameOf} /> : null}
          {message.kind === 'photo' ? (
            <PhotoAlbum message={message} onOpen={(start) => onOpenPhotos(photosOf(message), start)} />
          ) : message.kind === 'voice' ? (
            <VoiceBubble message={message} mine={mine} />
          ) : message.kind === 'transfer' || message.kind === 'red_packet' || message.kind === 'split' ? (
            <MoneyCard message={message} mine={mine} />
          ) : miniAppCard ? (
            <MiniAppCard payload={miniAppCard} />
          ) : (
            <span className="bubble-text" data-testid="message-text">
              {message.text}
            </span>
          )}
        </div>
        <button
          type="button"
          className="message-menu-button"
          data-testid="message-menu"
          aria-label={t('chats.menu')}
          onClick={onMenu}
        >
          <MoreIcon size={16} />
        </button>
      </div>
      <span className="message-meta">
        <time dateTime={message.createdAt}>{clockTime(message.createdAt, lang)}</time>
        {status ? (
          <Ticks status={status} readCount={message.readCount} group={detail.kind === 'group'} />
        ) : null}
      </span>
    </div>
  );
}

function PendingItem({
  outgoing,
  quoted,
  nameOf,
  onRetry,
  onDiscard,
}: {
  outgoing: Outgoing;
  quoted: Message | null;
  nameOf: NameOf;
  onRetry: () => void;
  onDiscard: () => void;
}) {
  const { t, lang } = useI18n();
  const definitive = outgoing.failed && isDefinitiveFailure(outgoing.error);
  return (
    <div
      className="message message-mine message-pending"
      data-testid="message"
      data-id={outgoing.id}
      data-mine="true"
      data-kind="text"
      data-status="sending"
      data-failed={outgoing.failed}
    >
      <div className="message-line">
        {outgoing.failed ? (
          <span className="message-failed">
            <button
              type="button"
              className="icon-button icon-button-danger"
              data-testid="message-retry"
              aria-label={t('chats.retry_send')}
              title={t('chats.retry_send')}
              onClick={definitive ? onDiscard : onRetry}
            >
              {definitive ? <CloseIcon size={18} /> : <AlertIcon size={18} />}
            </button>
          </span>
        ) : null}
        <div className="bubble">
          {outgoing.replyTo ? <Quote quoted={quoted} nameOf={nameOf} /> : null}
          <span className="bubble-text" data-testid="message-text">
            {outgoing.text}
          </span>
        </div>
      </div>
      <span className="message-meta">
        <time dateTime={outgoing.createdAt}>{clockTime(outgoing.createdAt, lang)}</time>
        {outgoing.failed ? (
          <span className="message-failed-label">
            {definitive ? t('chats.failed') : t('chats.failed_retry')}
          </span>
        ) : (
          <Ticks status="sending" readCount={0} group={false} />
        )}
      </span>
    </div>
  );
}

export function Sheet({
  title,
  onClose,
  children,
}: {
  title: string;
  onClose: () => void;
  children: ReactNode;
}) {
  const { t } = useI18n();
  useEffect(() => {
    const onKey = (event: globalThis.KeyboardEvent) => {
      if (event.key === 'Escape') onClose();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);
  return (
    <div className="sheet-backdrop">
      <button type="button" className="sheet-scrim" aria-label={t('common.close')} onClick={onClose} />
      <div className="sheet" role="dialog" aria-modal="true" aria-label={title}>
        <div className="sheet-header">
          <button type="button" className="sheet-close" aria-label={t('common.close')} onClick={onClose}>
            <CloseIcon size={22} />
          </button>
          <h2 className="sheet-title">{title}</h2>
        </div>
        {children}
      </div>
    </div>
  );
}

function MessageMenu({
  message,
  mine,
  meId,
  onClose,
  onReply,
  onCopy,
  onForward,
  onRecall,
  onDelete,
}: {
  message: Message;
  mine: boolean;
  meId: string;
  onClose: () => void;
  onReply: () => void;
  onCopy: () => void;
  onForward: () => void;
  onRecall: () => void;
  onDelete: () => void;
}) {
  const { t } = useI18n();
  const text = message.kind === 'text' && !message.recalled;
  return (
    <Sheet title={t('chats.menu')} onClose={onClose}>
      <p className="sheet-description menu-excerpt">{text ? message.text : t('chats.recalled')}</p>
      <div className="list menu-list" role="menu">
        {text ? (
          <>
            <MenuButton
              testId="menu-reply"
              icon={<ReplyIcon size={18} />}
              label={t('chats.menu_reply')}
              onClick={onReply}
            />
            <MenuButton
              testId="menu-copy"
              icon={<CopyIcon size={18} />}
              label={t('chats.menu_copy')}
              onClick={onCopy}
            />
            <MenuButton
              testId="menu-forward"
              icon={<ForwardIcon size={18} />}
              label={t('chats.menu_forward')}
              onClick={onForward}
            />
          </>
        ) : null}
        {mine && canRecall(message, meId) ? (
          <MenuButton
            testId="menu-recall"
            icon={<UndoIcon size={18} />}
            label={t('chats.menu_recall')}
            onClick={onRecall}
          />
        ) : null}
        <MenuButton
          testId="menu-delete"
          icon={<TrashIcon size={18} />}
          label={t('chats.menu_delete')}
          onClick={onDelete}
          danger
        />
      </div>
    </Sheet>
  );
}

function MenuButton({
  testId,
  icon,
  label,
  onClick,
  danger = false,
}: {
  testId: string;
  icon: ReactNode;
  label: string;
  onClick: () => void;
  danger?: boolean;
}) {
  return (
    <button
      type="button"
      role="menuitem"
      className={danger ? 'row row-danger' : 'row'}
      data-testid={testId}
      onClick={onClick}
    >
      <span className={danger ? 'row-icon tone-red' : 'row-icon tone-gray'}>{icon}</span>
      <span className="row-label">{label}</span>
    </button>
  );
}

function ForwardSheet({
  message,
  fromId,
  nameOf,
  onClose,
  onDone,
}: {
  message: Message;
  fromId: string;
  nameOf: NameOf;
  onClose: () => void;
  onDone: (name: string) => void;
}) {
  const { t } = useI18n();
  const { api } = useSession();
  const [list, setList] = useState<ConversationSummary[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [ids] = useState(() => new IntentIds());

  useEffect(() => {
    let on = true;
    api.conversations().then(
      (answer) => on && setList(answer.conversations.filter((c) => !c.archived).sort(compareConversations)),
      (caught: unknown) => on && setError(caught),
    );
    return () => {
      on = false;
    };
  }, [api]);

  const forward = async (target: ConversationSummary) => {
    setBusy(target.id);
    setError(null);
    const id = ids.idFor(`${target.id}:${message.id}`);
    try {
      await api.forwardMessage(target.id, { id, from: { conversationId: fromId, messageId: message.id } });
      ids.settle();
      onDone(conversationName(target, nameOf, t));
    } catch (caught) {
      ids.settleAfter(caught);
      setError(caught);
    } finally {
      setBusy(null);
    }
  };

  return (
    <Sheet title={t('chats.forward_title')} onClose={onClose}>
      <FormError error={error} />
      {list === null ? (
        error ? null : (
          <Spinner label={t('common.loading')} />
        )
      ) : (
        <div className="list menu-list forward-list">
          {list.map((c) => (
            <button
              key={c.id}
              type="button"
              className="row"
              data-testid="forward-target"
              data-id={c.id}
              disabled={busy !== null}
              onClick={() => void forward(c)}
            >
              <span className="row-label">{conversationName(c, nameOf, t)}</span>
              {busy === c.id ? <span className="spinner spinner-dark" aria-hidden="true" /> : null}
            </button>
          ))}
        </div>
      )}
    </Sheet>
  );
}

/** A direct chat's peer: online, or when last seen (as they allow); asked again every minute. */
function usePresence(
  api: { presence(id: string): Promise<Presence> },
  peerId: string | null,
): Presence | null {
  const [presence, setPresence] = useState<Presence | null>(null);
  useEffect(() => {
    setPresence(null);
    if (!peerId) return;
    let live = true;
    const load = () =>
      api.presence(peerId).then(
        (p) => {
          if (live) setPresence(p);
        },
        () => undefined,
      );
    void load();
    const timer = setInterval(() => void load(), 60_000);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [api, peerId]);
  return presence;
}
