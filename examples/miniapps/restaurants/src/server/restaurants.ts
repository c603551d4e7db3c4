/**
 * The restaurant guide's server: restaurants and reviews, photo uploads (re-checked by type
 * and size), sessions from Jiaozi login codes (the reviewer's name with the `profile`
 * scope), and prepaid vouchers paid through Jiaozi, confirmed by signed webhooks.
 */
import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { MerchantApiError, MerchantClient, verifyWebhook, WebhookVerificationError } from '@jiaozi/merchant';
import type { WebhookEvent } from '@jiaozi/protocol';
import type {
  PurchaseList,
  PurchaseResponse,
  Restaurant,
  RestaurantList,
  RestaurantPage,
  Review,
  SessionResponse,
  UploadedPhoto,
  VoucherPurchase,
} from '../shared/api.js';
import { RESTAURANTS, type RestaurantInfo, SEED_REVIEWS, VOUCHERS } from './data.js';
import { type ApiRequest, bearer, HttpError, Router } from './http.js';
import { extensionOf, PHOTO_BYTES_MAX, type PhotoType, REVIEW_PHOTOS_MAX, sniffImage } from './photos.js';
import { JsonStore } from './store.js';

export const REVIEW_TEXT_MAX_CHARS = 1000;
const PROCESSED_EVENTS_KEPT = 2000;
/** A session lasts this long; the app logs in again (silently) after it. */
export const SESSION_TTL_MS = 7 * 24 * 3600 * 1000;
/** Sessions kept at most; the oldest go first. */
const SESSIONS_KEPT = 10_000;

export interface RestaurantsOptions {
  jiaoziUrl: string;
  appSecret: string;
  webhookSecret: string;
  /** Where `restaurants.json` and `photos/` live. */
  dataDir: string;
  currency?: string;
  staticDir?: string | null;
  merchant?: { maxRetries?: number; timeoutMs?: number };
}

interface Session {
  openid: string;
  displayName: string | null;
  createdAt: string;
}

interface StoredPhoto {
  openid: string;
  type: PhotoType;
  file: string;
  size: number;
  /** The review it belongs to, once posted. */
  reviewId: string | null;
  createdAt: string;
}

interface StoredReview extends Review {
  openid: string | null;
}

interface StoredPurchase extends VoucherPurchase {
  openid: string;
  paymentOrderId: string;
}

export interface RestaurantsState {
  sessions: Record<string, Session>;
  reviews: StoredReview[];
  photos: Record<string, StoredPhoto>;
  purchases: Record<string, StoredPurchase>;
  processedEvents: string[];
}

export interface RestaurantsServer {
  router: Router;
  store: JsonStore<RestaurantsState>;
  merchant: MerchantClient;
  currency: string;
}

function initialState(): RestaurantsState {
  const start = Date.parse('2026-01-01T12:00:00.000Z');
  return {
    sessions: {},
    reviews: SEED_REVIEWS.map((r, i) => ({
      id: `rv_seed_${i + 1}`,
      restaurantId: r.restaurantId,
      authorName: r.authorName,
      rating: r.rating,
      text: r.text,
      photoUrls: [],
      createdAt: new Date(start + i * 3_600_000).toISOString(),
      openid: null,
    })),
    photos: {},
    purchases: {},
    processedEvents: [],
  };
}

export async function createRestaurants(options: RestaurantsOptions): Promise<RestaurantsServer> {
  const merchant = new MerchantClient({
    baseUrl: options.jiaoziUrl,
    secret: options.appSecret,
    ...options.merchant,
  });
  const currency = merchant.mode === 'test' ? 'XTS' : (options.currency ?? 'CNY');
  const photosDir = join(options.dataDir, 'photos');
  await mkdir(photosDir, { recursive: true });
  const store = await JsonStore.open<RestaurantsState>(
    join(options.dataDir, 'restaurants.json'),
    initialState,
  );
  const router = new Router({ staticDir: options.staticDir ?? null, bodyLimitBytes: 64 * 1024 });

  const session = (request: ApiRequest): Session => {
    const token = bearer(request);
    const found = token === undefined ? undefined : store.data.sessions[token];
    if (found === undefined || Date.parse(found.createdAt) + SESSION_TTL_MS <= Date.now()) {
      throw new HttpError(401, 'unauthenticated', 'Log in first.');
    }
    return found;
  };
  const restaurant = (id: string | undefined): RestaurantInfo => {
    const found = RESTAURANTS.find((r) => r.id === id);
    if (found === undefined) throw new HttpError(404, 'not_found', 'No such restaurant.');
    return found;
  };
  const summary = (info: RestaurantInfo): Restaurant => {
    const reviews = store.data.reviews.filter((r) => r.restaurantId === info.id);
    const sum = reviews.reduce((n, r) => n + r.rating, 0);
    return {
      ...info,
      ratingTenths: reviews.length === 0 ? null : Math.round((sum * 10) / reviews.length),
      reviewCount: reviews.length,
    };
  };

  router.on('GET', '/api/health', () => ({ body: { ok: true, mode: merchant.mode } }));

  router.on('GET', '/api/restaurants', () => {
    const body: RestaurantList = { currency, restaurants: RESTAURANTS.map(summary) };
    return { body };
  });

  router.on('GET', '/api/restaurants/:id', (request) => {
    const info = restaurant(request.params.id);
    const reviews = store.data.reviews
      .filter((r) => r.restaurantId === info.id)
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
      .map(({ openid: _openid, ...review }) => review);
    const body: RestaurantPage = {
      currency,
      restaurant: summary(info),
      reviews,
      vouchers: VOUCHERS.filter((v) => v.restaurantId === info.id),
    };
    return { body };
  });

  router.on('POST', '/api/session', async (request) => {
    const code = request.json().code;
    if (typeof code !== 'string' || code.length === 0 || code.length > 200) {
      throw new HttpError(400, 'invalid_request', '"code" must be the code from auth.login().');
    }
    const exchanged = await merchantCall(() => merchant.exchangeLoginCode(code));
    const token = randomBytes(24).toString('base64url');
    const displayName = exchanged.profile?.displayName ?? null;
    await store.update((state) => {
      pruneSessions(state.sessions);
      state.sessions[token] = { openid: exchanged.openid, displayName, createdAt: new Date().toISOString() };
    });
    const body: SessionResponse = { token, openid: exchanged.openid, displayName };
    return { status: 201, body };
  });

  router.on(
    'POST',
    '/api/photos',
    async (request) => {
      const { openid } = session(request);
      const bytes = request.rawBody;
      if (bytes.length === 0) throw new HttpError(400, 'photo_empty', 'The photo has no bytes.');
      if (bytes.length > PHOTO_BYTES_MAX) {
        throw new HttpError(413, 'photo_too_large', `A photo is at most ${PHOTO_BYTES_MAX} bytes.`);
      }
      const type = sniffImage(bytes);
      if (type === null)
        throw new HttpError(400, 'photo_type_unsupported', 'Photos are JPEG, PNG, WebP or GIF.');
      const claimed = (request.headers['content-type'] ?? '').split(';')[0]?.trim();
      if (claimed !== type) {
        throw new HttpError(
          400,
          'photo_type_mismatch',
          `The bytes are ${type}, not ${claimed || 'untyped'}.`,
        );
      }
      const photoId = `ph_${randomUUID()}`;
      const file = `${photoId}.${extensionOf(type)}`;
      await writeFile(join(photosDir, file), bytes, { mode: 0o600 });
      await store.update((state) => {
        state.photos[photoId] = {
          openid,
          type,
          file,
          size: bytes.length,
          reviewId: null,
          createdAt: new Date().toISOString(),
        };
      });
      const body: UploadedPhoto = { photoId, url: `/api/photos/${photoId}` };
      return { status: 201, body };
    },
    // The photo limit plus room for the route to refuse a larger one itself.
    { bodyLimitBytes: PHOTO_BYTES_MAX + 1 },
  );

  router.on('GET', '/api/photos/:id', async (request) => {
    const photo = store.data.photos[request.params.id ?? ''];
    // A photo is public once it belongs to a review.
    if (photo === undefined || photo.reviewId === null)
      throw new HttpError(404, 'not_found', 'No such photo.');
    const data = await readFile(join(photosDir, photo.file));
    return { bytes: { contentType: photo.type, data, cacheControl: 'public, max-age=86400' } };
  });

  router.on('POST', '/api/restaurants/:id/reviews', async (request) => {
    const { openid, displayName } = session(request);
    const info = restaurant(request.params.id);
    const { rating, text, photoIds } = request.json();
    if (typeof rating !== 'number' || !Number.isInteger(rating) || rating < 1 || rating > 5) {
      throw new HttpError(400, 'invalid_request', '"rating" must be 1 to 5.');
    }
    if (typeof text !== 'string' || text.trim().length === 0 || text.length > REVIEW_TEXT_MAX_CHARS) {
      throw new HttpError(400, 'invalid_request', `"text" must be 1 to ${REVIEW_TEXT_MAX_CHARS} characters.`);
    }
    const ids = photoIds ?? [];
    if (!Array.isArray(ids) || ids.length > REVIEW_PHOTOS_MAX || new Set(ids).size !== ids.length) {
      throw new HttpError(
        400,
        'invalid_request',
        `"photoIds" must list at most ${REVIEW_PHOTOS_MAX} different photos.`,
      );
    }
    const review = await store.update((state) => {
      for (const id of ids) {
        const photo = typeof id === 'string' ? state.photos[id] : undefined;
        if (photo === undefined || photo.openid !== openid || photo.reviewId !== null) {
          throw new HttpError(
            400,
            'photo_unknown',
            `Photo ${JSON.stringify(id)} is not an unused upload of yours.`,
          );
        }
      }
      const created: StoredReview = {
        id: `rv_${randomUUID()}`,
        restaurantId: info.id,
        authorName: displayName ?? 'A diner',
        rating,
        text: text.trim(),
        photoUrls: (ids as string[]).map((id) => `/api/photos/${id}`),
        createdAt: new Date().toISOString(),
        openid,
      };
      for (const id of ids as string[]) (state.photos[id] as StoredPhoto).reviewId = created.id;
      state.reviews.push(created);
      return created;
    });
    const { openid: _openid, ...body } = review;
    return { status: 201, body };
  });

  router.on('POST', '/api/vouchers/:id/purchases', async (request) => {
    const { openid } = session(request);
    const voucher = VOUCHERS.find((v) => v.id === request.params.id);
    if (voucher === undefined) throw new HttpError(404, 'not_found', 'No such voucher.');
    const info = restaurant(voucher.restaurantId);
    const id = `vp_${randomUUID()}`;
    const created = await merchantCall(() =>
      merchant.createOrder(
        {
          openid,
          amountMinor: voucher.priceMinor,
          currency,
          description: `${info.name}: ${voucher.title}`,
          merchantReference: id,
          metadata: { voucherId: voucher.id },
        },
        { idempotencyKey: id },
      ),
    );
    const purchase: StoredPurchase = {
      id,
      voucherId: voucher.id,
      restaurantId: info.id,
      title: `${info.name}: ${voucher.title}`,
      amountMinor: voucher.priceMinor,
      currency,
      status: 'awaiting_payment',
      redeemCode: null,
      createdAt: created.order.createdAt,
      openid,
      paymentOrderId: created.order.id,
    };
    await store.update((state) => {
      state.purchases[id] = purchase;
    });
    const body: PurchaseResponse = { purchase: publicPurchase(purchase), paymentToken: created.paymentToken };
    return { status: 201, body };
  });

  router.on('GET', '/api/purchases', (request) => {
    const { openid } = session(request);
    const purchases = Object.values(store.data.purchases)
      .filter((p) => p.openid === openid)
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
      .map(publicPurchase);
    const body: PurchaseList = { purchases };
    return { body };
  });

  router.on('POST', '/api/webhooks', async (request) => {
    let event: WebhookEvent;
    try {
      event = verifyWebhook({
        secret: options.webhookSecret,
        headers: request.headers,
        body: request.rawBody,
      });
    } catch (error) {
      if (error instanceof WebhookVerificationError) throw new HttpError(400, error.code, error.message);
      throw error;
    }
    await store.update((state) => {
      if (state.processedEvents.includes(event.id)) return;
      applyEvent(state, event);
      state.processedEvents.push(event.id);
      if (state.processedEvents.length > PROCESSED_EVENTS_KEPT)
        state.processedEvents.splice(0, PROCESSED_EVENTS_KEPT / 2);
    });
    return { body: { received: true } };
  });

  return { router, store, merchant, currency };
}

function applyEvent(state: RestaurantsState, event: WebhookEvent): void {
  if (event.type !== 'order.paid' && event.type !== 'order.closed' && event.type !== 'order.expired') return;
  const order = event.data.order;
  const purchase = Object.values(state.purchases).find((p) => p.paymentOrderId === order.id);
  if (purchase === undefined) return;
  if (event.type === 'order.paid') {
    purchase.status = 'paid';
    purchase.redeemCode ??= String(randomInt(10 ** 11, 10 ** 12));
  } else if (purchase.status === 'awaiting_payment') {
    purchase.status = 'cancelled';
  }
}

function publicPurchase(purchase: StoredPurchase): VoucherPurchase {
  const { openid: _openid, paymentOrderId: _order, ...rest } = purchase;
  return structuredClone(rest);
}

/** Drops expired sessions, and the oldest beyond the cap. */
function pruneSessions(sessions: Record<string, Session>): void {
  const now = Date.now();
  const live = Object.entries(sessions).filter(([, s]) => Date.parse(s.createdAt) + SESSION_TTL_MS > now);
  live.sort(([, a], [, b]) => a.createdAt.localeCompare(b.createdAt));
  const kept = new Set(live.slice(Math.max(0, live.length - (SESSIONS_KEPT - 1))).map(([token]) => token));
  for (const token of Object.keys(sessions)) if (!kept.has(token)) delete sessions[token];
}

async function merchantCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof MerchantApiError) {
      const status = error.status >= 400 && error.status < 500 ? error.status : 502;
      throw new HttpError(status, error.code, error.message);
    }
    throw error;
  }
}

export interface RunningRestaurants {
  url: string;
  server: RestaurantsServer;
  close(): Promise<void>;
}

/** Starts the guide's server (API + built app) on a port. */
export async function startRestaurants(
  options: RestaurantsOptions & { port: number; host?: string },
): Promise<RunningRestaurants> {
  const server = await createRestaurants(options);
  const http = createServer(server.router.listener);
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://localhost:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        http.close(() => resolve());
        http.closeAllConnections();
      }),
  };
}
