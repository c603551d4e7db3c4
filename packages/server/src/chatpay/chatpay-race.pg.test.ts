import type { ConversationDetail, RedPacket, TransferCard, WalletSummary } from '@jiaozi/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../kernel/clock.js';
import { newId } from '../kernel/ids.js';
import * as limits from '../kernel/limits.js';
import { createLogger } from '../kernel/logger.js';
import type { DatabaseHandle } from '../platform/db/connect.js';
import { type Job, JobRunner, jobDefaults, scheduleJob } from '../platform/jobs/jobs.js';
import { type Client, createTestApp, signupClient, type TestApp } from '../test/app.js';
import { createTestDatabase } from '../test/db.js';
import { befriend, ok, tally } from '../test/http.js';
import { CHATPAY_JOBS } from './chatpay.service.js';

/**
 * Money in chat against real Postgres, through the whole stack: a hundred members grab one
 * lucky packet at once, and the 24 h expiries run on two nodes at once (and run again).
 */
const PIN = '135790';
const START = '2026-11-26T08:00:00.000Z';

let database: DatabaseHandle;
// Two nodes on one database, each with its own clock showing the same time.
const clocks = [new ManualClock(START), new ManualClock(START)];
let nodes: TestApp[];
let t: TestApp;

beforeAll(async () => {
  database = await createTestDatabase({ poolMax: 20 });
  nodes = [];
  for (const clock of clocks) {
    nodes.push(await createTestApp({ database, clock, config: { rateLimits: false } }));
  }
  t = nodes[0] as TestApp;
});

afterAll(async () => {
  for (const node of nodes ?? []) await node.shutdown();
  await database?.close();
});

async function user(creditMinor = 0n): Promise<Client> {
  const c = await signupClient(t.app);
  ok(await c.request('PUT', '/v1/me/pin', { pin: PIN, password: c.password }), 204);
  if (creditMinor > 0n) await t.services.wallet.operatorCredit(c.userId, creditMinor, 'test');
  return c;
}

async function balance(c: Client): Promise<number> {
  return ok<WalletSummary>(await c.request('GET', '/v1/wallet')).balanceMinor;
}

async function escrowEmpty(): Promise<void> {
  const escrow = await t.services.chatpay.escrowAccount();
  expect([escrow.debitsPending, escrow.creditsPending, escrow.creditsPosted - escrow.debitsPosted]).toEqual([
    0n,
    0n,
    0n,
  ]);
}

describe('money in chat on Postgres', () => {
  it('100 members grab a 10-share lucky packet at once: exactly 10 win, the sum is exact', async () => {
    const sender = await user(100_000n);
    const members: Client[] = [];
    for (let i = 0; i < 100; i++) {
      const m = await user();
      await befriend(m, sender);
      members.push(m);
    }
    const group = ok<ConversationDetail>(
      await sender.request('POST', '/v1/conversations/groups', {
        name: 'Hundred',
        memberIds: members.map((m) => m.userId),
      }),
      201,
    );
    const total = 10_000;
    const { packet } = ok<{ packet: RedPacket }>(
      await sender.request('POST', '/v1/chatpay/red-packets', {
        id: newId(),
        conversationId: group.id,
        mode: 'lucky',
        totalMinor: total,
        count: 10,
        greeting: '大吉大利',
        pin: PIN,
      }),
      201,
    );

    const responses = await Promise.all(
      members.map((m) => m.request('POST', `/v1/chatpay/red-packets/${packet.id}/grab`)),
    );
    expect(tally(responses)).toEqual({ '200': 10, '409 red_packet_empty': 90 });

    const after = ok<RedPacket>(await sender.request('GET', `/v1/chatpay/red-packets/${packet.id}`));
    expect([after.status, after.remainingMinor, after.remainingCount]).toEqual(['empty', 0, 0]);
    const amounts = after.grabs.map((g) => g.amountMinor);
    expect(amounts).toHaveLength(10);
    expect(amounts.reduce((s, x) => s + x, 0)).toBe(total);
    expect(Math.min(...amounts)).toBeGreaterThanOrEqual(1);
    expect(new Set(after.grabs.map((g) => g.user.userId)).size).toBe(10);
    expect(after.grabs.map((g) => g.position)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(after.grabs.filter((g) => g.bestLuck)).toHaveLength(1);
    // The winners' wallets hold exactly their shares; the 90 others got nothing.
    const winners = new Map(after.grabs.map((g) => [g.user.userId, g.amountMinor]));
    const balances = await Promise.all(members.map((m) => balance(m)));
    members.forEach((m, i) => {
      expect(balances[i]).toBe(winners.get(m.userId) ?? 0);
    });
    expect(await balance(sender)).toBe(100_000 - total);
    // Nobody grabbed twice: a second wave of the winners is refused.
    const again = await Promise.all(
      members
        .filter((m) => winners.has(m.userId))
        .map((m) => m.request('POST', `/v1/chatpay/red-packets/${packet.id}/grab`)),
    );
    expect(tally(again)).toEqual({ '409 red_packet_already_grabbed': 10 });
    await escrowEmpty();
    const report = await t.services.ledger.verify();
    expect(report.ok, JSON.stringify(report.problems)).toBe(true);
  });

  it('an unaccepted card and a half-grabbed packet are refunded exactly once on two nodes', async () => {
    const [alice, bob, carol, dave] = [await user(50_000n), await user(), await user(), await user()];
    for (const m of [bob, carol, dave]) await befriend(m, alice);
    const direct = ok<ConversationDetail>(
      await alice.request('POST', '/v1/conversations/direct', { userId: bob.userId }),
      201,
    );
    const group = ok<ConversationDetail>(
      await alice.request('POST', '/v1/conversations/groups', {
        name: 'Four',
        memberIds: [bob.userId, carol.userId, dave.userId],
      }),
      201,
    );
    const { card } = ok<{ card: TransferCard }>(
      await alice.request('POST', '/v1/chatpay/transfers', {
        id: newId(),
        conversationId: direct.id,
        amountMinor: 8_888,
        pin: PIN,
      }),
      201,
    );
    const { packet } = ok<{ packet: RedPacket }>(
      await alice.request('POST', '/v1/chatpay/red-packets', {
        id: newId(),
        conversationId: group.id,
        mode: 'lucky',
        totalMinor: 6_000,
        count: 3,
        pin: PIN,
      }),
      201,
    );
    const got = ok<RedPacket>(await bob.request('POST', `/v1/chatpay/red-packets/${packet.id}/grab`)).myGrab
      ?.amountMinor as number;
    expect(await balance(alice)).toBe(50_000 - 6_000);

    for (const clock of clocks) clock.advanceSeconds(limits.redPacketTtlSeconds);
    // Both nodes work the queue at once, each also calling the handlers directly, as a
    // node whose lease ran out would run them again.
    const [a, b] = nodes as [TestApp, TestApp];
    const runs = await Promise.all([
      a.services.jobs.runDue(),
      b.services.jobs.runDue(),
      a.services.chatpay.expireTransfer(card.id),
      b.services.chatpay.expireTransfer(card.id),
      a.services.chatpay.expireRedPacket(packet.id),
      b.services.chatpay.expireRedPacket(packet.id),
    ]);
    const [ra, rb] = runs;
    expect([ra.failed, rb.failed]).toEqual([0, 0]);
    // The same jobs come back (a lost delete, a replayed schedule) and run on both nodes again.
    const now = clocks[0]?.now() as Date;
    await scheduleJob(
      database.db,
      { kind: CHATPAY_JOBS.transferExpire, key: card.id, runAt: now, payload: { cardId: card.id } },
      now,
    );
    await scheduleJob(
      database.db,
      { kind: CHATPAY_JOBS.redPacketExpire, key: packet.id, runAt: now, payload: { packetId: packet.id } },
      now,
    );
    const second = await Promise.all([a.services.jobs.runDue(), b.services.jobs.runDue()]);
    expect(second.reduce((s, r) => s + r.ran, 0)).toBe(2);
    expect(second.reduce((s, r) => s + r.failed, 0)).toBe(0);

    expect(ok<TransferCard>(await bob.request('GET', `/v1/chatpay/transfers/${card.id}`)).status).toBe(
      'refunded',
    );
    const after = ok<RedPacket>(await carol.request('GET', `/v1/chatpay/red-packets/${packet.id}`));
    expect([after.status, after.refundedMinor]).toEqual(['refunded', 6_000 - got]);
    expect([await balance(alice), await balance(bob)]).toEqual([50_000 - got, got]);
    // Exactly one void of the card's hold and one refund of the packet.
    const voids = await database.db
      .selectFrom('ledger_transfers as t')
      .innerJoin('chatpay_transfers as c', 'c.hold_id', 't.pending_id')
      .select('t.id')
      .where('c.id', '=', card.id)
      .execute();
    expect(voids).toHaveLength(1);
    const refunds = await database.db
      .selectFrom('ledger_transfers')
      .select('id')
      .where('code', '=', 'red_packet')
      .where('credit_account_id', '=', (await t.services.wallet.wallet(alice.userId)).id)
      .execute();
    expect(refunds).toHaveLength(1);
    await escrowEmpty();
    const report = await t.services.ledger.verify();
    expect(report.ok, JSON.stringify(report.problems)).toBe(true);
  });

  it('a node whose lease ran out finishes after another node ran the same jobs: still once', async () => {
    const [alice, bob, carol] = [await user(50_000n), await user(), await user()];
    for (const m of [bob, carol]) await befriend(m, alice);
    const direct = ok<ConversationDetail>(
      await alice.request('POST', '/v1/conversations/direct', { userId: bob.userId }),
      201,
    );
    const group = ok<ConversationDetail>(
      await alice.request('POST', '/v1/conversations/groups', {
        name: 'Three',
        memberIds: [bob.userId, carol.userId],
      }),
      201,
    );
    const { card } = ok<{ card: TransferCard }>(
      await alice.request('POST', '/v1/chatpay/transfers', {
        id: newId(),
        conversationId: direct.id,
        amountMinor: 1_111,
        pin: PIN,
      }),
      201,
    );
    const { packet } = ok<{ packet: RedPacket }>(
      await alice.request('POST', '/v1/chatpay/red-packets', {
        id: newId(),
        conversationId: group.id,
        mode: 'equal',
        totalMinor: 3_000,
        count: 2,
        pin: PIN,
      }),
      201,
    );
    ok<RedPacket>(await carol.request('POST', `/v1/chatpay/red-packets/${packet.id}/grab`));
    for (const clock of clocks) clock.advanceSeconds(limits.transferCardTtlSeconds);

    // A slow node claims both jobs and stalls inside the first handler.
    const [a, b] = nodes as [TestApp, TestApp];
    let entered: () => void = () => {};
    const inHandler = new Promise<void>((resolve) => {
      entered = resolve;
    });
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slow = new JobRunner(database.db, clocks[0] as ManualClock, createLogger('silent'));
    slow.register(CHATPAY_JOBS.transferExpire, async (job: Job<{ cardId: string }>) => {
      entered();
      await gate;
      return a.services.chatpay.expireTransfer(job.payload.cardId);
    });
    slow.register(CHATPAY_JOBS.redPacketExpire, async (job: Job<{ packetId: string }>) => {
      entered();
      await gate;
      return a.services.chatpay.expireRedPacket(job.payload.packetId);
    });
    const slowPass = slow.runDue();
    await inHandler;
    // Its lease runs out; the other node claims the same jobs and runs them.
    (clocks[1] as ManualClock).advanceSeconds(jobDefaults.leaseSeconds + 1);
    expect(await b.services.jobs.runDue()).toEqual({ ran: 2, failed: 0 });
    // Then the slow node wakes up and runs both again: they find the work done.
    release();
    expect(await slowPass).toEqual({ ran: 2, failed: 0 });

    expect(ok<TransferCard>(await bob.request('GET', `/v1/chatpay/transfers/${card.id}`)).status).toBe(
      'refunded',
    );
    const after = ok<RedPacket>(await alice.request('GET', `/v1/chatpay/red-packets/${packet.id}`));
    expect([after.status, after.refundedMinor]).toEqual(['refunded', 1_500]);
    const a2 = ok<WalletSummary>(await alice.request('GET', '/v1/wallet'));
    expect([a2.balanceMinor, a2.availableMinor]).toEqual([50_000 - 1_500, 50_000 - 1_500]);
    const voids = await database.db
      .selectFrom('ledger_transfers as t')
      .innerJoin('chatpay_transfers as c', 'c.hold_id', 't.pending_id')
      .select('t.id')
      .where('c.id', '=', card.id)
      .execute();
    expect(voids).toHaveLength(1);
    const refunds = await database.db
      .selectFrom('ledger_transfers')
      .select('id')
      .where('code', '=', 'red_packet')
      .where('credit_account_id', '=', (await t.services.wallet.wallet(alice.userId)).id)
      .execute();
    expect(refunds).toHaveLength(1);
    await escrowEmpty();
    const report = await t.services.ledger.verify();
    expect(report.ok, JSON.stringify(report.problems)).toBe(true);
  });
});
