import { type Kysely, type Selectable, sql, type Transaction } from 'kysely';
import type { Database, FamilyGrantsTable, FamilyGrantUsesTable } from '../platform/db/schema.js';

export type GrantRow = Selectable<FamilyGrantsTable>;
export type UseRow = Selectable<FamilyGrantUsesTable>;
type Db = Kysely<Database> | Transaction<Database>;

/** The only place family pay talks SQL. */
export class FamilyPayRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Serialises the grant offers of one granter (the maximum of live grants holds). */
  async lockGranter(trx: Transaction<Database>, granterId: string): Promise<void> {
    await sql`SELECT pg_advisory_xact_lock(hashtextextended(${`family.granter:${granterId}`}, 0))`.execute(
      trx,
    );
  }

  async insertGrant(trx: Transaction<Database>, row: GrantRow): Promise<void> {
    await trx.insertInto('family_grants').values(row).execute();
  }

  findGrant(id: string, db: Db = this.db): Promise<GrantRow | undefined> {
    return db.selectFrom('family_grants').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** The grant row, locked until the transaction ends: payments through it run one at a time. */
  lockGrant(trx: Transaction<Database>, id: string): Promise<GrantRow | undefined> {
    return trx.selectFrom('family_grants').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
  }

  /** Grants of a granter that are not ended (the caller sorts out lapsed offers). */
  notEndedOf(trx: Transaction<Database>, granterId: string): Promise<GrantRow[]> {
    return trx
      .selectFrom('family_grants')
      .selectAll()
      .where('granter_id', '=', granterId)
      .where('status', '<>', 'ended')
      .execute();
  }

  listFor(userId: string, limit: number): Promise<GrantRow[]> {
    return this.db
      .selectFrom('family_grants')
      .selectAll()
      .where((eb) => eb.or([eb('granter_id', '=', userId), eb('grantee_id', '=', userId)]))
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
  }

  async accept(trx: Transaction<Database>, id: string, now: Date): Promise<GrantRow> {
    return trx
      .updateTable('family_grants')
      .set({ status: 'active', accepted_at: now })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  async end(trx: Transaction<Database>, id: string, by: string, now: Date): Promise<GrantRow> {
    return trx
      .updateTable('family_grants')
      .set({ status: 'ended', ended_at: now, ended_by: by })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  async usedIn(grantId: string, month: string, db: Db = this.db): Promise<bigint> {
    const row = await db
      .selectFrom('family_grant_usage')
      .select('used')
      .where('grant_id', '=', grantId)
      .where('month', '=', month)
      .executeTakeFirst();
    return row ? BigInt(row.used) : 0n;
  }

  async usedInMany(grantIds: readonly string[], month: string): Promise<Map<string, bigint>> {
    if (grantIds.length === 0) return new Map();
    const rows = await this.db
      .selectFrom('family_grant_usage')
      .select(['grant_id', 'used'])
      .where('grant_id', 'in', grantIds)
      .where('month', '=', month)
      .execute();
    return new Map(rows.map((r) => [r.grant_id, BigInt(r.used)]));
  }

  /** Counts a payment against the month (in the payment's transaction). */
  async addUsage(trx: Transaction<Database>, grantId: string, month: string, amount: bigint): Promise<void> {
    await trx
      .insertInto('family_grant_usage')
      .values({ grant_id: grantId, month, used: amount })
      .onConflict((oc) =>
        oc
          .columns(['grant_id', 'month'])
          .doUpdateSet({ used: sql<bigint>`family_grant_usage.used + ${amount}` }),
      )
      .execute();
  }

  /** Gives back part of a month's usage (a refund of a payment through the grant). */
  async releaseUsage(
    trx: Transaction<Database>,
    grantId: string,
    month: string,
    amount: bigint,
  ): Promise<void> {
    await trx
      .updateTable('family_grant_usage')
      .set({ used: sql<bigint>`greatest(used - ${amount}, 0)` })
      .where('grant_id', '=', grantId)
      .where('month', '=', month)
      .execute();
  }

  findUse(transferId: string, db: Db = this.db): Promise<UseRow | undefined> {
    return db
      .selectFrom('family_grant_uses')
      .selectAll()
      .where('transfer_id', '=', transferId)
      .executeTakeFirst();
  }

  async insertUse(trx: Transaction<Database>, row: UseRow): Promise<void> {
    await trx.insertInto('family_grant_uses').values(row).execute();
  }

  uses(grantId: string, limit: number): Promise<UseRow[]> {
    return this.db
      .selectFrom('family_grant_uses')
      .selectAll()
      .where('grant_id', '=', grantId)
      .orderBy('created_at', 'desc')
      .orderBy('transfer_id', 'desc')
      .limit(limit)
      .execute();
  }
}
