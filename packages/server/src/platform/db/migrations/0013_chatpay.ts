import { type Kysely, sql } from 'kysely';

/**
 * Money in chat: transfer cards, red packets and their grabs, and bill splits with their
 * shares. Each object is a chat message; its money moves through the ledger (escrow) in the
 * same transaction as its status, under a lock on its row.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE chatpay_transfers (
      id uuid PRIMARY KEY,
      conversation_id uuid NOT NULL,
      message_id uuid NOT NULL,
      sender_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      receiver_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      amount bigint NOT NULL CHECK (amount > 0),
      currency text NOT NULL,
      note text NOT NULL,
      status text NOT NULL CHECK (status IN ('pending', 'received', 'returned', 'refunded')),
      hold_id uuid NOT NULL UNIQUE,
      created_at timestamptz NOT NULL,
      expires_at timestamptz NOT NULL,
      settled_at timestamptz,
      CHECK (sender_id <> receiver_id),
      CHECK ((status = 'pending') = (settled_at IS NULL))
    )
  `.execute(db);
  await sql`CREATE INDEX chatpay_transfers_conversation_idx ON chatpay_transfers (conversation_id)`.execute(
    db,
  );

  await sql`
    CREATE TABLE red_packets (
      id uuid PRIMARY KEY,
      conversation_id uuid NOT NULL,
      message_id uuid NOT NULL,
      sender_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      mode text NOT NULL CHECK (mode IN ('equal', 'lucky')),
      total bigint NOT NULL CHECK (total > 0),
      count integer NOT NULL CHECK (count >= 1),
      currency text NOT NULL,
      greeting text NOT NULL,
      recipient_ids jsonb,
      remaining bigint NOT NULL CHECK (remaining >= 0 AND remaining <= total),
      remaining_count integer NOT NULL CHECK (remaining_count >= 0 AND remaining_count <= count),
      refunded bigint NOT NULL DEFAULT 0 CHECK (refunded >= 0),
      status text NOT NULL CHECK (status IN ('active', 'empty', 'refunded')),
      created_at timestamptz NOT NULL,
      expires_at timestamptz NOT NULL,
      finished_at timestamptz,
      CHECK (status = 'refunded' OR remaining >= remaining_count),
      CHECK ((status = 'empty') = (remaining_count = 0 AND refunded = 0)),
      CHECK (status <> 'refunded' OR remaining = 0)
    )
  `.execute(db);
  await sql`CREATE INDEX red_packets_conversation_idx ON red_packets (conversation_id)`.execute(db);

  await sql`
    CREATE TABLE red_packet_grabs (
      packet_id uuid NOT NULL REFERENCES red_packets (id) ON DELETE CASCADE,
      user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      position integer NOT NULL CHECK (position >= 1),
      amount bigint NOT NULL CHECK (amount > 0),
      transfer_id uuid NOT NULL UNIQUE,
      created_at timestamptz NOT NULL,
      PRIMARY KEY (packet_id, user_id),
      UNIQUE (packet_id, position)
    )
  `.execute(db);

  await sql`
    CREATE TABLE splits (
      id uuid PRIMARY KEY,
      conversation_id uuid NOT NULL,
      message_id uuid NOT NULL,
      creator_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      title text NOT NULL,
      mode text NOT NULL CHECK (mode IN ('equal', 'custom')),
      total bigint NOT NULL CHECK (total > 0),
      currency text NOT NULL,
      status text NOT NULL CHECK (status IN ('open', 'closed')),
      last_reminded_at timestamptz,
      created_at timestamptz NOT NULL,
      closed_at timestamptz
    )
  `.execute(db);
  await sql`CREATE INDEX splits_conversation_idx ON splits (conversation_id)`.execute(db);

  await sql`
    CREATE TABLE split_shares (
      split_id uuid NOT NULL REFERENCES splits (id) ON DELETE CASCADE,
      user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      amount bigint NOT NULL CHECK (amount >= 0),
      paid_at timestamptz,
      transfer_id uuid UNIQUE,
      PRIMARY KEY (split_id, user_id),
      -- A paid share names its transfer, except the creator's own (nothing to move).
      CHECK (transfer_id IS NULL OR paid_at IS NOT NULL)
    )
  `.execute(db);
}
