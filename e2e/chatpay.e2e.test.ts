import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DEMO_PIN, seedDemo, seedDemoActivity } from '../packages/server/src/admin/demo.js';
import { createTestApp, type TestApp } from '../packages/server/src/test/app.js';
import { artifactPath, closeAll, launchChromium, logInAsDemo } from './browser.js';

/**
 * Money in chat in the browser: alice sends bob a transfer card and bob accepts it; alice
 * sends a lucky red packet of 3 into the group of the three of them; bob and carol open it;
 * the details page shows who got what and the best luck.
 */
describe('money in chat in the browser', () => {
  let t: TestApp;
  let browser: Browser;
  let baseUrl: string;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    t = await createTestApp({ config: { webDistDir: inject('webDistDir') } });
    const { created } = await seedDemo(t.services.identity);
    await seedDemoActivity(t.services, created);
    for (const name of ['alice', 'bob', 'carol']) {
      ids[name] = (await t.services.identity.findByLogin(name))?.id ?? '';
    }
    // A port of this suite's own range (15000–15499).
    const port = 15_000 + Math.floor(Math.random() * 500);
    await t.app.listen({ host: '127.0.0.1', port });
    baseUrl = `http://127.0.0.1:${port}`;
    browser = await launchChromium();
  });
  afterAll(() => closeAll(browser, t));

  async function logIn(username: string): Promise<Page> {
    const page = await logInAsDemo(browser, baseUrl, username);
    await page.getByTestId('tab-me').waitFor();
    return page;
  }

  async function balanceOf(name: string): Promise<number> {
    return (await t.services.wallet.summary(ids[name] ?? '')).balanceMinor;
  }

  async function pin(page: Page): Promise<void> {
    await page.getByTestId('pin-sheet').waitFor();
    await page.getByTestId('pin-sheet-input').fill(DEMO_PIN);
    await page.getByTestId('pin-sheet-submit').click();
    await page.getByTestId('pin-sheet').waitFor({ state: 'detached' });
  }

  it('sends a transfer card that bob accepts, and a lucky packet bob and carol open', async () => {
    const direct = await t.services.chat.directConversationId(ids.alice ?? '', ids.bob ?? '');
    const group = await t.database.db
      .selectFrom('conversations')
      .select('id')
      .where('kind', '=', 'group')
      .where('name', 'like', 'Dumpling club%')
      .executeTakeFirstOrThrow();
    const [aliceStart, bobStart] = [await balanceOf('alice'), await balanceOf('bob')];

    // Alice: + → Transfer, 12.34 with a note, PIN.
    const alice = await logIn('alice');
    await alice.goto(`${baseUrl}/chats/${direct}`);
    await alice.getByTestId('composer-plus').click();
    await alice.getByTestId('pay-menu-transfer').click();
    await alice.getByTestId('transfer-amount').fill('12.34');
    await alice.getByTestId('transfer-note').fill('Dumplings');
    await alice.getByTestId('transfer-submit').click();
    await pin(alice);
    const aliceCard = alice.getByTestId('transfer-card').last();
    await expect.poll(() => aliceCard.getAttribute('data-status')).toBe('pending');
    expect(await balanceOf('alice')).toBe(aliceStart);

    // Bob opens the card and accepts it.
    const bob = await logIn('bob');
    await bob.goto(`${baseUrl}/chats/${direct}`);
    await bob.getByTestId('transfer-card').last().click();
    await bob.getByTestId('transfer-accept').click();
    await expect.poll(() => bob.getByTestId('transfer-details').getAttribute('data-status')).toBe('received');
    expect([await balanceOf('alice'), await balanceOf('bob')]).toEqual([
      aliceStart - 1_234,
      bobStart + 1_234,
    ]);
    // Alice's card follows live.
    await expect.poll(() => aliceCard.getAttribute('data-status'), { timeout: 10_000 }).toBe('received');
    await alice.screenshot({ path: artifactPath('chatpay-transfer-card.png') });

    // Alice: a lucky packet of 3, 6.00 in all, into the group.
    await alice.goto(`${baseUrl}/chats/${group.id}`);
    await alice.getByTestId('composer-plus').click();
    await alice.getByTestId('pay-menu-red-packet').click();
    await alice.getByTestId('red-packet-count').fill('3');
    await alice.getByTestId('red-packet-amount').fill('6.00');
    await alice.getByTestId('red-packet-greeting').fill('新年快乐');
    await alice.getByTestId('red-packet-submit').click();
    await pin(alice);
    await alice.getByTestId('red-packet-card').last().waitFor();

    // Bob and carol open it from their chats.
    const carol = await logIn('carol');
    const grabbed: Record<string, number> = {};
    for (const [name, page] of [
      ['bob', bob],
      ['carol', carol],
    ] as const) {
      const before = await balanceOf(name);
      await page.goto(`${baseUrl}/chats/${group.id}`);
      const card = page.getByTestId('red-packet-card').last();
      await expect.poll(() => card.getAttribute('data-can-grab')).toBe('true');
      await card.click();
      await page.getByTestId('red-packet-open').waitFor();
      await page.screenshot({ path: artifactPath(`chatpay-open-${name}.png`) });
      await page.getByTestId('red-packet-open-button').click();
      await page.getByTestId('red-packet-details').waitFor();
      grabbed[name] = (await balanceOf(name)) - before;
      expect(grabbed[name]).toBeGreaterThanOrEqual(1);
    }

    // Carol's details page: two grabs, the larger marked best luck, one share left.
    const rows = carol.getByTestId('red-packet-grab');
    await expect.poll(() => rows.count()).toBe(2);
    expect(await carol.getByTestId('red-packet-summary').textContent()).toContain('2/3 opened');
    const best = carol.locator('[data-testid="red-packet-grab"][data-best="true"]');
    await expect.poll(() => best.count()).toBe(1);
    const bestName = Math.max(grabbed.bob ?? 0, grabbed.carol ?? 0) === grabbed.bob ? 'Bob Li' : 'Carol Chen';
    // A tie goes to the earlier grab (bob).
    expect(await best.textContent()).toContain(bestName);
    expect(await carol.getByTestId('best-luck').count()).toBe(1);
    await carol.screenshot({ path: artifactPath('chatpay-red-packet-details.png'), fullPage: true });
    expect(await balanceOf('alice')).toBe(aliceStart - 1_234 - 600);
    const report = await t.services.ledger.verify();
    expect(report.ok, JSON.stringify(report.problems)).toBe(true);
  });

  it('splits a bill in the group; bob pays his share and his wallet history leads back to the chat', async () => {
    const group = await t.database.db
      .selectFrom('conversations')
      .select('id')
      .where('kind', '=', 'group')
      .where('name', 'like', 'Dumpling club%')
      .executeTakeFirstOrThrow();
    const alice = await logIn('alice');
    await alice.goto(`${baseUrl}/chats/${group.id}`);
    await alice.getByTestId('composer-plus').click();
    await alice.getByTestId('pay-menu-split').click();
    await alice.getByTestId('split-title').fill('Hotpot');
    await alice.getByTestId('split-amount').fill('90.00');
    await alice.getByTestId('split-submit').click();
    const aliceCard = alice.getByTestId('split-card').last();
    await expect.poll(() => aliceCard.textContent()).toContain('1/3 paid');

    const bob = await logIn('bob');
    const [aliceBefore, bobBefore] = [await balanceOf('alice'), await balanceOf('bob')];
    await bob.goto(`${baseUrl}/chats/${group.id}`);
    await bob.getByTestId('split-card').last().click();
    await bob.getByTestId('split-pay').click();
    await pin(bob);
    await expect.poll(() => bob.locator('[data-testid="split-share"][data-paid="true"]').count()).toBe(2);
    expect([await balanceOf('alice'), await balanceOf('bob')]).toEqual([
      aliceBefore + 3_000,
      bobBefore - 3_000,
    ]);
    await expect.poll(() => aliceCard.textContent(), { timeout: 10_000 }).toContain('2/3 paid');

    await bob.goto(`${baseUrl}/wallet/history`);
    await bob.getByTestId('history-row').first().click();
    await bob.getByTestId('history-open-chat').click();
    await expect.poll(() => new URL(bob.url()).pathname).toBe(`/chats/${group.id}`);
  });
});
