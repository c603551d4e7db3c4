import type { AddressInfo } from 'node:net';
import type { ServerFrame } from '@jiaozi/protocol';
import { WS_CLOSE } from '@jiaozi/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { newId } from '../kernel/ids.js';
import { messagesPerUserPerMinuteMax } from '../kernel/limits.js';
import { outboxFor, writeOutbox } from '../platform/outbox/outbox.js';
import { createTestApp, signupClient, type TestApp } from '../test/app.js';

/** A test client of /v1/ws that records every frame and how the socket closed. */
class Client {
  readonly frames: ServerFrame[] = [];
  closed: { code: number; reason: string } | null = null;
  readonly socket: WebSocket;
  readonly opened: Promise<void>;

  constructor(url: string) {
    this.socket = new WebSocket(url);
    this.opened = new Promise((resolve, reject) => {
      this.socket.once('open', () => resolve());
      this.socket.once('error', reject);
    });
    this.socket.on('message', (data) => this.frames.push(JSON.parse(data.toString()) as ServerFrame));
    this.socket.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
    });
  }

  send(frame: unknown): void {
    this.socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  async until<T>(check: () => T | undefined | false, timeoutMs = 3000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = check();
      if (value) return value;
      if (Date.now() > deadline)
        throw new Error(`timed out; frames: ${JSON.stringify(this.frames).slice(0, 500)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  updates(): { pts: number; topic: string }[] {
    return this.frames.flatMap((f) => (f.type === 'updates' || f.type === 'difference' ? f.updates : []));
  }
}

describe('realtime over /v1/ws', () => {
  let t: TestApp;
  let url: string;
  const clients: Client[] = [];

  beforeAll(async () => {
    t = await createTestApp();
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    url = `ws://127.0.0.1:${(t.app.server.address() as AddressInfo).port}/v1/ws`;
  });
  afterAll(async () => {
    for (const c of clients) c.socket.terminate();
    await t?.shutdown();
  });

  async function connect(token: string, pts: number | null): Promise<Client> {
    const c = new Client(url);
    clients.push(c);
    await c.opened;
    c.send({ type: 'auth', token, pts });
    await c.until(() => c.frames.find((f) => f.type === 'ready'));
    return c;
  }

  async function append(userId: string, n: number, topic = 'test.event'): Promise<void> {
    const events = Array.from({ length: n }, (_, i) => ({ topic, audience: [userId], payload: { i } }));
    await writeOutbox(t.database.db, events, new Date());
    t.services.bus.announce([userId]);
  }

  it('catches up from a pts in pages, then delivers live updates to every device', async () => {
    const u = await signupClient(t.app);
    await append(u.userId, 250);
    const phone = await connect(u.token, 0);
    const pages = phone.frames.filter((f) => f.type === 'difference');
    expect(pages.map((p) => (p.type === 'difference' ? [p.updates.length, p.final] : null))).toEqual([
      [100, false],
      [100, false],
      [50, true],
    ]);
    expect(phone.updates().map((x) => x.pts)).toEqual(Array.from({ length: 250 }, (_, i) => i + 1));
    expect(phone.frames.at(-1)).toEqual({ type: 'ready', userId: u.userId, pts: 250 });

    const laptop = await connect(u.token, null);
    expect(laptop.frames).toEqual([
      { type: 'difference', updates: [], pts: 250, final: true },
      { type: 'ready', userId: u.userId, pts: 250 },
    ]);
    await append(u.userId, 3, 'live.event');
    for (const device of [phone, laptop]) {
      await device.until(() => device.updates().filter((x) => x.topic === 'live.event').length === 3);
      expect(
        device
          .updates()
          .slice(-3)
          .map((x) => x.pts),
      ).toEqual([251, 252, 253]);
    }
  });

  it('applying the log equals the stored log (no gap, no duplicate)', async () => {
    const u = await signupClient(t.app);
    const c = await connect(u.token, 0);
    await Promise.all([append(u.userId, 40), append(u.userId, 35), append(u.userId, 25)]);
    await c.until(() => c.updates().length >= 100);
    const stored = await outboxFor(t.database.db, u.userId);
    expect(c.updates().map((x) => x.pts)).toEqual(stored.map((r) => Number(r.pts)));
  });

  it('tells a client far behind to refetch its snapshot', async () => {
    const u = await signupClient(t.app);
    await append(u.userId, 5_005);
    const c = await connect(u.token, 2);
    expect(c.frames[0]).toEqual({ type: 'too_long', pts: 5_005 });
    expect(c.frames.at(-1)).toEqual({ type: 'ready', userId: u.userId, pts: 5_005 });
  });

  it('wakes sockets from the log even when nobody announces', async () => {
    const u = await signupClient(t.app);
    const c = await connect(u.token, null);
    await writeOutbox(
      t.database.db,
      [{ topic: 'quiet.event', audience: [u.userId], payload: {} }],
      new Date(),
    );
    await c.until(() => c.updates().some((x) => x.topic === 'quiet.event'), 3000);
  });

  it('sends announced updates as they come, and reads the log after a gap', async () => {
    const u = await signupClient(t.app);
    const c = await connect(u.token, null);
    const events = [1, 2, 3].map((i) => ({ topic: 'pushed.event', audience: [u.userId], payload: { i } }));
    const written = await writeOutbox(t.database.db, events, new Date());
    expect(written.map((w) => [Number(w.pts), w.payloadJson])).toEqual([
      [1, '{"i":1}'],
      [2, '{"i":2}'],
      [3, '{"i":3}'],
    ]);
    // The last two announced first (out of order): the socket must not skip the first.
    t.services.bus.announce([u.userId], written.slice(1));
    t.services.bus.announce([u.userId], written.slice(0, 1));
    await c.until(() => c.updates().length >= 3);
    await new Promise((r) => setTimeout(r, 100));
    expect(c.updates().map((x) => [x.pts, (x as unknown as { payload: { i: number } }).payload.i])).toEqual([
      [1, 1],
      [2, 2],
      [3, 3],
    ]);
    // In order: straight to the socket, payload and time as written.
    const more = await writeOutbox(
      t.database.db,
      [{ ...events[0], topic: 'next.event' } as never],
      new Date(),
    );
    t.services.bus.announce([u.userId], more);
    await c.until(() => c.updates().length === 4);
    const last = c.frames.at(-1);
    expect(last).toEqual({
      type: 'updates',
      updates: [{ pts: 4, topic: 'next.event', payload: { i: 1 }, at: more[0]?.at }],
      pts: 4,
    });
  });

  it('takes messages.send calls over the socket, with the answers of the HTTP route', async () => {
    const a = await signupClient(t.app);
    const b = await signupClient(t.app);
    const req = await a.request('POST', '/v1/friend-requests', { id: newId(), to: { userId: b.userId } });
    expect((await b.request('POST', `/v1/friend-requests/${req.json().id}/accept`)).statusCode).toBe(200);
    const conv = (await a.request('POST', '/v1/conversations/direct', { userId: b.userId })).json() as {
      id: string;
    };
    const sa = await connect(a.token, null);
    const sb = await connect(b.token, null);
    const result = async (ref: string) =>
      sa.until(() => sa.frames.find((f) => f.type === 'result' && f.ref === ref)) as Promise<
        Extract<ServerFrame, { type: 'result' }>
      >;
    const id = newId();
    const params = { conversationId: conv.id, id, text: 'over the socket' };
    sa.send({ type: 'call', ref: 'r1', method: 'messages.send', params });
    const first = (await result('r1')) as {
      result: { message: { seq: number; text: string }; created: boolean };
    };
    expect(first.result.created).toBe(true);
    expect(first.result.message).toMatchObject({ seq: 1, text: 'over the socket', senderId: a.userId });
    await sb.until(() => sb.updates().some((x) => x.topic === 'chat.message'));
    await sa.until(() => sa.updates().some((x) => x.topic === 'chat.message'));

    sa.send({ type: 'call', ref: 'r2', method: 'messages.send', params });
    const again = (await result('r2')) as { result: { message: { seq: number }; created: boolean } };
    expect(again.result).toMatchObject({ created: false, message: { seq: 1 } });

    sa.send({ type: 'call', ref: 'r3', method: 'messages.send', params: { ...params, text: 'else' } });
    expect(await result('r3')).toMatchObject({ error: { code: 'idempotency_conflict', requestId: 'r3' } });

    sa.send({
      type: 'call',
      ref: 'r4',
      method: 'messages.send',
      params: { conversationId: conv.id, id: newId() },
    });
    expect(await result('r4')).toMatchObject({
      error: { code: 'invalid_request', details: { path: '/params/text' } },
    });

    const stranger = await signupClient(t.app);
    const ss = await connect(stranger.token, null);
    ss.send({ type: 'call', ref: 'r5', method: 'messages.send', params: { ...params, id: newId() } });
    expect(await ss.until(() => ss.frames.find((f) => f.type === 'result'))).toMatchObject({
      ref: 'r5',
      error: { code: 'not_found' },
    });

    sa.send({ type: 'call', ref: 'r6', method: 'messages.delete_everything', params: {} });
    expect(await result('r6')).toMatchObject({
      error: { code: 'invalid_request', details: { path: '/method' } },
    });

    const history = (await b.request('GET', `/v1/conversations/${conv.id}/messages`)).json() as {
      messages: { text: string }[];
    };
    expect(history.messages.map((m) => m.text)).toEqual(['over the socket']);

    const early = new Client(url);
    clients.push(early);
    await early.opened;
    early.send({ type: 'call', ref: 'x', method: 'messages.send', params });
    await early.until(() => early.closed);
    expect(early.closed?.code).toBe(WS_CLOSE.malformedFrame);
  });

  it('counts socket sends and HTTP sends in one flood limit', async () => {
    const a = await signupClient(t.app);
    const b = await signupClient(t.app);
    const req = await a.request('POST', '/v1/friend-requests', { id: newId(), to: { userId: b.userId } });
    expect((await b.request('POST', `/v1/friend-requests/${req.json().id}/accept`)).statusCode).toBe(200);
    const conv = (await a.request('POST', '/v1/conversations/direct', { userId: b.userId })).json() as {
      id: string;
    };
    const half = messagesPerUserPerMinuteMax / 2;
    for (let i = 0; i < half; i++) {
      const res = await a.request('POST', `/v1/conversations/${conv.id}/messages`, {
        id: newId(),
        text: `h${i}`,
      });
      expect(res.statusCode).toBe(201);
    }
    const sa = await connect(a.token, null);
    // Sent together: one burst, checked one at a time.
    for (let i = 0; i <= half; i++) {
      sa.send({
        type: 'call',
        ref: `f${i}`,
        method: 'messages.send',
        params: { conversationId: conv.id, id: newId(), text: `s${i}` },
      });
    }
    await sa.until(() => sa.frames.filter((f) => f.type === 'result').length === half + 1, 5000);
    const results = sa.frames.flatMap((f) => (f.type === 'result' ? [f] : []));
    expect(results.filter((r) => 'result' in r)).toHaveLength(half);
    const refused = results.filter((r) => 'error' in r);
    expect(refused).toHaveLength(1);
    // The last of the burst, with when to try again.
    expect(refused[0]).toMatchObject({ ref: `f${half}`, error: { code: 'rate_limited' } });
    const error = (refused[0] as { error: { details?: Record<string, unknown> } }).error;
    expect(Number(error.details?.retryAfterSeconds)).toBeGreaterThan(0);
  });

  it('delivers what a real change writes, as it commits: a friend request', async () => {
    const a = await signupClient(t.app);
    const b = await signupClient(t.app);
    const c = await connect(b.token, null);
    // No tail: only the announcement can bring it.
    t.services.realtime.stopTail();
    try {
      const res = await a.request('POST', '/v1/friend-requests', {
        id: '01a21600-0000-7000-8000-000000000001',
        to: { userId: b.userId },
        message: 'hello',
      });
      expect(res.statusCode, res.body).toBe(201);
      await c.until(() => c.updates().some((x) => x.topic === 'social.friend_request'), 1000);
    } finally {
      t.services.realtime.startTail();
    }
  });

  it('relays typing to the other members only, never logged, at most every two seconds', async () => {
    const a = await signupClient(t.app);
    const b = await signupClient(t.app);
    const outsider = await signupClient(t.app);
    const req = await a.request('POST', '/v1/friend-requests', {
      id: '01a21600-0000-7000-8000-0000000000a1',
      to: { userId: b.userId },
      message: 'hi',
    });
    expect((await b.request('POST', `/v1/friend-requests/${req.json().id}/accept`)).statusCode).toBe(200);
    const conv = await a.request('POST', '/v1/conversations/direct', { userId: b.userId });
    expect(conv.statusCode, conv.body).toBeLessThan(300);
    const conversationId = (conv.json() as { id: string }).id;
    const ca = await connect(a.token, null);
    const cb = await connect(b.token, null);
    const co = await connect(outsider.token, null);
    const before = (await outboxFor(t.database.db, b.userId)).length;

    ca.send({ type: 'typing', conversationId });
    ca.send({ type: 'typing', conversationId });
    co.send({ type: 'typing', conversationId });
    await cb.until(() => cb.frames.find((f) => f.type === 'typing'));
    await new Promise((r) => setTimeout(r, 200));
    const typing = cb.frames.filter((f) => f.type === 'typing');
    expect(typing).toHaveLength(1);
    expect(typing[0]).toMatchObject({ type: 'typing', conversationId, userId: a.userId });
    expect(ca.frames.some((f) => f.type === 'typing')).toBe(false);
    expect(co.closed).toBeNull();
    expect((await outboxFor(t.database.db, b.userId)).length).toBe(before);
  });

  it('drops a client that reads too slowly instead of buffering without bound', async () => {
    const u = await signupClient(t.app);
    const big = 'x'.repeat(8 * 1024);
    await writeOutbox(
      t.database.db,
      Array.from({ length: 900 }, (_, i) => ({
        topic: 'bulk.event',
        audience: [u.userId],
        payload: { i, big },
      })),
      new Date(),
    );
    const slow = new Client(url);
    clients.push(slow);
    await slow.opened;
    // Stop reading from the socket, as a stalled phone would.
    (slow.socket as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause();
    slow.send({ type: 'auth', token: u.token, pts: 0 });
    await new Promise((r) => setTimeout(r, 1500));
    (slow.socket as unknown as { _socket: { resume(): void } })._socket.resume();
    await slow.until(() => slow.closed, 5000);
    expect(slow.closed?.code).toBe(WS_CLOSE.tooSlow);
    // It reconnects and catches up from the last pts it applied.
    const applied = slow.updates().at(-1)?.pts ?? 0;
    const again = await connect(u.token, applied);
    await again.until(
      () => (again.updates().at(-1)?.pts ?? applied) === 900 || again.frames.some((f) => f.type === 'ready'),
    );
    expect(again.closed).toBeNull();
  });

  it('shows friends when someone is online and when they were last seen, as they allow', async () => {
    const a = await signupClient(t.app);
    const b = await signupClient(t.app);
    const stranger = await signupClient(t.app);
    const req = await a.request('POST', '/v1/friend-requests', {
      id: '01a21600-0000-7000-8000-0000000000b2',
      to: { userId: b.userId },
      message: 'hi',
    });
    expect((await b.request('POST', `/v1/friend-requests/${req.json().id}/accept`)).statusCode).toBe(200);
    expect((await a.request('GET', `/v1/users/${b.userId}/presence`)).json()).toEqual({
      online: false,
      lastSeenAt: null,
    });
    const socket = await connect(b.token, null);
    const deadline = Date.now() + 3000;
    let presence = (await a.request('GET', `/v1/users/${b.userId}/presence`)).json();
    while (!presence.online && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      presence = (await a.request('GET', `/v1/users/${b.userId}/presence`)).json();
    }
    expect(presence.online).toBe(true);
    expect(Math.abs(Date.parse(presence.lastSeenAt) - Date.now())).toBeLessThan(5000);
    expect((await stranger.request('GET', `/v1/users/${b.userId}/presence`)).statusCode).toBe(404);
    expect((await b.request('PATCH', '/v1/me/privacy', { showLastSeen: false })).statusCode).toBe(200);
    expect((await a.request('GET', `/v1/users/${b.userId}/presence`)).json()).toEqual({
      online: null,
      lastSeenAt: null,
    });
    socket.socket.terminate();
  });

  it('answers pings, and closes with documented codes on bad input', async () => {
    const u = await signupClient(t.app);
    const c = await connect(u.token, null);
    c.send({ type: 'ping', id: 'p1' });
    await c.until(() => c.frames.find((f) => f.type === 'pong'));
    expect(c.frames.find((f) => f.type === 'pong')).toEqual({ type: 'pong', id: 'p1' });

    c.send('not json');
    await c.until(() => c.closed);
    expect(c.closed?.code).toBe(WS_CLOSE.malformedFrame);

    const stranger = new Client(url);
    clients.push(stranger);
    await stranger.opened;
    stranger.send({ type: 'auth', token: 'jz_nope', pts: null });
    await stranger.until(() => stranger.closed);
    expect(stranger.closed?.code).toBe(WS_CLOSE.unauthenticated);

    const extra = new Client(url);
    clients.push(extra);
    await extra.opened;
    extra.send({ type: 'auth', token: u.token, pts: null, admin: true });
    await extra.until(() => extra.closed);
    expect(extra.closed?.code).toBe(WS_CLOSE.malformedFrame);

    // The other connections are unaffected.
    const again = await connect(u.token, null);
    expect(again.closed).toBeNull();
  });
});
