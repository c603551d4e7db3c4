import { type Kysely, sql } from 'kysely';

/**
 * The social graph ("My Friend"): friend requests (with the client ids that created or
 * re-sent them), friendships stored once per direction (each owner keeps a private
 * remark), blocks, and per-user privacy settings.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // `hidden`: sent by someone the recipient blocks; the recipient never sees it and it is
  // never accepted, while the sender sees it like any other request.
  await sql`
    CREATE TABLE friend_requests (
      id uuid PRIMARY KEY,
      from_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      to_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      message text NOT NULL,
      status text NOT NULL CHECK (status IN ('pending', 'accepted', 'declined', 'expired')),
      hidden boolean NOT NULL DEFAULT false,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      expires_at timestamptz NOT NULL,
      decided_at timestamptz,
      CHECK (from_id <> to_id),
      CHECK (expires_at > created_at)
    )
  `.execute(db);
  // At most one open request per direction: a re-send updates it.
  await sql`CREATE UNIQUE INDEX friend_requests_pending_key ON friend_requests (from_id, to_id) WHERE status = 'pending'`.execute(
    db,
  );
  await sql`CREATE INDEX friend_requests_to_idx ON friend_requests (to_id, updated_at DESC)`.execute(db);
  await sql`CREATE INDEX friend_requests_from_idx ON friend_requests (from_id, updated_at DESC)`.execute(db);

  // Every client id a sender used, and the request it answered (which may be an older
  // pending one it re-sent, or the other side's request it accepted).
  await sql`
    CREATE TABLE friend_request_sends (
      id uuid PRIMARY KEY,
      sender_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      request_id uuid NOT NULL REFERENCES friend_requests (id) ON DELETE CASCADE,
      request_hash text NOT NULL,
      created_at timestamptz NOT NULL
    )
  `.execute(db);

  await sql`
    CREATE TABLE friendships (
      owner_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      friend_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      remark text,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      PRIMARY KEY (owner_id, friend_id),
      CHECK (owner_id <> friend_id)
    )
  `.execute(db);
  await sql`CREATE INDEX friendships_friend_idx ON friendships (friend_id)`.execute(db);

  await sql`
    CREATE TABLE blocks (
      blocker_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      blocked_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      created_at timestamptz NOT NULL,
      PRIMARY KEY (blocker_id, blocked_id),
      CHECK (blocker_id <> blocked_id)
    )
  `.execute(db);
  await sql`CREATE INDEX blocks_blocked_idx ON blocks (blocked_id)`.execute(db);

  // A missing row means the defaults.
  await sql`
    CREATE TABLE privacy_settings (
      user_id uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
      findable_by_phone boolean NOT NULL DEFAULT true,
      show_last_seen boolean NOT NULL DEFAULT true,
      allow_stranger_messages boolean NOT NULL DEFAULT false,
      updated_at timestamptz NOT NULL
    )
  `.execute(db);
}
