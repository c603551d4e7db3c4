import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');

/** `node … jiaozi` from the TypeScript sources (no build needed); append the command. */
export const jiaoziCli = [
  '--conditions=source',
  '--import',
  'tsx',
  resolve(root, 'packages/server/src/cli/main.ts'),
];

/** The environment of a server process for tests and benches: quiet, cheap hashing, no web client. */
export function serverEnv(port: number, extra: Record<string, string>): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    ARGON2_MEMORY_KIB: '1024',
    ARGON2_TIME_COST: '1',
    RATE_LIMITS: 'false',
    WEB_DIST_DIR: '/nonexistent',
    ...extra,
  };
}

/** Starts `jiaozi serve` as its own process and waits (up to 30 s) until /readyz answers. */
export async function startServer(
  port: number,
  env: NodeJS.ProcessEnv,
  nodeArgs: readonly string[] = [],
  serveArgs: readonly string[] = [],
): Promise<ChildProcess> {
  const child = spawn(process.execPath, [...nodeArgs, ...jiaoziCli, 'serve', ...serveArgs], {
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok) return child;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`the server on port ${port} did not start`);
}

/**
 * One JSON request to a server process; `json` is null when the answer has no JSON body.
 * Tried up to three times: a kept-alive socket the server has just closed fails once.
 */
export async function callServer(
  port: number,
  method: string,
  path: string,
  token: string | null,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> | null }> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await callServerOnce(port, method, path, token, body);
    } catch (error) {
      if (attempt >= 2) throw error;
    }
  }
}

async function callServerOnce(
  port: number,
  method: string,
  path: string,
  token: string | null,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> | null }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, json: (await res.json().catch(() => null)) as Record<string, unknown> | null };
}

/** Postgres that server processes of tests run on (they create and drop their own databases). */
export const testAdminUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** One statement as the Postgres admin (CREATE / DROP DATABASE for a test's server processes). */
export async function adminQuery(query: string): Promise<void> {
  const client = new pg.Client({ connectionString: testAdminUrl });
  await client.connect();
  try {
    await client.query(query);
  } finally {
    await client.end();
  }
}
