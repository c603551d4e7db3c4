import type { ErrorBody } from '@jiaozi/protocol';
import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { newId } from '../kernel/ids.js';
import type { Client } from './app.js';

/** Answers counted by status and error code, e.g. `{ 201: 1, '409 idempotency_conflict': 19 }`. */
export function tally(responses: readonly LightMyRequestResponse[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of responses) {
    const code = r.statusCode >= 400 ? ` ${(r.json() as ErrorBody).error.code}` : '';
    out[`${r.statusCode}${code}`] = (out[`${r.statusCode}${code}`] ?? 0) + 1;
  }
  return out;
}

/** Makes two users friends over HTTP (a request, then its acceptance). */
export async function befriend(a: Client, b: Client): Promise<void> {
  const req = await a.request('POST', '/v1/friend-requests', { id: newId(), to: { userId: b.userId } });
  expect(req.statusCode, req.body).toBe(201);
  const res = await b.request('POST', `/v1/friend-requests/${(req.json() as { id: string }).id}/accept`);
  expect(res.statusCode, res.body).toBe(200);
}

export function expectError(res: LightMyRequestResponse, status: number, code: string): void {
  expect(res.statusCode, res.body).toBe(status);
  expect((res.json() as ErrorBody).error.code).toBe(code);
}

/** The body of an answer that must have this status. */
export function ok<T>(res: LightMyRequestResponse, status = 200): T {
  expect(res.statusCode, res.body).toBe(status);
  return (res.statusCode === 204 ? null : res.json()) as T;
}
