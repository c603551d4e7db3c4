import { BRIDGE_VERSION, type BridgeConnect, bridgeErrorObject, type JsonRpcRequest } from '@jiaozi/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RpcClient } from './client.js';
import { type HandshakeEvent, handshake } from './connect.js';
import { BridgeError } from './errors.js';
import { MockAppWindow } from './mock-host.js';

const open: { close(): void }[] = [];
afterEach(() => {
  vi.useRealTimers();
  for (const item of open.splice(0)) item.close();
});

/** A host end that answers each request with `reply(request)` (or nothing when it answers undefined). */
function rawHost(reply: (request: JsonRpcRequest) => unknown) {
  const channel = new MessageChannel();
  open.push(channel.port1, channel.port2);
  const seen: JsonRpcRequest[] = [];
  channel.port1.addEventListener('message', (event) => {
    const request = event.data as JsonRpcRequest;
    seen.push(request);
    const answer = reply(request);
    if (answer !== undefined) channel.port1.postMessage(answer);
  });
  channel.port1.start();
  return { port: channel.port2, hostPort: channel.port1, seen };
}

function errorOf(promise: Promise<unknown>): Promise<BridgeError> {
  return promise.then(
    () => {
      throw new Error('expected a BridgeError');
    },
    (error: unknown) => {
      expect(error).toBeInstanceOf(BridgeError);
      return error as BridgeError;
    },
  );
}

const connectMessage: BridgeConnect = {
  jiaozi: 'connect',
  version: BRIDGE_VERSION,
  appId: 'app_1',
  capabilities: { version: 1, methods: ['getCapabilities', 'ui.showToast'], host: 'web' },
};

describe('handshake', () => {
  function setup() {
    const posted: { message: unknown; targetOrigin: string }[] = [];
    const parent = {
      postMessage: (message: unknown, targetOrigin: string) => posted.push({ message, targetOrigin }),
    };
    const win = new MockAppWindow(parent);
    return { parent, win, posted };
  }

  it('says hello to the parent and takes only a connect from the parent, from the given origin, with a port', async () => {
    const { parent, win, posted } = setup();
    const pending = handshake({ window: win, hostOrigin: 'https://jiaozi.example' });
    expect(posted).toEqual([{ message: { jiaozi: 'hello', version: 1 }, targetOrigin: '*' }]);

    const genuine = rawHost((request) => ({ jsonrpc: '2.0', id: request.id, result: { host: 'genuine' } }));
    const impostor = rawHost((request) => ({ jsonrpc: '2.0', id: request.id, result: { host: 'impostor' } }));
    const otherFrame = {};
    const events: HandshakeEvent[] = [
      // Another window (a sibling frame, a popup) posting a well-formed connect.
      { data: connectMessage, origin: 'https://jiaozi.example', source: otherFrame, ports: [impostor.port] },
      // The parent's window, but from an unexpected origin (the parent navigated away).
      { data: connectMessage, origin: 'https://evil.example', source: parent, ports: [impostor.port] },
      // Right source and origin, but no port, or not a connect message.
      { data: connectMessage, origin: 'https://jiaozi.example', source: parent, ports: [] },
      {
        data: { jiaozi: 'connect', version: 2 },
        origin: 'https://jiaozi.example',
        source: parent,
        ports: [impostor.port],
      },
      { data: 'hello', origin: 'https://jiaozi.example', source: parent, ports: [impostor.port] },
      // The genuine one, then a late second connect that must not replace it.
      { data: connectMessage, origin: 'https://jiaozi.example', source: parent, ports: [genuine.port] },
      {
        data: { ...connectMessage, appId: 'app_other' },
        origin: 'https://jiaozi.example',
        source: parent,
        ports: [impostor.port],
      },
    ];
    for (const event of events) win.dispatch(event);

    const bridge = await pending;
    open.push(bridge);
    expect(bridge.appId).toBe('app_1');
    expect(bridge.supports('ui.showToast')).toBe(true);
    expect(bridge.supports('pay.requestPayment')).toBe(false);
    expect(await bridge.call('getCapabilities', {})).toEqual({ host: 'genuine' });
    expect(impostor.seen).toEqual([]);
    expect(genuine.seen).toEqual([{ jsonrpc: '2.0', id: 1, method: 'getCapabilities', params: {} }]);
  });

  it('answers no_host outside a frame', async () => {
    const win = new MockAppWindow({ postMessage: () => {} });
    expect((await errorOf(handshake({ window: { ...win, parent: null } as never }))).code).toBe('no_host');
    const top = {
      addEventListener: () => {},
      removeEventListener: () => {},
      get parent() {
        return top as never;
      },
    };
    expect((await errorOf(handshake({ window: top }))).code).toBe('no_host');
  });

  it('times out when no host answers', async () => {
    vi.useFakeTimers();
    const win = new MockAppWindow({ postMessage: () => {} });
    const pending = errorOf(handshake({ window: win, handshakeTimeoutMs: 2_000 }));
    await vi.advanceTimersByTimeAsync(2_000);
    const error = await pending;
    expect(error.code).toBe('timeout');
  });
});

describe('RpcClient', () => {
  it('numbers requests and matches answers by id, whatever their order', async () => {
    const held: JsonRpcRequest[] = [];
    const host = rawHost((request) => {
      held.push(request);
      if (held.length < 2) return undefined;
      // Answer the second first, then the first.
      host.hostPort.postMessage({ jsonrpc: '2.0', id: held[1]?.id, result: { value: 'second' } });
      return { jsonrpc: '2.0', id: held[0]?.id, result: { value: 'first' } };
    });
    const client = new RpcClient(host.port);
    open.push(client);
    const first = client.call('storage.get', { key: 'a' });
    const second = client.call('storage.get', { key: 'b' });
    expect(await first).toEqual({ value: 'first' });
    expect(await second).toEqual({ value: 'second' });
    expect(host.seen.map((r) => [r.id, r.method, r.params])).toEqual([
      [1, 'storage.get', { key: 'a' }],
      [2, 'storage.get', { key: 'b' }],
    ]);
  });

  it('turns error answers into BridgeError with the code from data.code', async () => {
    const host = rawHost((request) => {
      if (request.method === 'pay.requestPayment') {
        return { jsonrpc: '2.0', id: request.id, error: bridgeErrorObject('user_cancelled', 'Closed.') };
      }
      if (request.method === 'ui.setTitle') {
        return { jsonrpc: '2.0', id: request.id, error: bridgeErrorObject('order_expired', 'Too late.') };
      }
      return { jsonrpc: '2.0', id: request.id, error: bridgeErrorObject('unsupported', 'No.') };
    });
    const client = new RpcClient(host.port);
    open.push(client);
    const cancelled = await errorOf(client.call('pay.requestPayment', { paymentToken: 'pt' }));
    expect([cancelled.code, cancelled.rpcCode, cancelled.message]).toEqual([
      'user_cancelled',
      -32002,
      'Closed.',
    ]);
    const server = await errorOf(client.call('ui.setTitle', { title: 'x' }));
    expect([server.code, server.rpcCode]).toEqual(['order_expired', -32000]);
    const unsupported = await errorOf(client.call('device.scanQR', {}));
    expect([unsupported.code, unsupported.rpcCode]).toEqual(['unsupported', -32601]);
  });

  it('names an error without data.code from its JSON-RPC code', async () => {
    const host = rawHost((request) => ({
      jsonrpc: '2.0',
      id: request.id,
      error: { code: request.method === 'ui.setTitle' ? -32602 : -32099, message: 'Bare.' },
    }));
    const client = new RpcClient(host.port);
    open.push(client);
    expect((await errorOf(client.call('ui.setTitle', { title: 'x' }))).code).toBe('invalid_params');
    expect((await errorOf(client.call('device.scanQR', {}))).code).toBe('internal');
  });

  it('ignores answers with unknown ids and messages that are not JSON-RPC', async () => {
    const host = rawHost((request) => {
      host.hostPort.postMessage({ jsonrpc: '2.0', id: 999, result: { value: 'stray' } });
      host.hostPort.postMessage({ id: request.id, result: { value: 'no jsonrpc field' } });
      host.hostPort.postMessage('garbage');
      return { jsonrpc: '2.0', id: request.id, result: { value: 'real' } };
    });
    const client = new RpcClient(host.port);
    open.push(client);
    expect(await client.call('storage.get', { key: 'k' })).toEqual({ value: 'real' });
  });

  it('times out a call with no answer; interactive calls get the longer timeout', async () => {
    vi.useFakeTimers();
    const host = rawHost(() => undefined);
    const client = new RpcClient(host.port, { callTimeoutMs: 1_000, interactiveTimeoutMs: 5_000 });
    open.push(client);
    const quick = errorOf(client.call('ui.setTitle', { title: 't' }));
    const payment = client.call('pay.requestPayment', { paymentToken: 'pt' });
    let paymentSettled = false;
    payment
      .catch(() => {})
      .finally(() => {
        paymentSettled = true;
      });
    await vi.advanceTimersByTimeAsync(1_000);
    expect((await quick).code).toBe('timeout');
    expect(paymentSettled).toBe(false);
    await vi.advanceTimersByTimeAsync(4_000);
    expect((await errorOf(payment)).code).toBe('timeout');
  });

  it('fails waiting calls with disconnected when closed, and refuses new ones', async () => {
    const host = rawHost(() => undefined);
    const client = new RpcClient(host.port);
    const waiting = errorOf(client.call('storage.get', { key: 'k' }));
    client.close();
    expect((await waiting).code).toBe('disconnected');
    expect((await errorOf(client.call('storage.get', { key: 'k' }))).code).toBe('disconnected');
  });

  it('refuses params that cannot be cloned, without sending anything', async () => {
    const host = rawHost(() => undefined);
    const client = new RpcClient(host.port);
    open.push(client);
    const error = await errorOf(client.call('storage.set', { key: 'k', value: (() => 1) as never }));
    expect(error.code).toBe('invalid_params');
  });
});
