/**
 * bench/connections: idle authenticated WebSocket connections held by one node.
 *
 *   npm run bench:connections [-- --connections 20000 --workers 2 --generators 4 --devices 5 --hold-seconds 30]
 *
 * The node is `jiaozi serve --workers N` (node:cluster, one port, Postgres + Redis), as it
 * would run on a machine with N cores. Users are signed up over HTTP, each signed in on
 * `devices` devices (one session each). The load comes from `generators` child processes,
 * each from its own source address in 127.0.0.0/8 (no process nears the limit of open
 * files): every connection authenticates, gets `ready`, then idles with a ping every 20 s.
 * Prints the connections held, the node's resident memory before and with them, and so per
 * connection, checks that none dropped while held, and that the idle sockets are live: a
 * friend request to 100 of the users reaches every one of their devices.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ServerFrame } from '@jiaozi/protocol';
import { WebSocket } from 'ws';
import { newId } from '../../packages/server/src/kernel/ids.js';
import { callServer, serverEnv, startServer } from '../../packages/server/src/test/processes.js';
import { arg, dropDatabase, pool, recreateDatabase, treeRssBytes } from '../common.js';

interface Job {
  port: number;
  sourceAddress: string;
  tokens: string[];
}

type ChildReport =
  | { type: 'connected'; ok: number; failed: number; ms: number }
  | { type: 'counts'; open: number; closed: number; requests: number };

// ── Load generator (child process) ────────────────────────────────────────────

async function child(): Promise<void> {
  const job = await new Promise<Job>((resolve) => process.once('message', (m) => resolve(m as Job)));
  const sockets: WebSocket[] = [];
  let closed = 0;
  let requests = 0;
  let failed = 0;
  const started = performance.now();
  // Pings from the start: the first sockets would otherwise sit silent while the rest connect.
  const pinger = setInterval(() => {
    for (const s of sockets) if (s.readyState === WebSocket.OPEN) s.send('{"type":"ping"}');
  }, 20_000);
  await pool(job.tokens, 64, async (token) => {
    try {
      const socket = new WebSocket(`ws://127.0.0.1:${job.port}/v1/ws`, { localAddress: job.sourceAddress });
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.once('close', () => reject(new Error('closed before ready')));
        socket.once('open', () => socket.send(JSON.stringify({ type: 'auth', token, pts: null })));
        socket.on('message', (data) => {
          const frame = JSON.parse(data.toString()) as ServerFrame;
          if (frame.type === 'ready') resolve();
          if (frame.type === 'updates') {
            requests += frame.updates.filter((u) => u.topic === 'social.friend_request').length;
          }
        });
      });
      socket.removeAllListeners('close');
      socket.removeAllListeners('error');
      socket.on('error', () => undefined);
      socket.on('close', () => closed++);
      sockets.push(socket);
    } catch {
      failed++;
    }
  });
  const report = (r: ChildReport) => process.send?.(r);
  report({ type: 'connected', ok: sockets.length, failed, ms: performance.now() - started });
  process.on('message', (m) => {
    if (m === 'count') report({ type: 'counts', open: sockets.length - closed, closed, requests });
    if (m === 'stop') {
      clearInterval(pinger);
      for (const s of sockets) s.terminate();
      setTimeout(() => process.exit(0), 200);
    }
  });
}

// ── The run ───────────────────────────────────────────────────────────────────

const connections = arg('connections', 20_000);
const workers = arg('workers', 2);
const generators = arg('generators', 4);
const devices = arg('devices', 5);
const holdSeconds = arg('hold-seconds', 30);
const port = 19_000 + Math.floor(Math.random() * 400);

function call(method: string, path: string, token: string | null, body?: unknown) {
  return callServer(port, method, path, token, body);
}

function ask(children: ChildProcess[], message: string, type: ChildReport['type']): Promise<ChildReport[]> {
  return Promise.all(
    children.map(
      (c) =>
        new Promise<ChildReport>((resolve) => {
          const on = (r: ChildReport) => {
            if (r.type !== type) return;
            c.off('message', on);
            resolve(r);
          };
          c.on('message', on);
          if (message) c.send(message);
        }),
    ),
  );
}

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

async function main(): Promise<void> {
  const dbName = 'jiaozi_bench_connections';
  const url = await recreateDatabase(dbName);
  const env = serverEnv(port, {
    DATABASE_URL: url,
    REDIS_URL: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379',
    DB_POOL_MAX: '8',
  });
  const server = await startServer(port, env, [], ['--workers', String(workers)]);
  const children: ChildProcess[] = [];
  try {
    const users = Math.ceil(connections / devices);
    console.log(
      `bench/connections: ${connections} connections = ${users} users × ${devices} devices; ` +
        `server: ${workers} cluster workers on :${port}; load: ${generators} processes`,
    );
    const tokens: string[] = [];
    const userIds: string[] = [];
    const t0 = performance.now();
    await pool(
      Array.from({ length: users }, (_, i) => i),
      64,
      async (i) => {
        const username = `idle${i}`;
        const res = await call('POST', '/v1/auth/signup', null, { username, password: 'bench-password' });
        if (res.status !== 201) throw new Error(`signup ${res.status}`);
        userIds[i] = String((res.json?.user as { id: string } | undefined)?.id);
        const mine = [String(res.json?.token)];
        for (let d = 1; d < devices; d++) {
          const login = await call('POST', '/v1/auth/login', null, {
            login: username,
            password: 'bench-password',
          });
          if (login.status !== 200) throw new Error(`login ${login.status}`);
          mine.push(String(login.json?.token));
        }
        tokens.push(...mine.slice(0, Math.max(0, connections - tokens.length)));
      },
    );
    console.log(
      `  ${users} users, ${tokens.length} sessions in ${((performance.now() - t0) / 1000).toFixed(0)} s`,
    );

    await new Promise((r) => setTimeout(r, 2000));
    const before = treeRssBytes(server.pid as number);
    const self = fileURLToPath(import.meta.url);
    for (let g = 0; g < generators; g++) {
      const c = fork(self, ['--child'], { execArgv: ['--conditions=source', '--import', 'tsx'] });
      children.push(c);
    }
    const connectedAt = performance.now();
    const connected = ask(children, '', 'connected');
    children.forEach((c, g) => {
      c.send({
        port,
        sourceAddress: `127.0.0.${g + 2}`,
        tokens: tokens.filter((_, i) => i % generators === g),
      } satisfies Job);
    });
    const reports = (await connected) as Extract<ChildReport, { type: 'connected' }>[];
    const ok = reports.reduce((n, r) => n + r.ok, 0);
    const failed = reports.reduce((n, r) => n + r.failed, 0);
    console.log(
      `  connected and authenticated: ${ok} (failed ${failed}) in ${((performance.now() - connectedAt) / 1000).toFixed(1)} s`,
    );
    await new Promise((r) => setTimeout(r, 5000));
    const after = treeRssBytes(server.pid as number);
    console.log(
      `  node RSS (${after.processes} processes): ${mb(before.bytes)} before, ${mb(after.bytes)} with ${ok} connections → ` +
        `${((after.bytes - before.bytes) / Math.max(1, ok) / 1024).toFixed(1)} KiB per connection`,
    );

    await new Promise((r) => setTimeout(r, holdSeconds * 1000));
    const held = (await ask(children, 'count', 'counts')) as Extract<ChildReport, { type: 'counts' }>[];
    const open = held.reduce((n, r) => n + r.open, 0);
    const dropped = held.reduce((n, r) => n + r.closed, 0);
    console.log(`  after ${holdSeconds} s idle: ${open} open, ${dropped} dropped`);

    // Live, not just open: a friend request to 100 of them reaches each of their devices.
    const sender = await call('POST', '/v1/auth/signup', null, {
      username: 'idle_sender',
      password: 'bench-password',
    });
    const senderToken = String(sender.json?.token);
    const targets = userIds.filter((_, i) => i % Math.max(1, Math.floor(users / 100)) === 0).slice(0, 100);
    await pool(targets, 16, async (userId) => {
      const res = await call('POST', '/v1/friend-requests', senderToken, {
        id: newId(),
        to: { userId },
        message: 'hi',
      });
      if (res.status !== 201) throw new Error(`friend request ${res.status}`);
    });
    const expected = targets.length * devices;
    let requests = 0;
    for (let i = 0; i < 50 && requests < expected; i++) {
      await new Promise((r) => setTimeout(r, 200));
      requests = (
        (await ask(children, 'count', 'counts')) as Extract<ChildReport, { type: 'counts' }>[]
      ).reduce((n, r) => n + r.requests, 0);
    }
    console.log(
      `  live check: ${requests} of ${expected} devices of ${targets.length} users got a friend request`,
    );
    const pass = ok === connections && open === connections && requests === expected;
    console.log(`${pass ? 'held' : 'NOT held'}: ${open} idle authenticated connections on one node`);
  } finally {
    for (const c of children) if (c.connected) c.send('stop');
    await new Promise((r) => setTimeout(r, 500));
    server.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 1000));
    await dropDatabase(dbName);
  }
}

if (process.argv.includes('--child')) {
  child().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
} else {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
