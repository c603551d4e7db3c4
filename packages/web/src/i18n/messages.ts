import type { en } from './en.js';

export type MessageKey = keyof typeof en;

/** A complete dictionary: exactly the English keys, each a string. */
export type Messages = { readonly [K in MessageKey]: string };

export type MessageParams = Readonly<Record<string, string | number>>;
