/**
 * Standard Webhooks verification (https://www.standardwebhooks.com): every delivery carries
 * `webhook-id`, `webhook-timestamp` (Unix seconds) and `webhook-signature` (space-separated
 * `v1,<base64>` entries). Each `v1` signature is base64 HMAC-SHA256 over
 * `${id}.${timestamp}.${rawBody}`, keyed by the base64-decoded part of the secret after
 * `whsec_`. Verify the raw bytes as received: a re-serialized body no longer matches.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { WEBHOOK_HEADERS, WEBHOOK_TOLERANCE_SECONDS, type WebhookEvent } from '@jiaozi/protocol';
import { WebhookVerificationError } from './errors.js';

/** Request headers as Node (`IncomingHttpHeaders`), fetch (`Headers`) or a plain record has them. */
export type WebhookHeaders = Headers | Record<string, string | string[] | undefined>;

export interface VerifyWebhookOptions {
  /** The app's webhook secret, `whsec_<base64>`. */
  secret: string;
  headers: WebhookHeaders;
  /** The raw request body, exactly as received. */
  body: string | Uint8Array;
  /** Default 300 (5 minutes), both ways. */
  toleranceSeconds?: number;
  /** The current time (default `Date.now()`). */
  now?: Date | number;
}

const SECRET_PREFIX = 'whsec_';
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function secretKey(secret: string): Buffer {
  if (!secret.startsWith(SECRET_PREFIX)) {
    throw new WebhookVerificationError(
      'webhook_secret_invalid',
      'The webhook secret must start with "whsec_".',
    );
  }
  const encoded = secret.slice(SECRET_PREFIX.length);
  if (encoded.length === 0 || !BASE64.test(encoded)) {
    throw new WebhookVerificationError(
      'webhook_secret_invalid',
      'The webhook secret is not "whsec_" + base64.',
    );
  }
  return Buffer.from(encoded, 'base64');
}

function bodyBytes(body: string | Uint8Array): Buffer {
  return typeof body === 'string'
    ? Buffer.from(body, 'utf8')
    : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

function digest(key: Buffer, id: string, timestamp: number, body: Buffer): Buffer {
  return createHmac('sha256', key).update(`${id}.${timestamp}.`, 'utf8').update(body).digest();
}

/** The `webhook-signature` value for a delivery: `v1,<base64>` (what the server sends). */
export function signWebhook(options: {
  secret: string;
  id: string;
  timestamp: number;
  body: string | Uint8Array;
}): string {
  const { secret, id, timestamp, body } = options;
  return `v1,${digest(secretKey(secret), id, timestamp, bodyBytes(body)).toString('base64')}`;
}

function header(headers: WebhookHeaders, name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const record = headers as Record<string, string | string[] | undefined>;
  const found = Object.keys(record).find((k) => k.toLowerCase() === name);
  const value = found === undefined ? undefined : record[found];
  return Array.isArray(value) ? value.join(' ') : value;
}

/**
 * Verifies a delivery and answers its event. Throws {@link WebhookVerificationError} with
 * a precise code when a header is missing, the timestamp is outside the tolerance, or no
 * signature matches (compared in constant time).
 */
export function verifyWebhook(options: VerifyWebhookOptions): WebhookEvent {
  const key = secretKey(options.secret);
  const id = header(options.headers, WEBHOOK_HEADERS.id)?.trim();
  const timestampText = header(options.headers, WEBHOOK_HEADERS.timestamp)?.trim();
  const signatures = header(options.headers, WEBHOOK_HEADERS.signature)?.trim();
  if (!id || !timestampText || !signatures) {
    throw new WebhookVerificationError(
      'webhook_headers_missing',
      'The webhook-id, webhook-timestamp and webhook-signature headers are all required.',
    );
  }
  if (!/^\d{1,12}$/.test(timestampText)) {
    throw new WebhookVerificationError('webhook_timestamp_invalid', 'webhook-timestamp is not Unix seconds.');
  }
  const timestamp = Number(timestampText);
  const tolerance = options.toleranceSeconds ?? WEBHOOK_TOLERANCE_SECONDS;
  const nowMs =
    options.now === undefined
      ? Date.now()
      : typeof options.now === 'number'
        ? options.now
        : options.now.getTime();
  const nowSeconds = Math.floor(nowMs / 1000);
  if (nowSeconds - timestamp > tolerance) {
    throw new WebhookVerificationError(
      'webhook_timestamp_too_old',
      `The webhook was signed ${nowSeconds - timestamp} s ago, more than ${tolerance} s.`,
    );
  }
  if (timestamp - nowSeconds > tolerance) {
    throw new WebhookVerificationError(
      'webhook_timestamp_too_new',
      `The webhook is signed ${timestamp - nowSeconds} s in the future, more than ${tolerance} s.`,
    );
  }
  const body = bodyBytes(options.body);
  const expected = digest(key, id, timestamp, body);
  let matched = false;
  for (const entry of signatures.split(' ')) {
    const comma = entry.indexOf(',');
    if (comma < 0 || entry.slice(0, comma) !== 'v1') continue;
    const given = Buffer.from(entry.slice(comma + 1), 'base64');
    // Every entry is compared, so the time taken does not tell which one matched.
    if (given.length === expected.length && timingSafeEqual(given, expected)) matched = true;
  }
  if (!matched) {
    throw new WebhookVerificationError('webhook_signature_invalid', 'No webhook signature matches the body.');
  }
  let event: unknown;
  try {
    event = JSON.parse(body.toString('utf8'));
  } catch {
    throw new WebhookVerificationError('webhook_body_invalid', 'The webhook body is not JSON.');
  }
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    throw new WebhookVerificationError('webhook_body_invalid', 'The webhook body is not a JSON object.');
  }
  return event as WebhookEvent;
}
