import { randomBytes } from 'node:crypto';
import type {
  BankCard,
  ErrorBody,
  HistoryItem,
  HistoryPage,
  MonthlyTotals,
  Party,
  PayCode,
  PayeeRef,
  PaymentRequest,
  ReceiveQr,
  TopUp,
  Transfer,
  WalletSummary,
} from '@jiaozi/protocol';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../kernel/clock.js';
import { newId } from '../kernel/ids.js';
import { AccountCode } from '../ledger/ledger.service.js';
import { Secrets } from '../platform/secrets/secrets.js';
import { type Client, createTestApp, signupClient, type TestApp } from '../test/app.js';
import { BANK_SIGNATURE_HEADER, type BankCallback, signBankCallback } from './bank-gateway.js';
import { BANK_REQUEST_JOB } from './wallet.service.js';

const PIN = '135790';
const WRONG_PIN = '864202';
const GOOD_CARD = '4111111111111111';
const DECLINED_CARD = '4000000000000002';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const DAY_S = 24 * 60 * 60;

let t: TestApp;
const clock = new ManualClock('2026-11-25T08:00:00.000Z');

// ── The bank's callbacks pass through here: recorded, and held while a test wants them held ──

interface Captured {
  body: string;
  signature: string;
  callback: BankCallback;
}
const captured: Captured[] = [];
let gate: Promise<void> = Promise.resolve();
let openGate: () => void = () => undefined;

/** Keeps the bank's answers waiting until releaseBank(), so that pending states can be seen. */
function holdBank(): void {
  gate = new Promise((resolve) => {
    openGate = () => {
      gate = Promise.resolve();
      openGate = () => undefined;
      resolve();
    };
  });
}

function releaseBank(): void {
  openGate();
}

function postCallback(body: string, signature?: string): Promise<LightMyRequestResponse> {
  return t.app.inject({
    method: 'POST',
    url: '/v1/bank/callbacks',
    payload: body,
    headers: {
      'content-type': 'application/json',
      ...(signature === undefined ? {} : { [BANK_SIGNATURE_HEADER]: signature }),
    },
  });
}

/** The first callback the bank sent (or is holding) for an operation. */
async function callbackFor(operationId: string): Promise<Captured> {
  return vi.waitFor(
    () => {
      const found = captured.find((c) => c.callback.operationId === operationId);
      if (!found) throw new Error(`no callback yet for ${operationId}`);
      return found;
    },
    { timeout: 5_000, interval: 5 },
  );
}

beforeAll(async () => {
  t = await createTestApp({ clock });
  t.services.bank.connect(async (body, signature) => {
    captured.push({ body, signature, callback: JSON.parse(body) as BankCallback });
    await gate;
    return (await postCallback(body, signature)).statusCode;
  });
});

afterEach(async () => {
  releaseBank();
  await t.services.bank.idle();
});

afterAll(async () => {
  releaseBank();
  await t?.shutdown();
});

// ── Helpers ──────────────────────────────────────────────────────────────────

/** Operation ids of the bank requests whose jobs are still waiting. */
async function bankJobs(): Promise<string[]> {
  const rows = await t.database.db
    .selectFrom('jobs')
    .select('key')
    .where('kind', '=', BANK_REQUEST_JOB)
    .orderBy('key')
    .execute();
  return rows.map((r) => r.key);
}

type User = Client & { username: string | undefined; password: string; party: Party };

let phoneCounter = 0;
function uniquePhone(): string {
  phoneCounter += 1;
  return `+86137${String(process.pid % 10_000).padStart(4, '0')}${String(phoneCounter).padStart(4, '0')}`;
}

async function newUser(options: { displayName?: string; phone?: string; tier?: number } = {}): Promise<User> {
  const c = await signupClient(t.app, {
    ...(options.phone ? { phone: options.phone } : {}),
    ...(options.displayName ? { displayName: options.displayName } : {}),
  });
  const res = await c.request('PUT', '/v1/me/pin', { pin: PIN, password: c.password });
  expect(res.statusCode, res.body).toBe(204);
  if (options.tier !== undefined)
    await t.services.identity.setRoleAndTier(c.userId, { kycTier: options.tier });
  const me = await t.services.identity.getUser(c.userId);
  return {
    ...c,
    party: { userId: c.userId, displayName: me.display_name, username: me.username },
  };
}

function errorOf(res: LightMyRequestResponse): ErrorBody['error'] {
  const body = res.json() as ErrorBody;
  expect(body.error, res.body).toBeDefined();
  return body.error;
}

function expectError(
  res: LightMyRequestResponse,
  status: number,
  code: string,
  details?: Record<string, unknown>,
): ErrorBody['error'] {
  const error = errorOf(res);
  expect({ status: res.statusCode, code: error.code }, res.body).toEqual({ status, code });
  if (details !== undefined) expect(error.details).toMatchObject(details);
  return error;
}

async function summary(c: Client): Promise<WalletSummary> {
  const res = await c.request('GET', '/v1/wallet');
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as WalletSummary;
}

/** Balance, available, incoming and today's outflow: what "nothing moved" compares. */
async function money(c: Client) {
  const s = await summary(c);
  return {
    balance: s.balanceMinor,
    available: s.availableMinor,
    incoming: s.incomingPendingMinor,
    usedToday: s.limits.dailyOutflowUsedMinor,
  };
}

async function addCard(c: Client, cardNumber = GOOD_CARD, bankName = 'ICBC'): Promise<BankCard> {
  const res = await c.request('POST', '/v1/wallet/cards', { bankName, cardNumber, holderName: 'Zhang San' });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as BankCard;
}

function topUp(c: Client, cardId: string, amountMinor: unknown, id = newId()) {
  return c.request('POST', '/v1/wallet/topups', { id, cardId, amountMinor });
}

/** Tops up in steps of at most 200000 (the tier-0 single limit) and waits for the bank. */
async function fund(c: Client, amount: number, cardId?: string): Promise<void> {
  const card = cardId ?? (await addCard(c)).id;
  const before = (await summary(c)).balanceMinor;
  for (let left = amount; left > 0; left -= 200_000) {
    const res = await topUp(c, card, Math.min(left, 200_000));
    expect(res.statusCode, res.body).toBe(202);
  }
  await t.services.bank.idle();
  expect((await summary(c)).balanceMinor).toBe(before + amount);
}

function pay(
  c: Client,
  to: PayeeRef,
  amountMinor: unknown,
  extra: { id?: string; pin?: string; note?: string } = {},
) {
  return c.request('POST', '/v1/transfers', {
    id: extra.id ?? newId(),
    to,
    amountMinor,
    pin: extra.pin ?? PIN,
    ...(extra.note === undefined ? {} : { note: extra.note }),
  });
}

async function history(c: Client, query = ''): Promise<HistoryPage> {
  const res = await c.request('GET', `/v1/wallet/history${query ? `?${query}` : ''}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as HistoryPage;
}

async function verifyLedger(): Promise<void> {
  const report = await t.services.ledger.verify();
  expect(report.problems).toEqual([]);
  expect(report.ok).toBe(true);
}

// ── Tests ────────────────────────────────────────────────────────────────────

describe('the wallet of a new user', () => {
  it('exists, holds nothing and has the tier-0 limits', async () => {
    const a = await newUser();
    const s = await summary(a);
    const account = await t.services.ledger.accountByOwner(AccountCode.userWallet, a.userId, 'CNY');
    expect(s).toEqual({
      accountId: account?.id,
      currency: 'CNY',
      balanceMinor: 0,
      availableMinor: 0,
      incomingPendingMinor: 0,
      kycTier: 0,
      limits: {
        singleTransferMaxMinor: 200_000,
        dailyOutflowMaxMinor: 500_000,
        dailyOutflowUsedMinor: 0,
        balanceMaxMinor: 1_000_000,
      },
    });
    expect(s.accountId).toMatch(UUID);
  });

  it('shows the limits of a raised tier', async () => {
    const a = await newUser({ tier: 2 });
    expect((await summary(a)).limits).toEqual({
      singleTransferMaxMinor: 20_000_000,
      dailyOutflowMaxMinor: 100_000_000,
      dailyOutflowUsedMinor: 0,
      balanceMaxMinor: 1_000_000_000,
    });
    expect((await summary(a)).kycTier).toBe(2);
  });

  it('needs a session', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/v1/wallet' });
    expectError(res, 401, 'unauthenticated');
  });
});

describe('bank cards', () => {
  it('add keeps only the last four digits; list; delete', async () => {
    const a = await newUser();
    const res = await a.request('POST', '/v1/wallet/cards', {
      bankName: ' ICBC ',
      cardNumber: '4111 1111-1111 1111',
      holderName: 'Zhang San',
    });
    expect(res.statusCode, res.body).toBe(201);
    const card = res.json() as BankCard;
    expect(card).toEqual({
      id: expect.stringMatching(UUID),
      bankName: 'ICBC',
      last4: '1111',
      holderName: 'Zhang San',
      createdAt: clock.now().toISOString(),
    });
    expect(res.body).not.toContain('411111');

    const list = await a.request('GET', '/v1/wallet/cards');
    expect(list.statusCode).toBe(200);
    expect(list.json()).toEqual({ cards: [card] });
    expect(list.body).not.toContain('411111');
    expect(list.body).not.toContain('sim_');

    const del = await a.request('DELETE', `/v1/wallet/cards/${card.id}`);
    expect(del.statusCode).toBe(204);
    expect((await a.request('GET', '/v1/wallet/cards')).json()).toEqual({ cards: [] });
    expectError(await a.request('DELETE', `/v1/wallet/cards/${card.id}`), 404, 'not_found');
    // A removed card cannot be topped up from.
    expectError(await topUp(a, card.id, 100), 404, 'not_found');
  });

  it('a Luhn-invalid number is 400 card_number_invalid', async () => {
    const a = await newUser();
    for (const cardNumber of ['4111111111111112', '4111 1111 1111 1113', '123456789012']) {
      const res = await a.request('POST', '/v1/wallet/cards', {
        bankName: 'ICBC',
        cardNumber,
        holderName: 'Zhang San',
      });
      expectError(res, 400, 'card_number_invalid');
    }
    expect((await a.request('GET', '/v1/wallet/cards')).json()).toEqual({ cards: [] });
  });

  it("someone else's card is 404 and stays theirs", async () => {
    const a = await newUser();
    const b = await newUser();
    const card = await addCard(a);
    expectError(await b.request('DELETE', `/v1/wallet/cards/${card.id}`), 404, 'not_found');
    expectError(await topUp(b, card.id, 100), 404, 'not_found');
    expectError(await b.request('DELETE', `/v1/wallet/cards/${newId()}`), 404, 'not_found');
    expect((await b.request('GET', '/v1/wallet/cards')).json()).toEqual({ cards: [] });
    expect((await a.request('GET', '/v1/wallet/cards')).json()).toEqual({ cards: [card] });
  });
});

describe('top-ups', () => {
  it('202 pending, then succeeded when the bank confirms: the balance is exact', async () => {
    const a = await newUser();
    const card = await addCard(a);
    holdBank();
    const id = newId();
    const res = await topUp(a, card.id, 150_000, id);
    expect(res.statusCode, res.body).toBe(202);
    const pending = res.json() as TopUp;
    expect(pending).toEqual({
      id,
      cardId: card.id,
      amountMinor: 150_000,
      currency: 'CNY',
      status: 'pending',
      failureReason: null,
      createdAt: clock.now().toISOString(),
      completedAt: null,
    });
    expect(await money(a)).toEqual({ balance: 0, available: 0, incoming: 150_000, usedToday: 0 });

    releaseBank();
    await t.services.bank.idle();
    const done = await a.request('GET', `/v1/wallet/topups/${id}`);
    expect(done.statusCode).toBe(200);
    expect(done.json()).toEqual({ ...pending, status: 'succeeded', completedAt: clock.now().toISOString() });
    expect(await money(a)).toEqual({ balance: 150_000, available: 150_000, incoming: 0, usedToday: 0 });
  });

  it('a declined card: failed with card_declined, the balance unchanged, nothing incoming', async () => {
    const a = await newUser();
    await fund(a, 10_000);
    const declined = await addCard(a, DECLINED_CARD, 'CMB');
    holdBank();
    const id = newId();
    const res = await topUp(a, declined.id, 50_000, id);
    expect(res.statusCode, res.body).toBe(202);
    expect((res.json() as TopUp).status).toBe('pending');
    expect(await money(a)).toEqual({ balance: 10_000, available: 10_000, incoming: 50_000, usedToday: 0 });

    releaseBank();
    await t.services.bank.idle();
    const done = (await a.request('GET', `/v1/wallet/topups/${id}`)).json() as TopUp;
    expect(done).toMatchObject({ id, status: 'failed', failureReason: 'card_declined', amountMinor: 50_000 });
    expect(done.completedAt).toBe(clock.now().toISOString());
    expect(await money(a)).toEqual({ balance: 10_000, available: 10_000, incoming: 0, usedToday: 0 });
  });

  it('the same id and body answers the same operation; another body is 409 idempotency_conflict', async () => {
    const a = await newUser();
    const card = await addCard(a);
    const other = await addCard(a, '5555555555554444', 'BOC');
    const id = newId();
    const first = await topUp(a, card.id, 20_000, id);
    expect(first.statusCode).toBe(202);
    // Again while still pending, and again after the bank answered: the one operation.
    const again = await topUp(a, card.id, 20_000, id);
    expect(again.statusCode).toBe(202);
    expect((again.json() as TopUp).id).toBe(id);
    await t.services.bank.idle();
    const done = (await a.request('GET', `/v1/wallet/topups/${id}`)).json() as TopUp;
    const replay = await topUp(a, card.id, 20_000, id);
    expect(replay.statusCode).toBe(202);
    expect(replay.json()).toEqual(done);
    expect(done.status).toBe('succeeded');
    expect((await summary(a)).balanceMinor).toBe(20_000);

    expectError(await topUp(a, card.id, 20_001, id), 409, 'idempotency_conflict');
    expectError(await topUp(a, other.id, 20_000, id), 409, 'idempotency_conflict');
    // Someone else cannot reuse it either.
    const b = await newUser();
    const bCard = await addCard(b);
    expectError(await topUp(b, bCard.id, 20_000, id), 409, 'idempotency_conflict');
    await t.services.bank.idle();
    expect(await money(a)).toEqual({ balance: 20_000, available: 20_000, incoming: 0, usedToday: 0 });
    expect((await summary(b)).balanceMinor).toBe(0);
  });

  it('over the balance maximum is 409 balance_limit_exceeded; over the single limit is 400', async () => {
    const a = await newUser();
    const card = await addCard(a);
    await fund(a, 1_000_000, card.id);
    expectError(await topUp(a, card.id, 1), 409, 'balance_limit_exceeded', { balanceMaxMinor: 1_000_000 });
    const b = await newUser();
    const bCard = await addCard(b);
    expectError(await topUp(b, bCard.id, 200_001), 400, 'invalid_amount', { maxMinor: 200_000 });
    // Money on its way in counts towards the maximum too.
    holdBank();
    for (let i = 0; i < 5; i++) expect((await topUp(b, bCard.id, 200_000)).statusCode).toBe(202);
    expectError(await topUp(b, bCard.id, 1), 409, 'balance_limit_exceeded');
    releaseBank();
    await t.services.bank.idle();
    expect(await money(a)).toEqual({ balance: 1_000_000, available: 1_000_000, incoming: 0, usedToday: 0 });
    expect(await money(b)).toEqual({ balance: 1_000_000, available: 1_000_000, incoming: 0, usedToday: 0 });
  });

  it("another user's top-up is 404", async () => {
    const a = await newUser();
    const b = await newUser();
    const card = await addCard(a);
    const id = newId();
    expect((await topUp(a, card.id, 100, id)).statusCode).toBe(202);
    expectError(await b.request('GET', `/v1/wallet/topups/${id}`), 404, 'not_found');
    expectError(await a.request('GET', `/v1/wallet/withdrawals/${id}`), 404, 'not_found');
  });
});

describe('transfers', () => {
  it('201 with exact balances; a retry is 200 without a PIN check; another body is 409', async () => {
    const a = await newUser({ displayName: 'Ai Ling' });
    const b = await newUser({ displayName: 'Bo Wen' });
    const c = await newUser();
    await fund(a, 100_000);
    const id = newId();
    const res = await pay(a, { userId: b.userId }, 12_345, { id, note: '  dinner  ' });
    expect(res.statusCode, res.body).toBe(201);
    const transfer = res.json() as Transfer;
    expect(transfer).toEqual({
      id,
      from: a.party,
      to: b.party,
      amountMinor: 12_345,
      currency: 'CNY',
      note: 'dinner',
      createdAt: clock.now().toISOString(),
    });
    expect(await money(a)).toEqual({ balance: 87_655, available: 87_655, incoming: 0, usedToday: 12_345 });
    expect(await money(b)).toEqual({ balance: 12_345, available: 12_345, incoming: 0, usedToday: 0 });

    // The retry is answered from the ledger: the (wrong) PIN is not even looked at.
    const retry = await pay(a, { userId: b.userId }, 12_345, { id, note: '  dinner  ', pin: WRONG_PIN });
    expect(retry.statusCode, retry.body).toBe(200);
    expect(retry.json()).toEqual(transfer);
    const retryByUsername = await pay(a, { username: b.username ?? '' }, 12_345, { id, note: 'dinner' });
    expect(retryByUsername.statusCode).toBe(200);
    expect(retryByUsername.json()).toEqual(transfer);

    expectError(
      await pay(a, { userId: b.userId }, 12_346, { id, note: 'dinner' }),
      409,
      'idempotency_conflict',
    );
    expectError(
      await pay(a, { userId: c.userId }, 12_345, { id, note: 'dinner' }),
      409,
      'idempotency_conflict',
    );
    expectError(
      await pay(a, { userId: b.userId }, 12_345, { id, note: 'lunch' }),
      409,
      'idempotency_conflict',
    );
    expect(await money(a)).toEqual({ balance: 87_655, available: 87_655, incoming: 0, usedToday: 12_345 });
    expect(await money(b)).toEqual({ balance: 12_345, available: 12_345, incoming: 0, usedToday: 0 });
    expect((await summary(c)).balanceMinor).toBe(0);
    // The wrong PIN of the retry cost no attempt.
    const user = await t.services.identity.getUser(a.userId);
    expect(user.pin_failed_attempts).toBe(0);
  });

  it('a wrong PIN is 401 pin_incorrect and nothing moves', async () => {
    const a = await newUser();
    const b = await newUser();
    await fund(a, 50_000);
    const before = await money(a);
    const id = newId();
    expectError(await pay(a, { userId: b.userId }, 1_000, { id, pin: WRONG_PIN }), 401, 'pin_incorrect', {
      attemptsLeft: 4,
    });
    expect(await money(a)).toEqual(before);
    expect(await money(b)).toEqual({ balance: 0, available: 0, incoming: 0, usedToday: 0 });
    expectError(await a.request('GET', `/v1/transfers/${id}`), 404, 'not_found');
    // The same id with the right PIN then goes through.
    expect((await pay(a, { userId: b.userId }, 1_000, { id })).statusCode).toBe(201);
    expect((await summary(b)).balanceMinor).toBe(1_000);
  });

  it('insufficient funds is 409: nothing moved, nothing held, no daily usage', async () => {
    const a = await newUser();
    const b = await newUser();
    await fund(a, 30_000);
    expect((await pay(a, { userId: b.userId }, 5_000)).statusCode).toBe(201);
    const before = await money(a);
    expect(before).toEqual({ balance: 25_000, available: 25_000, incoming: 0, usedToday: 5_000 });
    const id = newId();
    expectError(await pay(a, { userId: b.userId }, 25_001, { id }), 409, 'insufficient_funds');
    expect(await money(a)).toEqual(before);
    expect((await summary(b)).balanceMinor).toBe(5_000);
    // A failed id stays failed.
    expectError(await pay(a, { userId: b.userId }, 25_001, { id }), 409, 'insufficient_funds');
    expect(await money(a)).toEqual(before);
    // Exactly the balance is fine.
    expect((await pay(a, { userId: b.userId }, 25_000)).statusCode).toBe(201);
    expect(await money(a)).toEqual({ balance: 0, available: 0, incoming: 0, usedToday: 30_000 });
    expect((await summary(b)).balanceMinor).toBe(30_000);
  });

  it('paying oneself is 400 cannot_pay_self', async () => {
    const a = await newUser();
    await fund(a, 1_000);
    expectError(await pay(a, { userId: a.userId }, 100), 400, 'cannot_pay_self');
    expectError(await pay(a, { username: a.username ?? '' }, 100), 400, 'cannot_pay_self');
    const qr = (await a.request('GET', '/v1/wallet/qr')).json() as ReceiveQr;
    expectError(await pay(a, { qr: qr.payload }, 100), 400, 'cannot_pay_self');
    expect(await money(a)).toEqual({ balance: 1_000, available: 1_000, incoming: 0, usedToday: 0 });
  });

  it.each([
    ['0', 0],
    ['-1', -1],
    ['1.5', 1.5],
    ['"12"', '12'],
    ['null', null],
    ['2^53', 2 ** 53],
  ])('an amount of %s is 400 invalid_amount at /body/amountMinor', async (_label, amount) => {
    const a = await newUser();
    const b = await newUser();
    await fund(a, 1_000);
    expectError(await pay(a, { userId: b.userId }, amount), 400, 'invalid_amount', {
      path: '/body/amountMinor',
    });
    expect(await money(a)).toEqual({ balance: 1_000, available: 1_000, incoming: 0, usedToday: 0 });
  });

  it('a missing amount is 400 invalid_amount at /body/amountMinor', async () => {
    const a = await newUser();
    const res = await a.request('POST', '/v1/transfers', { id: newId(), to: { userId: a.userId }, pin: PIN });
    expectError(res, 400, 'invalid_amount', { path: '/body/amountMinor' });
  });

  it('over the tier-0 single limit (200000) is 400 invalid_amount', async () => {
    const a = await newUser();
    const b = await newUser();
    await fund(a, 400_000);
    expectError(await pay(a, { userId: b.userId }, 200_001), 400, 'invalid_amount', { maxMinor: 200_000 });
    expect(await money(a)).toEqual({ balance: 400_000, available: 400_000, incoming: 0, usedToday: 0 });
    expect((await pay(a, { userId: b.userId }, 200_000)).statusCode).toBe(201);
    // At tier 1 the same amount is fine.
    await t.services.identity.setRoleAndTier(a.userId, { kycTier: 1 });
    expect((await pay(a, { userId: b.userId }, 200_001)).statusCode).toBe(409); // only 199999 left
    expect((await pay(a, { userId: b.userId }, 199_999)).statusCode).toBe(201);
    expect((await summary(b)).balanceMinor).toBe(399_999);
  });

  it('the tier-0 daily limit (500000): the third transfer of 200000 is 409 daily_limit_exceeded', async () => {
    const a = await newUser();
    const b = await newUser();
    await fund(a, 600_000);
    expect((await pay(a, { userId: b.userId }, 200_000)).statusCode).toBe(201);
    expect((await pay(a, { userId: b.userId }, 200_000)).statusCode).toBe(201);
    expectError(await pay(a, { userId: b.userId }, 200_000), 409, 'daily_limit_exceeded', {
      dailyLimitMinor: 500_000,
      remainingMinor: 100_000,
    });
    expect(await money(a)).toEqual({ balance: 200_000, available: 200_000, incoming: 0, usedToday: 400_000 });
    expect((await pay(a, { userId: b.userId }, 100_000)).statusCode).toBe(201);
    expectError(await pay(a, { userId: b.userId }, 1), 409, 'daily_limit_exceeded', { remainingMinor: 0 });
    expect(await money(a)).toEqual({ balance: 100_000, available: 100_000, incoming: 0, usedToday: 500_000 });
    expect((await summary(b)).balanceMinor).toBe(500_000);

    // The day turns at midnight in Asia/Shanghai (16:00 UTC).
    const now = clock.now();
    const nextShanghaiMidnight = new Date(
      Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), 16) +
        (now.getUTCHours() >= 16 ? DAY_S * 1000 : 0),
    );
    clock.set(nextShanghaiMidnight.getTime() - 1);
    expectError(await pay(a, { userId: b.userId }, 1), 409, 'daily_limit_exceeded');
    clock.set(nextShanghaiMidnight);
    expect((await summary(a)).limits.dailyOutflowUsedMinor).toBe(0);
    expect((await pay(a, { userId: b.userId }, 100_000)).statusCode).toBe(201);
    expect(await money(a)).toEqual({ balance: 0, available: 0, incoming: 0, usedToday: 100_000 });
  });

  it('an unknown payee is 404', async () => {
    const a = await newUser();
    await fund(a, 1_000);
    expectError(await pay(a, { userId: newId() }, 100), 404, 'not_found');
    expectError(await pay(a, { username: 'nobody_at_all_here' }, 100), 404, 'not_found');
    expectError(await pay(a, { phone: '+8613000000001' }, 100), 404, 'not_found');
    expectError(await pay(a, { userId: newId(), username: 'x_y_z' }, 100), 400, 'invalid_request');
    expect(await money(a)).toEqual({ balance: 1_000, available: 1_000, incoming: 0, usedToday: 0 });
  });

  it('payees by phone, by userId, by username and by QR code', async () => {
    const a = await newUser();
    const phone = uniquePhone();
    const p = await newUser({ phone, displayName: 'Pan Yu' });
    const b = await newUser();
    await fund(a, 10_000);

    const byPhone = await pay(a, { phone }, 100);
    expect(byPhone.statusCode, byPhone.body).toBe(201);
    expect((byPhone.json() as Transfer).to).toEqual({
      userId: p.userId,
      displayName: 'Pan Yu',
      username: null,
    });

    const byId = await pay(a, { userId: b.userId }, 200);
    expect(byId.statusCode).toBe(201);
    expect((byId.json() as Transfer).to).toEqual(b.party);

    const byName = await pay(a, { username: (b.username ?? '').toUpperCase() }, 300);
    expect(byName.statusCode).toBe(201);
    expect((byName.json() as Transfer).to).toEqual(b.party);

    const qrRes = await b.request('GET', '/v1/wallet/qr');
    expect(qrRes.statusCode).toBe(200);
    const qr = qrRes.json() as ReceiveQr;
    expect(qr).toEqual({ payload: expect.stringMatching(/^jiaozi:pay:v1:/), amountMinor: null });
    const resolved = await a.request('POST', '/v1/wallet/qr/resolve', { payload: qr.payload });
    expect(resolved.statusCode).toBe(200);
    expect(resolved.json()).toEqual({ payee: b.party, amountMinor: null });
    const byQr = await pay(a, { qr: qr.payload }, 400);
    expect(byQr.statusCode, byQr.body).toBe(201);
    expect((byQr.json() as Transfer).to).toEqual(b.party);

    const fixed = (await b.request('GET', '/v1/wallet/qr?amountMinor=500')).json() as ReceiveQr;
    expect(fixed.amountMinor).toBe(500);
    expect((await a.request('POST', '/v1/wallet/qr/resolve', { payload: fixed.payload })).json()).toEqual({
      payee: b.party,
      amountMinor: 500,
    });

    expect(await money(a)).toEqual({ balance: 9_000, available: 9_000, incoming: 0, usedToday: 1_000 });
    expect((await summary(p)).balanceMinor).toBe(100);
    expect((await summary(b)).balanceMinor).toBe(900);
  });

  it('a tampered QR code is 400 qr_invalid and nothing moves', async () => {
    const a = await newUser();
    const b = await newUser();
    const c = await newUser();
    await fund(a, 10_000);
    const { payload } = (await b.request('GET', '/v1/wallet/qr?amountMinor=500')).json() as ReceiveQr;
    const last = payload.at(-1) === '0' ? '1' : '0';
    const tampered = [
      payload.replace(':500:', ':900:'),
      payload.replace(b.userId, c.userId),
      `${payload.slice(0, -1)}${last}`,
      payload.replace('jiaozi:pay:v1:', 'jiaozi:pay:v2:'),
      'hello',
    ];
    for (const qr of tampered) {
      expectError(await pay(a, { qr }, 500), 400, 'qr_invalid');
      expectError(await a.request('POST', '/v1/wallet/qr/resolve', { payload: qr }), 400, 'qr_invalid');
    }
    expect(await money(a)).toEqual({ balance: 10_000, available: 10_000, incoming: 0, usedToday: 0 });
    expect((await summary(b)).balanceMinor).toBe(0);
    expect((await summary(c)).balanceMinor).toBe(0);
  });

  it('GET /v1/transfers/:id for the sender and the receiver; 404 for anyone else', async () => {
    const a = await newUser();
    const b = await newUser();
    const x = await newUser();
    await fund(a, 1_000);
    const res = await pay(a, { userId: b.userId }, 700, { note: 'tea' });
    const transfer = res.json() as Transfer;
    for (const who of [a, b]) {
      const got = await who.request('GET', `/v1/transfers/${transfer.id}`);
      expect(got.statusCode).toBe(200);
      expect(got.json()).toEqual(transfer);
    }
    expectError(await x.request('GET', `/v1/transfers/${transfer.id}`), 404, 'not_found');
    expectError(await a.request('GET', `/v1/transfers/${newId()}`), 404, 'not_found');
    // A top-up is not a transfer between users.
    const topups = await history(a, 'kind=topup');
    expectError(await a.request('GET', `/v1/transfers/${topups.items[0]?.id}`), 404, 'not_found');
  });
});

describe('fixed-amount QR codes', () => {
  it('pay exactly the amount the code asks for', async () => {
    const payer = await newUser();
    const shop = await newUser({ displayName: 'Noodle stall' });
    await fund(payer, 10_000);
    const qr = await shop.request('GET', '/v1/wallet/qr?amountMinor=1500');
    expect(qr.statusCode, qr.body).toBe(200);
    const { payload } = qr.json() as { payload: string };
    expectError(await pay(payer, { qr: payload }, 1_000), 400, 'invalid_amount', { amountMinor: 1_500 });
    expect((await money(payer)).balance).toBe(10_000);
    const ok = await pay(payer, { qr: payload }, 1_500);
    expect(ok.statusCode, ok.body).toBe(201);
    expect((await money(payer)).balance).toBe(8_500);
  });
});

describe('withdrawals', () => {
  function withdraw(
    c: Client,
    cardId: string,
    amountMinor: number,
    extra: { id?: string; pin?: string } = {},
  ) {
    return c.request('POST', '/v1/wallet/withdrawals', {
      id: extra.id ?? newId(),
      cardId,
      amountMinor,
      pin: extra.pin ?? PIN,
    });
  }

  it('held while the bank pays out, then the balance drops', async () => {
    const a = await newUser();
    const card = await addCard(a);
    await fund(a, 100_000, card.id);
    holdBank();
    const id = newId();
    const res = await withdraw(a, card.id, 30_000, { id });
    expect(res.statusCode, res.body).toBe(202);
    const op = res.json() as TopUp;
    expect(op).toEqual({
      id,
      cardId: card.id,
      amountMinor: 30_000,
      currency: 'CNY',
      status: 'pending',
      failureReason: null,
      createdAt: clock.now().toISOString(),
      completedAt: null,
    });
    expect(await money(a)).toEqual({ balance: 100_000, available: 70_000, incoming: 0, usedToday: 30_000 });
    // While held, the held money cannot be sent elsewhere.
    const b = await newUser();
    expectError(await pay(a, { userId: b.userId }, 70_001), 409, 'insufficient_funds');
    // The same id again is the same withdrawal.
    const again = await withdraw(a, card.id, 30_000, { id });
    expect(again.statusCode).toBe(202);
    expect(again.json()).toEqual(op);
    expectError(await withdraw(a, card.id, 30_001, { id }), 409, 'idempotency_conflict');

    releaseBank();
    await t.services.bank.idle();
    const done = await a.request('GET', `/v1/wallet/withdrawals/${id}`);
    expect(done.json()).toEqual({ ...op, status: 'succeeded', completedAt: clock.now().toISOString() });
    expect(await money(a)).toEqual({ balance: 70_000, available: 70_000, incoming: 0, usedToday: 30_000 });
    expectError(await b.request('GET', `/v1/wallet/withdrawals/${id}`), 404, 'not_found');
  });

  it('to a declining card: failed, the hold and the daily usage released', async () => {
    const a = await newUser();
    await fund(a, 50_000);
    const bad = await addCard(a, DECLINED_CARD, 'CMB');
    holdBank();
    const id = newId();
    const res = await withdraw(a, bad.id, 20_000, { id });
    expect(res.statusCode, res.body).toBe(202);
    expect(await money(a)).toEqual({ balance: 50_000, available: 30_000, incoming: 0, usedToday: 20_000 });
    releaseBank();
    await t.services.bank.idle();
    const done = (await a.request('GET', `/v1/wallet/withdrawals/${id}`)).json() as TopUp;
    expect(done).toMatchObject({ status: 'failed', failureReason: 'card_declined' });
    expect(await money(a)).toEqual({ balance: 50_000, available: 50_000, incoming: 0, usedToday: 0 });
  });

  it('a payout that did not reach the bank is sent by its job; a sent one leaves no job', async () => {
    const a = await newUser();
    const card = await addCard(a);
    await fund(a, 40_000, card.id);
    // The gateway cannot be reached when the withdrawal is made (as if the process had
    // stopped right after the commit): the operation and its request are recorded anyway.
    const payout = vi
      .spyOn(t.services.bank, 'payout')
      .mockRejectedValueOnce(new Error('connect ECONNREFUSED'));
    const id = newId();
    const res = await withdraw(a, card.id, 15_000, { id });
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json()).toMatchObject({ id, status: 'pending' });
    expect(payout).toHaveBeenCalledTimes(1);
    payout.mockRestore();
    expect(await bankJobs()).toEqual([id]);
    expect(await money(a)).toEqual({ balance: 40_000, available: 25_000, incoming: 0, usedToday: 15_000 });
    await t.services.bank.idle();
    expect(captured.some((c) => c.callback.operationId === id)).toBe(false);
    // Not due yet; then, 30 s on, the job sends it and the bank answers.
    expect(await t.services.jobs.runDue()).toEqual({ ran: 0, failed: 0 });
    clock.advanceSeconds(30);
    expect(await t.services.jobs.runDue()).toEqual({ ran: 1, failed: 0 });
    await callbackFor(id);
    await t.services.bank.idle();
    expect((await a.request('GET', `/v1/wallet/withdrawals/${id}`)).json()).toMatchObject({
      status: 'succeeded',
    });
    expect(await money(a)).toEqual({ balance: 25_000, available: 25_000, incoming: 0, usedToday: 15_000 });
    expect(await bankJobs()).toEqual([]);
    // A request that reached the bank at once leaves nothing for the job runner.
    const sent = newId();
    expect((await withdraw(a, card.id, 5_000, { id: sent })).statusCode).toBe(202);
    expect(await bankJobs()).toEqual([]);
    await callbackFor(sent);
  });

  it('a top-up whose charge failed to send, and a job that fails too, are retried later', async () => {
    const a = await newUser();
    const card = await addCard(a);
    const charge = vi
      .spyOn(t.services.bank, 'charge')
      .mockRejectedValueOnce(new Error('bank timeout'))
      .mockRejectedValueOnce(new Error('bank timeout'));
    const id = newId();
    expect((await topUp(a, card.id, 8_000, id)).statusCode).toBe(202);
    expect(await money(a)).toEqual({ balance: 0, available: 0, incoming: 8_000, usedToday: 0 });
    clock.advanceSeconds(30);
    expect(await t.services.jobs.runDue()).toEqual({ ran: 0, failed: 1 });
    expect(await bankJobs()).toEqual([id]);
    clock.advanceSeconds(2);
    expect(await t.services.jobs.runDue()).toEqual({ ran: 1, failed: 0 });
    expect(charge).toHaveBeenCalledTimes(3);
    charge.mockRestore();
    await callbackFor(id);
    await t.services.bank.idle();
    expect(await money(a)).toEqual({ balance: 8_000, available: 8_000, incoming: 0, usedToday: 0 });
    expect(await bankJobs()).toEqual([]);
  });

  it('a withdrawal the ledger refuses records no operation and no bank request', async () => {
    const a = await newUser();
    const card = await addCard(a);
    await fund(a, 1_000, card.id);
    const id = newId();
    expectError(await withdraw(a, card.id, 1_001, { id }), 409, 'insufficient_funds');
    expect(await bankJobs()).toEqual([]);
    expectError(await a.request('GET', `/v1/wallet/withdrawals/${id}`), 404, 'not_found');
    expect(await money(a)).toEqual({ balance: 1_000, available: 1_000, incoming: 0, usedToday: 0 });
  });

  it('a wrong PIN, too much, or a foreign card: nothing held', async () => {
    const a = await newUser();
    const b = await newUser();
    const card = await addCard(a);
    const bCard = await addCard(b);
    await fund(a, 10_000, card.id);
    expectError(await withdraw(a, card.id, 1_000, { pin: WRONG_PIN }), 401, 'pin_incorrect');
    expectError(await withdraw(a, card.id, 10_001), 409, 'insufficient_funds');
    expectError(await withdraw(a, bCard.id, 1_000), 404, 'not_found');
    expectError(await withdraw(a, card.id, 200_001), 400, 'invalid_amount');
    expect(await money(a)).toEqual({ balance: 10_000, available: 10_000, incoming: 0, usedToday: 0 });
  });
});

describe('bank callbacks', () => {
  async function pendingTopUp(c: Client, amount: number) {
    const card = await addCard(c);
    holdBank();
    const id = newId();
    expect((await topUp(c, card.id, amount, id)).statusCode).toBe(202);
    const held = await callbackFor(id);
    expect(held.callback).toMatchObject({ operationId: id, kind: 'charge', status: 'succeeded' });
    return { id, held };
  }

  const nowSeconds = () => Math.floor(clock.now().getTime() / 1000);
  const secret = () => new Secrets(t.database.db, clock).get('bank_callback');

  it('no, garbage or forged signatures are 401 signature_invalid and change nothing', async () => {
    const a = await newUser();
    const { id, held } = await pendingTopUp(a, 40_000);
    const body = held.body;
    const forged = signBankCallback(randomBytes(32), body, nowSeconds());
    const otherBody = JSON.stringify({ ...held.callback, amountMinor: '1' });
    const attempts: (string | undefined)[] = [
      undefined,
      '',
      'garbage',
      't=abc,v1=zz',
      `t=${nowSeconds()}`,
      `v1=${'0'.repeat(64)}`,
      forged,
      `t=${nowSeconds()},v1=${'0'.repeat(64)}`,
      // A genuine signature of another body.
      signBankCallback(await secret(), otherBody, nowSeconds()),
    ];
    for (const signature of attempts) {
      expectError(await postCallback(body, signature), 401, 'signature_invalid');
    }
    // The genuine signature over a changed body.
    expectError(await postCallback(otherBody, held.signature), 401, 'signature_invalid');
    expect(((await a.request('GET', `/v1/wallet/topups/${id}`)).json() as TopUp).status).toBe('pending');
    expect(await money(a)).toEqual({ balance: 0, available: 0, incoming: 40_000, usedToday: 0 });

    releaseBank();
    await t.services.bank.idle();
    expect(((await a.request('GET', `/v1/wallet/topups/${id}`)).json() as TopUp).status).toBe('succeeded');
    expect(await money(a)).toEqual({ balance: 40_000, available: 40_000, incoming: 0, usedToday: 0 });
  });

  it('a signature more than 300 s old (or ahead) is 401', async () => {
    const a = await newUser();
    const { id, held } = await pendingTopUp(a, 5_000);
    const key = await secret();
    for (const skew of [-301, 301, -3600]) {
      const res = await postCallback(held.body, signBankCallback(key, held.body, nowSeconds() + skew));
      expectError(res, 401, 'signature_invalid');
    }
    expect(await money(a)).toEqual({ balance: 0, available: 0, incoming: 5_000, usedToday: 0 });
    // Within the tolerance it is taken: the bank's own delivery then finds it done.
    const ok = await postCallback(held.body, signBankCallback(key, held.body, nowSeconds() - 299));
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toEqual({ result: 'applied' });
    expect(((await a.request('GET', `/v1/wallet/topups/${id}`)).json() as TopUp).status).toBe('succeeded');
    releaseBank();
    await t.services.bank.idle();
    expect(await money(a)).toEqual({ balance: 5_000, available: 5_000, incoming: 0, usedToday: 0 });
  });

  it('a replayed valid callback is ignored', async () => {
    const a = await newUser();
    const { id, held } = await pendingTopUp(a, 7_000);
    releaseBank();
    await t.services.bank.idle();
    expect(await money(a)).toEqual({ balance: 7_000, available: 7_000, incoming: 0, usedToday: 0 });
    for (let i = 0; i < 3; i++) {
      const replay = await postCallback(held.body, held.signature);
      expect(replay.statusCode, replay.body).toBe(200);
      expect(replay.json()).toEqual({ result: 'ignored' });
    }
    // Even a freshly signed "failed" for the finished operation changes nothing.
    const failed = JSON.stringify({ ...held.callback, status: 'failed', reason: 'card_declined' });
    const late = await postCallback(failed, signBankCallback(await secret(), failed, nowSeconds()));
    expect(late.json()).toEqual({ result: 'ignored' });
    // And one for an operation nobody knows.
    const unknown = JSON.stringify({ ...held.callback, operationId: newId() });
    expect(
      (await postCallback(unknown, signBankCallback(await secret(), unknown, nowSeconds()))).json(),
    ).toEqual({
      result: 'ignored',
    });
    expect(((await a.request('GET', `/v1/wallet/topups/${id}`)).json() as TopUp).status).toBe('succeeded');
    expect(await money(a)).toEqual({ balance: 7_000, available: 7_000, incoming: 0, usedToday: 0 });
  });
});

describe('payment requests', () => {
  function request(
    c: Client,
    from: PayeeRef,
    amountMinor: number,
    extra: { id?: string; note?: string } = {},
  ) {
    return c.request('POST', '/v1/payment-requests', {
      id: extra.id ?? newId(),
      from,
      amountMinor,
      ...(extra.note === undefined ? {} : { note: extra.note }),
    });
  }

  async function created(
    c: Client,
    from: PayeeRef,
    amountMinor: number,
    note?: string,
  ): Promise<PaymentRequest> {
    const res = await request(c, from, amountMinor, note === undefined ? {} : { note });
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as PaymentRequest;
  }

  async function requests(c: Client, role: 'incoming' | 'outgoing'): Promise<PaymentRequest[]> {
    const res = await c.request('GET', `/v1/payment-requests?role=${role}`);
    expect(res.statusCode).toBe(200);
    return (res.json() as { requests: PaymentRequest[] }).requests;
  }

  function payRequest(c: Client, id: string, transferId = newId(), pin = PIN) {
    return c.request('POST', `/v1/payment-requests/${id}/pay`, { transferId, pin });
  }

  it('create → the payer sees it → pays with PIN → paid, money moved → paying again is 409', async () => {
    const r = await newUser({ displayName: 'Requester' });
    const p = await newUser({ displayName: 'Payer' });
    const x = await newUser();
    await fund(p, 50_000);
    const id = newId();
    const res = await request(r, { userId: p.userId }, 8_800, { id, note: 'movie' });
    expect(res.statusCode, res.body).toBe(201);
    const req = res.json() as PaymentRequest;
    const now = clock.now();
    expect(req).toEqual({
      id,
      requester: r.party,
      payer: p.party,
      amountMinor: 8_800,
      currency: 'CNY',
      note: 'movie',
      status: 'pending',
      transferId: null,
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + 7 * DAY_S * 1000).toISOString(),
    });
    const again = await request(r, { userId: p.userId }, 8_800, { id, note: 'movie' });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual(req);
    expectError(
      await request(r, { userId: p.userId }, 8_801, { id, note: 'movie' }),
      409,
      'idempotency_conflict',
    );

    expect(await requests(p, 'incoming')).toEqual([req]);
    expect(await requests(r, 'outgoing')).toEqual([req]);
    expect(await requests(x, 'incoming')).toEqual([]);
    expect(await requests(p, 'outgoing')).toEqual([]);

    expectError(await payRequest(p, id, newId(), WRONG_PIN), 401, 'pin_incorrect');
    expect((await requests(p, 'incoming'))[0]?.status).toBe('pending');

    const transferId = newId();
    const paid = await payRequest(p, id, transferId);
    expect(paid.statusCode, paid.body).toBe(200);
    expect(paid.json()).toEqual({ ...req, status: 'paid', transferId });
    expect(await money(p)).toEqual({ balance: 41_200, available: 41_200, incoming: 0, usedToday: 8_800 });
    expect(await money(r)).toEqual({ balance: 8_800, available: 8_800, incoming: 0, usedToday: 0 });
    const transfer = (await r.request('GET', `/v1/transfers/${transferId}`)).json() as Transfer;
    expect(transfer).toMatchObject({
      id: transferId,
      from: p.party,
      to: r.party,
      amountMinor: 8_800,
      note: 'movie',
    });
    const item = (await history(p)).items[0];
    expect(item).toMatchObject({
      id: transferId,
      kind: 'transfer',
      direction: 'out',
      reference: { type: 'payment_request', id },
    });

    // The same payment again is answered as it was; another payment is refused.
    const retry = await payRequest(p, id, transferId);
    expect(retry.statusCode).toBe(200);
    expect(retry.json()).toEqual({ ...req, status: 'paid', transferId });
    expectError(await payRequest(p, id, newId()), 409, 'request_not_pending', { status: 'paid' });
    expectError(await r.request('POST', `/v1/payment-requests/${id}/cancel`), 409, 'request_not_pending');
    expectError(await p.request('POST', `/v1/payment-requests/${id}/decline`), 409, 'request_not_pending');
    expect(await money(p)).toEqual({ balance: 41_200, available: 41_200, incoming: 0, usedToday: 8_800 });
    expect(await money(r)).toEqual({ balance: 8_800, available: 8_800, incoming: 0, usedToday: 0 });
  });

  it('decline by the payer', async () => {
    const r = await newUser();
    const p = await newUser();
    await fund(p, 10_000);
    const req = await created(r, { userId: p.userId }, 1_000);
    const res = await p.request('POST', `/v1/payment-requests/${req.id}/decline`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ ...req, status: 'declined' });
    // Declining again is harmless; paying or cancelling is not possible.
    expect((await p.request('POST', `/v1/payment-requests/${req.id}/decline`)).statusCode).toBe(200);
    expectError(await payRequest(p, req.id), 409, 'request_not_pending', { status: 'declined' });
    expectError(await r.request('POST', `/v1/payment-requests/${req.id}/cancel`), 409, 'request_not_pending');
    expect(await money(p)).toEqual({ balance: 10_000, available: 10_000, incoming: 0, usedToday: 0 });
    expect((await summary(r)).balanceMinor).toBe(0);
  });

  it('cancel by the requester', async () => {
    const r = await newUser();
    const p = await newUser();
    await fund(p, 10_000);
    const req = await created(r, { username: p.username ?? '' }, 1_000, 'taxi');
    const res = await r.request('POST', `/v1/payment-requests/${req.id}/cancel`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ ...req, status: 'cancelled' });
    expectError(await payRequest(p, req.id), 409, 'request_not_pending', { status: 'cancelled' });
    expectError(
      await p.request('POST', `/v1/payment-requests/${req.id}/decline`),
      409,
      'request_not_pending',
    );
    expect(await money(p)).toEqual({ balance: 10_000, available: 10_000, incoming: 0, usedToday: 0 });
  });

  it('a third user, or the wrong side, acting on it gets 404', async () => {
    const r = await newUser();
    const p = await newUser();
    const x = await newUser();
    await fund(x, 10_000);
    await fund(r, 10_000);
    const req = await created(r, { userId: p.userId }, 1_000);
    expectError(await payRequest(x, req.id), 404, 'not_found');
    expectError(await x.request('POST', `/v1/payment-requests/${req.id}/decline`), 404, 'not_found');
    expectError(await x.request('POST', `/v1/payment-requests/${req.id}/cancel`), 404, 'not_found');
    // The requester cannot pay or decline it; the payer cannot cancel it.
    expectError(await payRequest(r, req.id), 404, 'not_found');
    expectError(await r.request('POST', `/v1/payment-requests/${req.id}/decline`), 404, 'not_found');
    expectError(await p.request('POST', `/v1/payment-requests/${req.id}/cancel`), 404, 'not_found');
    expectError(await payRequest(p, newId()), 404, 'not_found');
    expect((await requests(p, 'incoming'))[0]?.status).toBe('pending');
    expect((await summary(x)).balanceMinor).toBe(10_000);
    expect((await summary(r)).balanceMinor).toBe(10_000);
  });

  it('asking oneself is 400; an unknown payer is 404; a payer short of money gets 409 and it stays pending', async () => {
    const r = await newUser();
    const p = await newUser();
    expectError(await request(r, { userId: r.userId }, 100), 400, 'cannot_pay_self');
    expectError(await request(r, { userId: newId() }, 100), 404, 'not_found');
    await fund(p, 500);
    const req = await created(r, { userId: p.userId }, 501);
    expectError(await payRequest(p, req.id), 409, 'insufficient_funds');
    expect(await money(p)).toEqual({ balance: 500, available: 500, incoming: 0, usedToday: 0 });
    expect((await requests(p, 'incoming'))[0]?.status).toBe('pending');
  });
});

describe('pay codes', () => {
  function charge(c: Client, code: string, amountMinor: number, id = newId(), note?: string) {
    return c.request('POST', '/v1/paycode-charges', {
      id,
      code,
      amountMinor,
      ...(note === undefined ? {} : { note }),
    });
  }

  async function payCode(c: Client): Promise<PayCode> {
    const res = await c.request('POST', '/v1/wallet/paycode');
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as PayCode;
  }

  it('a charge that moves nothing leaves the code usable', async () => {
    const c = await newUser({ displayName: 'Thrifty' });
    const m = await newUser({ displayName: 'Shop' });
    await fund(c, 1_000);
    const code = await payCode(c);
    expectError(await charge(m, code.code, 5_000), 409, 'insufficient_funds');
    expect((await money(c)).balance).toBe(1_000);
    const ok = await charge(m, code.code, 800);
    expect(ok.statusCode, ok.body).toBe(201);
    expect((await money(c)).balance).toBe(200);
    expectError(await charge(m, code.code, 100), 409, 'paycode_invalid');
  });

  it('18 digits starting with 28, valid for 60 s; a merchant charges it once', async () => {
    const c = await newUser({ displayName: 'Customer' });
    const m = await newUser({ displayName: 'Merchant' });
    await fund(c, 50_000);
    const code = await payCode(c);
    expect(code.code).toMatch(/^28[0-9]{16}$/);
    expect(code.expiresAt).toBe(new Date(clock.now().getTime() + 60_000).toISOString());

    const id = newId();
    const res = await charge(m, code.code, 2_500, id, 'coffee');
    expect(res.statusCode, res.body).toBe(201);
    const transfer = res.json() as Transfer;
    expect(transfer).toEqual({
      id,
      from: c.party,
      to: m.party,
      amountMinor: 2_500,
      currency: 'CNY',
      note: 'coffee',
      createdAt: clock.now().toISOString(),
    });
    expect(await money(c)).toEqual({ balance: 47_500, available: 47_500, incoming: 0, usedToday: 2_500 });
    expect(await money(m)).toEqual({ balance: 2_500, available: 2_500, incoming: 0, usedToday: 0 });

    expectError(await charge(m, code.code, 2_500), 409, 'paycode_invalid');
    const retry = await charge(m, code.code, 2_500, id, 'coffee');
    expect(retry.statusCode, retry.body).toBe(200);
    expect(retry.json()).toEqual(transfer);
    expectError(await charge(m, code.code, 2_600, id), 409, 'idempotency_conflict');
    const x = await newUser();
    expectError(await charge(x, code.code, 2_500, id), 409, 'idempotency_conflict');
    expect(await money(c)).toEqual({ balance: 47_500, available: 47_500, incoming: 0, usedToday: 2_500 });
    expect(await money(m)).toEqual({ balance: 2_500, available: 2_500, incoming: 0, usedToday: 0 });

    const item = (await history(c)).items[0];
    expect(item).toMatchObject({
      id,
      kind: 'paycode',
      direction: 'out',
      counterparty: m.party,
      note: 'coffee',
    });
    expect((await m.request('GET', `/v1/transfers/${id}`)).json()).toEqual(transfer);
  });

  it('unknown codes, other shapes and one’s own code are refused', async () => {
    const c = await newUser();
    const m = await newUser();
    await fund(c, 10_000);
    expectError(await charge(m, '280000000000000000', 100), 409, 'paycode_invalid');
    expectError(await charge(m, '12345', 100), 409, 'paycode_invalid');
    const own = await payCode(c);
    expectError(await charge(c, own.code, 100), 400, 'cannot_pay_self');
    expect(await money(c)).toEqual({ balance: 10_000, available: 10_000, incoming: 0, usedToday: 0 });
  });

  it('an expired code (61 s later) is 409 paycode_invalid', async () => {
    const c = await newUser();
    const m = await newUser();
    await fund(c, 10_000);
    const code = await payCode(c);
    clock.advanceSeconds(61);
    expectError(await charge(m, code.code, 100), 409, 'paycode_invalid');
    expect(await money(c)).toEqual({ balance: 10_000, available: 10_000, incoming: 0, usedToday: 0 });
    expect((await summary(m)).balanceMinor).toBe(0);
  });
});

describe('history', () => {
  /** One user's varied history, 60 s apart (ids newest first in `order`). */
  async function scenario() {
    const h = await newUser({ displayName: 'Hua' });
    const b = await newUser({ displayName: 'Bai Lu' });
    const c = await newUser({ displayName: 'Chen Mo' });
    await fund(c, 10_000);
    const card = await addCard(h, GOOD_CARD, 'ICBC');
    const bad = await addCard(h, DECLINED_CARD, 'CMB');
    const times: Date[] = [];
    const step = () => {
      clock.advanceSeconds(60);
      times.push(clock.now());
    };

    step();
    const tu1 = newId();
    expect((await topUp(h, card.id, 100_000, tu1)).statusCode).toBe(202);
    await t.services.bank.idle();
    step();
    const tr1 = newId();
    expect((await pay(h, { userId: b.userId }, 1_234, { id: tr1, note: '=1+1' })).statusCode).toBe(201);
    step();
    const tr2 = newId();
    expect((await pay(c, { userId: h.userId }, 500, { id: tr2, note: 'thanks, mate' })).statusCode).toBe(201);
    step();
    const tu2 = newId();
    expect((await topUp(h, bad.id, 7_000, tu2)).statusCode).toBe(202);
    await t.services.bank.idle();
    step();
    const wd = newId();
    const w = await h.request('POST', '/v1/wallet/withdrawals', {
      id: wd,
      cardId: card.id,
      amountMinor: 1_000,
      pin: PIN,
    });
    expect(w.statusCode, w.body).toBe(202);
    await t.services.bank.idle();
    step();
    holdBank();
    const tu3 = newId();
    expect((await topUp(h, card.id, 3_000, tu3)).statusCode).toBe(202);
    return { h, b, c, times, ids: { tu1, tr1, tr2, tu2, wd, tu3 } };
  }

  it('items newest first with exact kinds, directions, statuses, parties, notes and balances', async () => {
    const { h, b, c, times, ids } = await scenario();
    const iso = (i: number) => times[i]?.toISOString();
    const base = { currency: 'CNY', reference: null };
    const tu3Pending: HistoryItem = {
      ...base,
      id: ids.tu3,
      kind: 'topup',
      direction: 'in',
      amountMinor: 3_000,
      status: 'pending',
      counterparty: null,
      counterpartyLabel: 'ICBC ••1111',
      note: '',
      balanceAfterMinor: null,
      createdAt: iso(5) ?? '',
    };
    const rest: HistoryItem[] = [
      {
        ...base,
        id: ids.wd,
        kind: 'withdrawal',
        direction: 'out',
        amountMinor: 1_000,
        status: 'completed',
        counterparty: null,
        counterpartyLabel: 'ICBC ••1111',
        note: '',
        balanceAfterMinor: 98_266,
        createdAt: iso(4) ?? '',
      },
      {
        ...base,
        id: ids.tu2,
        kind: 'topup',
        direction: 'in',
        amountMinor: 7_000,
        status: 'failed',
        counterparty: null,
        counterpartyLabel: 'CMB ••0002',
        note: '',
        balanceAfterMinor: null,
        createdAt: iso(3) ?? '',
      },
      {
        ...base,
        id: ids.tr2,
        kind: 'transfer',
        direction: 'in',
        amountMinor: 500,
        status: 'completed',
        counterparty: c.party,
        counterpartyLabel: 'Chen Mo',
        note: 'thanks, mate',
        balanceAfterMinor: 99_266,
        createdAt: iso(2) ?? '',
      },
      {
        ...base,
        id: ids.tr1,
        kind: 'transfer',
        direction: 'out',
        amountMinor: 1_234,
        status: 'completed',
        counterparty: b.party,
        counterpartyLabel: 'Bai Lu',
        note: '=1+1',
        balanceAfterMinor: 98_766,
        createdAt: iso(1) ?? '',
      },
      {
        ...base,
        id: ids.tu1,
        kind: 'topup',
        direction: 'in',
        amountMinor: 100_000,
        status: 'completed',
        counterparty: null,
        counterpartyLabel: 'ICBC ••1111',
        note: '',
        balanceAfterMinor: 100_000,
        createdAt: iso(0) ?? '',
      },
    ];
    expect(await history(h)).toEqual({ items: [tu3Pending, ...rest], nextCursor: null });
    expect(await money(h)).toEqual({ balance: 98_266, available: 98_266, incoming: 3_000, usedToday: 2_234 });

    releaseBank();
    await t.services.bank.idle();
    const tu3Done = { ...tu3Pending, status: 'completed', balanceAfterMinor: 101_266 };
    expect(await history(h)).toEqual({ items: [tu3Done, ...rest], nextCursor: null });

    // One entry, as either side sees it; nobody else sees it.
    const one = await h.request('GET', `/v1/wallet/history/${ids.tr1}`);
    expect(one.statusCode).toBe(200);
    expect(one.json()).toEqual(rest[3]);
    const theirs = (await b.request('GET', `/v1/wallet/history/${ids.tr1}`)).json() as HistoryItem;
    expect(theirs).toMatchObject({
      id: ids.tr1,
      direction: 'in',
      counterparty: h.party,
      balanceAfterMinor: 1_234,
    });
    expectError(await b.request('GET', `/v1/wallet/history/${ids.tu1}`), 404, 'not_found');
    expectError(await c.request('GET', `/v1/wallet/history/${ids.tr1}`), 404, 'not_found');
    expectError(await h.request('GET', `/v1/wallet/history/${newId()}`), 404, 'not_found');
    expectError(await h.request('GET', '/v1/wallet/history?cursor=garbage'), 400, 'invalid_request', {
      path: '/querystring/cursor',
    });
  });

  it('filters: kind, direction, counterparty, date range', async () => {
    const { h, b, c, times, ids } = await scenario();
    releaseBank();
    await t.services.bank.idle();
    const idsOf = async (query: string) => (await history(h, query)).items.map((i) => i.id);
    expect(await idsOf('kind=topup')).toEqual([ids.tu3, ids.tu2, ids.tu1]);
    expect(await idsOf('kind=transfer')).toEqual([ids.tr2, ids.tr1]);
    expect(await idsOf('kind=withdrawal')).toEqual([ids.wd]);
    expect(await idsOf('kind=paycode')).toEqual([]);
    expect(await idsOf('direction=out')).toEqual([ids.wd, ids.tr1]);
    expect(await idsOf('direction=in')).toEqual([ids.tu3, ids.tu2, ids.tr2, ids.tu1]);
    expect(await idsOf('direction=in&kind=transfer')).toEqual([ids.tr2]);
    expect(await idsOf(`counterparty=${b.userId}`)).toEqual([ids.tr1]);
    expect(await idsOf(`counterparty=${c.userId}`)).toEqual([ids.tr2]);
    const range = (from: number, to: number) =>
      `from=${encodeURIComponent(times[from]?.toISOString() ?? '')}&to=${encodeURIComponent(times[to]?.toISOString() ?? '')}`;
    // From inclusive, to exclusive.
    expect(await idsOf(range(1, 3))).toEqual([ids.tr2, ids.tr1]);
    expect(await idsOf(range(0, 5))).toEqual([ids.wd, ids.tu2, ids.tr2, ids.tr1, ids.tu1]);
    expect(await idsOf(`${range(1, 5)}&direction=out`)).toEqual([ids.wd, ids.tr1]);
    expectError(await h.request('GET', '/v1/wallet/history?kind=bogus'), 400, 'invalid_request');
    expectError(await h.request('GET', '/v1/wallet/history?limit=101'), 400, 'invalid_request');
  });

  it('cursor pagination over 25 transfers with limit 10: 10, 10, 5, no duplicates', async () => {
    const s = await newUser();
    const q = await newUser();
    await fund(s, 2_500);
    const sent: string[] = [];
    for (let i = 0; i < 25; i++) {
      // Some share a timestamp: the id breaks the tie.
      if (i % 4 === 0) clock.advanceSeconds(1);
      const id = newId();
      expect((await pay(s, { userId: q.userId }, 100, { id })).statusCode).toBe(201);
      sent.push(id);
    }
    const pages: HistoryPage[] = [];
    let cursor: string | null = null;
    do {
      const page: HistoryPage = await history(q, `limit=10${cursor ? `&cursor=${cursor}` : ''}`);
      pages.push(page);
      cursor = page.nextCursor;
    } while (cursor && pages.length < 10);
    expect(pages.map((p) => p.items.length)).toEqual([10, 10, 5]);
    expect(pages[2]?.nextCursor).toBeNull();
    const seen = pages.flatMap((p) => p.items.map((i) => i.id));
    expect(new Set(seen).size).toBe(25);
    expect(seen).toEqual([...sent].reverse());
    expect(pages.flatMap((p) => p.items.map((i) => i.balanceAfterMinor))).toEqual(
      Array.from({ length: 25 }, (_, i) => 2_500 - i * 100),
    );
    // The payer's side, read the same way, ends with the top-up.
    const payer = await history(s, 'limit=100');
    expect(payer.items).toHaveLength(26);
    expect(payer.items[25]?.kind).toBe('topup');
  });

  it('CSV export: a header row and exact rows', async () => {
    const { h, b, ids, times } = await scenario();
    releaseBank();
    await t.services.bank.idle();
    const res = await h.request('GET', '/v1/wallet/history.csv');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe('attachment; filename="jiaozi-history.csv"');
    const iso = (i: number) => times[i]?.toISOString();
    expect(res.body).toBe(
      [
        'time,id,kind,direction,amount,currency,status,counterparty,note,balance_after',
        `${iso(5)},${ids.tu3},topup,in,30.00,CNY,completed,ICBC ••1111,,1012.66`,
        `${iso(4)},${ids.wd},withdrawal,out,-10.00,CNY,completed,ICBC ••1111,,982.66`,
        `${iso(3)},${ids.tu2},topup,in,70.00,CNY,failed,CMB ••0002,,`,
        `${iso(2)},${ids.tr2},transfer,in,5.00,CNY,completed,Chen Mo,"thanks, mate",992.66`,
        `${iso(1)},${ids.tr1},transfer,out,-12.34,CNY,completed,Bai Lu,'=1+1,987.66`,
        `${iso(0)},${ids.tu1},topup,in,1000.00,CNY,completed,ICBC ••1111,,1000.00`,
        '',
      ].join('\r\n'),
    );
    const filtered = await h.request('GET', `/v1/wallet/history.csv?direction=out&counterparty=${b.userId}`);
    expect(filtered.body.split('\r\n')).toEqual([
      'time,id,kind,direction,amount,currency,status,counterparty,note,balance_after',
      `${iso(1)},${ids.tr1},transfer,out,-12.34,CNY,completed,Bai Lu,'=1+1,987.66`,
      '',
    ]);
    const empty = await (await newUser()).request('GET', '/v1/wallet/history.csv');
    expect(empty.body).toBe(
      'time,id,kind,direction,amount,currency,status,counterparty,note,balance_after\r\n',
    );
  });

  it('monthly totals count what completed', async () => {
    const { h } = await scenario();
    releaseBank();
    await t.services.bank.idle();
    const res = await h.request('GET', '/v1/wallet/monthly?months=2');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      months: [
        { month: '2026-10', inMinor: 0, outMinor: 0 },
        { month: '2026-11', inMinor: 103_500, outMinor: 2_234 },
      ],
    });
    const six = (await h.request('GET', '/v1/wallet/monthly')).json() as MonthlyTotals;
    expect(six.months.map((m) => m.month)).toEqual([
      '2026-06',
      '2026-07',
      '2026-08',
      '2026-09',
      '2026-10',
      '2026-11',
    ]);
    expect(six.months[5]).toEqual({ month: '2026-11', inMinor: 103_500, outMinor: 2_234 });
    const fresh = (await (await newUser()).request('GET', '/v1/wallet/monthly?months=1')).json();
    expect(fresh).toEqual({ months: [{ month: '2026-11', inMinor: 0, outMinor: 0 }] });
  });
});

// Moves the clock by days: keep last.
describe('expiry', () => {
  it('a payment request expires after 7 days: status expired, paying is 409 request_not_pending', async () => {
    const r = await newUser();
    const p = await newUser();
    await fund(p, 10_000);
    const res = await r.request('POST', '/v1/payment-requests', {
      id: newId(),
      from: { userId: p.userId },
      amountMinor: 1_000,
    });
    expect(res.statusCode).toBe(201);
    const req = res.json() as PaymentRequest;
    clock.advanceSeconds(7 * DAY_S - 1);
    const list = async () =>
      (
        (await p.request('GET', '/v1/payment-requests?role=incoming')).json() as {
          requests: PaymentRequest[];
        }
      ).requests;
    expect((await list())[0]?.status).toBe('pending');
    clock.advanceSeconds(1);
    expect(await list()).toEqual([{ ...req, status: 'expired' }]);
    const pay = await p.request('POST', `/v1/payment-requests/${req.id}/pay`, {
      transferId: newId(),
      pin: PIN,
    });
    expectError(pay, 409, 'request_not_pending', { status: 'expired' });
    expectError(
      await p.request('POST', `/v1/payment-requests/${req.id}/decline`),
      409,
      'request_not_pending',
    );
    expectError(await r.request('POST', `/v1/payment-requests/${req.id}/cancel`), 409, 'request_not_pending');
    expect(await money(p)).toEqual({ balance: 10_000, available: 10_000, incoming: 0, usedToday: 0 });
  });

  it('a top-up the bank never answers is released after its hold times out', async () => {
    const a = await newUser();
    const card = await addCard(a);
    holdBank();
    const id = newId();
    expect((await topUp(a, card.id, 9_000, id)).statusCode).toBe(202);
    await callbackFor(id);
    expect(await money(a)).toEqual({ balance: 0, available: 0, incoming: 9_000, usedToday: 0 });
    clock.advanceSeconds(DAY_S + 1);
    await t.services.ledger.writer.expireNow();
    expect(await money(a)).toEqual({ balance: 0, available: 0, incoming: 0, usedToday: 0 });
    // The bank's (now too old) answer is refused; a fresh one finds the hold gone.
    releaseBank();
    await t.services.bank.idle();
    const op = (await a.request('GET', `/v1/wallet/topups/${id}`)).json() as TopUp;
    expect(op).toMatchObject({ status: 'failed', failureReason: 'expired' });
    expect(await money(a)).toEqual({ balance: 0, available: 0, incoming: 0, usedToday: 0 });
  });
});

describe('the ledger', () => {
  it('verifies clean after all of the above', async () => {
    await t.services.bank.idle();
    await verifyLedger();
  });
});
