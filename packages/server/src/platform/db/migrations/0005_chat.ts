import { type Kysely, sql } from 'kysely';

/**
 * Chat: conversations (direct, one per pair; groups with roles), members with their
 * receipts as cumulative watermarks and their own settings, messages with a gapless
 * per-conversation seq, and the messages a member deleted for themself.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // `direct_key` ('<low id>:<high id>') makes a pair's direct conversation unique.
  // `last_seq` is the seq of the newest message; a send locks the row and takes the next.
  await sql`
    CREATE TABLE conversations (
      id uuid PRIMARY KEY,
      kind text NOT NULL CHECK (kind IN ('direct', 'group')),
      direct_key text UNIQUE,
      name text,
      announcement text,
      owner_id uuid REFERENCES users (id) ON DELETE SET NULL,
      mute_all boolean NOT NULL DEFAULT false,
      last_seq bigint NOT NULL DEFAULT 0 CHECK (last_seq >= 0),
      created_by uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      created_at timestamptz NOT NULL,
      last_activity_at timestamptz NOT NULL,
      CHECK ((kind = 'direct') = (direct_key IS NOT NULL)),
      CHECK ((kind = 'group') = (name IS NOT NULL))
    )
  `.execute(db);

  // A current member has a row; leaving or being removed deletes it. `joined_seq`: the
  // member sees messages after it (a group's history before joining stays hidden).
  await sql`
    CREATE TABLE conversation_members (
      conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
      user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      role text NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
      joined_seq bigint NOT NULL CHECK (joined_seq >= 0),
      read_seq bigint NOT NULL DEFAULT 0 CHECK (read_seq >= 0),
      delivered_seq bigint NOT NULL DEFAULT 0 CHECK (delivered_seq >= read_seq),
      muted boolean NOT NULL DEFAULT false,
      pinned boolean NOT NULL DEFAULT false,
      archived boolean NOT NULL DEFAULT false,
      joined_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      PRIMARY KEY (conversation_id, user_id)
    )
  `.execute(db);
  await sql`CREATE INDEX conversation_members_user_idx ON conversation_members (user_id)`.execute(db);

  // `kind` stays open for later kinds (photo, voice, transfer, red_packet), with their data
  // in `payload`. Resending a client id finds the original through (sender_id, id);
  // `request_hash` tells a true resend from a different message under the same id.
  await sql`
    CREATE TABLE messages (
      conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
      seq bigint NOT NULL CHECK (seq > 0),
      id uuid NOT NULL,
      sender_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      kind text NOT NULL CHECK (kind ~ '^[a-z][a-z_]{0,31}$'),
      body text,
      payload jsonb,
      reply_to uuid,
      mentions uuid[] NOT NULL DEFAULT '{}',
      mention_all boolean NOT NULL DEFAULT false,
      forwarded boolean NOT NULL DEFAULT false,
      request_hash text NOT NULL,
      created_at timestamptz NOT NULL,
      recalled_at timestamptz,
      PRIMARY KEY (conversation_id, seq),
      UNIQUE (sender_id, id),
      UNIQUE (conversation_id, id)
    )
  `.execute(db);
  await sql`CREATE INDEX messages_search_idx ON messages USING gin (to_tsvector('simple', coalesce(body, '')))`.execute(
    db,
  );

  await sql`
    CREATE TABLE message_hides (
      conversation_id uuid NOT NULL,
      user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      seq bigint NOT NULL,
      created_at timestamptz NOT NULL,
      PRIMARY KEY (conversation_id, user_id, seq),
      FOREIGN KEY (conversation_id, seq) REFERENCES messages (conversation_id, seq) ON DELETE CASCADE
    )
  `.execute(db);
}
