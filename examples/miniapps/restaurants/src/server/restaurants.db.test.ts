/**
 * The guide's server against a real Jiaozi over HTTP: a named session from a login code,
 * photo uploads re-checked by their bytes and size, reviews, and a voucher paid through
 * Jiaozi whose code appears after the signed webhook.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CreatedApp, LoginCode } from '@jiaozi/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Client,
  createTestApp,
  signupClient,
  type TestApp,
} from '../../../../../packages/server/src/test/app.js';
import { ok } from '../../../../../packages/server/src/test/http.js';
import type {
  PurchaseList,
  PurchaseResponse,
  RestaurantPage,
  Review,
  SessionResponse,
  UploadedPhoto,
} from '../shared/api.js';
import { PHOTO_BYTES_MAX } from './photos.js';
import { type RunningRestaurants, startRestaurants } from './restaurants.js';

const base = process.env.JIAOZI_TEST_DB === 'postgres' ? 15722 : 15712;
const JIAOZI_PORT = base;
const GUIDE_PORT = base + 1;
const PIN = '135790';
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);

let t: TestApp;
let app: CreatedApp;
let mei: Client & { password: string };
let guide: RunningRestaurants;
const guideUrl = `http://127.0.0.1:${GUIDE_PORT}`;

beforeAll(async () => {
  t = await createTestApp();
  await t.app.listen({ port: JIAOZI_PORT, host: '127.0.0.1' });
  const dev = await signupClient(t.app);
  app = await t.services.miniapps.registerApproved(dev.userId, {
    name: 'Jiaozi Eats',
    description: 'Restaurant reviews',
    origin: `http://localhost:${GUIDE_PORT}`,
    scopes: ['profile'],
    webhookUrl: `${guideUrl}/api/webhooks`,
  });
  mei = await signupClient(t.app, { displayName: 'Mei' });
  ok(await mei.request('PUT', '/v1/me/pin', { pin: PIN, password: mei.password }), 204);
  await t.services.wallet.operatorCredit(mei.userId, 50_000n, 'test');
  guide = await startRestaurants({
    jiaoziUrl: `http://127.0.0.1:${JIAOZI_PORT}`,
    appSecret: app.liveSecret,
    webhookSecret: app.webhookSecret,
    dataDir: mkdtempSync(join(tmpdir(), 'jiaozi-eats-')),
    port: GUIDE_PORT,
    staticDir: null,
    merchant: { maxRetries: 0 },
  });
});

afterAll(async () => {
  await guide?.close();
  await t?.shutdown();
});

async function call<T>(
  method: string,
  path: string,
  options: { token?: string; json?: unknown; bytes?: Buffer; type?: string } = {},
): Promise<{ status: number; body: T }> {
  const headers: Record<string, string> = {};
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  if (options.json !== undefined) headers['content-type'] = 'application/json';
  if (options.type !== undefined) headers['content-type'] = options.type;
  const res = await fetch(`${guideUrl}${path}`, {
    method,
    headers,
    body:
      options.json !== undefined
        ? JSON.stringify(options.json)
        : options.bytes && new Uint8Array(options.bytes),
  });
  const text = await res.text();
  return { status: res.status, body: (text.startsWith('{') ? JSON.parse(text) : text) as T };
}

type Failure = { error: { code: string } };

describe('restaurant guide server with Jiaozi', () => {
  let session: SessionResponse;

  it('names the reviewer when the profile scope is granted', async () => {
    ok(await mei.request('POST', `/v1/miniapps/${app.app.id}/scopes`, { scopes: ['profile'] }));
    const { code } = ok<LoginCode>(await mei.request('POST', `/v1/miniapps/${app.app.id}/login-codes`), 201);
    const res = await call<SessionResponse>('POST', '/api/session', { json: { code } });
    expect([res.status, res.body.displayName]).toEqual([201, 'Mei']);
    session = res.body;
  });

  it('takes photos only when their bytes are an image of the claimed type and small enough', async () => {
    const token = session.token;
    const codeOf = async (bytes: Buffer, type: string) => {
      const res = await call<Failure>('POST', '/api/photos', { token, bytes, type });
      return [res.status, res.body.error.code];
    };
    expect(await codeOf(Buffer.from('%PDF-1.7 not a photo'), 'image/png')).toEqual([
      400,
      'photo_type_unsupported',
    ]);
    expect(await codeOf(PNG, 'image/jpeg')).toEqual([400, 'photo_type_mismatch']);
    expect(await codeOf(Buffer.alloc(0), 'image/png')).toEqual([400, 'photo_empty']);
    const big = Buffer.concat([PNG, Buffer.alloc(PHOTO_BYTES_MAX)]);
    const tooBig = await call<Failure>('POST', '/api/photos', { token, bytes: big, type: 'image/png' });
    expect([tooBig.status, tooBig.body.error.code]).toEqual([413, 'payload_too_large']);
    const anonymous = await call<Failure>('POST', '/api/photos', { bytes: PNG, type: 'image/png' });
    expect([anonymous.status, anonymous.body.error.code]).toEqual([401, 'unauthenticated']);
  });

  it('posts a review with photos, which then show on the restaurant page', async () => {
    const upload = await call<UploadedPhoto>('POST', '/api/photos', {
      token: session.token,
      bytes: PNG,
      type: 'image/png',
    });
    expect(upload.status).toBe(201);
    // Not public before it belongs to a review.
    expect((await call('GET', upload.body.url)).status).toBe(404);
    const review = await call<Review>('POST', '/api/restaurants/noodle-bar/reviews', {
      token: session.token,
      json: { rating: 5, text: 'Best broth in town.', photoIds: [upload.body.photoId] },
    });
    expect(review.status).toBe(201);
    expect(review.body).toMatchObject({ authorName: 'Mei', rating: 5, photoUrls: [upload.body.url] });
    const photo = await fetch(`${guideUrl}${upload.body.url}`);
    expect([photo.status, photo.headers.get('content-type')]).toEqual([200, 'image/png']);
    expect(Buffer.from(await photo.arrayBuffer())).toEqual(PNG);
    // A photo goes with one review only.
    const reuse = await call<Failure>('POST', '/api/restaurants/din-tai/reviews', {
      token: session.token,
      json: { rating: 3, text: 'Again', photoIds: [upload.body.photoId] },
    });
    expect([reuse.status, reuse.body.error.code]).toEqual([400, 'photo_unknown']);
    const page = await call<RestaurantPage>('GET', '/api/restaurants/noodle-bar');
    expect(page.body.reviews[0]).toMatchObject({ authorName: 'Mei', text: 'Best broth in town.' });
    expect([page.body.restaurant.reviewCount, page.body.restaurant.ratingTenths]).toEqual([2, 45]);
  });

  it('sells a voucher through Jiaozi and shows its code once the payment webhook arrives', async () => {
    const bought = await call<PurchaseResponse>('POST', '/api/vouchers/din-tai-100/purchases', {
      token: session.token,
      json: {},
    });
    expect([bought.status, bought.body.purchase.amountMinor, bought.body.purchase.status]).toEqual([
      201,
      8800,
      'awaiting_payment',
    ]);
    ok(
      await mei.request('POST', `/v1/miniapps/payments/${bought.body.paymentToken}/pay?appId=${app.app.id}`, {
        pin: PIN,
      }),
    );
    await t.services.jobs.runDue();
    const list = await call<PurchaseList>('GET', '/api/purchases', { token: session.token });
    expect(list.body.purchases).toHaveLength(1);
    expect(list.body.purchases[0]?.status).toBe('paid');
    expect(list.body.purchases[0]?.redeemCode).toMatch(/^\d{12}$/);
    expect((await t.services.ledger.verify()).problems).toEqual([]);
  });
});
