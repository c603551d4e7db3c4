import type { PayeeRef } from '@jiaozi/protocol';

const PHONE = /^\+[1-9][0-9]{6,14}$/;
const USERNAME = /^[A-Za-z][A-Za-z0-9_]*$/;

/**
 * Who the person means: "+86 138 0013 8000" → `{phone: '+8613800138000'}`, "@alice" or "alice" →
 * `{username: 'alice'}`. Null when it is neither (the server checks lengths and existence).
 */
export function parsePayee(text: string): PayeeRef | null {
  const trimmed = text.trim();
  if (trimmed.startsWith('+')) {
    const phone = trimmed.replace(/[\s\-().]/g, '');
    return PHONE.test(phone) ? { phone } : null;
  }
  const username = trimmed.startsWith('@') ? trimmed.slice(1) : trimmed;
  return USERNAME.test(username) ? { username } : null;
}

/** A stable text form of a payee, for idempotency fingerprints. */
export function payeeKey(payee: PayeeRef): string {
  if (payee.qr !== undefined) return `qr:${payee.qr}`;
  if (payee.userId !== undefined) return `id:${payee.userId}`;
  if (payee.phone !== undefined) return `phone:${payee.phone}`;
  return `user:${(payee.username ?? '').toLowerCase()}`;
}
