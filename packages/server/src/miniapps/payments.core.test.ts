import { createHmac } from 'node:crypto';
import { WEBHOOK_RETRY_DELAYS_SECONDS } from '@jiaozi/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as limits from '../kernel/limits.js';
import {
  canonicalJson,
  checkWebhookSignature,
  closeDecision,
  currencyOf,
  decodeSeqCursor,
  encodeSeqCursor,
  isDelivered,
  isIdempotencyKey,
  orderInputProblem,
  orderStatusAt,
  payRefusal,
  type RefundableOrder,
  refundableMinor,
  refundRefusal,
  requestFingerprint,
  retryDelaySeconds,
  shouldExpire,
  signWebhook,
  truncateBody,
  WEBHOOK_ATTEMPTS_MAX,
  webhookKey,
} from './payments.core.js';

const T0 = new Date('2026-11-25T08:00:00.000Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);
const statuses = ['open', 'paid', 'closed', 'expired'] as const;
const SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;

describe('order state machine', () => {
  it('an open order expires exactly at its expiry time', () => {
    const order = { status: 'open' as const, expiresAt: at(1800) };
    expect(orderStatusAt(order, at(1799))).toBe('open');
    expect(orderStatusAt(order, at(1800))).toBe('expired');
    expect(shouldExpire(order, at(1799))).toBe(false);
    expect(shouldExpire(order, at(1800))).toBe(true);
    expect(payRefusal(order, at(1799))).toBeNull();
    expect(payRefusal(order, at(1800))).toBe('order_expired');
    expect(closeDecision(order, at(0))).toBe('close');
    expect(closeDecision(order, at(1800))).toBe('order_expired');
  });

  it('answers every (stored status, time) pair by the table', () => {
    fc.assert(
      fc.property(fc.constantFrom(...statuses), fc.integer({ min: -100_000, max: 100_000 }), (status, t) => {
        const order = { status, expiresAt: at(0) };
        const now = at(t);
        const effective = orderStatusAt(order, now);
        // Only an open order changes with time; the others are final.
        expect(effective).toBe(status === 'open' && t >= 0 ? 'expired' : status);
        expect(payRefusal(order, now)).toBe(
          {
            open: null,
            expired: 'order_expired',
            closed: 'order_closed',
            paid: 'order_already_paid',
          }[effective],
        );
        expect(closeDecision(order, now)).toBe(
          { open: 'close', expired: 'order_expired', closed: 'noop', paid: 'order_already_paid' }[effective],
        );
        expect(shouldExpire(order, now)).toBe(status === 'open' && effective === 'expired');
      }),
    );
  });
});

describe('refunds', () => {
  const paid = (amount: bigint, refunded: bigint, paidAt = at(0)): RefundableOrder => ({
    status: 'paid',
    amountMinor: amount,
    refundedMinor: refunded,
    paidAt,
  });
  const window = limits.miniappRefundWindowSeconds;

  it('allows several partial refunds up to what was paid, and no more', () => {
    let order = paid(10_000n, 0n);
    for (const part of [3_000n, 2_500n, 4_500n]) {
      expect(refundRefusal(order, part, at(60))).toBeNull();
      order = { ...order, refundedMinor: order.refundedMinor + part };
    }
    expect(refundableMinor(order)).toBe(0n);
    expect(refundRefusal(order, 1n, at(60))).toBe('refund_exceeds_remaining');
    expect(refundRefusal(paid(10_000n, 9_999n), 2n, at(60))).toBe('refund_exceeds_remaining');
    expect(refundRefusal(paid(10_000n, 9_999n), 1n, at(60))).toBeNull();
  });

  it('allows refunds for exactly 365 days after payment', () => {
    expect(refundRefusal(paid(100n, 0n), 100n, at(window))).toBeNull();
    expect(refundRefusal(paid(100n, 0n), 100n, at(window + 1))).toBe('refund_window_passed');
  });

  it('refuses unpaid orders and amounts that are not positive', () => {
    for (const status of ['open', 'closed', 'expired'] as const) {
      expect(refundRefusal({ status, amountMinor: 100n, refundedMinor: 0n, paidAt: null }, 1n, at(0))).toBe(
        'order_not_paid',
      );
      expect(refundableMinor({ status, amountMinor: 100n, refundedMinor: 0n, paidAt: null })).toBe(0n);
    }
    expect(refundRefusal(paid(100n, 0n), 0n, at(0))).toBe('invalid_amount');
    expect(refundRefusal(paid(100n, 0n), -5n, at(0))).toBe('invalid_amount');
  });

  it('never lets the refunded total pass the paid amount, whatever the sequence', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: 10n ** 12n }),
        fc.array(fc.bigInt({ min: -10n, max: 10n ** 12n }), { maxLength: 30 }),
        (amount, asks) => {
          let order = paid(amount, 0n);
          for (const ask of asks) {
            const refusal = refundRefusal(order, ask, at(100));
            const fits = ask > 0n && order.refundedMinor + ask <= amount;
            expect(refusal).toBe(ask <= 0n ? 'invalid_amount' : fits ? null : 'refund_exceeds_remaining');
            if (refusal === null) order = { ...order, refundedMinor: order.refundedMinor + ask };
            expect(order.refundedMinor).toBeLessThanOrEqual(amount);
            expect(refundableMinor(order)).toBe(amount - order.refundedMinor);
          }
        },
      ),
    );
  });
});

describe('order input', () => {
  const base = { amountMinor: 100, description: 'Two dumplings' };

  it('accepts a plain order and the limits themselves', () => {
    expect(orderInputProblem(base)).toBeNull();
    expect(orderInputProblem({ ...base, expiresInSeconds: 60 })).toBeNull();
    expect(orderInputProblem({ ...base, expiresInSeconds: 86_400 })).toBeNull();
    expect(orderInputProblem({ ...base, description: 'x'.repeat(200) })).toBeNull();
    expect(
      orderInputProblem({
        ...base,
        metadata: Object.fromEntries([...Array(20)].map((_, i) => [`k${i}`, 'v'])),
      }),
    ).toBeNull();
  });

  it('names the field of each problem', () => {
    const path = (input: Parameters<typeof orderInputProblem>[0]) => orderInputProblem(input)?.path;
    expect(path({ ...base, amountMinor: 0 })).toBe('/body/amountMinor');
    expect(path({ ...base, amountMinor: 1.5 })).toBe('/body/amountMinor');
    expect(path({ ...base, description: '   ' })).toBe('/body/description');
    expect(path({ ...base, description: 'x'.repeat(201) })).toBe('/body/description');
    expect(path({ ...base, merchantReference: '' })).toBe('/body/merchantReference');
    expect(path({ ...base, merchantReference: 'r'.repeat(65) })).toBe('/body/merchantReference');
    expect(path({ ...base, expiresInSeconds: 59 })).toBe('/body/expiresInSeconds');
    expect(path({ ...base, expiresInSeconds: 86_401 })).toBe('/body/expiresInSeconds');
    expect(
      path({ ...base, metadata: Object.fromEntries([...Array(21)].map((_, i) => [`k${i}`, 'v'])) }),
    ).toBe('/body/metadata');
    expect(path({ ...base, metadata: { a: 'x'.repeat(501) } })).toBe('/body/metadata/a');
    expect(path({ ...base, metadata: { ['k'.repeat(41)]: 'v' } })).toBe(`/body/metadata/${'k'.repeat(41)}`);
  });

  it('takes the currency of the mode', () => {
    expect(currencyOf('live', 'CNY')).toBe('CNY');
    expect(currencyOf('test', 'CNY')).toBe('XTS');
  });
});

describe('idempotency', () => {
  it('accepts printable ASCII keys of 1 to 255 characters', () => {
    expect(isIdempotencyKey('a')).toBe(true);
    expect(isIdempotencyKey('k'.repeat(255))).toBe(true);
    expect(isIdempotencyKey('0190f1c2-7e1a-7000-8000-000000000000')).toBe(true);
    expect(isIdempotencyKey('')).toBe(false);
    expect(isIdempotencyKey('k'.repeat(256))).toBe(false);
    expect(isIdempotencyKey('has space')).toBe(false);
    expect(isIdempotencyKey('ключ')).toBe(false);
    expect(isIdempotencyKey(undefined)).toBe(false);
  });

  it('fingerprints equal bodies alike whatever their key order, and different bodies apart', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[1,{"y":2,"z":1}]},"b":1}',
    );
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (body) => {
        const reversed = Object.fromEntries(Object.entries(body).reverse());
        expect(requestFingerprint('order', reversed)).toBe(requestFingerprint('order', body));
        expect(requestFingerprint('refund', body)).not.toBe(requestFingerprint('order', body));
      }),
    );
    expect(requestFingerprint('order', { amountMinor: 100 })).not.toBe(
      requestFingerprint('order', { amountMinor: 101 }),
    );
    // An absent optional field is the same request as one left undefined.
    expect(requestFingerprint('order', { a: 1, b: undefined })).toBe(requestFingerprint('order', { a: 1 }));
  });
});

describe('webhook retry schedule', () => {
  it('retries at 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, 14 h, 14 h and 16 h, then gives up', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map(retryDelaySeconds)).toEqual([
      5, 300, 1800, 7200, 18_000, 36_000, 36_000, 50_400, 50_400, 57_600,
    ]);
    expect(retryDelaySeconds(11)).toBeNull();
    expect(retryDelaySeconds(100)).toBeNull();
    expect(WEBHOOK_ATTEMPTS_MAX).toBe(11);
    // About three days from the first attempt to the last.
    const totalSeconds = WEBHOOK_RETRY_DELAYS_SECONDS.reduce((a, b) => a + b, 0);
    expect(totalSeconds).toBe(257_705);
    expect(() => retryDelaySeconds(0)).toThrow(RangeError);
  });

  it('counts only 2xx answers as delivered', () => {
    expect([199, 200, 204, 299, 300, 302, 404, 500].map(isDelivered)).toEqual([
      false,
      true,
      true,
      true,
      false,
      false,
      false,
      false,
    ]);
    expect(isDelivered(null)).toBe(false);
  });

  it('keeps the first 2 KB of a response without splitting a character', () => {
    expect(truncateBody('ok')).toBe('ok');
    expect(Buffer.byteLength(truncateBody('x'.repeat(5000)))).toBe(2048);
    const cut = truncateBody(`${'x'.repeat(2047)}é`);
    expect(cut).toBe('x'.repeat(2047));
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 3000 }), (text) => {
        const out = truncateBody(text);
        expect(Buffer.byteLength(out)).toBeLessThanOrEqual(2048);
        expect(text.startsWith(out)).toBe(true);
      }),
    );
  });
});

describe('Standard Webhooks signatures', () => {
  const body = '{"id":"evt_1","type":"order.paid"}';

  it('signs v1 with base64 HMAC-SHA256 over id.timestamp.body with the decoded secret', () => {
    const expected = createHmac('sha256', Buffer.alloc(32, 7))
      .update(`msg_1.1700000000.${body}`)
      .digest('base64');
    expect(signWebhook(SECRET, 'msg_1', 1_700_000_000, body)).toBe(`v1,${expected}`);
    expect(webhookKey(SECRET)).toEqual(Buffer.alloc(32, 7));
  });

  it('matches the Standard Webhooks reference vector', () => {
    // From the specification's test suite (standard-webhooks, python/javascript libraries).
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const signature = signWebhook(secret, 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}');
    expect(signature).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('verifies within 5 minutes both ways and refuses anything changed', () => {
    const ts = 1_700_000_000;
    const headers = { id: 'evt_1', timestamp: String(ts), signature: signWebhook(SECRET, 'evt_1', ts, body) };
    expect(checkWebhookSignature(SECRET, headers, body, ts)).toBe('ok');
    expect(checkWebhookSignature(SECRET, headers, body, ts + 300)).toBe('ok');
    expect(checkWebhookSignature(SECRET, headers, body, ts - 300)).toBe('ok');
    expect(checkWebhookSignature(SECRET, headers, body, ts + 301)).toBe('timestamp_too_old');
    expect(checkWebhookSignature(SECRET, headers, body, ts - 301)).toBe('timestamp_too_new');
    expect(checkWebhookSignature(SECRET, headers, `${body} `, ts)).toBe('no_match');
    expect(checkWebhookSignature(SECRET, { ...headers, id: 'evt_2' }, body, ts)).toBe('no_match');
    const other = `whsec_${Buffer.alloc(32, 8).toString('base64')}`;
    expect(checkWebhookSignature(other, headers, body, ts)).toBe('no_match');
    expect(checkWebhookSignature(SECRET, { ...headers, signature: undefined }, body, ts)).toBe(
      'headers_missing',
    );
    expect(checkWebhookSignature(SECRET, { ...headers, timestamp: 'soon' }, body, ts)).toBe(
      'headers_missing',
    );
    // Several signatures (a rotated secret): any one that matches is enough.
    const both = { ...headers, signature: `v1,AAAA ${headers.signature}` };
    expect(checkWebhookSignature(SECRET, both, body, ts)).toBe('ok');
  });

  it('refuses a secret that is not whsec_ + base64', () => {
    expect(() => signWebhook('sk_live_x', 'a', 1, '')).toThrow(RangeError);
    expect(() => signWebhook('whsec_', 'a', 1, '')).toThrow(RangeError);
    expect(() => signWebhook('whsec_***', 'a', 1, '')).toThrow(RangeError);
  });
});

describe('cursors', () => {
  it('round-trips every positive sequence number and refuses anything else', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 9_223_372_036_854_775_807n }), (seq) => {
        expect(decodeSeqCursor(encodeSeqCursor(seq))).toBe(seq);
      }),
    );
    expect(decodeSeqCursor('')).toBeNull();
    expect(decodeSeqCursor('not a cursor')).toBeNull();
    expect(decodeSeqCursor(Buffer.from('s0').toString('base64url'))).toBeNull();
    expect(decodeSeqCursor(Buffer.from('s-1').toString('base64url'))).toBeNull();
    expect(decodeSeqCursor(Buffer.from('x12').toString('base64url'))).toBeNull();
    expect(decodeSeqCursor(Buffer.from('s9223372036854775808').toString('base64url'))).toBeNull();
  });
});
