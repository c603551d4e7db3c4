import { BRIDGE_ERRORS, type BridgeErrorObject, type JsonValue } from '@jiaozi/protocol';

/**
 * A bridge call that failed. `code` is a bridge code (`unsupported`, `permission_denied`,
 * `user_cancelled`, `rate_limited`, `payment_failed`, `invalid_params`, `internal`), a
 * server code the host passed through (`payment_not_found`, `order_expired` …), or one the
 * SDK raises itself: `timeout` (no answer in time), `no_host` (not running inside a Jiaozi
 * host) and `disconnected` (the bridge was closed).
 */
export class BridgeError extends Error {
  override readonly name = 'BridgeError';
  constructor(
    readonly code: string,
    message: string,
    /** The JSON-RPC error code (0 for errors the SDK raises itself). */
    readonly rpcCode = 0,
    readonly details?: JsonValue,
  ) {
    super(message);
  }

  /** From a JSON-RPC error; one without `data.code` is named from its JSON-RPC code. */
  static fromObject(error: BridgeErrorObject): BridgeError {
    const byRpc = Object.entries(BRIDGE_ERRORS).find(([, rpc]) => rpc === error.code)?.[0];
    const code = typeof error.data?.code === 'string' ? error.data.code : (byRpc ?? 'internal');
    return new BridgeError(code, error.message, error.code, error.data?.details);
  }
}

export function isBridgeError(error: unknown, code?: string): error is BridgeError {
  return error instanceof BridgeError && (code === undefined || error.code === code);
}
