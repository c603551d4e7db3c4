import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { DEMO_PASSWORD } from '../packages/server/src/admin/demo.js';
import type { TestApp } from '../packages/server/src/test/app.js';

export const ARTIFACTS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'test-results');

/** Debian's Chromium, headless, with the network chatter of a fresh profile turned off. */
export async function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...extraArgs,
    ],
  });
}

export function artifactPath(name: string): string {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  return join(ARTIFACTS_DIR, name);
}

/** A new phone-sized page (390×844 at 2×), as the product is designed for. */
export async function phonePage(browser: Browser, locale = 'en-US'): Promise<Page> {
  const context = await browser.newContext({
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    locale,
  });
  return context.newPage();
}

/** A phone page signed in as a demo user (see packages/server/src/admin/demo.ts). */
export async function logInAsDemo(
  browser: Browser,
  baseUrl: string,
  username: string,
  locale = 'en-US',
): Promise<Page> {
  const page = await phonePage(browser, locale);
  await page.goto(`${baseUrl}/login`);
  await page.getByTestId('login-login').fill(username);
  await page.getByTestId('login-password').fill(DEMO_PASSWORD);
  await page.getByTestId('login-submit').click();
  return page;
}

/** Serves the test app on a free loopback port for the browser; its base URL. */
export async function serveForBrowser(t: TestApp): Promise<string> {
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  return `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
}

/** Closes the browser, then the app and its database (either may not have started). */
export async function closeAll(browser: Browser | undefined, t: TestApp | undefined): Promise<void> {
  await browser?.close();
  await t?.shutdown();
}
