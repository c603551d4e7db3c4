import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { DatabaseHandle } from '../platform/db/connect.js';
import { createTestApp, signupClient, type TestApp } from '../test/app.js';
import { createTestDatabase } from '../test/db.js';
import { jiaoziCli } from '../test/processes.js';

const run = promisify(execFile);

/** `jiaozi miniapps list` and `approve` as an operator runs them: a process on the database. */
let database: DatabaseHandle;
let t: TestApp;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  database = await createTestDatabase();
  t = await createTestApp({ database });
  const { rows } = await sql<{ db: string }>`SELECT current_database() AS db`.execute(database.db);
  const u = new URL(process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  u.pathname = `/${rows[0]?.db}`;
  env = { ...process.env, DATABASE_URL: u.toString(), LOG_LEVEL: 'warn', JOB_RUNNER: 'false' };
});

afterAll(async () => {
  await t?.shutdown();
  await database?.close();
});

it('approves an app from the shell; it is then in Discover', { timeout: 60_000 }, async () => {
  const dev = await signupClient(t.app);
  const { app } = await t.services.miniapps.create(dev.userId, {
    name: 'Shop',
    description: 'Things',
    origin: 'http://localhost:8092',
    scopes: ['profile'],
  });
  const listed = await run(process.execPath, [...jiaoziCli, 'miniapps', 'list', '--status', 'pending'], {
    env,
  });
  expect(listed.stdout).toBe(`${app.id}  pending    Shop  http://localhost:8092\n`);
  const approved = await run(process.execPath, [...jiaoziCli, 'miniapps', 'approve', app.id], { env });
  expect(approved.stdout).toBe(`Shop (${app.id}) is approved; it is listed in Discover.\n`);
  expect((await t.services.miniapps.discover()).map((a) => a.id)).toEqual([app.id]);
  const failed = await run(process.execPath, [...jiaoziCli, 'miniapps', 'approve', 'nope'], { env }).catch(
    (error: { code: number; stderr: string }) => error,
  );
  expect(failed).toMatchObject({ code: expect.any(Number) });
  expect((failed as { stderr: string }).stderr).toContain('Name one app by its id');
});
