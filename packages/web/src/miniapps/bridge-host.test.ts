import { isBridgeConnect, type JsonRpcResponse } from '@jiaozi/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { startBridgeHost } from './bridge-host.js';
import { createDispatcher } from './dispatcher.js';
import { CallLimiter } from './rate-limit.js';

const ORIGIN = 'http://127.0.0.1:8092';
const capabilities = { version: 1, methods: ['ui.setTitle' as const], host: 'web' as const };

/** The app's window as the host sees it: it records what the host posts to it. */
function appWindow() {
  const posted: { message: unknown; targetOrigin: string; ports: MessagePort[] }[] = [];
  return {
    posted,
    postMessage(message: unknown, targetOrigin: string, transfer: MessagePort[] = []) {
      posted.push({ message, targetOrigin, ports: transfer });
    },
  };
}

function messageEvent(data: unknown, origin: string, source: unknown): Event {
  return Object.assign(new Event('message'), { data, origin, source });
}

const hello = { jiaozi: 'hello', version: 1 };
const stops: (() => void)[] = [];
afterEach(() => {
  for (const stop of stops.splice(0)) stop();
});

function setup() {
  const target = new EventTarget();
  const app = appWindow();
  const frame = { contentWindow: app } as unknown as HTMLIFrameElement;
  const titles: string[] = [];
  const verdicts: string[] = [];
  const dispatcher = createDispatcher({
    appId: 'app_1',
    handlers: {
      'ui.setTitle': async ({ title }) => {
        titles.push(title);
        return {};
      },
    },
    limiter: new CallLimiter(),
    now: () => 0,
  });
  stops.push(
    startBridgeHost({
      frame,
      appId: 'app_1',
      origin: ORIGIN,
      capabilities,
      dispatcher,
      onHello: (verdict) => verdicts.push(verdict),
      target: target as unknown as Window,
    }),
  );
  return { target, app, titles, verdicts };
}

describe('the bridge host handshake', () => {
  it('answers a hello from the frame and the origin with a port, then serves JSON-RPC on it', async () => {
    const { target, app, titles, verdicts } = setup();
    target.dispatchEvent(messageEvent(hello, ORIGIN, app));
    expect(verdicts).toEqual(['accept']);
    expect(app.posted).toHaveLength(1);
    const [connect] = app.posted;
    expect(connect?.targetOrigin).toBe(ORIGIN);
    expect(connect?.message).toEqual({ jiaozi: 'connect', version: 1, appId: 'app_1', capabilities });
    expect(isBridgeConnect(connect?.message)).toBe(true);
    expect(connect?.ports).toHaveLength(1);

    const port = connect?.ports[0] as MessagePort;
    const answer = new Promise<JsonRpcResponse>((resolve) => {
      port.onmessage = (event) => resolve(event.data as JsonRpcResponse);
    });
    port.postMessage({ jsonrpc: '2.0', id: 7, method: 'ui.setTitle', params: { title: 'Cart' } });
    expect(await answer).toEqual({ jsonrpc: '2.0', id: 7, result: {} });
    expect(titles).toEqual(['Cart']);
    port.close();
  });

  it('gives no port to another window, another origin or anything but a hello', () => {
    const { target, app, verdicts } = setup();
    const other = appWindow();
    target.dispatchEvent(messageEvent(hello, ORIGIN, other));
    target.dispatchEvent(messageEvent(hello, 'http://127.0.0.1:8091', app));
    target.dispatchEvent(messageEvent(hello, 'null', app));
    target.dispatchEvent(messageEvent({ jiaozi: 'connect', version: 1 }, ORIGIN, app));
    target.dispatchEvent(messageEvent({ jsonrpc: '2.0', id: 1, method: 'ui.setTitle' }, ORIGIN, app));
    expect(verdicts).toEqual(['wrong_source', 'wrong_origin', 'wrong_origin']);
    expect(app.posted).toEqual([]);
    expect(other.posted).toEqual([]);
  });

  it('replaces the port when the app says hello again (it reloaded)', async () => {
    const { target, app } = setup();
    target.dispatchEvent(messageEvent(hello, ORIGIN, app));
    target.dispatchEvent(messageEvent(hello, ORIGIN, app));
    expect(app.posted).toHaveLength(2);
    const second = app.posted[1]?.ports[0] as MessagePort;
    const answer = new Promise<JsonRpcResponse>((resolve) => {
      second.onmessage = (event) => resolve(event.data as JsonRpcResponse);
    });
    second.postMessage({ jsonrpc: '2.0', id: 1, method: 'ui.setTitle', params: { title: 'Again' } });
    expect(await answer).toEqual({ jsonrpc: '2.0', id: 1, result: {} });
    second.close();
    app.posted[0]?.ports[0]?.close();
  });
});
