/**
 * The rules of mini-app payments as pure functions over plain data: an order's state
 * machine (open → paid | closed | expired), what a refund may be, the webhook retry schedule,
 * Standard Webhooks signing, request fingerprints for idempotency keys, and cursors.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import {
  type MerchantMode,
  type OrderStatus,
  TEST_CURRENCY,
  WEBHOOK_RETRY_DELAYS_SECONDS,
  WEBHOOK_TOLERANCE_SECONDS,
} from '@jiaozi/protocol';
import * as limits from '../kernel/limits.js';

// ── Orders ─────────────────────────────────────────────────────────────────

/** What is stored: an open order past its expiry is `expired` even before the job marks it. */
export interface OrderState {
  status: OrderStatus;
  expiresAt: Date;
}

/** An order's status at `now`. */
export function orderStatusAt(order: OrderState, now: Date): OrderStatus {
  if (order.status === 'open' && order.expiresAt.getTime() <= now.getTime()) return 'expired';
  return order.status;
}

export type PayRefusal = 'order_expired' | 'order_closed' | 'order_already_paid';

/** Why an order cannot be paid at `now`, or null when it can. */
export function payRefusal(order: OrderState, now: Date): PayRefusal | null {
  switch (orderStatusAt(order, now)) {
    case 'open':
      return null;
    case 'expired':
      return 'order_expired';
    case 'closed':
      return 'order_closed';
    case 'paid':
      return 'order_already_paid';
  }
}

/**
 * What closing does at `now`: `close` an open order, `noop` for one already closed (closing
 * is idempotent), or the refusal for a paid or expired order.
 */
export function closeDecision(
  order: OrderState,
  now: Date,
): 'close' | 'noop' | 'order_already_paid' | 'order_expired' {
  switch (orderStatusAt(order, now)) {
    case 'open':
      return 'close';
    case 'closed':
      return 'noop';
    case 'paid':
      return 'order_already_paid';
    case 'expired':
      return 'order_expired';
  }
}

/** Whether the expiry job should mark the order expired at `now` (open and past its time). */
export function shouldExpire(order: OrderState, now: Date): boolean {
  return order.status === 'open' && orderStatusAt(order, now) === 'expired';
}

// ── Refunds ────────────────────────────────────────────────────────────────

export interface RefundableOrder {
  status: OrderStatus;
  amountMinor: bigint;
  refundedMinor: bigint;
  paidAt: Date | null;
}

export type RefundRefusal =
  | 'invalid_amount'
  | 'order_not_paid'
  | 'refund_window_passed'
  | 'refund_exceeds_remaining';

/** What is left to refund of a paid order. */
export function refundableMinor(order: RefundableOrder): bigint {
  if (order.status !== 'paid') return 0n;
  return order.amountMinor - order.refundedMinor;
}

/**
 * Why a refund of `amountMinor` cannot be made at `now`, or null. A paid order may be
 * refunded several times, in part or in full, while the total refunded stays ≤ what was paid
 * and the payment is at most `refundWindowSeconds` (365 days) old.
 */
export function refundRefusal(order: RefundableOrder, amountMinor: bigint, now: Date): RefundRefusal | null {
  if (amountMinor <= 0n) return 'invalid_amount';
  if (order.status !== 'paid' || order.paidAt === null) return 'order_not_paid';
  if (now.getTime() - order.paidAt.getTime() > limits.miniappRefundWindowSeconds * 1000) {
    return 'refund_window_passed';
  }
  if (order.refundedMinor + amountMinor > order.amountMinor) return 'refund_exceeds_remaining';
  return null;
}

// ── Creating orders ────────────────────────────────────────────────────────

/** The currency of a mode: the server's own for live keys, `XTS` for test keys. */
export function currencyOf(mode: MerchantMode, liveCurrency: string): string {
  return mode === 'test' ? TEST_CURRENCY : liveCurrency;
}

/** A create-order body's problem (a path and a message), or null. */
export function orderInputProblem(input: {
  amountMinor: number;
  description: string;
  merchantReference?: string | undefined;
  expiresInSeconds?: number | undefined;
  metadata?: Record<string, string> | undefined;
}): { path: string; message: string } | null {
  if (!Number.isSafeInteger(input.amountMinor) || input.amountMinor <= 0) {
    return {
      path: '/body/amountMinor',
      message: 'The amount must be a positive whole number of minor units.',
    };
  }
  const description = input.description.trim();
  if (description.length === 0 || description.length > limits.miniappOrderDescriptionMaxLength) {
    return {
      path: '/body/description',
      message: `The description must have 1 to ${limits.miniappOrderDescriptionMaxLength} characters.`,
    };
  }
  if (
    input.merchantReference !== undefined &&
    (input.merchantReference.length === 0 ||
      input.merchantReference.length > limits.miniappMerchantReferenceMaxLength)
  ) {
    return {
      path: '/body/merchantReference',
      message: `The merchant reference must have 1 to ${limits.miniappMerchantReferenceMaxLength} characters.`,
    };
  }
  const ttl = input.expiresInSeconds;
  if (
    ttl !== undefined &&
    (!Number.isInteger(ttl) ||
      ttl < limits.miniappOrderTtlMinSeconds ||
      ttl > limits.miniappOrderTtlMaxSeconds)
  ) {
    return {
      path: '/body/expiresInSeconds',
      message: `An order expires ${limits.miniappOrderTtlMinSeconds} to ${limits.miniappOrderTtlMaxSeconds} seconds after it is made.`,
    };
  }
  if (input.metadata !== undefined) {
    const entries = Object.entries(input.metadata);
    if (entries.length > limits.miniappOrderMetadataKeysMax) {
      return {
        path: '/body/metadata',
        message: `At most ${limits.miniappOrderMetadataKeysMax} metadata keys.`,
      };
    }
    for (const [key, value] of entries) {
      if (
        key.length === 0 ||
        key.length > limits.miniappOrderMetadataKeyMaxLength ||
        typeof value !== 'string' ||
        value.length > limits.miniappOrderMetadataValueMaxLength
      ) {
        return {
          path: `/body/metadata/${key}`,
          message: `Metadata keys have 1 to ${limits.miniappOrderMetadataKeyMaxLength} characters and values are strings of at most ${limits.miniappOrderMetadataValueMaxLength}.`,
        };
      }
    }
  }
  return null;
}

/** An `Idempotency-Key` header a merchant may send: 1..255 printable ASCII characters. */
export function isIdempotencyKey(value: unknown): value is string {
  return typeof value === 'string' && /^[\x21-\x7e]{1,255}$/.test(value);
}

/** JSON with object keys sorted at every depth, so that equal bodies give equal text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** The fingerprint of a request under an idempotency key: same body, same fingerprint. */
export function requestFingerprint(route: string, body: unknown): string {
  return createHash('sha256').update(route).update('\n').update(canonicalJson(body)).digest('hex');
}

// ── Webhooks ───────────────────────────────────────────────────────────────

/** Total attempts of a delivery by the schedule: the first plus one per retry delay. */
export const WEBHOOK_ATTEMPTS_MAX = WEBHOOK_RETRY_DELAYS_SECONDS.length + 1;

/**
 * Seconds to wait after the `attemptsMade`-th scheduled attempt failed before the next one,
 * or null when the schedule is over and the delivery has failed.
 */
export function retryDelaySeconds(attemptsMade: number): number | null {
  if (!Number.isInteger(attemptsMade) || attemptsMade < 1) throw new RangeError('attemptsMade ≥ 1');
  return WEBHOOK_RETRY_DELAYS_SECONDS[attemptsMade - 1] ?? null;
}

/** An answer is a success when its status is 2xx (redirects are not followed, so they fail). */
export function isDelivered(status: number | null): boolean {
  return status !== null && status >= 200 && status < 300;
}

/** The response body as logged: its first 2 KB (cut on a character boundary). */
export function truncateBody(body: string): string {
  const max = limits.webhookResponseBodyMaxBytes;
  const bytes = Buffer.from(body, 'utf8');
  if (bytes.length <= max) return body;
  let text = bytes.subarray(0, max).toString('utf8');
  // A multi-byte character cut in two decodes as U+FFFD: drop it.
  if (text.endsWith('\uFFFD')) text = text.slice(0, -1);
  return text;
}

const SECRET_PREFIX = 'whsec_';
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The HMAC key of a `whsec_<base64>` secret. */
export function webhookKey(secret: string): Buffer {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : '';
  if (encoded.length === 0 || !BASE64.test(encoded)) throw new RangeError('not a whsec_ secret');
  return Buffer.from(encoded, 'base64');
}

/** `v1,` + base64 HMAC-SHA256 over `${id}.${timestamp}.${body}` (Standard Webhooks). */
export function signWebhook(secret: string, id: string, timestampSeconds: number, body: string): string {
  const mac = createHmac('sha256', webhookKey(secret))
    .update(`${id}.${timestampSeconds}.${body}`, 'utf8')
    .digest('base64');
  return `v1,${mac}`;
}

export type SignatureCheck =
  | 'ok'
  | 'headers_missing'
  | 'timestamp_too_old'
  | 'timestamp_too_new'
  | 'no_match';

/**
 * Checks a delivery as a receiver would: the timestamp within the tolerance both ways and
 * one of the space-separated `v1,` signatures matching (compared in constant time).
 */
export function checkWebhookSignature(
  secret: string,
  headers: { id?: string | undefined; timestamp?: string | undefined; signature?: string | undefined },
  body: string,
  nowSeconds: number,
  toleranceSeconds: number = WEBHOOK_TOLERANCE_SECONDS,
): SignatureCheck {
  const { id, timestamp, signature } = headers;
  if (!id || !timestamp || !signature || !/^\d{1,12}$/.test(timestamp)) return 'headers_missing';
  const ts = Number(timestamp);
  if (nowSeconds - ts > toleranceSeconds) return 'timestamp_too_old';
  if (ts - nowSeconds > toleranceSeconds) return 'timestamp_too_new';
  const expected = Buffer.from(signWebhook(secret, id, ts, body).slice(3), 'base64');
  for (const entry of signature.split(' ')) {
    if (!entry.startsWith('v1,')) continue;
    const given = Buffer.from(entry.slice(3), 'base64');
    if (given.length === expected.length && timingSafeEqual(given, expected)) return 'ok';
  }
  return 'no_match';
}

// ── Cursors ────────────────────────────────────────────────────────────────

/** An opaque cursor over a positive sequence number (events, deliveries). */
export function encodeSeqCursor(seq: bigint): string {
  return Buffer.from(`s${seq.toString()}`, 'utf8').toString('base64url');
}

/** The sequence number of a cursor, or null when it is not one of ours. */
export function decodeSeqCursor(cursor: string): bigint | null {
  if (!/^[A-Za-z0-9_-]{1,40}$/.test(cursor)) return null;
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const m = /^s(\d{1,19})$/.exec(text);
  if (!m?.[1]) return null;
  const seq = BigInt(m[1]);
  return seq > 0n && seq <= 9_223_372_036_854_775_807n ? seq : null;
}
