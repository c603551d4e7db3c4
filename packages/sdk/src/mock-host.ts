/**
 * An in-process Jiaozi host for unit tests of a mini app: it answers the real handshake and
 * every bridge method over a real `MessageChannel`, with scripted behaviour (a test user,
 * scope grants, a payment outcome, images, an in-memory storage) and a log of every call.
 *
 *   const host = createMockHost({ payment: 'user_cancelled' });
 *   await host.connect();           // the SDK's namespace functions now talk to it
 *   await pay.requestPayment({ paymentToken: 'pt_1' });   // → BridgeError user_cancelled
 *   host.calls                       // [{ method: 'pay.requestPayment', params, error }]
 */
import {
  BRIDGE_METHODS,
  BRIDGE_VERSION,
  type BridgeCapabilities,
  type BridgeConnect,
  type BridgeImage,
  type BridgeMethodName,
  type BridgeParams,
  type BridgeResult,
  bridgeErrorObject,
  checkBridgeParams,
  isBridgeHello,
  isBridgeMethod,
  isJsonRpcRequest,
  JSON_RPC_INVALID_REQUEST,
  type JsonRpcResponse,
  type JsonValue,
  type MerchantSession,
  type MiniAppScope,
} from '@jiaozi/protocol';
import { type AppWindow, type Bridge, type ConnectOptions, connect, type HandshakeEvent } from './connect.js';
import { BridgeError } from './errors.js';

export interface MockUser {
  /** The pairwise id the app's server would get for this user. */
  openid: string;
  displayName: string;
  avatarUrl: string | null;
  phone: string | null;
}

/** What happens on `pay.requestPayment`: paid, or a bridge / server error code. */
export type MockPaymentOutcome =
  | 'paid'
  | 'user_cancelled'
  | 'payment_failed'
  | { orderId: string }
  | { error: string; message?: string };

/** Behaviour that a test may change between calls (`host.behaviour.payment = …`). */
export interface MockBehaviour {
  /** The consent sheet: grant what is asked, refuse it, or decide. Default `grant`. */
  consent: 'grant' | 'deny' | ((requested: MiniAppScope[]) => MiniAppScope[]);
  /** Default `paid` (with order id `ord_mock_<n>`). */
  payment: MockPaymentOutcome | ((paymentToken: string) => MockPaymentOutcome);
  /** What the picker answers (the first `count`), or the user closing it. Default: none picked. */
  images: BridgeImage[] | 'user_cancelled';
  /** The chat the user picks for `share.toChat`, or the user closing the picker. */
  shareConversationId: string | 'user_cancelled';
  /** What the scanner reads, or the user closing it. */
  qrText: string | 'user_cancelled';
}

export interface MockHostOptions extends Partial<MockBehaviour> {
  appId?: string;
  /** The origin the host's `connect` comes from. Default `https://jiaozi.test`. */
  hostOrigin?: string;
  user?: Partial<MockUser>;
  /** Scopes granted before the app starts. */
  granted?: MiniAppScope[];
  /** Initial storage. */
  storage?: Record<string, JsonValue>;
  /** The methods this host implements (the others answer `unsupported`). Default: all. */
  methods?: BridgeMethodName[];
  /** Largest JSON size of one stored value. Default 64 KiB, like the server's. */
  storageValueMaxBytes?: number;
}

export type MockCall =
  | { method: string; params: unknown; result: unknown }
  | { method: string; params: unknown; error: { code: string; message: string } };

export interface MockHost {
  readonly appId: string;
  readonly user: MockUser;
  /** The app's side of the handshake: pass it as `connect({ window })`. */
  readonly window: MockAppWindow;
  readonly behaviour: MockBehaviour;
  /** Every call the app made, in order, with what it was answered. */
  readonly calls: MockCall[];
  readonly granted: Set<MiniAppScope>;
  readonly storage: Map<string, JsonValue>;
  readonly toasts: string[];
  readonly title: string | null;
  /** Every payment asked for, with its outcome. */
  readonly payments: { paymentToken: string; outcome: 'paid' | string }[];
  readonly shares: { conversationId: string; title: string; path: string; description: string }[];
  /** Login codes handed out, oldest first. */
  readonly loginCodes: string[];
  /** Connects the SDK (its namespace functions) to this host. */
  connect(options?: Omit<ConnectOptions, 'window'>): Promise<Bridge>;
  /**
   * What `POST /v1/merchant/sessions` would answer the app's server for a login code: the
   * user's openid and what is granted. A code works once; otherwise `login_code_invalid`.
   */
  exchangeLoginCode(code: string): MerchantSession;
  /** The calls of one method. */
  callsOf(method: BridgeMethodName): MockCall[];
  close(): void;
}

type MessageListener = (event: HandshakeEvent) => void;

/** A stand-in for the mini app's `window`: its parent is the mock host. */
export class MockAppWindow implements AppWindow {
  private readonly listeners = new Set<MessageListener>();
  constructor(readonly parent: { postMessage(message: unknown, targetOrigin: string): void }) {}

  addEventListener(_type: 'message', listener: MessageListener): void {
    this.listeners.add(listener);
  }

  removeEventListener(_type: 'message', listener: MessageListener): void {
    this.listeners.delete(listener);
  }

  /** Delivers a `message` event to the app, as a browser would (on a later task). */
  dispatch(event: HandshakeEvent): void {
    setTimeout(() => {
      for (const listener of [...this.listeners]) listener(event);
    }, 0);
  }
}

const DEFAULT_USER: MockUser = {
  openid: 'openid_mock_user',
  displayName: 'Test User',
  avatarUrl: null,
  phone: '+8613800000000',
};

class HostFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function createMockHost(options: MockHostOptions = {}): MockHost {
  const appId = options.appId ?? 'app_mock';
  const hostOrigin = options.hostOrigin ?? 'https://jiaozi.test';
  const user: MockUser = { ...DEFAULT_USER, ...options.user };
  const methods = options.methods ?? [...BRIDGE_METHODS];
  const storageValueMaxBytes = options.storageValueMaxBytes ?? 64 * 1024;
  const behaviour: MockBehaviour = {
    consent: options.consent ?? 'grant',
    payment: options.payment ?? 'paid',
    images: options.images ?? [],
    shareConversationId: options.shareConversationId ?? 'conv_mock',
    qrText: options.qrText ?? 'user_cancelled',
  };
  const granted = new Set<MiniAppScope>(options.granted ?? []);
  const storage = new Map<string, JsonValue>(Object.entries(options.storage ?? {}));
  const calls: MockCall[] = [];
  const toasts: string[] = [];
  const payments: { paymentToken: string; outcome: string }[] = [];
  const shares: MockHost['shares'] = [];
  const loginCodes: string[] = [];
  const usedCodes = new Set<string>();
  const ports: MessagePort[] = [];
  let title: string | null = null;
  let orders = 0;

  const capabilities: BridgeCapabilities = { version: BRIDGE_VERSION, methods: [...methods], host: 'mock' };

  const cancelled = (what: string): never => {
    throw new HostFailure('user_cancelled', `The user closed the ${what}.`);
  };

  const handlers: { [M in BridgeMethodName]: (params: BridgeParams<M>) => BridgeResult<M> } = {
    getCapabilities: () => structuredClone(capabilities),
    'auth.login': () => {
      const code = `mock_code_${loginCodes.length + 1}`;
      loginCodes.push(code);
      return { code };
    },
    'auth.requestScopes': ({ scopes }) => {
      const missing = [...new Set(scopes)].filter((s) => !granted.has(s));
      if (missing.length > 0) {
        const consent = behaviour.consent;
        const accepted = consent === 'grant' ? missing : consent === 'deny' ? [] : consent(missing);
        const agreed = accepted.filter((s) => missing.includes(s));
        if (agreed.length === 0) throw new HostFailure('permission_denied', 'The user refused the scopes.');
        for (const s of agreed) granted.add(s);
      }
      return { granted: [...granted].sort() };
    },
    'pay.requestPayment': ({ paymentToken }) => {
      const outcome =
        typeof behaviour.payment === 'function' ? behaviour.payment(paymentToken) : behaviour.payment;
      if (outcome === 'paid' || (typeof outcome === 'object' && 'orderId' in outcome)) {
        orders += 1;
        const orderId = outcome === 'paid' ? `ord_mock_${orders}` : outcome.orderId;
        payments.push({ paymentToken, outcome: 'paid' });
        return { orderId, status: 'paid' };
      }
      const code = typeof outcome === 'string' ? outcome : outcome.error;
      payments.push({ paymentToken, outcome: code });
      throw new HostFailure(
        code,
        typeof outcome === 'object' && outcome.message !== undefined ? outcome.message : `Payment: ${code}.`,
      );
    },
    'media.chooseImage': ({ count }) => {
      const images = behaviour.images;
      if (images === 'user_cancelled' || images.length === 0) return cancelled('image picker');
      return {
        images: images.slice(0, count ?? 1).map((image) => ({ ...image, data: image.data.slice(0) })),
      };
    },
    'share.toChat': ({ title: cardTitle, path, description }) => {
      const conversationId = behaviour.shareConversationId;
      if (conversationId === 'user_cancelled') return cancelled('chat picker');
      shares.push({ conversationId, title: cardTitle, path: path ?? '/', description: description ?? '' });
      return { conversationId };
    },
    'ui.showToast': ({ text }) => {
      toasts.push(text);
      return {};
    },
    'ui.setTitle': ({ title: newTitle }) => {
      title = newTitle;
      return {};
    },
    'storage.get': ({ key }) => ({
      value: storage.has(key) ? structuredClone(storage.get(key) as JsonValue) : null,
    }),
    'storage.set': ({ key, value }) => {
      const size = new TextEncoder().encode(JSON.stringify(value)).length;
      if (size > storageValueMaxBytes) {
        throw new HostFailure(
          'storage_value_too_large',
          `The value is ${size} bytes, over ${storageValueMaxBytes}.`,
        );
      }
      storage.set(key, structuredClone(value));
      return {};
    },
    'storage.remove': ({ key }) => {
      storage.delete(key);
      return {};
    },
    'device.scanQR': () => {
      const text = behaviour.qrText;
      if (text === 'user_cancelled') return cancelled('scanner');
      return { text };
    },
  };

  const answer = (port: MessagePort, data: unknown): undefined => {
    if (!isJsonRpcRequest(data)) {
      const id = typeof data === 'object' && data !== null ? (data as { id?: unknown }).id : undefined;
      if (typeof id === 'number' || typeof id === 'string') {
        const reply: JsonRpcResponse = {
          jsonrpc: '2.0',
          id,
          error: {
            code: JSON_RPC_INVALID_REQUEST,
            message: 'Not a JSON-RPC 2.0 request.',
            data: { code: 'invalid_params' },
          },
        };
        port.postMessage(reply);
      }
      return;
    }
    const { id, method, params } = data;
    const fail = (code: string, message: string): undefined => {
      calls.push({ method, params, error: { code, message } });
      const reply: JsonRpcResponse = { jsonrpc: '2.0', id, error: bridgeErrorObject(code, message) };
      port.postMessage(reply);
    };
    if (!isBridgeMethod(method) || !methods.includes(method))
      return fail('unsupported', `${method} is not supported.`);
    const problem = checkBridgeParams(method, params);
    if (problem !== null) return fail('invalid_params', problem);
    try {
      const handler = handlers[method] as (p: unknown) => unknown;
      const result = handler(params ?? {});
      calls.push({ method, params, result });
      port.postMessage({ jsonrpc: '2.0', id, result });
    } catch (error) {
      if (error instanceof HostFailure) return fail(error.code, error.message);
      return fail('internal', (error as Error).message);
    }
  };

  const hostWindow = {
    postMessage(message: unknown, _targetOrigin: string): void {
      if (!isBridgeHello(message)) return;
      const channel = new MessageChannel();
      ports.push(channel.port1, channel.port2);
      channel.port1.addEventListener('message', (event) => answer(channel.port1, event.data));
      channel.port1.start();
      const connectMessage: BridgeConnect = {
        jiaozi: 'connect',
        version: BRIDGE_VERSION,
        appId,
        capabilities: structuredClone(capabilities),
      };
      appWindow.dispatch({
        data: connectMessage,
        origin: hostOrigin,
        source: hostWindow,
        ports: [channel.port2],
      });
    },
  };
  const appWindow = new MockAppWindow(hostWindow);

  return {
    appId,
    user,
    window: appWindow,
    behaviour,
    calls,
    granted,
    storage,
    toasts,
    get title() {
      return title;
    },
    payments,
    shares,
    loginCodes,
    connect: (connectOptions = {}) => connect({ ...connectOptions, window: appWindow }),
    exchangeLoginCode(code) {
      if (!loginCodes.includes(code) || usedCodes.has(code)) {
        throw new BridgeError('login_code_invalid', 'The login code is unknown or was already used.');
      }
      usedCodes.add(code);
      const scopes = [...granted].sort();
      const session: MerchantSession = { openid: user.openid, mode: 'test', scopes };
      if (granted.has('profile'))
        session.profile = { displayName: user.displayName, avatarUrl: user.avatarUrl };
      if (granted.has('phone')) session.phone = user.phone;
      return session;
    },
    callsOf: (method) => calls.filter((c) => c.method === method),
    close() {
      for (const port of ports) port.close();
      ports.length = 0;
    },
  };
}
