import { type BridgeImage, createMockHost, disconnect, type MockHost } from '@jiaozi/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import type { Review, ReviewRequest, SessionResponse, VoucherPurchase } from '../../shared/api.js';
import type { RestaurantsApi } from './api.js';
import { draftProblem, PHOTO_BYTES_MAX, pickPhotos, postReview } from './review.js';
import { logIn } from './session.js';
import { buyVoucher, formatRating } from './voucher.js';

function image(name: string, type: string, bytes: number[] | number): BridgeImage {
  const data = typeof bytes === 'number' ? new ArrayBuffer(bytes) : new Uint8Array(bytes).buffer;
  return { name, type, size: data.byteLength, data };
}

const PNG = image('dish.png', 'image/png', [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2]);
const JPEG = image('room.jpg', 'image/jpeg', [0xff, 0xd8, 0xff, 0xe0, 9]);

/** The guide's server as the app sees it, in memory; login codes go through the mock host. */
function guideServer(host: MockHost) {
  const uploads: { token: string; type: string; bytes: number[] }[] = [];
  const reviews: { token: string; restaurantId: string; review: ReviewRequest }[] = [];
  const purchases: string[] = [];
  const api: RestaurantsApi = {
    restaurants: async () => ({ currency: 'XTS', restaurants: [] }),
    restaurant: async () => {
      throw new Error('not used');
    },
    createSession: async (code) => {
      const exchanged = host.exchangeLoginCode(code);
      return {
        token: 'session_1',
        openid: exchanged.openid,
        displayName: exchanged.profile?.displayName ?? null,
      };
    },
    uploadPhoto: async (token, photo) => {
      uploads.push({ token, type: photo.type, bytes: [...new Uint8Array(photo.data)] });
      return { photoId: `ph_${uploads.length}`, url: `/api/photos/ph_${uploads.length}` };
    },
    postReview: async (token, restaurantId, review) => {
      reviews.push({ token, restaurantId, review });
      const posted: Review = {
        id: 'rv_1',
        restaurantId,
        authorName: 'Mei',
        rating: review.rating,
        text: review.text,
        photoUrls: review.photoIds.map((id) => `/api/photos/${id}`),
        createdAt: '2026-01-01T00:00:00.000Z',
      };
      return posted;
    },
    buyVoucher: async (_token, voucherId) => {
      purchases.push(voucherId);
      const purchase: VoucherPurchase = {
        id: `vp_${purchases.length}`,
        voucherId,
        restaurantId: 'din-tai',
        title: 'Voucher',
        amountMinor: 8800,
        currency: 'XTS',
        status: 'awaiting_payment',
        redeemCode: null,
        createdAt: '2026-01-01T00:00:00.000Z',
      };
      return { purchase, paymentToken: `pt_${purchases.length}` };
    },
    purchases: async () => ({ purchases: [] }),
  };
  return { api, uploads, reviews, purchases };
}

let host: MockHost | undefined;
afterEach(() => {
  disconnect();
  host?.close();
  host = undefined;
});

async function loggedIn(options: Parameters<typeof createMockHost>[0] = {}) {
  host = createMockHost({ user: { openid: 'oid_mei', displayName: 'Mei' }, ...options });
  await host.connect();
  const server = guideServer(host);
  const session: SessionResponse = await logIn(server.api);
  return { host, server, session };
}

describe('restaurant guide against the mock host', () => {
  it('logs in with the profile scope so reviews carry the name', async () => {
    const { host, session } = await loggedIn();
    expect(session).toEqual({ token: 'session_1', openid: 'oid_mei', displayName: 'Mei' });
    expect(host.callsOf('auth.requestScopes')).toEqual([
      { method: 'auth.requestScopes', params: { scopes: ['profile'] }, result: { granted: ['profile'] } },
    ]);
  });

  it('reviews without a name when the profile is refused', async () => {
    const { session } = await loggedIn({ consent: 'deny' });
    expect(session.displayName).toBeNull();
  });

  it('picks photos through the host, leaving out what the server would refuse', async () => {
    const { host } = await loggedIn({
      images: [
        PNG,
        image('notes.pdf', 'application/pdf', 10),
        image('huge.jpg', 'image/jpeg', PHOTO_BYTES_MAX + 1),
        JPEG,
      ],
    });
    const picked = await pickPhotos(0);
    expect(picked.accepted.map((p) => p.name)).toEqual(['dish.png', 'room.jpg']);
    expect(picked.rejected).toEqual([
      { name: 'notes.pdf', reason: 'type' },
      { name: 'huge.jpg', reason: 'size' },
    ]);
    // Room for 2 more photos: the picker is asked for 2.
    await pickPhotos(7);
    expect(host.callsOf('media.chooseImage').map((c) => c.params)).toEqual([{ count: 9 }, { count: 2 }]);
    expect(await pickPhotos(9)).toEqual({ accepted: [], rejected: [] });
    host.behaviour.images = 'user_cancelled';
    expect(await pickPhotos(0)).toEqual({ accepted: [], rejected: [] });
  });

  it('uploads each photo, then posts the review with their ids', async () => {
    const { host, server, session } = await loggedIn({ images: [PNG, JPEG] });
    const { accepted } = await pickPhotos(0);
    const review = await postReview(server.api, session, 'din-tai', {
      rating: 4,
      text: '  Great dumplings. ',
      photos: accepted,
    });
    expect(server.uploads).toEqual([
      {
        token: 'session_1',
        type: 'image/png',
        bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2],
      },
      { token: 'session_1', type: 'image/jpeg', bytes: [0xff, 0xd8, 0xff, 0xe0, 9] },
    ]);
    expect(server.reviews).toEqual([
      {
        token: 'session_1',
        restaurantId: 'din-tai',
        review: { rating: 4, text: 'Great dumplings.', photoIds: ['ph_1', 'ph_2'] },
      },
    ]);
    expect(review.photoUrls).toEqual(['/api/photos/ph_1', '/api/photos/ph_2']);
    expect(host.toasts).toEqual(['Review posted']);
  });

  it('refuses a draft without stars or words before uploading anything', async () => {
    const { server, session } = await loggedIn();
    expect(draftProblem({ rating: 0, text: 'x', photos: [] })).toBe('Choose 1 to 5 stars.');
    expect(draftProblem({ rating: 3, text: '   ', photos: [] })).toBe('Write a few words.');
    await expect(
      postReview(server.api, session, 'din-tai', { rating: 3, text: '', photos: [PNG] }),
    ).rejects.toThrow(RangeError);
    expect(server.uploads).toEqual([]);
  });

  it('buys a voucher with the server token, and reports a cancelled payment', async () => {
    const { host, server, session } = await loggedIn();
    expect((await buyVoucher(server.api, session, 'din-tai-100')).kind).toBe('paid');
    host.behaviour.payment = 'user_cancelled';
    expect((await buyVoucher(server.api, session, 'din-tai-100')).kind).toBe('cancelled');
    expect(host.payments).toEqual([
      { paymentToken: 'pt_1', outcome: 'paid' },
      { paymentToken: 'pt_2', outcome: 'user_cancelled' },
    ]);
    expect(formatRating(43)).toBe('4.3');
    expect(formatRating(null)).toBe('No ratings yet');
  });
});
