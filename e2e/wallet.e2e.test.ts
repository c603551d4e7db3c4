import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DEMO_PIN, seedDemo } from '../packages/server/src/admin/demo.js';
import { createTestApp, type TestApp } from '../packages/server/src/test/app.js';
import { artifactPath, closeAll, launchChromium, logInAsDemo, serveForBrowser } from './browser.js';

/**
 * Money in the browser: alice links a card and tops up through the (simulated) bank, sends
 * bob 12.34 with her PIN, bob finds it in his history, and alice exports her history as CSV.
 */
describe('the wallet in the browser', () => {
  let t: TestApp;
  let browser: Browser;
  let baseUrl: string;

  beforeAll(async () => {
    t = await createTestApp({ config: { webDistDir: inject('webDistDir'), bankLatencyMs: 400 } });
    await seedDemo(t.services.identity);
    baseUrl = await serveForBrowser(t);
    browser = await launchChromium();
  });
  afterAll(() => closeAll(browser, t));

  async function logIn(username: string): Promise<Page> {
    const page = await logInAsDemo(browser, baseUrl, username);
    await page.getByTestId('tab-wallet').click();
    await page.getByTestId('wallet-balance').waitFor();
    return page;
  }

  it('tops up, sends 12.34 with the PIN, shows it to bob, and exports CSV', async () => {
    const alice = await logIn('alice');
    expect(await alice.getByTestId('wallet-balance').textContent()).toContain('0.00');

    // Link a card.
    await alice.getByTestId('open-cards').first().click();
    await alice.getByTestId('card-add-bank').fill('China Merchants Bank');
    await alice.getByTestId('card-add-number').fill('4111 1111 1111 1111');
    await alice.getByTestId('card-add-holder').fill('Alice Wang');
    await alice.getByTestId('card-add-submit').click();
    await alice.getByTestId('card-row').first().waitFor();
    await alice.goto(`${baseUrl}/wallet`);

    // Top up 100.00: pending until the bank confirms.
    await alice.getByTestId('action-topup').click();
    await alice.getByTestId('topup-amount').fill('100.00');
    await alice.getByTestId('topup-submit').click();
    await expect
      .poll(() => alice.getByTestId('topup-status').getAttribute('data-status'), { timeout: 15_000 })
      .toBe('succeeded');
    await alice.goto(`${baseUrl}/wallet`);
    await expect.poll(() => alice.getByTestId('wallet-balance').textContent()).toContain('100.00');

    // Send bob 12.34 with the PIN.
    await alice.getByTestId('action-send').click();
    await alice.getByTestId('send-to').fill('bob');
    await alice.getByTestId('send-amount').fill('12.34');
    await alice.getByTestId('send-note').fill('Dumplings 🥟');
    await alice.getByTestId('send-submit').click();
    await alice.getByTestId('pin-sheet').waitFor();
    await alice.getByTestId('pin-sheet-input').fill(DEMO_PIN);
    await alice.getByTestId('pin-sheet-submit').click();
    await alice.getByTestId('send-success').waitFor();
    await alice.screenshot({ path: artifactPath('wallet-send-success.png') });
    await alice.goto(`${baseUrl}/wallet`);
    await expect.poll(() => alice.getByTestId('wallet-balance').textContent()).toContain('87.66');

    // Bob sees it in his history.
    const bob = await logIn('bob');
    await expect.poll(() => bob.getByTestId('wallet-balance').textContent()).toContain('12.34');
    await bob.goto(`${baseUrl}/wallet/history`);
    const row = bob.getByTestId('history-row').first();
    await row.waitFor();
    expect(await row.getAttribute('data-direction')).toBe('in');
    expect(await row.textContent()).toContain('12.34');
    expect(await row.textContent()).toContain('Alice Wang');
    await bob.screenshot({ path: artifactPath('wallet-history-bob.png') });

    // Alice exports her history as CSV.
    await alice.goto(`${baseUrl}/wallet/history`);
    await alice.getByTestId('history-row').first().waitFor();
    const [download] = await Promise.all([
      alice.waitForEvent('download'),
      alice.getByTestId('history-export').click(),
    ]);
    expect(download.suggestedFilename()).toBe('jiaozi-history.csv');
    const csv = readFileSync((await download.path()) as string, 'utf8');
    const lines = csv.trim().split('\r\n');
    expect(lines[0]).toBe('time,id,kind,direction,amount,currency,status,counterparty,note,balance_after');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/,transfer,out,-12\.34,CNY,completed,Bob Li,Dumplings 🥟,87\.66$/);
    expect(lines[2]).toMatch(/,topup,in,100\.00,CNY,completed,China Merchants Bank ••1111,,100\.00$/);

    // The server agrees, to the fen, and the ledger is consistent.
    const report = await t.services.ledger.verify();
    expect(report.problems).toEqual([]);
  });
});
