import type { ColumnType, Generated } from 'kysely';

/** Timestamps are written as Date and read back as Date on both Postgres and PGlite. */
type Timestamp = ColumnType<Date, Date, Date>;

export interface UsersTable {
  id: string;
  username: string | null;
  phone: string | null;
  password_hash: string;
  display_name: string;
  bio: string;
  region: string | null;
  role: 'user' | 'admin';
  kyc_tier: number;
  pin_hash: string | null;
  pin_failed_attempts: number;
  pin_locked_until: Timestamp | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface SessionsTable {
  id: string;
  user_id: string;
  token_hash: string;
  device_name: string;
  user_agent: string | null;
  ip: string | null;
  created_at: Timestamp;
  last_seen_at: Timestamp;
  expires_at: Timestamp;
  revoked_at: Timestamp | null;
}

export interface SecurityEventsTable {
  id: string;
  user_id: string;
  kind: string;
  ip: string | null;
  detail: ColumnType<Record<string, unknown>, string, string>;
  created_at: Timestamp;
}

export interface Database {
  users: UsersTable;
  sessions: SessionsTable;
  security_events: SecurityEventsTable;
}

export type { Generated };
