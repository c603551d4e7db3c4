/**
 * bench/messaging: messages through the real server and WebSocket, over loopback.
 *
 *   npm run bench:messaging [-- --pairs 20 --flood-seconds 10 --users 1000 --rate 1000 --rate-seconds 20 --via ws]
 *
 * The server runs as its own process (`jiaozi serve` on a fresh Postgres database); this
 * process is the load: users signed up and befriended over HTTP, every user connected to
 * /v1/ws. Messages are sent as `messages.send` calls over each sender's socket (`--via
 * http`: POST /v1/conversations/{id}/messages instead).
 * 1. 1:1 flood: `pairs` senders send as fast as the server answers (8 in flight each);
 *    prints delivered messages/s and send→receive latency.
 * 2. Offered load: `rate` messages/s spread over `users` connected users (half send to
 *    the other half) for `rate-seconds`; prints delivered/s and latency p50/p99.
 */
import type { ServerFrame } from '@jiaozi/protocol';
import { WebSocket } from 'ws';
import { newId } from '../../packages/server/src/kernel/ids.js';
import { callServer, serverEnv, startServer } from '../../packages/server/src/test/processes.js';
import {
  arg,
  cpuSecondsBetween,
  dropDatabase,
  percentile,
  pool,
  postgresCpuSnapshot,
  processCpuSeconds,
  recreateDatabase,
} from '../common.js';

const pairs = arg('pairs', 20);
const floodSeconds = arg('flood-seconds', 10);
const users = arg('users', 1000);
const rate = arg('rate', 1000);
const rateSeconds = arg('rate-seconds', 20);
const via = process.argv.includes('http') ? 'http' : 'ws';
const port = 18_500 + Math.floor(Math.random() * 400);

interface User {
  id: string;
  token: string;
}

function call(method: string, path: string, token: string | null, body?: unknown) {
  return callServer(port, method, path, token, body);
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

/** A connected user: records the latency of every chat message it receives, and makes calls. */
class Client {
  readonly #pending = new Map<string, (ok: boolean) => void>();
  #refs = 0;

  private constructor(
    readonly user: User,
    readonly socket: WebSocket,
  ) {}

  static async connect(user: User, latencies: number[] | null): Promise<Client> {
    const socket = new WebSocket(`ws://127.0.0.1:${port}/v1/ws`);
    await new Promise((r, j) => {
      socket.once('open', r);
      socket.once('error', j);
    });
    const client = new Client(user, socket);
    await new Promise<void>((ready) => {
      socket.on('message', (data) => {
        const frame = JSON.parse(data.toString()) as ServerFrame;
        if (frame.type === 'ready') ready();
        if (frame.type === 'result') {
          client.#pending.get(frame.ref)?.('result' in frame);
          client.#pending.delete(frame.ref);
        }
        if (frame.type !== 'updates' || latencies === null) return;
        const now = nowMs();
        for (const u of frame.updates) {
          if (u.topic !== 'chat.message') continue;
          const message = (u.payload as { message?: { text?: string; senderId?: string } }).message;
          if (message?.senderId === user.id) continue;
          const sentAt = Number(String(message?.text ?? '').split(' ')[0]);
          if (Number.isFinite(sentAt) && sentAt > 0) latencies.push(now - sentAt);
        }
      });
      socket.send(JSON.stringify({ type: 'auth', token: user.token, pts: null }));
    });
    return client;
  }

  /** Sends a text message; true when the server accepted it. */
  async send(conversationId: string, text: string): Promise<boolean> {
    if (via === 'http') {
      const res = await call('POST', `/v1/conversations/${conversationId}/messages`, this.user.token, {
        id: newId(),
        text,
      });
      return res.status === 201;
    }
    const ref = String(++this.#refs);
    return new Promise<boolean>((resolve) => {
      this.#pending.set(ref, resolve);
      this.socket.send(
        JSON.stringify({
          type: 'call',
          ref,
          method: 'messages.send',
          params: { conversationId, id: newId(), text },
        }),
      );
    });
  }
}

/** CPU used from now until `done()`, per delivered message, by the server, this process and Postgres. */
function cpuMeter(serverPid: number, database: string) {
  const server = processCpuSeconds(serverPid);
  const postgres = postgresCpuSnapshot(database);
  const self = process.cpuUsage();
  return (delivered: number): string => {
    const us = (seconds: number) => ((seconds * 1e6) / Math.max(1, delivered)).toFixed(0);
    const own = process.cpuUsage(self);
    return (
      `CPU per delivered message: server ${us(processCpuSeconds(serverPid) - server)} µs, ` +
      `Postgres ${us(cpuSecondsBetween(postgres, postgresCpuSnapshot(database)))} µs, load generator ${us((own.user + own.system) / 1e6)} µs`
    );
  };
}

function nowMs(): number {
  return performance.now() + performance.timeOrigin;
}

async function main(): Promise<void> {
  const dbName = 'jiaozi_bench_messaging';
  const url = await recreateDatabase(dbName);
  // BENCH_SERVER_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof", profiles the server.
  const nodeArgs = process.env.BENCH_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const server = await startServer(port, serverEnv(port, { DATABASE_URL: url, DB_POOL_MAX: '20' }), nodeArgs);
  try {
    console.log(`bench/messaging: server process on :${port}, Postgres, no Redis; sending via ${via}`);
    // 1:1 flood.
    const floodSenders = await signUp(pairs, 'fs');
    const floodReceivers = await signUp(pairs, 'fr');
    const floodConversations = await pairUp(floodSenders, floodReceivers);
    const floodLatencies: number[] = [];
    const floodSockets = await Promise.all(floodReceivers.map((u) => Client.connect(u, floodLatencies)));
    const floodClients = await Promise.all(floodSenders.map((u) => Client.connect(u, null)));
    let sent = 0;
    const floodCpu = cpuMeter(server.pid as number, dbName);
    const deadline = performance.now() + floodSeconds * 1000;
    const started = performance.now();
    await Promise.all(
      floodClients.flatMap((c, i) =>
        Array.from({ length: 8 }, async () => {
          while (performance.now() < deadline) {
            if (await c.send(floodConversations[i] as string, `${nowMs()} flood`)) sent++;
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
    console.log(`  ${floodCpu(floodLatencies.length)}`);
    for (const c of [...floodSockets, ...floodClients]) c.socket.terminate();

    // Offered load over many connected users.
    const half = Math.floor(users / 2);
    const senders = await signUp(half, 'rs');
    const receivers = await signUp(half, 'rr');
    const conversations = await pairUp(senders, receivers);
    const latencies: number[] = [];
    const sockets = await Promise.all(receivers.map((u) => Client.connect(u, latencies)));
    const clients = await Promise.all(senders.map((u) => Client.connect(u, null)));
    const total = rate * rateSeconds;
    const loadCpu = cpuMeter(server.pid as number, dbName);
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
      const p = (clients[i] as Client).send(conversations[i] as string, `${nowMs()} load`).then((ok) => {
        if (ok) accepted++;
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
    console.log(`  ${loadCpu(latencies.length)}`);
    for (const c of [...sockets, ...clients]) c.socket.terminate();
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
