import type { MediaLinks, Message, PhotoItem } from '@jiaozi/protocol';
import {
  type KeyboardEvent as ReactKeyboardEvent,
  type PointerEvent as ReactPointerEvent,
  useCallback,
  useEffect,
  useRef,
  useState,
} from 'react';
import type { ApiClient } from '../../api/client.js';
import { useI18n } from '../../i18n/context.js';
import {
  ALBUM_MAX,
  albumColumns,
  formatDuration,
  LinkCache,
  PHOTO_MAX_BYTES,
  PLAYBACK_RATES,
  photosOf,
  placeholderUrl,
  SLIDE_TO_CANCEL_PX,
  VOICE_MAX_MS,
  VOICE_MIN_MS,
  voiceMimeType,
  voiceOf,
  waveformOf,
} from '../../media/media.js';
import { useLiveReload } from '../../realtime/live.js';
import { useSession } from '../../session.js';
import { FormError } from '../../ui/form.js';
import {
  ChevronLeftIcon,
  ChevronRightIcon,
  CloseIcon,
  ImageIcon,
  MicIcon,
  PauseIcon,
  PlayIcon,
  SendIcon,
  ZoomInIcon,
  ZoomOutIcon,
} from '../../ui/icons.js';
import { uuidv7 } from '../../wallet/ids.js';

const caches = new WeakMap<ApiClient, LinkCache>();

function linkCache(api: ApiClient): LinkCache {
  let cache = caches.get(api);
  if (!cache) {
    cache = new LinkCache((mediaId) => api.mediaLinks(mediaId));
    caches.set(api, cache);
  }
  return cache;
}

/**
 * The signed links of one media file (refetched before they expire), or null while
 * loading. A new `version` asks the server again.
 */
export function useMediaLinks(id: string | null, version = 0): { links: MediaLinks | null; error: unknown } {
  const { api } = useSession();
  const cache = linkCache(api);
  const [state, setState] = useState<{ links: MediaLinks | null; error: unknown }>({
    links: null,
    error: null,
  });
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new version means "ask again".
  useEffect(() => {
    if (id === null) return;
    let live = true;
    cache.get(id).then(
      (links) => live && setState({ links, error: null }),
      (error: unknown) => live && setState({ links: null, error }),
    );
    return () => {
      live = false;
    };
  }, [id, cache, version]);
  return state;
}

// ---------- Photos ----------

function Thumb({
  photo,
  index,
  single,
  onOpen,
}: {
  photo: PhotoItem;
  index: number;
  single: boolean;
  onOpen: (index: number) => void;
}) {
  const { t } = useI18n();
  const { links } = useMediaLinks(photo.mediaId);
  const placeholder = placeholderUrl(photo.placeholder);
  return (
    <button
      type="button"
      className="album-photo"
      data-testid="album-photo"
      style={{
        ...(single ? { aspectRatio: `${photo.width} / ${photo.height}` } : {}),
        ...(placeholder ? { backgroundImage: `url(${placeholder})` } : {}),
      }}
      aria-label={t('media.open_photo', { n: index + 1 })}
      onClick={() => onOpen(index)}
    >
      {links?.thumbUrl ? (
        <img data-testid="photo-thumb" src={links.thumbUrl} alt="" draggable={false} />
      ) : null}
    </button>
  );
}

/** The photos of an album message as a grid of thumbnails over their placeholders. */
export function PhotoAlbum({ message, onOpen }: { message: Message; onOpen: (index: number) => void }) {
  const photos = photosOf(message);
  const columns = albumColumns(photos.length);
  return (
    <div
      className="album"
      data-testid="album"
      data-count={photos.length}
      style={{ gridTemplateColumns: `repeat(${columns}, 1fr)` }}
    >
      {photos.map((photo, i) => (
        <Thumb key={photo.mediaId} photo={photo} index={i} single={photos.length === 1} onOpen={onOpen} />
      ))}
    </div>
  );
}

const ZOOMS = [1, 2, 4] as const;
const ZOOM_MAX = 4;

interface Point {
  x: number;
  y: number;
}
const SWIPE_PX = 50;

/** Full screen: one photo at a time, zoom (buttons, double tap, wheel), swipe or arrows to move. */
export function PhotoViewer({
  photos,
  start,
  onClose,
}: {
  photos: readonly PhotoItem[];
  start: number;
  onClose: () => void;
}) {
  const { t } = useI18n();
  const [index, setIndex] = useState(start);
  const [zoom, setZoom] = useState(1);
  const [pan, setPan] = useState({ x: 0, y: 0 });
  const drag = useRef<{ x: number; y: number; panX: number; panY: number } | null>(null);
  const pointers = useRef(new Map<number, Point>());
  const pinch = useRef<{ distance: number; zoom: number } | null>(null);
  const photo = photos[index] as PhotoItem;
  const { links } = useMediaLinks(photo.mediaId);
  const closeRef = useRef<HTMLButtonElement>(null);

  const go = useCallback(
    (delta: number) => {
      setIndex((i) => Math.min(photos.length - 1, Math.max(0, i + delta)));
      setZoom(1);
      setPan({ x: 0, y: 0 });
    },
    [photos.length],
  );
  /** The next zoom step up or down from wherever a pinch left it. */
  const zoomBy = (step: number) => {
    setZoom((z) => {
      const next =
        step > 0
          ? (ZOOMS.find((s) => s > z + 0.01) ?? ZOOM_MAX)
          : ([...ZOOMS].reverse().find((s) => s < z - 0.01) ?? 1);
      if (next === 1) setPan({ x: 0, y: 0 });
      return next;
    });
  };

  useEffect(() => closeRef.current?.focus(), []);

  const onKeyDown = (event: ReactKeyboardEvent) => {
    if (event.key === 'Escape') onClose();
    else if (event.key === 'ArrowRight') go(1);
    else if (event.key === 'ArrowLeft') go(-1);
    else if (event.key === '+' || event.key === '=') zoomBy(1);
    else if (event.key === '-') zoomBy(-1);
  };
  // Two fingers pinch the zoom; one finger pans a zoomed photo or swipes to the next.
  const onPointerDown = (event: ReactPointerEvent) => {
    pointers.current.set(event.pointerId, { x: event.clientX, y: event.clientY });
    if (pointers.current.size === 2) {
      const [a, b] = [...pointers.current.values()] as [Point, Point];
      pinch.current = { distance: Math.hypot(a.x - b.x, a.y - b.y), zoom };
      drag.current = null;
      return;
    }
    drag.current = { x: event.clientX, y: event.clientY, panX: pan.x, panY: pan.y };
  };
  const onPointerMove = (event: ReactPointerEvent) => {
    if (pointers.current.has(event.pointerId)) {
      pointers.current.set(event.pointerId, { x: event.clientX, y: event.clientY });
    }
    const p = pinch.current;
    if (p && pointers.current.size === 2) {
      const [a, b] = [...pointers.current.values()] as [Point, Point];
      const ratio = Math.hypot(a.x - b.x, a.y - b.y) / Math.max(1, p.distance);
      const next = Math.min(ZOOM_MAX, Math.max(1, p.zoom * ratio));
      setZoom(next);
      if (next === 1) setPan({ x: 0, y: 0 });
      return;
    }
    const d = drag.current;
    if (!d || zoom === 1) return;
    setPan({ x: d.panX + (event.clientX - d.x) / zoom, y: d.panY + (event.clientY - d.y) / zoom });
  };
  const onPointerUp = (event: ReactPointerEvent) => {
    pointers.current.delete(event.pointerId);
    if (pinch.current) {
      if (pointers.current.size === 0) pinch.current = null;
      return;
    }
    const d = drag.current;
    drag.current = null;
    if (!d || zoom !== 1) return;
    const dx = event.clientX - d.x;
    if (dx <= -SWIPE_PX) go(1);
    else if (dx >= SWIPE_PX) go(-1);
  };

  return (
    <div
      className="viewer"
      role="dialog"
      aria-modal="true"
      aria-label={t('media.viewer')}
      data-testid="photo-viewer"
      data-index={index}
      data-zoom={zoom}
      onKeyDown={onKeyDown}
    >
      <div className="viewer-bar">
        <button
          ref={closeRef}
          type="button"
          className="icon-button"
          data-testid="viewer-close"
          onClick={onClose}
        >
          <CloseIcon size={22} />
          <span className="visually-hidden">{t('media.close')}</span>
        </button>
        <span className="viewer-count" data-testid="viewer-count">
          {index + 1} / {photos.length}
        </span>
        <span className="viewer-zoom">
          <button
            type="button"
            className="icon-button"
            data-testid="viewer-zoom-out"
            aria-label={t('media.zoom_out')}
            onClick={() => zoomBy(-1)}
            disabled={zoom === 1}
          >
            <ZoomOutIcon size={22} />
          </button>
          <button
            type="button"
            className="icon-button"
            data-testid="viewer-zoom-in"
            aria-label={t('media.zoom_in')}
            onClick={() => zoomBy(1)}
            disabled={zoom >= ZOOM_MAX}
          >
            <ZoomInIcon size={22} />
          </button>
        </span>
      </div>
      {/* biome-ignore lint/a11y/noStaticElementInteractions: swipe and double tap are shortcuts; the buttons and arrow keys do the same. */}
      <div
        className="viewer-stage"
        data-testid="viewer-stage"
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerUp}
        onPointerCancel={(event) => {
          pointers.current.delete(event.pointerId);
          pinch.current = null;
          drag.current = null;
        }}
        onDoubleClick={() => {
          setZoom((z) => (z === 1 ? 2 : 1));
          setPan({ x: 0, y: 0 });
        }}
        onWheel={(event) => zoomBy(event.deltaY < 0 ? 1 : -1)}
      >
        {links ? (
          <img
            key={photo.mediaId}
            data-testid="viewer-image"
            src={links.url}
            alt={t('media.photo_n', { n: index + 1, count: photos.length })}
            draggable={false}
            style={{ transform: `scale(${zoom}) translate(${pan.x}px, ${pan.y}px)` }}
          />
        ) : (
          <span className="viewer-loading" />
        )}
      </div>
      {photos.length > 1 ? (
        <div className="viewer-nav">
          <button
            type="button"
            className="icon-button"
            data-testid="viewer-prev"
            aria-label={t('media.previous')}
            disabled={index === 0}
            onClick={() => go(-1)}
          >
            <ChevronLeftIcon size={26} />
          </button>
          <button
            type="button"
            className="icon-button"
            data-testid="viewer-next"
            aria-label={t('media.next')}
            disabled={index === photos.length - 1}
            onClick={() => go(1)}
          >
            <ChevronRightIcon size={26} />
          </button>
        </div>
      ) : null}
    </div>
  );
}

interface Picked {
  file: File;
  preview: string;
  progress: number;
}

/**
 * The composer's photo button: pick up to nine photos, see them, send them as one album.
 * Each uploads with its own progress bar; the album is sent once all are in.
 */
export function PhotoPicker({
  conversationId,
  onSent,
  disabled,
}: {
  conversationId: string;
  onSent: (message: Message) => void;
  disabled: boolean;
}) {
  const { t } = useI18n();
  const { api } = useSession();
  const input = useRef<HTMLInputElement>(null);
  const [picked, setPicked] = useState<Picked[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const clear = useCallback(() => {
    setPicked((current) => {
      for (const p of current) URL.revokeObjectURL(p.preview);
      return [];
    });
    setError(null);
  }, []);
  useEffect(() => clear, [clear]);

  const onFiles = (files: FileList | null) => {
    const list = [...(files ?? [])].slice(0, ALBUM_MAX);
    if (list.length === 0) return;
    setError(null);
    setPicked(list.map((file) => ({ file, preview: URL.createObjectURL(file), progress: 0 })));
  };

  const send = async () => {
    setBusy(true);
    setError(null);
    try {
      const ids = await Promise.all(
        picked.map(async (p, i) => {
          const info = await api.uploadPhoto(p.file, (fraction) =>
            setPicked((current) => current.map((c, j) => (j === i ? { ...c, progress: fraction } : c))),
          );
          return info.id;
        }),
      );
      const message = await api.sendMedia(conversationId, { id: uuidv7(), photos: ids });
      onSent(message);
      clear();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  const tooLarge = picked.some((p) => p.file.size > PHOTO_MAX_BYTES);
  return (
    <>
      <button
        type="button"
        className="icon-button composer-media"
        data-testid="composer-photo"
        aria-label={t('media.photo')}
        disabled={disabled}
        onClick={() => input.current?.click()}
      >
        <ImageIcon size={22} />
      </button>
      <input
        ref={input}
        type="file"
        accept="image/jpeg,image/png,image/gif,image/webp"
        multiple
        hidden
        data-testid="photo-input"
        onChange={(event) => {
          onFiles(event.target.files);
          event.target.value = '';
        }}
      />
      {picked.length > 0 ? (
        <div className="sheet-backdrop">
          <div
            className="sheet photo-picker"
            role="dialog"
            aria-label={t('media.photo')}
            data-testid="photo-picker"
          >
            <div className="sheet-header">
              <h2>{t('media.send_photos', { count: picked.length })}</h2>
              <button
                type="button"
                className="icon-button"
                aria-label={t('media.close')}
                onClick={clear}
                disabled={busy}
              >
                <CloseIcon size={20} />
              </button>
            </div>
            <ul className="photo-previews">
              {picked.map((p) => (
                <li key={p.preview} data-testid="photo-preview">
                  <img src={p.preview} alt={p.file.name} />
                  <progress
                    data-testid="photo-progress"
                    max={1}
                    value={p.progress}
                    aria-label={t('media.uploading', { name: p.file.name })}
                  />
                </li>
              ))}
            </ul>
            {tooLarge ? <p className="form-error">{t('error.media_too_large')}</p> : null}
            <FormError error={error} />
            <button
              type="button"
              className="button button-primary"
              data-testid="photo-send"
              disabled={busy || tooLarge}
              onClick={() => void send()}
            >
              <SendIcon size={18} />
              {busy ? t('media.sending') : t('chats.send')}
            </button>
          </div>
        </div>
      ) : null}
    </>
  );
}

// ---------- Voice ----------

/** Decodes a recording to draw its waveform; a flat line when the browser cannot decode it. */
async function waveformOfBlob(blob: Blob): Promise<number[]> {
  try {
    const context = new AudioContext();
    try {
      const audio = await context.decodeAudioData(await blob.arrayBuffer());
      return waveformOf(audio.getChannelData(0));
    } finally {
      void context.close();
    }
  } catch {
    return [0];
  }
}

type RecordState = { phase: 'idle' } | { phase: 'recording'; startedAt: number; cancelling: boolean };

/**
 * Hold to record, release to send, slide left to cancel. Records Opus (WebM, else Ogg)
 * with MediaRecorder, stops by itself at 60 s, then uploads with the waveform and sends.
 */
export function VoiceButton({
  conversationId,
  onSent,
  disabled,
}: {
  conversationId: string;
  onSent: (message: Message) => void;
  disabled: boolean;
}) {
  const { t } = useI18n();
  const { api } = useSession();
  const [state, setState] = useState<RecordState>({ phase: 'idle' });
  const [elapsed, setElapsed] = useState(0);
  const [error, setError] = useState<unknown>(null);
  const [sending, setSending] = useState(false);
  const recorder = useRef<MediaRecorder | null>(null);
  const session = useRef<{ startX: number; cancelled: boolean; released: boolean; startedAt: number } | null>(
    null,
  );

  const finish = useCallback((send: boolean) => {
    const s = session.current;
    if (!s) return;
    s.released = true;
    s.cancelled = !send;
    const r = recorder.current;
    if (r && r.state !== 'inactive') r.stop();
    setState({ phase: 'idle' });
  }, []);

  useEffect(() => {
    if (state.phase !== 'recording') return;
    const timer = window.setInterval(() => {
      const ms = Date.now() - state.startedAt;
      setElapsed(ms);
      if (ms >= VOICE_MAX_MS) finish(true);
    }, 100);
    return () => window.clearInterval(timer);
  }, [state, finish]);

  const start = async (event: ReactPointerEvent<HTMLButtonElement>) => {
    if (disabled || sending || session.current) return;
    event.currentTarget.setPointerCapture?.(event.pointerId);
    setError(null);
    const s = { startX: event.clientX, cancelled: false, released: false, startedAt: Date.now() };
    session.current = s;
    const mimeType =
      typeof MediaRecorder === 'undefined'
        ? null
        : voiceMimeType((type) => MediaRecorder.isTypeSupported(type));
    if (mimeType === null || !navigator.mediaDevices?.getUserMedia) {
      session.current = null;
      setError(new Error(t('media.no_microphone')));
      return;
    }
    let stream: MediaStream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch {
      session.current = null;
      setError(new Error(t('media.no_microphone')));
      return;
    }
    const chunks: Blob[] = [];
    const r = new MediaRecorder(stream, { mimeType });
    recorder.current = r;
    r.ondataavailable = (e) => {
      if (e.data.size > 0) chunks.push(e.data);
    };
    r.onstop = () => {
      for (const track of stream.getTracks()) track.stop();
      recorder.current = null;
      session.current = null;
      const duration = Date.now() - s.startedAt;
      if (s.cancelled || duration < VOICE_MIN_MS) return;
      const blob = new Blob(chunks, { type: mimeType.split(';')[0] });
      setSending(true);
      void (async () => {
        try {
          const info = await api.uploadVoice(blob, await waveformOfBlob(blob));
          onSent(await api.sendMedia(conversationId, { id: uuidv7(), voice: info.id }));
        } catch (caught) {
          setError(caught);
        } finally {
          setSending(false);
        }
      })();
    };
    s.startedAt = Date.now();
    r.start(250);
    setElapsed(0);
    if (s.released) {
      r.stop();
      return;
    }
    setState({ phase: 'recording', startedAt: s.startedAt, cancelling: false });
  };

  const move = (event: ReactPointerEvent) => {
    const s = session.current;
    if (!s || state.phase !== 'recording') return;
    const cancelling = event.clientX - s.startX <= -SLIDE_TO_CANCEL_PX;
    if (cancelling !== state.cancelling) setState({ ...state, cancelling });
  };

  const release = () => {
    const s = session.current;
    if (!s) return;
    finish(!(state.phase === 'recording' && state.cancelling));
  };

  return (
    <>
      <button
        type="button"
        className={
          state.phase === 'recording' ? 'icon-button composer-voice recording' : 'icon-button composer-voice'
        }
        data-testid="composer-voice"
        data-state={sending ? 'sending' : state.phase}
        aria-label={t('media.hold_to_record')}
        disabled={disabled}
        onPointerDown={(event) => void start(event)}
        onPointerMove={move}
        onPointerUp={release}
        onPointerCancel={() => finish(false)}
        onContextMenu={(event) => event.preventDefault()}
      >
        <MicIcon size={22} />
      </button>
      {state.phase === 'recording' ? (
        <div
          className={state.cancelling ? 'voice-recording voice-recording-cancel' : 'voice-recording'}
          data-testid="voice-recording"
          role="status"
        >
          <span className="voice-recording-dot" aria-hidden="true" />
          <span data-testid="voice-timer">{formatDuration(elapsed)}</span>
          <span className="voice-recording-hint">
            {state.cancelling ? t('media.release_to_cancel') : t('media.slide_to_cancel')}
          </span>
        </div>
      ) : null}
      {error ? (
        <div className="voice-error">
          <FormError error={error} />
        </div>
      ) : null}
    </>
  );
}

/** A voice message: play and pause, waveform with progress, speed, length, unplayed dot. */
export function VoiceBubble({ message, mine }: { message: Message; mine: boolean }) {
  const { t } = useI18n();
  const { api } = useSession();
  const voice = voiceOf(message);
  const [version, setVersion] = useState(0);
  const { links } = useMediaLinks(voice?.mediaId ?? null, version);
  // Played on another of my devices: the update log says so, and the dot goes here too.
  useLiveReload(['media.played'], () => {
    if (!voice || mine) return;
    linkCache(api).forget(voice.mediaId);
    setVersion((v) => v + 1);
  });
  const audio = useRef<HTMLAudioElement | null>(null);
  const [playing, setPlaying] = useState(false);
  const [positionMs, setPositionMs] = useState(0);
  const [ended, setEnded] = useState(false);
  const [rate, setRate] = useState<number>(PLAYBACK_RATES[0]);
  const [playedNow, setPlayedNow] = useState(false);
  const [error, setError] = useState<unknown>(null);

  useEffect(
    () => () => {
      audio.current?.pause();
      audio.current = null;
    },
    [],
  );
  if (!voice) return null;
  const played = mine || playedNow || (links?.played ?? true);
  const durationMs = voice.durationMs;
  const progress = durationMs > 0 ? Math.min(1, positionMs / durationMs) : 0;

  const toggle = async () => {
    setError(null);
    if (playing && audio.current) {
      audio.current.pause();
      return;
    }
    try {
      const fresh = await api.mediaLinks(voice.mediaId);
      let a = audio.current;
      if (!a) {
        a = new Audio(fresh.url);
        a.preload = 'auto';
        a.ontimeupdate = () => setPositionMs((a?.currentTime ?? 0) * 1000);
        a.onplay = () => setPlaying(true);
        a.onpause = () => setPlaying(false);
        a.onended = () => {
          setPlaying(false);
          setEnded(true);
          setPositionMs(0);
        };
        audio.current = a;
      }
      a.playbackRate = rate;
      setEnded(false);
      await a.play();
      if (!played) {
        setPlayedNow(true);
        void api.markPlayed(voice.mediaId).catch(() => undefined);
      }
    } catch (caught) {
      setError(caught);
    }
  };

  const nextRate = () => {
    const at = PLAYBACK_RATES.indexOf(rate as (typeof PLAYBACK_RATES)[number]);
    const next = PLAYBACK_RATES[(at + 1) % PLAYBACK_RATES.length] ?? 1;
    setRate(next);
    if (audio.current) audio.current.playbackRate = next;
  };

  const bars = voice.waveform.length > 0 ? voice.waveform : [0];
  return (
    <div
      className="voice-message"
      data-testid="voice-message"
      data-state={playing ? 'playing' : ended ? 'ended' : 'idle'}
      data-duration-ms={durationMs}
      data-played={played}
    >
      <button
        type="button"
        className="voice-play"
        data-testid="voice-play"
        aria-label={playing ? t('media.pause') : t('media.play')}
        onClick={() => void toggle()}
      >
        {playing ? <PauseIcon size={18} /> : <PlayIcon size={18} />}
      </button>
      <span className="voice-wave" aria-hidden="true">
        {bars.map((v, i) => (
          <span
            // biome-ignore lint/suspicious/noArrayIndexKey: the bars are a fixed picture of the clip.
            key={i}
            className={i / bars.length < progress ? 'voice-bar voice-bar-played' : 'voice-bar'}
            style={{ height: `${Math.max(12, Math.round((v / 255) * 100))}%` }}
          />
        ))}
      </span>
      <span className="voice-duration" data-testid="voice-duration">
        {playing || positionMs > 0 ? formatDuration(positionMs) : formatDuration(durationMs)}
      </span>
      <button
        type="button"
        className="voice-speed"
        data-testid="voice-speed"
        aria-label={t('media.speed')}
        onClick={nextRate}
      >
        {rate}×
      </button>
      {played ? null : (
        <span
          className="voice-unplayed"
          data-testid="voice-unplayed"
          role="img"
          aria-label={t('media.unplayed')}
        />
      )}
      {error ? <FormError error={error} /> : null}
    </div>
  );
}
