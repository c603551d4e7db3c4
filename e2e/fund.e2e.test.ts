import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DEMO_PASSWORD, DEMO_PIN, seedDemo } from '../packages/server/src/admin/demo.js';
import { ManualClock } from '../packages/server/src/kernel/clock.js';
import { createTestApp, nextIp, type TestApp } from '../packages/server/src/test/app.js';
import { artifactPath, closeAll, launchChromium, logInAsDemo, serveForBrowser } from './browser.js';

/**
 * The money fund in the browser: alice moves 1,000.00 into the fund (PIN) and sees when it
 * is confirmed; the operator publishes the day's yield and accrues it; alice sees yesterday's
 * income and the 30-day chart, then takes 500.00 out instantly.
 */
describe('the money fund in the browser', () => {
  // Tuesday 24 November 2026, 10:00 in Shanghai: before the 15:00 cut-off.
  const clock = new ManualClock('2026-11-24T02:00:00.000Z');
  let t: TestApp;
  let browser: Browser;
  let baseUrl: string;

  beforeAll(async () => {
    t = await createTestApp({ clock, config: { webDistDir: inject('webDistDir'), fundScheduler: false } });
    await seedDemo(t.services.identity);
    const alice = await t.services.identity.findByLogin('alice');
    await t.services.wallet.operatorCredit(alice?.id as string, 100_000n, 'Demo balance');
    baseUrl = await serveForBrowser(t);
    browser = await launchChromium();
  });
  afterAll(() => closeAll(browser, t));

  /** The operator's admin API, as alice (the demo administrator) from outside the browser. */
  async function operator(url: string, payload: Record<string, string>): Promise<Record<string, unknown>> {
    const login = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { login: 'alice', password: DEMO_PASSWORD },
      remoteAddress: nextIp(),
    });
    const { token } = login.json() as { token: string };
    const res = await t.app.inject({
      method: 'POST',
      url,
      payload,
      headers: { authorization: `Bearer ${token}` },
      remoteAddress: nextIp(),
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as Record<string, unknown>;
  }

  it('subscribes 1,000.00, earns the published yield, shows the chart and redeems instantly', async () => {
    const page = await logInAsDemo(browser, baseUrl, 'alice');
    await page.getByTestId('tab-wallet').click();
    await expect.poll(() => page.getByTestId('wallet-balance').textContent()).toContain('1,000.00');

    // Into the fund: the arrival time is shown before the PIN is asked for.
    await page.getByTestId('open-fund').click();
    await page.getByTestId('fund-balance').waitFor();
    expect(await page.getByTestId('fund-balance').textContent()).toContain('0.00');
    await page.getByTestId('fund-subscribe').click();
    await page.getByTestId('fund-amount').fill('1000.00');
    await expect
      .poll(() => page.getByTestId('fund-arrival').textContent())
      .toBe('Confirmed on Wed, Nov 25; earns from Wed, Nov 25.');
    await page.getByTestId('fund-submit').click();
    await page.getByTestId('pin-sheet').waitFor();
    await page.getByTestId('pin-sheet-input').fill(DEMO_PIN);
    await page.getByTestId('pin-sheet-submit').click();
    await page.getByTestId('fund-order-success').waitFor();
    expect(await page.getByTestId('fund-order-success').getAttribute('data-kind')).toBe('subscribe');
    expect(await page.getByTestId('fund-order-success-body').textContent()).toContain('Wed, Nov 25');
    await page.getByTestId('fund-order-done').click();
    await expect.poll(() => page.getByTestId('fund-balance').textContent()).toContain('1,000.00');
    expect(await page.getByTestId('fund-pending').textContent()).toContain('1,000.00');

    // The next morning the operator publishes Wednesday's yield and accrues it.
    clock.set('2026-11-26T01:00:00.000Z');
    expect(await operator('/v1/admin/fund/yields', { date: '2026-11-25', per10k: '1.2345' })).toMatchObject({
      per10k: '1.2345',
    });
    expect(await operator('/v1/admin/fund/accruals', { date: '2026-11-25' })).toMatchObject({
      incomeTotalMinor: 12,
      confirmedMinor: 100_000,
      created: true,
    });

    // floor(100,000 × 1.2345 ÷ 10,000) = 12 fen: yesterday's income 0.12, and the chart.
    await page.reload();
    await expect.poll(() => page.getByTestId('fund-yesterday').textContent()).toContain('0.12');
    expect(await page.getByTestId('fund-balance').textContent()).toContain('1,000.12');
    expect(await page.getByTestId('fund-cumulative').textContent()).toContain('0.12');
    const income = page.getByTestId('fund-income-row');
    expect(await income.count()).toBe(1);
    expect(await income.first().getAttribute('data-day')).toBe('2026-11-25');
    expect(await income.first().textContent()).toContain('Per 10,000 shares: 1.2345+¥0.12');
    const chart = page.getByTestId('fund-chart');
    expect(await chart.getAttribute('data-days')).toBe('30');
    await chart.locator('canvas').waitFor();
    expect(await chart.locator('.u-legend').textContent()).toContain('Daily income');
    await page.screenshot({ path: artifactPath('fund-page.png'), fullPage: true });

    // Out again, instantly: the money is in the wallet at once.
    await page.getByTestId('fund-redeem').click();
    expect(await page.getByTestId('fund-mode-instant').getAttribute('aria-pressed')).toBe('true');
    await page.getByTestId('fund-amount').fill('500.00');
    await expect
      .poll(() => page.getByTestId('fund-arrival').textContent())
      .toContain('Arrives in your wallet now. Instant limit left today: ¥10,000.00');
    await page.getByTestId('fund-mode-normal').click();
    expect(await page.getByTestId('fund-arrival').textContent()).toContain('Fri, Nov 27');
    await page.getByTestId('fund-mode-instant').click();
    await page.getByTestId('fund-submit').click();
    await page.getByTestId('pin-sheet').waitFor();
    await page.getByTestId('pin-sheet-input').fill(DEMO_PIN);
    await page.getByTestId('pin-sheet-submit').click();
    await page.getByTestId('fund-order-success').waitFor();
    expect(await page.getByTestId('fund-order-success').getAttribute('data-kind')).toBe('redeem_instant');
    await page.screenshot({ path: artifactPath('fund-redeemed.png') });
    await page.getByTestId('fund-order-done').click();
    await expect.poll(() => page.getByTestId('fund-balance').textContent()).toContain('500.12');

    await page.goto(`${baseUrl}/wallet`);
    await expect.poll(() => page.getByTestId('wallet-balance').textContent()).toContain('500.00');
    // The fund's line loads on its own, after the wallet's balance.
    await expect.poll(() => page.getByTestId('open-fund-balance').textContent()).toContain('500.12');

    // To the fen, on both books.
    expect((await t.services.fund.verify()).problems).toEqual([]);
    expect((await t.services.ledger.verify()).problems).toEqual([]);
  });
});
