import type { AddressInfo } from 'node:net';
import {
  applyChatUpdate,
  type ConversationSummary,
  emptyChatState,
  type Message,
  type MessagePage,
  readCountOf,
  type ServerFrame,
  type Update,
  unreadCountOf,
} from '@jiaozi/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { newId } from '../kernel/ids.js';
import { headPts, updatesAfter } from '../platform/outbox/outbox.js';
import { type Client, createTestApp, signupClient, type TestApp } from '../test/app.js';

/**
 * The Zulip test: a device that applied its log up to some pts goes offline while 1,000
 * messages, recalls, receipts, a deletion and a rename happen; it reconnects, applies the
 * difference, and its state equals a fresh fetch exactly.
 */
describe('a device offline for 1,000 messages catches up to exactly a fresh fetch', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ config: { rateLimits: false } });
    await t.app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => t?.shutdown());

  async function befriend(a: Client, b: Client): Promise<void> {
    const req = await a.request('POST', '/v1/friend-requests', {
      id: newId(),
      to: { userId: b.userId },
      message: 'hi',
    });
    expect(req.statusCode, req.body).toBe(201);
    const ok = await b.request('POST', `/v1/friend-requests/${req.json().id}/accept`);
    expect(ok.statusCode, ok.body).toBe(200);
  }

  async function send(c: Client, conversationId: string, text: string, replyTo?: string): Promise<Message> {
    const res = await c.request('POST', `/v1/conversations/${conversationId}/messages`, {
      id: newId(),
      text,
      ...(replyTo ? { replyTo } : {}),
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as Message;
  }

  async function fetchAll(c: Client, conversationId: string): Promise<Message[]> {
    const out: Message[] = [];
    let after = 0;
    for (;;) {
      const res = await c.request(
        'GET',
        `/v1/conversations/${conversationId}/messages?after=${after}&limit=100`,
      );
      expect(res.statusCode, res.body).toBe(200);
      const page = res.json() as MessagePage;
      out.push(...page.messages);
      const last = page.messages.at(-1);
      if (!page.hasMore || !last) return out;
      after = last.seq;
    }
  }

  it('applies the difference to the same state', { timeout: 120_000 }, async () => {
    const alice = await signupClient(t.app);
    const bob = await signupClient(t.app);
    const carol = await signupClient(t.app);
    await befriend(alice, bob);
    await befriend(alice, carol);
    const direct = (await alice.request('POST', '/v1/conversations/direct', { userId: bob.userId })).json()
      .id as string;
    const group = await alice.request('POST', '/v1/conversations/groups', {
      name: 'Dumpling club',
      memberIds: [bob.userId, carol.userId],
    });
    expect(group.statusCode, group.body).toBe(201);
    const groupId = group.json().id as string;
    await send(bob, direct, 'before going offline');

    // Bob's phone has applied everything so far, then goes offline.
    const phonePts = await headPts(t.database.db, bob.userId);
    const state = emptyChatState(bob.userId);
    for (const u of await updatesAfter(t.database.db, bob.userId, 0n, 10_000)) {
      applyChatUpdate(state, {
        pts: Number(u.pts),
        topic: u.topic,
        payload: u.payload,
        at: u.createdAt.toISOString(),
      });
    }

    // 1,000 messages while it is away, with replies, recalls, receipts, a deletion, a rename.
    const sent: Message[] = [];
    for (let i = 0; i < 1000; i++) {
      const inGroup = i % 4 === 3;
      const from = inGroup ? (i % 8 === 3 ? carol : alice) : i % 5 === 0 ? bob : alice;
      const replyTo =
        i % 97 === 0 && sent.length > 0
          ? sent.findLast((m) => m.conversationId === (inGroup ? groupId : direct))?.id
          : undefined;
      sent.push(await send(from, inGroup ? groupId : direct, `message ${i} 你好`, replyTo));
      if (i === 400) {
        // Bob reads on his laptop; carol reads the group.
        const lastDirect = sent.findLast((m) => m.conversationId === direct) as Message;
        expect(
          (await bob.request('POST', `/v1/conversations/${direct}/read`, { seq: lastDirect.seq })).statusCode,
        ).toBe(200);
        const lastGroup = sent.findLast((m) => m.conversationId === groupId) as Message;
        expect(
          (await carol.request('POST', `/v1/conversations/${groupId}/read`, { seq: lastGroup.seq }))
            .statusCode,
        ).toBe(200);
      }
    }
    for (const m of sent.filter((x) => x.senderId === alice.userId).slice(-5)) {
      const res = await alice.request(
        'POST',
        `/v1/conversations/${m.conversationId}/messages/${m.id}/recall`,
      );
      expect(res.statusCode, res.body).toBe(200);
    }
    const doomed = sent.find((m) => m.conversationId === direct && m.senderId === alice.userId) as Message;
    expect(
      (await bob.request('DELETE', `/v1/conversations/${direct}/messages/${doomed.id}`)).statusCode,
    ).toBe(204);
    expect(
      (await alice.request('PATCH', `/v1/conversations/${groupId}`, { name: 'Dumpling society' })).statusCode,
    ).toBe(200);
    expect(
      (await alice.request('POST', `/v1/conversations/${direct}/read`, { seq: sent.length })).statusCode,
    ).toBeLessThan(500);

    // The phone reconnects from its pts and applies the difference.
    const frames: ServerFrame[] = [];
    const socket = new WebSocket(`ws://127.0.0.1:${(t.app.server.address() as AddressInfo).port}/v1/ws`);
    socket.on('message', (data) => frames.push(JSON.parse(data.toString()) as ServerFrame));
    await new Promise((r) => socket.once('open', r));
    socket.send(JSON.stringify({ type: 'auth', token: bob.token, pts: Number(phonePts) }));
    const deadline = Date.now() + 30_000;
    while (!frames.some((f) => f.type === 'ready') && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 10));
    socket.terminate();
    expect(frames.some((f) => f.type === 'too_long')).toBe(false);
    const difference: Update[] = frames.flatMap((f) =>
      f.type === 'difference' || f.type === 'updates' ? f.updates : [],
    );
    expect(difference.length).toBeGreaterThan(1000);
    for (const u of difference) applyChatUpdate(state, u);

    // A fresh fetch, as a new device would make.
    const list = (await bob.request('GET', '/v1/conversations')).json() as {
      conversations: ConversationSummary[];
    };
    expect(list.conversations.map((c) => c.id).sort()).toEqual([...state.conversations.keys()].sort());
    for (const summary of list.conversations) {
      const local = state.conversations.get(summary.id);
      expect(local, summary.id).toBeDefined();
      if (!local) continue;
      expect(local.info?.name ?? null).toBe(summary.name);
      expect(unreadCountOf(state, local)).toBe(summary.unreadCount);
      const fresh = await fetchAll(bob, summary.id);
      const rebuilt = [...local.messages.values()]
        .sort((a, b) => a.seq - b.seq)
        .map((m) => ({ ...m, readCount: readCountOf(local, m) }));
      expect(rebuilt.length).toBe(fresh.length);
      expect(rebuilt).toEqual(fresh);
    }
  });
});
