import type { MediaLinks, Message, PhotoItem, VoicePayload } from '@jiaozi/protocol';
import { thumbHashToDataURL } from 'thumbhash';

/** Limits the server enforces, mirrored so that the client stops before it is refused. */
export const VOICE_MAX_MS = 60_000;
/** A hold shorter than this is a slip, not a message. */
export const VOICE_MIN_MS = 700;
export const WAVEFORM_SAMPLES = 64;
export const WAVEFORM_MAX = 255;
export const ALBUM_MAX = 9;
export const PHOTO_MAX_BYTES = 20 * 1024 * 1024;
/** Sliding this far left while recording cancels it. */
export const SLIDE_TO_CANCEL_PX = 80;
export const PLAYBACK_RATES = [1, 1.5, 2] as const;
/** A cached link is refetched this long before it expires. */
const LINK_MARGIN_MS = 30_000;

/** The photos of a `photo` message (empty for anything else). */
export function photosOf(message: Pick<Message, 'kind' | 'payload'>): PhotoItem[] {
  if (message.kind !== 'photo' || !message.payload) return [];
  const photos = (message.payload as { photos?: unknown }).photos;
  return Array.isArray(photos) ? (photos as PhotoItem[]) : [];
}

/** The clip of a `voice` message, or null. */
export function voiceOf(message: Pick<Message, 'kind' | 'payload'>): VoicePayload['voice'] | null {
  if (message.kind !== 'voice' || !message.payload) return null;
  const voice = (message.payload as { voice?: unknown }).voice;
  return voice && typeof voice === 'object' ? (voice as VoicePayload['voice']) : null;
}

/** "0:07", "1:00": a clip's length or position, rounded to the nearest second. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  return `${Math.floor(total / 60)}:${String(total % 60).padStart(2, '0')}`;
}

/**
 * A waveform of `count` samples (0..255) from audio samples: the peak of each slice,
 * scaled so that the loudest slice is full height.
 */
export function waveformOf(samples: Float32Array, count = WAVEFORM_SAMPLES): number[] {
  const n = Math.max(1, Math.min(count, samples.length));
  const peaks: number[] = [];
  for (let i = 0; i < n; i++) {
    const from = Math.floor((i * samples.length) / n);
    const to = Math.max(from + 1, Math.floor(((i + 1) * samples.length) / n));
    let peak = 0;
    for (let j = from; j < to && j < samples.length; j++)
      peak = Math.max(peak, Math.abs(samples[j] as number));
    peaks.push(peak);
  }
  const loudest = Math.max(...peaks);
  return peaks.map((p) => (loudest > 0 ? Math.round((p / loudest) * WAVEFORM_MAX) : 0));
}

/** The recording format this browser offers: Opus in WebM, else Opus in Ogg, else none. */
export function voiceMimeType(isSupported: (type: string) => boolean): string | null {
  for (const type of ['audio/webm;codecs=opus', 'audio/ogg;codecs=opus']) if (isSupported(type)) return type;
  return null;
}

/** The placeholder to paint while a photo loads (a data URL), or undefined. */
export function placeholderUrl(placeholder: string): string | undefined {
  if (!placeholder) return undefined;
  try {
    const bytes = Uint8Array.from(atob(placeholder), (c) => c.charCodeAt(0));
    return thumbHashToDataURL(bytes);
  } catch {
    return undefined;
  }
}

/** How an album lays out: one photo wide, two side by side, then rows of three. */
export function albumColumns(count: number): number {
  if (count <= 1) return 1;
  if (count === 2 || count === 4) return 2;
  return 3;
}

/**
 * Signed links by media id, refetched shortly before they expire. Several components
 * asking at once share one request.
 */
export class LinkCache {
  readonly #entries = new Map<string, Promise<MediaLinks>>();

  constructor(
    private readonly fetchLinks: (id: string) => Promise<MediaLinks>,
    private readonly now: () => number = Date.now,
  ) {}

  get(id: string): Promise<MediaLinks> {
    const cached = this.#entries.get(id);
    if (cached) return cached;
    const pending = this.fetchLinks(id).then(
      (links) => {
        const ttl = Date.parse(links.expiresAt) - this.now() - LINK_MARGIN_MS;
        if (ttl <= 0) this.#entries.delete(id);
        else setTimeout(() => this.#entries.get(id) === pending && this.#entries.delete(id), ttl);
        return links;
      },
      (error: unknown) => {
        this.#entries.delete(id);
        throw error;
      },
    );
    this.#entries.set(id, pending);
    return pending;
  }

  /** Forgets an id (it was played, recalled …): the next `get` asks again. */
  forget(id: string): void {
    this.#entries.delete(id);
  }
}
