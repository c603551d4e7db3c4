import type { CreatedApp, CreateOrderResponse, MerchantSession, Order } from '@jiaozi/protocol';
import type { Browser, Frame, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DEMO_PIN, seedDemo, seedDemoActivity } from '../packages/server/src/admin/demo.js';
import { createTestApp, type TestApp } from '../packages/server/src/test/app.js';
import { uuidv7 } from '../packages/web/src/wallet/ids.js';
import { artifactPath, launchChromium, logInAsDemo } from './browser.js';
import { type Caller, caller, FIXTURE_DIR, merchantCall, registerApproved, serveStatic } from './miniapps.js';

/**
 * A mini app from another origin (127.0.0.1:15861/15862, the host on localhost:15860) cannot
 * read the host's storage, cookies or DOM, nor another app's storage through the bridge; a
 * hello from an unexpected window or origin gets no port; and the payment sheet shows the
 * server order's amount whatever the app claims.
 */
const HOST_PORT = 15860;
const APP_A_PORT = 15861;
const APP_B_PORT = 15862;
const EVIL_PORT = 15863;

describe('mini-app isolation in the browser', () => {
  let t: TestApp;
  let browser: Browser;
  let base: string;
  let servers: { close: () => Promise<void> }[] = [];
  let appA: CreatedApp;
  let appB: CreatedApp;
  let alice: Caller;
  let bob: Caller;
  let origins: { a: string; b: string; evil: string };

  beforeAll(async () => {
    t = await createTestApp({ config: { webDistDir: inject('webDistDir') } });
    const { created } = await seedDemo(t.services.identity);
    await seedDemoActivity(t.services, created);
    await t.app.listen({ host: '127.0.0.1', port: HOST_PORT });
    base = `http://localhost:${HOST_PORT}`;
    const [a, b, evil] = await Promise.all([
      serveStatic(FIXTURE_DIR, APP_A_PORT),
      serveStatic(FIXTURE_DIR, APP_B_PORT),
      serveStatic(FIXTURE_DIR, EVIL_PORT),
    ]);
    servers = [a, b, evil];
    origins = { a: a.origin, b: b.origin, evil: evil.origin };
    alice = await caller(t, 'alice');
    bob = await caller(t, 'bob');
    // Carol develops both apps (bob pays through a family card below: he must not be the merchant).
    const carol = await caller(t, 'carol');
    appA = await registerApproved(carol, alice, {
      name: 'Fixture A',
      description: 'The first fixture app',
      origin: a.origin,
      scopes: ['profile'],
    });
    appB = await registerApproved(carol, alice, {
      name: 'Fixture B',
      description: 'The second fixture app',
      origin: b.origin,
      scopes: [],
    });
    browser = await launchChromium(['--host-resolver-rules=MAP localhost 127.0.0.1']);
  });
  afterAll(async () => {
    await browser?.close();
    await Promise.all(servers.map((s) => s.close()));
    await t?.shutdown();
  });

  async function appFrame(page: Page, origin: string): Promise<Frame> {
    await expect
      .poll(() => page.frames().some((f) => f.url().startsWith(origin)), { timeout: 15_000 })
      .toBe(true)
      .catch(async (error: unknown) => {
        await page.screenshot({ path: artifactPath('miniapps-isolation-failure.png') });
        const text = await page.locator('body').innerText();
        throw new Error(`no app frame at ${origin}; the page says: ${text}`, { cause: error });
      });
    const frame = page.frames().find((f) => f.url().startsWith(origin)) as Frame;
    await frame.waitForFunction(() => typeof window.call === 'function' && window.connects.length > 0);
    return frame;
  }

  async function open(page: Page, appId: string, origin: string): Promise<Frame> {
    await page.goto(`${base}/miniapps/${appId}`);
    await page.getByTestId('miniapp-host').waitFor();
    const frame = await appFrame(page, origin);
    await expect.poll(() => page.getByTestId('miniapp-host').getAttribute('data-bridge')).toBe('connected');
    return frame;
  }

  const call = (frame: Frame, method: string, params?: unknown) =>
    frame.evaluate(([m, p]) => window.call(m as string, p), [method, params] as const);

  async function balance(userId: string): Promise<number> {
    return (await t.services.wallet.summary(userId)).balanceMinor;
  }

  it('keeps the app out of the host, and the host checks every hello, param and amount', async () => {
    const page = await logInAsDemo(browser, base, 'alice');
    await page.getByTestId('tab-me').waitFor();
    await page.context().addCookies([{ name: 'host_secret', value: 's3cret', url: base }]);
    expect(await page.evaluate(() => localStorage.getItem('jiaozi.token'))).toMatch(/.+/);

    // Discover lists both approved apps; opening one puts it in the sandboxed frame.
    await page.getByTestId('tab-discover').click();
    await expect.poll(() => page.getByTestId('discover-app').count()).toBe(2);
    await page.screenshot({ path: artifactPath('miniapps-discover.png') });
    await page.locator(`[data-testid="discover-app"][data-app-id="${appA.app.id}"]`).click();
    const frame = await appFrame(page, origins.a);
    const iframe = page.getByTestId('miniapp-frame');
    expect(await iframe.getAttribute('sandbox')).toBe('allow-scripts allow-same-origin allow-forms');
    expect(await iframe.getAttribute('src')).toBe(`${origins.a}/`);
    expect(await frame.evaluate(() => window.bridgeReady.then((r) => [r.appId, r.origin]))).toEqual([
      appA.app.id,
      base,
    ]);

    // The app cannot reach the host's storage, cookies or DOM; the host cannot reach its DOM either.
    const attempts = await frame.evaluate(async () => {
      const attempt = (fn: () => unknown) => {
        try {
          return { value: fn() };
        } catch (error) {
          return { threw: (error as Error).name };
        }
      };
      let fetched: unknown;
      try {
        await fetch('http://localhost:15860/v1/me', { credentials: 'include' });
        fetched = 'answered';
      } catch (error) {
        fetched = (error as Error).name;
      }
      return {
        parentStorage: attempt(() => window.parent.localStorage.getItem('jiaozi.token')),
        parentDocument: attempt(() => window.parent.document.title),
        parentCookie: attempt(() => window.parent.document.cookie),
        topLocation: attempt(() => window.top?.location.href),
        ownCookie: document.cookie,
        ownToken: attempt(() => localStorage.getItem('jiaozi.token')),
        fetched,
      };
    });
    expect(attempts).toEqual({
      parentStorage: { threw: 'SecurityError' },
      parentDocument: { threw: 'SecurityError' },
      parentCookie: { threw: 'SecurityError' },
      topLocation: { threw: 'SecurityError' },
      ownCookie: '',
      ownToken: attempts.ownToken,
      fetched: 'TypeError',
    });
    // Its own localStorage is another origin's: empty, or refused outright where the browser
    // blocks third-party storage (as this headless profile does). Never the host's token.
    expect([{ threw: 'SecurityError' }, { value: null }]).toContainEqual(attempts.ownToken);
    expect(await page.evaluate(() => document.cookie)).toBe('host_secret=s3cret');
    expect(await page.evaluate(() => document.querySelector('iframe')?.contentDocument ?? null)).toBeNull();

    // Bridge basics: capabilities, unknown methods, the title bar.
    const caps = await call(frame, 'getCapabilities');
    expect(caps.result).toMatchObject({ version: 1, host: 'web' });
    expect((caps.result as { methods: string[] }).methods).toContain('pay.requestPayment');
    expect((await call(frame, 'wallet.transferAll', {})).error?.data.code).toBe('unsupported');
    expect(await call(frame, 'ui.setTitle', { title: 'Fixture checkout' })).toMatchObject({ result: {} });
    await expect.poll(() => page.getByTestId('miniapp-title').textContent()).toBe('Fixture checkout');

    // Consent: the host draws the sheet; allowing records the grant on the server.
    const asked = frame.evaluate(() => window.call('auth.requestScopes', { scopes: ['profile'] }));
    await page.getByTestId('consent-sheet').waitFor();
    expect(await page.getByTestId('consent-scope').getAttribute('data-scope')).toBe('profile');
    await page.screenshot({ path: artifactPath('miniapps-consent.png'), animations: 'disabled' });
    await page.getByTestId('consent-allow').click();
    expect((await asked).result).toEqual({ granted: ['profile'] });
    expect(await alice.call('GET', `/v1/miniapps/${appA.app.id}/scopes`)).toEqual({ granted: ['profile'] });

    // The "…" menu: About shows the app; Permissions lists the grant and revokes it.
    await page.getByTestId('miniapp-more').click();
    await page.getByTestId('miniapp-menu-about').click();
    expect(
      await Promise.all(
        ['about-name', 'about-developer', 'about-origin', 'about-description'].map((id) =>
          page.getByTestId(id).textContent(),
        ),
      ),
    ).toEqual(['Fixture A', 'Carol Chen', origins.a, 'The first fixture app']);
    await page.getByTestId('about-sheet-close').click();
    await page.getByTestId('miniapp-more').click();
    await page.getByTestId('miniapp-menu-permissions').click();
    const permission = page.getByTestId('permission');
    expect(await permission.getAttribute('data-scope')).toBe('profile');
    await permission.getByTestId('permission-revoke').click();
    await page.getByTestId('permissions-none').waitFor();
    expect(await alice.call('GET', `/v1/miniapps/${appA.app.id}/scopes`)).toEqual({ granted: [] });
    await page.getByTestId('permissions-sheet-close').click();
    // Asked again after the revoke, the user refuses: permission_denied, nothing granted.
    const refused = frame.evaluate(() => window.call('auth.requestScopes', { scopes: ['profile'] }));
    await page.getByTestId('consent-deny').click();
    expect((await refused).error?.data.code).toBe('permission_denied');
    expect(await alice.call('GET', `/v1/miniapps/${appA.app.id}/scopes`)).toEqual({ granted: [] });

    // The host's own Share (from the "…" menu) posts a card of the app into a chat.
    await page.getByTestId('miniapp-more').click();
    await page.getByTestId('miniapp-menu-share').click();
    await page.getByTestId('share-target').filter({ hasText: 'Bob Li' }).click();
    await page.getByTestId('miniapp-notice').waitFor();
    const { conversations } = await bob.call<{
      conversations: { peerId: string | null; lastMessage: { kind: string; payload: unknown } | null }[];
    }>('GET', '/v1/conversations');
    const withAlice = conversations.find((c) => c.peerId === alice.userId);
    expect([withAlice?.lastMessage?.kind, withAlice?.lastMessage?.payload]).toEqual([
      'miniapp',
      {
        appId: appA.app.id,
        appName: 'Fixture A',
        iconUrl: null,
        title: 'Fixture checkout',
        path: '/',
        description: 'The first fixture app',
      },
    ]);

    // Storage is per app: A keeps a value.
    expect(await call(frame, 'storage.set', { key: 'secret', value: { note: 'only A' } })).toMatchObject({
      result: {},
    });
    expect((await call(frame, 'storage.get', { key: 'secret' })).result).toEqual({
      value: { note: 'only A' },
    });
    expect((await call(frame, 'storage.get', { key: 'secret', appId: appB.app.id })).error?.data.code).toBe(
      'invalid_params',
    );

    // A hello from a frame inside the app (another origin, another window) gets no port.
    await frame.evaluate((evil) => {
      const nested = document.createElement('iframe');
      nested.src = `${evil}/evil.html?to=top`;
      document.body.append(nested);
    }, origins.evil);
    await expect.poll(() => page.getByTestId('miniapp-host').getAttribute('data-hellos-ignored')).toBe('1');
    const nested = page.frames().find((f) => f.url().startsWith(origins.evil)) as Frame;
    await nested.waitForFunction(() => window.helloSent === true);
    await page.waitForTimeout(300);
    expect(await nested.evaluate(() => window.received)).toEqual([]);
    expect(await frame.evaluate(() => window.connects.length)).toBe(1);
    expect(await page.getByTestId('miniapp-host').getAttribute('data-hellos-accepted')).toBe('1');

    // Payment: the app logs in, its server makes a 12.88 order; the app claims 0.01.
    const login = await call(frame, 'auth.login');
    const code = (login.result as { code: string }).code;
    const session = await merchantCall<MerchantSession>(t, appA.liveSecret, 'POST', '/v1/merchant/sessions', {
      code,
    });
    const { order, paymentToken } = await merchantCall<CreateOrderResponse>(
      t,
      appA.liveSecret,
      'POST',
      '/v1/merchant/orders',
      { openid: session.openid, amountMinor: 1_288, currency: 'CNY', description: 'Fixture order #1' },
      { 'idempotency-key': uuidv7() },
    );
    // Amount fields in params are refused outright: no sheet opens.
    const smuggled = await call(frame, 'pay.requestPayment', { paymentToken, amountMinor: 1 });
    expect(smuggled.error?.data.code).toBe('invalid_params');
    expect(await page.getByTestId('pay-sheet').count()).toBe(0);
    // Extra amount fields on the envelope are ignored: the sheet shows the server's order.
    const before = await balance(alice.userId);
    await frame.evaluate((token) => {
      window.payAnswer = window.rpc({
        method: 'pay.requestPayment',
        params: { paymentToken: token },
        amountMinor: 1,
        amount: '0.01',
        currency: 'XTS',
      });
    }, paymentToken);
    await page.getByTestId('pay-sheet-amount').waitFor();
    expect(await frame.evaluate(() => document.getElementById('fake-amount')?.textContent)).toBe(
      'Total: ¥0.01',
    );
    expect(await page.getByTestId('pay-sheet-amount').textContent()).toBe('¥12.88');
    expect(await page.getByTestId('pay-sheet-merchant').textContent()).toBe('Fixture A');
    expect(await page.getByTestId('pay-sheet-description').textContent()).toBe('Fixture order #1');
    expect(await page.getByTestId('pay-sheet-test').count()).toBe(0);
    await page.screenshot({ path: artifactPath('miniapps-payment-sheet.png'), animations: 'disabled' });
    await page.getByTestId('pay-sheet-pay').click();
    await page.getByTestId('pin-sheet').waitFor();
    await page.getByTestId('pin-sheet-input').fill(DEMO_PIN);
    await page.getByTestId('pin-sheet-submit').click();
    const paid = await frame.evaluate(() => window.payAnswer);
    expect(paid.result).toEqual({ orderId: order.id, status: 'paid' });
    expect(await balance(alice.userId)).toBe(before - 1_288);
    const after = await merchantCall<Order>(t, appA.liveSecret, 'GET', `/v1/merchant/orders/${order.id}`);
    expect([after.status, after.amountMinor]).toEqual(['paid', 1_288]);
    // The same token cannot be paid twice.
    const again = await call(frame, 'pay.requestPayment', { paymentToken });
    expect(again.error?.data.code).toBe('order_already_paid');

    // With a family card from bob, alice may pay through it: bob's wallet pays, hers does not move.
    const grant = await bob.call<{ id: string }>('POST', '/v1/family-pay/grants', {
      id: uuidv7(),
      granteeId: alice.userId,
      monthlyLimitMinor: 50_000,
    });
    await alice.call('POST', `/v1/family-pay/grants/${grant.id}/accept`);
    const second = await merchantCall<CreateOrderResponse>(
      t,
      appA.liveSecret,
      'POST',
      '/v1/merchant/orders',
      { openid: session.openid, amountMinor: 300, currency: 'CNY', description: 'Fixture order #2' },
      { 'idempotency-key': uuidv7() },
    );
    const [aliceBefore, bobBefore] = [await balance(alice.userId), await balance(bob.userId)];
    await frame.evaluate((token) => {
      window.payAnswer = window.call('pay.requestPayment', { paymentToken: token });
    }, second.paymentToken);
    const source = page.getByTestId('pay-sheet-source');
    await source.waitFor();
    await source.selectOption(grant.id);
    expect(await page.getByTestId('pay-sheet-amount').textContent()).toBe('¥3.00');
    await page.getByTestId('pay-sheet-pay').click();
    await page.getByTestId('pin-sheet-input').fill(DEMO_PIN);
    await page.getByTestId('pin-sheet-submit').click();
    expect((await frame.evaluate(() => window.payAnswer)).result).toEqual({
      orderId: second.order.id,
      status: 'paid',
    });
    expect([await balance(alice.userId), await balance(bob.userId)]).toEqual([aliceBefore, bobBefore - 300]);
    // Closing the sheet without paying answers user_cancelled.
    const third = await merchantCall<CreateOrderResponse>(
      t,
      appA.liveSecret,
      'POST',
      '/v1/merchant/orders',
      { openid: session.openid, amountMinor: 100, currency: 'CNY', description: 'Fixture order #3' },
      { 'idempotency-key': uuidv7() },
    );
    const cancelled = frame.evaluate(
      (token) => window.call('pay.requestPayment', { paymentToken: token }),
      third.paymentToken,
    );
    await page.getByTestId('pay-sheet-close').click();
    expect((await cancelled).error?.data.code).toBe('user_cancelled');

    // App B sees none of A's storage, and A still has it.
    const frameB = await open(page, appB.app.id, origins.b);
    expect((await call(frameB, 'storage.get', { key: 'secret' })).result).toEqual({ value: null });
    await call(frameB, 'storage.set', { key: 'secret', value: 'B' });
    // B cannot pay (nor even see) an order of A with A's token: the app id comes from B's frame.
    const fourth = await merchantCall<CreateOrderResponse>(
      t,
      appA.liveSecret,
      'POST',
      '/v1/merchant/orders',
      { openid: session.openid, amountMinor: 100, currency: 'CNY', description: 'Fixture order #4' },
      { 'idempotency-key': uuidv7() },
    );
    expect(
      (await call(frameB, 'pay.requestPayment', { paymentToken: fourth.paymentToken })).error?.data.code,
    ).toBe('payment_not_found');
    expect(await page.getByTestId('pay-sheet').count()).toBe(0);

    // Discover puts the app used last first.
    await page.goto(`${base}/discover`);
    await expect
      .poll(() => page.getByTestId('discover-app-name').allTextContents())
      .toEqual(['Fixture B', 'Fixture A']);
    const frameA = await open(page, appA.app.id, origins.a);
    expect((await call(frameA, 'storage.get', { key: 'secret' })).result).toEqual({
      value: { note: 'only A' },
    });

    // The app's own window navigated to another origin: same window, wrong origin, no port.
    await frameA.evaluate((evil) => {
      window.location.href = `${evil}/evil.html`;
    }, origins.evil);
    await expect.poll(() => page.getByTestId('miniapp-host').getAttribute('data-hellos-ignored')).toBe('1');
    const evilFrame = page.frames().find((f) => f.url() === `${origins.evil}/evil.html`) as Frame;
    await evilFrame.waitForFunction(() => window.helloSent === true);
    await page.waitForTimeout(300);
    expect(await evilFrame.evaluate(() => window.received)).toEqual([]);

    const report = await t.services.ledger.verify();
    expect(report.problems).toEqual([]);
  });
});
