import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Database, SessionsTable, UsersTable } from '../platform/db/schema.js';

export type UserRow = Selectable<UsersTable>;
export type SessionRow = Selectable<SessionsTable>;
type Db = Kysely<Database> | Transaction<Database>;

/** Postgres reports a unique violation with SQLSTATE 23505 and the constraint's name. */
export function uniqueViolation(error: unknown): string | null {
  const e = error as { code?: string; constraint?: string; detail?: string; message?: string };
  if (e?.code !== '23505') return null;
  return e.constraint ?? e.message ?? 'unique';
}

/** The only place that speaks SQL for accounts, sessions and the security trail. */
export class IdentityRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insertUser(db: Db, user: UserRow): Promise<void> {
    await db.insertInto('users').values(user).execute();
  }

  findUserById(id: string, db: Db = this.db): Promise<UserRow | undefined> {
    return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async findUsersByIds(ids: readonly string[]): Promise<UserRow[]> {
    if (ids.length === 0) return [];
    return this.db
      .selectFrom('users')
      .selectAll()
      .where('id', 'in', [...ids])
      .execute();
  }

  findUserByUsername(username: string): Promise<UserRow | undefined> {
    return this.db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
  }

  findUserByPhone(phone: string): Promise<UserRow | undefined> {
    return this.db.selectFrom('users').selectAll().where('phone', '=', phone).executeTakeFirst();
  }

  async updateProfile(
    id: string,
    patch: Partial<Pick<UserRow, 'display_name' | 'bio' | 'region'>>,
    now: Date,
  ): Promise<UserRow | undefined> {
    return this.db
      .updateTable('users')
      .set({ ...patch, updated_at: now })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
  }

  async updateAdminFields(
    id: string,
    patch: Partial<Pick<UserRow, 'role' | 'kyc_tier'>>,
    now: Date,
  ): Promise<UserRow | undefined> {
    return this.db
      .updateTable('users')
      .set({ ...patch, updated_at: now })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
  }

  async setPasswordHash(db: Db, id: string, passwordHash: string, now: Date): Promise<void> {
    await db
      .updateTable('users')
      .set({ password_hash: passwordHash, updated_at: now })
      .where('id', '=', id)
      .execute();
  }

  async setPinHash(db: Db, id: string, pinHash: string, now: Date): Promise<void> {
    await db
      .updateTable('users')
      .set({ pin_hash: pinHash, pin_failed_attempts: 0, pin_locked_until: null, updated_at: now })
      .where('id', '=', id)
      .execute();
  }

  /** Reads the PIN state under a row lock: concurrent attempts on one account queue here. */
  lockPinState(
    trx: Transaction<Database>,
    id: string,
  ): Promise<Pick<UserRow, 'pin_hash' | 'pin_failed_attempts' | 'pin_locked_until'> | undefined> {
    return trx
      .selectFrom('users')
      .select(['pin_hash', 'pin_failed_attempts', 'pin_locked_until'])
      .where('id', '=', id)
      .forUpdate()
      .executeTakeFirst();
  }

  async writePinState(
    trx: Transaction<Database>,
    id: string,
    failedAttempts: number,
    lockedUntil: Date | null,
  ): Promise<void> {
    await trx
      .updateTable('users')
      .set({ pin_failed_attempts: failedAttempts, pin_locked_until: lockedUntil })
      .where('id', '=', id)
      .execute();
  }

  async insertSession(db: Db, session: SessionRow): Promise<void> {
    await db.insertInto('sessions').values(session).execute();
  }

  /** A live session by token hash, with the role of its user. */
  findActiveSession(
    tokenHash: string,
    now: Date,
  ): Promise<(SessionRow & { role: UserRow['role'] }) | undefined> {
    return this.db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .selectAll('sessions')
      .select('users.role')
      .where('sessions.token_hash', '=', tokenHash)
      .where('sessions.revoked_at', 'is', null)
      .where('sessions.expires_at', '>', now)
      .executeTakeFirst();
  }

  async touchSession(id: string, now: Date, expiresAt: Date): Promise<void> {
    await this.db
      .updateTable('sessions')
      .set({ last_seen_at: now, expires_at: expiresAt })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .execute();
  }

  listActiveSessions(userId: string, now: Date): Promise<SessionRow[]> {
    return this.db
      .selectFrom('sessions')
      .selectAll()
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now)
      .orderBy('last_seen_at', 'desc')
      .orderBy('id', 'desc')
      .execute();
  }

  /** Revokes one of the user's live sessions; false when there is none with that id. */
  async revokeSession(userId: string, sessionId: string, now: Date): Promise<boolean> {
    const result = await this.db
      .updateTable('sessions')
      .set({ revoked_at: now })
      .where('id', '=', sessionId)
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async revokeOtherSessions(
    db: Db,
    userId: string,
    keepSessionId: string | null,
    now: Date,
  ): Promise<number> {
    let query = db
      .updateTable('sessions')
      .set({ revoked_at: now })
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null);
    if (keepSessionId) query = query.where('id', '!=', keepSessionId);
    const result = await query.executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  /** Revokes the oldest live sessions beyond `keep` (a user may not pile up devices forever). */
  async revokeOldestBeyond(db: Db, userId: string, keep: number, now: Date): Promise<void> {
    const stale = await db
      .selectFrom('sessions')
      .select('id')
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .orderBy('last_seen_at', 'desc')
      .orderBy('id', 'desc')
      .offset(keep)
      .limit(1000)
      .execute();
    if (stale.length === 0) return;
    await db
      .updateTable('sessions')
      .set({ revoked_at: now })
      .where(
        'id',
        'in',
        stale.map((s) => s.id),
      )
      .execute();
  }

  async insertSecurityEvent(
    db: Db,
    event: {
      id: string;
      userId: string;
      kind: string;
      ip: string | null;
      detail: Record<string, unknown>;
      at: Date;
    },
  ): Promise<void> {
    await db
      .insertInto('security_events')
      .values({
        id: event.id,
        user_id: event.userId,
        kind: event.kind,
        ip: event.ip,
        detail: JSON.stringify(event.detail),
        created_at: event.at,
      })
      .execute();
  }

  countSecurityEvents(userId: string, kind: string): Promise<number> {
    return this.db
      .selectFrom('security_events')
      .select((eb) => eb.fn.countAll<bigint>().as('n'))
      .where('user_id', '=', userId)
      .where('kind', '=', kind)
      .executeTakeFirstOrThrow()
      .then((r) => Number(r.n));
  }
}
