/**
 * Every limit Jiaozi enforces, in one place. Units come last in each name.
 * Change a value here and validation, docs (/v1/config) and tests follow.
 */

// Accounts
export const usernameMinLength = 3;
export const usernameMaxLength = 32;
export const passwordMinLength = 8;
/** Long enough for any passphrase, short enough that hashing cannot be abused. */
export const passwordMaxLength = 128;
export const displayNameMaxLength = 64;
export const bioMaxLength = 280;
export const deviceNameMaxLength = 64;
export const userAgentStoredMaxLength = 256;
/** E.164: + then up to 15 digits. */
export const phoneMaxDigits = 15;

// Sessions
export const sessionTokenBytes = 32;
/** A session's last-seen time is written at most this often. */
export const sessionTouchIntervalSeconds = 60;
export const sessionsPerUserMax = 50;

// Payment PIN
export const pinLength = 6;
export const pinAttemptsMax = 5;
export const pinLockSeconds = 3 * 60 * 60;

// KYC tiers: per-tier transfer limits (minor units of the configured currency).
export const kycTierMax = 2;
export const kycLimits = {
  0: { singleTransferMaxMinor: 200_000n, dailyOutflowMaxMinor: 500_000n, balanceMaxMinor: 1_000_000n },
  1: { singleTransferMaxMinor: 5_000_000n, dailyOutflowMaxMinor: 10_000_000n, balanceMaxMinor: 50_000_000n },
  2: {
    singleTransferMaxMinor: 20_000_000n,
    dailyOutflowMaxMinor: 100_000_000n,
    balanceMaxMinor: 1_000_000_000n,
  },
} as const satisfies Record<number, Record<string, bigint>>;

// HTTP
export const requestBodyMaxBytes = 64 * 1024;
export const requestIdMaxLength = 128;
export const loginPerIpPerMinuteMax = 20;
export const loginPerAccountPer15MinutesMax = 10;
export const signupPerIpPerHourMax = 20;
export const signupPerAccountPerHourMax = 5;
export const pinVerifyPerAccountPerMinuteMax = 20;

// Friends ("My Friend")
export const friendRequestMessageMaxLength = 200;
/** A friend request nobody answered expires after this long. */
export const friendRequestTtlSeconds = 7 * 24 * 60 * 60;
export const friendRequestsPerUserPerHourMax = 30;
/** Searching people by username or phone (slows down phone-number enumeration). */
export const userSearchesPerUserPerHourMax = 120;
/** The newest requests a list answers with, per direction. */
export const friendRequestsListMax = 100;
export const contactRemarkMaxLength = 32;
export const blocksListMax = 1_000;
export const contactQrMaxLength = 200;

// Database
export const dbPoolMaxDefault = 10;
export const dbStatementTimeoutMs = 30_000;
/** How long closing a pool waits for its connections to be gone. */
export const dbPoolCloseWaitMaxMs = 5_000;

// Wallet
export const transferNoteMaxLength = 140;
export const bankCardsPerUserMax = 10;
export const bankNameMaxLength = 64;
export const cardHolderNameMaxLength = 64;
/** A top-up is held this long waiting for the bank, then released. */
export const topUpHoldSeconds = 24 * 60 * 60;
/** A withdrawal is held this long waiting for the bank, then released. */
export const withdrawalHoldSeconds = 7 * 24 * 60 * 60;
/**
 * A bank request is sent as soon as its operation is recorded; if it did not reach the bank
 * (the gateway failed, or the process stopped first), its job sends it again after this long.
 */
export const bankRequestRetrySeconds = 30;
export const bankCallbackToleranceSeconds = 5 * 60;
export const bankCallbackBodyMaxBytes = 4 * 1024;
export const paymentRequestTtlSeconds = 7 * 24 * 60 * 60;
export const paycodeTtlSeconds = 60;

// Family pay
/** A grant's monthly limit: from 1.00 to 20,000.00 (minor units). */
export const familyGrantMonthlyMinMinor = 100n;
export const familyGrantMonthlyMaxMinor = 2_000_000n;
/** Grants a granter may have offered or active at once. */
export const familyGrantsActivePerGranterMax = 5;
/** An offer the grantee has not accepted lapses after this long. */
export const familyGrantOfferTtlSeconds = 24 * 60 * 60;
/** The newest uses a grant's history answers with. */
export const familyGrantHistoryMax = 100;
/** The newest grants a list answers with, per side. */
export const familyGrantsListMax = 100;

// Money in chat
/** A transfer card nobody accepted or returned is refunded after this long. */
export const transferCardTtlSeconds = 24 * 60 * 60;
export const transferCardNoteMaxLength = 100;
/** A red packet holds at most 200.00 in all (minor units). */
export const redPacketTotalMaxMinor = 20_000n;
/** Every share of a red packet is at least 0.01. */
export const redPacketShareMinMinor = 1n;
export const redPacketCountMax = 100;
export const redPacketGreetingMaxLength = 40;
/** What is left of a red packet goes back to its sender after this long. */
export const redPacketTtlSeconds = 24 * 60 * 60;
export const splitTitleMaxLength = 40;
/** People who share one bill (the creator may be one of them). */
export const splitParticipantsMax = 100;
/** A bill split's total: up to 50,000.00 (each share is still a payment within the payer's limits). */
export const splitTotalMaxMinor = 5_000_000n;
/** The creator reminds the unpaid participants at most this often. */
export const splitRemindIntervalSeconds = 60 * 60;
export const historyPageMax = 100;
export const historyPageDefault = 20;
export const historyExportRowsMax = 100_000;
export const monthlyTotalsMonthsMax = 24;
/** Amounts on the wire are JSON numbers: safe integers only. */
export const amountWireMaxMinor = Number.MAX_SAFE_INTEGER;
/** A copy of a payment sent while the first is in flight waits this long for its answer. */
export const concurrentCopyWaitPolls = 100;
export const concurrentCopyPollIntervalMs = 20;

// Realtime
/** A client frame: a call carrying a 4,000-character message fits. */
export const wsFrameMaxBytes = 64 * 1024;
export const wsAuthTimeoutMs = 10_000;
export const wsIdleTimeoutMs = 75_000;
/** Updates per `difference` or `updates` frame. */
export const wsUpdatesPerFrameMax = 100;
/** A client further behind than this gets `too_long` and refetches its snapshot. */
export const wsDifferenceMax = 5_000;
/** Bytes queued for one socket before it counts as too slow and is dropped. */
export const wsBufferedMaxBytes = 1024 * 1024;
/** Calls one socket may have in flight; more are answered `rate_limited`. */
export const wsCallsInFlightMax = 64;

// Chat
/** Characters (Unicode code points) in one text message. */
export const messageTextMaxLength = 4_000;
/** Members of one group, its owner included. */
export const groupMembersMax = 500;
export const groupNameMaxLength = 64;
export const groupAnnouncementMaxLength = 2_000;
/** A sender may recall a message this long after sending it (exactly this long still counts). */
export const recallWindowSeconds = 2 * 60;
/** Messages (sent or forwarded) one user may send per minute, across all conversations. */
export const messagesPerUserPerMinuteMax = 60;
/** Sends written in one transaction by a node's message writer. */
export const messageBatchMax = 128;
/** Batches of sends one node writes at once (each on its own connection). */
export const messageBatchesInFlightMax = 2;
/** Sends waiting for the writer on one node before more are refused (503). */
export const messageQueueMax = 10_000;
export const messagePageDefault = 50;
export const messagePageMax = 100;
/** Conversations one list answers with (most recent activity first, pinned ones before). */
export const conversationsListMax = 1_000;
export const messageSearchQueryMaxLength = 100;
export const messageSearchResultsMax = 50;
/** How often each node tails the update log for news the bus did not bring. */
export const wsTailIntervalMs = 500;
/** How far behind the newest seen row each tail re-reads (late commits). */
export const wsTailMarginRows = 200;
export const wsTailBatchMax = 5_000;
/** A typing indicator lasts this long unless repeated. */
export const typingIndicatorSeconds = 6;
/** A connection may announce typing at most this often. */
export const typingFrameMinIntervalMs = 2_000;
/** Someone seen this recently counts as online (sockets ping every ~25 s). */
export const presenceOnlineSeconds = 90;
/** A socket records its user as seen at most this often. */
export const presenceTouchIntervalMs = 30_000;

// Fund
/** Instant redemptions per user per day, by default (FUND_INSTANT_DAILY_MAX_MINOR overrides). */
export const fundInstantDailyMaxMinorDefault = 1_000_000n;
/** How often each node looks for fund work (accruals due, normal redemptions arriving). */
export const fundSchedulerIntervalSeconds = 60;
/** Days one scheduler pass may accrue when catching up. */
export const fundAccrualCatchUpDaysMax = 366;
/** Normal redemptions paid out per transaction. */
export const fundSettlementBatchMax = 500;
/** Batches of normal redemptions one scheduler pass pays out (the rest wait a minute). */
export const fundSettlementRoundsMax = 100;
export const fundHistoryDaysMax = 366;
export const fundHistoryDaysDefault = 30;
export const fundOrdersListMax = 100;
export const fundHolidaysMax = 1_000;
/** One accrual's statements may run this long (a million holders take 8–15 s). */
export const fundAccrualStatementTimeoutMs = 10 * 60 * 1000;
// Media (photos, voice messages, avatars)
/** Bytes of one uploaded photo, as sent. */
export const photoBytesMax = 20 * 1024 * 1024;
/** Pixels of one photo (width × height), read from its header before anything is decoded. */
export const photoPixelsMax = 50_000_000;
/** Frames kept of an animated GIF or WebP (later frames are dropped). */
export const photoFramesMax = 100;
/** Pixels of all the frames kept of an animation together. */
export const photoAnimationPixelsMax = 100_000_000;
/** The longer side of a re-encoded photo. */
export const photoSideMaxPx = 2560;
/** The longer side of a photo's thumbnail. */
export const photoThumbSideMaxPx = 320;
/** The longer side of the image a placeholder is computed from. */
export const photoPlaceholderSideMaxPx = 100;
/** Photos in one album message. */
export const albumPhotosMax = 9;
/** Bytes of one voice clip (60 s of Opus at 128 kbit/s is under 1 MiB). */
export const voiceBytesMax = 2 * 1024 * 1024;
export const voiceDurationMaxSeconds = 60;
/** How far past the limit a recording that was stopped at the limit may run. */
export const voiceDurationToleranceMs = 500;
/** Samples of a voice message's waveform, each 0 to voiceWaveformValueMax. */
export const voiceWaveformSamplesMax = 100;
export const voiceWaveformValueMax = 255;
/** Square avatar sizes made from one upload. */
export const avatarSizesPx = [64, 256] as const;
export const avatarBytesMax = 10 * 1024 * 1024;
/** A signed media link is good for this long. */
export const mediaLinkTtlSecondsDefault = 300;
/** Uploads one user may make per minute. */
export const mediaUploadsPerUserPerMinuteMax = 60;
/** An upload no message took within this long is deleted. */
export const mediaUnsentTtlSeconds = 24 * 60 * 60;
/** How often each node deletes unsent uploads, recalled messages' media and replaced avatars. */
export const mediaSweepIntervalMs = 10 * 60 * 1000;
/** Media rows one sweep deletes at most (the next sweep takes the rest). */
export const mediaSweepBatchMax = 500;
/** Images one node decodes at once (each may take a few hundred MB while it is decoded). */
export const imageJobsConcurrentMax = 2;
/** Images waiting for their turn; past this an upload is told to come back shortly. */
export const imageJobsQueuedMax = 32;

// Mini-app registry
/** Mini apps one developer may register. */
export const miniappsPerDeveloperMax = 20;
export const miniappNameLengthMax = 40;
export const miniappDescriptionLengthMax = 500;
/** Icon and webhook URLs. */
export const miniappUrlLengthMax = 2_000;
export const miniappOriginLengthMax = 200;
/** Why an admin rejected or suspended an app. */
export const miniappStatusReasonLengthMax = 500;
/** Apps in one Discover or admin list. */
export const miniappListMax = 500;
/** A login code is good for one exchange within this long. */
export const miniappLoginCodeTtlSeconds = 5 * 60;
/** Storage of one app for one user: key length, value size (JSON, UTF-8) and key count. */
export const miniappStorageKeyLengthMax = 128;
export const miniappStorageValueBytesMax = 16 * 1024;
export const miniappStorageKeysMax = 200;
/** A shared card: its title, description and the path inside the app it opens. */
export const miniappShareTitleLengthMax = 100;
export const miniappShareDescriptionLengthMax = 300;
export const miniappSharePathLengthMax = 1_000;
/** Login codes one user may ask for per minute (the host asks once per `auth.login`). */
export const miniappLoginCodesPerUserPerMinuteMax = 30;
/** Spent and lapsed login codes are deleted this long after the first of them expires, in batches. */
export const miniappLoginCodeSweepDelaySeconds = 10 * 60;
export const miniappLoginCodeSweepBatchMax = 5_000;
/**
 * Characters of one path parameter as sent (URL-encoded): a 128-character storage key in
 * Chinese is about 1,150. Longer ones are refused by the router.
 */
export const pathParamLengthMax = 1_200;

// Mini-app payments
/** A paid order may be refunded (in part, several times) for this long after payment. */
export const miniappRefundWindowSeconds = 365 * 24 * 60 * 60;
export const miniappOrderDescriptionMaxLength = 200;
export const miniappMerchantReferenceMaxLength = 64;
export const miniappRefundReasonMaxLength = 200;
/** An order expires this long after it is made unless the merchant says otherwise. */
export const miniappOrderTtlDefaultSeconds = 30 * 60;
export const miniappOrderTtlMinSeconds = 60;
export const miniappOrderTtlMaxSeconds = 24 * 60 * 60;
export const miniappOrderMetadataKeysMax = 20;
export const miniappOrderMetadataKeyMaxLength = 40;
export const miniappOrderMetadataValueMaxLength = 500;
/** Test money a user's test wallet (currency XTS) is funded with the first time it is needed. */
export const miniappTestWalletFundingMinor = 1_000_000n;
/** Events one page of `GET /v1/merchant/events` holds at most (default 50). */
export const miniappEventsPageMax = 100;
export const miniappEventsPageDefault = 50;
/** Refunds of one order listed at most. */
export const miniappRefundsListMax = 100;
/** Webhook deliveries on one page of the developer console. */
export const webhookDeliveriesPageMax = 50;
/** A webhook endpoint has this long to answer with a 2xx. */
export const webhookTimeoutSeconds = 10;
/** Bytes of an endpoint's answer kept in the delivery log. */
export const webhookResponseBodyMaxBytes = 2 * 1024;
/** Attempts kept and shown per delivery (the schedule makes 11; resends add to it). */
export const webhookAttemptsShownMax = 50;
