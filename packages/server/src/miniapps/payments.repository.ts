import { type Kysely, type Selectable, sql, type Transaction } from 'kysely';
import type {
  Database,
  MiniappEventsTable,
  MiniappOrdersTable,
  MiniappRefundsTable,
  MiniappSettlementsTable,
  MiniappWebhookAttemptsTable,
  MiniappWebhookDeliveriesTable,
} from '../platform/db/schema.js';

export type OrderRow = Selectable<MiniappOrdersTable>;
export type RefundRow = Selectable<MiniappRefundsTable>;
export type SettlementRow = Selectable<MiniappSettlementsTable>;
export type EventRow = Selectable<MiniappEventsTable>;
export type DeliveryRow = Selectable<MiniappWebhookDeliveriesTable>;
export type AttemptRow = Selectable<MiniappWebhookAttemptsTable>;
export type Mode = 'live' | 'test';
type Executor = Kysely<Database> | Transaction<Database>;

/** What payments need to know of an app. */
export interface PayingApp {
  id: string;
  developer_id: string;
  name: string;
  icon_url: string | null;
  webhook_url: string | null;
  webhook_secret: string;
  status: string;
}

export interface IdempotencyKeyRow {
  fingerprint: string;
  resource_type: 'order' | 'refund' | 'settlement';
  resource_id: string;
}

/** The SQL of mini-app payments and webhooks. */
export class PaymentsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  app(appId: string, db: Executor = this.db): Promise<PayingApp | undefined> {
    return db
      .selectFrom('miniapps')
      .select(['id', 'developer_id', 'name', 'icon_url', 'webhook_url', 'webhook_secret', 'status'])
      .where('id', '=', appId)
      .executeTakeFirst();
  }

  // ── Idempotency keys ─────────────────────────────────────────────────────

  /** Takes the key for a new resource; false when the key is already taken (maybe just now). */
  async claimKey(
    trx: Transaction<Database>,
    row: {
      app_id: string;
      mode: Mode;
      key: string;
      fingerprint: string;
      resource_type: 'order' | 'refund' | 'settlement';
      resource_id: string;
      created_at: Date;
    },
  ): Promise<boolean> {
    const out = await trx
      .insertInto('miniapp_idempotency_keys')
      .values(row)
      .onConflict((oc) => oc.columns(['app_id', 'mode', 'key']).doNothing())
      .returning('key')
      .execute();
    return out.length === 1;
  }

  findKey(
    appId: string,
    mode: Mode,
    key: string,
    db: Executor = this.db,
  ): Promise<IdempotencyKeyRow | undefined> {
    return db
      .selectFrom('miniapp_idempotency_keys')
      .select(['fingerprint', 'resource_type', 'resource_id'])
      .where('app_id', '=', appId)
      .where('mode', '=', mode)
      .where('key', '=', key)
      .executeTakeFirst();
  }

  // ── Orders ───────────────────────────────────────────────────────────────

  async insertOrder(
    trx: Transaction<Database>,
    row: Omit<OrderRow, 'refunded' | 'metadata'> & { metadata: Record<string, string> },
  ): Promise<void> {
    await trx
      .insertInto('miniapp_orders')
      .values({ ...row, metadata: JSON.stringify(row.metadata) })
      .execute();
  }

  findOrder(id: string, db: Executor = this.db): Promise<OrderRow | undefined> {
    return db.selectFrom('miniapp_orders').selectAll().where('id', '=', id).executeTakeFirst();
  }

  findOrderByToken(tokenHash: string): Promise<OrderRow | undefined> {
    return this.db
      .selectFrom('miniapp_orders')
      .selectAll()
      .where('payment_token_hash', '=', tokenHash)
      .executeTakeFirst();
  }

  lockOrder(trx: Transaction<Database>, id: string): Promise<OrderRow | undefined> {
    return trx.selectFrom('miniapp_orders').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
  }

  async markPaid(
    trx: Transaction<Database>,
    id: string,
    paid: { paidWith: 'wallet' | 'family_grant'; grantId: string | null; transferId: string; at: Date },
  ): Promise<OrderRow> {
    return trx
      .updateTable('miniapp_orders')
      .set({
        status: 'paid',
        paid_with: paid.paidWith,
        grant_id: paid.grantId,
        payment_transfer_id: paid.transferId,
        paid_at: paid.at,
      })
      .where('id', '=', id)
      .where('status', '=', 'open')
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  async markEnded(
    trx: Transaction<Database>,
    id: string,
    status: 'closed' | 'expired',
    at: Date,
  ): Promise<OrderRow> {
    return trx
      .updateTable('miniapp_orders')
      .set(status === 'closed' ? { status, closed_at: at } : { status, expired_at: at })
      .where('id', '=', id)
      .where('status', '=', 'open')
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  async addRefunded(trx: Transaction<Database>, id: string, amount: bigint): Promise<OrderRow> {
    return trx
      .updateTable('miniapp_orders')
      .set({ refunded: sql<bigint>`refunded + ${amount}` })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  // ── Refunds ──────────────────────────────────────────────────────────────

  async insertRefund(trx: Transaction<Database>, row: RefundRow): Promise<void> {
    await trx.insertInto('miniapp_refunds').values(row).execute();
  }

  findRefund(id: string, db: Executor = this.db): Promise<RefundRow | undefined> {
    return db.selectFrom('miniapp_refunds').selectAll().where('id', '=', id).executeTakeFirst();
  }

  refundsOf(orderId: string, limit: number): Promise<RefundRow[]> {
    return this.db
      .selectFrom('miniapp_refunds')
      .selectAll()
      .where('order_id', '=', orderId)
      .orderBy('created_at')
      .orderBy('id')
      .limit(limit)
      .execute();
  }

  // ── Settlements ──────────────────────────────────────────────────────────

  async insertSettlement(trx: Transaction<Database>, row: SettlementRow): Promise<void> {
    await trx.insertInto('miniapp_settlements').values(row).execute();
  }

  findSettlement(id: string, db: Executor = this.db): Promise<SettlementRow | undefined> {
    return db.selectFrom('miniapp_settlements').selectAll().where('id', '=', id).executeTakeFirst();
  }

  findSettlementByHold(holdId: string): Promise<SettlementRow | undefined> {
    return this.db
      .selectFrom('miniapp_settlements')
      .selectAll()
      .where('hold_transfer_id', '=', holdId)
      .executeTakeFirst();
  }

  /** Ends a pending settlement; undefined when it was no longer pending. */
  finishSettlement(
    trx: Transaction<Database>,
    id: string,
    status: 'succeeded' | 'failed',
    reason: string | null,
    at: Date,
  ): Promise<SettlementRow | undefined> {
    return trx
      .updateTable('miniapp_settlements')
      .set({ status, failure_reason: reason, completed_at: at })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .returningAll()
      .executeTakeFirst();
  }

  async pendingSettlementsTotal(appId: string, mode: Mode): Promise<bigint> {
    const row = await this.db
      .selectFrom('miniapp_settlements')
      .select(sql<string>`coalesce(sum(amount), 0)::text`.as('total'))
      .where('app_id', '=', appId)
      .where('mode', '=', mode)
      .where('status', '=', 'pending')
      .executeTakeFirstOrThrow();
    return BigInt(row.total);
  }

  // ── Events ───────────────────────────────────────────────────────────────

  /** The next event number of an app and mode; the row stays locked until commit. */
  async nextEventSeq(trx: Transaction<Database>, appId: string, mode: Mode): Promise<bigint> {
    const row = await trx
      .insertInto('miniapp_event_heads')
      .values({ app_id: appId, mode, seq: 1n })
      .onConflict((oc) =>
        oc.columns(['app_id', 'mode']).doUpdateSet({ seq: sql<bigint>`miniapp_event_heads.seq + 1` }),
      )
      .returning('seq')
      .executeTakeFirstOrThrow();
    return BigInt(row.seq);
  }

  async insertEvent(trx: Transaction<Database>, row: EventRow): Promise<void> {
    await trx.insertInto('miniapp_events').values(row).execute();
  }

  findEvent(id: string, db: Executor = this.db): Promise<EventRow | undefined> {
    return db.selectFrom('miniapp_events').selectAll().where('id', '=', id).executeTakeFirst();
  }

  eventsAfter(appId: string, mode: Mode, afterSeq: bigint, limit: number): Promise<EventRow[]> {
    return this.db
      .selectFrom('miniapp_events')
      .selectAll()
      .where('app_id', '=', appId)
      .where('mode', '=', mode)
      .where('seq', '>', afterSeq)
      .orderBy('seq')
      .limit(limit)
      .execute();
  }

  // ── Webhook deliveries ───────────────────────────────────────────────────

  async insertDelivery(trx: Transaction<Database>, row: DeliveryRow): Promise<void> {
    await trx.insertInto('miniapp_webhook_deliveries').values(row).execute();
  }

  findDelivery(id: string, db: Executor = this.db): Promise<DeliveryRow | undefined> {
    return db.selectFrom('miniapp_webhook_deliveries').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Newest first; `beforeId` continues a page. */
  deliveriesOf(
    appId: string,
    beforeId: string | null,
    limit: number,
  ): Promise<(DeliveryRow & { type: string; mode: Mode })[]> {
    let q = this.db
      .selectFrom('miniapp_webhook_deliveries as d')
      .innerJoin('miniapp_events as e', 'e.id', 'd.event_id')
      .selectAll('d')
      .select(['e.type', 'e.mode'])
      .where('d.app_id', '=', appId);
    if (beforeId !== null) q = q.where('d.id', '<', beforeId);
    return q.orderBy('d.id', 'desc').limit(limit).execute();
  }

  attemptsOf(deliveryIds: readonly string[], perDelivery: number): Promise<AttemptRow[]> {
    if (deliveryIds.length === 0) return Promise.resolve([]);
    return this.db
      .selectFrom('miniapp_webhook_attempts')
      .selectAll()
      .where('delivery_id', 'in', deliveryIds)
      .where('number', '<=', perDelivery)
      .orderBy('delivery_id')
      .orderBy('number')
      .execute();
  }

  async scheduledAttempts(deliveryId: string): Promise<number> {
    const row = await this.db
      .selectFrom('miniapp_webhook_attempts')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('delivery_id', '=', deliveryId)
      .where('manual', '=', false)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /**
   * Logs an attempt under the next number and applies its outcome to the delivery in one
   * transaction: a success ends the delivery; a scheduled failure sets the next attempt or
   * (past the schedule) fails it; a manual failure leaves the schedule as it was. A delivery
   * already succeeded stays so (a scheduled attempt may finish after a manual resend did):
   * the late attempt is only logged.
   */
  async recordAttempt(
    attempt: Omit<AttemptRow, 'number'>,
    outcome: { status: 'pending' | 'succeeded' | 'failed'; nextAttemptAt: Date | null } | null,
  ): Promise<DeliveryRow> {
    return this.db.transaction().execute(async (trx) => {
      const current = await trx
        .selectFrom('miniapp_webhook_deliveries')
        .select('status')
        .where('id', '=', attempt.delivery_id)
        .forUpdate()
        .executeTakeFirstOrThrow();
      const apply = outcome !== null && current.status !== 'succeeded';
      const bumped = await trx
        .updateTable('miniapp_webhook_deliveries')
        .set({
          attempt_count: sql<number>`attempt_count + 1`,
          last_attempt_at: attempt.started_at,
          ...(apply ? { status: outcome.status, next_attempt_at: outcome.nextAttemptAt } : {}),
        })
        .where('id', '=', attempt.delivery_id)
        .returningAll()
        .executeTakeFirstOrThrow();
      await trx
        .insertInto('miniapp_webhook_attempts')
        .values({ ...attempt, number: bumped.attempt_count })
        .execute();
      return bumped;
    });
  }
}
