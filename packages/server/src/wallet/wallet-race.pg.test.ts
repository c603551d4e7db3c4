import type { ErrorBody, PayCode, PaymentRequest, TopUp, Transfer, WalletSummary } from '@jiaozi/protocol';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../kernel/ids.js';
import { AccountCode } from '../ledger/ledger.service.js';
import type { DatabaseHandle } from '../platform/db/connect.js';
import { type Client, createTestApp, signupClient, type TestApp } from '../test/app.js';
import { createTestDatabase } from '../test/db.js';

/**
 * Real concurrency against Postgres: many HTTP requests at once through the whole stack
 * (validation, PIN, daily limits, the batching writer, row locks), then exact totals.
 */
const PIN = '135790';

let database: DatabaseHandle;
let t: TestApp;

beforeAll(async () => {
  database = await createTestDatabase({ poolMax: 20 });
  t = await createTestApp({ database, config: { rateLimits: false } });
});

afterAll(async () => {
  await t?.services.bank.idle();
  await t?.shutdown();
  await database?.close();
});

async function newUser(tier = 2): Promise<Client> {
  const c = await signupClient(t.app);
  const res = await c.request('PUT', '/v1/me/pin', { pin: PIN, password: c.password });
  expect(res.statusCode, res.body).toBe(204);
  await t.services.identity.setRoleAndTier(c.userId, { kycTier: tier });
  return c;
}

async function summary(c: Client): Promise<WalletSummary> {
  const res = await c.request('GET', '/v1/wallet');
  expect(res.statusCode).toBe(200);
  return res.json() as WalletSummary;
}

async function money(c: Client) {
  const s = await summary(c);
  return {
    balance: s.balanceMinor,
    available: s.availableMinor,
    incoming: s.incomingPendingMinor,
    usedToday: s.limits.dailyOutflowUsedMinor,
  };
}

async function addCard(c: Client): Promise<string> {
  const res = await c.request('POST', '/v1/wallet/cards', {
    bankName: 'ICBC',
    cardNumber: '4111111111111111',
    holderName: 'Zhang San',
  });
  expect(res.statusCode, res.body).toBe(201);
  return (res.json() as { id: string }).id;
}

async function fund(c: Client, amount: number): Promise<string> {
  const cardId = await addCard(c);
  const res = await c.request('POST', '/v1/wallet/topups', { id: newId(), cardId, amountMinor: amount });
  expect(res.statusCode, res.body).toBe(202);
  await t.services.bank.idle();
  expect((await summary(c)).balanceMinor).toBe(amount);
  return cardId;
}

function codeOf(res: LightMyRequestResponse): string {
  return (res.json() as ErrorBody).error?.code ?? '';
}

/** `{ "201": n, "409 insufficient_funds": m, … }` */
function tally(responses: readonly LightMyRequestResponse[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of responses) {
    const key = r.statusCode < 300 ? String(r.statusCode) : `${r.statusCode} ${codeOf(r)}`;
    out[key] = (out[key] ?? 0) + 1;
  }
  return out;
}

async function walletAccountId(userId: string): Promise<string> {
  const account = await t.services.ledger.accountByOwner(AccountCode.userWallet, userId, 'CNY');
  expect(account).toBeDefined();
  return account?.id ?? '';
}

describe('wallet races on Postgres', () => {
  it('200 concurrent transfers from a wallet holding 50 of them: exactly 50 go through', async () => {
    const amount = 1_000;
    const payer = await newUser();
    const payees = [await newUser(), await newUser(), await newUser(), await newUser(), await newUser()];
    await fund(payer, 50 * amount);
    const payerAccount = await walletAccountId(payer.userId);

    const responses = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        payer.request('POST', '/v1/transfers', {
          id: newId(),
          to: { userId: payees[i % payees.length]?.userId },
          amountMinor: amount,
          pin: PIN,
        }),
      ),
    );
    expect(tally(responses)).toEqual({ '201': 50, '409 insufficient_funds': 150 });

    expect(await money(payer)).toEqual({ balance: 0, available: 0, incoming: 0, usedToday: 50 * amount });
    // Never negative: every balance the payer's wallet ever had.
    const entries = await database.db
      .selectFrom('ledger_entries')
      .select(['version', 'credits_posted', 'debits_posted', 'debits_pending'])
      .where('account_id', '=', payerAccount)
      .orderBy('version')
      .execute();
    expect(entries.length).toBe(2 + 50); // the top-up's hold and post, then 50 transfers
    for (const e of entries) {
      expect(e.credits_posted - e.debits_posted - e.debits_pending).toBeGreaterThanOrEqual(0n);
    }
    // Each payee got exactly what the 201s say it got.
    const sent = new Map<string, number>();
    for (const r of responses.filter((x) => x.statusCode === 201)) {
      const transfer = r.json() as Transfer;
      expect(transfer.amountMinor).toBe(amount);
      sent.set(transfer.to.userId, (sent.get(transfer.to.userId) ?? 0) + amount);
    }
    let total = 0;
    for (const p of payees) {
      const balance = (await summary(p)).balanceMinor;
      expect(balance).toBe(sent.get(p.userId) ?? 0);
      total += balance;
    }
    expect(total).toBe(50 * amount);
  });

  it('50 concurrent identical transfers (one id): the money moves once', async () => {
    const amount = 2_500;
    const payer = await newUser();
    const payee = await newUser();
    await fund(payer, 10_000);
    const body = { id: newId(), to: { userId: payee.userId }, amountMinor: amount, note: 'once', pin: PIN };
    const responses = await Promise.all(
      Array.from({ length: 50 }, () => payer.request('POST', '/v1/transfers', body)),
    );
    expect(tally(responses)).toEqual({ '201': 1, '200': 49 });
    const first = responses[0]?.json() as Transfer;
    for (const r of responses) expect(r.json()).toEqual(first);
    expect(first).toMatchObject({ id: body.id, amountMinor: amount, note: 'once' });
    expect(await money(payer)).toEqual({ balance: 7_500, available: 7_500, incoming: 0, usedToday: amount });
    expect(await money(payee)).toEqual({ balance: amount, available: amount, incoming: 0, usedToday: 0 });
  });

  it('20 concurrent payments of one request (different transfer ids): one is paid, 19 are 409', async () => {
    const amount = 3_300;
    const requester = await newUser();
    const payer = await newUser();
    await fund(payer, 100_000);
    const created = await requester.request('POST', '/v1/payment-requests', {
      id: newId(),
      from: { userId: payer.userId },
      amountMinor: amount,
      note: 'split',
    });
    expect(created.statusCode, created.body).toBe(201);
    const request = created.json() as PaymentRequest;
    const transferIds = Array.from({ length: 20 }, () => newId());
    const responses = await Promise.all(
      transferIds.map((transferId) =>
        payer.request('POST', `/v1/payment-requests/${request.id}/pay`, { transferId, pin: PIN }),
      ),
    );
    expect(tally(responses)).toEqual({ '200': 1, '409 request_not_pending': 19 });
    const winner = responses.findIndex((r) => r.statusCode === 200);
    const paid = responses[winner]?.json() as PaymentRequest;
    expect(paid).toEqual({ ...request, status: 'paid', transferId: transferIds[winner] });
    expect(await money(payer)).toEqual({
      balance: 100_000 - amount,
      available: 100_000 - amount,
      incoming: 0,
      usedToday: amount,
    });
    expect(await money(requester)).toEqual({ balance: amount, available: amount, incoming: 0, usedToday: 0 });
    // The losers' transfer ids never reached the ledger.
    const stored = await t.services.ledger.transfers(transferIds);
    expect(stored.map((s) => s.id)).toEqual([transferIds[winner]]);
  });

  it('10 concurrent charges of one pay code (different ids): exactly one 201', async () => {
    const amount = 1_800;
    const customer = await newUser();
    const merchant = await newUser();
    await fund(customer, 10_000);
    const codeRes = await customer.request('POST', '/v1/wallet/paycode');
    expect(codeRes.statusCode).toBe(200);
    const { code } = codeRes.json() as PayCode;
    const responses = await Promise.all(
      Array.from({ length: 10 }, () =>
        merchant.request('POST', '/v1/paycode-charges', { id: newId(), code, amountMinor: amount }),
      ),
    );
    expect(tally(responses)).toEqual({ '201': 1, '409 paycode_invalid': 9 });
    expect(await money(customer)).toEqual({
      balance: 10_000 - amount,
      available: 10_000 - amount,
      incoming: 0,
      usedToday: amount,
    });
    expect(await money(merchant)).toEqual({ balance: amount, available: amount, incoming: 0, usedToday: 0 });
  });

  it('10 concurrent identical withdrawals (one id): one hold, counted once against the daily limit', async () => {
    const amount = 4_000;
    const user = await newUser();
    const cardId = await fund(user, 10_000);
    const body = { id: newId(), cardId, amountMinor: amount, pin: PIN };
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => user.request('POST', '/v1/wallet/withdrawals', body)),
    );
    expect(tally(responses)).toEqual({ '202': 10 });
    for (const r of responses) expect((r.json() as TopUp).id).toBe(body.id);
    const held = await money(user);
    expect(held.usedToday).toBe(amount);
    expect(held.balance - held.available).toBeLessThanOrEqual(amount);
    await t.services.bank.idle();
    expect(await money(user)).toEqual({ balance: 6_000, available: 6_000, incoming: 0, usedToday: amount });
  });

  it('10 concurrent identical top-ups (one id): one operation, the money comes in once', async () => {
    const user = await newUser();
    const cardId = await addCard(user);
    const body = { id: newId(), cardId, amountMinor: 5_000 };
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => user.request('POST', '/v1/wallet/topups', body)),
    );
    expect(tally(responses)).toEqual({ '202': 10 });
    await t.services.bank.idle();
    const op = (await user.request('GET', `/v1/wallet/topups/${body.id}`)).json() as TopUp;
    expect(op.status).toBe('succeeded');
    expect(await money(user)).toEqual({ balance: 5_000, available: 5_000, incoming: 0, usedToday: 0 });
  });

  it('10 concurrent top-ups of a tier-0 wallet: together they cannot pass the balance maximum', async () => {
    const user = await newUser(0);
    const cardId = await addCard(user);
    const responses = await Promise.all(
      Array.from({ length: 10 }, () =>
        user.request('POST', '/v1/wallet/topups', { id: newId(), cardId, amountMinor: 200_000 }),
      ),
    );
    expect(tally(responses)).toEqual({ '202': 5, '409 balance_limit_exceeded': 5 });
    await t.services.bank.idle();
    expect(await money(user)).toEqual({
      balance: 1_000_000,
      available: 1_000_000,
      incoming: 0,
      usedToday: 0,
    });
  });

  it('20 concurrent copies of one payment of a request (one transfer id): all answer paid, the money moves once', async () => {
    const amount = 2_100;
    const requester = await newUser();
    const payer = await newUser();
    await fund(payer, 50_000);
    const created = await requester.request('POST', '/v1/payment-requests', {
      id: newId(),
      from: { userId: payer.userId },
      amountMinor: amount,
    });
    const request = created.json() as PaymentRequest;
    const transferId = newId();
    const responses = await Promise.all(
      Array.from({ length: 20 }, () =>
        payer.request('POST', `/v1/payment-requests/${request.id}/pay`, { transferId, pin: PIN }),
      ),
    );
    expect(tally(responses)).toEqual({ '200': 20 });
    for (const r of responses) expect((r.json() as PaymentRequest).transferId).toBe(transferId);
    expect(await money(payer)).toEqual({
      balance: 50_000 - amount,
      available: 50_000 - amount,
      incoming: 0,
      usedToday: amount,
    });
  });

  it('10 concurrent copies of one pay-code charge (one id): one 201, the rest answer the same transfer', async () => {
    const amount = 900;
    const customer = await newUser();
    const merchant = await newUser();
    await fund(customer, 10_000);
    const { code } = (await customer.request('POST', '/v1/wallet/paycode')).json() as PayCode;
    const id = newId();
    const responses = await Promise.all(
      Array.from({ length: 10 }, () =>
        merchant.request('POST', '/v1/paycode-charges', { id, code, amountMinor: amount }),
      ),
    );
    expect(tally(responses)).toEqual({ '200': 9, '201': 1 });
    for (const r of responses) expect((r.json() as Transfer).id).toBe(id);
    expect((await money(customer)).balance).toBe(10_000 - amount);
  });

  it('20 concurrent copies of one transfer near the daily limit: one 201, nineteen 200, counted once', async () => {
    const payer = await newUser(0);
    const payee = await newUser();
    const cardId = await fund(payer, 200_000);
    const more = await payer.request('POST', '/v1/wallet/topups', {
      id: newId(),
      cardId,
      amountMinor: 200_000,
    });
    expect(more.statusCode, more.body).toBe(202);
    await t.services.bank.idle();
    const first = await payer.request('POST', '/v1/transfers', {
      id: newId(),
      to: { userId: payee.userId },
      amountMinor: 200_000,
      pin: PIN,
    });
    expect(first.statusCode, first.body).toBe(201);
    const id = newId();
    const responses = await Promise.all(
      Array.from({ length: 20 }, () =>
        payer.request('POST', '/v1/transfers', {
          id,
          to: { userId: payee.userId },
          amountMinor: 200_000,
          pin: PIN,
        }),
      ),
    );
    expect(tally(responses)).toEqual({ '200': 19, '201': 1 });
    expect(await money(payer)).toEqual({ balance: 0, available: 0, incoming: 0, usedToday: 400_000 });
  });

  it('the ledger verifies clean afterwards', async () => {
    await t.services.bank.idle();
    const report = await t.services.ledger.verify();
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
  });
});
