import type { ConversationDetail, FamilyGrant, PayCode } from '@jiaozi/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../kernel/ids.js';
import type { DatabaseHandle } from '../platform/db/connect.js';
import { type Client, createTestApp, signupClient, type TestApp } from '../test/app.js';
import { createTestDatabase } from '../test/db.js';
import { befriend, ok, tally } from '../test/http.js';

/**
 * A family-pay charge writes a notice into the granter–grantee chat and moves the granter's
 * money; a transfer card in that chat moves the granter's money from inside the message's
 * transaction. Both lock the conversation before the ledger, so that neither can wait on the
 * other in reverse order (which Postgres would end as a deadlock, a 500 to one of them).
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

async function user(creditMinor = 0n): Promise<Client> {
  const c = await signupClient(t.app);
  ok(await c.request('PUT', '/v1/me/pin', { pin: PIN, password: c.password }), 204);
  await t.services.identity.setRoleAndTier(c.userId, { kycTier: 2 });
  if (creditMinor > 0n) await t.services.wallet.operatorCredit(c.userId, creditMinor, 'test');
  return c;
}

describe('family pay and money in the same chat, at once', () => {
  it('20 transfer cards from the granter and 20 family-card charges of the grantee all go through', async () => {
    const [granter, grantee, merchant] = [await user(1_000_000n), await user(), await user()];
    await befriend(granter, grantee);
    const direct = ok<ConversationDetail>(
      await granter.request('POST', '/v1/conversations/direct', { userId: grantee.userId }),
      201,
    );
    const grant = ok<FamilyGrant>(
      await granter.request('POST', '/v1/family-pay/grants', {
        id: newId(),
        granteeId: grantee.userId,
        monthlyLimitMinor: 500_000,
      }),
      201,
    );
    ok(await grantee.request('POST', `/v1/family-pay/grants/${grant.id}/accept`));
    const codes: string[] = [];
    for (let i = 0; i < 20; i++) {
      codes.push(
        ok<PayCode>(await grantee.request('POST', `/v1/family-pay/grants/${grant.id}/paycode`, { pin: PIN }))
          .code,
      );
    }
    const [cards, charges] = await Promise.all([
      Promise.all(
        Array.from({ length: 20 }, () =>
          granter.request('POST', '/v1/chatpay/transfers', {
            id: newId(),
            conversationId: direct.id,
            amountMinor: 100,
            pin: PIN,
          }),
        ),
      ),
      Promise.all(
        codes.map((code) =>
          merchant.request('POST', '/v1/paycode-charges', { id: newId(), code, amountMinor: 200 }),
        ),
      ),
    ]);
    expect(tally(cards)).toEqual({ '201': 20 });
    expect(tally(charges)).toEqual({ '201': 20 });
    const wallet = ok<{ balanceMinor: number; availableMinor: number }>(
      await granter.request('GET', '/v1/wallet'),
    );
    // 20 × 2.00 paid through the family card; 20 × 1.00 held on cards not yet accepted.
    expect([wallet.balanceMinor, wallet.availableMinor]).toEqual([
      1_000_000 - 4_000,
      1_000_000 - 4_000 - 2_000,
    ]);
    const report = await t.services.ledger.verify();
    expect(report.ok, JSON.stringify(report.problems)).toBe(true);
  });
});
