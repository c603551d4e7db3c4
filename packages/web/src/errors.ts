import type { ErrorCode } from '@jiaozi/protocol';
import { ApiError, type ClientErrorCode } from './api/client.js';
import type { Lang, MessageKey, Translate } from './i18n/i18n.js';

/**
 * The wallet's codes, listed here too so that this file compiles whether or not they are in the
 * protocol's ERROR_TABLE yet (the server adds them as it grows the wallet).
 */
export const WALLET_ERROR_CODES = [
  'invalid_amount',
  'cannot_pay_self',
  'insufficient_funds',
  'idempotency_conflict',
  'daily_limit_exceeded',
  'balance_limit_exceeded',
  'paycode_invalid',
  'request_not_pending',
  'card_number_invalid',
  'qr_invalid',
] as const;
export type WalletErrorCode = (typeof WALLET_ERROR_CODES)[number];

/** The contacts codes, for the same reason (the server adds them with friend requests). */
export const SOCIAL_ERROR_CODES = ['cannot_friend_self', 'already_friends'] as const;
export type SocialErrorCode = (typeof SOCIAL_ERROR_CODES)[number];

/** The chat codes, for the same reason (the server adds them with conversations). */
export const CHAT_ERROR_CODES = [
  'recipient_unavailable',
  'message_too_long',
  'recall_window_passed',
] as const;
export type ChatErrorCode = (typeof CHAT_ERROR_CODES)[number];

/** Every server code and every client code has a translated message (a missing one is a type error). */
export const ERROR_MESSAGE_KEYS: {
  readonly [C in ErrorCode | WalletErrorCode | SocialErrorCode | ChatErrorCode | ClientErrorCode]: MessageKey;
} = {
  invalid_request: 'error.invalid_request',
  invalid_amount: 'error.invalid_amount',
  cannot_pay_self: 'error.cannot_pay_self',
  insufficient_funds: 'error.insufficient_funds',
  idempotency_conflict: 'error.idempotency_conflict',
  daily_limit_exceeded: 'error.daily_limit_exceeded',
  grant_limit_exceeded: 'error.grant_limit_exceeded',
  grant_use_not_allowed: 'error.grant_use_not_allowed',
  transfer_not_for_you: 'error.transfer_not_for_you',
  red_packet_not_for_you: 'error.red_packet_not_for_you',
  split_not_participant: 'error.split_not_participant',
  transfer_not_pending: 'error.transfer_not_pending',
  red_packet_already_grabbed: 'error.red_packet_already_grabbed',
  red_packet_empty: 'error.red_packet_empty',
  red_packet_expired: 'error.red_packet_expired',
  split_already_paid: 'error.split_already_paid',
  split_closed: 'error.split_closed',
  balance_limit_exceeded: 'error.balance_limit_exceeded',
  paycode_invalid: 'error.paycode_invalid',
  request_not_pending: 'error.request_not_pending',
  card_number_invalid: 'error.card_number_invalid',
  qr_invalid: 'error.qr_invalid',
  cannot_friend_self: 'error.cannot_friend_self',
  already_friends: 'error.already_friends',
  recipient_unavailable: 'error.recipient_unavailable',
  message_too_long: 'error.message_too_long',
  recall_window_passed: 'error.recall_window_passed',
  media_type_unsupported: 'error.media_type_unsupported',
  media_truncated: 'error.media_truncated',
  media_polyglot: 'error.media_polyglot',
  media_too_many_pixels: 'error.media_too_many_pixels',
  media_too_large: 'error.media_too_large',
  voice_too_long: 'error.voice_too_long',
  voice_not_opus: 'error.voice_not_opus',
  range_not_satisfiable: 'error.range_not_satisfiable',
  signature_invalid: 'error.signature_invalid',
  qr_not_found: 'error.qr_not_found',
  camera_unavailable: 'error.camera_unavailable',
  pin_too_weak: 'error.pin_too_weak',
  invalid_credentials: 'error.invalid_credentials',
  unauthenticated: 'error.unauthenticated',
  password_incorrect: 'error.password_incorrect',
  pin_incorrect: 'error.pin_incorrect',
  forbidden: 'error.forbidden',
  not_found: 'error.not_found',
  username_taken: 'error.username_taken',
  phone_taken: 'error.phone_taken',
  pin_not_set: 'error.pin_not_set',
  payload_too_large: 'error.payload_too_large',
  unsupported_media_type: 'error.unsupported_media_type',
  pin_locked: 'error.pin_locked',
  rate_limited: 'error.rate_limited',
  internal_error: 'error.internal_error',
  service_unavailable: 'error.service_unavailable',
  network_error: 'error.network_error',
  unexpected_response: 'error.unexpected_response',
  password_mismatch: 'error.password_mismatch',
  insufficient_shares: 'error.insufficient_shares',
  instant_redemption_limit_exceeded: 'error.instant_redemption_limit_exceeded',
  yield_invalid: 'error.yield_invalid',
  yield_conflict: 'error.yield_conflict',
  yield_missing: 'error.yield_missing',
  accrual_out_of_order: 'error.accrual_out_of_order',
  currency_mismatch: 'error.currency_mismatch',
  idempotency_key_missing: 'error.idempotency_key_missing',
  origin_invalid: 'error.origin_invalid',
  webhook_url_invalid: 'error.webhook_url_invalid',
  scope_not_requested: 'error.scope_not_requested',
  login_code_invalid: 'error.login_code_invalid',
  merchant_unauthorized: 'error.merchant_unauthorized',
  app_not_active: 'error.app_not_active',
  payment_not_found: 'error.payment_not_found',
  openid_unknown: 'error.openid_unknown',
  order_expired: 'error.order_expired',
  order_closed: 'error.order_closed',
  order_already_paid: 'error.order_already_paid',
  order_not_paid: 'error.order_not_paid',
  refund_exceeds_remaining: 'error.refund_exceeds_remaining',
  refund_window_passed: 'error.refund_window_passed',
  merchant_insufficient_funds: 'error.merchant_insufficient_funds',
  settlement_card_missing: 'error.settlement_card_missing',
  webhook_url_missing: 'error.webhook_url_missing',
  app_limit_reached: 'error.app_limit_reached',
  app_not_pending: 'error.app_not_pending',
  storage_quota_exceeded: 'error.storage_quota_exceeded',
  storage_value_too_large: 'error.storage_value_too_large',
};

/** Request fields (the last segment of `details.path`) that have a translated name. */
const FIELD_KEYS: Readonly<Record<string, MessageKey>> = {
  login: 'field.login',
  username: 'field.username',
  phone: 'field.phone',
  password: 'field.password',
  currentPassword: 'field.current_password',
  newPassword: 'field.new_password',
  displayName: 'field.display_name',
  bio: 'field.bio',
  region: 'field.region',
  pin: 'field.pin',
  amountMinor: 'field.amount',
  note: 'field.note',
  cardNumber: 'field.card_number',
  bankName: 'field.bank_name',
  holderName: 'field.holder_name',
  cardId: 'field.card',
  to: 'field.payee',
  from: 'field.payee',
  message: 'field.friend_message',
  remark: 'field.remark',
  q: 'field.search',
};

/** Any thrown value as an `ApiError` (unknown exceptions become `unexpected_response`). */
export function asApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  return new ApiError({
    status: 0,
    code: 'unexpected_response',
    message: error instanceof Error ? error.message : String(error),
  });
}

export function messageKeyOf(code: string): MessageKey | undefined {
  return Object.hasOwn(ERROR_MESSAGE_KEYS, code)
    ? ERROR_MESSAGE_KEYS[code as keyof typeof ERROR_MESSAGE_KEYS]
    : undefined;
}

/** The request field an `invalid_request` is about: "/body/displayName", "body.bio", ["pin"] → its name. */
export function fieldOf(path: unknown): string | undefined {
  const text = Array.isArray(path) ? path.map(String).join('/') : typeof path === 'string' ? path : '';
  const parts = text.split(/[/.[\]]+/).filter((part) => part !== '');
  return parts.at(-1);
}

function formatTime(iso: string, lang: Lang): string | undefined {
  const time = Date.parse(iso);
  if (Number.isNaN(time)) return undefined;
  return new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short' }).format(time);
}

/**
 * A sentence for people: the translation of the error code (using `details` where it helps),
 * else the server's own message, else a generic one. Never raw JSON.
 */
export function errorMessage(error: unknown, t: Translate, lang: Lang): string {
  const e = asApiError(error);
  const { details } = e;
  switch (e.code) {
    case 'invalid_request': {
      const field = fieldOf(details.path);
      const key = field && Object.hasOwn(FIELD_KEYS, field) ? FIELD_KEYS[field] : undefined;
      if (key) return t('error.invalid_field', { field: t(key) });
      break;
    }
    case 'pin_incorrect':
      if (typeof details.attemptsLeft === 'number') {
        return t('error.pin_incorrect_left', { count: details.attemptsLeft });
      }
      break;
    case 'pin_locked': {
      const time = typeof details.unlockAt === 'string' ? formatTime(details.unlockAt, lang) : undefined;
      if (time) return t('error.pin_locked_until', { time });
      break;
    }
    case 'rate_limited':
      if (typeof details.retryAfterSeconds === 'number') {
        return t('error.rate_limited_wait', { seconds: Math.ceil(details.retryAfterSeconds) });
      }
      break;
  }
  const key = messageKeyOf(e.code);
  if (key) return t(key);
  return e.message.trim() !== '' ? e.message : t('error.unexpected_response');
}
