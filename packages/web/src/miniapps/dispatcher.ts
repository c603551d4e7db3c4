import {
  type BridgeErrorCode,
  type BridgeErrorObject,
  type BridgeMethodName,
  type BridgeParams,
  type BridgeResult,
  bridgeErrorObject,
  checkBridgeParams,
  isBridgeMethod,
  JSON_RPC_INVALID_REQUEST,
  type JsonRpcId,
  type JsonRpcResponse,
  type JsonValue,
} from '@jiaozi/protocol';
import { ApiError } from '../api/client.js';
import type { CallLimiter } from './rate-limit.js';

/**
 * The bridge's JSON-RPC dispatcher: one per app frame. It checks the envelope, the rate
 * limit, the method and every param before a handler runs, binds the app id of the frame (a
 * param can never name another app), and turns whatever a handler throws into a typed error.
 * No DOM: the port and the sheets are the host's business.
 */

/** A failure with a bridge code (`permission_denied`, `user_cancelled`…) or a server code. */
export class BridgeError extends Error {
  override readonly name = 'BridgeError';
  readonly code: BridgeErrorCode | (string & {});
  readonly details: JsonValue | undefined;

  constructor(code: BridgeErrorCode | (string & {}), message: string, details?: JsonValue) {
    super(message);
    this.code = code;
    this.details = details;
  }
}

/** What a handler knows about the call besides its params. */
export interface CallContext {
  /** The app of the frame the call came through. */
  appId: string;
}

export type Handler<M extends BridgeMethodName> = (
  params: BridgeParams<M>,
  context: CallContext,
) => Promise<BridgeResult<M>>;

export type Handlers = { [M in BridgeMethodName]?: Handler<M> };

/** One call as the simulator's traffic panel shows it. */
export interface TrafficEntry {
  /** The request's JSON-RPC id (null when the envelope was unreadable). */
  id: JsonRpcId | null;
  method: string;
  params: unknown;
  startedAt: number;
  /** Set when the answer went out. */
  durationMs: number | null;
  result?: unknown;
  error?: BridgeErrorObject;
}

export interface DispatcherOptions {
  appId: string;
  handlers: Handlers;
  limiter: CallLimiter;
  /** Milliseconds (Date.now in the app; a counter in tests). */
  now: () => number;
  /** Called when a call arrives (durationMs null) and again when it is answered. */
  onTraffic?: (entry: TrafficEntry) => void;
}

export interface Dispatcher {
  /** The answer to one message from the port (every message gets one). */
  handle(message: unknown): Promise<JsonRpcResponse>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Any thrown value as a JSON-RPC error object. */
export function errorObjectOf(caught: unknown): BridgeErrorObject {
  if (caught instanceof BridgeError) return bridgeErrorObject(caught.code, caught.message, caught.details);
  if (caught instanceof ApiError) {
    // Network trouble is the host's, not a server verdict.
    if (caught.status === 0) return bridgeErrorObject('internal', caught.message || caught.code);
    return bridgeErrorObject(caught.code, caught.message || caught.code);
  }
  return bridgeErrorObject('internal', caught instanceof Error ? caught.message : 'internal error');
}

export function createDispatcher(options: DispatcherOptions): Dispatcher {
  const { appId, handlers, limiter, now, onTraffic } = options;
  const context: CallContext = Object.freeze({ appId });

  const fail = (id: JsonRpcId | null, error: BridgeErrorObject): JsonRpcResponse => ({
    jsonrpc: '2.0',
    id,
    error,
  });

  return {
    async handle(message: unknown): Promise<JsonRpcResponse> {
      const startedAt = now();
      const rawId = isRecord(message) ? message.id : undefined;
      const id: JsonRpcId | null = typeof rawId === 'number' || typeof rawId === 'string' ? rawId : null;
      const method = isRecord(message) && typeof message.method === 'string' ? message.method : '';
      const params = isRecord(message) ? message.params : undefined;
      const entry: TrafficEntry = { id, method, params, startedAt, durationMs: null };
      onTraffic?.({ ...entry });
      const answer = (response: JsonRpcResponse): JsonRpcResponse => {
        const done: TrafficEntry = { ...entry, durationMs: now() - startedAt };
        if ('error' in response) done.error = response.error;
        else done.result = response.result;
        onTraffic?.(done);
        return response;
      };

      if (!limiter.take(startedAt)) {
        const { name, calls, windowMs } = limiter.limit;
        return answer(
          fail(
            id,
            bridgeErrorObject('rate_limited', `More than ${calls} bridge calls in ${windowMs} ms (${name})`, {
              limit: name,
              calls,
              windowMs,
              retryAfterMs: limiter.retryAfterMs(startedAt),
            }),
          ),
        );
      }
      if (
        !isRecord(message) ||
        message.jsonrpc !== '2.0' ||
        id === null ||
        method === '' ||
        (params !== undefined && !isRecord(params))
      ) {
        return answer(
          fail(id, {
            code: JSON_RPC_INVALID_REQUEST,
            message: 'Not a JSON-RPC 2.0 request with an id, a method and object params',
            data: { code: 'invalid_params' },
          }),
        );
      }
      if (!isBridgeMethod(method) || handlers[method] === undefined) {
        return answer(fail(id, bridgeErrorObject('unsupported', `Unknown method "${method}"`)));
      }
      const problem = checkBridgeParams(method, params);
      if (problem !== null) return answer(fail(id, bridgeErrorObject('invalid_params', problem)));
      const handler = handlers[method] as Handler<BridgeMethodName>;
      try {
        const result = await handler((params ?? {}) as BridgeParams<BridgeMethodName>, context);
        return answer({ jsonrpc: '2.0', id, result } as JsonRpcResponse);
      } catch (caught) {
        return answer(fail(id, errorObjectOf(caught)));
      }
    },
  };
}
