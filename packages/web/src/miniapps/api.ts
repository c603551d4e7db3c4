import type {
  CreateAppRequest,
  CreatedApp,
  DeveloperApp,
  DiscoverList,
  LoginCode,
  Message,
  MiniAppScope,
  MiniAppSecretKind,
  MiniAppStatus,
  MiniAppSummary,
  PaymentPreview,
  PayOrderRequest,
  PayOrderResponse,
  RotatedSecret,
  ScopeGrants,
  ShareRequest,
  StorageEntry,
  UpdateAppRequest,
  WebhookDelivery,
  WebhookDeliveryList,
} from '@jiaozi/protocol';
import { type ApiClient, ApiError } from '../api/client.js';

/** The mini-app REST calls of the web client, on top of the shared `ApiClient`. */

const seg = encodeURIComponent;

export function miniApps(api: ApiClient) {
  const app = (appId: string) => `/v1/miniapps/${seg(appId)}`;
  const dev = (appId: string) => `/v1/developer/apps/${seg(appId)}`;
  return {
    // ---------- Discover and the host ----------
    discover: (): Promise<DiscoverList> => api.request('GET', '/v1/miniapps'),
    app: (appId: string): Promise<MiniAppSummary> => api.request('GET', app(appId)),
    loginCode: (appId: string): Promise<LoginCode> => api.request('POST', `${app(appId)}/login-codes`),
    scopes: (appId: string): Promise<ScopeGrants> => api.request('GET', `${app(appId)}/scopes`),
    grantScopes: (appId: string, scopes: MiniAppScope[]): Promise<ScopeGrants> =>
      api.request('POST', `${app(appId)}/scopes`, { scopes }),
    revokeScope: (appId: string, scope: MiniAppScope): Promise<ScopeGrants | undefined> =>
      api.request('DELETE', `${app(appId)}/scopes/${seg(scope)}`),
    /** The stored value, or null when the key holds nothing. */
    storageGet: async (appId: string, key: string): Promise<unknown> => {
      try {
        const entry = await api.request<StorageEntry>('GET', `${app(appId)}/storage/${seg(key)}`);
        return entry?.value ?? null;
      } catch (caught) {
        if (caught instanceof ApiError && caught.code === 'not_found') return null;
        throw caught;
      }
    },
    storageSet: (appId: string, key: string, value: unknown): Promise<unknown> =>
      api.request('PUT', `${app(appId)}/storage/${seg(key)}`, { value }),
    storageRemove: (appId: string, key: string): Promise<unknown> =>
      api.request('DELETE', `${app(appId)}/storage/${seg(key)}`),
    share: (appId: string, body: ShareRequest): Promise<Message> =>
      api.request('POST', `${app(appId)}/shares`, body),
    /** The order behind a token, only if it is mine AND of this app (else `payment_not_found`). */
    paymentPreview: (token: string, appId: string): Promise<PaymentPreview> =>
      api.request('GET', `/v1/miniapps/payments/${seg(token)}?appId=${seg(appId)}`),
    pay: (token: string, appId: string, body: PayOrderRequest): Promise<PayOrderResponse> =>
      api.request('POST', `/v1/miniapps/payments/${seg(token)}/pay?appId=${seg(appId)}`, body),

    // ---------- Developer console ----------
    myApps: (): Promise<{ apps: DeveloperApp[] }> => api.request('GET', '/v1/developer/apps'),
    myApp: (appId: string): Promise<DeveloperApp> => api.request('GET', dev(appId)),
    createApp: (body: CreateAppRequest): Promise<CreatedApp> =>
      api.request('POST', '/v1/developer/apps', body),
    updateApp: (appId: string, body: UpdateAppRequest): Promise<DeveloperApp> =>
      api.request('PATCH', dev(appId), body),
    rotateSecret: (appId: string, kind: MiniAppSecretKind): Promise<RotatedSecret> =>
      api.request('POST', `${dev(appId)}/secrets`, { kind }),
    deliveries: (appId: string, cursor?: string): Promise<WebhookDeliveryList> =>
      api.request('GET', `${dev(appId)}/deliveries${cursor ? `?cursor=${seg(cursor)}` : ''}`),
    resend: (appId: string, deliveryId: string): Promise<{ delivery: WebhookDelivery }> =>
      api.request('POST', `${dev(appId)}/deliveries/${seg(deliveryId)}/resend`),

    // ---------- Admin ----------
    review: (status: MiniAppStatus = 'pending'): Promise<{ apps: DeveloperApp[] }> =>
      api.request('GET', `/v1/admin/miniapps?status=${seg(status)}`),
    approve: (appId: string): Promise<DeveloperApp> =>
      api.request('POST', `/v1/admin/miniapps/${seg(appId)}/approve`),
    reject: (appId: string, reason: string): Promise<DeveloperApp> =>
      api.request('POST', `/v1/admin/miniapps/${seg(appId)}/reject`, { reason }),
  };
}

export type MiniAppsApi = ReturnType<typeof miniApps>;
