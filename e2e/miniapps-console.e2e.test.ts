import { createServer, type Server } from 'node:http';
import type { CreateOrderResponse, MerchantSession } from '@jiaozi/protocol';
import type { Browser, Frame, Page } from 'playwright-core';
import QRCode from 'qrcode';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DEMO_PASSWORD, DEMO_PIN, seedDemo, seedDemoActivity } from '../packages/server/src/admin/demo.js';
import { createTestApp, type TestApp } from '../packages/server/src/test/app.js';
import { uuidv7 } from '../packages/web/src/wallet/ids.js';
import { artifactPath, launchChromium, logInAsDemo, phonePage } from './browser.js';
import { FIXTURE_DIR, merchantCall, serveStatic } from './miniapps.js';

/**
 * The developer's side in the browser: bob registers a mini app in Me → Developer and sees its
 * secrets once, rotates the test key, runs the pending app in the simulator (bridge traffic,
 * image picker, QR scan, a test-mode payment), sees the webhook delivery and resends it; alice,
 * an admin, approves the app and it appears in Discover.
 */
const HOST_PORT = 15880;
const APP_PORT = 15881;
const HOOK_PORT = 15882;

describe('the developer console and the simulator in the browser', () => {
  let t: TestApp;
  let browser: Browser;
  let base: string;
  let fixture: { origin: string; close: () => Promise<void> };
  let hooks: Server;
  const received: { id: string | undefined; body: string }[] = [];

  beforeAll(async () => {
    t = await createTestApp({ config: { webDistDir: inject('webDistDir') } });
    const { created } = await seedDemo(t.services.identity);
    await seedDemoActivity(t.services, created);
    await t.app.listen({ host: '127.0.0.1', port: HOST_PORT });
    base = `http://localhost:${HOST_PORT}`;
    fixture = await serveStatic(FIXTURE_DIR, APP_PORT);
    hooks = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => {
        body += chunk.toString('utf8');
      });
      req.on('end', () => {
        received.push({ id: req.headers['webhook-id'] as string | undefined, body });
        res.writeHead(200, { 'content-type': 'text/plain' }).end('thanks');
      });
    });
    await new Promise<void>((resolve) => hooks.listen(HOOK_PORT, '127.0.0.1', resolve));
    browser = await launchChromium(['--host-resolver-rules=MAP localhost 127.0.0.1']);
  });
  afterAll(async () => {
    await browser?.close();
    await fixture?.close();
    await new Promise<void>((resolve) => (hooks ? hooks.close(() => resolve()) : resolve()));
    await t?.shutdown();
  });

  async function appFrame(page: Page): Promise<Frame> {
    await expect
      .poll(() => page.frames().some((f) => f.url().startsWith(fixture.origin)), { timeout: 15_000 })
      .toBe(true);
    const frame = page.frames().find((f) => f.url().startsWith(fixture.origin)) as Frame;
    await frame.waitForFunction(() => typeof window.call === 'function' && window.connects.length > 0);
    return frame;
  }

  const call = (frame: Frame, method: string, params?: unknown) =>
    frame.evaluate(([m, p]) => window.call(m as string, p), [method, params] as const);
  /** Starts a call that waits on a host sheet; `answer` awaits it. */
  const start = (frame: Frame, method: string, params?: unknown) =>
    frame.evaluate(
      ([m, p]) => {
        window.pending = window.call(m as string, p);
      },
      [method, params] as const,
    );
  const answer = (frame: Frame) => frame.evaluate(() => window.pending);

  it('registers, shows secrets once, simulates with traffic, delivers webhooks and is approved', async () => {
    const bob = await logInAsDemo(browser, base, 'bob');
    await bob.getByTestId('tab-me').click();
    await bob.getByTestId('open-developer').click();
    await bob.getByTestId('dev-new').click();
    await bob.getByTestId('dev-name').fill('Console Fixture');
    await bob.getByTestId('dev-description').fill('A fixture registered from the console');
    await bob.getByTestId('dev-origin').fill(fixture.origin);
    await bob.getByTestId('dev-webhook').fill(`http://127.0.0.1:${HOOK_PORT}/hook`);
    await bob.getByTestId('dev-submit').click();
    await bob.getByTestId('secrets-once').waitFor();
    const appId = (await bob.getByTestId('dev-created').getAttribute('data-app-id')) ?? '';
    const live = (await bob.getByTestId('secret-live').textContent()) ?? '';
    const firstTest = (await bob.getByTestId('secret-test').textContent()) ?? '';
    const webhookSecret = (await bob.getByTestId('secret-webhook').textContent()) ?? '';
    expect(live).toMatch(/^sk_live_[\w-]{43}$/);
    expect(firstTest).toMatch(/^test_sk_[\w-]{43}$/);
    expect(webhookSecret).toMatch(/^whsec_/);
    await bob.screenshot({ path: artifactPath('miniapps-console-secrets.png') });
    await bob.getByTestId('secrets-done').click();
    await bob.getByTestId('dev-app-detail').waitFor();
    expect(await bob.getByTestId('app-status').getAttribute('data-status')).toBe('pending');
    // Once left, the secrets are gone from the page.
    expect(await bob.getByTestId('secrets-once').count()).toBe(0);

    // Rotating the test key shows the new one once; the old one stops working.
    await bob.getByTestId('rotate-test').click();
    await bob.getByTestId('rotate-confirm-test').click();
    await bob.getByTestId('secret-test').waitFor();
    const test = (await bob.getByTestId('secret-test').textContent()) ?? '';
    expect(test).toMatch(/^test_sk_[\w-]{43}$/);
    expect(test).not.toBe(firstTest);
    const stale = await t.app.inject({
      method: 'GET',
      url: '/v1/merchant/balance',
      headers: { authorization: `Bearer ${firstTest}` },
    });
    expect([stale.statusCode, stale.json().error.code]).toEqual([401, 'merchant_unauthorized']);
    await bob.getByTestId('secrets-done').click();

    // The pending app runs in the simulator, in test mode, with its bridge traffic.
    await bob.getByTestId('dev-simulator').click();
    await bob.getByTestId('sim-test-mode').waitFor();
    const frame = await appFrame(bob);
    expect((await call(frame, 'getCapabilities')).result).toMatchObject({ host: 'web' });
    expect((await call(frame, 'device.vibrate')).error?.data.code).toBe('unsupported');
    await call(frame, 'ui.showToast', { text: 'Hello from the fixture' });
    expect(await bob.getByTestId('miniapp-toast').textContent()).toBe('Hello from the fixture');
    expect((await call(frame, 'share.toChat', { title: 'Not yet' })).error?.data.code).toBe(
      'permission_denied',
    );
    const calls = bob.getByTestId('sim-call');
    await expect.poll(() => calls.count()).toBe(4);
    expect(
      await calls.evaluateAll((rows) =>
        rows.map((r) => [
          r.getAttribute('data-method'),
          r.getAttribute('data-outcome'),
          r.getAttribute('data-error-code'),
        ]),
      ),
    ).toEqual([
      ['share.toChat', 'error', 'permission_denied'],
      ['ui.showToast', 'ok', null],
      ['device.vibrate', 'error', 'unsupported'],
      ['getCapabilities', 'ok', null],
    ]);

    // Images come from the host's picker as bytes.
    const png = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#c03030' } })
      .png()
      .toBuffer();
    await start(frame, 'media.chooseImage', { count: 2 });
    await bob.getByTestId('images-sheet').waitFor();
    await bob.getByTestId('images-file').setInputFiles([
      { name: 'one.png', mimeType: 'image/png', buffer: png },
      { name: 'two.png', mimeType: 'image/png', buffer: png },
    ]);
    await bob.getByTestId('images-confirm').click();
    const images = await frame.evaluate(async () => {
      const a = await window.pending;
      return (
        a.result as { images: { name: string; type: string; size: number; data: ArrayBuffer }[] }
      ).images.map((i) => [i.name, i.type, i.size, i.data instanceof ArrayBuffer ? i.data.byteLength : -1]);
    });
    expect(images).toEqual([
      ['one.png', 'image/png', png.length, png.length],
      ['two.png', 'image/png', png.length, png.length],
    ]);
    // Closing a picker answers user_cancelled.
    await start(frame, 'media.chooseImage', {});
    await bob.getByTestId('images-sheet-close').click();
    expect((await answer(frame)).error?.data.code).toBe('user_cancelled');

    // The QR scanner reads an uploaded image.
    const qr = await QRCode.toBuffer('jiaozi-fixture-qr', { type: 'png', margin: 2, width: 300 });
    await start(frame, 'device.scanQR');
    await bob.getByTestId('scan-sheet').waitFor();
    await bob.getByTestId('scan-file').setInputFiles({ name: 'qr.png', mimeType: 'image/png', buffer: qr });
    expect((await answer(frame)).result).toEqual({ text: 'jiaozi-fixture-qr' });

    // A test-mode payment: the order is made with the test key, in test money.
    const { code } = (await call(frame, 'auth.login')).result as { code: string };
    const session = await merchantCall<MerchantSession>(t, test, 'POST', '/v1/merchant/sessions', { code });
    expect(session.mode).toBe('test');
    const { paymentToken } = await merchantCall<CreateOrderResponse>(
      t,
      test,
      'POST',
      '/v1/merchant/orders',
      { openid: session.openid, amountMinor: 500, currency: 'XTS', description: 'Test order' },
      { 'idempotency-key': uuidv7() },
    );
    const bobUser = await t.services.identity.findByLogin('bob');
    const liveBefore = (await t.services.wallet.summary(bobUser?.id ?? '')).balanceMinor;
    await start(frame, 'pay.requestPayment', { paymentToken });
    await bob.getByTestId('pay-sheet-test').waitFor();
    expect(await bob.getByTestId('pay-sheet-amount').textContent()).toContain('5.00');
    await bob.getByTestId('pay-sheet-pay').click();
    await bob.getByTestId('pin-sheet-input').fill(DEMO_PIN);
    await bob.getByTestId('pin-sheet-submit').click();
    expect((await answer(frame)).result).toMatchObject({ status: 'paid' });
    // Test money never touches the live wallet.
    expect((await t.services.wallet.summary(bobUser?.id ?? '')).balanceMinor).toBe(liveBefore);
    await bob.screenshot({ path: artifactPath('miniapps-simulator.png'), fullPage: true });

    // The order.paid webhook reaches the endpoint; the console lists it and resends it.
    await expect
      .poll(async () => {
        await t.services.jobs.runDue();
        return received.length;
      })
      .toBe(1);
    const eventId = received[0]?.id;
    expect(JSON.parse(received[0]?.body ?? '{}')).toMatchObject({
      id: eventId,
      type: 'order.paid',
      mode: 'test',
    });
    await bob.goto(`${base}/me/developer/${appId}`);
    const delivery = bob.getByTestId('delivery').first();
    await delivery.waitFor();
    expect(await delivery.getAttribute('data-status')).toBe('succeeded');
    expect(await delivery.getByTestId('delivery-response').textContent()).toMatch(
      /^Answered HTTP 200 in \d+ ms$/,
    );
    await delivery.getByTestId('delivery-resend').click();
    await expect.poll(() => received.length).toBe(2);
    expect(received[1]?.id).toBe(eventId);
    await bob.screenshot({ path: artifactPath('miniapps-console-deliveries.png'), fullPage: true });

    // Alice (admin) approves it; it appears in Discover.
    const alice = await logInAsDemo(browser, base, 'alice');
    await alice.getByTestId('tab-discover').click();
    await alice.getByText('Mini apps are on their way').waitFor();
    await alice.getByTestId('tab-me').click();
    await alice.getByTestId('open-developer').click();
    await alice.getByTestId('dev-review').click();
    const pending = alice.locator(`[data-testid="review-app"][data-app-id="${appId}"]`);
    await pending.waitFor();
    await alice.screenshot({ path: artifactPath('miniapps-review.png') });
    await pending.getByTestId('review-approve').click();
    await expect.poll(() => pending.count()).toBe(0);
    await alice.getByTestId('nav-back').click();
    await alice.getByTestId('nav-back').click();
    await alice.getByTestId('tab-discover').click();
    await expect
      .poll(() => alice.getByTestId('discover-app-name').allTextContents())
      .toEqual(['Console Fixture']);

    // The simulator link `jiaozi dev` prints survives logging in.
    const fresh = await phonePage(browser);
    await fresh.goto(`${base}/dev/simulator?app=${appId}`);
    await fresh.getByTestId('login-login').fill('bob');
    await fresh.getByTestId('login-password').fill(DEMO_PASSWORD);
    await fresh.getByTestId('login-submit').click();
    await fresh.getByTestId('miniapp-host').waitFor();
    expect(new URL(fresh.url()).pathname + new URL(fresh.url()).search).toBe(`/dev/simulator?app=${appId}`);
    expect(await fresh.getByTestId('miniapp-host').getAttribute('data-app-id')).toBe(appId);

    const report = await t.services.ledger.verify();
    expect(report.problems).toEqual([]);
  });
});
