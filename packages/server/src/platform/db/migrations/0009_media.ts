import { type Kysely, sql } from 'kysely';

/**
 * Media: photos, voice clips and avatars as stored files described by a row. An upload
 * belongs to its uploader until a message takes it (`conversation_id`, `message_id`);
 * from then on the members of that conversation may read it too. `media_plays` marks the
 * voice messages each listener has played. Users and groups point at their avatar.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE media (
      id uuid PRIMARY KEY,
      owner_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      kind text NOT NULL CHECK (kind IN ('photo', 'voice', 'avatar')),
      content_type text NOT NULL,
      byte_size bigint NOT NULL CHECK (byte_size > 0),
      thumb_content_type text,
      width integer CHECK (width > 0),
      height integer CHECK (height > 0),
      frames integer NOT NULL DEFAULT 1 CHECK (frames > 0),
      duration_ms integer CHECK (duration_ms >= 0),
      waveform smallint[],
      placeholder text,
      conversation_id uuid REFERENCES conversations (id) ON DELETE CASCADE,
      message_id uuid,
      created_at timestamptz NOT NULL,
      CHECK ((conversation_id IS NULL) = (message_id IS NULL))
    )
  `.execute(db);
  await sql`CREATE INDEX media_message ON media (conversation_id, message_id)`.execute(db);
  await sql`CREATE INDEX media_owner ON media (owner_id, created_at)`.execute(db);

  await sql`
    CREATE TABLE media_plays (
      media_id uuid NOT NULL REFERENCES media (id) ON DELETE CASCADE,
      user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      played_at timestamptz NOT NULL,
      PRIMARY KEY (media_id, user_id)
    )
  `.execute(db);

  await sql`ALTER TABLE users ADD COLUMN avatar_id uuid REFERENCES media (id) ON DELETE SET NULL`.execute(db);
  await sql`ALTER TABLE conversations ADD COLUMN avatar_id uuid REFERENCES media (id) ON DELETE SET NULL`.execute(
    db,
  );
}
