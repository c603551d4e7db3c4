import { randomInt } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import { type BuiltApp, buildApp } from '../app.js';
import type { Clock } from '../kernel/clock.js';
import { type Config, loadConfig } from '../kernel/config.js';
import type { DatabaseHandle } from '../platform/db/connect.js';
import { createTestDatabase } from './db.js';

export interface TestApp extends BuiltApp {
  database: DatabaseHandle;
  /** Closes the app, then drops the database. */
  shutdown(): Promise<void>;
}

/** Test configuration: the defaults, quiet logs, cheap hashing, no web client, media in a temporary directory. */
export function testConfig(overrides: Partial<Config> = {}): Config {
  return {
    ...loadConfig({}),
    logLevel: 'silent',
    argon2MemoryKib: 1024,
    argon2TimeCost: 1,
    webDistDir: '/nonexistent-web-dist',
    bankLatencyMs: 20,
    // Tests run due jobs themselves (`services.jobs.runDue()`), by their own clock.
    jobRunner: false,
    mediaDir: mkdtempSync(join(tmpdir(), 'jiaozi-media-')),
    // Test endpoints listen on 127.0.0.1.
    webhookAllowPrivateNetworks: true,
    ...overrides,
  };
}

export async function createTestApp(
  options: { clock?: Clock; config?: Partial<Config>; database?: DatabaseHandle } = {},
): Promise<TestApp> {
  const database = options.database ?? (await createTestDatabase());
  const built = await buildApp({
    config: testConfig(options.config),
    database,
    ...(options.clock ? { clock: options.clock } : {}),
  });
  return {
    ...built,
    database,
    shutdown: async () => {
      await built.close();
      if (!options.database) await database.close();
    },
  };
}

let ipCounter = randomInt(0, 1 << 22);
/** A fresh client address, so that per-IP rate limits of one test do not touch another. */
export function nextIp(): string {
  ipCounter += 1;
  return `10.${(ipCounter >> 16) & 255}.${(ipCounter >> 8) & 255}.${ipCounter & 255}`;
}

export interface Client {
  token: string;
  userId: string;
  request(method: string, url: string, body?: unknown): Promise<LightMyRequestResponse>;
}

let userCounter = 0;
export function uniqueUsername(prefix = 'user'): string {
  userCounter += 1;
  return `${prefix}_${process.pid}_${userCounter}`;
}

/** Signs a new user up over HTTP and returns a client carrying their token. */
export async function signupClient(
  app: BuiltApp['app'],
  body: { username?: string; phone?: string; password?: string; displayName?: string } = {},
): Promise<Client & { username: string | undefined; password: string }> {
  const password = body.password ?? 'correct horse battery';
  const payload = {
    ...body,
    password,
    ...(body.username || body.phone ? {} : { username: uniqueUsername() }),
  };
  const res = await app.inject({ method: 'POST', url: '/v1/auth/signup', payload, remoteAddress: nextIp() });
  if (res.statusCode !== 201) throw new Error(`signup failed: ${res.statusCode} ${res.body}`);
  const json = res.json() as { token: string; user: { id: string } };
  return clientFor(app, json.token, json.user.id, { username: payload.username, password });
}

export function clientFor<T extends object>(
  app: BuiltApp['app'],
  token: string,
  userId: string,
  extra: T,
): Client & T {
  return {
    ...extra,
    token,
    userId,
    request: (method, url, body) =>
      app.inject({
        method: method as 'GET',
        url,
        headers: { authorization: `Bearer ${token}` },
        remoteAddress: nextIp(),
        ...(body === undefined ? {} : { payload: body as object }),
      }),
  };
}
