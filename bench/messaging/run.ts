/**
 * bench/messaging: messages through the real server and WebSocket, over loopback.
 *
 *   npm run bench:messaging [-- --pairs 20 --flood-seconds 10 --users 1000 --rate 1000 --rate-seconds 20]
 *
 * The server runs as its own process (`jiaozi serve` on a fresh Postgres database); this
 * process is the load: users signed up and befriended over HTTP, each receiver connected
 * to /v1/ws.
 * 1. 1:1 flood: `pairs` senders send as fast as the server answers (8 in flight each);
 *    prints delivered messages/s and send→receive latency.
 * 2. Offered load: `rate` messages/s spread over `users` connected users (half send to
 *    the other half) for `rate-seconds`; prints delivered/s and latency p50/p99.
 */
import type { ServerFrame } from '@jiaozi/protocol';
import { WebSocket } from 'ws';
import { newId } from '../../packages/server/src/kernel/ids.js';
import { callServer, serverEnv, startServer } from '../../packages/server/src/test/processes.js';
import { arg, dropDatabase, percentile, recreateDatabase } from '../common.js';

const pairs = arg('pairs', 20);
const floodSeconds = arg('flood-seconds', 10);
const users = arg('users', 1000);
const rate = arg('rate', 1000);
const rateSeconds = arg('rate-seconds', 20);
const port = 18_500 + Math.floor(Math.random() * 400);

interface User {
  id: string;
  token: string;
}

async function call(method: string, path: string, token: string | null, body?: unknown) {
  // A kept-alive socket the server has just closed fails once; a second attempt opens a new one.
  for (let attempt = 0; ; attempt++) {
    try {
      return await callServer(port, method, path, token, body);
    } catch (error) {
      if (attempt >= 2) throw error;
    }
  }
}

async function pool<T>(items: readonly T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await fn(items[next++] as T);
    }),
  );
}

async function signUp(n: number, prefix: string): Promise<User[]> {
  const out: User[] = new Array(n);
  await pool(
    Array.from({ length: n }, (_, i) => i),
    32,
    async (i) => {
      const res = await call('POST', '/v1/auth/signup', null, {
        username: `${prefix}${i}`,
        password: 'bench-password',
      });
      if (res.status !== 201) throw new Error(`signup ${res.status}`);
      out[i] = {
        id: String((res.json?.user as { id: string } | undefined)?.id),
        token: String(res.json?.token),
      };
    },
  );
  return out;
}

/** Befriends each sender with its receiver and opens their conversation. */
async function pairUp(senders: User[], receivers: User[]): Promise<string[]> {
  const conversations: string[] = new Array(senders.length);
  await pool(
    senders.map((_, i) => i),
    32,
    async (i) => {
      const s = senders[i] as User;
      const r = receivers[i] as User;
      const req = await call('POST', '/v1/friend-requests', s.token, {
        id: newId(),
        to: { userId: r.id },
        message: 'bench',
      });
      await call('POST', `/v1/friend-requests/${req.json?.id}/accept`, r.token);
      const conv = await call('POST', '/v1/conversations/direct', s.token, { userId: r.id });
      conversations[i] = String(conv.json?.id);
    },
  );
  return conversations;
}

/** Connects a receiver and records the latency of every chat message it gets. */
async function listen(user: User, latencies: number[]): Promise<WebSocket> {
  const socket = new WebSocket(`ws://127.0.0.1:${port}/v1/ws`);
  await new Promise((r, j) => {
    socket.once('open', r);
    socket.once('error', j);
  });
  await new Promise<void>((ready) => {
    socket.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as ServerFrame;
      if (frame.type === 'ready') ready();
      if (frame.type !== 'updates') return;
      const now = performance.now() + performance.timeOrigin;
      for (const u of frame.updates) {
        if (u.topic !== 'chat.message') continue;
        const text = String((u.payload as { message?: { text?: string } }).message?.text ?? '');
        const sentAt = Number(text.split(' ')[0]);
        if (Number.isFinite(sentAt) && sentAt > 0) latencies.push(now - sentAt);
      }
    });
    socket.send(JSON.stringify({ type: 'auth', token: user.token, pts: null }));
  });
  return socket;
}

function nowMs(): number {
  return performance.now() + performance.timeOrigin;
}

async function main(): Promise<void> {
  const dbName = 'jiaozi_bench_messaging';
  const url = await recreateDatabase(dbName);
  const server = await startServer(port, serverEnv(port, { DATABASE_URL: url, DB_POOL_MAX: '20' }));
  try {
    console.log(`bench/messaging: server process on :${port}, Postgres, no Redis`);
    // 1:1 flood.
    const floodSenders = await signUp(pairs, 'fs');
    const floodReceivers = await signUp(pairs, 'fr');
    const floodConversations = await pairUp(floodSenders, floodReceivers);
    const floodLatencies: number[] = [];
    const floodSockets = await Promise.all(floodReceivers.map((u) => listen(u, floodLatencies)));
    let sent = 0;
    const deadline = performance.now() + floodSeconds * 1000;
    const started = performance.now();
    await Promise.all(
      floodSenders.flatMap((s, i) =>
        Array.from({ length: 8 }, async () => {
          while (performance.now() < deadline) {
            const res = await call('POST', `/v1/conversations/${floodConversations[i]}/messages`, s.token, {
              id: newId(),
              text: `${nowMs()} flood`,
            });
            if (res.status === 201) sent++;
          }
        }),
      ),
    );
    await new Promise((r) => setTimeout(r, 1500));
    const floodElapsed = (performance.now() - started) / 1000;
    floodLatencies.sort((a, b) => a - b);
    console.log(
      `1:1 flood (${pairs} pairs, 8 in flight each, ${floodSeconds} s): sent ${sent}, delivered ${floodLatencies.length} → ` +
        `${(floodLatencies.length / floodElapsed).toFixed(0)} delivered msg/s, latency p50 ${percentile(floodLatencies, 50).toFixed(1)} ms, ` +
        `p99 ${percentile(floodLatencies, 99).toFixed(1)} ms`,
    );
    for (const s of floodSockets) s.terminate();

    // Offered load over many connected users.
    const half = Math.floor(users / 2);
    const senders = await signUp(half, 'rs');
    const receivers = await signUp(half, 'rr');
    const conversations = await pairUp(senders, receivers);
    const latencies: number[] = [];
    const sockets = await Promise.all(receivers.map((u) => listen(u, latencies)));
    const total = rate * rateSeconds;
    const t0 = performance.now();
    let offered = 0;
    let accepted = 0;
    const inflight = new Set<Promise<void>>();
    while (offered < total) {
      const due = t0 + (offered / rate) * 1000;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      const i = offered % half;
      offered++;
      const p = call('POST', `/v1/conversations/${conversations[i]}/messages`, (senders[i] as User).token, {
        id: newId(),
        text: `${nowMs()} load`,
      }).then((res) => {
        if (res.status === 201) accepted++;
      });
      inflight.add(p);
      void p.finally(() => inflight.delete(p));
    }
    await Promise.all(inflight);
    await new Promise((r) => setTimeout(r, 2000));
    latencies.sort((a, b) => a - b);
    console.log(
      `offered ${rate} msg/s to ${users} connected users for ${rateSeconds} s: accepted ${accepted}/${total}, delivered ${latencies.length}, ` +
        `latency p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms`,
    );
    for (const s of sockets) s.terminate();
  } finally {
    server.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    await dropDatabase(dbName);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
