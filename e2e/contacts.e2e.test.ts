import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { seedDemo } from '../packages/server/src/admin/demo.js';
import { createTestApp, type TestApp } from '../packages/server/src/test/app.js';
import { artifactPath, closeAll, launchChromium, logInAsDemo, serveForBrowser } from './browser.js';

/**
 * "My Friend" in two browsers: bob finds carol by username and asks to be friends, carol
 * accepts, both see each other in their contacts; carol gives bob a remark.
 */
describe('contacts in the browser', () => {
  let t: TestApp;
  let browser: Browser;
  let baseUrl: string;

  beforeAll(async () => {
    t = await createTestApp({ config: { webDistDir: inject('webDistDir') } });
    await seedDemo(t.services.identity);
    baseUrl = await serveForBrowser(t);
    browser = await launchChromium();
  });
  afterAll(() => closeAll(browser, t));

  async function logIn(username: string, locale = 'en-US'): Promise<Page> {
    const page = await logInAsDemo(browser, baseUrl, username, locale);
    await page.getByTestId('tab-contacts').click();
    await page.getByTestId('contacts-add').waitFor();
    return page;
  }

  it('sends a friend request, accepts it, and both see the other in their contacts', async () => {
    const bob = await logIn('bob');
    const carol = await logIn('carol', 'zh-CN');

    // Bob searches carol by exact username and sends a request with a message.
    await bob.getByTestId('contacts-add').click();
    await bob.getByTestId('search-input').fill('carol');
    await bob.getByTestId('search-submit').click();
    await expect.poll(() => bob.getByTestId('search-result').getAttribute('data-relation')).toBe('none');
    await bob.getByTestId('friend-message').fill('Hi Carol, it is Bob from the dumpling stall');
    await bob.getByTestId('friend-send').click();
    await expect
      .poll(() => bob.getByTestId('search-result').getAttribute('data-relation'))
      .toBe('request_sent');

    // Carol's open Contacts tab shows the new request as it arrives (over the WebSocket).
    await expect
      .poll(() => carol.getByTestId('contacts-requests').getAttribute('data-count'), { timeout: 5_000 })
      .toBe('1');
    await carol.getByTestId('contacts-requests').click();
    const row = carol.getByTestId('request-row').first();
    await row.waitFor();
    expect(await row.textContent()).toContain('Hi Carol, it is Bob from the dumpling stall');
    await row.getByTestId('request-accept').click();
    await expect
      .poll(() => carol.getByTestId('request-row').first().getAttribute('data-status'))
      .toBe('accepted');

    // Both now list the other.
    await carol.goto(`${baseUrl}/contacts`);
    const bobRow = carol.getByTestId('contact-row').first();
    await bobRow.waitFor();
    expect(await bobRow.getAttribute('data-letter')).toBe('B');
    await bob.goto(`${baseUrl}/contacts`);
    const carolRow = bob.getByTestId('contact-row').first();
    await carolRow.waitFor();
    expect(await carolRow.textContent()).toContain('Carol Chen');

    // Carol names bob 王老板 ("boss Wang"): his entry moves under W, by pinyin.
    await bobRow.click();
    await carol.getByTestId('contact-remark').fill('王老板');
    await carol.getByTestId('contact-remark-save').click();
    await carol.goto(`${baseUrl}/contacts`);
    await expect.poll(() => carol.getByTestId('contact-row').first().getAttribute('data-letter')).toBe('W');
    expect(await carol.getByTestId('contact-row').first().textContent()).toContain('王老板');
    await carol.screenshot({ path: artifactPath('contacts-carol-zh-CN.png') });

    // The server agrees.
    const carolId = (await t.services.identity.findByLogin('carol'))?.id ?? '';
    const bobId = (await t.services.identity.findByLogin('bob'))?.id ?? '';
    expect(await t.services.social.areFriends(carolId, bobId)).toBe(true);
  });
});
