/**
 * The Jiaozi mini-app SDK. Connect once, then call the host through the namespaces:
 *
 *   import { auth, connect, pay } from '@jiaozi/sdk';
 *   await connect();
 *   const { code } = await auth.login();
 *   await pay.requestPayment({ paymentToken });
 *
 * Every export is a plain function or class (`sideEffects: false`), so a bundler keeps only
 * what the app uses.
 */
import type { BridgeCapabilities } from '@jiaozi/protocol';
import { call } from './connect.js';

export type {
  BridgeCapabilities,
  BridgeErrorCode,
  BridgeImage,
  BridgeMethodName,
  BridgeParams,
  BridgeResult,
  JsonValue,
  MiniAppScope,
} from '@jiaozi/protocol';
export * as auth from './auth.js';
export {
  DEFAULT_CALL_TIMEOUT_MS,
  DEFAULT_INTERACTIVE_TIMEOUT_MS,
  type PortLike,
  RpcClient,
  type RpcClientOptions,
} from './client.js';
export {
  type AppWindow,
  type Bridge,
  bridge,
  type ConnectOptions,
  call,
  connect,
  DEFAULT_HANDSHAKE_TIMEOUT_MS,
  disconnect,
  type HandshakeEvent,
  handshake,
} from './connect.js';
export * as device from './device.js';
export { BridgeError, isBridgeError } from './errors.js';
export * as media from './media.js';
export {
  createMockHost,
  MockAppWindow,
  type MockBehaviour,
  type MockCall,
  type MockHost,
  type MockHostOptions,
  type MockPaymentOutcome,
  type MockUser,
} from './mock-host.js';
export * as pay from './pay.js';
export * as share from './share.js';
export * as storage from './storage.js';
export * as ui from './ui.js';

/** What the host supports: `{ version, methods, host }`. */
export function getCapabilities(): Promise<BridgeCapabilities> {
  return call('getCapabilities', {});
}
