import { type ChildProcess, execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../kernel/ids.js';
import type { DatabaseHandle } from '../platform/db/connect.js';
import { createTestDatabase } from '../test/db.js';
import { callServer, jiaoziCli, serverEnv, startServer } from '../test/processes.js';

const run = promisify(execFile);

/**
 * Crash test: a real server process takes a load of transfers and is killed with SIGKILL
 * in the middle. After a restart every transfer that was acknowledged to a client is there,
 * and `jiaozi ledger verify` passes.
 */
describe('kill -9 in the middle of a load of transfers', () => {
  let database: DatabaseHandle;
  let url: string;
  let server: ChildProcess | undefined;
  // Its own port range (17000–17999): the two-node test takes 18000–18999, and they may run at once.
  const port = 17_000 + Math.floor(Math.random() * 1000);

  const env = () => serverEnv(port, { DATABASE_URL: url });
  const start = () => startServer(port, env());
  const call = (method: string, path: string, token: string | null, body?: unknown) =>
    callServer(port, method, path, token, body);

  beforeAll(async () => {
    database = await createTestDatabase();
    const { rows } = await sql<{ db: string }>`SELECT current_database() AS db`.execute(database.db);
    const u = new URL(process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
    u.pathname = `/${rows[0]?.db}`;
    url = u.toString();
  });
  afterAll(async () => {
    server?.kill('SIGKILL');
    await database?.close();
  });

  it('keeps every acknowledged transfer and a consistent ledger', { timeout: 120_000 }, async () => {
    server = await start();
    const users: { token: string; username: string }[] = [];
    for (const name of ['crash_payer', 'crash_payee']) {
      const res = await call('POST', '/v1/auth/signup', null, {
        username: name,
        password: 'crash-test-password',
      });
      expect(res.status).toBe(201);
      const token = String(res.json?.token);
      expect(
        (await call('PUT', '/v1/me/pin', token, { pin: '135790', password: 'crash-test-password' })).status,
      ).toBe(204);
      users.push({ token, username: name });
    }
    const [payer, payee] = users as [(typeof users)[0], (typeof users)[0]];
    // Fund the payer through the real top-up path: a card, then the (simulated) bank's confirmation.
    const card = await call('POST', '/v1/wallet/cards', payer.token, {
      bankName: 'Test Bank',
      cardNumber: '4111111111111111',
      holderName: 'Payer',
    });
    const topUp = await call('POST', '/v1/wallet/topups', payer.token, {
      id: newId(),
      cardId: card.json?.id,
      amountMinor: 150_000,
    });
    expect(topUp.status).toBe(202);
    for (let i = 0; i < 100; i++) {
      const op = await call('GET', `/v1/wallet/topups/${topUp.json?.id}`, payer.token);
      if (op.json?.status === 'succeeded') break;
      await new Promise((r) => setTimeout(r, 100));
    }

    const acknowledged: string[] = [];
    let stop = false;
    const clients = Array.from({ length: 12 }, async () => {
      while (!stop) {
        const id = newId();
        try {
          const res = await call('POST', '/v1/transfers', payer.token, {
            id,
            to: { username: payee.username },
            amountMinor: 1 + Math.floor(Math.random() * 50),
            pin: '135790',
          });
          if (res.status === 201) acknowledged.push(id);
        } catch {
          return; // the server is gone
        }
      }
    });
    while (acknowledged.length < 150) await new Promise((r) => setTimeout(r, 10));
    server.kill('SIGKILL');
    stop = true;
    await Promise.all(clients);
    expect(acknowledged.length).toBeGreaterThanOrEqual(150);

    server = await start();
    const missing: string[] = [];
    for (const id of acknowledged) {
      const res = await call('GET', `/v1/transfers/${id}`, payer.token);
      if (res.status !== 200) missing.push(id);
    }
    expect(missing).toEqual([]);
    server.kill('SIGKILL');
    server = undefined;

    const verify = await run(process.execPath, [...jiaoziCli, 'ledger', 'verify'], { env: env() });
    expect(verify.stdout).toContain('every invariant holds, the chain is intact');
  });
});
