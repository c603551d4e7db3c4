import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../kernel/config.js';
import { createLogger } from '../kernel/logger.js';
import { createTestApp, type TestApp, testConfig } from '../test/app.js';
import {
  DEMO_DEVELOPER,
  DEMO_MINIAPPS_FILE,
  type DemoMiniAppKeys,
  demoServeConfig,
  EXAMPLES_DIR,
  seedDemoMiniApps,
  startDemoMiniApps,
} from './demo-miniapps.js';

// Each database project runs this file: give each its own ports.
const base = process.env.JIAOZI_TEST_DB === 'postgres' ? 15740 : 15730;
const JIAOZI_PORT = base;
const ports = { restaurants: base + 1, shop: base + 2 };

let t: TestApp;
const dataDir = mkdtempSync(join(tmpdir(), 'jiaozi-demo-apps-'));
const file = join(dataDir, DEMO_MINIAPPS_FILE);

beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => t?.shutdown());

function saved(): DemoMiniAppKeys[] {
  return (JSON.parse(readFileSync(file, 'utf8')) as { apps: DemoMiniAppKeys[] }).apps;
}

describe('the demo mini apps', () => {
  let first: DemoMiniAppKeys[];

  it('registers and approves both apps under jiaozi_labs and keeps their keys in a 0600 file', async () => {
    first = await seedDemoMiniApps(t.services, { dataDir, ports });
    expect(first.map((a) => [a.key, a.name, a.origin, a.webhookUrl])).toEqual([
      [
        'restaurants',
        'Jiaozi Eats',
        `http://localhost:${ports.restaurants}`,
        `http://127.0.0.1:${ports.restaurants}/api/webhooks`,
      ],
      [
        'shop',
        'Jiaozi Shop',
        `http://localhost:${ports.shop}`,
        `http://127.0.0.1:${ports.shop}/api/webhooks`,
      ],
    ]);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(saved()).toEqual(first);
    const developer = await t.services.identity.findByLogin(DEMO_DEVELOPER.username);
    expect(developer?.display_name).toBe('Jiaozi Labs');
    const discover = await t.services.miniapps.discover();
    expect(discover.map((a) => a.name).sort()).toEqual(['Jiaozi Eats', 'Jiaozi Shop']);
    for (const app of first) {
      const live = await t.services.miniapps.authenticateMerchant(app.liveSecret);
      expect([live.app.id, live.mode, live.app.status]).toEqual([app.appId, 'live', 'approved']);
      expect((await t.services.miniapps.authenticateMerchant(app.testSecret)).mode).toBe('test');
      expect(app.webhookSecret).toMatch(/^whsec_/);
    }
  });

  it('reuses the saved keys at the next start', async () => {
    const again = await seedDemoMiniApps(t.services, { dataDir, ports });
    expect(again).toEqual(first);
    expect(await t.services.miniapps.discover()).toHaveLength(2);
  });

  it('makes fresh keys when the saved ones no longer work, or the port moved', async () => {
    const broken = saved().map((a) =>
      a.key === 'shop' ? { ...a, liveSecret: `${a.liveSecret.slice(0, -2)}xx` } : a,
    );
    writeFileSync(file, JSON.stringify({ apps: broken }));
    const repaired = await seedDemoMiniApps(t.services, { dataDir, ports });
    const [eats, shop] = repaired as [DemoMiniAppKeys, DemoMiniAppKeys];
    expect(eats).toEqual(first[0]);
    expect(shop.appId).toBe(first[1]?.appId);
    expect(shop.liveSecret).not.toBe(first[1]?.liveSecret);
    expect((await t.services.miniapps.authenticateMerchant(shop.liveSecret)).app.id).toBe(shop.appId);
    await expect(t.services.miniapps.authenticateMerchant(first[1]?.liveSecret)).rejects.toThrow();

    const moved = await seedDemoMiniApps(t.services, { dataDir, ports: { ...ports, shop: ports.shop + 5 } });
    expect(moved[1]?.origin).toBe(`http://localhost:${ports.shop + 5}`);
    // Still one app, now at the new port.
    expect(moved[1]?.appId).toBe(shop.appId);
    expect((await t.services.miniapps.app(shop.appId))?.origin).toBe(`http://localhost:${ports.shop + 5}`);
    expect(await t.services.miniapps.discover()).toHaveLength(2);
    // Back where the servers below expect them.
    first = await seedDemoMiniApps(t.services, { dataDir, ports });
  });

  it('runs the example servers with their keys and stops them', async () => {
    await t.app.listen({ port: JIAOZI_PORT, host: '127.0.0.1' });
    const started = startDemoMiniApps(first, {
      jiaoziUrl: `http://127.0.0.1:${JIAOZI_PORT}`,
      dataDir,
      currency: 'CNY',
      logger: createLogger('silent'),
      // From source, so the test needs no build.
      command: (key) => ({
        file: process.execPath,
        args: ['--conditions=source', '--import', 'tsx', join(EXAMPLES_DIR, key, 'src', 'server', 'main.ts')],
      }),
    });
    try {
      expect(started.running.map((r) => r.key)).toEqual(['restaurants', 'shop']);
      for (const app of first) {
        const health = await waitFor(`http://127.0.0.1:${app.port}/api/health`);
        expect(health).toEqual({ ok: true, mode: 'live' });
      }
      // The shop reaches Jiaozi with its key: a bad login code comes back as Jiaozi's error.
      const res = await fetch(`http://127.0.0.1:${ports.shop}/api/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ code: 'not-a-code' }),
      });
      expect([res.status, ((await res.json()) as { error: { code: string } }).error.code]).toEqual([
        400,
        'login_code_invalid',
      ]);
    } finally {
      started.stop();
    }
    await waitUntilDown(`http://127.0.0.1:${ports.shop}/api/health`);
    await waitUntilDown(`http://127.0.0.1:${ports.restaurants}/api/health`);
  });
});

async function waitFor(url: string): Promise<unknown> {
  for (let attempt = 0; attempt < 300; attempt++) {
    try {
      const res = await fetch(url);
      if (res.ok) return await res.json();
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} never answered`);
}

async function waitUntilDown(url: string): Promise<void> {
  for (let attempt = 0; attempt < 300; attempt++) {
    try {
      await fetch(url);
    } catch {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} still answers`);
}

describe('serve --demo', () => {
  it('lets webhooks reach this machine, unless the operator chose otherwise', async () => {
    const production = loadConfig({});
    expect(production.webhookAllowPrivateNetworks).toBe(false);
    expect(demoServeConfig(production, {})).toMatchObject({
      webhookAllowPrivateNetworks: true,
      fundYieldSource: 'simulated',
    });
    const env = { WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'false', FUND_YIELD_SOURCE: 'published' };
    expect(demoServeConfig(loadConfig(env), env)).toMatchObject({
      webhookAllowPrivateNetworks: false,
      fundYieldSource: 'published',
    });
  });

  it('seeds the example apps, whose webhooks are on 127.0.0.1, only where that is allowed', async () => {
    // Origins only: nothing listens on these ports.
    const own = process.env.JIAOZI_TEST_DB === 'postgres' ? 15_660 : 15_650;
    const dir = mkdtempSync(join(tmpdir(), 'jiaozi-demo-strict-'));
    const strictConfig = testConfig({ webhookAllowPrivateNetworks: false });
    const strict = await createTestApp({ config: strictConfig, database: t.database });
    const demo = await createTestApp({ config: demoServeConfig(strictConfig, {}), database: t.database });
    try {
      await expect(
        seedDemoMiniApps(strict.services, { dataDir: dir, ports: { restaurants: own, shop: own + 1 } }),
      ).rejects.toMatchObject({ code: 'webhook_url_invalid' });
      const seeded = await seedDemoMiniApps(demo.services, {
        dataDir: dir,
        ports: { restaurants: own + 2, shop: own + 3 },
      });
      expect(seeded.map((a) => a.webhookUrl)).toEqual([
        `http://127.0.0.1:${own + 2}/api/webhooks`,
        `http://127.0.0.1:${own + 3}/api/webhooks`,
      ]);
    } finally {
      await strict.shutdown();
      await demo.shutdown();
    }
  });
});
