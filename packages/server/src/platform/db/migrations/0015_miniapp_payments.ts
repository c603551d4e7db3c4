import { type Kysely, sql } from 'kysely';

/**
 * Mini-app payments: orders (one payment each, then refunds), the idempotency keys of the
 * merchant API, settlements to the developer's bank card, the events merchants pull and
 * receive as webhooks (numbered per app and mode in commit order), and the webhook
 * deliveries with every attempt.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE miniapp_orders (
      id text PRIMARY KEY,
      app_id uuid NOT NULL REFERENCES miniapps (id) ON DELETE CASCADE,
      mode text NOT NULL CHECK (mode IN ('live', 'test')),
      user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      openid text NOT NULL,
      amount bigint NOT NULL CHECK (amount > 0),
      currency text NOT NULL,
      description text NOT NULL,
      merchant_reference text,
      metadata jsonb NOT NULL,
      status text NOT NULL CHECK (status IN ('open', 'paid', 'closed', 'expired')),
      refunded bigint NOT NULL DEFAULT 0,
      paid_with text CHECK (paid_with IN ('wallet', 'family_grant')),
      grant_id uuid,
      payment_transfer_id uuid,
      payment_token_hash text NOT NULL,
      created_at timestamptz NOT NULL,
      expires_at timestamptz NOT NULL,
      paid_at timestamptz,
      closed_at timestamptz,
      expired_at timestamptz,
      CHECK (refunded >= 0 AND refunded <= amount),
      CHECK ((status = 'paid') = (paid_at IS NOT NULL))
    )
  `.execute(db);
  await sql`CREATE UNIQUE INDEX miniapp_orders_token_idx ON miniapp_orders (payment_token_hash)`.execute(db);
  await sql`CREATE INDEX miniapp_orders_app_idx ON miniapp_orders (app_id, mode, created_at DESC)`.execute(
    db,
  );

  await sql`
    CREATE TABLE miniapp_idempotency_keys (
      app_id uuid NOT NULL REFERENCES miniapps (id) ON DELETE CASCADE,
      mode text NOT NULL,
      key text NOT NULL,
      fingerprint text NOT NULL,
      resource_type text NOT NULL CHECK (resource_type IN ('order', 'refund', 'settlement')),
      resource_id text NOT NULL,
      created_at timestamptz NOT NULL,
      PRIMARY KEY (app_id, mode, key)
    )
  `.execute(db);

  await sql`
    CREATE TABLE miniapp_refunds (
      id text PRIMARY KEY,
      order_id text NOT NULL REFERENCES miniapp_orders (id) ON DELETE CASCADE,
      app_id uuid NOT NULL,
      mode text NOT NULL,
      amount bigint NOT NULL CHECK (amount > 0),
      currency text NOT NULL,
      reason text,
      transfer_id uuid NOT NULL,
      created_at timestamptz NOT NULL
    )
  `.execute(db);
  await sql`CREATE INDEX miniapp_refunds_order_idx ON miniapp_refunds (order_id, created_at)`.execute(db);

  await sql`
    CREATE TABLE miniapp_settlements (
      id text PRIMARY KEY,
      app_id uuid NOT NULL REFERENCES miniapps (id) ON DELETE CASCADE,
      mode text NOT NULL,
      amount bigint NOT NULL CHECK (amount > 0),
      currency text NOT NULL,
      status text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
      card_id uuid NOT NULL,
      destination text NOT NULL,
      hold_transfer_id uuid NOT NULL UNIQUE,
      failure_reason text,
      created_at timestamptz NOT NULL,
      completed_at timestamptz
    )
  `.execute(db);
  await sql`CREATE INDEX miniapp_settlements_app_idx ON miniapp_settlements (app_id, mode, created_at DESC)`.execute(
    db,
  );

  // The last event number per app and mode: taking it locks the row until commit, so
  // numbers become visible in order and a cursor never skips an event.
  await sql`
    CREATE TABLE miniapp_event_heads (
      app_id uuid NOT NULL REFERENCES miniapps (id) ON DELETE CASCADE,
      mode text NOT NULL,
      seq bigint NOT NULL,
      PRIMARY KEY (app_id, mode)
    )
  `.execute(db);
  await sql`
    CREATE TABLE miniapp_events (
      id text PRIMARY KEY,
      app_id uuid NOT NULL REFERENCES miniapps (id) ON DELETE CASCADE,
      mode text NOT NULL,
      seq bigint NOT NULL,
      type text NOT NULL,
      body text NOT NULL,
      created_at timestamptz NOT NULL,
      UNIQUE (app_id, mode, seq)
    )
  `.execute(db);

  await sql`
    CREATE TABLE miniapp_webhook_deliveries (
      id text PRIMARY KEY,
      app_id uuid NOT NULL REFERENCES miniapps (id) ON DELETE CASCADE,
      event_id text NOT NULL REFERENCES miniapp_events (id) ON DELETE CASCADE,
      url text NOT NULL,
      status text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
      attempt_count integer NOT NULL DEFAULT 0,
      next_attempt_at timestamptz,
      last_attempt_at timestamptz,
      created_at timestamptz NOT NULL
    )
  `.execute(db);
  await sql`CREATE INDEX miniapp_webhook_deliveries_app_idx ON miniapp_webhook_deliveries (app_id, id DESC)`.execute(
    db,
  );
  await sql`
    CREATE TABLE miniapp_webhook_attempts (
      delivery_id text NOT NULL REFERENCES miniapp_webhook_deliveries (id) ON DELETE CASCADE,
      number integer NOT NULL,
      url text NOT NULL,
      response_status integer,
      response_body text,
      duration_ms integer NOT NULL,
      error text,
      manual boolean NOT NULL,
      started_at timestamptz NOT NULL,
      PRIMARY KEY (delivery_id, number)
    )
  `.execute(db);
}
