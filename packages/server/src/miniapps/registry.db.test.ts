import type {
  CreatedApp,
  DeveloperApp,
  ErrorBody,
  LoginCode,
  MerchantSession,
  Message,
  MessagePage,
  MiniAppSummary,
  RotatedSecret,
} from '@jiaozi/protocol';
import { MINIAPP_TOPICS } from '@jiaozi/protocol';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../kernel/clock.js';
import { newId } from '../kernel/ids.js';
import * as limits from '../kernel/limits.js';
import { outboxFor } from '../platform/outbox/outbox.js';
import { type Client, createTestApp, signupClient, type TestApp } from '../test/app.js';
import { befriend } from '../test/http.js';
import { LOGIN_CODE_SWEEP_JOB } from './registry.service.js';

const clock = new ManualClock('2026-11-25T08:00:00.000Z');
let t: TestApp;
let admin: Client;

beforeAll(async () => {
  t = await createTestApp({ clock });
  admin = await signupClient(t.app);
  await t.services.identity.setRoleAndTier(admin.userId, { role: 'admin' });
});

afterAll(async () => {
  await t?.shutdown();
});

// ── Helpers ──────────────────────────────────────────────────────────────────

function ok<T>(res: LightMyRequestResponse, status = 200): T {
  expect(res.statusCode, res.body).toBe(status);
  return (res.statusCode === 204 ? null : res.json()) as T;
}

function expectError(res: LightMyRequestResponse, status: number, code: string): ErrorBody['error'] {
  const body = res.json() as ErrorBody;
  expect({ status: res.statusCode, code: body.error?.code }, res.body).toEqual({ status, code });
  return body.error;
}

let appCounter = 0;
function appInput(overrides: Record<string, unknown> = {}) {
  appCounter += 1;
  return {
    name: `Shop ${appCounter}`,
    description: 'Things to buy',
    iconUrl: 'https://shop.example/icon.png',
    origin: `https://shop${appCounter}.example`,
    scopes: ['profile'],
    webhookUrl: 'https://shop.example/webhooks',
    ...overrides,
  };
}

async function register(dev: Client, overrides: Record<string, unknown> = {}): Promise<CreatedApp> {
  return ok<CreatedApp>(await dev.request('POST', '/v1/developer/apps', appInput(overrides)), 201);
}

async function approved(dev: Client, overrides: Record<string, unknown> = {}): Promise<CreatedApp> {
  const created = await register(dev, overrides);
  ok(await admin.request('POST', `/v1/admin/miniapps/${created.app.id}/approve`));
  return created;
}

function merchant(secret: string | undefined, method: string, url: string, body?: unknown) {
  return t.app.inject({
    method: method as 'POST',
    url,
    headers: secret === undefined ? {} : { authorization: `Bearer ${secret}` },
    ...(body === undefined ? {} : { payload: body as object }),
  });
}

async function loginCode(c: Client, appId: string): Promise<string> {
  return ok<LoginCode>(await c.request('POST', `/v1/miniapps/${appId}/login-codes`), 201).code;
}

async function session(secret: string, code: string): Promise<LightMyRequestResponse> {
  return merchant(secret, 'POST', '/v1/merchant/sessions', { code });
}

// ── Developer console ────────────────────────────────────────────────────────

describe('registering an app', () => {
  it('answers the app pending review with its three secrets, shown once', async () => {
    const dev = await signupClient(t.app);
    const created = await register(dev, {
      origin: 'https://Shop.Example:443/',
      scopes: ['phone', 'profile'],
    });
    expect(created.liveSecret).toMatch(/^sk_live_[A-Za-z0-9_-]{43}$/);
    expect(created.testSecret).toMatch(/^test_sk_[A-Za-z0-9_-]{43}$/);
    expect(created.webhookSecret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(created.webhookSecret.slice('whsec_'.length), 'base64')).toHaveLength(32);
    expect(created.app).toMatchObject({
      developerId: dev.userId,
      origin: 'https://shop.example',
      scopes: ['profile', 'phone'],
      status: 'pending',
      statusReason: null,
      approvedAt: null,
      webhookUrl: 'https://shop.example/webhooks',
    });
    const listed = ok<{ apps: DeveloperApp[] }>(await dev.request('GET', '/v1/developer/apps'));
    expect(listed.apps).toEqual([created.app]);
    expect(JSON.stringify(listed)).not.toContain(created.liveSecret);
    expect(ok<DeveloperApp>(await dev.request('GET', `/v1/developer/apps/${created.app.id}`))).toEqual(
      created.app,
    );
    const other = await signupClient(t.app);
    expectError(await other.request('GET', `/v1/developer/apps/${created.app.id}`), 404, 'not_found');
    expectError(
      await other.request('PATCH', `/v1/developer/apps/${created.app.id}`, { name: 'Mine' }),
      404,
      'not_found',
    );
    expectError(
      await other.request('POST', `/v1/developer/apps/${created.app.id}/secrets`, { kind: 'live' }),
      404,
      'not_found',
    );
  });

  it('takes https origins and http://localhost, nothing else', async () => {
    const dev = await signupClient(t.app);
    const localhost = await register(dev, { origin: 'http://localhost:5173' });
    expect(localhost.app.origin).toBe('http://localhost:5173');
    const loopback = await register(dev, { origin: 'http://127.0.0.1:8092' });
    expect(loopback.app.origin).toBe('http://127.0.0.1:8092');
    for (const origin of [
      'https://shop.example/app',
      'https://shop.example/?q=1',
      'https://shop.example#x',
      'http://shop.example',
      'ftp://shop.example',
      'javascript:alert(1)',
      'https://user:pw@shop.example',
      'shop.example',
      'https://',
      'https://shop .example',
    ]) {
      const res = await dev.request('POST', '/v1/developer/apps', appInput({ origin }));
      expect(expectError(res, 400, 'origin_invalid').details, origin).toEqual({ path: '/body/origin' });
    }
  });

  it('checks the webhook URL, the icon, the name, the description and the scopes', async () => {
    const dev = await signupClient(t.app);
    for (const webhookUrl of [
      'http://shop.example/hook',
      'https://u:p@shop.example/hook',
      'not a url',
      'https://a.example/#f',
    ]) {
      expectError(
        await dev.request('POST', '/v1/developer/apps', appInput({ webhookUrl })),
        400,
        'webhook_url_invalid',
      );
    }
    const local = await register(dev, { webhookUrl: 'http://localhost:8092/api/webhooks' });
    expect(local.app.webhookUrl).toBe('http://localhost:8092/api/webhooks');
    const bad = async (body: Record<string, unknown>, path: string) => {
      const error = expectError(
        await dev.request('POST', '/v1/developer/apps', appInput(body)),
        400,
        'invalid_request',
      );
      expect(error.details?.path).toBe(path);
    };
    await bad({ name: 'x'.repeat(limits.miniappNameLengthMax + 1) }, '/body/name');
    await bad({ name: '   ' }, '/body/name');
    await bad({ name: 'a\u0007b' }, '/body/name');
    await bad({ description: 'd'.repeat(limits.miniappDescriptionLengthMax + 1) }, '/body/description');
    await bad({ iconUrl: 'data:image/png;base64,AAAA' }, '/body/iconUrl');
    expectError(
      await dev.request('POST', '/v1/developer/apps', appInput({ scopes: ['contacts'] })),
      400,
      'invalid_request',
    );
    const exact = await register(dev, { name: 'n'.repeat(limits.miniappNameLengthMax), scopes: [] });
    expect(exact.app.name).toHaveLength(limits.miniappNameLengthMax);
    expect(exact.app.scopes).toEqual([]);
  });

  it(`stops a developer at ${limits.miniappsPerDeveloperMax} apps`, async () => {
    const dev = await signupClient(t.app);
    for (let i = 0; i < limits.miniappsPerDeveloperMax; i++) await register(dev);
    const error = expectError(
      await dev.request('POST', '/v1/developer/apps', appInput()),
      409,
      'app_limit_reached',
    );
    expect(error.details).toEqual({ max: limits.miniappsPerDeveloperMax });
    expect(ok<{ apps: DeveloperApp[] }>(await dev.request('GET', '/v1/developer/apps')).apps).toHaveLength(
      limits.miniappsPerDeveloperMax,
    );
  });

  it('changes details; a new origin or scope sends an approved app back to review', async () => {
    const dev = await signupClient(t.app);
    const { app } = await approved(dev);
    const renamed = ok<DeveloperApp>(
      await dev.request('PATCH', `/v1/developer/apps/${app.id}`, {
        name: 'Renamed',
        iconUrl: null,
        webhookUrl: null,
        scopes: [],
      }),
    );
    expect(renamed).toMatchObject({
      name: 'Renamed',
      iconUrl: null,
      webhookUrl: null,
      scopes: [],
      status: 'approved',
    });
    const moved = ok<DeveloperApp>(
      await dev.request('PATCH', `/v1/developer/apps/${app.id}`, { origin: 'https://elsewhere.example' }),
    );
    expect(moved).toMatchObject({ origin: 'https://elsewhere.example', status: 'pending' });
    ok(await admin.request('POST', `/v1/admin/miniapps/${app.id}/approve`));
    const wider = ok<DeveloperApp>(
      await dev.request('PATCH', `/v1/developer/apps/${app.id}`, { scopes: ['phone'] }),
    );
    expect(wider.status).toBe('pending');
    expectError(
      await dev.request('PATCH', `/v1/developer/apps/${app.id}`, { origin: 'https://x.example/path' }),
      400,
      'origin_invalid',
    );
    // A rejected app is resubmitted by any change; a suspended one stays suspended.
    const rejected = await register(dev);
    ok(await admin.request('POST', `/v1/admin/miniapps/${rejected.app.id}/reject`, { reason: 'No icon' }));
    const resubmitted = ok<DeveloperApp>(
      await dev.request('PATCH', `/v1/developer/apps/${rejected.app.id}`, {
        iconUrl: 'https://shop.example/i.png',
      }),
    );
    expect(resubmitted).toMatchObject({ status: 'pending', statusReason: null });
    ok(await admin.request('POST', `/v1/admin/miniapps/${app.id}/approve`));
    ok(await admin.request('POST', `/v1/admin/miniapps/${app.id}/suspend`, { reason: 'Abuse' }));
    const stillSuspended = ok<DeveloperApp>(
      await dev.request('PATCH', `/v1/developer/apps/${app.id}`, { origin: 'https://third.example' }),
    );
    expect(stillSuspended).toMatchObject({ status: 'suspended', statusReason: 'Abuse' });
  });
});

describe('keys', () => {
  it('rotating a key stops the old one at once and the new one works', async () => {
    const dev = await signupClient(t.app);
    const created = await approved(dev);
    const user = await signupClient(t.app);
    const code = await loginCode(user, created.app.id);
    const rotated = ok<RotatedSecret>(
      await dev.request('POST', `/v1/developer/apps/${created.app.id}/secrets`, { kind: 'live' }),
    );
    expect(rotated.kind).toBe('live');
    expect(rotated.secret).toMatch(/^sk_live_/);
    expect(rotated.secret).not.toBe(created.liveSecret);
    expectError(await session(created.liveSecret, code), 401, 'merchant_unauthorized');
    expect(ok<MerchantSession>(await session(rotated.secret, code)).mode).toBe('live');
    // The test key is its own: rotating the live key left it working.
    const code2 = await loginCode(user, created.app.id);
    const testRotated = ok<RotatedSecret>(
      await dev.request('POST', `/v1/developer/apps/${created.app.id}/secrets`, { kind: 'test' }),
    );
    expectError(await session(created.testSecret, code2), 401, 'merchant_unauthorized');
    expect(ok<MerchantSession>(await session(testRotated.secret, code2)).mode).toBe('test');
    const webhook = ok<RotatedSecret>(
      await dev.request('POST', `/v1/developer/apps/${created.app.id}/secrets`, { kind: 'webhook' }),
    );
    expect(webhook.secret).toMatch(/^whsec_/);
    expect((await t.services.miniapps.app(created.app.id))?.webhook_secret).toBe(webhook.secret);
  });

  it('refuses missing, malformed and unknown keys with 401, inactive apps with 403', async () => {
    const dev = await signupClient(t.app);
    const pending = await register(dev);
    expectError(
      await merchant(undefined, 'POST', '/v1/merchant/sessions', { code: 'x' }),
      401,
      'merchant_unauthorized',
    );
    expectError(await session('sk_live_short', 'x'), 401, 'merchant_unauthorized');
    expectError(await session(`sk_live_${'A'.repeat(43)}`, 'x'), 401, 'merchant_unauthorized');
    // A test key passed off as a live one (its body under the other prefix) is unknown.
    expectError(
      await session(`sk_live_${pending.testSecret.slice('test_sk_'.length)}`, 'x'),
      401,
      'merchant_unauthorized',
    );
    // Pending: the test key works (the code is what is wrong), the live key is refused.
    expectError(await session(pending.testSecret, 'x'.repeat(43)), 400, 'login_code_invalid');
    expectError(await session(pending.liveSecret, 'x'.repeat(43)), 403, 'app_not_active');
    ok(await admin.request('POST', `/v1/admin/miniapps/${pending.app.id}/approve`));
    expectError(await session(pending.liveSecret, 'x'.repeat(43)), 400, 'login_code_invalid');
    ok(
      await admin.request('POST', `/v1/admin/miniapps/${pending.app.id}/suspend`, {
        reason: 'Fraud reports',
      }),
    );
    expectError(await session(pending.liveSecret, 'x'.repeat(43)), 403, 'app_not_active');
    expectError(await session(pending.testSecret, 'x'.repeat(43)), 403, 'app_not_active');
    const rejected = await register(dev);
    ok(await admin.request('POST', `/v1/admin/miniapps/${rejected.app.id}/reject`, { reason: 'Incomplete' }));
    expectError(await session(rejected.testSecret, 'x'.repeat(43)), 403, 'app_not_active');
  });

  it('authenticateMerchant answers the app and the mode', async () => {
    const dev = await signupClient(t.app);
    const created = await t.services.miniapps.registerApproved(dev.userId, appInput() as never);
    const live = await t.services.miniapps.authenticateMerchant(created.liveSecret);
    expect({ id: live.app.id, mode: live.mode, status: live.app.status }).toEqual({
      id: created.app.id,
      mode: 'live',
      status: 'approved',
    });
    expect((await t.services.miniapps.authenticateMerchant(created.testSecret)).mode).toBe('test');
    await expect(t.services.miniapps.authenticateMerchant(undefined)).rejects.toMatchObject({
      code: 'merchant_unauthorized',
    });
  });
});

describe('seeding', () => {
  it('provisions the same app again with fresh secrets, approved', async () => {
    const dev = await signupClient(t.app);
    const input = {
      name: 'Shop',
      description: 'One',
      origin: 'http://localhost:8092/',
      scopes: [] as never[],
    };
    const first = await t.services.miniapps.provisionApproved(dev.userId, input);
    expect(first.app).toMatchObject({
      status: 'approved',
      origin: 'http://localhost:8092',
      description: 'One',
    });
    const second = await t.services.miniapps.provisionApproved(dev.userId, {
      ...input,
      description: 'Two',
      scopes: ['profile'],
      webhookUrl: 'http://127.0.0.1:8092/api/webhooks',
    });
    expect(second.app).toMatchObject({
      id: first.app.id,
      status: 'approved',
      description: 'Two',
      scopes: ['profile'],
      webhookUrl: 'http://127.0.0.1:8092/api/webhooks',
    });
    expect(second.liveSecret).not.toBe(first.liveSecret);
    expectError(await session(first.liveSecret, 'x'.repeat(43)), 401, 'merchant_unauthorized');
    expectError(await session(second.liveSecret, 'x'.repeat(43)), 400, 'login_code_invalid');
    expect((await t.services.miniapps.app(first.app.id))?.webhook_secret).toBe(second.webhookSecret);
    expect(await t.services.miniapps.listMine(dev.userId)).toHaveLength(1);
  });
});

// ── Review and Discover ──────────────────────────────────────────────────────

describe('review', () => {
  it('admins approve, reject and suspend; Discover lists approved apps only', async () => {
    const dev = await signupClient(t.app);
    const user = await signupClient(t.app);
    const a = await register(dev);
    const b = await register(dev);
    expectError(await dev.request('POST', `/v1/admin/miniapps/${a.app.id}/approve`), 403, 'forbidden');
    const pending = ok<{ apps: DeveloperApp[] }>(
      await admin.request('GET', '/v1/admin/miniapps?status=pending'),
    );
    expect(pending.apps.map((x) => x.id)).toEqual(expect.arrayContaining([a.app.id, b.app.id]));
    expect(pending.apps.every((x) => x.status === 'pending')).toBe(true);

    const discover = async () =>
      ok<{ apps: MiniAppSummary[] }>(await user.request('GET', '/v1/miniapps')).apps.map((x) => x.id);
    expect(await discover()).not.toContain(a.app.id);
    expectError(await user.request('GET', `/v1/miniapps/${a.app.id}`), 404, 'not_found');

    clock.advance(1000);
    const approvedApp = ok<DeveloperApp>(
      await admin.request('POST', `/v1/admin/miniapps/${a.app.id}/approve`),
    );
    expect(approvedApp).toMatchObject({ status: 'approved', approvedAt: clock.now().toISOString() });
    // Approving again answers the app as it is.
    expect(ok<DeveloperApp>(await admin.request('POST', `/v1/admin/miniapps/${a.app.id}/approve`))).toEqual(
      approvedApp,
    );
    expect(await discover()).toContain(a.app.id);
    expect(ok<MiniAppSummary>(await user.request('GET', `/v1/miniapps/${a.app.id}`))).toEqual({
      id: a.app.id,
      name: a.app.name,
      description: a.app.description,
      iconUrl: a.app.iconUrl,
      origin: a.app.origin,
      // The host's About sheet names the developer (a new account's display name is its username).
      developerName: dev.username,
    });

    const rejected = ok<DeveloperApp>(
      await admin.request('POST', `/v1/admin/miniapps/${b.app.id}/reject`, { reason: 'No privacy policy' }),
    );
    expect(rejected).toMatchObject({ status: 'rejected', statusReason: 'No privacy policy' });
    expect(ok<DeveloperApp>(await dev.request('GET', `/v1/developer/apps/${b.app.id}`)).statusReason).toBe(
      'No privacy policy',
    );
    expect(await discover()).not.toContain(b.app.id);
    const notPending = expectError(
      await admin.request('POST', `/v1/admin/miniapps/${a.app.id}/reject`, { reason: 'Late' }),
      409,
      'app_not_pending',
    );
    expect(notPending.details).toEqual({ status: 'approved' });
    expectError(
      await admin.request('POST', `/v1/admin/miniapps/${b.app.id}/suspend`, { reason: 'x' }),
      409,
      'app_not_pending',
    );
    ok(await admin.request('POST', `/v1/admin/miniapps/${a.app.id}/suspend`, { reason: 'Complaints' }));
    expect(await discover()).not.toContain(a.app.id);
    expectError(await admin.request('POST', `/v1/admin/miniapps/${newId()}/approve`), 404, 'not_found');
    // The developer's update log tells each decision once (a repeated approval tells nothing).
    const log = (await outboxFor(t.database.db, dev.userId)).filter(
      (u) => u.topic === MINIAPP_TOPICS.appReviewed,
    );
    expect(log.map((u) => (u.payload as { app: DeveloperApp }).app)).toEqual([
      expect.objectContaining({ id: a.app.id, status: 'approved' }),
      expect.objectContaining({ id: b.app.id, status: 'rejected', statusReason: 'No privacy policy' }),
      expect.objectContaining({ id: a.app.id, status: 'suspended', statusReason: 'Complaints' }),
    ]);
    const suspended = ok<{ apps: DeveloperApp[] }>(
      await admin.request('GET', '/v1/admin/miniapps?status=suspended'),
    );
    expect(suspended.apps.map((x) => x.id)).toContain(a.app.id);
  });

  it('lets a developer open their own pending app, nobody else', async () => {
    const dev = await signupClient(t.app);
    const other = await signupClient(t.app);
    const { app } = await register(dev);
    expect(ok<MiniAppSummary>(await dev.request('GET', `/v1/miniapps/${app.id}`)).id).toBe(app.id);
    ok(await dev.request('POST', `/v1/miniapps/${app.id}/login-codes`), 201);
    expectError(await other.request('POST', `/v1/miniapps/${app.id}/login-codes`), 404, 'not_found');
    expectError(await other.request('GET', `/v1/miniapps/${app.id}/storage/k`), 404, 'not_found');
  });
});

// ── Login ────────────────────────────────────────────────────────────────────

describe('login codes and merchant sessions', () => {
  it('exchanges a code once for a pairwise openid: stable per app, different across apps', async () => {
    const dev = await signupClient(t.app);
    const shop = await approved(dev, { scopes: [] });
    const food = await approved(dev, { scopes: [] });
    const alice = await signupClient(t.app);
    const bob = await signupClient(t.app);

    const issued = ok<LoginCode>(await alice.request('POST', `/v1/miniapps/${shop.app.id}/login-codes`), 201);
    expect(issued.code).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(issued.expiresAt).toBe(new Date(clock.now().getTime() + 300_000).toISOString());
    const first = ok<MerchantSession>(await session(shop.liveSecret, issued.code));
    expect(first).toEqual({ openid: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), mode: 'live', scopes: [] });
    expectError(await session(shop.liveSecret, issued.code), 400, 'login_code_invalid');

    const again = ok<MerchantSession>(await session(shop.liveSecret, await loginCode(alice, shop.app.id)));
    expect(again.openid).toBe(first.openid);
    const viaTest = ok<MerchantSession>(await session(shop.testSecret, await loginCode(alice, shop.app.id)));
    expect(viaTest).toEqual({ openid: first.openid, mode: 'test', scopes: [] });
    const atFood = ok<MerchantSession>(await session(food.liveSecret, await loginCode(alice, food.app.id)));
    expect(atFood.openid).not.toBe(first.openid);
    const bobAtShop = ok<MerchantSession>(await session(shop.liveSecret, await loginCode(bob, shop.app.id)));
    expect(bobAtShop.openid).not.toBe(first.openid);

    expect(await t.services.miniapps.userIdForOpenid(shop.app.id, first.openid)).toBe(alice.userId);
    expect(await t.services.miniapps.userIdForOpenid(food.app.id, atFood.openid)).toBe(alice.userId);
    expect(await t.services.miniapps.userIdForOpenid(food.app.id, first.openid)).toBeNull();
    expect(await t.services.miniapps.userIdForOpenid(shop.app.id, bobAtShop.openid)).toBe(bob.userId);
    expect(await t.services.miniapps.userIdForOpenid(shop.app.id, 'not an openid')).toBeNull();
    expect(await t.services.miniapps.openidFor(shop.app.id, alice.userId)).toBe(first.openid);
  });

  it('answers login_code_invalid alike for an expired code, another app’s code and garbage', async () => {
    const dev = await signupClient(t.app);
    const shop = await approved(dev);
    const food = await approved(dev);
    const alice = await signupClient(t.app);
    const forFood = await loginCode(alice, food.app.id);
    const messages = new Set<string>();
    const refuse = async (code: string) => {
      messages.add(expectError(await session(shop.liveSecret, code), 400, 'login_code_invalid').message);
    };
    await refuse(forFood);
    // The refused attempt did not spend it: food's server can still use it.
    ok(await session(food.liveSecret, forFood));
    const expiring = await loginCode(alice, shop.app.id);
    clock.advance(limits.miniappLoginCodeTtlSeconds * 1000);
    await refuse(expiring);
    await refuse('short');
    await refuse('x'.repeat(43));
    expect(messages.size).toBe(1);
    const fresh = await loginCode(alice, shop.app.id);
    clock.advance(limits.miniappLoginCodeTtlSeconds * 1000 - 1);
    ok(await session(shop.liveSecret, fresh));
  });

  it('gives the profile and the phone only with the scopes granted', async () => {
    const dev = await signupClient(t.app);
    const shop = await approved(dev, { scopes: ['profile', 'phone'] });
    const narrow = await approved(dev, { scopes: ['profile'] });
    const phone = `+86138${String(Date.now()).slice(-8)}`;
    const alice = await signupClient(t.app, { phone, displayName: 'Alice Wang' });
    const exchange = async (app: CreatedApp) =>
      ok<MerchantSession>(await session(app.liveSecret, await loginCode(alice, app.app.id)));

    expect((await exchange(shop)).scopes).toEqual([]);
    expect(await exchange(shop)).not.toHaveProperty('profile');
    const granted = ok<{ granted: string[] }>(
      await alice.request('POST', `/v1/miniapps/${shop.app.id}/scopes`, { scopes: ['profile'] }),
    );
    expect(granted.granted).toEqual(['profile']);
    const withProfile = await exchange(shop);
    expect(withProfile).toMatchObject({
      scopes: ['profile'],
      profile: { displayName: 'Alice Wang', avatarUrl: null },
    });
    expect(withProfile).not.toHaveProperty('phone');
    ok(await alice.request('POST', `/v1/miniapps/${shop.app.id}/scopes`, { scopes: ['phone', 'profile'] }));
    expect(await exchange(shop)).toMatchObject({ scopes: ['profile', 'phone'], phone });
    expect(
      ok<{ granted: string[] }>(await alice.request('GET', `/v1/miniapps/${shop.app.id}/scopes`)).granted,
    ).toEqual(['profile', 'phone']);

    const revoked = ok<{ granted: string[] }>(
      await alice.request('DELETE', `/v1/miniapps/${shop.app.id}/scopes/profile`),
    );
    expect(revoked.granted).toEqual(['phone']);
    const phoneOnly = await exchange(shop);
    expect(phoneOnly).toMatchObject({ scopes: ['phone'], phone });
    expect(phoneOnly).not.toHaveProperty('profile');

    // A scope the app did not declare cannot be granted; grants of one app are not another's.
    const refused = expectError(
      await alice.request('POST', `/v1/miniapps/${narrow.app.id}/scopes`, { scopes: ['phone'] }),
      400,
      'scope_not_requested',
    );
    expect(refused.details).toEqual({ scopes: ['profile'] });
    expect((await exchange(narrow)).scopes).toEqual([]);
  });
});

describe('the login code sweep', () => {
  it('deletes spent and lapsed codes once they lapse, and keeps live ones', async () => {
    const dev = await signupClient(t.app);
    const shop = await approved(dev);
    const dan = await signupClient(t.app);
    const codesOf = async (userId: string) =>
      (
        await t.database.db
          .selectFrom('miniapp_login_codes')
          .select('code_hash')
          .where('user_id', '=', userId)
          .execute()
      ).length;
    ok(await session(shop.liveSecret, await loginCode(dan, shop.app.id)));
    await loginCode(dan, shop.app.id);
    expect(await codesOf(dan.userId)).toBe(2);
    clock.advance((limits.miniappLoginCodeTtlSeconds + limits.miniappLoginCodeSweepDelaySeconds) * 1000);
    const live = await loginCode(dan, shop.app.id);
    await t.services.jobs.runDue();
    expect(await codesOf(dan.userId)).toBe(1);
    // The live code still works, and the sweep is due again while codes remain.
    ok(await session(shop.liveSecret, live));
    const job = await t.database.db
      .selectFrom('jobs')
      .select('run_at')
      .where('kind', '=', LOGIN_CODE_SWEEP_JOB)
      .executeTakeFirstOrThrow();
    expect(job.run_at.getTime()).toBe(
      clock.now().getTime() + limits.miniappLoginCodeSweepDelaySeconds * 1000,
    );
    clock.advance(limits.miniappLoginCodeSweepDelaySeconds * 1000);
    await t.services.jobs.runDue();
    expect(await codesOf(dan.userId)).toBe(0);
  });
});

// ── Storage ──────────────────────────────────────────────────────────────────

describe('storage', () => {
  it('keeps values per app and user; another app or user never sees them', async () => {
    const dev = await signupClient(t.app);
    const shop = await approved(dev);
    const food = await approved(dev);
    const alice = await signupClient(t.app);
    const bob = await signupClient(t.app);
    const url = (app: CreatedApp, key: string) =>
      `/v1/miniapps/${app.app.id}/storage/${encodeURIComponent(key)}`;
    const value = { cart: [{ sku: 'A-1', qty: 2 }], note: '饺子' };
    expect(ok(await alice.request('PUT', url(shop, 'cart'), { value }))).toEqual({ key: 'cart', value });
    expect(ok(await alice.request('GET', url(shop, 'cart')))).toEqual({ key: 'cart', value });
    expect(ok(await alice.request('GET', url(food, 'cart')))).toEqual({ key: 'cart', value: null });
    expect(ok(await bob.request('GET', url(shop, 'cart')))).toEqual({ key: 'cart', value: null });
    ok(await alice.request('PUT', url(shop, 'cart'), { value: 42 }));
    expect(ok(await alice.request('GET', url(shop, 'cart')))).toEqual({ key: 'cart', value: 42 });
    ok(await alice.request('PUT', url(shop, 'a/b c'), { value: 'spaced' }));
    expect(ok(await alice.request('GET', url(shop, 'a/b c')))).toEqual({ key: 'a/b c', value: 'spaced' });
    ok(await alice.request('DELETE', url(shop, 'cart')), 204);
    expect(ok(await alice.request('GET', url(shop, 'cart')))).toEqual({ key: 'cart', value: null });
    expectError(await alice.request('PUT', url(shop, 'x'), {}), 400, 'invalid_request');
    expectError(
      await alice.request('GET', url(shop, 'k'.repeat(limits.miniappStorageKeyLengthMax + 1))),
      400,
      'invalid_request',
    );
    ok(await alice.request('PUT', url(shop, 'k'.repeat(limits.miniappStorageKeyLengthMax)), { value: true }));
    const chinese = '饺'.repeat(limits.miniappStorageKeyLengthMax);
    ok(await alice.request('PUT', url(shop, chinese), { value: 'full width' }));
    expect(ok(await alice.request('GET', url(shop, chinese)))).toEqual({ key: chinese, value: 'full width' });
  });

  it(`refuses values over ${limits.miniappStorageValueBytesMax} bytes and more than ${limits.miniappStorageKeysMax} keys`, async () => {
    const dev = await signupClient(t.app);
    const shop = await approved(dev);
    const alice = await signupClient(t.app);
    const url = (key: string) => `/v1/miniapps/${shop.app.id}/storage/${key}`;
    // JSON.stringify adds the two quotes.
    const fits = 'x'.repeat(limits.miniappStorageValueBytesMax - 2);
    ok(await alice.request('PUT', url('big'), { value: fits }));
    const tooBig = expectError(
      await alice.request('PUT', url('big2'), { value: `${fits}y` }),
      413,
      'storage_value_too_large',
    );
    expect(tooBig.details).toEqual({
      maxBytes: limits.miniappStorageValueBytesMax,
      bytes: limits.miniappStorageValueBytesMax + 1,
    });
    for (let i = 1; i < limits.miniappStorageKeysMax; i++) {
      await t.services.miniapps.storageSet(alice.userId, shop.app.id, `k${i}`, i);
    }
    const full = expectError(
      await alice.request('PUT', url('one-more'), { value: 1 }),
      409,
      'storage_quota_exceeded',
    );
    expect(full.details).toEqual({ maxKeys: limits.miniappStorageKeysMax });
    // Replacing a key that exists still works; so does a new one once one is gone.
    ok(await alice.request('PUT', url('k1'), { value: 'changed' }));
    ok(await alice.request('DELETE', url('k2')), 204);
    ok(await alice.request('PUT', url('one-more'), { value: 1 }));
  });
});

// ── Sharing ──────────────────────────────────────────────────────────────────

describe('sharing to chat', () => {
  it('sends a miniapp card into a chat I am in, once per client id', async () => {
    const dev = await signupClient(t.app);
    const shop = await approved(dev);
    const alice = await signupClient(t.app);
    const bob = await signupClient(t.app);
    await befriend(alice, bob);
    const conversation = ok<{ id: string }>(
      await alice.request('POST', '/v1/conversations/direct', { userId: bob.userId }),
      201,
    );
    const clientId = newId();
    const body = {
      conversationId: conversation.id,
      clientId,
      title: 'Dumplings 20% off',
      path: '/items/7?ref=chat',
    };
    const sent = ok<Message>(await alice.request('POST', `/v1/miniapps/${shop.app.id}/shares`, body), 201);
    expect(sent).toMatchObject({
      id: clientId,
      conversationId: conversation.id,
      senderId: alice.userId,
      kind: 'miniapp',
      text: null,
      payload: {
        appId: shop.app.id,
        appName: shop.app.name,
        iconUrl: shop.app.iconUrl,
        title: 'Dumplings 20% off',
        path: '/items/7?ref=chat',
        description: '',
      },
    });
    const resent = ok<Message>(await alice.request('POST', `/v1/miniapps/${shop.app.id}/shares`, body), 200);
    expect(resent).toEqual(sent);
    expectError(
      await alice.request('POST', `/v1/miniapps/${shop.app.id}/shares`, { ...body, title: 'Other' }),
      409,
      'idempotency_conflict',
    );
    const page = ok<MessagePage>(await bob.request('GET', `/v1/conversations/${conversation.id}/messages`));
    expect(page.messages.filter((m) => m.kind === 'miniapp').map((m) => m.id)).toEqual([clientId]);
    expect(page.messages.find((m) => m.id === clientId)?.payload).toEqual(sent.payload);
  });

  it('refuses chats I am not in, bad paths and apps I may not open', async () => {
    const dev = await signupClient(t.app);
    const shop = await approved(dev);
    const pending = await register(dev);
    const alice = await signupClient(t.app);
    const bob = await signupClient(t.app);
    const carol = await signupClient(t.app);
    await befriend(alice, bob);
    const conversation = ok<{ id: string }>(
      await alice.request('POST', '/v1/conversations/direct', { userId: bob.userId }),
      201,
    );
    const share = (c: Client, appId: string, extra: Record<string, unknown> = {}) =>
      c.request('POST', `/v1/miniapps/${appId}/shares`, {
        conversationId: conversation.id,
        clientId: newId(),
        title: 'Look',
        ...extra,
      });
    expectError(await share(carol, shop.app.id), 404, 'not_found');
    expectError(await share(alice, pending.app.id), 404, 'not_found');
    for (const path of ['items', '//evil.example/x', '/a b', '/\\evil']) {
      expectError(await share(alice, shop.app.id, { path }), 400, 'invalid_request');
    }
    expectError(await share(alice, shop.app.id, { title: ' ' }), 400, 'invalid_request');
    // The developer may share their own app while it is pending.
    await befriend(dev, bob);
    const devChat = ok<{ id: string }>(
      await dev.request('POST', '/v1/conversations/direct', { userId: bob.userId }),
      201,
    );
    const own = ok<Message>(
      await dev.request('POST', `/v1/miniapps/${pending.app.id}/shares`, {
        conversationId: devChat.id,
        clientId: newId(),
        title: 'Try my app',
        description: 'Beta',
      }),
      201,
    );
    expect(own.payload).toMatchObject({ appId: pending.app.id, path: '/', description: 'Beta' });
  });
});
