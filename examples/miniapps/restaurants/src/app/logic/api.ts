import type {
  ApiErrorBody,
  PurchaseList,
  PurchaseResponse,
  RestaurantList,
  RestaurantPage,
  Review,
  ReviewRequest,
  SessionResponse,
  UploadedPhoto,
} from '../../shared/api.js';

/** The guide's server API as the app uses it. */
export interface RestaurantsApi {
  restaurants(): Promise<RestaurantList>;
  restaurant(id: string): Promise<RestaurantPage>;
  createSession(code: string): Promise<SessionResponse>;
  uploadPhoto(token: string, photo: { type: string; data: ArrayBuffer }): Promise<UploadedPhoto>;
  postReview(token: string, restaurantId: string, review: ReviewRequest): Promise<Review>;
  buyVoucher(token: string, voucherId: string): Promise<PurchaseResponse>;
  purchases(token: string): Promise<PurchaseList>;
}

export class RestaurantsApiError extends Error {
  override readonly name = 'RestaurantsApiError';
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export function httpRestaurantsApi(
  baseUrl = '',
  fetchImpl: typeof fetch = (...args) => fetch(...args),
): RestaurantsApi {
  async function request<T>(
    method: string,
    path: string,
    token?: string,
    body?: { json: unknown } | { bytes: ArrayBuffer; type: string },
  ): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    let payload: BodyInit | undefined;
    if (body !== undefined && 'json' in body) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body.json);
    } else if (body !== undefined) {
      headers['content-type'] = body.type;
      payload = body.bytes;
    }
    const response = await fetchImpl(`${baseUrl}${path}`, { method, headers, body: payload });
    const parsed = (await response.json().catch(() => null)) as unknown;
    if (!response.ok) {
      const error = (parsed as ApiErrorBody | null)?.error;
      throw new RestaurantsApiError(
        error?.code ?? `http_${response.status}`,
        error?.message ?? response.statusText,
        response.status,
      );
    }
    return parsed as T;
  }
  return {
    restaurants: () => request('GET', '/api/restaurants'),
    restaurant: (id) => request('GET', `/api/restaurants/${encodeURIComponent(id)}`),
    createSession: (code) => request('POST', '/api/session', undefined, { json: { code } }),
    uploadPhoto: (token, photo) =>
      request('POST', '/api/photos', token, { bytes: photo.data, type: photo.type }),
    postReview: (token, id, review) =>
      request('POST', `/api/restaurants/${encodeURIComponent(id)}/reviews`, token, { json: review }),
    buyVoucher: (token, id) =>
      request('POST', `/api/vouchers/${encodeURIComponent(id)}/purchases`, token, { json: {} }),
    purchases: (token) => request('GET', '/api/purchases', token),
  };
}
