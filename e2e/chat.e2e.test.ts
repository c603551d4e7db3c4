import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DEMO_PASSWORD, seedDemo } from '../packages/server/src/admin/demo.js';
import { createTestApp, nextIp, type TestApp } from '../packages/server/src/test/app.js';
import { uuidv7 } from '../packages/web/src/wallet/ids.js';
import { artifactPath, closeAll, launchChromium, logInAsDemo, serveForBrowser } from './browser.js';

/**
 * The Chats tab in three browsers: alice opens a chat with bob and says hello, bob's open list
 * shows it unread, he reads it and alice sees her ticks turn to read; he answers, she recalls
 * her hello; then she starts a group with bob and carol, which carol's list shows at once.
 */
describe('chats in the browser', () => {
  let t: TestApp;
  let browser: Browser;
  let baseUrl: string;
  const ids: Record<string, string> = {};

  async function api(token: string, method: 'GET' | 'POST', url: string, payload?: object) {
    const res = await t.app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${token}` },
      remoteAddress: nextIp(),
      ...(payload ? { payload } : {}),
    });
    if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
    return res.json() as Record<string, unknown>;
  }

  async function token(username: string): Promise<string> {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { login: username, password: DEMO_PASSWORD },
      remoteAddress: nextIp(),
    });
    const body = res.json() as { token: string; user: { id: string } };
    ids[username] = body.user.id;
    return body.token;
  }

  async function befriend(from: string, fromToken: string, to: string, toToken: string) {
    const request = await api(fromToken, 'POST', '/v1/friend-requests', {
      id: uuidv7(),
      to: { username: to },
      message: `Hi ${to}, it is ${from}`,
    });
    await api(toToken, 'POST', `/v1/friend-requests/${String(request.id)}/accept`);
  }

  beforeAll(async () => {
    t = await createTestApp({ config: { webDistDir: inject('webDistDir') } });
    await seedDemo(t.services.identity);
    const [alice, bob, carol] = [await token('alice'), await token('bob'), await token('carol')];
    await befriend('alice', alice, 'bob', bob);
    await befriend('alice', alice, 'carol', carol);
    baseUrl = await serveForBrowser(t);
    browser = await launchChromium();
  });
  afterAll(() => closeAll(browser, t));

  async function logIn(username: string, locale = 'en-US'): Promise<Page> {
    const page = await logInAsDemo(browser, baseUrl, username, locale);
    await page.getByTestId('chats-new').waitFor();
    return page;
  }

  it('chats one to one with ticks, replies and recall, then starts a group', async () => {
    const alice = await logIn('alice');
    const bob = await logIn('bob');
    const carol = await logIn('carol', 'zh-CN');

    // Alice starts a chat with bob from the Chats tab.
    await alice.getByTestId('chats-new').click();
    await alice.locator(`[data-testid="pick-contact"][data-user-id="${ids.bob}"]`).click();
    await expect.poll(() => alice.getByTestId('conversation-title').textContent()).toBe('Bob Li');
    const conversationId = new URL(alice.url()).pathname.split('/')[2] ?? '';
    expect(conversationId).toMatch(/^[0-9a-f-]{36}$/);
    await alice.getByTestId('composer-input').fill('你好 Bob 🥟');
    await alice.getByTestId('composer-send').click();
    const hello = alice.locator('[data-testid="message"][data-mine="true"]').first();
    await expect.poll(() => hello.getAttribute('data-seq')).toMatch(/^\d+$/);
    const helloSeq = (await hello.getAttribute('data-seq')) ?? '';
    expect(await hello.textContent()).toContain('你好 Bob 🥟');

    // Bob's open list shows the conversation, unread 1, without reloading.
    const bobRow = bob.locator(`[data-testid="conversation-row"][data-id="${conversationId}"]`);
    await expect.poll(() => bobRow.getAttribute('data-unread'), { timeout: 10_000 }).toBe('1');
    expect(await bobRow.textContent()).toContain('你好 Bob 🥟');
    expect(await bobRow.textContent()).toContain('Alice Wang');

    // Bob opens it and reads; alice's message turns to read.
    await bobRow.click();
    const bobSees = bob.locator(`[data-testid="message"][data-seq="${helloSeq}"]`);
    await bobSees.waitFor();
    expect(await bobSees.getAttribute('data-mine')).toBe('false');
    expect(await bobSees.textContent()).toContain('你好 Bob 🥟');
    await expect.poll(() => hello.getAttribute('data-status'), { timeout: 10_000 }).toBe('read');
    // Alice's socket is up: bob sees her online.
    await expect.poll(() => bob.getByTestId('conversation-presence').textContent()).toBe('online');

    // Bob replies to it (Enter sends); alice sees the reply with its quote.
    await bobSees.getByTestId('message-menu').click();
    await bob.getByTestId('menu-reply').click();
    await bob.getByTestId('reply-preview').waitFor();
    await bob.getByTestId('composer-input').fill('Hi Alice! 饺子 tonight?');
    // While bob types, alice sees it (an ephemeral frame over the WebSocket).
    await expect.poll(() => alice.getByTestId('conversation-typing').count(), { timeout: 5_000 }).toBe(1);
    await bob.getByTestId('composer-input').press('Enter');
    const reply = alice.locator('[data-testid="message"][data-mine="false"][data-kind="text"]').last();
    await expect.poll(() => reply.textContent(), { timeout: 10_000 }).toContain('Hi Alice! 饺子 tonight?');
    expect(await reply.getByTestId('message-quote').textContent()).toContain('你好 Bob 🥟');
    await expect
      .poll(
        () => bob.locator('[data-testid="message"][data-mine="true"]').last().getAttribute('data-status'),
        {
          timeout: 10_000,
        },
      )
      .toBe('read');
    await bob.screenshot({ path: artifactPath('chat-bob-direct.png') });

    // Alice recalls her hello; bob sees it recalled.
    await hello.getByTestId('message-menu').click();
    await alice.getByTestId('menu-recall').click();
    await expect.poll(() => hello.getAttribute('data-recalled')).toBe('true');
    await expect.poll(() => bobSees.getAttribute('data-recalled'), { timeout: 10_000 }).toBe('true');
    expect(await bobSees.textContent()).toContain('recalled');
    await alice.screenshot({ path: artifactPath('chat-alice-direct.png') });

    // Carol waits on her Chats tab; alice starts a group of the three of them.
    await carol.getByTestId('tab-chats').waitFor();
    await alice.getByTestId('nav-back').click();
    await alice.getByTestId('chats-new').click();
    await alice.getByTestId('chats-new-group').click();
    await alice.getByTestId('group-name').fill('Dumpling club 饺子会');
    await alice.locator(`[data-testid="pick-contact"][data-user-id="${ids.bob}"]`).click();
    await alice.getByTestId('group-create').click();
    await expect
      .poll(() => alice.getByTestId('form-error').getAttribute('data-code'))
      .toBe('group_too_small');
    await alice.locator(`[data-testid="pick-contact"][data-user-id="${ids.carol}"]`).click();
    await alice.getByTestId('group-create').click();
    await expect
      .poll(() => alice.getByTestId('conversation-title').textContent())
      .toBe('Dumpling club 饺子会 (3)');
    await alice.locator('[data-testid="message"][data-kind="system"]').first().waitFor();

    const carolRow = carol.locator('[data-testid="conversation-row"][data-kind="group"]');
    await expect.poll(() => carolRow.count(), { timeout: 10_000 }).toBe(1);
    expect(await carolRow.textContent()).toContain('Dumpling club 饺子会');
    await carol.screenshot({ path: artifactPath('chat-carol-zh-CN.png') });

    // Carol mutes the group from its settings, then leaves it.
    await carolRow.click();
    await carol.getByTestId('conversation-settings').click();
    await expect.poll(() => carol.getByTestId('settings-member').count()).toBe(3);
    await carol.getByTestId('settings-mute').click();
    await expect.poll(() => carol.getByTestId('settings-mute').isChecked()).toBe(true);
    await expect.poll(() => carol.getByTestId('settings-mute').isDisabled()).toBe(false);
    await carol.getByTestId('settings-leave').click();
    await carol.getByTestId('settings-leave').click();
    await carol.getByTestId('chats-new').waitFor();
    await expect.poll(() => carolRow.count()).toBe(0);

    // The server agrees: the group had three members, alice owns it, and carol has left.
    expect((await t.services.chat.list(ids.carol ?? '')).some((c) => c.kind === 'group')).toBe(false);
    const group = (await t.services.chat.list(ids.alice ?? '')).find((c) => c.kind === 'group');
    expect(group?.memberCount).toBe(2);
    expect(group?.ownerId).toBe(ids.alice);
  });
});
