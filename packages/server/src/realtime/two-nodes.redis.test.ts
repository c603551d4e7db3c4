import { type ChildProcess, execFileSync } from 'node:child_process';
import type { ServerFrame } from '@jiaozi/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { newId } from '../kernel/ids.js';
import { adminQuery, callServer, serverEnv, startServer, testAdminUrl } from '../test/processes.js';

const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * Two server processes on one Postgres and one Redis. Alice sends a message on node A; bob,
 * connected to node B, receives it within the same second. Then every Redis pub/sub
 * connection is killed: the next message still reaches bob, from the update log.
 */
describe('two server processes, one Postgres, one Redis', () => {
  const dbName = `jiaozi_test_nodes_${Math.floor(Date.now() / 1000)}_${process.pid}`;
  const nodes: ChildProcess[] = [];
  const ports = [18_000 + Math.floor(Math.random() * 500), 18_500 + Math.floor(Math.random() * 500)] as const;
  let socket: WebSocket | undefined;

  async function start(port: number): Promise<ChildProcess> {
    const url = new URL(testAdminUrl);
    url.pathname = `/${dbName}`;
    const child = await startServer(
      port,
      serverEnv(port, { DATABASE_URL: url.toString(), REDIS_URL: redisUrl }),
    );
    nodes.push(child);
    return child;
  }

  const call = callServer;

  beforeAll(async () => {
    await adminQuery(`CREATE DATABASE "${dbName}"`);
    // The first node migrates; the second starts on the migrated database.
    await start(ports[0]);
    await start(ports[1]);
  }, 60_000);
  afterAll(async () => {
    socket?.terminate();
    for (const n of nodes) n.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 200));
    await adminQuery(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
  });

  it('delivers across nodes through Redis, and from the log when Redis drops', {
    timeout: 60_000,
  }, async () => {
    const [a, b] = ports;
    const users: Record<string, { token: string; id: string }> = {};
    for (const name of ['alice', 'bob']) {
      const res = await call(a, 'POST', '/v1/auth/signup', null, {
        username: `${name}_nodes`,
        password: 'two-nodes-password',
      });
      expect(res.status).toBe(201);
      users[name] = {
        token: String(res.json?.token),
        id: String((res.json?.user as { id: string } | undefined)?.id),
      };
    }
    const alice = users.alice as { token: string; id: string };
    const bob = users.bob as { token: string; id: string };
    const request = await call(a, 'POST', '/v1/friend-requests', alice.token, {
      id: newId(),
      to: { userId: bob.id },
      message: 'hi',
    });
    expect(request.status).toBe(201);
    const accepted = await call(b, 'POST', `/v1/friend-requests/${request.json?.id}/accept`, bob.token);
    expect(accepted.status).toBe(200);

    const frames: ServerFrame[] = [];
    socket = new WebSocket(`ws://127.0.0.1:${b}/v1/ws`);
    socket.on('message', (data) => frames.push(JSON.parse(data.toString()) as ServerFrame));
    await new Promise((r) => socket?.once('open', r));
    socket.send(JSON.stringify({ type: 'auth', token: bob.token, pts: null }));
    while (!frames.some((f) => f.type === 'ready')) await new Promise((r) => setTimeout(r, 5));

    const received = async (text: string, ms: number) => {
      const deadline = Date.now() + ms;
      while (Date.now() < deadline) {
        const hit = frames.some(
          (f) =>
            f.type === 'updates' &&
            f.updates.some((u) => u.topic === 'chat.message' && JSON.stringify(u.payload).includes(text)),
        );
        if (hit) return Date.now();
        await new Promise((r) => setTimeout(r, 5));
      }
      return null;
    };

    const sentAt = Date.now();
    const first = await call(a, 'POST', `/v1/users/${bob.id}/messages`, alice.token, {
      id: newId(),
      text: 'over redis',
    });
    expect(first.status).toBe(201);
    const at = await received('over redis', 1000);
    expect(at).not.toBeNull();
    expect((at as number) - sentAt).toBeLessThan(1000);

    // Kill every pub/sub connection on the Redis server, as a network failure would.
    execFileSync('redis-cli', ['-u', redisUrl, 'CLIENT', 'KILL', 'TYPE', 'pubsub']);
    const second = await call(a, 'POST', `/v1/users/${bob.id}/messages`, alice.token, {
      id: newId(),
      text: 'from the log',
    });
    expect(second.status).toBe(201);
    expect(await received('from the log', 5000)).not.toBeNull();
    const pts = frames.flatMap((f) => (f.type === 'updates' ? f.updates.map((u) => u.pts) : []));
    expect(new Set(pts).size).toBe(pts.length);
  });
});
