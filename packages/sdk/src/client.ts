import {
  type BridgeMethodName,
  type BridgeParams,
  type BridgeResult,
  isJsonRpcResponse,
  type JsonRpcRequest,
} from '@jiaozi/protocol';
import { BridgeError } from './errors.js';

/** The part of a `MessagePort` the bridge uses (browsers' and Node's ports both fit). */
export interface PortLike {
  postMessage(message: unknown): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  removeEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  start?(): void;
  close(): void;
}

/** Methods that wait for the user (a sheet, a picker, the camera): they get a long timeout. */
const INTERACTIVE: ReadonlySet<BridgeMethodName> = new Set<BridgeMethodName>([
  'auth.requestScopes',
  'pay.requestPayment',
  'media.chooseImage',
  'share.toChat',
  'device.scanQR',
]);

export const DEFAULT_CALL_TIMEOUT_MS = 15_000;
export const DEFAULT_INTERACTIVE_TIMEOUT_MS = 10 * 60_000;
/** Calls waiting for an answer at once; more is a bug in the app (a loop), not a use. */
export const MAX_PENDING_CALLS = 256;

export interface RpcClientOptions {
  /** Timeout of a call that does not wait for the user. Default 15 s. */
  callTimeoutMs?: number;
  /** Timeout of a call that waits for the user (payment, consent, picker). Default 10 min. */
  interactiveTimeoutMs?: number;
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: BridgeError): void;
  timer: ReturnType<typeof setTimeout>;
}

/** A JSON-RPC 2.0 client over a MessagePort: numbered ids, one timeout per call. */
export class RpcClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private closed = false;
  private readonly onMessage = (event: { data: unknown }) => this.receive(event.data);

  constructor(
    private readonly port: PortLike,
    private readonly options: RpcClientOptions = {},
  ) {
    port.addEventListener('message', this.onMessage);
    port.start?.();
  }

  call<M extends BridgeMethodName>(method: M, params: BridgeParams<M>): Promise<BridgeResult<M>> {
    if (this.closed) return Promise.reject(new BridgeError('disconnected', 'The bridge is closed.'));
    if (this.pending.size >= MAX_PENDING_CALLS) {
      return Promise.reject(
        new BridgeError('rate_limited', `More than ${MAX_PENDING_CALLS} calls are waiting.`),
      );
    }
    const id = this.nextId++;
    const timeoutMs = INTERACTIVE.has(method)
      ? (this.options.interactiveTimeoutMs ?? DEFAULT_INTERACTIVE_TIMEOUT_MS)
      : (this.options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS);
    return new Promise<BridgeResult<M>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new BridgeError('timeout', `${method} got no answer in ${timeoutMs} ms.`));
      }, timeoutMs);
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject, timer });
      const request: JsonRpcRequest<M> = { jsonrpc: '2.0', id, method, params };
      try {
        this.port.postMessage(request);
      } catch (error) {
        clearTimeout(timer);
        this.pending.delete(id);
        reject(new BridgeError('invalid_params', `${method}: ${(error as Error).message}`));
      }
    });
  }

  /** Fails every waiting call with `disconnected` and closes the port. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.port.removeEventListener('message', this.onMessage);
    this.port.close();
    for (const [id, pending] of this.pending) {
      clearTimeout(pending.timer);
      this.pending.delete(id);
      pending.reject(new BridgeError('disconnected', 'The bridge was closed.'));
    }
  }

  private receive(data: unknown): void {
    if (!isJsonRpcResponse(data) || typeof data.id !== 'number') return;
    const pending = this.pending.get(data.id);
    if (pending === undefined) return;
    this.pending.delete(data.id);
    clearTimeout(pending.timer);
    if ('error' in data) pending.reject(BridgeError.fromObject(data.error));
    else pending.resolve(data.result);
  }
}
