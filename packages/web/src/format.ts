import { formatAmount, isCurrencyCode, minor } from '@jiaozi/money';
import type { Lang } from './i18n/i18n.js';

/** Digits after the decimal point for a currency, from Intl (CNY 2, JPY 0). */
export function currencyDigits(currency: string): number {
  try {
    return (
      new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ??
      2
    );
  } catch {
    return 2;
  }
}

/**
 * An amount in minor units (fen, cents) as money text: 12345 CNY → "¥123.45".
 * Falls back to "123.45 XYZ" for a code Intl does not know.
 */
export function formatMinor(minor: number | bigint, currency: string, lang: Lang): string {
  const digits = currencyDigits(currency);
  const value = Number(minor) / 10 ** digits;
  try {
    return new Intl.NumberFormat(lang, {
      style: 'currency',
      currency,
      currencyDisplay: 'narrowSymbol',
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    }).format(value);
  } catch {
    return `${value.toFixed(digits)} ${currency}`;
  }
}

/**
 * Money for display: `@jiaozi/money`'s exact bigint formatting for the currencies it knows
 * (12345n CNY → "¥123.45"), Intl for any other code the server might configure.
 */
export function formatMoney(amount: bigint | number, currency: string, lang: Lang): string {
  if (isCurrencyCode(currency)) return formatAmount(minor(amount), currency, lang);
  return formatMinor(amount, currency, lang);
}

/** "5 minutes ago", "yesterday", or a date for anything older than a few weeks. */
export function formatRelativeTime(iso: string, lang: Lang, now = Date.now()): string {
  const time = Date.parse(iso);
  if (Number.isNaN(time)) return iso;
  const seconds = (time - now) / 1000;
  const abs = Math.abs(seconds);
  const rtf = new Intl.RelativeTimeFormat(lang, { numeric: 'auto' });
  if (abs < 45) return rtf.format(0, 'second');
  if (abs < 45 * 60) return rtf.format(Math.round(seconds / 60), 'minute');
  if (abs < 22 * 3600) return rtf.format(Math.round(seconds / 3600), 'hour');
  if (abs < 26 * 86400) return rtf.format(Math.round(seconds / 86400), 'day');
  return formatDate(iso, lang);
}

export function formatDate(iso: string, lang: Lang): string {
  const time = Date.parse(iso);
  if (Number.isNaN(time)) return iso;
  return new Intl.DateTimeFormat(lang, { dateStyle: 'medium' }).format(time);
}

export function formatDateTime(iso: string, lang: Lang): string {
  const time = Date.parse(iso);
  if (Number.isNaN(time)) return iso;
  return new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short' }).format(time);
}

/** The first letter of a name, for an avatar ("alice" → "A", "王小明" → "王"). */
export function initialOf(name: string): string {
  const first = Array.from(name.trim())[0];
  return first ? first.toLocaleUpperCase() : '?';
}

/** How the account is shown under the name: "@alice" or the phone number. */
export function handleOf(account: { username: string | null; phone: string | null }): string {
  if (account.username) return `@${account.username}`;
  return account.phone ?? '';
}
