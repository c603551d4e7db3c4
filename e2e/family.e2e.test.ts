import type { AddressInfo } from 'node:net';
import type { ErrorBody } from '@jiaozi/protocol';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DEMO_PASSWORD, DEMO_PIN, seedDemo, seedDemoActivity } from '../packages/server/src/admin/demo.js';
import { newId } from '../packages/server/src/kernel/ids.js';
import { createTestApp, type TestApp } from '../packages/server/src/test/app.js';
import { artifactPath, launchChromium, logInAsDemo } from './browser.js';

/**
 * Family pay in the browser: alice grants bob 100.00 a month; bob pays a merchant (carol)
 * with a pay code from alice's family card; alice sees the use; alice ends the grant and
 * bob's next try fails.
 */
describe('family pay in the browser', () => {
  let t: TestApp;
  let browser: Browser;
  let baseUrl: string;

  beforeAll(async () => {
    t = await createTestApp({ config: { webDistDir: inject('webDistDir') } });
    const { created } = await seedDemo(t.services.identity);
    await seedDemoActivity(t.services, created);
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    baseUrl = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.shutdown();
  });

  async function logIn(username: string): Promise<Page> {
    const page = await logInAsDemo(browser, baseUrl, username);
    await page.getByTestId('tab-me').waitFor();
    return page;
  }

  async function openFamily(page: Page): Promise<void> {
    await page.goto(`${baseUrl}/me`);
    await page.getByTestId('open-family').click();
    await page.getByTestId('family-form').waitFor();
  }

  /** Carol, the merchant, charges a pay code over the API (as a till would). */
  async function charge(code: string, amountMinor: number) {
    const login = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { login: 'carol', password: DEMO_PASSWORD },
    });
    const token = (login.json() as { token: string }).token;
    return t.app.inject({
      method: 'POST',
      url: '/v1/paycode-charges',
      headers: { authorization: `Bearer ${token}` },
      payload: { id: newId(), code, amountMinor, note: 'Dumplings' },
    });
  }

  async function balanceOf(username: string): Promise<number> {
    const user = await t.services.identity.findByLogin(username);
    return (await t.services.wallet.summary(user?.id ?? '')).balanceMinor;
  }

  async function familyCode(bob: Page): Promise<string> {
    await bob.goto(`${baseUrl}/wallet/paycode`);
    const source = bob.getByTestId('paycode-source');
    await source.waitFor();
    const value = await source
      .locator('option', { hasText: 'Family card of Alice Wang' })
      .getAttribute('value');
    await source.selectOption(value ?? '');
    await bob.getByTestId('pin-sheet').waitFor();
    await bob.getByTestId('pin-sheet-input').fill(DEMO_PIN);
    await bob.getByTestId('pin-sheet-submit').click();
    const digits = bob.getByTestId('paycode-digits');
    await digits.waitFor();
    return (await digits.getAttribute('data-code')) ?? '';
  }

  it('grants, pays a merchant through the grant, notifies alice, and ends', async () => {
    const alice = await logIn('alice');
    await openFamily(alice);
    await alice.getByTestId('family-friend').selectOption({ label: 'Bob Li' });
    await alice.getByTestId('family-limit').fill('100.00');
    await alice.getByTestId('family-grant-submit').click();
    const aliceGrant = alice.getByTestId('family-grant').first();
    await expect.poll(() => aliceGrant.getAttribute('data-status')).toBe('offered');
    expect(await aliceGrant.getByTestId('family-grant-title').textContent()).toBe('Family card for Bob Li');

    const bob = await logIn('bob');
    await openFamily(bob);
    const bobGrant = bob.getByTestId('family-grant').first();
    await bobGrant.getByTestId('family-accept').click();
    await expect.poll(() => bobGrant.getAttribute('data-status')).toBe('active');
    expect(await bobGrant.getByTestId('family-grant-remaining').textContent()).toContain('100.00 left of');

    // Bob shows a pay code from alice's family card (his own PIN); carol charges 30.00.
    const aliceBefore = await balanceOf('alice');
    const bobBefore = await balanceOf('bob');
    const code = await familyCode(bob);
    expect(code).toMatch(/^\d{18}$/);
    await bob.screenshot({ path: artifactPath('family-paycode.png') });
    const paid = await charge(code, 3_000);
    expect(paid.statusCode, paid.body).toBe(201);
    expect([await balanceOf('alice'), await balanceOf('bob')]).toEqual([aliceBefore - 3_000, bobBefore]);

    // Alice sees the use: what is left, the history, and the notice in her chat with bob.
    await openFamily(alice);
    await expect
      .poll(() => alice.getByTestId('family-grant-remaining').first().textContent())
      .toContain('70.00 left of');
    await alice.getByTestId('family-history').first().click();
    const use = alice.getByTestId('family-use').first();
    await use.waitFor();
    expect(await use.textContent()).toContain('Carol Chen');
    expect(await use.textContent()).toContain('30.00');
    await alice.goto(`${baseUrl}/chats`);
    await expect
      .poll(() => alice.getByTestId('conversation-list').textContent())
      .toContain('Bob Li paid 30.00 to Carol Chen with the family card');
    await alice.screenshot({ path: artifactPath('family-notice-alice.png') });

    // Bob gets another code; alice ends the grant; that code and any new one fail.
    const second = await familyCode(bob);
    await openFamily(alice);
    await alice.getByTestId('family-end').first().click();
    await expect
      .poll(() => alice.getByTestId('family-grant').first().getAttribute('data-status'))
      .toBe('ended');
    const refused = await charge(second, 1_000);
    expect([refused.statusCode, (refused.json() as ErrorBody).error.code]).toEqual([404, 'not_found']);
    await bob.goto(`${baseUrl}/wallet/paycode`);
    await bob.getByTestId('paycode-digits').waitFor();
    expect(await bob.getByTestId('paycode-source').count()).toBe(0);
    expect(await balanceOf('alice')).toBe(aliceBefore - 3_000);

    const report = await t.services.ledger.verify();
    expect(report.problems).toEqual([]);
  });
});
