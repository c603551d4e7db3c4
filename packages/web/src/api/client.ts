import type {
  AcceptedFriendRequest,
  AddCardRequest,
  AuthResponse,
  BankCard,
  BlockList,
  ChangePasswordRequest,
  ClientConfig,
  Contact,
  ContactList,
  ContactQr,
  ConversationDetail,
  ConversationList,
  ConversationSummary,
  CreateGroupRequest,
  CreatePaymentRequest,
  FamilyGrant,
  FamilyGrantUse,
  ForwardMessageRequest,
  FriendRequest,
  FriendRequestList,
  FundHistory,
  FundOrder,
  FundQuote,
  FundRedeemRequest,
  FundSubscribeRequest,
  FundSummary,
  HistoryItem,
  HistoryPage,
  LoginRequest,
  Me,
  MediaInfo,
  MediaLinks,
  Message,
  MessagePage,
  MonthlyTotals,
  PayCode,
  PaymentRequest,
  PayPaymentRequest,
  Presence,
  PrivacySettings,
  PublicUser,
  ReceiveQr,
  RedPacket,
  RedPacketMode,
  ResolvedQr,
  SendFriendRequest,
  SendMediaRequest,
  SendMessageRequest,
  SessionList,
  SetPinRequest,
  SignupRequest,
  Split,
  TopUp,
  TopUpRequest,
  Transfer,
  TransferCard,
  TransferRequest,
  UpdateContactRequest,
  UpdateGroupRequest,
  UpdatePrivacyRequest,
  UpdateProfileRequest,
  UpdateSettingsRequest,
  VerifyPinRequest,
  WalletSummary,
  Watermarks,
  Withdrawal,
  WithdrawalRequest,
} from '@jiaozi/protocol';
import { type HistoryFilters, historyCsvPath, historyQuery } from '../wallet/history.js';

/** The slice of `fetch` the client needs; tests pass a fake. */
export type FetchFn = (input: string, init?: RequestInit) => Promise<Response>;

/** Codes the client makes up itself when there is no usable server answer. */
export const CLIENT_ERROR_CODES = [
  'network_error',
  'unexpected_response',
  'password_mismatch',
  'qr_not_found',
  'camera_unavailable',
] as const;
export type ClientErrorCode = (typeof CLIENT_ERROR_CODES)[number];

export interface ApiErrorInit {
  status: number;
  code: string;
  message: string;
  requestId?: string | undefined;
  details?: Record<string, unknown> | undefined;
}

/** Every failure of an API call: a server error answer, or a client-side code (status 0). */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly status: number;
  readonly code: string;
  readonly requestId: string | undefined;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(init: ApiErrorInit) {
    super(init.message);
    this.status = init.status;
    this.code = init.code;
    this.requestId = init.requestId;
    this.details = init.details ?? {};
  }
}

function networkError(cause: unknown): ApiError {
  return new ApiError({
    status: 0,
    code: 'network_error',
    message: cause instanceof Error ? cause.message : String(cause),
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** What a status means when the body is not an error document (a proxy or gateway answered). */
const STATUS_FALLBACK: Readonly<Record<number, string>> = {
  413: 'payload_too_large',
  429: 'rate_limited',
  502: 'service_unavailable',
  503: 'service_unavailable',
  504: 'service_unavailable',
};

/**
 * Turns an error answer into an `ApiError`. `body` is the parsed JSON (or anything else if it
 * was not JSON); a `Retry-After` header fills in `details.retryAfterSeconds` for `rate_limited`.
 */
export function toApiError(status: number, body: unknown, headers?: Headers): ApiError {
  const error = isRecord(body) ? body.error : undefined;
  if (isRecord(error) && typeof error.code === 'string' && error.code !== '') {
    const details: Record<string, unknown> = isRecord(error.details) ? { ...error.details } : {};
    if (error.code === 'rate_limited' && details.retryAfterSeconds === undefined) {
      const retryAfter = headers?.get('retry-after');
      if (retryAfter && /^\d+$/.test(retryAfter)) details.retryAfterSeconds = Number(retryAfter);
    }
    return new ApiError({
      status,
      code: error.code,
      message: typeof error.message === 'string' ? error.message : '',
      requestId: typeof error.requestId === 'string' ? error.requestId : undefined,
      details,
    });
  }
  return new ApiError({
    status,
    code: STATUS_FALLBACK[status] ?? 'unexpected_response',
    message: `HTTP ${status}`,
  });
}

/** Reads an error answer's body (JSON or not) and converts it. */
export async function errorFromResponse(response: Response): Promise<ApiError> {
  let body: unknown;
  try {
    const text = await response.text();
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    body = undefined;
  }
  return toApiError(response.status, body, response.headers);
}

export interface ApiClientOptions {
  fetch: FetchFn;
  /** Prepended to every path; '' means same origin. */
  baseUrl?: string;
  getToken?: () => string | null;
  /** Called with the token that the server just rejected as `unauthenticated`. */
  onUnauthenticated?: (token: string) => void;
  /** Abort a request after this long; 0 disables. */
  timeoutMs?: number;
}

export class ApiClient {
  readonly #fetch: FetchFn;
  readonly #baseUrl: string;
  readonly #getToken: () => string | null;
  readonly #onUnauthenticated: ((token: string) => void) | undefined;
  readonly #timeoutMs: number;

  constructor(options: ApiClientOptions) {
    this.#fetch = options.fetch;
    this.#baseUrl = options.baseUrl ?? '';
    this.#getToken = options.getToken ?? (() => null);
    this.#onUnauthenticated = options.onUnauthenticated;
    this.#timeoutMs = options.timeoutMs ?? 20_000;
  }

  /** Sends one request with the bearer token; resolves with the answer if it is a 2xx, else rejects with `ApiError`. */
  async #send(method: string, path: string, body: unknown, accept: string): Promise<Response> {
    const headers: Record<string, string> = { accept };
    const token = this.#getToken();
    if (token) headers.authorization = `Bearer ${token}`;
    const init: RequestInit = { method, headers };
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    if (this.#timeoutMs > 0 && typeof AbortSignal.timeout === 'function') {
      init.signal = AbortSignal.timeout(this.#timeoutMs);
    }

    let response: Response;
    try {
      response = await this.#fetch(this.#baseUrl + path, init);
    } catch (cause) {
      throw networkError(cause);
    }

    if (!response.ok) {
      const error = await errorFromResponse(response);
      if (error.code === 'unauthenticated' && token) this.#onUnauthenticated?.(token);
      throw error;
    }
    return response;
  }

  /** One JSON call. Resolves with the parsed body (undefined for 204); rejects with `ApiError`. */
  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.#send(method, path, body, 'application/json');
    if (response.status === 204) return undefined as T;
    let text: string;
    try {
      text = await response.text();
    } catch (cause) {
      throw networkError(cause);
    }
    if (text === '') return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new ApiError({ status: response.status, code: 'unexpected_response', message: 'Invalid JSON' });
    }
  }

  /** A GET of a file (CSV…) with the bearer token, as a Blob; rejects with `ApiError`. */
  async download(path: string, accept = '*/*'): Promise<Blob> {
    const response = await this.#send('GET', path, undefined, accept);
    try {
      return await response.blob();
    } catch (cause) {
      throw networkError(cause);
    }
  }

  config(): Promise<ClientConfig> {
    return this.request('GET', '/v1/config');
  }

  signup(body: SignupRequest): Promise<AuthResponse> {
    return this.request('POST', '/v1/auth/signup', body);
  }

  login(body: LoginRequest): Promise<AuthResponse> {
    return this.request('POST', '/v1/auth/login', body);
  }

  logout(): Promise<void> {
    return this.request('POST', '/v1/auth/logout');
  }

  me(): Promise<Me> {
    return this.request('GET', '/v1/me');
  }

  updateMe(body: UpdateProfileRequest): Promise<Me> {
    return this.request('PATCH', '/v1/me', body);
  }

  changePassword(body: ChangePasswordRequest): Promise<void> {
    return this.request('POST', '/v1/me/password', body);
  }

  sessions(): Promise<SessionList> {
    return this.request('GET', '/v1/me/sessions');
  }

  revokeSession(id: string): Promise<void> {
    return this.request('DELETE', `/v1/me/sessions/${encodeURIComponent(id)}`);
  }

  setPin(body: SetPinRequest): Promise<void> {
    return this.request('PUT', '/v1/me/pin', body);
  }

  verifyPin(body: VerifyPinRequest): Promise<void> {
    return this.request('POST', '/v1/me/pin/verify', body);
  }

  // ---------- Wallet ----------

  wallet(): Promise<WalletSummary> {
    return this.request('GET', '/v1/wallet');
  }

  cards(): Promise<{ cards: BankCard[] }> {
    return this.request('GET', '/v1/wallet/cards');
  }

  addCard(body: AddCardRequest): Promise<BankCard> {
    return this.request('POST', '/v1/wallet/cards', body);
  }

  removeCard(id: string): Promise<void> {
    return this.request('DELETE', `/v1/wallet/cards/${encodeURIComponent(id)}`);
  }

  createTopUp(body: TopUpRequest): Promise<TopUp> {
    return this.request('POST', '/v1/wallet/topups', body);
  }

  topUp(id: string): Promise<TopUp> {
    return this.request('GET', `/v1/wallet/topups/${encodeURIComponent(id)}`);
  }

  createWithdrawal(body: WithdrawalRequest): Promise<Withdrawal> {
    return this.request('POST', '/v1/wallet/withdrawals', body);
  }

  withdrawal(id: string): Promise<Withdrawal> {
    return this.request('GET', `/v1/wallet/withdrawals/${encodeURIComponent(id)}`);
  }

  createTransfer(body: TransferRequest): Promise<Transfer> {
    return this.request('POST', '/v1/transfers', body);
  }

  transfer(id: string): Promise<Transfer> {
    return this.request('GET', `/v1/transfers/${encodeURIComponent(id)}`);
  }

  createPaymentRequest(body: CreatePaymentRequest): Promise<PaymentRequest> {
    return this.request('POST', '/v1/payment-requests', body);
  }

  paymentRequests(role: 'incoming' | 'outgoing'): Promise<{ requests: PaymentRequest[] }> {
    return this.request('GET', `/v1/payment-requests?role=${role}`);
  }

  payPaymentRequest(id: string, body: PayPaymentRequest): Promise<PaymentRequest> {
    return this.request('POST', `/v1/payment-requests/${encodeURIComponent(id)}/pay`, body);
  }

  declinePaymentRequest(id: string): Promise<PaymentRequest> {
    return this.request('POST', `/v1/payment-requests/${encodeURIComponent(id)}/decline`);
  }

  cancelPaymentRequest(id: string): Promise<PaymentRequest> {
    return this.request('POST', `/v1/payment-requests/${encodeURIComponent(id)}/cancel`);
  }

  receiveQr(amountMinor?: number): Promise<ReceiveQr> {
    const query = amountMinor === undefined ? '' : `?amountMinor=${amountMinor}`;
    return this.request('GET', `/v1/wallet/qr${query}`);
  }

  resolveQr(payload: string): Promise<ResolvedQr> {
    return this.request('POST', '/v1/wallet/qr/resolve', { payload });
  }

  payCode(): Promise<PayCode> {
    return this.request('POST', '/v1/wallet/paycode');
  }

  familyGrants(): Promise<{ grants: FamilyGrant[] }> {
    return this.request('GET', '/v1/family-pay/grants');
  }

  createFamilyGrant(body: {
    id: string;
    granteeId: string;
    monthlyLimitMinor: number;
  }): Promise<FamilyGrant> {
    return this.request('POST', '/v1/family-pay/grants', body);
  }

  acceptFamilyGrant(id: string): Promise<FamilyGrant> {
    return this.request('POST', `/v1/family-pay/grants/${encodeURIComponent(id)}/accept`);
  }

  endFamilyGrant(id: string): Promise<FamilyGrant> {
    return this.request('POST', `/v1/family-pay/grants/${encodeURIComponent(id)}/end`);
  }

  familyGrantUses(id: string): Promise<{ uses: FamilyGrantUse[] }> {
    return this.request('GET', `/v1/family-pay/grants/${encodeURIComponent(id)}/uses`);
  }

  /** A pay code that pays through a family grant given to me (my own PIN). */
  familyPayCode(grantId: string, pin: string): Promise<PayCode> {
    return this.request('POST', `/v1/family-pay/grants/${encodeURIComponent(grantId)}/paycode`, { pin });
  }

  history(
    filters: HistoryFilters = {},
    page: { cursor?: string | null; limit?: number } = {},
  ): Promise<HistoryPage> {
    return this.request('GET', `/v1/wallet/history${historyQuery(filters, page)}`);
  }

  historyCsv(filters: HistoryFilters = {}): Promise<Blob> {
    return this.download(historyCsvPath(filters), 'text/csv');
  }

  historyItem(id: string): Promise<HistoryItem> {
    return this.request('GET', `/v1/wallet/history/${encodeURIComponent(id)}`);
  }

  monthly(months = 6): Promise<MonthlyTotals> {
    return this.request('GET', `/v1/wallet/monthly?months=${months}`);
  }

  // ---------- Fund ----------

  fund(): Promise<FundSummary> {
    return this.request('GET', '/v1/fund');
  }

  fundHistory(days = 30): Promise<FundHistory> {
    return this.request('GET', `/v1/fund/history?days=${days}`);
  }

  fundQuote(): Promise<FundQuote> {
    return this.request('GET', '/v1/fund/quote');
  }

  fundOrders(): Promise<{ orders: FundOrder[] }> {
    return this.request('GET', '/v1/fund/orders');
  }

  subscribeFund(body: FundSubscribeRequest): Promise<FundOrder> {
    return this.request('POST', '/v1/fund/subscriptions', body);
  }

  redeemFund(body: FundRedeemRequest): Promise<FundOrder> {
    return this.request('POST', '/v1/fund/redemptions', body);
  }

  // ---------- Contacts ----------

  /** The one account with exactly this username or +phone (404 `not_found` when none). */
  searchUser(q: string): Promise<PublicUser> {
    return this.request('GET', `/v1/users/search?q=${encodeURIComponent(q)}`);
  }

  user(id: string): Promise<PublicUser> {
    return this.request('GET', `/v1/users/${encodeURIComponent(id)}`);
  }

  presence(id: string): Promise<Presence> {
    return this.request('GET', `/v1/users/${encodeURIComponent(id)}/presence`);
  }

  contactQr(): Promise<ContactQr> {
    return this.request('GET', '/v1/me/contact-qr');
  }

  resolveContactQr(payload: string): Promise<PublicUser> {
    return this.request('POST', '/v1/users/resolve-qr', { payload });
  }

  createFriendRequest(body: SendFriendRequest): Promise<FriendRequest> {
    return this.request('POST', '/v1/friend-requests', body);
  }

  friendRequests(direction: 'incoming' | 'outgoing'): Promise<FriendRequestList> {
    return this.request('GET', `/v1/friend-requests?direction=${direction}`);
  }

  acceptFriendRequest(id: string): Promise<AcceptedFriendRequest> {
    return this.request('POST', `/v1/friend-requests/${encodeURIComponent(id)}/accept`);
  }

  declineFriendRequest(id: string): Promise<FriendRequest> {
    return this.request('POST', `/v1/friend-requests/${encodeURIComponent(id)}/decline`);
  }

  contacts(): Promise<ContactList> {
    return this.request('GET', '/v1/contacts');
  }

  updateContact(userId: string, body: UpdateContactRequest): Promise<Contact> {
    return this.request('PATCH', `/v1/contacts/${encodeURIComponent(userId)}`, body);
  }

  deleteContact(userId: string): Promise<void> {
    return this.request('DELETE', `/v1/contacts/${encodeURIComponent(userId)}`);
  }

  block(userId: string): Promise<void> {
    return this.request('POST', '/v1/blocks', { userId });
  }

  unblock(userId: string): Promise<void> {
    return this.request('DELETE', `/v1/blocks/${encodeURIComponent(userId)}`);
  }

  blocks(): Promise<BlockList> {
    return this.request('GET', '/v1/blocks');
  }

  privacy(): Promise<PrivacySettings> {
    return this.request('GET', '/v1/me/privacy');
  }

  updatePrivacy(body: UpdatePrivacyRequest): Promise<PrivacySettings> {
    return this.request('PATCH', '/v1/me/privacy', body);
  }

  // ---------- Chats ----------

  conversations(): Promise<ConversationList> {
    return this.request('GET', '/v1/conversations');
  }

  conversation(id: string): Promise<ConversationDetail> {
    return this.request('GET', `/v1/conversations/${encodeURIComponent(id)}`);
  }

  /** My direct conversation with someone, made if it is not there yet. */
  openDirect(userId: string): Promise<ConversationDetail> {
    return this.request('POST', '/v1/conversations/direct', { userId });
  }

  createGroup(body: CreateGroupRequest): Promise<ConversationDetail> {
    return this.request('POST', '/v1/conversations/groups', body);
  }

  updateGroup(id: string, body: UpdateGroupRequest): Promise<ConversationDetail> {
    return this.request('PATCH', `/v1/conversations/${encodeURIComponent(id)}`, body);
  }

  updateConversationSettings(id: string, body: UpdateSettingsRequest): Promise<ConversationSummary> {
    return this.request('PATCH', `/v1/conversations/${encodeURIComponent(id)}/settings`, body);
  }

  inviteMembers(id: string, userIds: string[]): Promise<ConversationDetail> {
    return this.request('POST', `/v1/conversations/${encodeURIComponent(id)}/members`, { userIds });
  }

  removeMember(id: string, userId: string): Promise<void> {
    return this.request(
      'DELETE',
      `/v1/conversations/${encodeURIComponent(id)}/members/${encodeURIComponent(userId)}`,
    );
  }

  leaveConversation(id: string): Promise<void> {
    return this.request('POST', `/v1/conversations/${encodeURIComponent(id)}/leave`);
  }

  /** The latest page, or the page before a seq; ascending by seq. */
  messages(id: string, page: { before?: number; limit?: number } = {}): Promise<MessagePage> {
    const query = new URLSearchParams();
    if (page.before !== undefined) query.set('before', String(page.before));
    if (page.limit !== undefined) query.set('limit', String(page.limit));
    const qs = query.toString();
    return this.request('GET', `/v1/conversations/${encodeURIComponent(id)}/messages${qs ? `?${qs}` : ''}`);
  }

  sendMessage(id: string, body: SendMessageRequest): Promise<Message> {
    return this.request('POST', `/v1/conversations/${encodeURIComponent(id)}/messages`, body);
  }

  sendDirectMessage(userId: string, body: SendMessageRequest): Promise<Message> {
    return this.request('POST', `/v1/users/${encodeURIComponent(userId)}/messages`, body);
  }

  forwardMessage(id: string, body: ForwardMessageRequest): Promise<Message> {
    return this.request('POST', `/v1/conversations/${encodeURIComponent(id)}/forward`, body);
  }

  recallMessage(id: string, messageId: string): Promise<Message> {
    return this.request(
      'POST',
      `/v1/conversations/${encodeURIComponent(id)}/messages/${encodeURIComponent(messageId)}/recall`,
    );
  }

  deleteMessage(id: string, messageId: string): Promise<void> {
    return this.request(
      'DELETE',
      `/v1/conversations/${encodeURIComponent(id)}/messages/${encodeURIComponent(messageId)}`,
    );
  }

  // ---------- Media ----------

  /**
   * Uploads a file as multipart/form-data (one part `file`, plus text fields) with
   * XMLHttpRequest, whose upload events tell `onProgress` how much has gone (0 to 1).
   * Rejects with `ApiError` like any call; `signal` aborts it.
   */
  upload<T>(
    method: 'POST' | 'PUT',
    path: string,
    file: Blob,
    options: {
      fields?: Record<string, string>;
      onProgress?: (fraction: number) => void;
      signal?: AbortSignal;
    } = {},
  ): Promise<T> {
    const form = new FormData();
    for (const [name, value] of Object.entries(options.fields ?? {})) form.append(name, value);
    form.append('file', file, file instanceof File ? file.name : 'upload');
    const token = this.#getToken();
    return new Promise<T>((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open(method, this.#baseUrl + path);
      xhr.setRequestHeader('accept', 'application/json');
      if (token) xhr.setRequestHeader('authorization', `Bearer ${token}`);
      xhr.upload.onprogress = (event) => {
        if (event.lengthComputable && event.total > 0) options.onProgress?.(event.loaded / event.total);
      };
      xhr.onerror = () => reject(networkError(new Error('upload failed')));
      xhr.onabort = () => reject(networkError(new Error('upload aborted')));
      xhr.onload = () => {
        let body: unknown;
        try {
          body = xhr.responseText === '' ? undefined : JSON.parse(xhr.responseText);
        } catch {
          body = undefined;
        }
        if (xhr.status >= 200 && xhr.status < 300) {
          options.onProgress?.(1);
          resolve(body as T);
          return;
        }
        const error = toApiError(xhr.status, body);
        if (error.code === 'unauthenticated' && token) this.#onUnauthenticated?.(token);
        reject(error);
      };
      options.signal?.addEventListener('abort', () => xhr.abort(), { once: true });
      xhr.send(form);
    });
  }

  uploadPhoto(file: Blob, onProgress?: (fraction: number) => void): Promise<MediaInfo> {
    return this.upload('POST', '/v1/media/photos', file, onProgress ? { onProgress } : {});
  }

  uploadVoice(file: Blob, waveform: readonly number[]): Promise<MediaInfo> {
    return this.upload('POST', '/v1/media/voice', file, { fields: { waveform: waveform.join(',') } });
  }

  mediaLinks(id: string): Promise<MediaLinks> {
    return this.request('GET', `/v1/media/${encodeURIComponent(id)}`);
  }

  markPlayed(id: string): Promise<void> {
    return this.request('POST', `/v1/media/${encodeURIComponent(id)}/played`);
  }

  sendMedia(conversationId: string, body: SendMediaRequest): Promise<Message> {
    return this.request('POST', `/v1/conversations/${encodeURIComponent(conversationId)}/media`, body);
  }

  // ── Money in chat ──

  sendTransferCard(body: {
    id: string;
    conversationId: string;
    amountMinor: number;
    note?: string;
    pin: string;
  }): Promise<{ message: Message; card: TransferCard }> {
    return this.request('POST', '/v1/chatpay/transfers', body);
  }

  transferCard(id: string): Promise<TransferCard> {
    return this.request('GET', `/v1/chatpay/transfers/${encodeURIComponent(id)}`);
  }

  decideTransferCard(id: string, action: 'accept' | 'return'): Promise<TransferCard> {
    return this.request('POST', `/v1/chatpay/transfers/${encodeURIComponent(id)}/${action}`);
  }

  sendRedPacket(body: {
    id: string;
    conversationId: string;
    mode: RedPacketMode;
    totalMinor: number;
    count: number;
    greeting?: string;
    recipientIds?: string[];
    pin: string;
  }): Promise<{ message: Message; packet: RedPacket }> {
    return this.request('POST', '/v1/chatpay/red-packets', body);
  }

  redPacket(id: string): Promise<RedPacket> {
    return this.request('GET', `/v1/chatpay/red-packets/${encodeURIComponent(id)}`);
  }

  grabRedPacket(id: string): Promise<RedPacket> {
    return this.request('POST', `/v1/chatpay/red-packets/${encodeURIComponent(id)}/grab`);
  }

  createSplit(body: {
    id: string;
    conversationId: string;
    title: string;
    totalMinor: number;
    participantIds: string[];
    amounts?: { userId: string; amountMinor: number }[];
  }): Promise<{ message: Message; split: Split }> {
    return this.request('POST', '/v1/chatpay/splits', body);
  }

  split(id: string): Promise<Split> {
    return this.request('GET', `/v1/chatpay/splits/${encodeURIComponent(id)}`);
  }

  paySplit(id: string, pin: string): Promise<Split> {
    return this.request('POST', `/v1/chatpay/splits/${encodeURIComponent(id)}/pay`, { pin });
  }

  splitAction(id: string, action: 'remind' | 'close'): Promise<Split> {
    return this.request('POST', `/v1/chatpay/splits/${encodeURIComponent(id)}/${action}`);
  }

  setMyAvatar(file: Blob): Promise<{ avatarId: string }> {
    return this.upload('PUT', '/v1/me/avatar', file);
  }

  setGroupAvatar(conversationId: string, file: Blob): Promise<ConversationDetail> {
    return this.upload('PUT', `/v1/conversations/${encodeURIComponent(conversationId)}/avatar`, file);
  }

  markRead(id: string, seq: number): Promise<Watermarks> {
    return this.request('POST', `/v1/conversations/${encodeURIComponent(id)}/read`, { seq });
  }

  markDelivered(id: string, seq: number): Promise<Watermarks> {
    return this.request('POST', `/v1/conversations/${encodeURIComponent(id)}/delivered`, { seq });
  }
}
