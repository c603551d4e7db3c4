import type { Insertable, Kysely, Selectable, Transaction } from 'kysely';
import type {
  ChatpayTransfersTable,
  Database,
  RedPacketGrabsTable,
  RedPacketsTable,
  SplitSharesTable,
  SplitsTable,
} from '../platform/db/schema.js';

export type CardRow = Selectable<ChatpayTransfersTable>;
export type PacketRow = Selectable<RedPacketsTable>;
export type GrabRow = Selectable<RedPacketGrabsTable>;
export type SplitRow = Selectable<SplitsTable>;
export type ShareRow = Selectable<SplitSharesTable>;
type Db = Kysely<Database> | Transaction<Database>;
type Trx = Transaction<Database>;

/** The only place money in chat talks SQL. */
export class ChatPayRepository {
  constructor(private readonly db: Kysely<Database>) {}

  // ── Transfer cards ───────────────────────────────────────────────────────

  async insertCard(trx: Trx, row: CardRow): Promise<void> {
    await trx.insertInto('chatpay_transfers').values(row).execute();
  }

  findCard(id: string, db: Db = this.db): Promise<CardRow | undefined> {
    return db.selectFrom('chatpay_transfers').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** The card row, locked until the transaction ends: its status changes one at a time. */
  lockCard(trx: Trx, id: string): Promise<CardRow | undefined> {
    return trx
      .selectFrom('chatpay_transfers')
      .selectAll()
      .where('id', '=', id)
      .forUpdate()
      .executeTakeFirst();
  }

  /** Moves a pending card to its final status; undefined when it was no longer pending. */
  settleCard(trx: Trx, id: string, status: CardRow['status'], now: Date): Promise<CardRow | undefined> {
    return trx
      .updateTable('chatpay_transfers')
      .set({ status, settled_at: now })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .returningAll()
      .executeTakeFirst();
  }

  // ── Red packets ──────────────────────────────────────────────────────────

  async insertPacket(trx: Trx, row: Insertable<RedPacketsTable>): Promise<void> {
    await trx.insertInto('red_packets').values(row).execute();
  }

  findPacket(id: string, db: Db = this.db): Promise<PacketRow | undefined> {
    return db.selectFrom('red_packets').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** The packet row, locked: grabs and the refund of one packet run one at a time. */
  lockPacket(trx: Trx, id: string): Promise<PacketRow | undefined> {
    return trx.selectFrom('red_packets').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
  }

  findGrab(packetId: string, userId: string, db: Db = this.db): Promise<GrabRow | undefined> {
    return db
      .selectFrom('red_packet_grabs')
      .selectAll()
      .where('packet_id', '=', packetId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
  }

  grabsOf(packetId: string, db: Db = this.db): Promise<GrabRow[]> {
    return db
      .selectFrom('red_packet_grabs')
      .selectAll()
      .where('packet_id', '=', packetId)
      .orderBy('position')
      .execute();
  }

  /** Records a grab and takes its share off the packet (the caller holds the packet's lock). */
  async recordGrab(trx: Trx, grab: GrabRow, packet: PacketRow, now: Date): Promise<PacketRow> {
    await trx.insertInto('red_packet_grabs').values(grab).execute();
    const remainingCount = packet.remaining_count - 1;
    return trx
      .updateTable('red_packets')
      .set({
        remaining: BigInt(packet.remaining) - BigInt(grab.amount),
        remaining_count: remainingCount,
        status: remainingCount === 0 ? 'empty' : 'active',
        finished_at: remainingCount === 0 ? now : null,
      })
      .where('id', '=', packet.id)
      .where('remaining_count', '=', packet.remaining_count)
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  /** Marks an active packet refunded with what was left; undefined when it was not active. */
  refundPacket(trx: Trx, id: string, now: Date): Promise<PacketRow | undefined> {
    return trx
      .updateTable('red_packets')
      .set((eb) => ({ refunded: eb.ref('remaining'), remaining: 0n, status: 'refunded', finished_at: now }))
      .where('id', '=', id)
      .where('status', '=', 'active')
      .returningAll()
      .executeTakeFirst();
  }

  // ── Bill splits ──────────────────────────────────────────────────────────

  async insertSplit(trx: Trx, row: SplitRow, shares: readonly ShareRow[]): Promise<void> {
    await trx.insertInto('splits').values(row).execute();
    await trx.insertInto('split_shares').values(shares).execute();
  }

  findSplit(id: string, db: Db = this.db): Promise<SplitRow | undefined> {
    return db.selectFrom('splits').selectAll().where('id', '=', id).executeTakeFirst();
  }

  lockSplit(trx: Trx, id: string): Promise<SplitRow | undefined> {
    return trx.selectFrom('splits').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
  }

  sharesOf(splitId: string, db: Db = this.db): Promise<ShareRow[]> {
    return db
      .selectFrom('split_shares')
      .selectAll()
      .where('split_id', '=', splitId)
      .orderBy('user_id')
      .execute();
  }

  async markPaid(trx: Trx, splitId: string, userId: string, transferId: string, now: Date): Promise<boolean> {
    const r = await trx
      .updateTable('split_shares')
      .set({ paid_at: now, transfer_id: transferId })
      .where('split_id', '=', splitId)
      .where('user_id', '=', userId)
      .where('paid_at', 'is', null)
      .executeTakeFirst();
    return r.numUpdatedRows === 1n;
  }

  closeSplit(trx: Trx, id: string, now: Date): Promise<SplitRow> {
    return trx
      .updateTable('splits')
      .set({ status: 'closed', closed_at: now })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  reminded(trx: Trx, id: string, now: Date): Promise<SplitRow> {
    return trx
      .updateTable('splits')
      .set({ last_reminded_at: now })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
  }
}
