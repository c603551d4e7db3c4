import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CreatedApp, MiniAppScope } from '@jiaozi/protocol';
import { DEMO_PASSWORD } from '../packages/server/src/admin/demo.js';
import { nextIp, type TestApp } from '../packages/server/src/test/app.js';

/** A JSON-RPC answer as the fixture app's hand-written bridge client sees it. */
export interface BridgeAnswer {
  jsonrpc: '2.0';
  id: number;
  result?: unknown;
  error?: { code: number; message: string; data: { code: string; details?: unknown } };
}

/** What the fixture pages (e2e/fixtures/miniapp) put on `window`. */
declare global {
  interface Window {
    bridgeReady: Promise<{ appId: string; origin: string; capabilities: unknown }>;
    call: (method: string, params?: unknown) => Promise<BridgeAnswer>;
    rpc: (envelope: Record<string, unknown>) => Promise<BridgeAnswer>;
    connects: unknown[];
    received: unknown[];
    helloSent: boolean;
    payAnswer: Promise<BridgeAnswer>;
    pending: Promise<BridgeAnswer>;
  }
}

/** Helpers of the mini-app browser tests: REST calls as a user, apps registered and approved, a static origin. */

export const FIXTURE_DIR = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'miniapp');

export interface Caller {
  token: string;
  userId: string;
  call<T = Record<string, unknown>>(
    method: string,
    url: string,
    payload?: object,
    headers?: Record<string, string>,
  ): Promise<T>;
}

async function inject(
  t: TestApp,
  method: string,
  url: string,
  headers: Record<string, string>,
  payload?: object,
): Promise<{ status: number; body: unknown; text: string }> {
  const res = await t.app.inject({
    method: method as 'GET',
    url,
    headers,
    remoteAddress: nextIp(),
    ...(payload ? { payload } : {}),
  });
  let body: unknown;
  try {
    body = res.body === '' ? undefined : JSON.parse(res.body);
  } catch {
    body = res.body;
  }
  return { status: res.statusCode, body, text: res.body };
}

/** Logs a demo user in over the API. */
export async function caller(t: TestApp, username: string): Promise<Caller> {
  const login = await inject(t, 'POST', '/v1/auth/login', {}, { login: username, password: DEMO_PASSWORD });
  const { token, user } = login.body as { token: string; user: { id: string } };
  return {
    token,
    userId: user.id,
    async call<T>(method: string, url: string, payload?: object, headers: Record<string, string> = {}) {
      const res = await inject(t, method, url, { authorization: `Bearer ${token}`, ...headers }, payload);
      if (res.status >= 300) throw new Error(`${method} ${url}: ${res.status} ${res.text}`);
      return res.body as T;
    },
  };
}

/** A call with an app's secret key (the merchant API). */
export async function merchantCall<T = Record<string, unknown>>(
  t: TestApp,
  secret: string,
  method: string,
  url: string,
  payload?: object,
  headers: Record<string, string> = {},
): Promise<T> {
  const res = await inject(t, method, url, { authorization: `Bearer ${secret}`, ...headers }, payload);
  if (res.status >= 300) throw new Error(`${method} ${url}: ${res.status} ${res.text}`);
  return res.body as T;
}

/** Registers an app as `developer` through the console's API and approves it as `admin`. */
export async function registerApproved(
  developer: Caller,
  admin: Caller,
  app: {
    name: string;
    description: string;
    origin: string;
    scopes: MiniAppScope[];
    webhookUrl?: string;
    iconUrl?: string;
  },
): Promise<CreatedApp> {
  const created = await developer.call<CreatedApp>('POST', '/v1/developer/apps', app);
  await admin.call('POST', `/v1/admin/miniapps/${created.app.id}/approve`);
  return created;
}

/** Serves `dir` as static files on 127.0.0.1:`port`: a mini app's own origin. */
export async function serveStatic(
  dir: string,
  port: number,
): Promise<{ origin: string; close: () => Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const file = path === '/' ? 'index.html' : path.slice(1);
    if (!/^[\w.-]+\.html$/.test(file)) {
      res.writeHead(404).end();
      return;
    }
    readFile(join(dir, file)).then(
      (body) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(body),
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
