/**
 * The shop's own API between its mini app and its merchant server (same origin, `/api`).
 * Amounts are integer minor units plus `currency`, like Jiaozi's.
 */

export interface Product {
  id: string;
  name: string;
  description: string;
  /** An emoji drawn as the product picture. */
  emoji: string;
  priceMinor: number;
}

export interface Catalog {
  currency: string;
  products: Product[];
}

/** What the app keeps in the bridge's storage under `cart`. */
export interface CartLine {
  productId: string;
  quantity: number;
}

/** `POST /api/session` {code} → a session for the app's later calls (Bearer token). */
export interface SessionResponse {
  token: string;
  openid: string;
  displayName: string | null;
}

/** `POST /api/checkout` {lines} → the shop order and the token for `pay.requestPayment`. */
export interface CheckoutRequest {
  lines: CartLine[];
}
export interface CheckoutResponse {
  order: ShopOrder;
  paymentToken: string;
}

/**
 * `awaiting_payment` until Jiaozi's `order.paid` webhook; `cancelled` after `order.closed` or
 * `order.expired`. Refunds are listed as the `refund.succeeded` webhooks (or the refund call's
 * own answer) report them.
 */
export type ShopOrderStatus = 'awaiting_payment' | 'paid' | 'cancelled';

export interface ShopOrderLine {
  productId: string;
  name: string;
  emoji: string;
  quantity: number;
  unitPriceMinor: number;
}

export interface ShopRefund {
  id: string;
  amountMinor: number;
  reason: string | null;
  createdAt: string;
}

export interface ShopOrder {
  id: string;
  /** Jiaozi's order id. */
  paymentOrderId: string;
  status: ShopOrderStatus;
  lines: ShopOrderLine[];
  amountMinor: number;
  currency: string;
  refundedMinor: number;
  refunds: ShopRefund[];
  createdAt: string;
  paidAt: string | null;
}

export interface OrderList {
  orders: ShopOrder[];
}

/** `POST /api/orders/:id/refunds` {amountMinor, reason?} → the order after the refund. */
export interface RefundRequest {
  amountMinor: number;
  reason?: string;
}

/** Every error answer: `{ error: { code, message } }`. */
export interface ApiErrorBody {
  error: { code: string; message: string };
}
