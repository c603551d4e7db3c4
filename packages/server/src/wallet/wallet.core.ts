/** Pure rules of the wallet: card numbers, amounts, QR payloads, pay codes, cursors, CSV. */
import { uuidFromDigest } from '../kernel/ids.js';
import { kycLimits } from '../kernel/limits.js';

/** Luhn check digit over 12–19 digits. */
export function isValidCardNumber(number: string): boolean {
  if (!/^[0-9]{12,19}$/.test(number)) return false;
  let sum = 0;
  for (let i = 0; i < number.length; i++) {
    let d = Number(number[number.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** Spaces and dashes people type inside card numbers are ignored. */
export function normalizeCardNumber(input: string): string {
  return input.replace(/[\s-]/g, '');
}

export type KycTier = 0 | 1 | 2;

export function limitsFor(tier: number) {
  return kycLimits[(tier === 1 || tier === 2 ? tier : 0) as KycTier];
}

export type AmountProblem = 'not_positive' | 'over_single_limit';

/** A payment amount must be positive and within the payer's per-payment limit. */
export function checkAmount(amountMinor: bigint, tier: number): AmountProblem | null {
  if (amountMinor <= 0n) return 'not_positive';
  if (amountMinor > limitsFor(tier).singleTransferMaxMinor) return 'over_single_limit';
  return null;
}

const QR_PREFIX = 'jiaozi:pay:v1:';

export interface QrFields {
  userId: string;
  amountMinor: bigint | null;
}

/** The signed text of a receive QR code: `jiaozi:pay:v1:<user>:<amount|->:<signature>`. */
export function qrMessage(fields: QrFields): string {
  return `${QR_PREFIX}${fields.userId}:${fields.amountMinor === null ? '-' : fields.amountMinor.toString()}`;
}

export function parseQr(payload: string): { fields: QrFields; message: string; signature: string } | null {
  if (!payload.startsWith(QR_PREFIX) || payload.length > 200) return null;
  const parts = payload.slice(QR_PREFIX.length).split(':');
  if (parts.length !== 3) return null;
  const [userId, amount, signature] = parts as [string, string, string];
  if (!/^[0-9a-f-]{36}$/.test(userId) || !/^[0-9a-f]{32}$/.test(signature)) return null;
  if (amount !== '-' && !/^[1-9][0-9]{0,15}$/.test(amount)) return null;
  const fields = { userId, amountMinor: amount === '-' ? null : BigInt(amount) };
  return { fields, message: qrMessage(fields), signature };
}

/** 18 digits starting with 28, like the pay codes people know from shop counters. */
export function formatPayCode(randomDigits: string): string {
  if (!/^[0-9]{16}$/.test(randomDigits)) throw new Error('16 random digits expected');
  return `28${randomDigits}`;
}

export function isPayCodeShape(code: string): boolean {
  return /^28[0-9]{16}$/.test(code);
}

/** A history page's cursor: the wallet account's version of the last row shown. */
export function encodeCursor(version: bigint): string {
  return Buffer.from(`v${version}`).toString('base64url');
}

export function decodeCursor(cursor: string): { version: bigint } | null {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const m = /^v([1-9][0-9]{0,18})$/.exec(text);
  if (!m) return null;
  const version = BigInt(m[1] as string);
  // A version is a Postgres bigint.
  return version <= 2n ** 63n - 1n ? { version } : null;
}

/** One CSV field (RFC 4180), with formula injection neutralised for spreadsheets. */
export function csvField(value: string): string {
  const numeric = /^-?[0-9]+(\.[0-9]+)?$/.test(value);
  const safe = !numeric && /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

export function csvRow(fields: readonly string[]): string {
  return `${fields.map(csvField).join(',')}\r\n`;
}

/** The day (in the given time zone) that daily limits count against. */
export function limitDay(at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(at);
}

/** A deterministic UUID for a step derived from an operation (e.g. the post of a top-up). */
export const derivedId = uuidFromDigest;
