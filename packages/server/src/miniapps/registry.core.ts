import { createHash, createHmac, randomBytes } from 'node:crypto';
import {
  LIVE_KEY_PREFIX,
  MINIAPP_SCOPES,
  type MiniAppScope,
  type MiniAppStatus,
  TEST_KEY_PREFIX,
  WEBHOOK_SECRET_PREFIX,
} from '@jiaozi/protocol';
import * as limits from '../kernel/limits.js';

/**
 * The registry's rules as pure functions: what an origin, a webhook URL, a name and a set of
 * scopes may be; how keys and openids are made; which status changes an admin may make.
 */

export type KeyMode = 'live' | 'test';

/** A host the development exceptions (`http://`) apply to. */
function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '127.0.0.1' || hostname === '[::1]';
}

/**
 * The canonical form of an app origin (`https://shop.example`, `http://localhost:8092`), or
 * null when it is not one: `https:` (any host) or `http:` (loopback only), no credentials,
 * no path, query or fragment. Lower-cased host, default port dropped, as browsers report
 * `event.origin`.
 */
export function canonicalOrigin(input: string): string | null {
  if (input.length === 0 || input.length > limits.miniappOriginLengthMax) return null;
  if (/\s/.test(input)) return null;
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  if (url.protocol === 'http:' && !isLoopback(url.hostname)) return null;
  if (url.username !== '' || url.password !== '') return null;
  if (url.search !== '' || url.hash !== '' || input.includes('?') || input.includes('#')) return null;
  // `new URL` turns "https://a.example" into pathname "/": only that empty path is allowed.
  const afterAuthority = input.replace(/^[a-z]+:\/\/[^/]*/i, '');
  if (afterAuthority !== '' && afterAuthority !== '/') return null;
  if (url.hostname === '') return null;
  return url.origin;
}

/** A webhook URL: absolute `https:` (`http:` for loopback), no credentials, no fragment. */
export function isValidWebhookUrl(input: string): boolean {
  if (input.length === 0 || input.length > limits.miniappUrlLengthMax || /\s/.test(input)) return false;
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    return false;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return false;
  if (url.protocol === 'http:' && !isLoopback(url.hostname)) return false;
  return url.username === '' && url.password === '' && url.hash === '' && !input.includes('#');
}

/** An icon URL: absolute `https:` or `http:`, or a path on the app's own origin is not enough. */
export function isValidIconUrl(input: string): boolean {
  if (input.length === 0 || input.length > limits.miniappUrlLengthMax || /\s/.test(input)) return false;
  try {
    const url = new URL(input);
    return (
      (url.protocol === 'https:' || url.protocol === 'http:') && url.username === '' && url.password === ''
    );
  } catch {
    return false;
  }
}

/** Whether a string holds a control character (C0 or DEL); tab and line breaks allowed on request. */
function hasControl(text: string, allowLineBreaks = false): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (allowLineBreaks && (c === 0x09 || c === 0x0a || c === 0x0d)) continue;
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

/** Trimmed text of 1..max characters without control characters, or null. */
export function cleanText(input: string, max: number, { allowEmpty = false } = {}): string | null {
  const text = input.trim();
  if (!allowEmpty && text.length === 0) return null;
  if ([...text].length > max) return null;
  if (hasControl(text, true)) return null;
  return text;
}

/** The scopes, deduplicated in their canonical order, or null when one is unknown. */
export function normalizeScopes(input: readonly string[]): MiniAppScope[] | null {
  if (input.some((s) => !(MINIAPP_SCOPES as readonly string[]).includes(s))) return null;
  return MINIAPP_SCOPES.filter((s) => input.includes(s));
}

// ── Keys ────────────────────────────────────────────────────────────────────

export function newSecret(kind: 'live' | 'test' | 'webhook'): string {
  if (kind === 'webhook') return `${WEBHOOK_SECRET_PREFIX}${randomBytes(32).toString('base64')}`;
  const prefix = kind === 'live' ? LIVE_KEY_PREFIX : TEST_KEY_PREFIX;
  return `${prefix}${randomBytes(32).toString('base64url')}`;
}

/** What a key is stored as: its SHA-256, hex. */
export function keyHash(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

const KEY_RE = /^(sk_live_|test_sk_)[A-Za-z0-9_-]{43}$/;

/** The mode a key's shape says, or null for anything that is not a key. */
export function keyMode(secret: string): KeyMode | null {
  const match = KEY_RE.exec(secret);
  if (!match) return null;
  return match[1] === LIVE_KEY_PREFIX ? 'live' : 'test';
}

/** A login code: 32 random bytes, base64url (43 characters). */
export function newLoginCode(): string {
  return randomBytes(32).toString('base64url');
}

export const LOGIN_CODE_RE = /^[A-Za-z0-9_-]{43}$/;

/** The pairwise user id of a user for an app: base64url HMAC-SHA256 over appId‖userId. */
export function openidOf(secret: Buffer, appId: string, userId: string): string {
  return createHmac('sha256', secret).update(`${appId}${userId}`).digest('base64url');
}

export const OPENID_RE = /^[A-Za-z0-9_-]{43}$/;

// ── Review ──────────────────────────────────────────────────────────────────

export type Decision = 'approve' | 'reject' | 'suspend';

/**
 * The status a decision leads to, `same` when the app is already there (a retry), or null
 * when the decision does not apply: only a pending app is rejected, only an approved one
 * suspended; approval reinstates any other.
 */
export function decide(status: MiniAppStatus, decision: Decision): MiniAppStatus | 'same' | null {
  switch (decision) {
    case 'approve':
      return status === 'approved' ? 'same' : 'approved';
    case 'reject':
      return status === 'rejected' ? 'same' : status === 'pending' ? 'rejected' : null;
    case 'suspend':
      return status === 'suspended' ? 'same' : status === 'approved' ? 'suspended' : null;
  }
}

/** Changing where an app is served from or what it may ask for needs a new review. */
export function needsReview(
  before: { origin: string; scopes: readonly string[] },
  after: { origin: string; scopes: readonly string[] },
): boolean {
  return before.origin !== after.origin || after.scopes.some((s) => !before.scopes.includes(s));
}

// ── Storage ─────────────────────────────────────────────────────────────────

/** A storage key: 1..128 characters, no control characters. */
export function isValidStorageKey(key: string): boolean {
  return key.length > 0 && key.length <= limits.miniappStorageKeyLengthMax && !hasControl(key);
}

/** The stored form of a value and its size in bytes (UTF-8 JSON). */
export function encodeValue(value: unknown): { json: string; bytes: number } {
  const json = JSON.stringify(value ?? null);
  return { json, bytes: Buffer.byteLength(json, 'utf8') };
}

/** A path inside an app a shared card opens: starts with `/`, no scheme tricks, no control characters. */
export function isValidAppPath(path: string): boolean {
  return (
    path.startsWith('/') &&
    !path.startsWith('//') &&
    !path.includes('\\') &&
    path.length <= limits.miniappSharePathLengthMax &&
    !/\s/.test(path) &&
    !hasControl(path)
  );
}
