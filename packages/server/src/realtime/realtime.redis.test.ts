import type { AddressInfo } from 'node:net';
import type { ServerFrame } from '@jiaozi/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { DatabaseHandle } from '../platform/db/connect.js';
import { writeOutbox } from '../platform/outbox/outbox.js';
import { createTestApp, signupClient, type TestApp } from '../test/app.js';
import { createTestDatabase } from '../test/db.js';

/**
 * Two nodes share one database and one Redis. A change on node A reaches a socket on node B
 * through Redis pub/sub; with B's Redis subscription cut, B still delivers it from the log.
 */
describe('realtime across nodes', () => {
  let database: DatabaseHandle;
  let nodeA: TestApp;
  let nodeB: TestApp;
  let socket: WebSocket | undefined;

  beforeAll(async () => {
    database = await createTestDatabase();
    const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
    nodeA = await createTestApp({ database, config: { redisUrl } });
    nodeB = await createTestApp({ database, config: { redisUrl } });
    await nodeB.app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    socket?.terminate();
    await nodeA?.shutdown();
    await nodeB?.shutdown();
    await database?.close();
  });

  it('delivers through Redis within the second, and from the log when Redis is gone', async () => {
    const user = await signupClient(nodeA.app);
    const frames: ServerFrame[] = [];
    socket = new WebSocket(`ws://127.0.0.1:${(nodeB.app.server.address() as AddressInfo).port}/v1/ws`);
    socket.on('message', (data) => frames.push(JSON.parse(data.toString()) as ServerFrame));
    await new Promise((resolve) => socket?.once('open', resolve));
    socket.send(JSON.stringify({ type: 'auth', token: user.token, pts: null }));
    const waitFor = async (topic: string, ms: number) => {
      const deadline = Date.now() + ms;
      while (Date.now() < deadline) {
        if (frames.some((f) => f.type === 'updates' && f.updates.some((u) => u.topic === topic)))
          return Date.now();
        await new Promise((r) => setTimeout(r, 5));
      }
      return null;
    };
    while (!frames.some((f) => f.type === 'ready')) await new Promise((r) => setTimeout(r, 5));

    // Only Redis can wake node B now.
    nodeB.services.realtime.stopTail();
    const sentAt = Date.now();
    await writeOutbox(
      database.db,
      [{ topic: 'via.redis', audience: [user.userId], payload: {} }],
      new Date(),
    );
    nodeA.services.bus.announce([user.userId]);
    const arrived = await waitFor('via.redis', 1000);
    expect(arrived).not.toBeNull();
    expect((arrived as number) - sentAt).toBeLessThan(1000);

    // Cut node B's Redis connections: the announcement is lost, the log is not.
    await nodeB.services.bus.close();
    await writeOutbox(database.db, [{ topic: 'via.log', audience: [user.userId], payload: {} }], new Date());
    nodeA.services.bus.announce([user.userId]);
    expect(await waitFor('via.log', 700)).toBeNull();
    nodeB.services.realtime.startTail(100);
    expect(await waitFor('via.log', 2000)).not.toBeNull();
    const pts = frames.flatMap((f) => (f.type === 'updates' ? f.updates.map((u) => u.pts) : []));
    expect(pts).toEqual([...pts].sort((x, y) => x - y));
    expect(new Set(pts).size).toBe(pts.length);
  });
});
