/**
 * The error table: every error the API returns has a stable code, one HTTP status and a
 * meaning. Codes are for programs, messages are for people. A test keeps this table, the
 * OpenAPI document, docs/errors.md and the codes the server throws in sync.
 */
export const ERROR_TABLE = {
  invalid_request: {
    status: 400,
    meaning:
      'The request is malformed: bad JSON, a missing, extra or mistyped field. `details.path` names it.',
  },
  pin_too_weak: {
    status: 400,
    meaning: 'The payment PIN is too easy to guess (all one digit, or a straight run such as 123456).',
  },
  invalid_amount: {
    status: 400,
    meaning:
      'The amount is not a positive whole number of minor units, or it is above the limit for one payment at your KYC tier.',
  },
  cannot_pay_self: {
    status: 400,
    meaning: 'The payer and the payee are the same account.',
  },
  cannot_friend_self: {
    status: 400,
    meaning: 'The friend request names its own sender.',
  },
  message_too_long: {
    status: 400,
    meaning: 'The text of the message is longer than 4,000 characters.',
  },
  card_number_invalid: {
    status: 400,
    meaning: 'The card number is not 12 to 19 digits with a valid check digit.',
  },
  qr_invalid: {
    status: 400,
    meaning: 'The QR code is not a Jiaozi payment or contact code, or its signature does not match.',
  },
  yield_invalid: {
    status: 400,
    meaning:
      'The fund yield is not a day `YYYY-MM-DD` with a per-10,000 figure from 0 to 10.0000 (at most four decimals).',
  },
  media_type_unsupported: {
    status: 400,
    meaning:
      'The file is not of a type this route takes, judged from its bytes (never its name or header): photos and avatars are JPEG, PNG, GIF or WebP; voice messages are Opus in WebM or Ogg.',
  },
  media_truncated: {
    status: 400,
    meaning: 'The file ends before its own structure does, or is damaged: it cannot be read whole.',
  },
  media_polyglot: {
    status: 400,
    meaning:
      'The file carries data outside its image (bytes after its end, or another format hidden inside): such a polyglot file is refused.',
  },
  media_too_many_pixels: {
    status: 400,
    meaning:
      'The image has more pixels than allowed (50 megapixels; 100 for all the frames of an animation), read from its header before decoding. `details` has the figures.',
  },
  voice_too_long: {
    status: 400,
    meaning: 'The voice message lasts longer than 60 seconds (measured from the audio itself).',
  },
  voice_not_opus: {
    status: 400,
    meaning: 'The WebM or Ogg file does not hold exactly one Opus audio track.',
  },
  currency_mismatch: {
    status: 400,
    meaning:
      "The currency is not the one of the key's mode: live keys take the server's currency, test keys take `XTS` (test money).",
  },
  idempotency_key_missing: {
    status: 400,
    meaning: 'This route needs an `Idempotency-Key` header (1 to 255 printable ASCII characters).',
  },
  origin_invalid: {
    status: 400,
    meaning:
      'A mini app origin is an `https://` (or, for development, `http://localhost`) scheme, host and optional port — no path, query, fragment or credentials.',
  },
  webhook_url_invalid: {
    status: 400,
    meaning:
      'A webhook URL is an absolute `https://` URL (or `http://localhost` for development) without credentials or fragment, at most 2,000 characters; unless the operator allows private networks it must not point to localhost or a loopback, private, link-local, unique-local, CGNAT, multicast or unspecified address.',
  },
  scope_not_requested: {
    status: 400,
    meaning:
      'The mini app did not declare this scope at registration, so a user cannot grant it. `details.scopes` lists the ones it declared.',
  },
  login_code_invalid: {
    status: 400,
    meaning:
      'The login code is unknown, already used, expired (5 minutes) or was made for another mini app. The same answer for each, by design.',
  },
  invalid_credentials: {
    status: 401,
    meaning: 'The login or the password is wrong. The same answer for an unknown account, by design.',
  },
  unauthenticated: {
    status: 401,
    meaning: 'No session token, or the session is unknown, expired or revoked. Log in again.',
  },
  password_incorrect: {
    status: 401,
    meaning: 'The current password given to confirm a sensitive change is wrong.',
  },
  pin_incorrect: {
    status: 401,
    meaning: 'The payment PIN is wrong. `details.attemptsLeft` tells how many tries remain before a lockout.',
  },
  signature_invalid: {
    status: 401,
    meaning: 'A signed callback has no valid signature, or it is too old (5-minute tolerance).',
  },
  merchant_unauthorized: {
    status: 401,
    meaning:
      'The merchant API needs `Authorization: Bearer <live or test secret>` of a mini app; this key is missing, unknown or was rotated away.',
  },
  forbidden: {
    status: 403,
    meaning: 'The session is valid but the account may not do this (for example, an admin-only action).',
  },
  recipient_unavailable: {
    status: 403,
    meaning:
      'This person cannot be messaged from this account (not friends and they do not take messages from strangers, or a block stands). No more detail, by design.',
  },
  grant_use_not_allowed: {
    status: 403,
    meaning:
      'A family-pay grant pays merchants only (pay-code charges and live mini-app orders): not transfers to people, red packets, fund subscriptions, withdrawals or test-mode orders.',
  },
  app_not_active: {
    status: 403,
    meaning:
      'The mini app is rejected or suspended, or a live key was used before an admin approved the app (test keys work from registration).',
  },
  transfer_not_for_you: {
    status: 403,
    meaning:
      'Only the receiver of a transfer card may accept or return it (its sender sees it but cannot act on it; transfer cards cannot be recalled).',
  },
  red_packet_not_for_you: {
    status: 403,
    meaning:
      'This red packet is only for chosen members of the group, or it is your own 1:1 packet: you may see it but not grab it.',
  },
  split_not_participant: {
    status: 403,
    meaning:
      'Only the participants of a bill split pay shares of it, and only its creator reminds or closes it.',
  },
  not_found: {
    status: 404,
    meaning: 'No such resource, or one that this account may not see: the two are indistinguishable.',
  },
  payment_not_found: {
    status: 404,
    meaning:
      'No payment with this token for this account: unknown, or an order made for another user. The two are indistinguishable.',
  },
  openid_unknown: {
    status: 404,
    meaning:
      'The openid does not name a user of this app (openids are per app: one of another app is unknown here).',
  },
  username_taken: {
    status: 409,
    meaning: 'Another account already uses this username (usernames are case-insensitive).',
  },
  phone_taken: {
    status: 409,
    meaning: 'Another account already uses this phone number.',
  },
  already_friends: {
    status: 409,
    meaning: 'The two accounts are already friends: there is nothing to request.',
  },
  insufficient_funds: {
    status: 409,
    meaning: 'The wallet does not hold enough available money. Nothing moved and nothing is held.',
  },
  idempotency_conflict: {
    status: 409,
    meaning: 'This request id was already used with a different body. Use a new id for a new request.',
  },
  grant_limit_exceeded: {
    status: 409,
    meaning:
      "Paying this through the family-pay grant would go over what is left of its monthly limit (`details.which` is `monthly_remainder`, with the limit and what is left). Over the granter's balance is `insufficient_funds` with `details.which` = `granter_balance`.",
  },
  transfer_not_pending: {
    status: 409,
    meaning:
      'The transfer card was already received, returned or refunded (after 24 h): `details.status` says which.',
  },
  red_packet_already_grabbed: {
    status: 409,
    meaning: 'You already grabbed this red packet: each member grabs at most once.',
  },
  red_packet_empty: {
    status: 409,
    meaning: 'Every share of this red packet has been grabbed.',
  },
  red_packet_expired: {
    status: 409,
    meaning: 'This red packet is more than 24 hours old: what was left went back to its sender.',
  },
  split_already_paid: {
    status: 409,
    meaning: 'Your share of this bill split is already paid.',
  },
  split_closed: {
    status: 409,
    meaning: 'The creator closed this bill split: no more shares are paid through it.',
  },
  daily_limit_exceeded: {
    status: 409,
    meaning:
      'Paying this would go over the daily limit for your KYC tier. `details` has the limit and what is left.',
  },
  insufficient_shares: {
    status: 409,
    meaning:
      'The fund holds fewer confirmed shares than the redemption asks for (subscriptions count once confirmed). Nothing changed.',
  },
  instant_redemption_limit_exceeded: {
    status: 409,
    meaning:
      'Instant redemptions are capped per user per day (10,000.00 by default). `details` has the cap and what is left; normal redemption has no cap.',
  },
  order_expired: {
    status: 409,
    meaning:
      'The order was not paid before its `expiresAt`: it can no longer be paid or closed. Nothing moved.',
  },
  order_closed: {
    status: 409,
    meaning: 'The merchant closed the order: it can no longer be paid. Nothing moved.',
  },
  order_already_paid: {
    status: 409,
    meaning:
      'The order is already paid (it is paid once): it cannot be paid again or closed; refund it instead.',
  },
  order_not_paid: {
    status: 409,
    meaning: 'Only a paid order can be refunded; this one is open, closed or expired.',
  },
  refund_exceeds_remaining: {
    status: 409,
    meaning:
      'The refund is larger than what was paid less what was already refunded. `details` has the paid and refunded amounts.',
  },
  refund_window_passed: {
    status: 409,
    meaning: 'A payment can be refunded within 365 days of being paid; this one is older.',
  },
  merchant_insufficient_funds: {
    status: 409,
    meaning:
      "The merchant account (of the key's mode) does not hold enough available money for this refund or settlement. Nothing moved.",
  },
  settlement_card_missing: {
    status: 409,
    meaning: "The app's developer has no bank card in their wallet to settle to: add one first.",
  },
  webhook_url_missing: {
    status: 409,
    meaning: 'The app has no webhook URL, so there is nowhere to deliver an event: set one first.',
  },
  yield_conflict: {
    status: 409,
    meaning: 'A different yield was already published for this day. Published yields are never changed.',
  },
  yield_missing: {
    status: 409,
    meaning: 'No yield is published for this day, so it cannot be accrued yet.',
  },
  accrual_out_of_order: {
    status: 409,
    meaning: 'A later day has already been accrued: days are accrued in order, each once.',
  },
  balance_limit_exceeded: {
    status: 409,
    meaning: 'Topping up this much would take the balance over the maximum for your KYC tier.',
  },
  paycode_invalid: {
    status: 409,
    meaning: 'The pay code is unknown, expired (60 seconds) or already used.',
  },
  request_not_pending: {
    status: 409,
    meaning:
      'The money request or friend request was already answered (paid, accepted, declined, cancelled) or has expired.',
  },
  recall_window_passed: {
    status: 409,
    meaning: 'A message can be recalled by its sender within 2 minutes of sending it; this one is older.',
  },
  app_limit_reached: {
    status: 409,
    meaning: 'A developer may register at most 20 mini apps. `details.max` says how many.',
  },
  app_not_pending: {
    status: 409,
    meaning:
      'The mini app is not in a state this decision applies to: only a pending app can be rejected, only an approved one suspended. `details.status` says where it is.',
  },
  storage_quota_exceeded: {
    status: 409,
    meaning:
      'A mini app keeps at most 200 storage keys per user. Remove some first. `details.maxKeys` says how many.',
  },
  pin_not_set: {
    status: 409,
    meaning: 'The account has no payment PIN yet: set one first.',
  },
  payload_too_large: {
    status: 413,
    meaning: 'The request body is larger than the limit for this route.',
  },
  storage_value_too_large: {
    status: 413,
    meaning: 'A mini app storage value is more than 16 KiB of JSON. `details.maxBytes` says how many.',
  },
  media_too_large: {
    status: 413,
    meaning: 'The uploaded file has more bytes than allowed for its kind. `details.maxBytes` says how many.',
  },
  unsupported_media_type: {
    status: 415,
    meaning:
      'The request body has a content type this route does not accept (JSON routes take application/json).',
  },
  range_not_satisfiable: {
    status: 416,
    meaning: 'The Range asked for lies outside the file. `details.size` is its length in bytes.',
  },
  pin_locked: {
    status: 423,
    meaning: 'Too many wrong PINs: payments are locked until `details.unlockAt`.',
  },
  rate_limited: {
    status: 429,
    meaning: 'Too many requests: wait `details.retryAfterSeconds` (also in the Retry-After header).',
  },
  internal_error: {
    status: 500,
    meaning: 'Something failed on the server. Nothing was half-written; the request id helps the operator.',
  },
  service_unavailable: {
    status: 503,
    meaning: 'A dependency (the database) is not answering. Try again shortly.',
  },
} as const satisfies Record<string, { status: number; meaning: string }>;

export type ErrorCode = keyof typeof ERROR_TABLE;

export const ERROR_CODES = Object.keys(ERROR_TABLE) as ErrorCode[];

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_TABLE, value);
}

export function statusOf(code: ErrorCode): number {
  return ERROR_TABLE[code].status;
}

/** The body of every error answer. */
export interface ErrorBody {
  error: {
    code: ErrorCode;
    message: string;
    requestId?: string;
    details?: Record<string, unknown>;
  };
}
