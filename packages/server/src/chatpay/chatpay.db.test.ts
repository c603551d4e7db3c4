import type {
  ConversationDetail,
  HistoryPage,
  Message,
  MessagePage,
  RedPacket,
  Split,
  TransferCard,
  WalletSummary,
} from '@jiaozi/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../kernel/clock.js';
import { newId } from '../kernel/ids.js';
import * as limits from '../kernel/limits.js';
import { outboxFor } from '../platform/outbox/outbox.js';
import { type Client, createTestApp, signupClient, type TestApp } from '../test/app.js';
import { befriend, expectError, ok } from '../test/http.js';
import { CHATPAY_JOBS } from './chatpay.service.js';

const PIN = '135790';
const clock = new ManualClock('2026-11-25T08:00:00.000Z');
let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({ clock });
});

afterAll(async () => {
  await t?.shutdown();
});

// ── Helpers ──────────────────────────────────────────────────────────────────

async function user(creditMinor = 100_000n): Promise<Client> {
  const c = await signupClient(t.app);
  ok(await c.request('PUT', '/v1/me/pin', { pin: PIN, password: (c as { password: string }).password }), 204);
  if (creditMinor > 0n) await t.services.wallet.operatorCredit(c.userId, creditMinor, 'test');
  return c;
}

async function friends(a: Client, b: Client): Promise<void> {
  if (!(await t.services.social.areFriends(a.userId, b.userId))) await befriend(a, b);
}

async function direct(a: Client, b: Client): Promise<string> {
  await friends(a, b);
  const res = await a.request('POST', '/v1/conversations/direct', { userId: b.userId });
  expect([200, 201]).toContain(res.statusCode);
  return (res.json() as ConversationDetail).id;
}

async function group(owner: Client, members: Client[]): Promise<string> {
  for (const m of members) await friends(owner, m);
  return ok<ConversationDetail>(
    await owner.request('POST', '/v1/conversations/groups', {
      name: 'Dinner',
      memberIds: members.map((m) => m.userId),
    }),
    201,
  ).id;
}

async function wallet(c: Client): Promise<WalletSummary> {
  return ok<WalletSummary>(await c.request('GET', '/v1/wallet'));
}

async function balances(...cs: Client[]): Promise<number[]> {
  return Promise.all(cs.map(async (c) => (await wallet(c)).balanceMinor));
}

async function messages(c: Client, conversationId: string): Promise<Message[]> {
  return ok<MessagePage>(await c.request('GET', `/v1/conversations/${conversationId}/messages`)).messages;
}

/**
 * Escrow holds exactly what is owed: the pending cards (as holds) and what is left of the
 * active packets (posted); nothing else, ever.
 */
async function escrowSettled(): Promise<void> {
  const escrow = await t.services.chatpay.escrowAccount();
  const cards = await t.database.db
    .selectFrom('chatpay_transfers')
    .select((eb) => eb.fn.coalesce(eb.fn.sum<string>('amount'), eb.lit(0)).as('n'))
    .where('status', '=', 'pending')
    .executeTakeFirstOrThrow();
  const packets = await t.database.db
    .selectFrom('red_packets')
    .select((eb) => eb.fn.coalesce(eb.fn.sum<string>('remaining'), eb.lit(0)).as('n'))
    .where('status', '=', 'active')
    .executeTakeFirstOrThrow();
  expect([escrow.debitsPending, escrow.creditsPending, escrow.creditsPosted - escrow.debitsPosted]).toEqual([
    0n,
    BigInt(cards.n),
    BigInt(packets.n),
  ]);
}

async function escrowEmpty(): Promise<void> {
  const escrow = await t.services.chatpay.escrowAccount();
  expect([escrow.debitsPending, escrow.creditsPending, escrow.creditsPosted - escrow.debitsPosted]).toEqual([
    0n,
    0n,
    0n,
  ]);
}

function sendCard(
  from: Client,
  conversationId: string,
  amountMinor: number,
  extra: Record<string, unknown> = {},
) {
  return from.request('POST', '/v1/chatpay/transfers', {
    id: newId(),
    conversationId,
    amountMinor,
    note: 'lunch',
    pin: PIN,
    ...extra,
  });
}

function sendPacket(from: Client, conversationId: string, body: Record<string, unknown>) {
  return from.request('POST', '/v1/chatpay/red-packets', {
    id: newId(),
    conversationId,
    mode: 'lucky',
    totalMinor: 1_000,
    count: 3,
    greeting: '恭喜发财',
    pin: PIN,
    ...body,
  });
}

// ── Transfer cards ───────────────────────────────────────────────────────────

describe('transfer cards', () => {
  it('holds the money in escrow until the receiver accepts, then pays them', async () => {
    const [alice, bob] = [await user(), await user(0n)];
    const conv = await direct(alice, bob);
    const id = newId();
    const sent = ok<{ message: Message; card: TransferCard }>(
      await sendCard(alice, conv, 12_345, { id }),
      201,
    );
    expect(sent.message).toMatchObject({ kind: 'transfer', senderId: alice.userId });
    expect(sent.message.payload).toMatchObject({ cardId: sent.card.id, amountMinor: 12_345, note: 'lunch' });
    expect(sent.card).toMatchObject({ status: 'pending', amountMinor: 12_345, note: 'lunch' });
    const held = await wallet(alice);
    expect([held.balanceMinor, held.availableMinor]).toEqual([100_000, 100_000 - 12_345]);

    // A resend answers the same card without asking for the PIN again; nothing more is held.
    const again = ok<{ message: Message; card: TransferCard }>(
      await sendCard(alice, conv, 12_345, { id, pin: '000000' }),
    );
    expect([again.message.id, again.card.id]).toEqual([sent.message.id, sent.card.id]);
    expect((await wallet(alice)).availableMinor).toBe(100_000 - 12_345);
    expectError(await sendCard(alice, conv, 999, { id }), 409, 'idempotency_conflict');

    // The sender cannot take it (no recall either); nobody else can see it.
    expectError(
      await alice.request('POST', `/v1/chatpay/transfers/${sent.card.id}/accept`),
      403,
      'transfer_not_for_you',
    );
    const stranger = await user(0n);
    expectError(await stranger.request('GET', `/v1/chatpay/transfers/${sent.card.id}`), 404, 'not_found');
    expectError(
      await stranger.request('POST', `/v1/chatpay/transfers/${sent.card.id}/accept`),
      404,
      'not_found',
    );
    expectError(
      await alice.request('POST', `/v1/conversations/${conv}/messages/${sent.message.id}/recall`),
      403,
      'forbidden',
    );

    const accepted = ok<TransferCard>(
      await bob.request('POST', `/v1/chatpay/transfers/${sent.card.id}/accept`),
    );
    expect(accepted.status).toBe('received');
    expect(await balances(alice, bob)).toEqual([100_000 - 12_345, 12_345]);
    expectError(
      await bob.request('POST', `/v1/chatpay/transfers/${sent.card.id}/accept`),
      409,
      'transfer_not_pending',
    );
    expectError(
      await bob.request('POST', `/v1/chatpay/transfers/${sent.card.id}/return`),
      409,
      'transfer_not_pending',
    );
    // Both sides' card shows the live status; both were told.
    expect(ok<TransferCard>(await alice.request('GET', `/v1/chatpay/transfers/${sent.card.id}`)).status).toBe(
      'received',
    );
    for (const c of [alice, bob]) {
      const events = (await outboxFor(t.database.db, c.userId)).filter(
        (u) => u.topic === 'chatpay.transfer_changed',
      );
      expect(events.map((e) => (e.payload as { card: TransferCard }).card.status)).toEqual(['received']);
    }
    // The receiver's history links back to the chat.
    const history = ok<HistoryPage>(await bob.request('GET', '/v1/wallet/history'));
    expect(history.items[0]).toMatchObject({
      kind: 'chat_transfer',
      direction: 'in',
      amountMinor: 12_345,
      counterparty: { userId: alice.userId },
      reference: { type: 'conversation', id: conv },
    });
    // The expiry job went with the acceptance.
    const jobs = await t.database.db
      .selectFrom('jobs')
      .select('key')
      .where('kind', '=', CHATPAY_JOBS.transferExpire)
      .where('key', '=', sent.card.id)
      .execute();
    expect(jobs).toEqual([]);
    await escrowSettled();
  });

  it('gives the money back when the receiver returns it', async () => {
    const [alice, bob] = [await user(), await user(0n)];
    const conv = await direct(alice, bob);
    const { card } = ok<{ card: TransferCard }>(await sendCard(alice, conv, 5_000), 201);
    expect((await wallet(alice)).limits.dailyOutflowUsedMinor).toBe(5_000);
    const returned = ok<TransferCard>(await bob.request('POST', `/v1/chatpay/transfers/${card.id}/return`));
    expect(returned.status).toBe('returned');
    const a = await wallet(alice);
    expect([a.balanceMinor, a.availableMinor, ...(await balances(bob))]).toEqual([100_000, 100_000, 0]);
    // What came back no longer counts against today's limit.
    expect(a.limits.dailyOutflowUsedMinor).toBe(0);
    // The sender's history says it came back, not that it failed; the receiver's has nothing.
    const history = ok<HistoryPage>(await alice.request('GET', '/v1/wallet/history'));
    expect(history.items[0]).toMatchObject({
      kind: 'chat_transfer',
      direction: 'out',
      amountMinor: 5_000,
      status: 'returned',
    });
    expect(ok<HistoryPage>(await bob.request('GET', '/v1/wallet/history')).items).toEqual([]);
    await escrowSettled();
  });

  it('sends nothing and holds nothing without the money, the PIN or a 1:1 chat', async () => {
    const [alice, bob, carol] = [await user(1_000n), await user(0n), await user(0n)];
    const conv = await direct(alice, bob);
    const before = (await messages(alice, conv)).length;
    expectError(await sendCard(alice, conv, 1_001), 409, 'insufficient_funds');
    expectError(await sendCard(alice, conv, 500, { pin: '000000' }), 401, 'pin_incorrect');
    expectError(await sendCard(alice, conv, 0), 400, 'invalid_amount');
    const over = await sendCard(alice, conv, Number(limits.kycLimits[0].singleTransferMaxMinor) + 1);
    expectError(over, 400, 'invalid_amount');
    expect(over.json().error.message).toContain('2,000.00');
    expectError(await sendCard(alice, conv, 100, { note: 'x'.repeat(101) }), 400, 'invalid_request');
    const g = await group(alice, [carol]);
    expectError(await sendCard(alice, g, 100), 400, 'invalid_request');
    expectError(await sendCard(carol, conv, 100), 404, 'not_found');
    expect((await messages(alice, conv)).length).toBe(before);
    const a = await wallet(alice);
    expect([a.balanceMinor, a.availableMinor]).toEqual([1_000, 1_000]);
    const cards = await t.database.db
      .selectFrom('chatpay_transfers')
      .select('id')
      .where('sender_id', '=', alice.userId)
      .execute();
    expect(cards).toEqual([]);
  });
});

// ── Red packets ──────────────────────────────────────────────────────────────

describe('red packets', () => {
  it('refuses packets over the limits with the limit in the message', async () => {
    const [alice, bob, carol] = [await user(), await user(0n), await user(0n)];
    const g = await group(alice, [bob, carol]);
    const total = await sendPacket(alice, g, { totalMinor: 20_001 });
    expectError(total, 400, 'invalid_amount');
    expect(total.json().error.message).toContain('200.00');
    const count = await sendPacket(alice, g, { count: 101, totalMinor: 10_000 });
    expectError(count, 400, 'invalid_amount');
    expect(count.json().error.message).toContain('100');
    const share = await sendPacket(alice, g, { count: 10, totalMinor: 9 });
    expectError(share, 400, 'invalid_amount');
    expect(share.json().error.message).toContain('0.01');
    expectError(await sendPacket(alice, g, { greeting: '福'.repeat(41) }), 400, 'invalid_request');
    // A group I am not in is not found; a 1:1 packet has one share.
    const [dave, erin] = [await user(), await user(0n)];
    expectError(await sendPacket(dave, g, {}), 404, 'not_found');
    const d = await direct(dave, erin);
    expectError(await sendPacket(dave, d, { count: 2 }), 400, 'invalid_request');
    // Not enough money: nothing sent, nothing held.
    const poor = await user(500n);
    await friends(alice, poor);
    ok(await alice.request('POST', `/v1/conversations/${g}/members`, { userIds: [poor.userId] }));
    expectError(await sendPacket(poor, g, { totalMinor: 501 }), 409, 'insufficient_funds');
    const p = await wallet(poor);
    expect([p.balanceMinor, p.availableMinor]).toEqual([500, 500]);
    expect(ok<{ packet: RedPacket }>(await sendPacket(poor, g, { totalMinor: 500 }), 201).packet.status).toBe(
      'active',
    );
    expect(await balances(alice)).toEqual([100_000]);
  });

  it('a lucky packet of 3: each grabs once, best luck marked, sum exact, then empty', async () => {
    const [alice, bob, carol, dave] = [await user(), await user(0n), await user(0n), await user(0n)];
    const g = await group(alice, [bob, carol, dave]);
    const sent = ok<{ message: Message; packet: RedPacket }>(await sendPacket(alice, g, {}), 201);
    expect(sent.message).toMatchObject({ kind: 'red_packet' });
    expect(sent.message.payload).toMatchObject({ packetId: sent.packet.id, mode: 'lucky', count: 3 });
    expect(await balances(alice)).toEqual([99_000]);
    const url = `/v1/chatpay/red-packets/${sent.packet.id}`;
    const b = ok<RedPacket>(await bob.request('POST', `${url}/grab`));
    expect(b.myGrab?.position).toBe(1);
    expect(b.canGrab).toBe(false);
    // Best luck follows the largest share so far.
    expect(b.grabs.map((x) => x.bestLuck)).toEqual([true]);
    expectError(await bob.request('POST', `${url}/grab`), 409, 'red_packet_already_grabbed');
    ok<RedPacket>(await carol.request('POST', `${url}/grab`));
    // In a group the sender may grab too.
    const last = ok<RedPacket>(await alice.request('POST', `${url}/grab`));
    expect(last.status).toBe('empty');
    const amounts = last.grabs.map((x) => x.amountMinor);
    expect(amounts.reduce((s, x) => s + x, 0)).toBe(1_000);
    expect(amounts.every((x) => x >= 1)).toBe(true);
    const best = last.grabs.filter((x) => x.bestLuck);
    expect(best).toHaveLength(1);
    expect(best[0]?.amountMinor).toBe(Math.max(...amounts));
    expect(best[0]?.position).toBe(last.grabs.find((x) => x.amountMinor === Math.max(...amounts))?.position);
    expect(await balances(alice, bob, carol)).toEqual([
      99_000 + (last.myGrab?.amountMinor ?? 0),
      b.myGrab?.amountMinor ?? 0,
      last.grabs.find((x) => x.user.userId === carol.userId)?.amountMinor ?? 0,
    ]);
    // A fourth member is too late; one who joined after it was sent never saw it.
    expectError(await dave.request('POST', `${url}/grab`), 409, 'red_packet_empty');
    const erin = await user(0n);
    await friends(alice, erin);
    ok(await alice.request('POST', `/v1/conversations/${g}/members`, { userIds: [erin.userId] }));
    expectError(await erin.request('POST', `${url}/grab`), 404, 'not_found');
    // Outsiders do not see it.
    const stranger = await user(0n);
    expectError(await stranger.request('GET', url), 404, 'not_found');
    expectError(await stranger.request('POST', `${url}/grab`), 404, 'not_found');
    // Everyone in the group was told of each grab.
    const events = (await outboxFor(t.database.db, carol.userId)).filter(
      (u) => u.topic === 'chatpay.red_packet_changed',
    );
    expect(events.map((e) => (e.payload as { remainingCount: number }).remainingCount)).toEqual([2, 1, 0]);
    await escrowSettled();
  });

  it('an equal packet splits by largest remainder; chosen members only; 1:1 not for the sender', async () => {
    const [alice, bob, carol, dave] = [await user(), await user(0n), await user(0n), await user(0n)];
    const g = await group(alice, [bob, carol, dave]);
    const { packet } = ok<{ packet: RedPacket }>(
      await sendPacket(alice, g, { mode: 'equal', totalMinor: 100, count: 3 }),
      201,
    );
    const url = `/v1/chatpay/red-packets/${packet.id}/grab`;
    const shares = [];
    for (const c of [bob, carol, dave])
      shares.push(ok<RedPacket>(await c.request('POST', url)).myGrab?.amountMinor);
    expect(shares).toEqual([34, 33, 33]);
    expect(
      ok<RedPacket>(await alice.request('GET', `/v1/chatpay/red-packets/${packet.id}`)).grabs.some(
        (x) => x.bestLuck,
      ),
    ).toBe(false);

    const only = ok<{ packet: RedPacket }>(
      await sendPacket(alice, g, { count: 1, totalMinor: 888, recipientIds: [carol.userId] }),
      201,
    ).packet;
    expectError(
      await bob.request('POST', `/v1/chatpay/red-packets/${only.id}/grab`),
      403,
      'red_packet_not_for_you',
    );
    expect(
      ok<RedPacket>(await carol.request('POST', `/v1/chatpay/red-packets/${only.id}/grab`)).myGrab
        ?.amountMinor,
    ).toBe(888);
    expectError(
      await sendPacket(alice, g, { count: 2, recipientIds: [carol.userId] }),
      400,
      'invalid_request',
    );

    const erin = await user(0n);
    const d = await direct(alice, erin);
    const one = ok<{ packet: RedPacket }>(
      await sendPacket(alice, d, { count: 1, totalMinor: 520 }),
      201,
    ).packet;
    expectError(
      await alice.request('POST', `/v1/chatpay/red-packets/${one.id}/grab`),
      403,
      'red_packet_not_for_you',
    );
    expect(
      ok<RedPacket>(await erin.request('POST', `/v1/chatpay/red-packets/${one.id}/grab`)).myGrab?.amountMinor,
    ).toBe(520);
    await escrowSettled();
  });
});

// ── Expiry ───────────────────────────────────────────────────────────────────

describe('expiry after 24 hours', () => {
  it('refunds an unaccepted card and what is left of a packet exactly once', async () => {
    const [alice, bob, carol] = [await user(), await user(0n), await user(0n)];
    const d = await direct(alice, bob);
    const g = await group(alice, [bob, carol]);
    const { card } = ok<{ card: TransferCard }>(await sendCard(alice, d, 7_000), 201);
    const { packet } = ok<{ packet: RedPacket }>(
      await sendPacket(alice, g, { totalMinor: 2_000, count: 4 }),
      201,
    );
    const grabbed = ok<RedPacket>(await bob.request('POST', `/v1/chatpay/red-packets/${packet.id}/grab`))
      .myGrab?.amountMinor as number;
    expect(await balances(alice)).toEqual([98_000]);
    const usage = async () =>
      (
        await t.database.db
          .selectFrom('wallet_daily_usage')
          .select(['day', 'outflow'])
          .where('user_id', '=', alice.userId)
          .execute()
      ).map((r) => [r.day, Number(r.outflow)]);
    const [[sentOn]] = (await usage()) as [[string, number]];
    expect(await usage()).toEqual([[sentOn, 9_000]]);

    // Nothing happens before its time.
    clock.advanceSeconds(limits.transferCardTtlSeconds - 1);
    await t.services.jobs.runDue();
    expect(ok<TransferCard>(await alice.request('GET', `/v1/chatpay/transfers/${card.id}`)).status).toBe(
      'pending',
    );

    clock.advanceSeconds(1);
    // Past 24 h, before the job ran: no one can take it any more.
    expectError(
      await bob.request('POST', `/v1/chatpay/transfers/${card.id}/accept`),
      409,
      'transfer_not_pending',
    );
    expectError(
      await carol.request('POST', `/v1/chatpay/red-packets/${packet.id}/grab`),
      409,
      'red_packet_expired',
    );
    const report = await t.services.jobs.runDue();
    expect(report.failed).toBe(0);
    // The handlers run again (a second node, a lease that ran out): nothing more moves.
    expect(await t.services.chatpay.expireTransfer(card.id)).toBeUndefined();
    expect(await t.services.chatpay.expireRedPacket(packet.id)).toBeUndefined();
    await t.services.jobs.runDue();

    expect(ok<TransferCard>(await bob.request('GET', `/v1/chatpay/transfers/${card.id}`)).status).toBe(
      'refunded',
    );
    const history = ok<HistoryPage>(await alice.request('GET', '/v1/wallet/history?kind=chat_transfer'));
    expect(history.items.map((i) => [i.amountMinor, i.status])).toEqual([[7_000, 'returned']]);
    // The day they were sent counts only what was taken: bob's grab.
    expect(await usage()).toEqual([[sentOn, grabbed]]);
    const after = ok<RedPacket>(await carol.request('GET', `/v1/chatpay/red-packets/${packet.id}`));
    expect([after.status, after.refundedMinor, after.remainingMinor]).toEqual([
      'refunded',
      2_000 - grabbed,
      0,
    ]);
    const a = await wallet(alice);
    expect([a.balanceMinor, a.availableMinor]).toEqual([100_000 - grabbed, 100_000 - grabbed]);
    expectError(
      await carol.request('POST', `/v1/chatpay/red-packets/${packet.id}/grab`),
      409,
      'red_packet_expired',
    );
    const refunds = await t.database.db
      .selectFrom('ledger_transfers')
      .select('id')
      .where((eb) =>
        eb(
          eb.fn('jsonb_extract_path_text', [eb.cast('user_data', 'jsonb'), eb.val('packetId')]),
          '=',
          packet.id,
        ),
      )
      .where((eb) =>
        eb(
          eb.fn('jsonb_extract_path_text', [eb.cast('user_data', 'jsonb'), eb.val('kind')]),
          '=',
          'red_packet_refund',
        ),
      )
      .execute();
    expect(refunds).toHaveLength(1);
    // Every card and packet of this file is now settled or refunded: escrow is empty.
    await escrowSettled();
    await escrowEmpty();
    const verify = await t.services.ledger.verify();
    expect(verify.ok, JSON.stringify(verify.problems)).toBe(true);
  });
});

// ── Bill splits ──────────────────────────────────────────────────────────────

describe('split the bill', () => {
  it('equal shares by largest remainder; participants pay the creator; reminders; close', async () => {
    const [alice, bob, carol] = [await user(0n), await user(), await user()];
    const g = await group(alice, [bob, carol]);
    const created = ok<{ message: Message; split: Split }>(
      await alice.request('POST', '/v1/chatpay/splits', {
        id: newId(),
        conversationId: g,
        title: 'Hotpot',
        totalMinor: 10_000,
        participantIds: [alice.userId, bob.userId, carol.userId],
      }),
      201,
    );
    expect(created.message.kind).toBe('split');
    const split = created.split;
    const amountOf = (s: Split, c: Client) => s.shares.find((x) => x.user.userId === c.userId)?.amountMinor;
    expect([amountOf(split, alice), amountOf(split, bob), amountOf(split, carol)].sort()).toEqual([
      3_333, 3_333, 3_334,
    ]);
    expect([split.paidCount, split.paidMinor]).toEqual([1, amountOf(split, alice)]);
    const url = `/v1/chatpay/splits/${split.id}`;
    expectError(await bob.request('POST', `${url}/pay`, { pin: '000000' }), 401, 'pin_incorrect');
    const paid = ok<Split>(await bob.request('POST', `${url}/pay`, { pin: PIN }));
    expect(paid.shares.find((x) => x.user.userId === bob.userId)?.paidAt).not.toBeNull();
    expectError(await bob.request('POST', `${url}/pay`, { pin: PIN }), 409, 'split_already_paid');
    expect(await balances(alice, bob)).toEqual([
      amountOf(split, bob),
      100_000 - (amountOf(split, bob) as number),
    ]);

    expectError(await bob.request('POST', `${url}/remind`), 403, 'split_not_participant');
    ok<Split>(await alice.request('POST', `${url}/remind`));
    const reminders = (await outboxFor(t.database.db, carol.userId)).filter(
      (u) => u.topic === 'chatpay.split_reminder',
    );
    expect(reminders).toHaveLength(1);
    expect(
      (await outboxFor(t.database.db, bob.userId)).filter((u) => u.topic === 'chatpay.split_reminder'),
    ).toEqual([]);
    expectError(await alice.request('POST', `${url}/remind`), 429, 'rate_limited');
    clock.advanceSeconds(limits.splitRemindIntervalSeconds);
    ok<Split>(await alice.request('POST', `${url}/remind`));

    const closed = ok<Split>(await alice.request('POST', `${url}/close`));
    expect(closed.status).toBe('closed');
    expectError(await carol.request('POST', `${url}/pay`, { pin: PIN }), 409, 'split_closed');
    const stranger = await user(0n);
    expectError(await stranger.request('GET', url), 404, 'not_found');
    const history = ok<HistoryPage>(await alice.request('GET', '/v1/wallet/history'));
    expect(history.items[0]).toMatchObject({
      kind: 'split',
      direction: 'in',
      reference: { type: 'conversation', id: g },
    });
  });

  it('custom amounts must name the participants and add up to the total', async () => {
    const [alice, bob, carol] = [await user(0n), await user(), await user(0n)];
    const g = await group(alice, [bob, carol]);
    const body = (amounts: { userId: string; amountMinor: number }[]) => ({
      id: newId(),
      conversationId: g,
      title: 'Taxi',
      totalMinor: 5_000,
      participantIds: [bob.userId, carol.userId],
      amounts,
    });
    expectError(
      await alice.request(
        'POST',
        '/v1/chatpay/splits',
        body([
          { userId: bob.userId, amountMinor: 1_000 },
          { userId: carol.userId, amountMinor: 1_000 },
        ]),
      ),
      400,
      'invalid_amount',
    );
    expectError(
      await alice.request('POST', '/v1/chatpay/splits', body([{ userId: bob.userId, amountMinor: 5_000 }])),
      400,
      'invalid_request',
    );
    const { split } = ok<{ split: Split }>(
      await alice.request(
        'POST',
        '/v1/chatpay/splits',
        body([
          { userId: bob.userId, amountMinor: 4_000 },
          { userId: carol.userId, amountMinor: 1_000 },
        ]),
      ),
      201,
    );
    expect(split.mode).toBe('custom');
    // Carol has no money: nothing moves and her share stays unpaid.
    expectError(
      await carol.request('POST', `/v1/chatpay/splits/${split.id}/pay`, { pin: PIN }),
      409,
      'insufficient_funds',
    );
    ok<Split>(await bob.request('POST', `/v1/chatpay/splits/${split.id}/pay`, { pin: PIN }));
    const now = ok<Split>(await alice.request('GET', `/v1/chatpay/splits/${split.id}`));
    expect([now.paidCount, now.paidMinor]).toEqual([1, 4_000]);
    expect(await balances(alice, carol)).toEqual([4_000, 0]);
    const verify = await t.services.ledger.verify();
    expect(verify.ok, JSON.stringify(verify.problems)).toBe(true);
  });
});
