import { type Kysely, type Selectable, sql, type Transaction, type Updateable } from 'kysely';
import type { Database, MiniappsTable } from '../platform/db/schema.js';

/** A registered mini app as stored (with its key hashes and webhook secret). */
export type MiniAppRow = Selectable<MiniappsTable>;
type Db = Kysely<Database> | Transaction<Database>;

/** The only place the mini-app registry talks SQL. */
export class RegistryRepository {
  constructor(private readonly db: Kysely<Database>) {}

  // ── Apps ─────────────────────────────────────────────────────────────────

  /** Serialises the registrations of one developer (the per-developer maximum holds). */
  async lockDeveloper(trx: Transaction<Database>, developerId: string): Promise<void> {
    await sql`SELECT pg_advisory_xact_lock(hashtextextended(${`miniapps.developer:${developerId}`}, 0))`.execute(
      trx,
    );
  }

  async countOf(developerId: string, db: Db = this.db): Promise<number> {
    const row = await db
      .selectFrom('miniapps')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('developer_id', '=', developerId)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async insertApp(trx: Transaction<Database>, row: MiniAppRow): Promise<void> {
    await trx.insertInto('miniapps').values(row).execute();
  }

  findApp(id: string, db: Db = this.db): Promise<MiniAppRow | undefined> {
    return db.selectFrom('miniapps').selectAll().where('id', '=', id).executeTakeFirst();
  }

  lockApp(trx: Transaction<Database>, id: string): Promise<MiniAppRow | undefined> {
    return trx.selectFrom('miniapps').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
  }

  async updateApp(
    trx: Transaction<Database>,
    id: string,
    set: Updateable<MiniappsTable>,
  ): Promise<MiniAppRow> {
    return trx.updateTable('miniapps').set(set).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
  }

  appsOf(developerId: string, limit: number): Promise<MiniAppRow[]> {
    return this.db
      .selectFrom('miniapps')
      .selectAll()
      .where('developer_id', '=', developerId)
      .orderBy('created_at', 'asc')
      .orderBy('id', 'asc')
      .limit(limit)
      .execute();
  }

  appsWithStatus(status: MiniappsTable['status'] | undefined, limit: number): Promise<MiniAppRow[]> {
    let q = this.db.selectFrom('miniapps').selectAll();
    if (status) q = q.where('status', '=', status);
    return q.orderBy('created_at', 'asc').orderBy('id', 'asc').limit(limit).execute();
  }

  appByKeyHash(mode: 'live' | 'test', hash: string): Promise<MiniAppRow | undefined> {
    return this.db
      .selectFrom('miniapps')
      .selectAll()
      .where(mode === 'live' ? 'live_key_hash' : 'test_key_hash', '=', hash)
      .executeTakeFirst();
  }

  // ── Login codes and openids ──────────────────────────────────────────────

  async insertLoginCode(
    trx: Transaction<Database>,
    row: { code_hash: string; app_id: string; user_id: string; created_at: Date; expires_at: Date },
  ): Promise<void> {
    await trx
      .insertInto('miniapp_login_codes')
      .values({ ...row, used_at: null })
      .execute();
  }

  /** Deletes up to `limit` codes that are spent or lapsed; answers how many. */
  async deleteSpentCodes(now: Date, limit: number): Promise<number> {
    const result = await this.db
      .deleteFrom('miniapp_login_codes')
      .where(
        'code_hash',
        'in',
        this.db
          .selectFrom('miniapp_login_codes')
          .select('code_hash')
          .where((eb) => eb.or([eb('expires_at', '<=', now), eb('used_at', 'is not', null)]))
          .limit(limit),
      )
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async anyLoginCode(): Promise<boolean> {
    const row = await this.db
      .selectFrom('miniapp_login_codes')
      .select('code_hash')
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  /**
   * Spends a login code of this app that is unused and not expired, in one statement: of
   * any number of concurrent redeemers exactly one gets the user id.
   */
  async redeemLoginCode(
    codeHash: string,
    appId: string,
    now: Date,
    db: Db = this.db,
  ): Promise<string | undefined> {
    const row = await db
      .updateTable('miniapp_login_codes')
      .set({ used_at: now })
      .where('code_hash', '=', codeHash)
      .where('app_id', '=', appId)
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .returning('user_id')
      .executeTakeFirst();
    return row?.user_id;
  }

  async rememberOpenid(
    appId: string,
    userId: string,
    openid: string,
    now: Date,
    db: Db = this.db,
  ): Promise<void> {
    await db
      .insertInto('miniapp_openids')
      .values({ app_id: appId, user_id: userId, openid, created_at: now })
      // The openid is a function of (app, user): a concurrent first use stored the same row,
      // and meets this one on either unique index.
      .onConflict((oc) => oc.doNothing())
      .execute();
  }

  async userIdForOpenid(appId: string, openid: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('miniapp_openids')
      .select('user_id')
      .where('app_id', '=', appId)
      .where('openid', '=', openid)
      .executeTakeFirst();
    return row?.user_id;
  }

  // ── Scope grants ─────────────────────────────────────────────────────────

  async grantedScopes(appId: string, userId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('miniapp_scope_grants')
      .select('scope')
      .where('app_id', '=', appId)
      .where('user_id', '=', userId)
      .execute();
    return rows.map((r) => r.scope);
  }

  async grantScopes(appId: string, userId: string, scopes: readonly string[], now: Date): Promise<void> {
    if (scopes.length === 0) return;
    await this.db
      .insertInto('miniapp_scope_grants')
      .values(scopes.map((scope) => ({ app_id: appId, user_id: userId, scope, granted_at: now })))
      .onConflict((oc) => oc.columns(['app_id', 'user_id', 'scope']).doNothing())
      .execute();
  }

  async revokeScope(appId: string, userId: string, scope: string): Promise<void> {
    await this.db
      .deleteFrom('miniapp_scope_grants')
      .where('app_id', '=', appId)
      .where('user_id', '=', userId)
      .where('scope', '=', scope)
      .execute();
  }

  // ── Storage ──────────────────────────────────────────────────────────────

  async storageGet(appId: string, userId: string, key: string): Promise<{ value: unknown } | undefined> {
    return this.db
      .selectFrom('miniapp_storage')
      .select('value')
      .where('app_id', '=', appId)
      .where('user_id', '=', userId)
      .where('key', '=', key)
      .executeTakeFirst();
  }

  /** Serialises the writes of one app for one user (the key count holds). */
  async lockStorage(trx: Transaction<Database>, appId: string, userId: string): Promise<void> {
    await sql`SELECT pg_advisory_xact_lock(hashtextextended(${`miniapps.storage:${appId}:${userId}`}, 0))`.execute(
      trx,
    );
  }

  async storageKeyCount(trx: Transaction<Database>, appId: string, userId: string): Promise<number> {
    const row = await trx
      .selectFrom('miniapp_storage')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('app_id', '=', appId)
      .where('user_id', '=', userId)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async storageHas(trx: Transaction<Database>, appId: string, userId: string, key: string): Promise<boolean> {
    const row = await trx
      .selectFrom('miniapp_storage')
      .select('key')
      .where('app_id', '=', appId)
      .where('user_id', '=', userId)
      .where('key', '=', key)
      .executeTakeFirst();
    return row !== undefined;
  }

  async storagePut(
    trx: Transaction<Database>,
    row: { app_id: string; user_id: string; key: string; json: string; now: Date },
  ): Promise<void> {
    await trx
      .insertInto('miniapp_storage')
      .values({
        app_id: row.app_id,
        user_id: row.user_id,
        key: row.key,
        value: row.json,
        updated_at: row.now,
      })
      .onConflict((oc) =>
        oc.columns(['app_id', 'user_id', 'key']).doUpdateSet({ value: row.json, updated_at: row.now }),
      )
      .execute();
  }

  async storageRemove(appId: string, userId: string, key: string): Promise<void> {
    await this.db
      .deleteFrom('miniapp_storage')
      .where('app_id', '=', appId)
      .where('user_id', '=', userId)
      .where('key', '=', key)
      .execute();
  }
}
