/**
 * Wire types of the mini-app registry: apps as their developer, an admin and Discover see
 * them; the keys shown once; the host-side calls the web client makes for the bridge (login
 * codes, scope grants, per-app storage, shares to chat); and the merchant session a login
 * code is exchanged for.
 */

/** What an app may ask a user for, each with the user's consent. */
export type MiniAppScope = 'profile' | 'phone';

export const MINIAPP_SCOPES: readonly MiniAppScope[] = ['profile', 'phone'];

/** `pending`: waiting for an admin; only `approved` apps are in Discover and take live money. */
export type MiniAppStatus = 'pending' | 'approved' | 'rejected' | 'suspended';

/** Which secret: the live key, the test key or the webhook signing secret. */
export type MiniAppSecretKind = 'live' | 'test' | 'webhook';

/** Live keys start with this (then 43 base64url characters). */
export const LIVE_KEY_PREFIX = 'sk_live_';
/** Test keys start with this (then 43 base64url characters): they move test money only. */
export const TEST_KEY_PREFIX = 'test_sk_';
/** Webhook secrets (Standard Webhooks): this, then the base64 of 32 random bytes. */
export const WEBHOOK_SECRET_PREFIX = 'whsec_';

/** A mini app as Discover and the host see it. */
export interface MiniAppSummary {
  id: string;
  name: string;
  description: string;
  iconUrl: string | null;
  /** Where the app is served from (`https://shop.example` — scheme, host, port; no path). */
  origin: string;
  /** The developer's display name (`GET /v1/miniapps/:appId` only: the host's About sheet). */
  developerName?: string;
}

/** A mini app as its developer (and an admin) see it. */
export interface DeveloperApp extends MiniAppSummary {
  developerId: string;
  scopes: MiniAppScope[];
  webhookUrl: string | null;
  status: MiniAppStatus;
  /** Why an admin rejected or suspended it. */
  statusReason: string | null;
  createdAt: string;
  updatedAt: string;
  approvedAt: string | null;
  /** When each secret was made (creation or last rotation); the secrets themselves are shown once. */
  liveKeyCreatedAt: string;
  testKeyCreatedAt: string;
  webhookSecretCreatedAt: string;
}

/** `POST /v1/developer/apps`. */
export interface CreateAppRequest {
  name: string;
  description: string;
  iconUrl?: string;
  origin: string;
  scopes: MiniAppScope[];
  webhookUrl?: string;
}

/** The answer to creating an app: the only time the three secrets are shown together. */
export interface CreatedApp {
  app: DeveloperApp;
  liveSecret: string;
  testSecret: string;
  webhookSecret: string;
}

/** `PATCH /v1/developer/apps/:appId`: any of these; `null` clears an optional one. */
export interface UpdateAppRequest {
  name?: string;
  description?: string;
  iconUrl?: string | null;
  origin?: string;
  scopes?: MiniAppScope[];
  webhookUrl?: string | null;
}

/** `POST /v1/developer/apps/:appId/secrets` → the new secret (the old one stops at once). */
export interface RotateSecretRequest {
  kind: MiniAppSecretKind;
}
export interface RotatedSecret {
  kind: MiniAppSecretKind;
  secret: string;
}

/** `GET /v1/miniapps`. */
export interface DiscoverList {
  apps: MiniAppSummary[];
}

/** `POST /v1/miniapps/:appId/login-codes`: one use, 5 minutes, bound to the app and me. */
export interface LoginCode {
  code: string;
  expiresAt: string;
}

/** `GET|POST /v1/miniapps/:appId/scopes`. */
export interface ScopeGrants {
  granted: MiniAppScope[];
}

/** `GET|PUT /v1/miniapps/:appId/storage/:key`: any JSON value. */
export interface StorageEntry {
  key: string;
  value: unknown;
}

/** `POST /v1/miniapps/:appId/shares`: a card into a chat I am in that reopens the app. */
export interface ShareRequest {
  conversationId: string;
  /** The message's client id (UUIDv7): a resend answers the original. */
  clientId: string;
  title: string;
  /** Where in the app the card opens (`/` + …); default `/`. */
  path?: string;
  description?: string;
}

/** The payload of a chat message of kind `miniapp`. */
export interface MiniAppCardPayload {
  appId: string;
  appName: string;
  iconUrl: string | null;
  title: string;
  path: string;
  description: string;
}

/** `POST /v1/merchant/sessions` {code} → who logged in, as this app sees them. */
export interface MerchantSessionRequest {
  code: string;
}
export interface MerchantSession {
  /** The user's pairwise id for this app: stable for the app, different for every other app. */
  openid: string;
  mode: 'live' | 'test';
  scopes: MiniAppScope[];
  /** Only with the `profile` scope. `avatarUrl` is a path on the Jiaozi server. */
  profile?: { displayName: string; avatarUrl: string | null };
  /** Only with the `phone` scope (and when the account has a phone number). */
  phone?: string | null;
}

/** Update-log topics of the registry. */
export const MINIAPP_TOPICS = {
  /** To the developer: an admin approved, rejected or suspended their app (`{ app: DeveloperApp }`). */
  appReviewed: 'miniapps.app_reviewed',
} as const;
