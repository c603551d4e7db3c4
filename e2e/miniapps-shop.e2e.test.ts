import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { CreatedApp, WebhookDeliveryList } from '@jiaozi/protocol';
import type { Browser, Frame, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type RunningShop, startShop } from '../examples/miniapps/shop/src/server/shop.js';
import { DEMO_PIN, seedDemo, seedDemoActivity } from '../packages/server/src/admin/demo.js';
import { createTestApp, type TestApp } from '../packages/server/src/test/app.js';
import { artifactPath, launchChromium, logInAsDemo } from './browser.js';
import { type Caller, caller, registerApproved } from './miniapps.js';

/**
 * Acceptance 1 in the browser: alice opens Discover → Shop, logs in (consent sheet), fills her
 * cart and pays 120.00 with her PIN on the host's sheet; the shop's server gets the signed
 * webhook and shows the order paid; a 10.00 partial refund comes back to her wallet; she shares
 * the shop into her chat with bob, who opens it from the card. The ledger stays balanced.
 */
const HOST_PORT = 15871;
const SHOP_PORT = 15870;
const SHOP_DIR = resolve(import.meta.dirname, '..', 'examples', 'miniapps', 'shop');

describe('the shop mini app in the browser', () => {
  let t: TestApp;
  let browser: Browser;
  let base: string;
  let shop: RunningShop;
  let app: CreatedApp;
  let alice: Caller;
  let bob: Caller;
  let carol: Caller;
  let dataDir: string;

  beforeAll(async () => {
    // The shop's front end, built as `npm start` serves it.
    execFileSync(
      join(SHOP_DIR, '..', '..', '..', 'node_modules', '.bin', 'vite'),
      ['build', '--logLevel', 'warn'],
      {
        cwd: SHOP_DIR,
        stdio: 'inherit',
        env: { ...process.env, NODE_ENV: 'production' },
      },
    );
    t = await createTestApp({ config: { webDistDir: inject('webDistDir') } });
    const { created } = await seedDemo(t.services.identity);
    await seedDemoActivity(t.services, created);
    await t.app.listen({ host: '127.0.0.1', port: HOST_PORT });
    base = `http://127.0.0.1:${HOST_PORT}`;
    alice = await caller(t, 'alice');
    bob = await caller(t, 'bob');
    carol = await caller(t, 'carol');
    app = await registerApproved(carol, alice, {
      name: 'Shop',
      description: 'Tea, dumplings and more, delivered.',
      origin: `http://localhost:${SHOP_PORT}`,
      iconUrl: `http://localhost:${SHOP_PORT}/icon.svg`,
      scopes: ['profile'],
      webhookUrl: `http://127.0.0.1:${SHOP_PORT}/api/webhooks`,
    });
    dataDir = await mkdtemp(join(tmpdir(), 'jiaozi-shop-'));
    shop = await startShop({
      jiaoziUrl: base,
      appSecret: app.liveSecret,
      webhookSecret: app.webhookSecret,
      dataDir,
      port: SHOP_PORT,
      staticDir: join(SHOP_DIR, 'dist', 'app'),
    });
    browser = await launchChromium(['--host-resolver-rules=MAP localhost 127.0.0.1']);
  });
  afterAll(async () => {
    await browser?.close();
    await shop?.close();
    await t?.shutdown();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  async function shopFrame(page: Page): Promise<Frame> {
    const origin = `http://localhost:${SHOP_PORT}`;
    await expect
      .poll(() => page.frames().some((f) => f.url().startsWith(origin)), { timeout: 15_000 })
      .toBe(true);
    return page.frames().find((f) => f.url().startsWith(origin)) as Frame;
  }

  const balance = async (c: Caller) => (await t.services.wallet.summary(c.userId)).balanceMinor;

  /** Webhooks go out as durable jobs; the test app runs them when asked. */
  async function deliverWebhooks(): Promise<void> {
    await t.services.jobs.runDue();
  }

  it('logs in, pays on the host sheet, is refunded in part, and is shared to bob', async () => {
    const page = await logInAsDemo(browser, base, 'alice');
    await page.getByTestId('tab-discover').click();
    const entry = page.locator(`[data-testid="discover-app"][data-app-id="${app.app.id}"]`);
    await entry.waitFor();
    expect(await entry.getByTestId('discover-app-name').textContent()).toBe('Shop');
    await entry.click();
    const frame = await shopFrame(page);
    await expect.poll(() => page.getByTestId('miniapp-host').getAttribute('data-bridge')).toBe('connected');

    // Log in: the host asks for consent to the profile, then the shop greets alice by name.
    await frame.getByTestId('login').click();
    await page.getByTestId('consent-sheet').waitFor();
    await page.getByTestId('consent-allow').click();
    await expect
      .poll(() => frame.getByTestId('greeting').textContent(), { timeout: 15_000 })
      .toBe('Hello, Alice Wang');

    // Tea (88.00) and dumplings (32.00): 120.00, paid on the host's sheet with the PIN.
    await frame.getByTestId('add-tea').click();
    await frame.getByTestId('add-dumplings').click();
    await expect.poll(() => frame.getByTestId('cart-link').textContent()).toBe('Cart (2)');
    await frame.getByTestId('cart-link').click();
    const before = await balance(alice);
    await frame.getByTestId('checkout').click();
    await page.getByTestId('pay-sheet-amount').waitFor();
    expect(await page.getByTestId('pay-sheet-amount').textContent()).toBe('¥120.00');
    expect(await page.getByTestId('pay-sheet-merchant').textContent()).toBe('Shop');
    await page.screenshot({ path: artifactPath('miniapps-shop-pay.png'), animations: 'disabled' });
    await page.getByTestId('pay-sheet-pay').click();
    await page.getByTestId('pin-sheet-input').fill(DEMO_PIN);
    await page.getByTestId('pin-sheet-submit').click();
    await frame.getByTestId('order-status').waitFor({ timeout: 15_000 });
    expect(await balance(alice)).toBe(before - 12_000);

    // The shop learns of the payment from the signed webhook only.
    await expect
      .poll(
        async () => {
          await deliverWebhooks();
          return frame.getByTestId('order-status').textContent();
        },
        { timeout: 20_000 },
      )
      .toBe('Paid');
    const paidOrder = Object.values(shop.shop.store.data.orders)[0];
    expect([paidOrder?.status, paidOrder?.amountMinor]).toEqual(['paid', 12_000]);
    expect(shop.shop.store.data.processedEvents.length).toBeGreaterThanOrEqual(1);
    const deliveries = await carol.call<WebhookDeliveryList>(
      'GET',
      `/v1/developer/apps/${app.app.id}/deliveries`,
    );
    const paidDelivery = deliveries.deliveries.find((d) => d.eventType === 'order.paid');
    expect([paidDelivery?.status, paidDelivery?.attempts.at(-1)?.responseStatus]).toEqual(['succeeded', 200]);
    await page.screenshot({ path: artifactPath('miniapps-shop-paid.png') });

    // A partial refund of 10.00 from the shop comes back to alice's wallet.
    const paidBalance = await balance(alice);
    await frame.getByTestId('refund-amount').fill('10.00');
    await frame.getByTestId('refund').click();
    await expect
      .poll(
        async () => {
          await deliverWebhooks();
          return frame.getByTestId('order-status').textContent();
        },
        { timeout: 20_000 },
      )
      .toBe('Partly refunded');
    expect(await balance(alice)).toBe(paidBalance + 1_000);

    // Alice shares the shop into her chat with bob.
    await frame.getByRole('button', { name: 'Share' }).click();
    await page.getByTestId('share-sheet').waitFor();
    const target = page.getByTestId('share-target').filter({ hasText: 'Bob Li' });
    await target.click();
    await expect.poll(() => page.getByTestId('share-sheet').count()).toBe(0);

    // Bob opens it from the card in his chat with alice.
    const bobPage = await logInAsDemo(browser, base, 'bob');
    await bobPage.getByTestId('tab-chats').waitFor();
    await bobPage.getByTestId('conversation-row').filter({ hasText: 'Alice Wang' }).first().click();
    const card = bobPage.getByTestId('miniapp-card').last();
    await card.waitFor();
    expect(await card.getByTestId('miniapp-card-title').textContent()).toBe('Jiaozi Shop');
    expect(await card.getByTestId('miniapp-card-app').textContent()).toBe('Shop');
    await bobPage.screenshot({ path: artifactPath('miniapps-shop-card.png') });
    await card.click();
    await bobPage.getByTestId('miniapp-host').waitFor();
    expect(await bobPage.getByTestId('miniapp-host').getAttribute('data-app-id')).toBe(app.app.id);
    const bobFrame = await shopFrame(bobPage);
    await bobFrame.getByTestId('login').waitFor();
    expect(await bob.call('GET', `/v1/miniapps/${app.app.id}`)).toMatchObject({
      id: app.app.id,
      name: 'Shop',
    });

    const report = await t.services.ledger.verify();
    expect(report.problems).toEqual([]);
  });
});
