import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, Frame, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  type RunningRestaurants,
  startRestaurants,
} from '../examples/miniapps/restaurants/src/server/restaurants.js';
import { DEMO_PIN, seedDemo, seedDemoActivity } from '../packages/server/src/admin/demo.js';
import { type DemoMiniAppKeys, seedDemoMiniApps } from '../packages/server/src/admin/demo-miniapps.js';
import { createTestApp, type TestApp } from '../packages/server/src/test/app.js';
import { pngOf } from '../packages/server/src/test/media-fixtures.js';
import { artifactPath, launchChromium, logInAsDemo } from './browser.js';

/**
 * The restaurant guide as `npm start` registers it (developer jiaozi_labs, approved): bob opens
 * it from Discover, posts a review with a photo picked on the host's image sheet (his name
 * from the profile scope he consents to), and buys a voucher on the host's payment sheet; the
 * voucher's code appears once the guide's server gets the signed webhook.
 */
const HOST_PORT = 15780;
const EATS_PORT = 15781;
const EATS_DIR = resolve(import.meta.dirname, '..', 'examples', 'miniapps', 'restaurants');

describe('the restaurant guide in the browser', () => {
  let t: TestApp;
  let browser: Browser;
  let base: string;
  let eats: RunningRestaurants;
  let keys: DemoMiniAppKeys;
  let dataDir: string;

  beforeAll(async () => {
    execFileSync(
      join(EATS_DIR, '..', '..', '..', 'node_modules', '.bin', 'vite'),
      ['build', '--logLevel', 'warn'],
      {
        cwd: EATS_DIR,
        stdio: 'inherit',
        env: { ...process.env, NODE_ENV: 'production' },
      },
    );
    t = await createTestApp({ config: { webDistDir: inject('webDistDir') } });
    const { created } = await seedDemo(t.services.identity);
    await seedDemoActivity(t.services, created);
    dataDir = await mkdtemp(join(tmpdir(), 'jiaozi-eats-e2e-'));
    const apps = await seedDemoMiniApps(t.services, {
      dataDir,
      ports: { restaurants: EATS_PORT, shop: EATS_PORT + 1 },
    });
    keys = apps.find((a) => a.key === 'restaurants') as DemoMiniAppKeys;
    await t.app.listen({ host: '127.0.0.1', port: HOST_PORT });
    base = `http://127.0.0.1:${HOST_PORT}`;
    eats = await startRestaurants({
      jiaoziUrl: base,
      appSecret: keys.liveSecret,
      webhookSecret: keys.webhookSecret,
      dataDir: join(dataDir, 'restaurants'),
      port: EATS_PORT,
      staticDir: join(EATS_DIR, 'dist', 'app'),
    });
    browser = await launchChromium(['--host-resolver-rules=MAP localhost 127.0.0.1']);
  });
  afterAll(async () => {
    await browser?.close();
    await eats?.close();
    await t?.shutdown();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  async function eatsFrame(page: Page): Promise<Frame> {
    await expect
      .poll(() => page.frames().some((f) => f.url().startsWith(keys.origin)), { timeout: 15_000 })
      .toBe(true);
    return page.frames().find((f) => f.url().startsWith(keys.origin)) as Frame;
  }

  it('posts a review with a photo and buys a voucher', async () => {
    const bob = await t.services.identity.findByLogin('bob');
    const balance = async () => (await t.services.wallet.summary(bob?.id as string)).balanceMinor;
    const page = await logInAsDemo(browser, base, 'bob');
    await page.getByTestId('tab-discover').click();
    const entry = page.locator(`[data-testid="discover-app"][data-app-id="${keys.appId}"]`);
    await entry.waitFor();
    await entry.click();
    const frame = await eatsFrame(page);
    await expect.poll(() => page.getByTestId('miniapp-host').getAttribute('data-bridge')).toBe('connected');

    // A review with a photo picked on the host's sheet; posting logs in with consent first.
    await frame.getByTestId('restaurant-noodle-bar').click();
    await frame.getByTestId('review-text').fill('Clear broth, chewy noodles.');
    await frame.getByTestId('add-photos').click();
    await page.getByTestId('images-file').setInputFiles({
      name: 'bowl.png',
      mimeType: 'image/png',
      buffer: await pngOf(64, 48),
    });
    await page.getByTestId('images-confirm').click();
    await frame.locator('.compose .thumbs img').waitFor();
    await frame.getByTestId('post-review').click();
    await page.getByTestId('consent-sheet').waitFor();
    await page.getByTestId('consent-allow').click();
    const review = frame.locator('[data-testid="reviews"] li', { hasText: 'Clear broth, chewy noodles.' });
    await review.waitFor({ timeout: 15_000 });
    expect(await review.locator('strong').textContent()).toBe('Bob Li');
    const photo = review.locator('img');
    await expect.poll(() => photo.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(64);
    await page.screenshot({ path: artifactPath('miniapps-eats-review.png') });

    // A voucher (29.00) paid on the host's sheet; its code shows once the webhook arrives.
    const before = await balance();
    await frame.getByTestId('buy-noodle-bar-30').click();
    await page.getByTestId('pay-sheet-amount').waitFor();
    expect(await page.getByTestId('pay-sheet-amount').textContent()).toBe('¥29.00');
    expect(await page.getByTestId('pay-sheet-merchant').textContent()).toBe('Jiaozi Eats');
    await page.getByTestId('pay-sheet-pay').click();
    await page.getByTestId('pin-sheet-input').fill(DEMO_PIN);
    await page.getByTestId('pin-sheet-submit').click();
    await frame.getByTestId('purchases').waitFor({ timeout: 15_000 });
    expect(await balance()).toBe(before - 2_900);
    await expect
      .poll(
        async () => {
          await t.services.jobs.runDue();
          return frame.getByTestId('purchases').textContent();
        },
        { timeout: 20_000 },
      )
      .toMatch(/Code \d{12}/);
    await page.screenshot({ path: artifactPath('miniapps-eats-voucher.png') });
    expect((await t.services.ledger.verify()).problems).toEqual([]);
  });
});
