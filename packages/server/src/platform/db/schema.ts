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
  avatar_id: ColumnType<string | null, string | null | undefined, string | null>;
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

export interface LedgerAccountsTable {
  id: string;
  currency: string;
  code: string;
  flags: number;
  owner_ref: string | null;
  debits_pending: bigint;
  debits_posted: bigint;
  credits_pending: bigint;
  credits_posted: bigint;
  version: bigint;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface LedgerTransfersTable {
  id: string;
  debit_account_id: string;
  credit_account_id: string;
  amount: bigint;
  currency: string;
  code: string;
  flags: number;
  pending_id: string | null;
  timeout_seconds: number;
  expires_at: Timestamp | null;
  state: 'pending' | 'posted' | 'voided' | 'expired' | null;
  user_data: string | null;
  fingerprint: string;
  batch_id: bigint;
  created_at: Timestamp;
  /** The debit account's entry: its version and totals right after the transfer. */
  debit_version: bigint | null;
  debit_dp: bigint | null;
  debit_dpo: bigint | null;
  debit_cp: bigint | null;
  debit_cpo: bigint | null;
  /** The credit account's entry. */
  credit_version: bigint | null;
  credit_dp: bigint | null;
  credit_dpo: bigint | null;
  credit_cp: bigint | null;
  credit_cpo: bigint | null;
}

export interface LedgerFailuresTable {
  id: string;
  code: string;
  fingerprint: string;
  batch_id: bigint;
  created_at: Timestamp;
}

/**
 * Every entry: a view (migration 0017) over the two entries on each transfer's row and the
 * entries that belong to no new transfer (`ledger_entries_other`).
 */
export interface LedgerEntriesTable {
  account_id: string;
  version: bigint;
  transfer_id: string;
  batch_id: bigint;
  debits_pending: bigint;
  debits_posted: bigint;
  credits_pending: bigint;
  credits_posted: bigint;
  created_at: Timestamp;
}

export interface LedgerBatchesTable {
  id: bigint;
  prev_hash: string;
  hash: string;
  /** The hash of the batch's content, chained in SQL (null for batches before 0010). */
  content_hash: string | null;
  transfer_count: number;
  created_at: Timestamp;
}

export interface LedgerChainTable {
  singleton: boolean;
  last_batch_id: bigint;
  last_hash: string;
}

export interface ServerSecretsTable {
  name: string;
  secret: string;
  created_at: Timestamp;
}

export interface UserUpdateHeadsTable {
  user_id: string;
  pts: bigint;
}

export interface UserUpdatesTable {
  seq: Generated<bigint>;
  user_id: string;
  pts: bigint;
  topic: string;
  payload: ColumnType<unknown, string, string>;
  created_at: Timestamp;
}

export interface BankCardsTable {
  id: string;
  user_id: string;
  bank_name: string;
  last4: string;
  holder_name: string;
  gateway_token: string;
  created_at: Timestamp;
  removed_at: Timestamp | null;
}

export interface BankOperationsTable {
  id: string;
  user_id: string;
  kind: 'topup' | 'withdrawal';
  card_id: string;
  amount: bigint;
  currency: string;
  status: 'pending' | 'succeeded' | 'failed';
  failure_reason: string | null;
  request_hash: string;
  created_at: Timestamp;
  completed_at: Timestamp | null;
}

export interface PaymentRequestsTable {
  id: string;
  requester_id: string;
  payer_id: string;
  amount: bigint;
  currency: string;
  note: string;
  status: 'pending' | 'paid' | 'declined' | 'cancelled' | 'expired';
  transfer_id: string | null;
  request_hash: string;
  created_at: Timestamp;
  expires_at: Timestamp;
  decided_at: Timestamp | null;
}

export interface PaycodesTable {
  code_hash: string;
  user_id: string;
  created_at: Timestamp;
  expires_at: Timestamp;
  used_at: Timestamp | null;
  charge_id: string | null;
  /** Set when the code pays through a family grant (the granter's wallet pays). */
  grant_id: Generated<string | null>;
}

export interface FamilyGrantsTable {
  id: string;
  granter_id: string;
  grantee_id: string;
  monthly_limit: bigint;
  currency: string;
  status: 'offered' | 'active' | 'ended';
  offer_expires_at: Timestamp;
  ends_at: Timestamp | null;
  created_at: Timestamp;
  accepted_at: Timestamp | null;
  ended_at: Timestamp | null;
  ended_by: string | null;
}

export interface FamilyGrantUsageTable {
  grant_id: string;
  /** YYYY-MM in the configured time zone. */
  month: string;
  used: bigint;
}

export interface FamilyGrantUsesTable {
  transfer_id: string;
  grant_id: string;
  merchant_id: string;
  amount: bigint;
  month: string;
  note: string;
  created_at: Timestamp;
}

export interface WalletDailyUsageTable {
  user_id: string;
  day: string;
  outflow: bigint;
}

export interface WalletClaimsTable {
  id: string;
  created_at: Timestamp;
}

export interface FriendRequestsTable {
  id: string;
  from_id: string;
  to_id: string;
  message: string;
  status: 'pending' | 'accepted' | 'declined' | 'expired';
  hidden: boolean;
  created_at: Timestamp;
  updated_at: Timestamp;
  expires_at: Timestamp;
  decided_at: Timestamp | null;
}

export interface FriendRequestSendsTable {
  id: string;
  sender_id: string;
  request_id: string;
  request_hash: string;
  created_at: Timestamp;
}

export interface FriendshipsTable {
  owner_id: string;
  friend_id: string;
  remark: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface BlocksTable {
  blocker_id: string;
  blocked_id: string;
  created_at: Timestamp;
}

export interface PrivacySettingsTable {
  user_id: string;
  findable_by_phone: boolean;
  show_last_seen: boolean;
  allow_stranger_messages: boolean;
  updated_at: Timestamp;
}

export interface ConversationsTable {
  id: string;
  kind: 'direct' | 'group';
  direct_key: string | null;
  name: string | null;
  announcement: string | null;
  owner_id: string | null;
  mute_all: boolean;
  last_seq: ColumnType<bigint, bigint | undefined, bigint>;
  created_by: string;
  created_at: Timestamp;
  last_activity_at: Timestamp;
  avatar_id: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface ConversationMembersTable {
  conversation_id: string;
  user_id: string;
  role: 'owner' | 'admin' | 'member';
  joined_seq: bigint;
  read_seq: ColumnType<bigint, bigint | undefined, bigint>;
  delivered_seq: ColumnType<bigint, bigint | undefined, bigint>;
  muted: ColumnType<boolean, boolean | undefined, boolean>;
  pinned: ColumnType<boolean, boolean | undefined, boolean>;
  archived: ColumnType<boolean, boolean | undefined, boolean>;
  joined_at: Timestamp;
  updated_at: Timestamp;
}

export interface MessagesTable {
  conversation_id: string;
  seq: bigint;
  id: string;
  sender_id: string;
  kind: string;
  body: string | null;
  payload: ColumnType<Record<string, unknown> | null, string | null, string | null>;
  reply_to: string | null;
  mentions: string[];
  mention_all: boolean;
  forwarded: boolean;
  request_hash: string;
  created_at: Timestamp;
  recalled_at: Timestamp | null;
}

export interface MessageHidesTable {
  conversation_id: string;
  user_id: string;
  seq: bigint;
  created_at: Timestamp;
}

export interface PresenceTable {
  user_id: string;
  last_seen_at: Timestamp;
}

export interface FundYieldsTable {
  day: string;
  per_10k_e4: number;
  source: 'published' | 'simulated';
  published_at: Timestamp;
}

export interface FundHoldingsTable {
  user_id: string;
  shares: bigint;
  pending: bigint;
  cumulative_income: bigint;
  last_income: bigint;
  last_income_day: string | null;
  updated_at: Timestamp;
}

export interface FundOrdersTable {
  id: string;
  user_id: string;
  kind: 'subscribe' | 'redeem_instant' | 'redeem_normal';
  amount: bigint;
  currency: string;
  status: 'pending' | 'done';
  trade_day: string;
  effective_day: string;
  request_hash: string;
  created_at: Timestamp;
  done_at: Timestamp | null;
}

export interface FundIncomesTable {
  user_id: string;
  day: string;
  income: bigint;
  shares_after: bigint;
}

export interface FundAccrualsTable {
  day: string;
  per_10k_e4: number;
  holders: bigint;
  income_total: bigint;
  confirmed_total: bigint;
  transfer_id: string | null;
  created_at: Timestamp;
}

export interface FundInstantUsageTable {
  user_id: string;
  day: string;
  amount: bigint;
}

export interface MediaTable {
  id: string;
  owner_id: string;
  kind: 'photo' | 'voice' | 'avatar';
  content_type: string;
  byte_size: bigint;
  thumb_content_type: string | null;
  width: number | null;
  height: number | null;
  frames: number;
  duration_ms: number | null;
  waveform: number[] | null;
  placeholder: string | null;
  conversation_id: string | null;
  message_id: string | null;
  created_at: Timestamp;
}

export interface MediaPlaysTable {
  media_id: string;
  user_id: string;
  played_at: Timestamp;
}

export interface JobsTable {
  kind: string;
  key: string;
  payload: ColumnType<unknown, string, string>;
  run_at: Timestamp;
  attempts: ColumnType<number, number | undefined, number>;
  last_error: string | null;
  dead: ColumnType<boolean, boolean | undefined, boolean>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface ChatpayTransfersTable {
  id: string;
  conversation_id: string;
  message_id: string;
  sender_id: string;
  receiver_id: string;
  amount: bigint;
  currency: string;
  note: string;
  status: 'pending' | 'received' | 'returned' | 'refunded';
  hold_id: string;
  created_at: Timestamp;
  expires_at: Timestamp;
  settled_at: Timestamp | null;
}

export interface RedPacketsTable {
  id: string;
  conversation_id: string;
  message_id: string;
  sender_id: string;
  mode: 'equal' | 'lucky';
  total: bigint;
  count: number;
  currency: string;
  greeting: string;
  /** JSON array of user ids, or null for anyone in the conversation. */
  recipient_ids: ColumnType<string[] | null, string | null, string | null>;
  remaining: bigint;
  remaining_count: number;
  refunded: ColumnType<bigint, bigint | undefined, bigint>;
  status: 'active' | 'empty' | 'refunded';
  created_at: Timestamp;
  expires_at: Timestamp;
  finished_at: Timestamp | null;
}

export interface RedPacketGrabsTable {
  packet_id: string;
  user_id: string;
  position: number;
  amount: bigint;
  transfer_id: string;
  created_at: Timestamp;
}

export interface SplitsTable {
  id: string;
  conversation_id: string;
  message_id: string;
  creator_id: string;
  title: string;
  mode: 'equal' | 'custom';
  total: bigint;
  currency: string;
  status: 'open' | 'closed';
  last_reminded_at: Timestamp | null;
  created_at: Timestamp;
  closed_at: Timestamp | null;
}

export interface SplitSharesTable {
  split_id: string;
  user_id: string;
  amount: bigint;
  paid_at: Timestamp | null;
  transfer_id: string | null;
}

export interface MiniappsTable {
  id: string;
  developer_id: string;
  name: string;
  description: string;
  icon_url: string | null;
  origin: string;
  scopes: string[];
  webhook_url: string | null;
  status: 'pending' | 'approved' | 'rejected' | 'suspended';
  status_reason: string | null;
  live_key_hash: string;
  live_key_created_at: Timestamp;
  test_key_hash: string;
  test_key_created_at: Timestamp;
  webhook_secret: string;
  webhook_secret_created_at: Timestamp;
  created_at: Timestamp;
  updated_at: Timestamp;
  approved_at: Timestamp | null;
}

export interface MiniappLoginCodesTable {
  code_hash: string;
  app_id: string;
  user_id: string;
  created_at: Timestamp;
  expires_at: Timestamp;
  used_at: Timestamp | null;
}

export interface MiniappOpenidsTable {
  app_id: string;
  user_id: string;
  openid: string;
  created_at: Timestamp;
}

export interface MiniappScopeGrantsTable {
  app_id: string;
  user_id: string;
  scope: string;
  granted_at: Timestamp;
}

export interface MiniappStorageTable {
  app_id: string;
  user_id: string;
  key: string;
  value: ColumnType<unknown, string, string>;
  updated_at: Timestamp;
}

export interface MiniappOrdersTable {
  id: string;
  app_id: string;
  mode: 'live' | 'test';
  user_id: string;
  openid: string;
  amount: bigint;
  currency: string;
  description: string;
  merchant_reference: string | null;
  metadata: ColumnType<Record<string, string>, string, string>;
  status: 'open' | 'paid' | 'closed' | 'expired';
  refunded: ColumnType<bigint, bigint | undefined, bigint>;
  paid_with: 'wallet' | 'family_grant' | null;
  grant_id: string | null;
  payment_transfer_id: string | null;
  payment_token_hash: string;
  created_at: Timestamp;
  expires_at: Timestamp;
  paid_at: Timestamp | null;
  closed_at: Timestamp | null;
  expired_at: Timestamp | null;
}

export interface MiniappIdempotencyKeysTable {
  app_id: string;
  mode: 'live' | 'test';
  key: string;
  fingerprint: string;
  resource_type: 'order' | 'refund' | 'settlement';
  resource_id: string;
  created_at: Timestamp;
}

export interface MiniappRefundsTable {
  id: string;
  order_id: string;
  app_id: string;
  mode: 'live' | 'test';
  amount: bigint;
  currency: string;
  reason: string | null;
  transfer_id: string;
  created_at: Timestamp;
}

export interface MiniappSettlementsTable {
  id: string;
  app_id: string;
  mode: 'live' | 'test';
  amount: bigint;
  currency: string;
  status: 'pending' | 'succeeded' | 'failed';
  card_id: string;
  destination: string;
  hold_transfer_id: string;
  failure_reason: string | null;
  created_at: Timestamp;
  completed_at: Timestamp | null;
}

export interface MiniappEventHeadsTable {
  app_id: string;
  mode: 'live' | 'test';
  seq: bigint;
}

export interface MiniappEventsTable {
  id: string;
  app_id: string;
  mode: 'live' | 'test';
  seq: bigint;
  type: string;
  body: string;
  created_at: Timestamp;
}

export interface MiniappWebhookDeliveriesTable {
  id: string;
  app_id: string;
  event_id: string;
  url: string;
  status: 'pending' | 'succeeded' | 'failed';
  attempt_count: ColumnType<number, number | undefined, number>;
  next_attempt_at: Timestamp | null;
  last_attempt_at: Timestamp | null;
  created_at: Timestamp;
}

export interface MiniappWebhookAttemptsTable {
  delivery_id: string;
  number: number;
  url: string;
  response_status: number | null;
  response_body: string | null;
  duration_ms: number;
  error: string | null;
  manual: boolean;
  started_at: Timestamp;
}

export interface Database {
  users: UsersTable;
  sessions: SessionsTable;
  security_events: SecurityEventsTable;
  ledger_accounts: LedgerAccountsTable;
  ledger_transfers: LedgerTransfersTable;
  ledger_failures: LedgerFailuresTable;
  ledger_entries: LedgerEntriesTable;
  ledger_entries_other: LedgerEntriesTable;
  ledger_batches: LedgerBatchesTable;
  ledger_chain: LedgerChainTable;
  server_secrets: ServerSecretsTable;
  user_update_heads: UserUpdateHeadsTable;
  user_updates: UserUpdatesTable;
  bank_cards: BankCardsTable;
  bank_operations: BankOperationsTable;
  payment_requests: PaymentRequestsTable;
  paycodes: PaycodesTable;
  wallet_daily_usage: WalletDailyUsageTable;
  wallet_claims: WalletClaimsTable;
  presence: PresenceTable;
  friend_requests: FriendRequestsTable;
  friend_request_sends: FriendRequestSendsTable;
  friendships: FriendshipsTable;
  blocks: BlocksTable;
  privacy_settings: PrivacySettingsTable;
  conversations: ConversationsTable;
  conversation_members: ConversationMembersTable;
  messages: MessagesTable;
  message_hides: MessageHidesTable;
  fund_yields: FundYieldsTable;
  fund_holdings: FundHoldingsTable;
  fund_orders: FundOrdersTable;
  fund_incomes: FundIncomesTable;
  fund_accruals: FundAccrualsTable;
  fund_instant_usage: FundInstantUsageTable;
  media: MediaTable;
  media_plays: MediaPlaysTable;
  family_grants: FamilyGrantsTable;
  family_grant_usage: FamilyGrantUsageTable;
  family_grant_uses: FamilyGrantUsesTable;
  jobs: JobsTable;
  chatpay_transfers: ChatpayTransfersTable;
  red_packets: RedPacketsTable;
  red_packet_grabs: RedPacketGrabsTable;
  splits: SplitsTable;
  split_shares: SplitSharesTable;
  miniapps: MiniappsTable;
  miniapp_login_codes: MiniappLoginCodesTable;
  miniapp_openids: MiniappOpenidsTable;
  miniapp_scope_grants: MiniappScopeGrantsTable;
  miniapp_storage: MiniappStorageTable;
  miniapp_orders: MiniappOrdersTable;
  miniapp_idempotency_keys: MiniappIdempotencyKeysTable;
  miniapp_refunds: MiniappRefundsTable;
  miniapp_settlements: MiniappSettlementsTable;
  miniapp_event_heads: MiniappEventHeadsTable;
  miniapp_events: MiniappEventsTable;
  miniapp_webhook_deliveries: MiniappWebhookDeliveriesTable;
  miniapp_webhook_attempts: MiniappWebhookAttemptsTable;
}

export type { Generated };
