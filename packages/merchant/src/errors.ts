/**
 * Typed errors of the merchant SDK. Programs branch on `code`; `message` is for people.
 */

/** Why a webhook was refused by {@link verifyWebhook}. */
export type WebhookVerificationErrorCode =
  /** `webhook-id`, `webhook-timestamp` or `webhook-signature` is missing or empty. */
  | 'webhook_headers_missing'
  /** `webhook-timestamp` is not a whole number of Unix seconds. */
  | 'webhook_timestamp_invalid'
  /** The timestamp is older than the tolerance (a replayed or stale delivery). */
  | 'webhook_timestamp_too_old'
  /** The timestamp is further in the future than the tolerance. */
  | 'webhook_timestamp_too_new'
  /** No `v1` signature in the header matches the body (tampered body, wrong secret). */
  | 'webhook_signature_invalid'
  /** The secret is not `whsec_` + base64. */
  | 'webhook_secret_invalid'
  /** The signature matched but the body is not a JSON object. */
  | 'webhook_body_invalid';

export class WebhookVerificationError extends Error {
  override readonly name = 'WebhookVerificationError';
  constructor(
    readonly code: WebhookVerificationErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The merchant API answered an error. `code` is the server's stable code (`order_expired`,
 * `refund_exceeds_remaining`, `idempotency_conflict`, `merchant_unauthorized` …), `status`
 * its HTTP status; `requestId` helps the operator find the request in the server's logs.
 */
export class MerchantApiError extends Error {
  override readonly name: string = 'MerchantApiError';
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    readonly details?: unknown,
    readonly requestId?: string,
  ) {
    super(message);
  }
}

/**
 * No answer came from the merchant API after every retry: `code` is `connection_failed`
 * (refused, reset, DNS) or `timeout`. Whether the last attempt took effect is unknown, so
 * repeat the call with the same idempotency key.
 */
export class MerchantConnectionError extends MerchantApiError {
  override readonly name = 'MerchantConnectionError';
  constructor(code: 'connection_failed' | 'timeout', message: string, cause?: unknown) {
    super(code, message, 0);
    if (cause !== undefined) (this as { cause?: unknown }).cause = cause;
  }
}
