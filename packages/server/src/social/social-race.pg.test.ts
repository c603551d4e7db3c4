import type { ContactList, ErrorBody, FriendRequest } from '@jiaozi/protocol';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../kernel/ids.js';
import type { DatabaseHandle } from '../platform/db/connect.js';
import { outboxFor } from '../platform/outbox/outbox.js';
import { type Client, createTestApp, signupClient, type TestApp } from '../test/app.js';
import { createTestDatabase } from '../test/db.js';

/**
 * Real concurrency against Postgres: requests crossing each other and many accepts of one
 * request, through the whole stack, then exact rows.
 */
let database: DatabaseHandle;
let t: TestApp;

beforeAll(async () => {
  database = await createTestDatabase({ poolMax: 20 });
  t = await createTestApp({ database, config: { rateLimits: false } });
});

afterAll(async () => {
  await t?.shutdown();
  await database?.close();
});

function tally(responses: readonly LightMyRequestResponse[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of responses) {
    const code = r.statusCode >= 400 ? ` ${(r.json() as ErrorBody).error.code}` : '';
    const key = `${r.statusCode}${code}`;
    out[key] = (out[key] ?? 0) + 1;
  }
  return out;
}

async function friendshipRows(a: string, b: string): Promise<number> {
  return t.services.social.repo.countFriendshipRows(a, b);
}

async function contactIds(c: Client): Promise<string[]> {
  const res = await c.request('GET', '/v1/contacts');
  return (res.json() as ContactList).contacts.map((x) => x.user.id);
}

async function topics(c: Client): Promise<string[]> {
  return (await outboxFor(database.db, c.userId)).map((r) => r.topic);
}

describe('crossing friend requests', () => {
  it('A and B asking each other at the same moment end up friends exactly once', async () => {
    for (let round = 0; round < 10; round++) {
      const [a, b] = await Promise.all([signupClient(t.app), signupClient(t.app)]);
      const [ra, rb] = await Promise.all([
        a.request('POST', '/v1/friend-requests', { id: newId(), to: { userId: b.userId }, message: 'a' }),
        b.request('POST', '/v1/friend-requests', { id: newId(), to: { userId: a.userId }, message: 'b' }),
      ]);
      expect(tally([ra, rb])).toEqual({ 201: 2 });
      // One of the two was written first; the other accepted it.
      const statuses = [ra, rb].map((r) => (r.json() as FriendRequest).status).sort();
      expect(statuses).toEqual(['accepted', 'pending']);
      const accepted = [ra, rb].map((r) => r.json() as FriendRequest).find((r) => r.status === 'accepted');
      expect([ra, rb].every((r) => (r.json() as FriendRequest).id === accepted?.id)).toBe(true);

      expect(await friendshipRows(a.userId, b.userId)).toBe(2);
      expect(await contactIds(a)).toEqual([b.userId]);
      expect(await contactIds(b)).toEqual([a.userId]);
      expect(await t.services.social.areFriends(a.userId, b.userId)).toBe(true);
      const open = await database.db
        .selectFrom('friend_requests')
        .select(['status'])
        .where((eb) => eb.or([eb('from_id', '=', a.userId), eb('from_id', '=', b.userId)]))
        .execute();
      expect(open.map((r) => r.status)).toEqual(['accepted']);
      for (const c of [a, b]) {
        expect((await topics(c)).filter((x) => x === 'social.friend_added')).toHaveLength(1);
      }
    }
  });

  it('the same request sent 10 times at once makes one request', async () => {
    const [a, b] = await Promise.all([signupClient(t.app), signupClient(t.app)]);
    const id = newId();
    const responses = await Promise.all(
      Array.from({ length: 10 }, () =>
        a.request('POST', '/v1/friend-requests', { id, to: { userId: b.userId }, message: 'once' }),
      ),
    );
    expect(tally(responses)).toEqual({ 201: 10 });
    expect(new Set(responses.map((r) => (r.json() as FriendRequest).id))).toEqual(new Set([id]));
    const rows = await database.db
      .selectFrom('friend_requests')
      .selectAll()
      .where('from_id', '=', a.userId)
      .execute();
    expect(rows).toHaveLength(1);
    expect(await topics(b)).toEqual(['social.friend_request']);
  });
});

describe('one client id for two targets at once', () => {
  it('one request is made, the other answer is an idempotency conflict', async () => {
    const [a, b, c] = await Promise.all([signupClient(t.app), signupClient(t.app), signupClient(t.app)]);
    const id = newId();
    const responses = await Promise.all(
      [b, c].map((to) =>
        a.request('POST', '/v1/friend-requests', { id, to: { userId: to.userId }, message: 'hi' }),
      ),
    );
    expect(tally(responses)).toEqual({ 201: 1, '409 idempotency_conflict': 1 });
    const rows = await database.db
      .selectFrom('friend_requests')
      .select('id')
      .where('from_id', '=', a.userId)
      .execute();
    expect(rows).toEqual([{ id }]);
  });
});

describe('concurrent accepts', () => {
  it('10 accepts of one request at once make exactly one friendship', async () => {
    const [a, b] = await Promise.all([signupClient(t.app), signupClient(t.app)]);
    const sent = await a.request('POST', '/v1/friend-requests', {
      id: newId(),
      to: { userId: b.userId },
      message: 'hi',
    });
    expect(sent.statusCode).toBe(201);
    const { id } = sent.json() as FriendRequest;
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => b.request('POST', `/v1/friend-requests/${id}/accept`)),
    );
    expect(tally(responses)).toEqual({ 200: 1, '409 request_not_pending': 9 });
    expect(await friendshipRows(a.userId, b.userId)).toBe(2);
    expect((await topics(a)).filter((x) => x === 'social.friend_added')).toHaveLength(1);
    expect((await topics(b)).filter((x) => x === 'social.friend_added')).toHaveLength(1);
  });

  it('accepts racing declines: one answer wins, and the pair matches it', async () => {
    const [a, b] = await Promise.all([signupClient(t.app), signupClient(t.app)]);
    const sent = await a.request('POST', '/v1/friend-requests', {
      id: newId(),
      to: { userId: b.userId },
      message: 'hi',
    });
    const { id } = sent.json() as FriendRequest;
    const responses = await Promise.all([
      ...Array.from({ length: 5 }, () => b.request('POST', `/v1/friend-requests/${id}/accept`)),
      ...Array.from({ length: 5 }, () => b.request('POST', `/v1/friend-requests/${id}/decline`)),
    ]);
    const wins = responses.filter((r) => r.statusCode === 200);
    expect(wins).toHaveLength(1);
    const accepted = responses.slice(0, 5).some((r) => r.statusCode === 200);
    expect(await friendshipRows(a.userId, b.userId)).toBe(accepted ? 2 : 0);
  });
});
