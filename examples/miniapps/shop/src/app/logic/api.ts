import type {
  ApiErrorBody,
  CartLine,
  Catalog,
  CheckoutResponse,
  OrderList,
  RefundRequest,
  SessionResponse,
  ShopOrder,
} from '../../shared/api.js';

/** The shop server's API as the app uses it. */
export interface ShopApi {
  catalog(): Promise<Catalog>;
  createSession(code: string): Promise<SessionResponse>;
  checkout(token: string, lines: CartLine[]): Promise<CheckoutResponse>;
  orders(token: string): Promise<OrderList>;
  order(token: string, orderId: string): Promise<ShopOrder>;
  refund(token: string, orderId: string, request: RefundRequest): Promise<ShopOrder>;
}

/** An error answer of the shop server, with its code. */
export class ShopApiError extends Error {
  override readonly name = 'ShopApiError';
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** The API over HTTP, same origin by default. */
export function httpShopApi(baseUrl = '', fetchImpl: typeof fetch = (...args) => fetch(...args)): ShopApi {
  async function request<T>(method: string, path: string, token?: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetchImpl(`${baseUrl}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const parsed = (await response.json().catch(() => null)) as unknown;
    if (!response.ok) {
      const error = (parsed as ApiErrorBody | null)?.error;
      throw new ShopApiError(
        error?.code ?? `http_${response.status}`,
        error?.message ?? response.statusText,
        response.status,
      );
    }
    return parsed as T;
  }
  return {
    catalog: () => request('GET', '/api/catalog'),
    createSession: (code) => request('POST', '/api/session', undefined, { code }),
    checkout: (token, lines) => request('POST', '/api/checkout', token, { lines }),
    orders: (token) => request('GET', '/api/orders', token),
    order: (token, orderId) => request('GET', `/api/orders/${encodeURIComponent(orderId)}`, token),
    refund: (token, orderId, body) =>
      request('POST', `/api/orders/${encodeURIComponent(orderId)}/refunds`, token, body),
  };
}
