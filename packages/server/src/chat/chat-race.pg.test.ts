import type { ConversationDetail, Message } from '@jiaozi/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../kernel/ids.js';
import type { DatabaseHandle } from '../platform/db/connect.js';
import { outboxFor } from '../platform/outbox/outbox.js';
import { type Client, createTestApp, signupClient, type TestApp } from '../test/app.js';
import { createTestDatabase } from '../test/db.js';
import { befriend, tally } from '../test/http.js';

/** Real concurrency against Postgres: many sends into one conversation, many copies of one. */
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

async function seqsIn(conversationId: string): Promise<number[]> {
  const rows = await database.db
    .selectFrom('messages')
    .select('seq')
    .where('conversation_id', '=', conversationId)
    .orderBy('seq')
    .execute();
  return rows.map((r) => Number(r.seq));
}

describe('concurrent sends', () => {
  it('50 sends at once into one conversation get seqs exactly 1..50, no gaps, no duplicates', async () => {
    const [a, b] = (await Promise.all([signupClient(t.app), signupClient(t.app)])) as [Client, Client];
    await befriend(a, b);
    const res = await a.request('POST', '/v1/conversations/direct', { userId: b.userId });
    expect(res.statusCode, res.body).toBe(201);
    const conversationId = (res.json() as ConversationDetail).id;
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        (i % 2 ? b : a).request('POST', `/v1/conversations/${conversationId}/messages`, {
          id: newId(),
          text: `message ${i}`,
        }),
      ),
    );
    expect(tally(responses)).toEqual({ 201: 50 });
    const seqs = responses.map((r) => (r.json() as Message).seq).sort((x, y) => x - y);
    const expected = Array.from({ length: 50 }, (_, i) => i + 1);
    expect(seqs).toEqual(expected);
    expect(await seqsIn(conversationId)).toEqual(expected);
    const conv = await database.db
      .selectFrom('conversations')
      .select('last_seq')
      .where('id', '=', conversationId)
      .executeTakeFirstOrThrow();
    expect(Number(conv.last_seq)).toBe(50);
    // Both members' logs hold each message once, in seq order.
    for (const u of [a, b]) {
      const logged = (await outboxFor(database.db, u.userId))
        .filter((r) => r.topic === 'chat.message')
        .map((r) => (r.payload as { seq: number }).seq);
      expect(logged).toEqual(expected);
    }
  });

  it('20 copies of one client id at once make one message; the rest answer it', async () => {
    const [a, b] = (await Promise.all([signupClient(t.app), signupClient(t.app)])) as [Client, Client];
    await befriend(a, b);
    const id = newId();
    // The first message also opens the direct conversation, so the copies race for that too.
    const responses = await Promise.all(
      Array.from({ length: 20 }, () =>
        a.request('POST', `/v1/users/${b.userId}/messages`, { id, text: 'once' }),
      ),
    );
    expect(tally(responses)).toEqual({ 201: 1, 200: 19 });
    const bodies = responses.map((r) => r.json() as Message);
    expect(new Set(bodies.map((m) => JSON.stringify(m))).size).toBe(1);
    const rows = await database.db
      .selectFrom('messages')
      .selectAll()
      .where('sender_id', '=', a.userId)
      .execute();
    expect(rows).toHaveLength(1);
    expect(Number(rows[0]?.seq)).toBe(1);
    const directs = await database.db
      .selectFrom('conversation_members')
      .select('conversation_id')
      .where('user_id', '=', a.userId)
      .execute();
    expect(directs).toHaveLength(1);
    const logged = (await outboxFor(database.db, b.userId)).filter((r) => r.topic === 'chat.message');
    expect(logged).toHaveLength(1);

    // And 20 copies into an existing conversation, by conversation id.
    const again = newId();
    const conversationId = bodies[0]?.conversationId as string;
    const second = await Promise.all(
      Array.from({ length: 20 }, () =>
        a.request('POST', `/v1/conversations/${conversationId}/messages`, { id: again, text: 'twice?' }),
      ),
    );
    expect(tally(second)).toEqual({ 201: 1, 200: 19 });
    expect(await seqsIn(conversationId)).toEqual([1, 2]);
  });

  it('sends into many conversations at once keep, per conversation, the order they came in', async () => {
    const users = await Promise.all(Array.from({ length: 7 }, () => signupClient(t.app)));
    const hub = users[0] as Client;
    const others = users.slice(1);
    const conversations: string[] = [];
    for (const other of others) {
      await befriend(hub, other);
      const res = await hub.request('POST', '/v1/conversations/direct', { userId: other.userId });
      conversations.push((res.json() as ConversationDetail).id);
    }
    // 300 sends handed to the writer in one go: the first 120 into three conversations (a
    // first batch), the rest over all six (a second batch takes the three others while the
    // first is written). Each conversation's messages take seqs in the order they were sent.
    const target = (i: number) => (i < 120 ? i % 3 : i % 6);
    const sends = Array.from({ length: 300 }, (_, i) =>
      t.services.chat.send(
        hub.userId,
        { conversationId: conversations[target(i)] as string },
        { id: newId(), text: `${i}` },
      ),
    );
    const results = await Promise.all(sends);
    expect(results.every((r) => r.created)).toBe(true);
    for (const [k, conversationId] of conversations.entries()) {
      const rows = await database.db
        .selectFrom('messages')
        .select(['seq', 'body'])
        .where('conversation_id', '=', conversationId)
        .orderBy('seq')
        .execute();
      const expected = Array.from({ length: 300 }, (_, i) => i).filter((i) => target(i) === k);
      expect(rows.map((r) => Number(r.seq))).toEqual(expected.map((_, i) => i + 1));
      expect(rows.map((r) => Number(r.body))).toEqual(expected);
    }
  });

  it('the same send twice in one batch makes one message; the copy answers as a resend', async () => {
    const [a, b] = (await Promise.all([signupClient(t.app), signupClient(t.app)])) as [Client, Client];
    await befriend(a, b);
    const res = await a.request('POST', '/v1/conversations/direct', { userId: b.userId });
    const conversationId = (res.json() as ConversationDetail).id;
    // The first send takes the conversation; the two copies queue behind it, in one batch.
    const id = newId();
    const [first, copy, again] = await Promise.all([
      t.services.chat.send(a.userId, { conversationId }, { id: newId(), text: 'first' }),
      t.services.chat.send(a.userId, { conversationId }, { id, text: 'twice' }),
      t.services.chat.send(a.userId, { conversationId }, { id, text: 'twice' }),
    ]);
    expect([first.created, copy.created, again.created]).toEqual([true, true, false]);
    expect(again.message).toEqual(copy.message);
    expect(await seqsIn(conversationId)).toEqual([1, 2]);
  });

  it('two nodes racing one client id into two conversations make one message', async () => {
    const other = await createTestApp({ database, config: { rateLimits: false } });
    try {
      const [a, b, c] = (await Promise.all([
        signupClient(t.app),
        signupClient(t.app),
        signupClient(t.app),
      ])) as [Client, Client, Client];
      await befriend(a, b);
      await befriend(a, c);
      const ab = (
        (
          await a.request('POST', '/v1/conversations/direct', { userId: b.userId })
        ).json() as ConversationDetail
      ).id;
      const ac = (
        (
          await a.request('POST', '/v1/conversations/direct', { userId: c.userId })
        ).json() as ConversationDetail
      ).id;
      for (let round = 0; round < 5; round++) {
        const id = newId();
        const outcomes = await Promise.allSettled(
          Array.from({ length: 10 }, (_, i) =>
            (i % 2 ? other : t).services.chat.send(
              a.userId,
              { conversationId: i % 2 ? ac : ab },
              { id, text: 'one' },
            ),
          ),
        );
        const created = outcomes.filter((o) => o.status === 'fulfilled' && o.value.created);
        const replays = outcomes.filter((o) => o.status === 'fulfilled' && !o.value.created);
        const conflicts = outcomes.filter(
          (o) => o.status === 'rejected' && (o.reason as { code?: string }).code === 'idempotency_conflict',
        );
        expect(created).toHaveLength(1);
        expect(replays.length + conflicts.length).toBe(9);
        const winner = (created[0] as PromiseFulfilledResult<{ message: Message }>).value.message;
        // Every replay answers the winner; every conflict was sent into the other conversation.
        for (const r of replays)
          expect((r as PromiseFulfilledResult<{ message: Message }>).value.message).toEqual(winner);
        expect(conflicts).toHaveLength(5);
        const rows = await database.db.selectFrom('messages').select('id').where('id', '=', id).execute();
        expect(rows).toHaveLength(1);
      }
      expect(await seqsIn(ab)).toEqual(Array.from({ length: (await seqsIn(ab)).length }, (_, i) => i + 1));
      expect(await seqsIn(ac)).toEqual(Array.from({ length: (await seqsIn(ac)).length }, (_, i) => i + 1));
    } finally {
      await other.close();
    }
  });
});
