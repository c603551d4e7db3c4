/**
 * `jiaozi dev --url <origin>`: a local Jiaozi for developing a mini app. It runs the server
 * on embedded PGlite (a temporary data dir unless given), creates a developer who is also
 * the test user (password, PIN and a test wallet of 10,000.00 XTS), registers the app at
 * that origin — pending review, so test mode only, which its own developer may open — and
 * prints the test secret, the webhook secret and the simulator's address.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { MiniAppScope } from '@jiaozi/protocol';
import { DEMO_PIN } from '../admin/demo.js';
import { buildApp } from '../app.js';
import type { IdentityService } from '../identity/identity.service.js';
import type { Config } from '../kernel/config.js';
import { createLogger } from '../kernel/logger.js';
import type { PaymentsService } from '../miniapps/payments.service.js';
import { canonicalOrigin } from '../miniapps/registry.core.js';
import type { MiniAppRegistry } from '../miniapps/registry.service.js';
import { connectDatabase } from '../platform/db/connect.js';
import { migrateToLatest } from '../platform/db/migrate.js';

export class DevUsageError extends Error {}

export const DEV_USERNAME = 'developer';
export const DEV_FILE = 'dev-app.json';

export interface DevApp {
  appId: string;
  name: string;
  origin: string;
  webhookUrl: string | null;
  testSecret: string;
  webhookSecret: string;
  username: string;
  password: string;
  pin: string;
  /** The developer's test wallet balance, in XTS minor units. */
  testBalanceMinor: bigint;
}

export interface DevServices {
  identity: IdentityService;
  miniapps: MiniAppRegistry;
  payments: PaymentsService;
}

/**
 * Makes (or, in a data dir used before, finds) the developer and their app at `origin`.
 * Keys saved in `dataDir/dev-app.json` (mode 0600) are reused while they still work.
 */
export async function prepareDevApp(
  services: DevServices,
  options: {
    dataDir: string;
    origin: string;
    name: string;
    webhookUrl: string | null;
    scopes?: MiniAppScope[];
  },
): Promise<DevApp> {
  const origin = canonicalOrigin(options.origin);
  if (origin === null) {
    throw new DevUsageError(
      `--url must be an origin such as http://localhost:5173 (https, or http on localhost), got ${options.origin}`,
    );
  }
  const file = join(options.dataDir, DEV_FILE);
  const saved = await readSaved(file);
  let user = await services.identity.findByLogin(DEV_USERNAME);
  let password = saved?.password;
  if (user === undefined) {
    password = randomBytes(9).toString('base64url');
    user = await services.identity.createUser({
      username: DEV_USERNAME,
      password,
      displayName: 'Developer',
      role: 'admin',
      kycTier: 2,
    });
    await services.identity.setPin(user.id, DEMO_PIN, password, { ip: null, userAgent: 'jiaozi dev' });
  } else if (password === undefined) {
    throw new DevUsageError(
      `${file} is missing, so the developer's password is unknown: use a new --data-dir.`,
    );
  }
  const wallet = await services.payments.testWallet(user.id);
  const fields = {
    name: options.name,
    description: `${options.name}, in development.`,
    origin,
    scopes: options.scopes ?? (['profile', 'phone'] as MiniAppScope[]),
    ...(options.webhookUrl === null ? {} : { webhookUrl: options.webhookUrl }),
  };
  let keys: { appId: string; testSecret: string; webhookSecret: string } | null = null;
  if (saved !== undefined && saved.origin === origin && saved.webhookUrl === options.webhookUrl) {
    try {
      const principal = await services.miniapps.authenticateMerchant(saved.testSecret);
      if (principal.app.id === saved.appId && principal.app.webhook_secret === saved.webhookSecret) {
        keys = { appId: saved.appId, testSecret: saved.testSecret, webhookSecret: saved.webhookSecret };
      }
    } catch {
      keys = null;
    }
  }
  if (keys === null) {
    const existing = (await services.miniapps.listMine(user.id)).find((a) => a.origin === origin);
    if (existing === undefined) {
      const created = await services.miniapps.create(user.id, fields);
      keys = { appId: created.app.id, testSecret: created.testSecret, webhookSecret: created.webhookSecret };
    } else {
      await services.miniapps.update(user.id, existing.id, {
        name: fields.name,
        webhookUrl: options.webhookUrl,
      });
      keys = {
        appId: existing.id,
        testSecret: (await services.miniapps.rotateSecret(user.id, existing.id, 'test')).secret,
        webhookSecret: (await services.miniapps.rotateSecret(user.id, existing.id, 'webhook')).secret,
      };
    }
  }
  const app: DevApp = {
    ...keys,
    name: options.name,
    origin,
    webhookUrl: options.webhookUrl,
    username: DEV_USERNAME,
    password,
    pin: DEMO_PIN,
    testBalanceMinor: wallet.creditsPosted - wallet.debitsPosted,
  };
  await writeSaved(file, app);
  return app;
}

type Saved = Omit<DevApp, 'testBalanceMinor'>;

async function readSaved(file: string): Promise<Saved | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Saved;
  } catch {
    return undefined;
  }
}

async function writeSaved(file: string, app: DevApp): Promise<void> {
  const { testBalanceMinor: _balance, ...saved } = app;
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(saved, null, 2)}\n`, { mode: 0o600 });
  await chmod(temporary, 0o600);
  await rename(temporary, file);
}

/** What `jiaozi dev` prints once the server listens. */
export function devBanner(app: DevApp, serverUrl: string, dataDir: string): string {
  const whole = app.testBalanceMinor / 100n;
  const cents = (app.testBalanceMinor % 100n).toString().padStart(2, '0');
  return [
    '',
    `  Jiaozi dev server: ${serverUrl}  (data in ${dataDir})`,
    `  Sign in as "${app.username}", password "${app.password}"; payment PIN ${app.pin}; test wallet T¥${whole.toLocaleString('en')}.${cents}`,
    '',
    `  Mini app "${app.name}" at ${app.origin} — pending review: test mode, opened by its developer`,
    `    APP_ID=${app.appId}`,
    `    APP_SECRET=${app.testSecret}`,
    `    WEBHOOK_SECRET=${app.webhookSecret}`,
    `    JIAOZI_URL=${serverUrl}`,
    app.webhookUrl === null
      ? '    (no webhook URL: pass --webhook-url to receive signed events)'
      : `    webhooks → ${app.webhookUrl}`,
    '',
    `  Simulator (with bridge traffic): ${serverUrl}/dev/simulator?app=${app.appId}`,
    '',
  ].join('\n');
}

export async function devCommand(config: Config, args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      url: { type: 'string' },
      name: { type: 'string', default: 'My mini app' },
      'webhook-url': { type: 'string' },
      'data-dir': { type: 'string' },
      port: { type: 'string' },
    },
  });
  if (values.url === undefined)
    throw new DevUsageError('Give the mini app’s origin: jiaozi dev --url http://localhost:5173');
  const port = values.port === undefined ? config.port : Number(values.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new DevUsageError('--port takes 1 to 65535.');
  const dataDir = values['data-dir'] ?? mkdtempSync(join(tmpdir(), 'jiaozi-dev-'));
  await mkdir(dataDir, { recursive: true });
  // Always the embedded database: a development server never touches a real one.
  const devConfig: Config = {
    ...config,
    databaseUrl: undefined,
    redisUrl: undefined,
    dataDir,
    port,
    mediaDir: undefined,
    // The app under development takes its webhooks on this machine.
    webhookAllowPrivateNetworks: true,
  };
  const logger = createLogger(devConfig.logLevel === 'info' ? 'warn' : devConfig.logLevel);
  const database = await connectDatabase({ databaseUrl: undefined, dataDir, poolMax: 1 });
  await migrateToLatest(database.db as never);
  const built = await buildApp({ config: devConfig, database, logger });
  const app = await prepareDevApp(built.services, {
    dataDir,
    origin: values.url,
    name: values.name ?? 'My mini app',
    webhookUrl: values['webhook-url'] ?? null,
  });
  const stop = async () => {
    await built.close();
    await database.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
  await built.app.listen({ host: devConfig.host, port });
  const host = devConfig.host === '0.0.0.0' || devConfig.host === '::' ? 'localhost' : devConfig.host;
  console.log(devBanner(app, `http://${host}:${port}`, dataDir));
}
