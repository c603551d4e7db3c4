import { ERROR_CODES } from '@jiaozi/protocol';
import { describe, expect, it } from 'vitest';
import { ApiError, CLIENT_ERROR_CODES } from './api/client.js';
import {
  ERROR_MESSAGE_KEYS,
  errorMessage,
  fieldOf,
  messageKeyOf,
  SOCIAL_ERROR_CODES,
  WALLET_ERROR_CODES,
} from './errors.js';
import { en } from './i18n/en.js';
import { LANGS, type Lang, type Translate, translate } from './i18n/i18n.js';

const tFor =
  (lang: Lang): Translate =>
  (key, params) =>
    translate(lang, key, params);
const t = tFor('en');

function error(code: string, details?: Record<string, unknown>, message = 'server says no') {
  return new ApiError({ status: 400, code, message, details });
}

describe('error code → message', () => {
  it('covers every code in ERROR_CODES, the wallet and social codes and every client code', () => {
    for (const code of [
      ...ERROR_CODES,
      ...WALLET_ERROR_CODES,
      ...SOCIAL_ERROR_CODES,
      ...CLIENT_ERROR_CODES,
    ]) {
      const key = messageKeyOf(code);
      expect(key, code).toBeDefined();
      expect(Object.hasOwn(en, key as string), code).toBe(true);
    }
  });

  it('has no entries for codes that do not exist', () => {
    const known = new Set<string>([
      ...ERROR_CODES,
      ...WALLET_ERROR_CODES,
      ...SOCIAL_ERROR_CODES,
      ...CLIENT_ERROR_CODES,
    ]);
    for (const code of Object.keys(ERROR_MESSAGE_KEYS)) expect(known.has(code), code).toBe(true);
  });

  it.each(LANGS)('translates every code in %s, never to the server message', (lang) => {
    for (const code of [
      ...ERROR_CODES,
      ...WALLET_ERROR_CODES,
      ...SOCIAL_ERROR_CODES,
      ...CLIENT_ERROR_CODES,
    ]) {
      const text = errorMessage(error(code), tFor(lang), lang);
      expect(text.trim(), code).not.toBe('');
      expect(text, code).not.toBe('server says no');
    }
  });

  it('falls back to the server message for an unknown code, then to a generic one', () => {
    expect(errorMessage(error('brand_new_code'), t, 'en')).toBe('server says no');
    expect(errorMessage(error('brand_new_code', {}, '  '), t, 'en')).toBe(en['error.unexpected_response']);
  });

  it('treats non-ApiError throwables as unexpected', () => {
    expect(errorMessage(new TypeError('x is undefined'), t, 'en')).toBe(en['error.unexpected_response']);
    expect(errorMessage('boom', t, 'en')).toBe(en['error.unexpected_response']);
  });

  it('uses details when they help', () => {
    expect(errorMessage(error('pin_incorrect', { attemptsLeft: 2 }), t, 'en')).toBe(
      'Wrong PIN. 2 attempts left.',
    );
    expect(errorMessage(error('pin_incorrect'), t, 'en')).toBe('Wrong PIN.');
    expect(errorMessage(error('rate_limited', { retryAfterSeconds: 29.2 }), t, 'en')).toBe(
      'Too many attempts. Please try again in 30 s.',
    );
    const locked = errorMessage(error('pin_locked', { unlockAt: '2030-01-02T03:04:05Z' }), t, 'en');
    expect(locked).toMatch(/^Too many wrong PINs\. Payments are locked until .*2030/);
    expect(errorMessage(error('pin_locked', { unlockAt: 'soon' }), t, 'en')).toBe(en['error.pin_locked']);
  });

  it('names the field of an invalid_request', () => {
    expect(errorMessage(error('invalid_request', { path: '/password' }), t, 'en')).toBe(
      'Please check the password.',
    );
    expect(errorMessage(error('invalid_request', { path: 'body.displayName' }), tFor('zh-CN'), 'zh-CN')).toBe(
      '请检查“昵称”。',
    );
    expect(errorMessage(error('invalid_request', { path: '/mystery' }), t, 'en')).toBe(
      en['error.invalid_request'],
    );
    expect(errorMessage(error('invalid_request'), t, 'en')).toBe(en['error.invalid_request']);
  });

  it('fieldOf reads the usual path shapes', () => {
    expect(fieldOf('/body/phone')).toBe('phone');
    expect(fieldOf('body.newPassword')).toBe('newPassword');
    expect(fieldOf('items[0].region')).toBe('region');
    expect(fieldOf(['body', 'pin'])).toBe('pin');
    expect(fieldOf('')).toBeUndefined();
    expect(fieldOf(undefined)).toBeUndefined();
  });
});
