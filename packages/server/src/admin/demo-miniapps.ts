/**
 * The demo's mini apps: `serve --demo` registers the two example apps (the restaurant guide
 * and the shop) under the developer `jiaozi_labs`, approves them, keeps their secrets in
 * `DATA_DIR/demo-miniapps.json` (mode 0600, reused at the next start while they still
 * work) and runs the examples' servers as child processes that stop with the server.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MiniAppScope } from '@jiaozi/protocol';
import type { IdentityService } from '../identity/identity.service.js';
import type { Config } from '../kernel/config.js';
import type { Logger } from '../kernel/logger.js';
import type { MiniAppRegistry } from '../miniapps/registry.service.js';
import { DEMO_PASSWORD } from './demo.js';

/** Usernames take letters, digits and underscores: `jiaozi_labs`. */
export const DEMO_DEVELOPER = { username: 'jiaozi_labs', displayName: 'Jiaozi Labs' } as const;

export type DemoMiniAppKey = 'restaurants' | 'shop';

interface DemoMiniAppSpec {
  key: DemoMiniAppKey;
  name: string;
  description: string;
  scopes: MiniAppScope[];
}

export const DEMO_MINIAPPS: readonly DemoMiniAppSpec[] = [
  {
    key: 'restaurants',
    name: 'Jiaozi Eats',
    description: 'Restaurant reviews with photos, and prepaid dining vouchers.',
    scopes: ['profile'],
  },
  {
    key: 'shop',
    name: 'Jiaozi Shop',
    description: 'Tea, dumplings and more: a cart, checkout and refunds.',
    scopes: ['profile'],
  },
];

/** What the demo keeps of one app, in the data dir. */
export interface DemoMiniAppKeys {
  key: DemoMiniAppKey;
  name: string;
  appId: string;
  port: number;
  origin: string;
  webhookUrl: string;
  liveSecret: string;
  testSecret: string;
  webhookSecret: string;
}

export const DEMO_MINIAPPS_FILE = 'demo-miniapps.json';

/**
 * The configuration `serve --demo` runs with: the simulated fund yield, and webhooks allowed
 * to reach this machine (the example apps take theirs on 127.0.0.1), unless the operator set
 * either variable.
 */
export function demoServeConfig(chosen: Config, env: NodeJS.ProcessEnv): Config {
  return {
    ...chosen,
    ...(env.FUND_YIELD_SOURCE ? {} : { fundYieldSource: 'simulated' as const }),
    ...(env.WEBHOOK_ALLOW_PRIVATE_NETWORKS ? {} : { webhookAllowPrivateNetworks: true }),
  };
}

export interface DemoMiniAppServices {
  identity: IdentityService;
  miniapps: MiniAppRegistry;
}

/**
 * Makes sure `jiaozi_labs` exists and both apps are registered, approved and at these
 * ports; answers their keys. Saved keys that still work are reused as they are; otherwise
 * the apps are brought up to date with fresh secrets, which are saved.
 */
export async function seedDemoMiniApps(
  services: DemoMiniAppServices,
  options: { dataDir: string; ports: Record<DemoMiniAppKey, number> },
): Promise<DemoMiniAppKeys[]> {
  const developer =
    (await services.identity.findByLogin(DEMO_DEVELOPER.username)) ??
    (await services.identity.createUser({
      username: DEMO_DEVELOPER.username,
      password: DEMO_PASSWORD,
      displayName: DEMO_DEVELOPER.displayName,
      role: 'user',
      kycTier: 2,
    }));
  const file = join(options.dataDir, DEMO_MINIAPPS_FILE);
  const saved = await readSaved(file);
  const out: DemoMiniAppKeys[] = [];
  for (const spec of DEMO_MINIAPPS) {
    const port = options.ports[spec.key];
    const origin = `http://localhost:${port}`;
    const webhookUrl = `http://127.0.0.1:${port}/api/webhooks`;
    const previous = saved[spec.key];
    if (previous !== undefined && previous.origin === origin && previous.webhookUrl === webhookUrl) {
      if (await stillWorks(services.miniapps, previous)) {
        out.push(previous);
        continue;
      }
    }
    // The app may have moved to another port: bring it along, so it stays one app.
    const mine = await services.miniapps.listMine(developer.id);
    const existing = mine.find((a) => a.id === previous?.appId) ?? mine.find((a) => a.name === spec.name);
    if (existing !== undefined && existing.origin !== origin) {
      await services.miniapps.update(developer.id, existing.id, {
        origin,
        webhookUrl,
        iconUrl: `${origin}/icon.svg`,
      });
    }
    const created = await services.miniapps.provisionApproved(developer.id, {
      name: spec.name,
      description: spec.description,
      iconUrl: `${origin}/icon.svg`,
      origin,
      scopes: spec.scopes,
      webhookUrl,
    });
    out.push({
      key: spec.key,
      name: spec.name,
      appId: created.app.id,
      port,
      origin,
      webhookUrl,
      liveSecret: created.liveSecret,
      testSecret: created.testSecret,
      webhookSecret: created.webhookSecret,
    });
  }
  await writeSaved(file, out);
  return out;
}

async function stillWorks(miniapps: MiniAppRegistry, keys: DemoMiniAppKeys): Promise<boolean> {
  try {
    const live = await miniapps.authenticateMerchant(keys.liveSecret);
    const test = await miniapps.authenticateMerchant(keys.testSecret);
    return (
      live.app.id === keys.appId &&
      test.app.id === keys.appId &&
      live.app.status === 'approved' &&
      live.app.origin === keys.origin &&
      live.app.webhook_url === keys.webhookUrl &&
      live.app.webhook_secret === keys.webhookSecret
    );
  } catch {
    return false;
  }
}

async function readSaved(file: string): Promise<Partial<Record<DemoMiniAppKey, DemoMiniAppKeys>>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
  try {
    const parsed = JSON.parse(text) as { apps?: DemoMiniAppKeys[] };
    const out: Partial<Record<DemoMiniAppKey, DemoMiniAppKeys>> = {};
    for (const app of parsed.apps ?? []) out[app.key] = app;
    return out;
  } catch {
    // A damaged file: the apps get fresh secrets and the file is written again.
    return {};
  }
}

async function writeSaved(file: string, apps: DemoMiniAppKeys[]): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify({ apps }, null, 2)}\n`, { mode: 0o600 });
  await chmod(temporary, 0o600);
  await rename(temporary, file);
}

/** Where the example apps live in this checkout. */
export const EXAMPLES_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../examples/miniapps');

export interface DemoMiniAppProcesses {
  /** The started servers (an app whose server is not built is left out, and said so). */
  running: { key: DemoMiniAppKey; url: string; pid: number | undefined }[];
  /** Stops every server (also done when this process exits). */
  stop(): void;
}

/**
 * Starts each example's server as a child process with JIAOZI_URL, APP_ID, APP_SECRET (the
 * live key), WEBHOOK_SECRET, PORT, DATA_DIR (`<dataDir>/miniapps/<key>`) and CURRENCY.
 * `command` picks how a server is run (by default `node <example>/dist/server/main.js`).
 */
export function startDemoMiniApps(
  apps: readonly DemoMiniAppKeys[],
  options: {
    jiaoziUrl: string;
    dataDir: string;
    currency: string;
    logger: Logger;
    command?: (key: DemoMiniAppKey) => { file: string; args: string[] } | null;
  },
): DemoMiniAppProcesses {
  const children: ChildProcess[] = [];
  const running: DemoMiniAppProcesses['running'] = [];
  let stopping = false;
  const command =
    options.command ??
    ((key: DemoMiniAppKey) => {
      const main = join(EXAMPLES_DIR, key, 'dist', 'server', 'main.js');
      return existsSync(main) ? { file: process.execPath, args: [main] } : null;
    });
  for (const app of apps) {
    const how = command(app.key);
    if (how === null) {
      options.logger.warn({ app: app.key }, 'example mini app not built (run npm run build); not started');
      continue;
    }
    const child = spawn(how.file, how.args, {
      cwd: join(EXAMPLES_DIR, app.key),
      env: {
        ...process.env,
        JIAOZI_URL: options.jiaoziUrl,
        APP_ID: app.appId,
        APP_SECRET: app.liveSecret,
        WEBHOOK_SECRET: app.webhookSecret,
        PORT: String(app.port),
        HOST: '127.0.0.1',
        DATA_DIR: join(options.dataDir, 'miniapps', app.key),
        CURRENCY: options.currency,
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.once('exit', (code, signal) => {
      if (!stopping) options.logger.error({ app: app.key, code, signal }, 'example mini app server stopped');
    });
    children.push(child);
    running.push({ key: app.key, url: app.origin, pid: child.pid });
  }
  const stop = () => {
    if (stopping) return;
    stopping = true;
    for (const child of children)
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  };
  process.once('exit', stop);
  return { running, stop };
}
