import { en } from './en.js';
import type { MessageKey, MessageParams, Messages } from './messages.js';
import { zhCN } from './zh-CN.js';

export type { MessageKey, MessageParams, Messages } from './messages.js';

export const LANGS = ['en', 'zh-CN'] as const;
export type Lang = (typeof LANGS)[number];

export const DICTIONARIES: { readonly [L in Lang]: Messages } = { en, 'zh-CN': zhCN };

/** localStorage key of the chosen language. */
export const LANG_STORAGE_KEY = 'jiaozi.lang';

export type Translate = (key: MessageKey, params?: MessageParams) => string;

export function isLang(value: unknown): value is Lang {
  return typeof value === 'string' && (LANGS as readonly string[]).includes(value);
}

/** Replaces `{name}` with `params.name`; unknown placeholders are left as they are. */
export function interpolate(template: string, params?: MessageParams): string {
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (match, name: string) => {
    const value = Object.hasOwn(params, name) ? params[name] : undefined;
    return value === undefined ? match : String(value);
  });
}

export function translate(lang: Lang, key: MessageKey, params?: MessageParams): string {
  return interpolate(DICTIONARIES[lang][key], params);
}

/** The stored choice if valid, else the first browser language we speak (zh* → zh-CN), else English. */
export function detectLang(stored: string | null | undefined, browserLangs: readonly string[]): Lang {
  if (isLang(stored)) return stored;
  for (const tag of browserLangs) {
    const lower = tag.toLowerCase();
    if (lower === 'zh' || lower.startsWith('zh-')) return 'zh-CN';
    if (lower === 'en' || lower.startsWith('en-')) return 'en';
  }
  return 'en';
}

export function otherLang(lang: Lang): Lang {
  return lang === 'en' ? 'zh-CN' : 'en';
}
