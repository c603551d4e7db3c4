/**
 * Where a mini app lives and who may speak for it: the pure checks of the bridge handshake and
 * the URL an app is opened at (no DOM here, so that they are unit-tested as they are).
 */

/** `scheme://host[:port]` of a registered origin, or null when it is not an http(s) origin. */
export function normalizeOrigin(origin: string): string | null {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  if (url.username !== '' || url.password !== '') return null;
  return url.origin;
}

/**
 * A path inside the app (`/`, `/cart?x=1#top`), or null when it is not one: it must start
 * with a single `/` so that `origin + path` can never point at another host (`//evil.example`,
 * `/\evil.example`) and holds no control characters.
 */
export function normalizeAppPath(path: string | null | undefined): string | null {
  if (path === null || path === undefined || path === '') return '/';
  if (!path.startsWith('/') || path.startsWith('//') || path.startsWith('/\\')) return null;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point.
  if (/[\u0000-\u001f\u007f]/.test(path)) return null;
  return path;
}

/**
 * The URL the app's iframe loads: its origin plus the path, checked to stay on that origin.
 * Null when the origin or the path is not acceptable.
 */
export function appUrl(origin: string, path?: string | null): string | null {
  const base = normalizeOrigin(origin);
  const rest = normalizeAppPath(path);
  if (base === null || rest === null) return null;
  const url = new URL(rest, `${base}/`);
  return url.origin === base ? url.href : null;
}

/** The facts of a `message` event the handshake looks at. */
export interface HandshakeEvent {
  source: unknown;
  origin: string;
  data: unknown;
}

export type HelloVerdict = 'accept' | 'not_hello' | 'wrong_source' | 'wrong_origin';

/**
 * Whether a `message` event is a hello the host may answer with a port: it must be a bridge
 * hello, come from THE app's iframe window (not a frame inside it, not another tab or app)
 * AND from the app's registered origin (an iframe navigated elsewhere keeps its window but
 * not its origin).
 */
export function judgeHello(
  event: HandshakeEvent,
  frameWindow: unknown,
  appOrigin: string,
  isHello: (data: unknown) => boolean,
): HelloVerdict {
  if (!isHello(event.data)) return 'not_hello';
  if (frameWindow === null || frameWindow === undefined || event.source !== frameWindow)
    return 'wrong_source';
  const expected = normalizeOrigin(appOrigin);
  if (expected === null || event.origin !== expected) return 'wrong_origin';
  return 'accept';
}
