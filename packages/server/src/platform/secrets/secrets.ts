import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Clock } from '../../kernel/clock.js';
import type { Database } from '../db/schema.js';

/**
 * Server-side secrets (signing keys for QR codes, bank callbacks …) generated once and kept
 * in the database, so that every node of a cluster signs and verifies alike.
 */
export class Secrets {
  readonly #cache = new Map<string, Buffer>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
  ) {}

  async get(name: string): Promise<Buffer> {
    const cached = this.#cache.get(name);
    if (cached) return cached;
    await this.db
      .insertInto('server_secrets')
      .values({ name, secret: randomBytes(32).toString('base64'), created_at: this.clock.now() })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
    const row = await this.db
      .selectFrom('server_secrets')
      .select('secret')
      .where('name', '=', name)
      .executeTakeFirstOrThrow();
    const secret = Buffer.from(row.secret, 'base64');
    this.#cache.set(name, secret);
    return secret;
  }
}

export function hmacHex(secret: Buffer, message: string): string {
  return createHmac('sha256', secret).update(message).digest('hex');
}

/** Compares two hex signatures in constant time. */
export function sameSignature(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}
