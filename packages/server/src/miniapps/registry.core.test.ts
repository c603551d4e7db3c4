import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as limits from '../kernel/limits.js';
import {
  canonicalOrigin,
  cleanText,
  decide,
  encodeValue,
  isValidAppPath,
  isValidStorageKey,
  isValidWebhookUrl,
  keyHash,
  keyMode,
  needsReview,
  newSecret,
  normalizeScopes,
  openidOf,
} from './registry.core.js';

describe('origins', () => {
  it('canonicalises https origins the way browsers report event.origin', () => {
    expect(canonicalOrigin('https://Shop.Example')).toBe('https://shop.example');
    expect(canonicalOrigin('https://shop.example/')).toBe('https://shop.example');
    expect(canonicalOrigin('https://shop.example:443')).toBe('https://shop.example');
    expect(canonicalOrigin('https://shop.example:8443')).toBe('https://shop.example:8443');
    expect(canonicalOrigin('http://localhost:8092')).toBe('http://localhost:8092');
    expect(canonicalOrigin('http://127.0.0.1')).toBe('http://127.0.0.1');
    expect(canonicalOrigin('https://饺子.example')).toBe('https://xn--i8sp06l.example');
  });

  it('refuses paths, queries, fragments, credentials, other schemes and plain http', () => {
    for (const bad of [
      'https://shop.example/a',
      'https://shop.example//',
      'https://shop.example?x',
      'https://shop.example/?',
      'https://shop.example#',
      'https://a@shop.example',
      'http://shop.example',
      'http://localhost.evil.example',
      'ws://localhost',
      'file:///etc/passwd',
      'data:text/html,hi',
      'https:shop.example',
      ' https://shop.example',
      '',
      `https://${'a'.repeat(limits.miniappOriginLengthMax)}.example`,
    ]) {
      expect(canonicalOrigin(bad), bad).toBeNull();
    }
  });

  it('answers an origin that is its own canonical form, for any host and port', () => {
    const label = fc.stringMatching(/^[a-z][a-z0-9-]{0,10}[a-z0-9]$/);
    fc.assert(
      fc.property(
        fc.array(label, { minLength: 1, maxLength: 3 }),
        fc.integer({ min: 1, max: 65535 }),
        (labels, port) => {
          const origin = `https://${labels.join('.')}.example${port === 443 ? '' : `:${port}`}`;
          expect(canonicalOrigin(origin)).toBe(origin);
          expect(canonicalOrigin(`${origin}/path`)).toBeNull();
        },
      ),
      { numRuns: 500 },
    );
  });

  it('takes webhook URLs over https, or http to localhost', () => {
    expect(isValidWebhookUrl('https://shop.example/hooks?x=1')).toBe(true);
    expect(isValidWebhookUrl('http://localhost:8092/api/webhooks')).toBe(true);
    expect(isValidWebhookUrl('http://shop.example/hooks')).toBe(false);
    expect(isValidWebhookUrl('https://u:p@shop.example/hooks')).toBe(false);
    expect(isValidWebhookUrl('https://shop.example/hooks#x')).toBe(false);
    expect(isValidWebhookUrl(`https://shop.example/${'a'.repeat(limits.miniappUrlLengthMax)}`)).toBe(false);
  });
});

describe('keys and openids', () => {
  it('makes keys whose shape tells their mode, and nothing else passes', () => {
    for (let i = 0; i < 50; i++) {
      expect(keyMode(newSecret('live'))).toBe('live');
      expect(keyMode(newSecret('test'))).toBe('test');
      expect(keyMode(newSecret('webhook'))).toBeNull();
    }
    expect(keyMode(`sk_live_${'a'.repeat(42)}`)).toBeNull();
    expect(keyMode(`sk_live_${'a'.repeat(44)}`)).toBeNull();
    expect(keyMode(`test_sk_${'a'.repeat(42)}!`)).toBeNull();
    expect(keyHash('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('derives openids per app: the same pair the same id, another app or user another id', () => {
    const secret = Buffer.alloc(32, 7);
    fc.assert(
      fc.property(fc.uuid(), fc.uuid(), fc.uuid(), (app1, app2, user) => {
        const a = openidOf(secret, app1, user);
        expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
        expect(openidOf(secret, app1, user)).toBe(a);
        expect(a).toBe(
          createHmac('sha256', secret)
            .update(app1 + user)
            .digest('base64url'),
        );
        if (app1 !== app2) expect(openidOf(secret, app2, user)).not.toBe(a);
      }),
      { numRuns: 500 },
    );
    expect(openidOf(Buffer.alloc(32, 8), '0', '1')).not.toBe(openidOf(secret, '0', '1'));
  });
});

describe('review', () => {
  it('moves statuses only along the allowed edges', () => {
    expect(decide('pending', 'approve')).toBe('approved');
    expect(decide('rejected', 'approve')).toBe('approved');
    expect(decide('suspended', 'approve')).toBe('approved');
    expect(decide('approved', 'approve')).toBe('same');
    expect(decide('pending', 'reject')).toBe('rejected');
    expect(decide('rejected', 'reject')).toBe('same');
    expect(decide('approved', 'reject')).toBeNull();
    expect(decide('suspended', 'reject')).toBeNull();
    expect(decide('approved', 'suspend')).toBe('suspended');
    expect(decide('suspended', 'suspend')).toBe('same');
    expect(decide('pending', 'suspend')).toBeNull();
    expect(decide('rejected', 'suspend')).toBeNull();
  });

  it('sends an app back to review for a new origin or a new scope, not for fewer scopes', () => {
    const before = { origin: 'https://a.example', scopes: ['profile'] };
    expect(needsReview(before, { origin: 'https://a.example', scopes: [] })).toBe(false);
    expect(needsReview(before, { origin: 'https://a.example', scopes: ['profile'] })).toBe(false);
    expect(needsReview(before, { origin: 'https://a.example', scopes: ['profile', 'phone'] })).toBe(true);
    expect(needsReview(before, { origin: 'https://b.example', scopes: ['profile'] })).toBe(true);
  });

  it('normalises scopes to their canonical order and refuses unknown ones', () => {
    expect(normalizeScopes(['phone', 'profile', 'phone'])).toEqual(['profile', 'phone']);
    expect(normalizeScopes([])).toEqual([]);
    expect(normalizeScopes(['profile', 'email'])).toBeNull();
  });
});

describe('text, storage and paths', () => {
  it('trims text, counts characters (not UTF-16 units) and refuses control characters', () => {
    expect(cleanText('  Shop  ', 4)).toBe('Shop');
    expect(cleanText('😀'.repeat(4), 4)).toBe('😀😀😀😀');
    expect(cleanText('😀'.repeat(5), 4)).toBeNull();
    expect(cleanText('', 4)).toBeNull();
    expect(cleanText('', 4, { allowEmpty: true })).toBe('');
    expect(cleanText('a\nb', 4)).toBe('a\nb');
    expect(cleanText('a\u0000b', 4)).toBeNull();
    expect(cleanText('a\u007fb', 4)).toBeNull();
  });

  it('measures stored values in UTF-8 bytes of their JSON', () => {
    expect(encodeValue('饺')).toEqual({ json: '"饺"', bytes: 5 });
    expect(encodeValue(undefined)).toEqual({ json: 'null', bytes: 4 });
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const { json, bytes } = encodeValue(value);
        expect(bytes).toBe(new TextEncoder().encode(json).length);
      }),
      { numRuns: 300 },
    );
  });

  it('takes storage keys of 1 to 128 characters without control characters', () => {
    expect(isValidStorageKey('a')).toBe(true);
    expect(isValidStorageKey('k'.repeat(limits.miniappStorageKeyLengthMax))).toBe(true);
    expect(isValidStorageKey('k'.repeat(limits.miniappStorageKeyLengthMax + 1))).toBe(false);
    expect(isValidStorageKey('')).toBe(false);
    expect(isValidStorageKey('a\tb')).toBe(false);
  });

  it('takes only paths inside the app', () => {
    expect(isValidAppPath('/')).toBe(true);
    expect(isValidAppPath('/items/7?ref=chat#top')).toBe(true);
    for (const bad of [
      '',
      'items',
      '//evil.example',
      '/\\evil.example',
      '/a b',
      '/a\nb',
      'https://evil.example',
    ]) {
      expect(isValidAppPath(bad), bad).toBe(false);
    }
  });
});
