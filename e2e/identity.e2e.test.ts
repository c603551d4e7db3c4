import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestApp, type TestApp } from '../packages/server/src/test/app.js';
import { artifactPath, closeAll, launchChromium, phonePage, serveForBrowser } from './browser.js';

/**
 * A person's first visit: sign up, log out, log in, set a payment PIN, switch to Chinese,
 * log out — in Debian's Chromium on a phone-sized screen, against the real server.
 */
describe('accounts in the browser', () => {
  let t: TestApp;
  let browser: Browser;
  let baseUrl: string;

  beforeAll(async () => {
    t = await createTestApp({ config: { webDistDir: inject('webDistDir') } });
    baseUrl = await serveForBrowser(t);
    browser = await launchChromium();
  });
  afterAll(() => closeAll(browser, t));

  const newPage = () => phonePage(browser);

  it('signs up, logs in, sets a PIN, switches to 中文 and logs out', async () => {
    const page = await newPage();
    const username = `mei_${Date.now().toString(36)}`;
    const password = 'dumplings-2026';

    await page.goto(baseUrl);
    await page.waitForURL('**/login');

    // Sign up with a username.
    await page.getByTestId('auth-mode-signup').click();
    await page.getByTestId('signup-method-username').click();
    await page.getByTestId('signup-username').fill(username);
    await page.getByTestId('signup-display-name').fill('Mei Lin');
    await page.getByTestId('signup-password').fill(password);
    await page.getByTestId('signup-submit').click();
    await page.getByTestId('tab-chats').waitFor();
    expect(new URL(page.url()).pathname).toBe('/chats');

    // The Me tab shows who we are.
    await page.getByTestId('tab-me').click();
    await expect.poll(() => page.getByTestId('me-display-name').textContent()).toBe('Mei Lin');
    await expect.poll(() => page.getByTestId('me-handle').textContent()).toContain(username);

    // Log out, then log back in with the same account.
    await page.getByTestId('logout').click();
    await page.waitForURL('**/login');
    await page.getByTestId('login-login').fill(username);
    await page.getByTestId('login-password').fill('wrong password');
    await page.getByTestId('login-submit').click();
    await expect
      .poll(() => page.getByTestId('form-error').getAttribute('data-code'))
      .toBe('invalid_credentials');
    await page.getByTestId('login-password').fill(password);
    await page.getByTestId('login-submit').click();
    await page.getByTestId('tab-chats').waitFor();

    // Set the payment PIN (a weak one is refused first).
    await page.getByTestId('tab-me').click();
    await page.getByTestId('open-pin').click();
    const statusBefore = await page.getByTestId('pin-status').textContent();
    await page.getByTestId('pin-input').fill('123456');
    await page.getByTestId('pin-password').fill(password);
    await page.getByTestId('pin-submit').click();
    await expect.poll(() => page.getByTestId('form-error').getAttribute('data-code')).toBe('pin_too_weak');
    await page.getByTestId('pin-input').fill('284913');
    await page.getByTestId('pin-password').fill(password);
    await page.getByTestId('pin-submit').click();
    await page.getByTestId('pin-success').waitFor();
    await expect.poll(() => page.getByTestId('pin-status').getAttribute('data-set')).toBe('true');
    expect(await page.getByTestId('pin-status').textContent()).not.toBe(statusBefore);

    // The server agrees: the PIN is set and verifies.
    const login = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { login: username, password },
    });
    const token = (login.json() as { token: string }).token;
    const verify = await t.app.inject({
      method: 'POST',
      url: '/v1/me/pin/verify',
      headers: { authorization: `Bearer ${token}` },
      payload: { pin: '284913' },
    });
    expect(verify.statusCode).toBe(204);

    // Switch the language to Chinese: the tabs follow, and the choice survives a reload.
    await page.getByTestId('nav-back').click();
    await page.getByTestId('language-switch').click();
    await expect.poll(() => page.getByTestId('tab-me').textContent()).toContain('我');
    await expect.poll(() => page.evaluate(() => document.documentElement.lang)).toBe('zh-CN');
    await page.reload();
    await expect.poll(() => page.getByTestId('tab-me').textContent()).toContain('我');
    await page.screenshot({ path: artifactPath('identity-me-zh-CN.png') });

    // Log out: back to the login page, and the old token no longer works.
    const storedToken = await page.evaluate(() => localStorage.getItem('jiaozi.token'));
    expect(storedToken).toMatch(/^jz_/);
    await page.getByTestId('logout').click();
    await page.waitForURL('**/login');
    expect(await page.evaluate(() => localStorage.getItem('jiaozi.token'))).toBeNull();
    const after = await t.app.inject({
      method: 'GET',
      url: '/v1/me',
      headers: { authorization: `Bearer ${storedToken}` },
    });
    expect(after.statusCode).toBe(401);
    await page.screenshot({ path: artifactPath('identity-login-zh-CN.png') });
  });
});
