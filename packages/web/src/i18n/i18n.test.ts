import { describe, expect, it } from 'vitest';
import { en } from './en.js';
import { DICTIONARIES, detectLang, interpolate, LANGS, otherLang, translate } from './i18n.js';
import { zhCN } from './zh-CN.js';

describe('interpolate', () => {
  it('replaces {name} placeholders', () => {
    expect(interpolate('Hello, {name}! {count} new', { name: 'Alice', count: 3 })).toBe(
      'Hello, Alice! 3 new',
    );
  });

  it('replaces every occurrence and accepts 0 and empty strings', () => {
    expect(interpolate('{n}+{n}={sum}{x}', { n: 0, sum: 0, x: '' })).toBe('0+0=0');
  });

  it('leaves unknown placeholders and plain text alone', () => {
    expect(interpolate('Hi {name}', {})).toBe('Hi {name}');
    expect(interpolate('Hi {name}')).toBe('Hi {name}');
    expect(interpolate('No params', { name: 'x' })).toBe('No params');
  });

  it('does not read inherited properties', () => {
    expect(interpolate('{toString}', {})).toBe('{toString}');
  });
});

describe('dictionaries', () => {
  it('zh-CN has exactly the English keys', () => {
    expect(Object.keys(zhCN).sort()).toEqual(Object.keys(en).sort());
  });

  it.each(LANGS)('%s has a non-empty string for every key', (lang) => {
    for (const [key, value] of Object.entries(DICTIONARIES[lang])) {
      expect(typeof value, key).toBe('string');
      expect(value.trim(), key).not.toBe('');
    }
  });

  it('zh-CN uses the same placeholders as English', () => {
    const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      expect(placeholders(zhCN[key]), key).toEqual(placeholders(en[key]));
    }
  });

  it('translate picks the language and interpolates', () => {
    expect(translate('en', 'auth.password_hint', { min: 8 })).toBe('At least 8 characters.');
    expect(translate('zh-CN', 'auth.password_hint', { min: 8 })).toBe('至少 8 个字符。');
    expect(translate('zh-CN', 'tabs.me')).toBe('我');
  });
});

describe('detectLang', () => {
  it('prefers a valid stored choice', () => {
    expect(detectLang('zh-CN', ['en-US'])).toBe('zh-CN');
    expect(detectLang('en', ['zh-CN'])).toBe('en');
  });

  it('ignores an invalid stored value and maps zh* browsers to zh-CN', () => {
    expect(detectLang('fr', ['zh-TW'])).toBe('zh-CN');
    expect(detectLang(null, ['zh'])).toBe('zh-CN');
    expect(detectLang(null, ['zh-Hans-CN', 'en'])).toBe('zh-CN');
    expect(detectLang(null, ['fr-FR', 'zh-CN'])).toBe('zh-CN');
  });

  it('defaults to English', () => {
    expect(detectLang(null, ['en-GB', 'zh-CN'])).toBe('en');
    expect(detectLang(undefined, ['fr'])).toBe('en');
    expect(detectLang(null, [])).toBe('en');
  });

  it('otherLang toggles', () => {
    expect(otherLang('en')).toBe('zh-CN');
    expect(otherLang('zh-CN')).toBe('en');
  });
});
