/**
 * Wire types of mini-app payments: the merchant API (orders, refunds, events, balance,
 * settlements — authenticated with an app's live or test secret), the signed webhooks a
 * merchant server receives, the delivery log of the developer console, and the host's
 * payment sheet (preview and pay). Amounts are integer minor units plus `currency`.
 */

/** `live` moves real money in the server's currency; `test` moves test money in `XTS`. */
export type MerchantMode = 'live' | 'test';

/** The ISO 4217 code reserved for testing: the currency of every test-mode amount. */
export const TEST_CURRENCY = 'XTS';

/** Test money a user's test wallet is funded with the first time it is needed (10,000.00). */
export const TEST_WALLET_FUNDING_MINOR = 1_000_000;

/**
 * `open`: waiting for the user to pay; `paid`: the money reached the merchant (refunds may
 * follow, see `refundedMinor`); `closed`: closed by the merchant before payment;
 * `expired`: not paid before `expiresAt`.
 */
export type OrderStatus = 'open' | 'paid' | 'closed' | 'expired';

/** How the user paid: from their own wallet or through a family-pay grant. */
export type OrderPaidWith = 'wallet' | 'family_grant';

export interface Order {
  /** `ord_` + UUIDv7. */
  id: string;
  appId: string;
  mode: MerchantMode;
  /** The user's pairwise id for this app. */
  openid: string;
  amountMinor: number;
  currency: string;
  description: string;
  merchantReference: string | null;
  /** Free-form string values the merchant attached (at most 20 keys). */
  metadata: Record<string, string>;
  status: OrderStatus;
  /** Sum of succeeded refunds (0 until a refund). */
  refundedMinor: number;
  paidWith: OrderPaidWith | null;
  createdAt: string;
  expiresAt: string;
  paidAt: string | null;
  closedAt: string | null;
  expiredAt: string | null;
}

/** `POST /v1/merchant/orders` (header `Idempotency-Key` required). */
export interface CreateOrderRequest {
  openid: string;
  amountMinor: number;
  /** The server's currency with a live key, `XTS` with a test key. */
  currency: string;
  /** Shown to the user on the payment sheet and in their wallet history (1–200 characters). */
  description: string;
  /** The merchant's own order number (at most 64 characters). */
  merchantReference?: string;
  /** 60..86400, default 1800. */
  expiresInSeconds?: number;
  metadata?: Record<string, string>;
}

export interface CreateOrderResponse {
  order: Order;
  /** Handed to the mini app, which passes it to `pay.requestPayment({ paymentToken })`. */
  paymentToken: string;
}

export type RefundStatus = 'succeeded';

export interface Refund {
  /** `rfd_` + UUIDv7. */
  id: string;
  orderId: string;
  amountMinor: number;
  currency: string;
  reason: string | null;
  status: RefundStatus;
  createdAt: string;
}

/** `POST /v1/merchant/orders/:orderId/refunds` (header `Idempotency-Key` required). */
export interface CreateRefundRequest {
  /** At most what was paid less what was already refunded. */
  amountMinor: number;
  reason?: string;
}

export interface RefundList {
  refunds: Refund[];
}

export type SettlementStatus = 'pending' | 'succeeded' | 'failed';

export interface Settlement {
  /** `stl_` + UUIDv7. */
  id: string;
  mode: MerchantMode;
  amountMinor: number;
  currency: string;
  status: SettlementStatus;
  /** E.g. "ICBC ••1234": the developer's bank card the money goes to. */
  destination: string;
  failureReason: string | null;
  createdAt: string;
  completedAt: string | null;
}

/** `POST /v1/merchant/settlements` (header `Idempotency-Key` required). */
export interface CreateSettlementRequest {
  amountMinor: number;
}

/** `GET /v1/merchant/balance`: the merchant account of the key's app and mode. */
export interface MerchantBalance {
  mode: MerchantMode;
  currency: string;
  /** Posted balance: payments less refunds less settled money. */
  balanceMinor: number;
  /** Balance less settlements in flight: what refunds and new settlements may use. */
  availableMinor: number;
  /** Settlements on their way to the bank. */
  pendingSettlementMinor: number;
}

export type WebhookEventType =
  | 'order.paid'
  | 'order.closed'
  | 'order.expired'
  | 'refund.succeeded'
  | 'settlement.succeeded'
  | 'settlement.failed';

export const WEBHOOK_EVENT_TYPES: readonly WebhookEventType[] = [
  'order.paid',
  'order.closed',
  'order.expired',
  'refund.succeeded',
  'settlement.succeeded',
  'settlement.failed',
];

export interface OrderEventData {
  order: Order;
}

export interface RefundEventData {
  refund: Refund;
  order: Order;
}

export interface SettlementEventData {
  settlement: Settlement;
}

export interface WebhookEventDataMap {
  'order.paid': OrderEventData;
  'order.closed': OrderEventData;
  'order.expired': OrderEventData;
  'refund.succeeded': RefundEventData;
  'settlement.succeeded': SettlementEventData;
  'settlement.failed': SettlementEventData;
}

/** The JSON body of a webhook, and an item of the pullable event list. */
export type WebhookEvent = {
  [T in WebhookEventType]: {
    /** `evt_` + UUIDv7, the same on every delivery attempt (the `webhook-id` header). */
    id: string;
    type: T;
    createdAt: string;
    mode: MerchantMode;
    data: WebhookEventDataMap[T];
  };
}[WebhookEventType];

/** `GET /v1/merchant/events?after=&limit=`: oldest first; pass `nextCursor` as `after`. */
export interface EventList {
  events: WebhookEvent[];
  /** Null when there is nothing newer yet: poll again later with the last cursor you had. */
  nextCursor: string | null;
}

/** Standard Webhooks headers sent with every delivery. */
export const WEBHOOK_HEADERS = {
  id: 'webhook-id',
  timestamp: 'webhook-timestamp',
  signature: 'webhook-signature',
} as const;

/** A signature older or newer than this is refused. */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

/**
 * Seconds between the attempts after the first (which runs at once): about 5 s, 5 min,
 * 30 min, 2 h, 5 h, 10 h, 10 h, 14 h, 14 h, 16 h — 11 attempts in all, the last about
 * 71.6 hours (3 days) after the first; the delivery then fails. Each attempt is a durable job.
 */
export const WEBHOOK_RETRY_DELAYS_SECONDS: readonly number[] = [
  5,
  5 * 60,
  30 * 60,
  2 * 3600,
  5 * 3600,
  10 * 3600,
  10 * 3600,
  14 * 3600,
  14 * 3600,
  16 * 3600,
];

/**
 * `pending`: an attempt is due; `succeeded`: a 2xx came back; `failed`: every scheduled
 * attempt failed. A resend from the console is one more attempt at once: a 2xx makes the
 * delivery `succeeded`, a failure leaves its status as it was.
 */
export type WebhookDeliveryStatus = 'pending' | 'succeeded' | 'failed';

export interface WebhookAttempt {
  /** 1, 2, … across the life of the delivery, resends included. */
  number: number;
  url: string;
  /** HTTP status, or null when no answer came (timeout, refused, DNS). */
  responseStatus: number | null;
  /** The first 2 KB of the answer's body. */
  responseBody: string | null;
  durationMs: number;
  /** Why no 2xx: `timeout`, `connection …`, `status 500`, `redirect 302` … Null on success. */
  error: string | null;
  /** True when a developer asked for this attempt from the console. */
  manual: boolean;
  startedAt: string;
}

/**
 * One event to one endpoint, with all its attempts (newest delivery first in lists).
 * `POST /v1/developer/apps/:appId/deliveries/:deliveryId/resend` answers `{ delivery }`.
 */
export interface WebhookDelivery {
  /** `dlv_` + UUIDv7. */
  id: string;
  appId: string;
  eventId: string;
  eventType: WebhookEventType;
  mode: MerchantMode;
  url: string;
  status: WebhookDeliveryStatus;
  attemptCount: number;
  nextAttemptAt: string | null;
  lastAttemptAt: string | null;
  createdAt: string;
  attempts: WebhookAttempt[];
}

/** `GET /v1/developer/apps/:appId/deliveries?cursor=`. */
export interface WebhookDeliveryList {
  deliveries: WebhookDelivery[];
  nextCursor: string | null;
}

/** `GET /v1/miniapps/payments/:paymentToken?appId=` (the frame's app, required): what the host's payment sheet shows. */
export interface PaymentPreview {
  orderId: string;
  appId: string;
  appName: string;
  iconUrl: string | null;
  amountMinor: number;
  currency: string;
  description: string;
  status: OrderStatus;
  expiresAt: string;
  mode: MerchantMode;
}

/** `POST /v1/miniapps/payments/:paymentToken/pay?appId=` (the frame's app, required). */
export interface PayOrderRequest {
  pin: string;
  /** Pay through this family-pay grant (live mode only) instead of the user's own wallet. */
  grantId?: string;
}

export interface PayOrderResponse {
  orderId: string;
  status: 'paid';
  paidAt: string;
}
