import type { Update } from '@jiaozi/protocol';
import { WS_CLOSE } from '@jiaozi/protocol';
import { describe, expect, it } from 'vitest';
import { RealtimeConnection, SocketCallFailed, type SocketLike, SocketUnavailable } from './connection.js';

class FakeSocket implements SocketLike {
  readyState = 1;
  sent: unknown[] = [];
  closed: number | null = null;
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  send(data: string): void {
    this.sent.push(JSON.parse(data));
  }
  close(code = 1000): void {
    this.closed = code;
  }
  frame(f: unknown): void {
    this.onmessage?.({ data: JSON.stringify(f) });
  }
}

function update(pts: number): Update {
  return { pts, topic: 'wallet.payment_received', payload: {}, at: '2026-11-26T00:00:00.000Z' };
}

function harness(startPts: number | null) {
  const sockets: FakeSocket[] = [];
  const timers: { fn: () => void; ms: number }[] = [];
  const applied: number[] = [];
  const saved: number[] = [];
  let resyncs = 0;
  let unauthenticated = 0;
  const c = new RealtimeConnection({
    url: 'ws://x/v1/ws',
    token: 'jz_t',
    loadPts: () => startPts,
    savePts: (p) => saved.push(p),
    onUpdates: (us) => applied.push(...us.map((u) => u.pts)),
    onResync: () => {
      resyncs++;
    },
    onUnauthenticated: () => {
      unauthenticated++;
    },
    createSocket: () => {
      const s = new FakeSocket();
      sockets.push(s);
      return s;
    },
    setTimer: (fn, ms) => {
      timers.push({ fn, ms });
      return timers.length;
    },
    clearTimer: () => undefined,
  });
  return {
    c,
    sockets,
    timers,
    applied,
    saved,
    resyncs: () => resyncs,
    unauthenticated: () => unauthenticated,
  };
}

describe('RealtimeConnection', () => {
  it('authenticates with its pts, applies the difference, then live updates, never twice', () => {
    const h = harness(5);
    h.c.start();
    const s = h.sockets[0] as FakeSocket;
    s.onopen?.({});
    expect(s.sent[0]).toEqual({ type: 'auth', token: 'jz_t', pts: 5 });
    s.frame({ type: 'difference', updates: [update(6), update(7)], pts: 7, final: true });
    s.frame({ type: 'ready', userId: 'u', pts: 7 });
    s.frame({ type: 'updates', updates: [update(7), update(8)], pts: 8 });
    expect(h.applied).toEqual([6, 7, 8]);
    expect(h.c.pts).toBe(8);
    expect(h.saved.at(-1)).toBe(8);
  });

  it('reconnects after a drop and resumes from the last applied pts', () => {
    const h = harness(null);
    h.c.start();
    const first = h.sockets[0] as FakeSocket;
    first.onopen?.({});
    first.frame({ type: 'difference', updates: [], pts: 40, final: true });
    first.frame({ type: 'ready', userId: 'u', pts: 40 });
    first.frame({ type: 'updates', updates: [update(41)], pts: 41 });
    first.onclose?.({ code: 1006 });
    const retry = h.timers.find((t) => t.ms === 500);
    expect(retry).toBeDefined();
    retry?.fn();
    const second = h.sockets[1] as FakeSocket;
    second.onopen?.({});
    expect(second.sent[0]).toEqual({ type: 'auth', token: 'jz_t', pts: 41 });
  });

  it('resyncs when too far behind, and stops for good when the session is gone', () => {
    const h = harness(1);
    h.c.start();
    const s = h.sockets[0] as FakeSocket;
    s.onopen?.({});
    s.frame({ type: 'too_long', pts: 5000 });
    expect(h.resyncs()).toBe(1);
    expect(h.c.pts).toBe(5000);
    s.onclose?.({ code: WS_CLOSE.unauthenticated });
    expect(h.unauthenticated()).toBe(1);
    expect(h.sockets).toHaveLength(1);
  });

  it('passes typing frames on, and says it is typing only while connected', () => {
    const seen: unknown[] = [];
    const sockets: FakeSocket[] = [];
    const c = new RealtimeConnection({
      url: 'ws://x/v1/ws',
      token: 'jz_t',
      loadPts: () => null,
      savePts: () => undefined,
      onUpdates: () => undefined,
      onResync: () => undefined,
      onUnauthenticated: () => undefined,
      onTyping: (typing) => seen.push(typing),
      createSocket: () => {
        const s = new FakeSocket();
        sockets.push(s);
        return s;
      },
      setTimer: () => 0,
      clearTimer: () => undefined,
    });
    c.sendTyping('c1');
    c.start();
    const s = sockets[0] as FakeSocket;
    s.onopen?.({});
    c.sendTyping('c1');
    expect(s.sent).toEqual([
      { type: 'auth', token: 'jz_t', pts: null },
      { type: 'typing', conversationId: 'c1' },
    ]);
    s.frame({ type: 'typing', conversationId: 'c1', userId: 'u2', until: '2026-11-26T00:00:06.000Z' });
    expect(seen).toEqual([{ conversationId: 'c1', userId: 'u2', until: '2026-11-26T00:00:06.000Z' }]);
  });

  it('makes calls once ready, answers them by ref, and gives up on them when the socket drops', async () => {
    const h = harness(null);
    h.c.start();
    const s = h.sockets[0] as FakeSocket;
    s.onopen?.({});
    const params = { conversationId: 'c', id: 'i', text: 'hi' };
    await expect(h.c.call('messages.send', params)).rejects.toBeInstanceOf(SocketUnavailable);
    s.frame({ type: 'ready', userId: 'u', pts: 0 });

    const ok = h.c.call('messages.send', params);
    const refused = h.c.call('messages.send', { ...params, id: 'j' });
    expect(s.sent.slice(-2)).toEqual([
      { type: 'call', ref: '1', method: 'messages.send', params },
      { type: 'call', ref: '2', method: 'messages.send', params: { ...params, id: 'j' } },
    ]);
    s.frame({ type: 'result', ref: '2', error: { code: 'not_found', message: 'No such conversation.' } });
    s.frame({ type: 'result', ref: '1', result: { created: true, message: { seq: 1 } } });
    await expect(ok).resolves.toEqual({ created: true, message: { seq: 1 } });
    const failure = await refused.catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(SocketCallFailed);
    expect((failure as SocketCallFailed).error.code).toBe('not_found');

    const dropped = h.c.call('messages.send', params);
    const late = h.c.call('messages.send', params);
    const timer = h.timers.at(-1) as { fn: () => void; ms: number };
    expect(timer.ms).toBe(10_000);
    timer.fn();
    await expect(late).rejects.toBeInstanceOf(SocketUnavailable);
    s.onclose?.({ code: 1006 });
    await expect(dropped).rejects.toBeInstanceOf(SocketUnavailable);
    await expect(h.c.call('messages.send', params)).rejects.toBeInstanceOf(SocketUnavailable);
  });
});
