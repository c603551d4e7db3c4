import type {
  Contact,
  ContactList,
  ErrorBody,
  FriendRequest,
  PrivacySettings,
  PublicUser,
} from '@jiaozi/protocol';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../kernel/clock.js';
import { newId } from '../kernel/ids.js';
import { friendRequestsPerUserPerHourMax, friendRequestTtlSeconds } from '../kernel/limits.js';
import { outboxFor } from '../platform/outbox/outbox.js';
import { type Client, createTestApp, signupClient, type TestApp, uniqueUsername } from '../test/app.js';

let t: TestApp;
const clock = new ManualClock('2026-11-25T08:00:00.000Z');

beforeAll(async () => {
  t = await createTestApp({ clock });
});

afterAll(async () => {
  await t?.shutdown();
});

// ── Helpers ──────────────────────────────────────────────────────────────────

type User = Client & { username: string; phone: string; displayName: string };

let phoneCounter = 0;
function uniquePhone(): string {
  phoneCounter += 1;
  return `+86138${String(process.pid % 10_000).padStart(4, '0')}${String(phoneCounter).padStart(4, '0')}`;
}

/** A user with a username, a display name and (set by the operator) a phone number. */
async function newUser(displayName?: string): Promise<User> {
  const username = uniqueUsername('soc');
  const name = displayName ?? `Person ${username}`;
  const c = await signupClient(t.app, { username, displayName: name });
  const phone = uniquePhone();
  await t.database.db.updateTable('users').set({ phone }).where('id', '=', c.userId).execute();
  return Object.assign(c, { username, phone, displayName: name });
}

function publicOf(u: User, relation: PublicUser['relation']): PublicUser {
  return {
    id: u.userId,
    displayName: u.displayName,
    username: u.username,
    region: null,
    avatarId: null,
    relation,
  };
}

function codeOf(res: LightMyRequestResponse): string {
  return (res.json() as ErrorBody).error?.code ?? '';
}

function expectError(res: LightMyRequestResponse, status: number, code: string): void {
  expect(res.statusCode, res.body).toBe(status);
  expect(codeOf(res)).toBe(code);
}

async function send(
  from: User,
  to: object,
  message = 'Hi, it is me',
  id = newId(),
): Promise<LightMyRequestResponse> {
  return from.request('POST', '/v1/friend-requests', { id, to, message });
}

async function sendOk(from: User, to: User, message = 'Hi, it is me'): Promise<FriendRequest> {
  const res = await send(from, { userId: to.userId }, message);
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as FriendRequest;
}

async function befriend(a: User, b: User): Promise<void> {
  const req = await sendOk(a, b);
  const res = await b.request('POST', `/v1/friend-requests/${req.id}/accept`);
  expect(res.statusCode, res.body).toBe(200);
}

async function requests(u: User, direction: 'incoming' | 'outgoing'): Promise<FriendRequest[]> {
  const res = await u.request('GET', `/v1/friend-requests?direction=${direction}`);
  expect(res.statusCode, res.body).toBe(200);
  return (res.json() as { requests: FriendRequest[] }).requests;
}

async function contacts(u: User): Promise<ContactList> {
  const res = await u.request('GET', '/v1/contacts');
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as ContactList;
}

async function relation(viewer: User, other: User): Promise<PublicUser['relation']> {
  const res = await viewer.request('GET', `/v1/users/${other.userId}`);
  expect(res.statusCode, res.body).toBe(200);
  return (res.json() as PublicUser).relation;
}

async function events(u: User): Promise<{ topic: string; payload: Record<string, unknown> }[]> {
  const rows = await outboxFor(t.database.db, u.userId);
  for (const row of rows) expect(row.user_id).toBe(u.userId);
  return rows.map((r) => ({
    topic: r.topic,
    payload: (typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload) as Record<string, unknown>,
  }));
}

async function block(blocker: User, blocked: User): Promise<void> {
  const res = await blocker.request('POST', '/v1/blocks', { userId: blocked.userId });
  expect(res.statusCode, res.body).toBe(204);
}

// ── Finding people ───────────────────────────────────────────────────────────

describe('GET /v1/users/search', () => {
  it('finds by exact username in any case, never by part of one', async () => {
    const [me, alice] = [await newUser(), await newUser('Alice')];
    const res = await me.request('GET', `/v1/users/search?q=${alice.username.toUpperCase()}`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual(publicOf(alice, 'none'));
    expectError(
      await me.request('GET', `/v1/users/search?q=${alice.username.slice(0, -1)}`),
      404,
      'not_found',
    );
    expectError(await me.request('GET', '/v1/users/search?q=soc'), 404, 'not_found');
    expectError(await me.request('GET', '/v1/users/search?q=%25'), 404, 'not_found');
  });

  it('finds by exact E.164 phone number, never by part of one, and never shows the phone', async () => {
    const [me, bob] = [await newUser(), await newUser('Bob')];
    const res = await me.request('GET', `/v1/users/search?q=${encodeURIComponent(bob.phone)}`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual(publicOf(bob, 'none'));
    expect(res.body).not.toContain(bob.phone);
    expectError(
      await me.request('GET', `/v1/users/search?q=${encodeURIComponent(bob.phone.slice(0, -1))}`),
      404,
      'not_found',
    );
  });

  it('a phone its owner keeps unfindable answers exactly like an unknown one', async () => {
    const [me, shy] = [await newUser(), await newUser()];
    const patch = await shy.request('PATCH', '/v1/me/privacy', { findableByPhone: false });
    expect(patch.statusCode, patch.body).toBe(200);
    const hidden = await me.request('GET', `/v1/users/search?q=${encodeURIComponent(shy.phone)}`);
    const unknown = await me.request('GET', `/v1/users/search?q=${encodeURIComponent('+8613999999999')}`);
    expectError(hidden, 404, 'not_found');
    expectError(unknown, 404, 'not_found');
    expect((hidden.json() as ErrorBody).error.message).toBe((unknown.json() as ErrorBody).error.message);
    // The username still finds them, and they find themselves.
    expect((await me.request('GET', `/v1/users/search?q=${shy.username}`)).statusCode).toBe(200);
    const self = await shy.request('GET', `/v1/users/search?q=${encodeURIComponent(shy.phone)}`);
    expect(self.json()).toEqual(publicOf(shy, 'self'));
  });

  it('someone who blocks me is not found', async () => {
    const [me, blocker] = [await newUser(), await newUser()];
    await block(blocker, me);
    expectError(await me.request('GET', `/v1/users/search?q=${blocker.username}`), 404, 'not_found');
    expectError(
      await me.request('GET', `/v1/users/search?q=${encodeURIComponent(blocker.phone)}`),
      404,
      'not_found',
    );
    // The blocker still finds me.
    expect((await blocker.request('GET', `/v1/users/search?q=${me.username}`)).statusCode).toBe(200);
  });

  it('needs a query and a session', async () => {
    const me = await newUser();
    expectError(await me.request('GET', '/v1/users/search'), 400, 'invalid_request');
    expectError(await me.request('GET', '/v1/users/search?q=a&x=1'), 400, 'invalid_request');
    const anon = await t.app.inject({ method: 'GET', url: '/v1/users/search?q=abc' });
    expectError(anon, 401, 'unauthenticated');
  });
});

describe('GET /v1/users/:id', () => {
  it('shows a stranger, a friend and myself, with the relation', async () => {
    const [me, stranger, friend] = [await newUser(), await newUser(), await newUser()];
    await befriend(me, friend);
    expect((await me.request('GET', `/v1/users/${stranger.userId}`)).json()).toEqual(
      publicOf(stranger, 'none'),
    );
    expect((await me.request('GET', `/v1/users/${friend.userId}`)).json()).toEqual(
      publicOf(friend, 'friend'),
    );
    expect((await me.request('GET', `/v1/users/${me.userId}`)).json()).toEqual(publicOf(me, 'self'));
  });

  it('someone who blocks me, an unknown id and a bad id are not found', async () => {
    const [me, blocker] = [await newUser(), await newUser()];
    await block(blocker, me);
    expectError(await me.request('GET', `/v1/users/${blocker.userId}`), 404, 'not_found');
    expectError(await me.request('GET', `/v1/users/${newId()}`), 404, 'not_found');
    expectError(await me.request('GET', '/v1/users/nope'), 400, 'invalid_request');
  });
});

describe('contact QR codes', () => {
  it('a signed payload that resolves to its owner', async () => {
    const [me, other] = [await newUser(), await newUser()];
    const qr = await other.request('GET', '/v1/me/contact-qr');
    expect(qr.statusCode, qr.body).toBe(200);
    const { payload } = qr.json() as { payload: string };
    expect(payload).toMatch(new RegExp(`^jiaozi:user:v1:${other.userId}:[0-9a-f]{32}$`));
    expect((await other.request('GET', '/v1/me/contact-qr')).json()).toEqual({ payload });

    const res = await me.request('POST', '/v1/users/resolve-qr', { payload });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual(publicOf(other, 'none'));
    expect((await other.request('POST', '/v1/users/resolve-qr', { payload })).json()).toEqual(
      publicOf(other, 'self'),
    );
  });

  it('a tampered, foreign or unowned payload is qr_invalid', async () => {
    const [me, other] = [await newUser(), await newUser()];
    const { payload } = (await other.request('GET', '/v1/me/contact-qr')).json() as { payload: string };
    const sig = payload.slice(-32);
    const flipped = `${payload.slice(0, -1)}${sig.endsWith('0') ? '1' : '0'}`;
    const otherUser = payload.replace(other.userId, me.userId);
    const nobody = `jiaozi:user:v1:${newId()}:${sig}`;
    const wallet = (await other.request('GET', '/v1/wallet/qr')).json() as { payload: string };
    for (const bad of [flipped, otherUser, nobody, wallet.payload, 'hello']) {
      expectError(await me.request('POST', '/v1/users/resolve-qr', { payload: bad }), 400, 'qr_invalid');
    }
    expectError(await me.request('POST', '/v1/users/resolve-qr', {}), 400, 'invalid_request');
  });

  it('the code of someone who blocks me is not found', async () => {
    const [me, blocker] = [await newUser(), await newUser()];
    const { payload } = (await blocker.request('GET', '/v1/me/contact-qr')).json() as { payload: string };
    await block(blocker, me);
    expectError(await me.request('POST', '/v1/users/resolve-qr', { payload }), 404, 'not_found');
  });
});

// ── Friend requests ──────────────────────────────────────────────────────────

describe('POST /v1/friend-requests', () => {
  it('sends a request the recipient sees, with an event for each side', async () => {
    const [a, b] = [await newUser('Anna'), await newUser('Ben')];
    const id = newId();
    const res = await send(a, { userId: b.userId }, '  Hello Ben, Anna from work  ', id);
    expect(res.statusCode, res.body).toBe(201);
    const expiresAt = new Date(clock.now().getTime() + friendRequestTtlSeconds * 1000).toISOString();
    const sent = res.json() as FriendRequest;
    expect(sent).toEqual({
      id,
      from: publicOf(a, 'self'),
      to: publicOf(b, 'request_sent'),
      message: 'Hello Ben, Anna from work',
      status: 'pending',
      createdAt: clock.now().toISOString(),
      expiresAt,
    });
    const seen = { ...sent, from: publicOf(a, 'request_received'), to: publicOf(b, 'self') };
    expect(await requests(b, 'incoming')).toEqual([seen]);
    expect(await requests(a, 'outgoing')).toEqual([sent]);
    expect(await requests(a, 'incoming')).toEqual([]);
    expect(await relation(a, b)).toBe('request_sent');
    expect(await relation(b, a)).toBe('request_received');
    expect(await events(a)).toEqual([{ topic: 'social.friend_request', payload: { request: sent } }]);
    expect(await events(b)).toEqual([{ topic: 'social.friend_request', payload: { request: seen } }]);
  });

  it('finds the target by username (any case) or phone', async () => {
    const [a, b, c] = [await newUser(), await newUser(), await newUser()];
    const byName = await send(a, { username: b.username.toUpperCase() });
    expect(byName.statusCode, byName.body).toBe(201);
    expect((byName.json() as FriendRequest).to.id).toBe(b.userId);
    const byPhone = await send(a, { phone: c.phone });
    expect(byPhone.statusCode, byPhone.body).toBe(201);
    expect((byPhone.json() as FriendRequest).to.id).toBe(c.userId);
  });

  it('an unknown target, or a phone kept unfindable, is not found', async () => {
    const [a, shy] = [await newUser(), await newUser()];
    await shy.request('PATCH', '/v1/me/privacy', { findableByPhone: false });
    expectError(await send(a, { userId: newId() }), 404, 'not_found');
    expectError(await send(a, { username: 'nobody_here_at_all' }), 404, 'not_found');
    expectError(await send(a, { phone: '+8613999999998' }), 404, 'not_found');
    expectError(await send(a, { phone: shy.phone }), 404, 'not_found');
    expect((await send(a, { username: shy.username })).statusCode).toBe(201);
  });

  it('refuses myself with cannot_friend_self, however I am named', async () => {
    const a = await newUser();
    for (const to of [{ userId: a.userId }, { username: a.username }, { phone: a.phone }]) {
      expectError(await send(a, to), 400, 'cannot_friend_self');
    }
  });

  it('refuses friends with already_friends', async () => {
    const [a, b] = [await newUser(), await newUser()];
    await befriend(a, b);
    expectError(await send(a, { userId: b.userId }), 409, 'already_friends');
    expectError(await send(b, { userId: a.userId }), 409, 'already_friends');
  });

  it('validates the body', async () => {
    const [a, b] = [await newUser(), await newUser()];
    expectError(await send(a, { userId: b.userId }, 'x'.repeat(201)), 400, 'invalid_request');
    expect((await send(a, { userId: b.userId }, '好'.repeat(200))).statusCode).toBe(201);
    expectError(await send(a, { userId: b.userId, username: b.username }), 400, 'invalid_request');
    expectError(await send(a, {}), 400, 'invalid_request');
    expectError(await send(a, { userId: b.userId }, 'hi', 'not-a-uuid'), 400, 'invalid_request');
    const extra = await a.request('POST', '/v1/friend-requests', {
      id: newId(),
      to: { userId: b.userId },
      message: 'hi',
      extra: 1,
    });
    expectError(extra, 400, 'invalid_request');
  });

  it('is idempotent by id: the same body answers the same request, another body conflicts', async () => {
    const [a, b, c] = [await newUser(), await newUser(), await newUser()];
    const id = newId();
    const first = await send(a, { userId: b.userId }, 'hello', id);
    expect(first.statusCode).toBe(201);
    clock.advance(1000);
    const again = await send(a, { userId: b.userId }, 'hello', id);
    expect(again.statusCode).toBe(201);
    expect(again.json()).toEqual(first.json());
    expectError(await send(a, { userId: b.userId }, 'changed', id), 409, 'idempotency_conflict');
    expectError(await send(a, { userId: c.userId }, 'hello', id), 409, 'idempotency_conflict');
    expectError(await send(c, { userId: b.userId }, 'hello', id), 409, 'idempotency_conflict');
    expect(await requests(b, 'incoming')).toHaveLength(1);
    expect(await events(b)).toHaveLength(1);
  });

  it('re-sending while one is pending returns the pending one with the new message', async () => {
    const [a, b] = [await newUser(), await newUser()];
    const first = await sendOk(a, b, 'first');
    clock.advanceSeconds(60);
    const second = await sendOk(a, b, 'second');
    expect(second.id).toBe(first.id);
    expect(second.message).toBe('second');
    expect(second.createdAt).toBe(first.createdAt);
    expect(second.expiresAt).toBe(
      new Date(clock.now().getTime() + friendRequestTtlSeconds * 1000).toISOString(),
    );
    const incoming = await requests(b, 'incoming');
    expect(incoming.map((r) => [r.id, r.message])).toEqual([[first.id, 'second']]);
    expect((await events(b)).map((e) => e.topic)).toEqual(['social.friend_request', 'social.friend_request']);
  });

  it('a request to someone who already asked me accepts theirs', async () => {
    const [a, b] = [await newUser('Ann'), await newUser('Bo')];
    const theirs = await sendOk(b, a, 'from b');
    clock.advanceSeconds(5);
    const res = await send(a, { username: b.username }, 'from a');
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toEqual({
      ...theirs,
      from: publicOf(b, 'friend'),
      to: publicOf(a, 'self'),
      status: 'accepted',
    });
    expect(await relation(a, b)).toBe('friend');
    expect((await contacts(a)).contacts.map((c) => c.user.id)).toEqual([b.userId]);
    expect((await contacts(b)).contacts.map((c) => c.user.id)).toEqual([a.userId]);
    expect(await requests(a, 'outgoing')).toEqual([]);
    expect((await events(a)).map((e) => e.topic)).toEqual(['social.friend_request', 'social.friend_added']);
    expect((await events(b)).map((e) => e.topic)).toEqual(['social.friend_request', 'social.friend_added']);
  });

  it('is rate limited per user', async () => {
    const a = await newUser();
    for (let i = 0; i < friendRequestsPerUserPerHourMax; i++) {
      const res = await send(a, { userId: newId() });
      expect(res.statusCode).toBe(404);
    }
    const over = await send(a, { userId: newId() });
    expectError(over, 429, 'rate_limited');
    expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);
    // Another user is not affected.
    const [b, c] = [await newUser(), await newUser()];
    expect((await send(b, { userId: c.userId })).statusCode).toBe(201);
  });
});

describe('accepting and declining', () => {
  it('the recipient accepts: both have the contact, both are told', async () => {
    const [a, b] = [await newUser('Amy'), await newUser('Bill')];
    const req = await sendOk(a, b);
    clock.advanceSeconds(30);
    const res = await b.request('POST', `/v1/friend-requests/${req.id}/accept`);
    expect(res.statusCode, res.body).toBe(200);
    const since = clock.now().toISOString();
    const contactOfA: Contact = {
      user: publicOf(a, 'friend'),
      remark: null,
      name: 'Amy',
      letter: 'A',
      sortKey: 'amy',
      since,
    };
    expect(res.json()).toEqual({ contact: contactOfA });
    expect(await contacts(b)).toEqual({ contacts: [contactOfA], index: [{ letter: 'A', count: 1 }] });
    const contactOfB: Contact = {
      user: publicOf(b, 'friend'),
      remark: null,
      name: 'Bill',
      letter: 'B',
      sortKey: 'bill',
      since,
    };
    expect(await contacts(a)).toEqual({ contacts: [contactOfB], index: [{ letter: 'B', count: 1 }] });
    const accepted = { ...req, status: 'accepted', from: publicOf(a, 'self'), to: publicOf(b, 'friend') };
    expect(await requests(a, 'outgoing')).toEqual([accepted]);
    expect((await events(a))[1]).toEqual({
      topic: 'social.friend_added',
      payload: { request: accepted, contact: contactOfB },
    });
    expect((await events(b))[1]).toEqual({
      topic: 'social.friend_added',
      payload: {
        request: { ...accepted, from: publicOf(a, 'friend'), to: publicOf(b, 'self') },
        contact: contactOfA,
      },
    });
    expect(await t.services.social.areFriends(a.userId, b.userId)).toBe(true);
    expect(await t.services.social.repo.countFriendshipRows(a.userId, b.userId)).toBe(2);
  });

  it('only the recipient may answer: the sender and others get not_found', async () => {
    const [a, b, c] = [await newUser(), await newUser(), await newUser()];
    const req = await sendOk(a, b);
    for (const who of [a, c]) {
      expectError(await who.request('POST', `/v1/friend-requests/${req.id}/accept`), 404, 'not_found');
      expectError(await who.request('POST', `/v1/friend-requests/${req.id}/decline`), 404, 'not_found');
    }
    expectError(await b.request('POST', `/v1/friend-requests/${newId()}/accept`), 404, 'not_found');
    expect((await requests(b, 'incoming'))[0]?.status).toBe('pending');
  });

  it('an answered request cannot be answered again', async () => {
    const [a, b] = [await newUser(), await newUser()];
    const req = await sendOk(a, b);
    expect((await b.request('POST', `/v1/friend-requests/${req.id}/accept`)).statusCode).toBe(200);
    expectError(await b.request('POST', `/v1/friend-requests/${req.id}/accept`), 409, 'request_not_pending');
    expectError(await b.request('POST', `/v1/friend-requests/${req.id}/decline`), 409, 'request_not_pending');
  });

  it('the recipient declines: no friendship, no event, and the sender may ask again', async () => {
    const [a, b] = [await newUser(), await newUser()];
    const req = await sendOk(a, b);
    const res = await b.request('POST', `/v1/friend-requests/${req.id}/decline`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      ...req,
      from: publicOf(a, 'none'),
      to: publicOf(b, 'self'),
      status: 'declined',
    });
    expectError(await b.request('POST', `/v1/friend-requests/${req.id}/accept`), 409, 'request_not_pending');
    expect((await contacts(a)).contacts).toEqual([]);
    expect(await relation(a, b)).toBe('none');
    expect((await events(a)).map((e) => e.topic)).toEqual(['social.friend_request']);
    const again = await sendOk(a, b, 'please?');
    expect(again.id).not.toBe(req.id);
    expect((await requests(b, 'incoming')).map((r) => [r.id, r.status])).toEqual([
      [again.id, 'pending'],
      [req.id, 'declined'],
    ]);
  });

  it('a request expires after 7 days: shown expired, not acceptable, and a new one may be sent', async () => {
    const [a, b] = [await newUser(), await newUser()];
    const req = await sendOk(a, b);
    clock.advanceSeconds(friendRequestTtlSeconds - 1);
    expect((await requests(b, 'incoming'))[0]?.status).toBe('pending');
    clock.advanceSeconds(1);
    expect((await requests(b, 'incoming'))[0]?.status).toBe('expired');
    expect((await requests(a, 'outgoing'))[0]?.status).toBe('expired');
    expect(await relation(a, b)).toBe('none');
    expectError(await b.request('POST', `/v1/friend-requests/${req.id}/accept`), 409, 'request_not_pending');
    expectError(await b.request('POST', `/v1/friend-requests/${req.id}/decline`), 409, 'request_not_pending');
    // An expired request of theirs is not accepted by my request: mine is new.
    const mine = await sendOk(b, a);
    expect(mine.status).toBe('pending');
    expect(await relation(b, a)).toBe('request_sent');
    // And a new one of theirs replaces their expired one.
    const res = await send(a, { userId: b.userId });
    expect((res.json() as FriendRequest).id).toBe(mine.id);
    expect((res.json() as FriendRequest).status).toBe('accepted');
    expect((await requests(a, 'outgoing')).map((r) => r.status)).toEqual(['expired']);
  });

  it('lists are validated', async () => {
    const a = await newUser();
    expectError(await a.request('GET', '/v1/friend-requests'), 400, 'invalid_request');
    expectError(await a.request('GET', '/v1/friend-requests?direction=both'), 400, 'invalid_request');
  });
});

// ── Contacts ─────────────────────────────────────────────────────────────────

describe('contacts', () => {
  it('sorts by letter and sort key, Chinese names by pinyin, others under # at the end', async () => {
    const me = await newUser();
    const names = ['王小明', 'zoe', '123 Go', 'Alice', '李雷', '😀 Smile', 'bob', '阿强'];
    for (const name of names) await befriend(me, await newUser(name));
    const list = await contacts(me);
    expect(list.contacts.map((c) => [c.letter, c.sortKey, c.name])).toEqual([
      ['A', 'a qiang', '阿强'],
      ['A', 'alice', 'Alice'],
      ['B', 'bob', 'bob'],
      ['L', 'li lei', '李雷'],
      ['W', 'wang xiao ming', '王小明'],
      ['Z', 'zoe', 'zoe'],
      ['#', '123 go', '123 Go'],
      ['#', '😀 smile', '😀 Smile'],
    ]);
    expect(list.index).toEqual([
      { letter: 'A', count: 2 },
      { letter: 'B', count: 1 },
      { letter: 'L', count: 1 },
      { letter: 'W', count: 1 },
      { letter: 'Z', count: 1 },
      { letter: '#', count: 2 },
    ]);
  });

  it('a remark renames and refiles a contact for its owner only', async () => {
    const [me, friend] = [await newUser('Zed'), await newUser('Zhang Wei')];
    await befriend(me, friend);
    const res = await me.request('PATCH', `/v1/contacts/${friend.userId}`, { remark: '  妈妈 ' });
    expect(res.statusCode, res.body).toBe(200);
    const contact = res.json() as Contact;
    expect(contact).toMatchObject({ remark: '妈妈', name: '妈妈', letter: 'M', sortKey: 'ma ma' });
    expect(contact.user).toEqual(publicOf(friend, 'friend'));
    expect((await contacts(me)).contacts).toEqual([contact]);
    expect((await contacts(friend)).contacts[0]).toMatchObject({ remark: null, name: 'Zed', letter: 'Z' });

    const cleared = await me.request('PATCH', `/v1/contacts/${friend.userId}`, { remark: null });
    expect(cleared.json()).toMatchObject({
      remark: null,
      name: 'Zhang Wei',
      letter: 'Z',
      sortKey: 'zhang wei',
    });
    const blank = await me.request('PATCH', `/v1/contacts/${friend.userId}`, { remark: '   ' });
    expect((blank.json() as Contact).remark).toBeNull();
  });

  it('remarks are checked, and only friends have them', async () => {
    const [me, friend, stranger] = [await newUser(), await newUser(), await newUser()];
    await befriend(me, friend);
    expectError(
      await me.request('PATCH', `/v1/contacts/${friend.userId}`, { remark: 'x'.repeat(33) }),
      400,
      'invalid_request',
    );
    expect(
      (await me.request('PATCH', `/v1/contacts/${friend.userId}`, { remark: 'x'.repeat(32) })).statusCode,
    ).toBe(200);
    expectError(await me.request('PATCH', `/v1/contacts/${friend.userId}`, {}), 400, 'invalid_request');
    expectError(
      await me.request('PATCH', `/v1/contacts/${stranger.userId}`, { remark: 'x' }),
      404,
      'not_found',
    );
    expectError(await me.request('PATCH', `/v1/contacts/${me.userId}`, { remark: 'x' }), 404, 'not_found');
  });

  it('deleting a contact unfriends both ways', async () => {
    const [a, b] = [await newUser(), await newUser()];
    await befriend(a, b);
    expect((await a.request('DELETE', `/v1/contacts/${b.userId}`)).statusCode).toBe(204);
    expect((await contacts(a)).contacts).toEqual([]);
    expect((await contacts(b)).contacts).toEqual([]);
    expect(await relation(b, a)).toBe('none');
    expect(await t.services.social.repo.countFriendshipRows(a.userId, b.userId)).toBe(0);
    expectError(await a.request('DELETE', `/v1/contacts/${b.userId}`), 404, 'not_found');
    expectError(await b.request('DELETE', `/v1/contacts/${a.userId}`), 404, 'not_found');
    // They may become friends again.
    await befriend(b, a);
    expect(await relation(a, b)).toBe('friend');
  });
});

// ── Blocking ─────────────────────────────────────────────────────────────────

describe('blocking', () => {
  it('a blocked user’s request is answered as if sent, but the blocker never sees it', async () => {
    const [victim, blocker] = [await newUser('Vic'), await newUser('Bea')];
    await block(blocker, victim);
    const id = newId();
    const res = await send(victim, { userId: blocker.userId }, 'hello?', id);
    expect(res.statusCode, res.body).toBe(201);
    const sent = res.json() as FriendRequest;
    expect(sent).toEqual({
      id,
      from: publicOf(victim, 'self'),
      to: publicOf(blocker, 'request_sent'),
      message: 'hello?',
      status: 'pending',
      createdAt: clock.now().toISOString(),
      expiresAt: new Date(clock.now().getTime() + friendRequestTtlSeconds * 1000).toISOString(),
    });
    expect(await requests(victim, 'outgoing')).toEqual([sent]);
    expect(await requests(blocker, 'incoming')).toEqual([]);
    expect(await relation(blocker, victim)).toBe('none');
    expectError(await blocker.request('POST', `/v1/friend-requests/${id}/accept`), 404, 'not_found');
    expectError(await blocker.request('POST', `/v1/friend-requests/${id}/decline`), 404, 'not_found');
    // The sender hears of it like of any request; the blocker hears nothing.
    expect(await events(victim)).toEqual([{ topic: 'social.friend_request', payload: { request: sent } }]);
    expect(await events(blocker)).toEqual([]);
    // Re-sending stays silent, and the blocker asking the victim does not accept it.
    const again = await sendOk(victim, blocker, 'hello??');
    expect(again.id).toBe(id);
    const reverse = await sendOk(blocker, victim, 'actually, hi');
    expect(reverse.status).toBe('pending');
    expect(await events(blocker)).toHaveLength(1);
  });

  it('blocking hides a pending request from the blocked user; the sender is not told', async () => {
    const [a, b] = [await newUser(), await newUser()];
    const req = await sendOk(a, b);
    await block(b, a);
    expect(await requests(b, 'incoming')).toEqual([]);
    expectError(await b.request('POST', `/v1/friend-requests/${req.id}/accept`), 404, 'not_found');
    expect((await requests(a, 'outgoing')).map((r) => [r.id, r.status])).toEqual([[req.id, 'pending']]);
  });

  it('a friendship survives a block, but messages do not pass', async () => {
    const [a, b] = [await newUser(), await newUser()];
    await befriend(a, b);
    const social = t.services.social;
    expect(await social.canMessage(a.userId, b.userId)).toBe(true);
    await block(a, b);
    expect(await social.isBlocked(a.userId, b.userId)).toBe(true);
    expect(await social.isBlocked(b.userId, a.userId)).toBe(false);
    expect(await social.areFriends(a.userId, b.userId)).toBe(true);
    expect((await contacts(a)).contacts.map((c) => c.user.id)).toEqual([b.userId]);
    expect(await social.canMessage(a.userId, b.userId)).toBe(false);
    expect(await social.canMessage(b.userId, a.userId)).toBe(false);
    expect((await a.request('DELETE', `/v1/blocks/${b.userId}`)).statusCode).toBe(204);
    expect(await social.canMessage(b.userId, a.userId)).toBe(true);
  });

  it('lists, repeats and undoes blocks', async () => {
    const [me, x, y] = [await newUser(), await newUser(), await newUser()];
    await befriend(me, y);
    await block(me, x);
    clock.advanceSeconds(1);
    await block(me, y);
    await block(me, y);
    const list = await me.request('GET', '/v1/blocks');
    expect(list.statusCode).toBe(200);
    expect(list.json()).toEqual({ users: [publicOf(y, 'friend'), publicOf(x, 'none')] });
    expect((await me.request('DELETE', `/v1/blocks/${x.userId}`)).statusCode).toBe(204);
    expectError(await me.request('DELETE', `/v1/blocks/${x.userId}`), 404, 'not_found');
    expect((await me.request('GET', '/v1/blocks')).json()).toEqual({ users: [publicOf(y, 'friend')] });
    // After the unblock, x's requests reach me again.
    await sendOk(x, me);
    expect((await requests(me, 'incoming')).map((r) => r.from.id)).toEqual([x.userId]);
  });

  it('refuses myself and unknown users', async () => {
    const me = await newUser();
    expectError(await me.request('POST', '/v1/blocks', { userId: me.userId }), 400, 'invalid_request');
    expectError(await me.request('POST', '/v1/blocks', { userId: newId() }), 404, 'not_found');
    expectError(await me.request('POST', '/v1/blocks', {}), 400, 'invalid_request');
  });
});

// ── Privacy ──────────────────────────────────────────────────────────────────

describe('privacy', () => {
  it('has defaults and takes partial changes', async () => {
    const me = await newUser();
    const defaults: PrivacySettings = {
      findableByPhone: true,
      showLastSeen: true,
      allowStrangerMessages: false,
    };
    expect((await me.request('GET', '/v1/me/privacy')).json()).toEqual(defaults);
    const one = await me.request('PATCH', '/v1/me/privacy', { showLastSeen: false });
    expect(one.json()).toEqual({ ...defaults, showLastSeen: false });
    const two = await me.request('PATCH', '/v1/me/privacy', { allowStrangerMessages: true });
    expect(two.json()).toEqual({ ...defaults, showLastSeen: false, allowStrangerMessages: true });
    expect((await me.request('PATCH', '/v1/me/privacy', {})).json()).toEqual(two.json());
    expect((await me.request('GET', '/v1/me/privacy')).json()).toEqual(two.json());
    expectError(await me.request('PATCH', '/v1/me/privacy', { showLastSeen: 'no' }), 400, 'invalid_request');
    expectError(await me.request('PATCH', '/v1/me/privacy', { online: true }), 400, 'invalid_request');
  });

  it('strangers may message only where the recipient allows it, and never across a block', async () => {
    const [a, b] = [await newUser(), await newUser()];
    const social = t.services.social;
    expect(await social.canMessage(a.userId, b.userId)).toBe(false);
    await b.request('PATCH', '/v1/me/privacy', { allowStrangerMessages: true });
    expect(await social.canMessage(a.userId, b.userId)).toBe(true);
    expect(await social.canMessage(b.userId, a.userId)).toBe(false);
    await block(b, a);
    expect(await social.canMessage(a.userId, b.userId)).toBe(false);
    expect(await social.canMessage(a.userId, a.userId)).toBe(false);
  });
});
