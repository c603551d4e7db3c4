import type { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminQuery, callServer, serverEnv, startServer, testAdminUrl } from '../test/processes.js';

const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Pids of the live (not zombie) child processes of `pid`. */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(ppid) === pid && state !== 'Z') out.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return out.sort((a, b) => a - b);
}

async function until<T>(check: () => T | null | Promise<T | null>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** `jiaozi serve --workers 2`: one port, two processes, a dead worker replaced, a clean stop. */
describe('serve --workers', () => {
  const dbName = `jiaozi_test_cluster_${Math.floor(Date.now() / 1000)}_${process.pid}`;
  const port = 16_000 + Math.floor(Math.random() * 1000);
  let primary: ChildProcess;

  beforeAll(async () => {
    await adminQuery(`CREATE DATABASE "${dbName}"`);
    const url = new URL(testAdminUrl);
    url.pathname = `/${dbName}`;
    primary = await startServer(
      port,
      serverEnv(port, { DATABASE_URL: url.toString(), REDIS_URL: redisUrl }),
      [],
      ['--workers', '2'],
    );
  }, 60_000);

  afterAll(async () => {
    if (primary && primary.exitCode === null) primary.kill('SIGKILL');
    for (const pid of primary?.pid ? childrenOf(primary.pid) : []) process.kill(pid, 'SIGKILL');
    await adminQuery(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
  });

  it('serves from two workers, replaces one that dies, and stops them all on SIGTERM', async () => {
    const pid = primary.pid as number;
    const workers = await until(() => {
      const list = childrenOf(pid);
      return list.length === 2 ? list : null;
    }, 60_000);

    const signup = await callServer(port, 'POST', '/v1/auth/signup', null, {
      username: `cluster_${process.pid}`,
      password: 'cluster-password',
    });
    expect(signup.status).toBe(201);
    const token = String(signup.json?.token);
    // Kept-alive connections may land on either worker; every one answers.
    for (let i = 0; i < 10; i++) {
      expect((await callServer(port, 'GET', '/v1/me', token)).status).toBe(200);
    }

    process.kill(workers[0] as number, 'SIGKILL');
    const replaced = await until(() => {
      const list = childrenOf(pid);
      return list.length === 2 && !list.includes(workers[0] as number) ? list : null;
    }, 15_000);
    expect(replaced).toContain(workers[1]);
    await until(
      async () =>
        (await callServer(port, 'GET', '/readyz', null).catch(() => ({ status: 0 }))).status === 200,
      15_000,
    );
    for (let i = 0; i < 10; i++) {
      expect((await callServer(port, 'GET', '/v1/me', token)).status).toBe(200);
    }

    const exited = new Promise<number | null>((resolve) => primary.once('exit', (code) => resolve(code)));
    primary.kill('SIGTERM');
    expect(await exited).toBe(0);
    for (const worker of replaced) expect(() => process.kill(worker, 0)).toThrow();
  }, 150_000);
});
