import { spawn } from 'node:child_process';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, nextIp, type TestApp } from '../test/app.js';
import { jiaoziCli, serverEnv } from '../test/processes.js';
import { DEV_FILE, DEV_USERNAME, type DevApp, devBanner, prepareDevApp } from './dev.js';

let t: TestApp;
const dataDir = mkdtempSync(join(tmpdir(), 'jiaozi-dev-test-'));

beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => t?.shutdown());

describe('jiaozi dev', () => {
  let first: DevApp;

  it('makes a developer with a PIN and a funded test wallet, and registers the app in test mode', async () => {
    first = await prepareDevApp(t.services, {
      dataDir,
      origin: 'http://localhost:5173/',
      name: 'Tea House',
      webhookUrl: 'http://127.0.0.1:5180/api/webhooks',
    });
    expect([first.origin, first.username, first.pin, first.testBalanceMinor]).toEqual([
      'http://localhost:5173',
      DEV_USERNAME,
      '135790',
      1_000_000n,
    ]);
    expect(first.testSecret).toMatch(/^test_sk_/);
    expect(first.webhookSecret).toMatch(/^whsec_/);
    expect(statSync(join(dataDir, DEV_FILE)).mode & 0o777).toBe(0o600);

    const login = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { login: DEV_USERNAME, password: first.password },
      remoteAddress: nextIp(),
    });
    expect(login.statusCode).toBe(200);
    const developer = await t.services.identity.findByLogin(DEV_USERNAME);
    const app = await t.services.miniapps.app(first.appId);
    expect([app?.status, app?.developer_id, app?.webhook_url]).toEqual([
      'pending',
      developer?.id,
      'http://127.0.0.1:5180/api/webhooks',
    ]);
    // Pending: not in Discover, but its developer opens it; the test key works, no live key does.
    expect(await t.services.miniapps.discover()).toEqual([]);
    expect((await t.services.miniapps.openable(developer?.id as string, first.appId)).id).toBe(first.appId);
    expect((await t.services.miniapps.authenticateMerchant(first.testSecret)).mode).toBe('test');
  });

  it('reuses the developer, the app and its keys in the same data dir', async () => {
    const again = await prepareDevApp(t.services, {
      dataDir,
      origin: 'http://localhost:5173',
      name: 'Tea House',
      webhookUrl: 'http://127.0.0.1:5180/api/webhooks',
    });
    expect(again).toEqual(first);
    expect(
      (
        await t.services.miniapps.listMine(
          (
            await t.services.identity.findByLogin(DEV_USERNAME)
          )?.id as string,
        )
      ).length,
    ).toBe(1);
  });

  it('refuses an origin that is not one', async () => {
    await expect(
      prepareDevApp(t.services, { dataDir, origin: 'http://example.com', name: 'x', webhookUrl: null }),
    ).rejects.toThrow(/--url must be an origin/);
  });

  it('prints the keys and the simulator address', () => {
    const text = devBanner(first, 'http://localhost:8080', dataDir);
    expect(text).toContain(`APP_SECRET=${first.testSecret}`);
    expect(text).toContain(`WEBHOOK_SECRET=${first.webhookSecret}`);
    expect(text).toContain(`http://localhost:8080/dev/simulator?app=${first.appId}`);
    expect(text).toContain('test wallet T¥10,000.00');
  });

  it('runs as a command whose printed test key works against its server', async () => {
    const port = process.env.JIAOZI_TEST_DB === 'postgres' ? 15760 : 15750;
    const child = spawn(
      process.execPath,
      [
        ...jiaoziCli,
        'dev',
        '--url',
        'http://localhost:5173',
        '--port',
        String(port),
        '--data-dir',
        mkdtempSync(join(tmpdir(), 'jiaozi-dev-cmd-')),
        // A webhook on this machine: the development server allows private networks itself.
        '--webhook-url',
        'http://127.0.0.1:5180/api/webhooks',
      ],
      {
        env: serverEnv(port, {
          LOG_LEVEL: 'warn',
          DATABASE_URL: '',
          WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'false',
        }),
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    try {
      let out = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString();
      });
      for (let i = 0; i < 600 && !out.includes('Simulator'); i++)
        await new Promise((r) => setTimeout(r, 100));
      const secret = /APP_SECRET=(\S+)/.exec(out)?.[1];
      const appId = /APP_ID=(\S+)/.exec(out)?.[1];
      expect(secret).toMatch(/^test_sk_/);
      expect(out).toContain(`http://127.0.0.1:${port}/dev/simulator?app=${appId}`);
      const balance = await fetch(`http://127.0.0.1:${port}/v1/merchant/balance`, {
        headers: { authorization: `Bearer ${secret}` },
      });
      expect(balance.status).toBe(200);
      expect(await balance.json()).toMatchObject({ mode: 'test', currency: 'XTS', balanceMinor: 0 });
    } finally {
      child.kill('SIGTERM');
    }
  });
});
