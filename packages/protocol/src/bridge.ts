/**
 * The mini-app bridge: how a mini app in its sandboxed iframe talks to the host.
 *
 * Handshake: the app posts {@link BridgeHello} to `window.parent` (targetOrigin `*`: it holds
 * no secret). The host accepts it only if `event.source` is the app's iframe window and
 * `event.origin` is the app's registered origin, creates a `MessageChannel` and posts
 * {@link BridgeConnect} back with targetOrigin = the app's origin, transferring `port2`. The
 * app accepts the first `connect` whose `event.source === window.parent` and which carries a
 * port. All later traffic is JSON-RPC 2.0 on that port (structured clone, so `ArrayBuffer`s
 * pass as they are). Messages from any other origin or source are ignored.
 *
 * {@link BridgeMethods} maps every method to its params and result; the SDK and the hosts
 * (the web host, the SDK's mock host) are typed from it.
 */
import { MINIAPP_SCOPES, type MiniAppScope } from './miniapps.js';

export const BRIDGE_VERSION = 1;

/** App → host, on `window.parent`. */
export interface BridgeHello {
  jiaozi: 'hello';
  version: typeof BRIDGE_VERSION;
}

/** Host → app, on the app's window, with the channel's `port2` in `event.ports[0]`. */
export interface BridgeConnect {
  jiaozi: 'connect';
  version: typeof BRIDGE_VERSION;
  appId: string;
  capabilities: BridgeCapabilities;
}

export type BridgeHandshakeMessage = BridgeHello | BridgeConnect;

export function isBridgeHello(value: unknown): value is BridgeHello {
  return isRecord(value) && value.jiaozi === 'hello' && value.version === BRIDGE_VERSION;
}

export function isBridgeConnect(value: unknown): value is BridgeConnect {
  return (
    isRecord(value) &&
    value.jiaozi === 'connect' &&
    value.version === BRIDGE_VERSION &&
    typeof value.appId === 'string' &&
    isRecord(value.capabilities)
  );
}

/** Who is hosting: the web client, or the SDK's in-process mock host used in unit tests. */
export type BridgeHostKind = 'web' | 'mock';

export interface BridgeCapabilities {
  version: number;
  methods: BridgeMethodName[];
  host: BridgeHostKind;
}

/** A JSON value, as kept by `storage.set`. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** An image the user picked, with its bytes. */
export interface BridgeImage {
  name: string;
  /** The MIME type judged by the host, e.g. `image/jpeg`. */
  type: string;
  size: number;
  data: ArrayBuffer;
}

/** Params of a method that takes none (the JSON-RPC `params` may also be left out). */
export type NoParams = Record<string, never>;
export type EmptyResult = Record<string, never>;

/** Every bridge method: its params and its result. */
export interface BridgeMethods {
  getCapabilities: { params: NoParams; result: BridgeCapabilities };
  /** A one-time login code (5 minutes) that the app's server exchanges for the user's openid. */
  'auth.login': { params: NoParams; result: { code: string } };
  /**
   * Asks for scopes; the host shows a consent sheet for those not yet granted. Answers every
   * scope granted now; refusing all that were asked → `permission_denied`.
   */
  'auth.requestScopes': { params: { scopes: MiniAppScope[] }; result: { granted: MiniAppScope[] } };
  /**
   * The host fetches the order behind the token from the server, shows ITS amount and
   * merchant on a host-drawn sheet and asks for the PIN. Cancel → `user_cancelled`.
   */
  'pay.requestPayment': { params: { paymentToken: string }; result: { orderId: string; status: 'paid' } };
  'media.chooseImage': { params: { count?: number }; result: { images: BridgeImage[] } };
  /** Posts a card into a chat the user picks; the card reopens the app at `path`. */
  'share.toChat': {
    params: { title: string; path?: string; description?: string };
    result: { conversationId: string };
  };
  'ui.showToast': { params: { text: string; durationMs?: number }; result: EmptyResult };
  'ui.setTitle': { params: { title: string }; result: EmptyResult };
  /** Per app and user. */
  'storage.get': { params: { key: string }; result: { value: JsonValue | null } };
  'storage.set': { params: { key: string; value: JsonValue }; result: EmptyResult };
  'storage.remove': { params: { key: string }; result: EmptyResult };
  'device.scanQR': { params: NoParams; result: { text: string } };
}

export type BridgeMethodName = keyof BridgeMethods;
export type BridgeParams<M extends BridgeMethodName> = BridgeMethods[M]['params'];
export type BridgeResult<M extends BridgeMethodName> = BridgeMethods[M]['result'];

export const BRIDGE_METHODS: readonly BridgeMethodName[] = [
  'getCapabilities',
  'auth.login',
  'auth.requestScopes',
  'pay.requestPayment',
  'media.chooseImage',
  'share.toChat',
  'ui.showToast',
  'ui.setTitle',
  'storage.get',
  'storage.set',
  'storage.remove',
  'device.scanQR',
];

export function isBridgeMethod(name: unknown): name is BridgeMethodName {
  return typeof name === 'string' && (BRIDGE_METHODS as readonly string[]).includes(name);
}

/** Bounds the hosts enforce on params (the server has its own for storage sizes). */
export const BRIDGE_LIMITS = {
  chooseImageCountMax: 9,
  toastTextMaxChars: 200,
  toastDurationMinMs: 500,
  toastDurationMaxMs: 10_000,
  titleMaxChars: 64,
  shareTitleMaxChars: 100,
  shareDescriptionMaxChars: 300,
  sharePathMaxChars: 500,
  storageKeyMaxChars: 128,
} as const;

/**
 * Bridge error codes (in `error.data.code`) and their JSON-RPC `error.code`. A server error
 * passed through (e.g. `payment_not_found`, `order_expired`) keeps its own code in
 * `data.code` with JSON-RPC code {@link BRIDGE_SERVER_ERROR}.
 */
export const BRIDGE_ERRORS = {
  /** The method does not exist or this host does not implement it. */
  unsupported: -32601,
  invalid_params: -32602,
  internal: -32603,
  /** The user refused, or the app was not granted what the call needs. */
  permission_denied: -32001,
  /** The user closed the sheet or picker. */
  user_cancelled: -32002,
  /** Too many calls from this app frame. */
  rate_limited: -32003,
  /** The payment went wrong for a reason the user saw on the host sheet. */
  payment_failed: -32004,
} as const;

export type BridgeErrorCode = keyof typeof BRIDGE_ERRORS;
export const BRIDGE_SERVER_ERROR = -32000;

/** JSON-RPC's own: the message is not a valid request object. */
export const JSON_RPC_INVALID_REQUEST = -32600;

export type JsonRpcId = number | string;

export interface JsonRpcRequest<M extends BridgeMethodName = BridgeMethodName> {
  jsonrpc: '2.0';
  id: JsonRpcId;
  method: M;
  params?: BridgeParams<M>;
}

export interface BridgeErrorObject {
  code: number;
  message: string;
  /** `code` is a {@link BridgeErrorCode} or a server error code passed through. */
  data: { code: BridgeErrorCode | (string & {}); details?: JsonValue };
}

export interface JsonRpcSuccess<M extends BridgeMethodName = BridgeMethodName> {
  jsonrpc: '2.0';
  id: JsonRpcId;
  result: BridgeResult<M>;
}

export interface JsonRpcFailure {
  jsonrpc: '2.0';
  id: JsonRpcId | null;
  error: BridgeErrorObject;
}

export type JsonRpcResponse<M extends BridgeMethodName = BridgeMethodName> =
  | JsonRpcSuccess<M>
  | JsonRpcFailure;

/** The error object for a bridge or server error code. */
export function bridgeErrorObject(code: string, message: string, details?: JsonValue): BridgeErrorObject {
  const rpc = (BRIDGE_ERRORS as Record<string, number>)[code] ?? BRIDGE_SERVER_ERROR;
  return details === undefined
    ? { code: rpc, message, data: { code } }
    : { code: rpc, message, data: { code, details } };
}

export function isJsonRpcRequest(value: unknown): value is JsonRpcRequest<string & BridgeMethodName> {
  return (
    isRecord(value) &&
    value.jsonrpc === '2.0' &&
    (typeof value.id === 'number' || typeof value.id === 'string') &&
    typeof value.method === 'string' &&
    (value.params === undefined || isRecord(value.params))
  );
}

export function isJsonRpcResponse(value: unknown): value is JsonRpcResponse {
  if (!isRecord(value) || value.jsonrpc !== '2.0') return false;
  if (!(typeof value.id === 'number' || typeof value.id === 'string' || value.id === null)) return false;
  if ('result' in value) return true;
  const error = value.error;
  return isRecord(error) && typeof error.code === 'number' && typeof error.message === 'string';
}

/**
 * Checks a request's params against its method. Answers `null` when they fit, else a
 * sentence naming what is wrong (the host answers `invalid_params` with it). Leaves the
 * semantic checks (scopes granted, storage sizes) to the host.
 */
export function checkBridgeParams(method: BridgeMethodName, params: unknown): string | null {
  if (params !== undefined && !isRecord(params)) return 'params must be an object';
  const p: Record<string, unknown> = params ?? {};
  const only = (...keys: string[]): string | null => {
    const extra = Object.keys(p).find((k) => !keys.includes(k));
    return extra === undefined ? null : `unknown param "${extra}"`;
  };
  const text = (key: string, max: number, optional = false): string | null => {
    const v = p[key];
    if (v === undefined) return optional ? null : `"${key}" is required`;
    if (typeof v !== 'string' || v.trim().length === 0) return `"${key}" must be a non-empty string`;
    if (v.length > max) return `"${key}" is longer than ${max} characters`;
    return null;
  };
  const first = (...checks: (string | null)[]): string | null => checks.find((c) => c !== null) ?? null;
  switch (method) {
    case 'getCapabilities':
    case 'auth.login':
    case 'device.scanQR':
      return only();
    case 'auth.requestScopes': {
      const scopes = p.scopes;
      if (!Array.isArray(scopes) || scopes.length === 0) return '"scopes" must be a non-empty array';
      const bad = scopes.find((s) => !(MINIAPP_SCOPES as readonly unknown[]).includes(s));
      if (bad !== undefined) return `unknown scope ${JSON.stringify(bad)}`;
      return only('scopes');
    }
    case 'pay.requestPayment':
      return first(only('paymentToken'), text('paymentToken', 200));
    case 'media.chooseImage': {
      const count = p.count;
      if (
        count !== undefined &&
        (typeof count !== 'number' ||
          !Number.isInteger(count) ||
          count < 1 ||
          count > BRIDGE_LIMITS.chooseImageCountMax)
      ) {
        return `"count" must be a whole number from 1 to ${BRIDGE_LIMITS.chooseImageCountMax}`;
      }
      return only('count');
    }
    case 'share.toChat': {
      const path = p.path;
      if (path !== undefined && (typeof path !== 'string' || !path.startsWith('/'))) {
        return '"path" must start with "/"';
      }
      return first(
        only('title', 'path', 'description'),
        text('title', BRIDGE_LIMITS.shareTitleMaxChars),
        text('path', BRIDGE_LIMITS.sharePathMaxChars, true),
        text('description', BRIDGE_LIMITS.shareDescriptionMaxChars, true),
      );
    }
    case 'ui.showToast': {
      const d = p.durationMs;
      if (
        d !== undefined &&
        (typeof d !== 'number' ||
          !Number.isInteger(d) ||
          d < BRIDGE_LIMITS.toastDurationMinMs ||
          d > BRIDGE_LIMITS.toastDurationMaxMs)
      ) {
        return `"durationMs" must be a whole number from ${BRIDGE_LIMITS.toastDurationMinMs} to ${BRIDGE_LIMITS.toastDurationMaxMs}`;
      }
      return first(only('text', 'durationMs'), text('text', BRIDGE_LIMITS.toastTextMaxChars));
    }
    case 'ui.setTitle':
      return first(only('title'), text('title', BRIDGE_LIMITS.titleMaxChars));
    case 'storage.get':
    case 'storage.remove':
      return first(only('key'), text('key', BRIDGE_LIMITS.storageKeyMaxChars));
    case 'storage.set':
      if (!('value' in p) || p.value === undefined) return '"value" is required';
      if (!isJsonValue(p.value, 0)) return '"value" must be a JSON value';
      return first(only('key', 'value'), text('key', BRIDGE_LIMITS.storageKeyMaxChars));
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isJsonValue(value: unknown, depth: number): boolean {
  if (depth > 32) return false;
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every((v) => isJsonValue(v, depth + 1));
  if (isRecord(value) && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.values(value).every((v) => v !== undefined && isJsonValue(v, depth + 1));
  }
  return false;
}
