import {
  BRIDGE_VERSION,
  type BridgeCapabilities,
  type BridgeHello,
  type BridgeMethodName,
  type BridgeParams,
  type BridgeResult,
  isBridgeConnect,
} from '@jiaozi/protocol';
import { type PortLike, RpcClient, type RpcClientOptions } from './client.js';
import { BridgeError } from './errors.js';

/** A `message` event as the handshake reads it (a browser `MessageEvent` fits). */
export interface HandshakeEvent {
  data: unknown;
  origin: string;
  source: unknown;
  ports: readonly PortLike[];
}

/** The mini app's window as the handshake uses it (the browser's `window` fits). */
export interface AppWindow {
  readonly parent: { postMessage(message: unknown, targetOrigin: string): void } | null;
  addEventListener(type: 'message', listener: (event: HandshakeEvent) => void): void;
  removeEventListener(type: 'message', listener: (event: HandshakeEvent) => void): void;
}

export interface ConnectOptions extends RpcClientOptions {
  /** Default: the global `window`. */
  window?: AppWindow;
  /** When set, a `connect` from any other origin is ignored too. */
  hostOrigin?: string;
  /** How long to wait for the host's `connect`. Default 10 s. */
  handshakeTimeoutMs?: number;
}

/** A connected bridge. */
export interface Bridge {
  readonly appId: string;
  readonly capabilities: BridgeCapabilities;
  call<M extends BridgeMethodName>(method: M, params: BridgeParams<M>): Promise<BridgeResult<M>>;
  /** Whether the host implements a method (from `capabilities`). */
  supports(method: BridgeMethodName): boolean;
  close(): void;
}

export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;

/**
 * Performs the handshake with one window's parent: posts `hello`, then takes the first
 * `connect` that comes from `window.parent` itself (and from `hostOrigin`, if given) with a
 * port. Everything else — other frames, other origins, stray messages — is ignored.
 */
export function handshake(options: ConnectOptions = {}): Promise<Bridge> {
  const win = options.window ?? (globalThis as unknown as { window?: AppWindow }).window;
  const parent = win?.parent;
  if (win === undefined || parent === null || parent === undefined || (parent as unknown) === win) {
    return Promise.reject(new BridgeError('no_host', 'Not running inside a Jiaozi host.'));
  }
  const timeoutMs = options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
  return new Promise<Bridge>((resolve, reject) => {
    const listener = (event: HandshakeEvent) => {
      if (event.source !== parent) return;
      if (options.hostOrigin !== undefined && event.origin !== options.hostOrigin) return;
      const port = event.ports[0];
      if (!isBridgeConnect(event.data) || port === undefined) return;
      win.removeEventListener('message', listener);
      clearTimeout(timer);
      const client = new RpcClient(port, options);
      const { appId, capabilities } = event.data;
      const methods = new Set<string>(capabilities.methods);
      resolve({
        appId,
        capabilities,
        call: (method, params) => client.call(method, params),
        supports: (method) => methods.has(method),
        close: () => client.close(),
      });
    };
    const timer = setTimeout(() => {
      win.removeEventListener('message', listener);
      reject(new BridgeError('timeout', `No Jiaozi host answered the handshake in ${timeoutMs} ms.`));
    }, timeoutMs);
    win.addEventListener('message', listener);
    const hello: BridgeHello = { jiaozi: 'hello', version: BRIDGE_VERSION };
    // The hello holds no secret, so any parent origin may read it; the answer is checked.
    parent.postMessage(hello, '*');
  });
}

let current: { window: AppWindow | undefined; bridge: Promise<Bridge> } | null = null;

/**
 * Connects to the host and makes that bridge the one the namespace functions
 * (`auth.login()`, `pay.requestPayment()` …) use. Calling it again with the same window
 * answers the same bridge.
 */
export function connect(options: ConnectOptions = {}): Promise<Bridge> {
  if (current !== null && current.window === options.window) return current.bridge;
  current?.bridge.then((b) => b.close()).catch(() => {});
  const entry = { window: options.window, bridge: handshake(options) };
  current = entry;
  entry.bridge.catch(() => {
    if (current === entry) current = null;
  });
  return entry.bridge;
}

/** Closes the current bridge; waiting calls fail with `disconnected`. */
export function disconnect(): void {
  const entry = current;
  current = null;
  entry?.bridge.then((b) => b.close()).catch(() => {});
}

/** The current bridge, connecting with the defaults first if there is none. */
export function bridge(): Promise<Bridge> {
  return current?.bridge ?? connect();
}

/** Calls a method on the current bridge. */
export async function call<M extends BridgeMethodName>(
  method: M,
  params: BridgeParams<M>,
): Promise<BridgeResult<M>> {
  return (await bridge()).call(method, params);
}
