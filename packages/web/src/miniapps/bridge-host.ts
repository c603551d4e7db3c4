import { BRIDGE_VERSION, type BridgeCapabilities, type BridgeConnect, isBridgeHello } from '@jiaozi/protocol';
import type { Dispatcher } from './dispatcher.js';
import { type HelloVerdict, judgeHello, normalizeOrigin } from './origin.js';

/**
 * The host end of the bridge for one app iframe: waits for the app's hello on `window`,
 * answers only a hello from that iframe's window AND the app's origin with a fresh
 * MessageChannel (port2 transferred, targetOrigin = the app's origin), and serves JSON-RPC on
 * port1 through the dispatcher. A new hello from the same frame (the app reloaded) replaces
 * the port. Everything else is ignored and counted.
 */
export interface BridgeHostOptions {
  frame: HTMLIFrameElement;
  appId: string;
  origin: string;
  capabilities: BridgeCapabilities;
  dispatcher: Dispatcher;
  /** Every hello seen, with the verdict (the simulator shows them; tests count them). */
  onHello?: (verdict: HelloVerdict, origin: string) => void;
  /** Called with true when a port was handed over. */
  onConnected?: () => void;
  target?: Window;
}

export function startBridgeHost(options: BridgeHostOptions): () => void {
  const { frame, appId, capabilities, dispatcher, onHello, onConnected } = options;
  const target = options.target ?? window;
  const origin = normalizeOrigin(options.origin);
  let port: MessagePort | null = null;

  const closePort = () => {
    if (port) {
      port.onmessage = null;
      port.close();
      port = null;
    }
  };

  const onMessage = (event: MessageEvent) => {
    if (origin === null) return;
    const verdict = judgeHello(
      { source: event.source, origin: event.origin, data: event.data },
      frame.contentWindow,
      origin,
      isBridgeHello,
    );
    if (verdict === 'not_hello') return;
    onHello?.(verdict, event.origin);
    if (verdict !== 'accept') return;
    const appWindow = frame.contentWindow;
    if (!appWindow) return;
    closePort();
    const channel = new MessageChannel();
    const mine = channel.port1;
    port = mine;
    mine.onmessage = (message: MessageEvent) => {
      void dispatcher.handle(message.data).then((response) => {
        if (port === mine) mine.postMessage(response);
      });
    };
    mine.start();
    const connect: BridgeConnect = { jiaozi: 'connect', version: BRIDGE_VERSION, appId, capabilities };
    appWindow.postMessage(connect, origin, [channel.port2]);
    onConnected?.();
  };

  target.addEventListener('message', onMessage);
  return () => {
    target.removeEventListener('message', onMessage);
    closePort();
  };
}
