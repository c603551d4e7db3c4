import type { ErrorBody, FamilyGrant, PayCode, WalletSummary } from '@jiaozi/protocol';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../kernel/ids.js';
import type { DatabaseHandle } from '../platform/db/connect.js';
import { type Client, createTestApp, signupClient, type TestApp } from '../test/app.js';
import { createTestDatabase } from '../test/db.js';

/**
 * Real concurrency against Postgres: many merchant charges through one family-pay grant at
 * once, through the whole stack, then exact totals.
 */
const PIN = '135790';

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

function ok<T>(res: LightMyRequestResponse, status = 200): T {
  expect(res.statusCode, res.body).toBe(status);
  return (res.statusCode === 204 ? null : res.json()) as T;
}

async function user(): Promise<Client> {
  const c = await signupClient(t.app);
  ok(await c.request('PUT', '/v1/me/pin', { pin: PIN, password: c.password }), 204);
  await t.services.identity.setRoleAndTier(c.userId, { kycTier: 2 });
  return c;
}

async function balance(c: Client): Promise<number> {
  return ok<WalletSummary>(await c.request('GET', '/v1/wallet')).balanceMinor;
}

function tally(responses: readonly LightMyRequestResponse[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of responses) {
    const key =
      r.statusCode < 300 ? String(r.statusCode) : `${r.statusCode} ${(r.json() as ErrorBody).error.code}`;
    out[key] = (out[key] ?? 0) + 1;
  }
  return out;
}

describe('family pay races on Postgres', () => {
  it('50 concurrent 30.00 charges against a 1,000.00 monthly limit: exactly 33 go through', async () => {
    const [granter, grantee, merchant] = [await user(), await user(), await user()];
    const req = ok<{ id: string }>(
      await granter.request('POST', '/v1/friend-requests', { id: newId(), to: { userId: grantee.userId } }),
      201,
    );
    ok(await grantee.request('POST', `/v1/friend-requests/${req.id}/accept`));
    await t.services.wallet.operatorCredit(granter.userId, 500_000n, 'test');
    await t.services.wallet.operatorCredit(grantee.userId, 10_000n, 'test');
    const grant = ok<FamilyGrant>(
      await granter.request('POST', '/v1/family-pay/grants', {
        id: newId(),
        granteeId: grantee.userId,
        monthlyLimitMinor: 100_000,
      }),
      201,
    );
    ok(await grantee.request('POST', `/v1/family-pay/grants/${grant.id}/accept`));
    const codes: string[] = [];
    for (let i = 0; i < 50; i++) {
      codes.push(
        ok<PayCode>(await grantee.request('POST', `/v1/family-pay/grants/${grant.id}/paycode`, { pin: PIN }))
          .code,
      );
    }

    const responses = await Promise.all(
      codes.map((code) =>
        merchant.request('POST', '/v1/paycode-charges', { id: newId(), code, amountMinor: 3_000 }),
      ),
    );
    expect(tally(responses)).toEqual({ '201': 33, '409 grant_limit_exceeded': 17 });

    // The granter paid 990.00, the merchant got it, the grantee's own money did not move.
    expect([await balance(granter), await balance(merchant), await balance(grantee)]).toEqual([
      500_000 - 99_000,
      99_000,
      10_000,
    ]);
    const after = ok<FamilyGrant>(await granter.request('GET', `/v1/family-pay/grants/${grant.id}`));
    expect([after.usedThisMonthMinor, after.remainingThisMonthMinor]).toEqual([99_000, 1_000]);
    const uses = await database.db
      .selectFrom('family_grant_uses')
      .select(({ fn }) => [fn.countAll<string>().as('n'), fn.sum<string>('amount').as('total')])
      .where('grant_id', '=', grant.id)
      .executeTakeFirstOrThrow();
    expect([Number(uses.n), Number(uses.total)]).toEqual([33, 99_000]);
    const report = await t.services.ledger.verify();
    expect(report.ok, JSON.stringify(report)).toBe(true);
  });
});
