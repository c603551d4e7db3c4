import { describe, expect, it } from 'vitest';
import { WebhookVerificationError } from './errors.js';
import { signWebhook, verifyWebhook } from './webhooks.js';

// The Standard Webhooks reference vector.
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const ID = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
const TS = 1614265330;
const BODY = '{"test": 2432232314}';
const SIGNATURE = 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=';
const NOW = TS * 1000;

function headers(overrides: Record<string, string | undefined> = {}) {
  return {
    'webhook-id': ID,
    'webhook-timestamp': String(TS),
    'webhook-signature': SIGNATURE,
    ...overrides,
  };
}

function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(WebhookVerificationError);
    return (error as WebhookVerificationError).code;
  }
  throw new Error('expected a WebhookVerificationError');
}

describe('signWebhook', () => {
  it('reproduces the reference vector', () => {
    expect(signWebhook({ secret: SECRET, id: ID, timestamp: TS, body: BODY })).toBe(SIGNATURE);
    expect(signWebhook({ secret: SECRET, id: ID, timestamp: TS, body: new TextEncoder().encode(BODY) })).toBe(
      SIGNATURE,
    );
  });
});

describe('verifyWebhook', () => {
  it('accepts the reference vector and answers the parsed body', () => {
    expect(verifyWebhook({ secret: SECRET, headers: headers(), body: BODY, now: NOW })).toEqual({
      test: 2432232314,
    });
  });

  it('reads fetch Headers, Buffers, mixed-case names and several signatures', () => {
    const h = new Headers(headers({ 'webhook-signature': `v1,bm9wZQ== v2,abc ${SIGNATURE}` }));
    expect(
      verifyWebhook({ secret: SECRET, headers: h, body: Buffer.from(BODY), now: new Date(NOW) }),
    ).toEqual({
      test: 2432232314,
    });
    const mixed = { 'Webhook-Id': ID, 'Webhook-Timestamp': String(TS), 'Webhook-Signature': SIGNATURE };
    expect(verifyWebhook({ secret: SECRET, headers: mixed, body: BODY, now: NOW })).toEqual({
      test: 2432232314,
    });
  });

  it('refuses a tampered body, a wrong secret, a changed id or timestamp', () => {
    expect(
      codeOf(() =>
        verifyWebhook({ secret: SECRET, headers: headers(), body: '{"test": 2432232315}', now: NOW }),
      ),
    ).toBe('webhook_signature_invalid');
    const other = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
    expect(codeOf(() => verifyWebhook({ secret: other, headers: headers(), body: BODY, now: NOW }))).toBe(
      'webhook_signature_invalid',
    );
    expect(
      codeOf(() =>
        verifyWebhook({
          secret: SECRET,
          headers: headers({ 'webhook-id': 'msg_other' }),
          body: BODY,
          now: NOW,
        }),
      ),
    ).toBe('webhook_signature_invalid');
    expect(
      codeOf(() =>
        verifyWebhook({
          secret: SECRET,
          headers: headers({ 'webhook-timestamp': String(TS + 1) }),
          body: BODY,
          now: NOW,
        }),
      ),
    ).toBe('webhook_signature_invalid');
    // A signature of another scheme version with the right bytes is not a v1 signature.
    expect(
      codeOf(() =>
        verifyWebhook({
          secret: SECRET,
          headers: headers({ 'webhook-signature': SIGNATURE.replace('v1,', 'v1a,') }),
          body: BODY,
          now: NOW,
        }),
      ),
    ).toBe('webhook_signature_invalid');
  });

  it('keeps a 5-minute tolerance both ways', () => {
    const at = (seconds: number) => () =>
      verifyWebhook({ secret: SECRET, headers: headers(), body: BODY, now: NOW + seconds * 1000 });
    expect(at(300)()).toEqual({ test: 2432232314 });
    expect(at(-300)()).toEqual({ test: 2432232314 });
    expect(codeOf(at(301))).toBe('webhook_timestamp_too_old');
    expect(codeOf(at(-301))).toBe('webhook_timestamp_too_new');
    expect(
      codeOf(() =>
        verifyWebhook({
          secret: SECRET,
          headers: headers(),
          body: BODY,
          now: NOW + 61_000,
          toleranceSeconds: 60,
        }),
      ),
    ).toBe('webhook_timestamp_too_old');
  });

  it('names missing headers, a bad timestamp and a bad secret', () => {
    for (const name of ['webhook-id', 'webhook-timestamp', 'webhook-signature']) {
      expect(
        codeOf(() =>
          verifyWebhook({ secret: SECRET, headers: headers({ [name]: undefined }), body: BODY, now: NOW }),
        ),
      ).toBe('webhook_headers_missing');
    }
    expect(
      codeOf(() =>
        verifyWebhook({
          secret: SECRET,
          headers: headers({ 'webhook-timestamp': '1.6e9' }),
          body: BODY,
          now: NOW,
        }),
      ),
    ).toBe('webhook_timestamp_invalid');
    expect(
      codeOf(() => verifyWebhook({ secret: 'sk_live_abc', headers: headers(), body: BODY, now: NOW })),
    ).toBe('webhook_secret_invalid');
    expect(
      codeOf(() => verifyWebhook({ secret: 'whsec_***', headers: headers(), body: BODY, now: NOW })),
    ).toBe('webhook_secret_invalid');
  });

  it('refuses a signed body that is not a JSON object', () => {
    const body = '[1,2]';
    const signature = signWebhook({ secret: SECRET, id: ID, timestamp: TS, body });
    expect(
      codeOf(() =>
        verifyWebhook({
          secret: SECRET,
          headers: headers({ 'webhook-signature': signature }),
          body,
          now: NOW,
        }),
      ),
    ).toBe('webhook_body_invalid');
  });
});
