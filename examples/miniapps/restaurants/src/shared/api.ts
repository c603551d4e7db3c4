/**
 * The restaurant guide's own API between its mini app and its server (same origin, `/api`).
 * Amounts are integer minor units plus `currency`.
 */

export interface Restaurant {
  id: string;
  name: string;
  cuisine: string;
  area: string;
  emoji: string;
  /** Average spend per person. */
  averageSpendMinor: number;
  /** Mean of the review ratings ×10 (e.g. 43 = 4.3), or null without reviews. */
  ratingTenths: number | null;
  reviewCount: number;
}

export interface Review {
  id: string;
  restaurantId: string;
  authorName: string;
  rating: number;
  text: string;
  /** Paths of the review's photos on this server (`/api/photos/…`). */
  photoUrls: string[];
  createdAt: string;
}

export interface Voucher {
  id: string;
  restaurantId: string;
  title: string;
  /** What the voucher is worth at the restaurant. */
  faceValueMinor: number;
  /** What it costs. */
  priceMinor: number;
}

export interface RestaurantList {
  currency: string;
  restaurants: Restaurant[];
}

export interface RestaurantPage {
  currency: string;
  restaurant: Restaurant;
  reviews: Review[];
  vouchers: Voucher[];
}

/** `POST /api/session` {code} → a session (Bearer token); `displayName` needs the profile scope. */
export interface SessionResponse {
  token: string;
  openid: string;
  displayName: string | null;
}

/** `POST /api/photos` (raw image bytes, `content-type: image/…`) → the stored photo. */
export interface UploadedPhoto {
  photoId: string;
  url: string;
}

/** `POST /api/restaurants/:id/reviews`. */
export interface ReviewRequest {
  rating: number;
  text: string;
  photoIds: string[];
}

export type PurchaseStatus = 'awaiting_payment' | 'paid' | 'cancelled';

export interface VoucherPurchase {
  id: string;
  voucherId: string;
  restaurantId: string;
  title: string;
  amountMinor: number;
  currency: string;
  status: PurchaseStatus;
  /** The code shown at the restaurant, once paid. */
  redeemCode: string | null;
  createdAt: string;
}

/** `POST /api/vouchers/:id/purchases` → the purchase and the token for `pay.requestPayment`. */
export interface PurchaseResponse {
  purchase: VoucherPurchase;
  paymentToken: string;
}

export interface PurchaseList {
  purchases: VoucherPurchase[];
}

export interface ApiErrorBody {
  error: { code: string; message: string };
}
