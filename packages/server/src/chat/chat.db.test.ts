import type {
  ConversationDetail,
  ConversationList,
  ConversationSummary,
  ErrorBody,
  Message,
  MessagePage,
} from '@jiaozi/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../kernel/clock.js';
import { newId } from '../kernel/ids.js';
import { messagesPerUserPerMinuteMax, messageTextMaxLength, recallWindowSeconds } from '../kernel/limits.js';
import { outboxFor } from '../platform/outbox/outbox.js';
import { type Client, createTestApp, signupClient, type TestApp } from '../test/app.js';
import { befriend, expectError, ok } from '../test/http.js';

let t: TestApp;
const clock = new ManualClock('2026-11-25T08:00:00.000Z');

beforeAll(async () => {
  t = await createTestApp({ clock });
});

afterAll(async () => {
  await t?.shutdown();
});

// ── Helpers ──────────────────────────────────────────────────────────────────

async function friends(n: number): Promise<Client[]> {
  const users = await Promise.all(Array.from({ length: n }, () => signupClient(t.app)));
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) await befriend(users[i] as Client, users[j] as Client);
  return users;
}

async function direct(a: Client, b: Client): Promise<ConversationDetail> {
  const res = await a.request('POST', '/v1/conversations/direct', { userId: b.userId });
  expect([200, 201]).toContain(res.statusCode);
  return res.json() as ConversationDetail;
}

async function group(owner: Client, members: Client[], name = 'Team'): Promise<ConversationDetail> {
  return ok<ConversationDetail>(
    await owner.request('POST', '/v1/conversations/groups', {
      name,
      memberIds: members.map((m) => m.userId),
    }),
    201,
  );
}

async function say(c: Client, conversationId: string, text: string, extra: object = {}): Promise<Message> {
  return ok<Message>(
    await c.request('POST', `/v1/conversations/${conversationId}/messages`, { id: newId(), text, ...extra }),
    201,
  );
}

async function history(c: Client, conversationId: string, query = ''): Promise<MessagePage> {
  return ok<MessagePage>(await c.request('GET', `/v1/conversations/${conversationId}/messages${query}`));
}

async function list(c: Client): Promise<ConversationSummary[]> {
  return ok<ConversationList>(await c.request('GET', '/v1/conversations')).conversations;
}

async function summary(c: Client, conversationId: string): Promise<ConversationSummary> {
  const found = (await list(c)).find((x) => x.id === conversationId);
  if (!found) throw new Error('not in the list');
  return found;
}

async function events(c: Client): Promise<{ topic: string; payload: Record<string, unknown> }[]> {
  const rows = await outboxFor(t.database.db, c.userId);
  return rows.map((r) => ({
    topic: r.topic,
    payload: (typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload) as Record<string, unknown>,
  }));
}

async function chatEvents(c: Client, conversationId: string) {
  return (await events(c)).filter(
    (e) => e.topic.startsWith('chat.') && e.payload.conversationId === conversationId,
  );
}

/** Which of `users` have an update of `topic` (with these payload fields, if given) in their log. */
async function audienceOf(
  users: readonly Client[],
  conversationId: string,
  topic: string,
  payload: Record<string, unknown> = {},
): Promise<string[]> {
  const out: string[] = [];
  for (const u of users) {
    const found = (await chatEvents(u, conversationId)).some(
      (e) =>
        e.topic === topic &&
        Object.entries(payload).every(([k, v]) => JSON.stringify(e.payload[k]) === JSON.stringify(v)),
    );
    if (found) out.push(u.userId);
  }
  return out.sort();
}

const sorted = (...cs: Client[]) => cs.map((c) => c.userId).sort();

// ── Direct conversations ─────────────────────────────────────────────────────

describe('direct conversations', () => {
  it('exactly one per pair: opening it from either side answers the same (201 then 200)', async () => {
    const [a, b] = (await friends(2)) as [Client, Client];
    const first = await a.request('POST', '/v1/conversations/direct', { userId: b.userId });
    expect(first.statusCode, first.body).toBe(201);
    const made = first.json() as ConversationDetail;
    expect(made).toMatchObject({
      kind: 'direct',
      name: null,
      ownerId: null,
      peerId: b.userId,
      memberCount: 2,
      lastSeq: 0,
      unreadCount: 0,
      lastMessage: null,
      myRole: 'member',
    });
    expect(made.members.map((m) => m.userId).sort()).toEqual(sorted(a, b));
    const again = ok<ConversationDetail>(
      await b.request('POST', '/v1/conversations/direct', { userId: a.userId }),
    );
    expect(again.id).toBe(made.id);
    expect(again.peerId).toBe(a.userId);
    // Sending by user id lands in the same conversation.
    const m = ok<Message>(
      await a.request('POST', `/v1/users/${b.userId}/messages`, { id: newId(), text: 'hi' }),
      201,
    );
    expect(m).toMatchObject({
      conversationId: made.id,
      seq: 1,
      kind: 'text',
      text: 'hi',
      senderId: a.userId,
    });
    const created = (await chatEvents(b, made.id)).filter((e) => e.topic === 'chat.conversation');
    expect(created).toHaveLength(1);
    expect(await audienceOf([a, b], made.id, 'chat.conversation', { change: 'created' })).toEqual(
      sorted(a, b),
    );
    expect(created[0]?.payload).toMatchObject({ change: 'created', seq: 0 });
  });

  it('the first message to a friend opens the conversation', async () => {
    const [a, b] = (await friends(2)) as [Client, Client];
    const m = ok<Message>(
      await a.request('POST', `/v1/users/${b.userId}/messages`, { id: newId(), text: '你好' }),
      201,
    );
    const inList = await summary(b, m.conversationId);
    expect(inList).toMatchObject({ kind: 'direct', peerId: a.userId, unreadCount: 1, lastSeq: 1 });
    expect(inList.lastMessage?.text).toBe('你好');
  });

  it('blocked either way → 403 recipient_unavailable with no more detail; strangers likewise unless allowed', async () => {
    const [a, b] = (await friends(2)) as [Client, Client];
    const conv = await direct(a, b);
    ok(await b.request('POST', '/v1/blocks', { userId: a.userId }), 204);
    for (const res of [
      await a.request('POST', `/v1/conversations/${conv.id}/messages`, { id: newId(), text: 'hello?' }),
      await a.request('POST', `/v1/users/${b.userId}/messages`, { id: newId(), text: 'hello?' }),
      await b.request('POST', `/v1/conversations/${conv.id}/messages`, { id: newId(), text: 'go away' }),
      await a.request('POST', '/v1/conversations/direct', { userId: b.userId }),
    ]) {
      expectError(res, 403, 'recipient_unavailable');
      expect((res.json() as ErrorBody).error.details).toBeUndefined();
    }
    expect((await history(a, conv.id)).messages).toEqual([]);

    const stranger = await signupClient(t.app);
    expectError(
      await stranger.request('POST', `/v1/users/${a.userId}/messages`, { id: newId(), text: 'hi' }),
      403,
      'recipient_unavailable',
    );
    ok(await a.request('PATCH', '/v1/me/privacy', { allowStrangerMessages: true }));
    ok(await stranger.request('POST', `/v1/users/${a.userId}/messages`, { id: newId(), text: 'hi' }), 201);
    // Oneself and unknown people.
    expectError(
      await a.request('POST', `/v1/users/${a.userId}/messages`, { id: newId(), text: 'me' }),
      403,
      'recipient_unavailable',
    );
    expectError(await a.request('POST', '/v1/conversations/direct', { userId: newId() }), 404, 'not_found');
  });

  it('someone outside the conversation gets 404 not_found for everything, like an unknown one', async () => {
    const [a, b] = (await friends(2)) as [Client, Client];
    const outsider = await signupClient(t.app);
    const conv = await direct(a, b);
    const m = await say(a, conv.id, 'private');
    for (const id of [conv.id, newId()]) {
      expectError(await outsider.request('GET', `/v1/conversations/${id}`), 404, 'not_found');
      expectError(await outsider.request('GET', `/v1/conversations/${id}/messages`), 404, 'not_found');
      expectError(
        await outsider.request('POST', `/v1/conversations/${id}/messages`, { id: newId(), text: 'x' }),
        404,
        'not_found',
      );
      expectError(
        await outsider.request('POST', `/v1/conversations/${id}/read`, { seq: 1 }),
        404,
        'not_found',
      );
      expectError(
        await outsider.request('POST', `/v1/conversations/${id}/delivered`, { seq: 1 }),
        404,
        'not_found',
      );
      expectError(
        await outsider.request('PATCH', `/v1/conversations/${id}/settings`, { muted: true }),
        404,
        'not_found',
      );
      expectError(
        await outsider.request('POST', `/v1/conversations/${id}/messages/${m.id}/recall`),
        404,
        'not_found',
      );
      expectError(
        await outsider.request('DELETE', `/v1/conversations/${id}/messages/${m.id}`),
        404,
        'not_found',
      );
    }
    expect(await list(outsider)).toEqual([]);
    // Group-only actions on a direct conversation: no such group.
    expectError(await a.request('PATCH', `/v1/conversations/${conv.id}`, { name: 'x' }), 404, 'not_found');
    expectError(await a.request('POST', `/v1/conversations/${conv.id}/leave`), 404, 'not_found');
  });
});

// ── Messages ─────────────────────────────────────────────────────────────────

describe('sending', () => {
  it('assigns gapless seqs and answers the full message', async () => {
    const [a, b] = (await friends(2)) as [Client, Client];
    const conv = await direct(a, b);
    const sent: Message[] = [];
    for (let i = 0; i < 5; i++) sent.push(await say(i % 2 ? b : a, conv.id, `m${i}`));
    expect(sent.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(sent[0]).toEqual({
      id: sent[0]?.id,
      conversationId: conv.id,
      seq: 1,
      senderId: a.userId,
      kind: 'text',
      text: 'm0',
      payload: null,
      replyTo: null,
      mentions: [],
      mentionAll: false,
      forwarded: false,
      recalled: false,
      readCount: 0,
      createdAt: clock.now().toISOString(),
    });
  });

  it('resending the same id answers the original (200) and never makes a second; another body is 409', async () => {
    const [a, b] = (await friends(2)) as [Client, Client];
    const conv = await direct(a, b);
    const id = newId();
    const first = await a.request('POST', `/v1/conversations/${conv.id}/messages`, { id, text: 'once' });
    expect(first.statusCode).toBe(201);
    const again = await a.request('POST', `/v1/conversations/${conv.id}/messages`, { id, text: 'once' });
    expect(again.statusCode, again.body).toBe(200);
    expect(again.json()).toEqual(first.json());
    const byUser = await a.request('POST', `/v1/users/${b.userId}/messages`, { id, text: 'once' });
    expect(byUser.statusCode, byUser.body).toBe(200);
    expect(byUser.json()).toEqual(first.json());
    expectError(
      await a.request('POST', `/v1/conversations/${conv.id}/messages`, { id, text: 'twice' }),
      409,
      'idempotency_conflict',
    );
    const other = await direct(a, (await friendOf(a)) as Client);
    expectError(
      await a.request('POST', `/v1/conversations/${other.id}/messages`, { id, text: 'once' }),
      409,
      'idempotency_conflict',
    );
    expect((await history(b, conv.id)).messages).toHaveLength(1);
    expect((await chatEvents(b, conv.id)).filter((e) => e.topic === 'chat.message')).toHaveLength(1);
  });

  it('text longer than 4,000 characters → 400 message_too_long; blank → 400 invalid_request', async () => {
    const [a, b] = (await friends(2)) as [Client, Client];
    const conv = await direct(a, b);
    await say(a, conv.id, '字'.repeat(messageTextMaxLength));
    expectError(
      await a.request('POST', `/v1/conversations/${conv.id}/messages`, {
        id: newId(),
        text: 'a'.repeat(messageTextMaxLength + 1),
      }),
      400,
      'message_too_long',
    );
    expectError(
      await a.request('POST', `/v1/conversations/${conv.id}/messages`, { id: newId(), text: '  ' }),
      400,
      'invalid_request',
    );
    expectError(
      await a.request('POST', `/v1/conversations/${conv.id}/messages`, { id: 'nope', text: 'x' }),
      400,
      'invalid_request',
    );
    expect((await history(a, conv.id)).messages.map((m) => m.seq)).toEqual([1]);
  });

  it('replies name a message of the same conversation', async () => {
    const [a, b, c] = (await friends(3)) as [Client, Client, Client];
    const conv = await direct(a, b);
    const elsewhere = await direct(a, c);
    const first = await say(a, conv.id, 'question');
    const reply = await say(b, conv.id, 'answer', { replyTo: first.id });
    expect(reply.replyTo).toBe(first.id);
    const foreign = await say(a, elsewhere.id, 'other');
    for (const replyTo of [foreign.id, newId()]) {
      const res = await b.request('POST', `/v1/conversations/${conv.id}/messages`, {
        id: newId(),
        text: 'x',
        replyTo,
      });
      expectError(res, 400, 'invalid_request');
      expect((res.json() as ErrorBody).error.details).toEqual({ path: '/body/replyTo' });
    }
  });

  it('writes chat.message with the full message to every member, the sender included', async () => {
    const [a, b] = (await friends(2)) as [Client, Client];
    const conv = await direct(a, b);
    const m = await say(a, conv.id, 'logged');
    for (const c of [a, b]) {
      const found = (await chatEvents(c, conv.id)).filter((e) => e.topic === 'chat.message');
      expect(found).toEqual([
        {
          topic: 'chat.message',
          payload: { conversationId: conv.id, seq: 1, message: m },
        },
      ]);
    }
  });

  it('a flood of messages → 429 rate_limited', async () => {
    const [a, b] = (await friends(2)) as [Client, Client];
    const conv = await direct(a, b);
    for (let i = 0; i < messagesPerUserPerMinuteMax; i++) await say(a, conv.id, `n${i}`);
    const res = await a.request('POST', `/v1/conversations/${conv.id}/messages`, {
      id: newId(),
      text: 'more',
    });
    expectError(res, 429, 'rate_limited');
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    // Others are not held back.
    await say(b, conv.id, 'still here');
  });
});

async function friendOf(a: Client): Promise<Client> {
  const c = await signupClient(t.app);
  await befriend(a, c);
  return c;
}

describe('history paging', () => {
  it('pages backwards with before, forwards with after, latest by default', async () => {
    const [a, b] = (await friends(2)) as [Client, Client];
    const conv = await direct(a, b);
    for (let i = 1; i <= 7; i++) await say(a, conv.id, `m${i}`);
    const seqs = (p: MessagePage) => p.messages.map((m) => m.seq);
    const latest = await history(b, conv.id, '?limit=3');
    expect([seqs(latest), latest.hasMore]).toEqual([[5, 6, 7], true]);
    const older = await history(b, conv.id, '?before=5&limit=3');
    expect([seqs(older), older.hasMore]).toEqual([[2, 3, 4], true]);
    const oldest = await history(b, conv.id, '?before=2&limit=3');
    expect([seqs(oldest), oldest.hasMore]).toEqual([[1], false]);
    const newer = await history(b, conv.id, '?after=0&limit=4');
    expect([seqs(newer), newer.hasMore]).toEqual([[1, 2, 3, 4], true]);
    const newest = await history(b, conv.id, '?after=4&limit=4');
    expect([seqs(newest), newest.hasMore]).toEqual([[5, 6, 7], false]);
    expectError(
      await b.request('GET', `/v1/conversations/${conv.id}/messages?before=3&after=1`),
      400,
      'invalid_request',
    );
    expectError(
      await b.request('GET', `/v1/conversations/${conv.id}/messages?limit=101`),
      400,
      'invalid_request',
    );
  });
});

// ── Receipts and unread ──────────────────────────────────────────────────────

describe('receipts', () => {
  it('read and delivered watermarks never move backwards; unread counts follow', async () => {
    const [a, b] = (await friends(2)) as [Client, Client];
    const conv = await direct(a, b);
    for (let i = 1; i <= 4; i++) await say(a, conv.id, `m${i}`);
    expect((await summary(b, conv.id)).unreadCount).toBe(4);
    expect((await summary(a, conv.id)).unreadCount).toBe(0);

    expect(ok(await b.request('POST', `/v1/conversations/${conv.id}/delivered`, { seq: 4 }))).toEqual({
      readSeq: 0,
      deliveredSeq: 4,
    });
    expect(ok(await b.request('POST', `/v1/conversations/${conv.id}/read`, { seq: 3 }))).toEqual({
      readSeq: 3,
      deliveredSeq: 4,
    });
    expect(ok(await b.request('POST', `/v1/conversations/${conv.id}/read`, { seq: 1 }))).toEqual({
      readSeq: 3,
      deliveredSeq: 4,
    });
    expect(ok(await b.request('POST', `/v1/conversations/${conv.id}/delivered`, { seq: 2 }))).toEqual({
      readSeq: 3,
      deliveredSeq: 4,
    });
    expectError(
      await b.request('POST', `/v1/conversations/${conv.id}/read`, { seq: 5 }),
      400,
      'invalid_request',
    );
    expect((await summary(b, conv.id)).unreadCount).toBe(1);
    const page = await history(a, conv.id);
    expect(page.messages.map((m) => m.readCount)).toEqual([1, 1, 1, 0]);

    const receipts = (await chatEvents(a, conv.id)).filter(
      (e) => e.topic === 'chat.read' || e.topic === 'chat.delivered',
    );
    expect(receipts).toEqual([
      {
        topic: 'chat.delivered',
        payload: { conversationId: conv.id, seq: 4, userId: b.userId },
      },
      {
        topic: 'chat.read',
        payload: { conversationId: conv.id, seq: 3, userId: b.userId },
      },
    ]);
    expect(await audienceOf([a, b], conv.id, 'chat.read', { seq: 3, userId: b.userId })).toEqual(
      sorted(a, b),
    );
    // Reading past the delivered watermark moves it too.
    expect(ok(await b.request('POST', `/v1/conversations/${conv.id}/read`, { seq: 4 }))).toEqual({
      readSeq: 4,
      deliveredSeq: 4,
    });
    expect((await summary(b, conv.id)).unreadCount).toBe(0);
  });
});

// ── Recall and delete ────────────────────────────────────────────────────────

describe('recall', () => {
  it('works at exactly 2 minutes, not a millisecond later; the body goes and a system message says so', async () => {
    const [a, b] = (await friends(2)) as [Client, Client];
    const conv = await direct(a, b);
    const early = await say(a, conv.id, 'oops', {});
    const late = await say(a, conv.id, 'too late');
    clock.advanceSeconds(recallWindowSeconds);
    expectError(
      await b.request('POST', `/v1/conversations/${conv.id}/messages/${early.id}/recall`),
      403,
      'forbidden',
    );
    const recalled = ok<Message>(
      await a.request('POST', `/v1/conversations/${conv.id}/messages/${early.id}/recall`),
    );
    expect(recalled).toMatchObject({ id: early.id, seq: 1, recalled: true, text: null, payload: null });
    clock.advance(1);
    expectError(
      await a.request('POST', `/v1/conversations/${conv.id}/messages/${late.id}/recall`),
      409,
      'recall_window_passed',
    );
    // Recalling again answers the same, and writes nothing new.
    ok(await a.request('POST', `/v1/conversations/${conv.id}/messages/${early.id}/recall`));
    const page = await history(b, conv.id);
    expect(page.messages.map((m) => [m.seq, m.kind, m.text, m.recalled])).toEqual([
      [1, 'text', null, true],
      [2, 'text', 'too late', false],
      [3, 'system', null, false],
    ]);
    expect(page.messages[2]?.payload).toEqual({
      event: 'message_recalled',
      userId: a.userId,
      messageId: early.id,
      seq: 1,
    });
    expect(await audienceOf([a, b], conv.id, 'chat.recalled')).toEqual(sorted(a, b));
    const evs = (await chatEvents(b, conv.id)).filter((e) => e.topic === 'chat.recalled');
    expect(evs).toEqual([
      {
        topic: 'chat.recalled',
        payload: { conversationId: conv.id, seq: 1, messageId: early.id },
      },
    ]);
    // A recalled message does not count as unread, nor does the system message.
    expect((await summary(b, conv.id)).unreadCount).toBe(1);
  });
});

describe('delete for me', () => {
  it('hides a message from me only', async () => {
    const [a, b] = (await friends(2)) as [Client, Client];
    const conv = await direct(a, b);
    const m1 = await say(a, conv.id, 'one');
    const m2 = await say(a, conv.id, 'two');
    ok(await b.request('DELETE', `/v1/conversations/${conv.id}/messages/${m2.id}`), 204);
    expect((await history(b, conv.id)).messages.map((m) => m.id)).toEqual([m1.id]);
    expect((await history(a, conv.id)).messages.map((m) => m.id)).toEqual([m1.id, m2.id]);
    const mine = await summary(b, conv.id);
    expect([mine.unreadCount, mine.lastMessage?.id]).toEqual([1, m1.id]);
    expectError(
      await b.request('DELETE', `/v1/conversations/${conv.id}/messages/${m2.id}`),
      404,
      'not_found',
    );
    const evs = (await chatEvents(b, conv.id)).filter((e) => e.topic === 'chat.deleted');
    expect(evs).toEqual([
      {
        topic: 'chat.deleted',
        payload: { conversationId: conv.id, seq: 2, messageId: m2.id },
      },
    ]);
    expect((await chatEvents(a, conv.id)).some((e) => e.topic === 'chat.deleted')).toBe(false);
  });
});

describe('forwarding', () => {
  it('copies a message I can see into another conversation, marked forwarded', async () => {
    const [a, b, c] = (await friends(3)) as [Client, Client, Client];
    const ab = await direct(a, b);
    const ac = await direct(a, c);
    const original = await say(b, ab.id, 'pass it on');
    const id = newId();
    const body = { id, from: { conversationId: ab.id, messageId: original.id } };
    const fwd = ok<Message>(await a.request('POST', `/v1/conversations/${ac.id}/forward`, body), 201);
    expect(fwd).toMatchObject({
      conversationId: ac.id,
      seq: 1,
      senderId: a.userId,
      text: 'pass it on',
      forwarded: true,
    });
    expect(ok<Message>(await a.request('POST', `/v1/conversations/${ac.id}/forward`, body))).toEqual(fwd);
    // c cannot forward what it cannot see.
    expectError(
      await c.request('POST', `/v1/conversations/${ac.id}/forward`, { id: newId(), from: body.from }),
      404,
      'not_found',
    );
  });
});

// ── Settings and the list ────────────────────────────────────────────────────

describe('the conversation list', () => {
  it('pinned first, then by last activity; muted and archived are mine alone', async () => {
    const [a, b, c, d] = (await friends(4)) as [Client, Client, Client, Client];
    const ab = await direct(a, b);
    const ac = await direct(a, c);
    const ad = await direct(a, d);
    await say(b, ab.id, '1');
    clock.advance(1000);
    await say(c, ac.id, '2');
    clock.advance(1000);
    await say(d, ad.id, '3');
    expect((await list(a)).map((x) => x.id)).toEqual([ad.id, ac.id, ab.id]);
    const pinned = ok<ConversationSummary>(
      await a.request('PATCH', `/v1/conversations/${ab.id}/settings`, { pinned: true, muted: true }),
    );
    expect(pinned).toMatchObject({ pinned: true, muted: true, archived: false });
    expect((await list(a)).map((x) => x.id)).toEqual([ab.id, ad.id, ac.id]);
    expect(await summary(b, ab.id)).toMatchObject({ pinned: false, muted: false });
    const evs = (await chatEvents(a, ab.id)).filter((e) => e.payload.change === 'settings');
    expect(evs).toHaveLength(1);
    expect(evs[0]).toMatchObject({
      payload: { settings: { muted: true, pinned: true, archived: false }, seq: 1 },
    });
    expect((await chatEvents(b, ab.id)).some((e) => e.payload.change === 'settings')).toBe(false);
  });
});

// ── Groups ───────────────────────────────────────────────────────────────────

describe('groups', () => {
  it('created by the owner with friends; a system message and events for all', async () => {
    const [o, m1, m2] = (await friends(3)) as [Client, Client, Client];
    const g = await group(o, [m1, m2], '  周末 ');
    expect(g).toMatchObject({
      kind: 'group',
      name: '周末',
      ownerId: o.userId,
      memberCount: 3,
      lastSeq: 1,
      myRole: 'owner',
    });
    expect(Object.fromEntries(g.members.map((m) => [m.userId, m.role]))).toEqual({
      [o.userId]: 'owner',
      [m1.userId]: 'member',
      [m2.userId]: 'member',
    });
    const [sys] = (await history(m1, g.id)).messages;
    expect(sys).toMatchObject({
      seq: 1,
      kind: 'system',
      senderId: o.userId,
      payload: { event: 'group_created', name: '周末' },
    });
    for (const c of [o, m1, m2]) {
      const topics = (await chatEvents(c, g.id)).map((e) => e.topic);
      expect(topics).toEqual(['chat.message', 'chat.conversation']);
    }
  });

  it('only friends of the creator or inviter may be added', async () => {
    const [o, m1] = (await friends(2)) as [Client, Client];
    const stranger = await signupClient(t.app);
    expectError(
      await o.request('POST', '/v1/conversations/groups', {
        name: 'x',
        memberIds: [m1.userId, stranger.userId],
      }),
      403,
      'recipient_unavailable',
    );
    const g = await group(o, [m1]);
    expectError(
      await m1.request('POST', `/v1/conversations/${g.id}/members`, { userIds: [stranger.userId] }),
      403,
      'recipient_unavailable',
    );
  });

  it('invite, messages after joining only, read counts, roles, remove, leave, transfer', async () => {
    const [o, a, b, c] = (await friends(4)) as [Client, Client, Client, Client];
    const g = await group(o, [a, b]);
    const before = await say(a, g.id, 'before c joined');
    // Any member invites their friends; the newcomer sees from the join message on.
    const invited = ok<ConversationDetail>(
      await a.request('POST', `/v1/conversations/${g.id}/members`, { userIds: [c.userId] }),
    );
    expect(invited.memberCount).toBe(4);
    const seen = (await history(c, g.id)).messages;
    expect(seen.map((m) => [m.seq, m.kind, m.payload?.event])).toEqual([[3, 'system', 'member_joined']]);
    expect(seen[0]?.payload).toEqual({ event: 'member_joined', userIds: [c.userId], by: a.userId });
    expectError(
      await c.request('POST', `/v1/conversations/${g.id}/messages/${before.id}/recall`),
      404,
      'not_found',
    );
    expect((await summary(c, g.id)).unreadCount).toBe(0);

    // Read counts: members whose read watermark reached the message, the sender aside.
    const hello = await say(a, g.id, 'hello all');
    ok(await o.request('POST', `/v1/conversations/${g.id}/read`, { seq: hello.seq }));
    ok(await b.request('POST', `/v1/conversations/${g.id}/read`, { seq: hello.seq }));
    ok(await a.request('POST', `/v1/conversations/${g.id}/read`, { seq: hello.seq }));
    const page = await history(o, g.id);
    expect(page.messages.find((m) => m.id === hello.id)?.readCount).toBe(2);

    // Mentions: members, or all by the owner and admins.
    const mention = await say(b, g.id, '@o', { mentions: [o.userId, o.userId, b.userId] });
    expect([mention.mentions, mention.mentionAll]).toEqual([[o.userId], false]);
    expectError(
      await b.request('POST', `/v1/conversations/${g.id}/messages`, {
        id: newId(),
        text: '@all',
        mentions: ['all'],
      }),
      403,
      'forbidden',
    );
    expect((await say(o, g.id, '@all', { mentions: ['all'] })).mentionAll).toBe(true);

    // Only the owner and admins rename; only the owner sets roles.
    expectError(await a.request('PATCH', `/v1/conversations/${g.id}`, { name: 'mine' }), 403, 'forbidden');
    expectError(
      await a.request('PUT', `/v1/conversations/${g.id}/members/${b.userId}/role`, { role: 'admin' }),
      403,
      'forbidden',
    );
    const promoted = ok<ConversationDetail>(
      await o.request('PUT', `/v1/conversations/${g.id}/members/${a.userId}/role`, { role: 'admin' }),
    );
    expect(promoted.members.find((m) => m.userId === a.userId)?.role).toBe('admin');
    const renamed = ok<ConversationDetail>(
      await a.request('PATCH', `/v1/conversations/${g.id}`, { name: 'New name', announcement: 'Be kind' }),
    );
    expect([renamed.name, renamed.announcement]).toEqual(['New name', 'Be kind']);

    // Mute all: only the owner and admins speak.
    ok(await o.request('PATCH', `/v1/conversations/${g.id}`, { muteAll: true }));
    expectError(
      await b.request('POST', `/v1/conversations/${g.id}/messages`, { id: newId(), text: 'hey' }),
      403,
      'forbidden',
    );
    await say(a, g.id, 'admins may');
    ok(await o.request('PATCH', `/v1/conversations/${g.id}`, { muteAll: false }));
    await say(b, g.id, 'free again');

    // Remove: admins remove members, never the owner or other admins.
    expectError(await a.request('DELETE', `/v1/conversations/${g.id}/members/${o.userId}`), 403, 'forbidden');
    expectError(await b.request('DELETE', `/v1/conversations/${g.id}/members/${c.userId}`), 403, 'forbidden');
    ok(await a.request('DELETE', `/v1/conversations/${g.id}/members/${c.userId}`), 204);
    expectError(await c.request('GET', `/v1/conversations/${g.id}`), 404, 'not_found');
    expectError(await c.request('GET', `/v1/conversations/${g.id}/messages`), 404, 'not_found');
    const removedEvents = await chatEvents(c, g.id);
    expect(removedEvents.at(-2)).toMatchObject({
      topic: 'chat.message',
      payload: { message: { payload: { event: 'member_removed', userIds: [c.userId] } } },
    });
    expect(removedEvents.at(-1)).toMatchObject({
      topic: 'chat.conversation',
      payload: { change: 'removed' },
    });
    expect(await audienceOf([o, a, b, c], g.id, 'chat.conversation', { change: 'removed' })).toEqual(
      sorted(c),
    );
    expect(await audienceOf([o, a, b, c], g.id, 'chat.conversation', { change: 'members' })).toEqual(
      sorted(o, a, b, c),
    );
    expectError(await a.request('DELETE', `/v1/conversations/${g.id}/members/${c.userId}`), 404, 'not_found');

    // Transfer, then the new owner leaves: the earliest admin (the old owner) takes over.
    expectError(
      await a.request('POST', `/v1/conversations/${g.id}/transfer`, { userId: b.userId }),
      403,
      'forbidden',
    );
    const moved = ok<ConversationDetail>(
      await o.request('POST', `/v1/conversations/${g.id}/transfer`, { userId: b.userId }),
    );
    expect(moved.ownerId).toBe(b.userId);
    expect(Object.fromEntries(moved.members.map((m) => [m.userId, m.role]))).toEqual({
      [o.userId]: 'admin',
      [a.userId]: 'admin',
      [b.userId]: 'owner',
    });
    ok(await b.request('POST', `/v1/conversations/${g.id}/leave`), 204);
    const after = ok<ConversationDetail>(await o.request('GET', `/v1/conversations/${g.id}`));
    expect([after.ownerId, after.memberCount]).toEqual([o.userId, 2]);
    const events = (await history(o, g.id)).messages
      .filter((m) => m.kind === 'system')
      .map((m) => m.payload?.event);
    expect(events).toEqual([
      'group_created',
      'member_joined',
      'role_changed',
      'renamed',
      'announcement_changed',
      'mute_all_changed',
      'mute_all_changed',
      'member_removed',
      'owner_changed',
      'member_left',
      'owner_changed',
    ]);
    // Seqs stay gapless through it all.
    const seqs = (await history(o, g.id, '?limit=100')).messages.map((m) => m.seq);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
  });
});

// ── Search ───────────────────────────────────────────────────────────────────

describe('search', () => {
  it('finds words and Chinese substrings in my conversations only; wildcards are literal', async () => {
    const [a, b, c] = (await friends(3)) as [Client, Client, Client];
    const ab = await direct(a, b);
    const bc = await direct(b, c);
    const m1 = await say(a, ab.id, 'Dinner tonight at the noodle place');
    const m2 = await say(b, ab.id, '我们明天去吃火锅吧');
    await say(b, bc.id, 'noodle secrets and 火锅');
    const m3 = await say(a, ab.id, '100% sure');
    const q = async (text: string) =>
      ok<{ messages: Message[] }>(
        await a.request('GET', `/v1/messages/search?q=${encodeURIComponent(text)}`),
      ).messages.map((m) => m.id);
    expect(await q('noodle')).toEqual([m1.id]);
    expect(await q('火锅')).toEqual([m2.id]);
    expect(await q('0%')).toEqual([m3.id]);
    expect(await q('_')).toEqual([]);
  });
});
