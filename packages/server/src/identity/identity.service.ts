import { createHash, randomBytes } from 'node:crypto';
import type { AuthResponse, KycTier, Me, Role, SessionInfo } from '@jiaozi/protocol';
import type { Kysely, Transaction } from 'kysely';
import { addSeconds, type Clock } from '../kernel/clock.js';
import { assert, DomainError } from '../kernel/errors.js';
import { newId } from '../kernel/ids.js';
import {
  deviceNameMaxLength,
  kycTierMax,
  sessionsPerUserMax,
  sessionTokenBytes,
  sessionTouchIntervalSeconds,
  userAgentStoredMaxLength,
} from '../kernel/limits.js';
import type { Database } from '../platform/db/schema.js';
import {
  classifyLogin,
  deviceNameFromUserAgent,
  isValidPhone,
  isValidUsername,
  isWeakPin,
  normalizeUsername,
  pinAttempt,
} from './identity.core.js';
import { IdentityRepository, type SessionRow, type UserRow, uniqueViolation } from './identity.repository.js';
import { Hasher, type HashParams } from './passwords.js';

export interface RequestMeta {
  ip: string | null;
  userAgent: string | undefined;
}

export interface Principal {
  userId: string;
  sessionId: string;
  role: Role;
}

export interface NewUser {
  username?: string | undefined;
  phone?: string | undefined;
  password: string;
  displayName?: string | undefined;
  role?: Role;
  kycTier?: KycTier;
}

/** Runs in the transaction that creates a user (e.g. to open their wallet). */
export type UserCreatedHook = (trx: Transaction<Database>, user: UserRow) => Promise<void>;

export interface IdentityOptions {
  sessionTtlDays: number;
  hash: HashParams;
}

const TOKEN_PREFIX = 'jz_';

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

function toMe(row: UserRow): Me {
  return {
    id: row.id,
    username: row.username,
    phone: row.phone,
    displayName: row.display_name,
    bio: row.bio,
    region: row.region,
    role: row.role,
    kycTier: row.kyc_tier as KycTier,
    hasPin: row.pin_hash !== null,
    avatarId: row.avatar_id,
    createdAt: row.created_at.toISOString(),
  };
}

function toSessionInfo(row: SessionRow, currentId: string | null): SessionInfo {
  return {
    id: row.id,
    deviceName: row.device_name,
    userAgent: row.user_agent,
    ip: row.ip,
    createdAt: row.created_at.toISOString(),
    lastSeenAt: row.last_seen_at.toISOString(),
    expiresAt: row.expires_at.toISOString(),
    current: row.id === currentId,
  };
}

/**
 * Accounts, sessions, profile and the payment PIN. Other domains ask this service who a
 * user is and whether a PIN is right (`verifyPin`), never the tables.
 */
export class IdentityService {
  readonly repo: IdentityRepository;
  readonly #hasher: Hasher;
  readonly #sessionTtlSeconds: number;
  readonly #onUserCreated: UserCreatedHook[] = [];

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    options: IdentityOptions,
  ) {
    this.repo = new IdentityRepository(db);
    this.#hasher = new Hasher(options.hash);
    this.#sessionTtlSeconds = options.sessionTtlDays * 24 * 60 * 60;
  }

  /** Registers work to do, atomically, whenever an account is created. */
  onUserCreated(hook: UserCreatedHook): void {
    this.#onUserCreated.push(hook);
  }

  /** Creates an account. Rules are checked first; the unique indexes settle races. */
  async createUser(input: NewUser): Promise<UserRow> {
    const username = input.username === undefined ? null : input.username;
    const phone = input.phone === undefined ? null : input.phone;
    if ((username === null) === (phone === null)) {
      throw new DomainError('invalid_request', 'Give either a username or a phone number.', {
        path: '/body/username',
      });
    }
    if (username !== null && !isValidUsername(username)) {
      throw new DomainError('invalid_request', 'That username is not valid.', { path: '/body/username' });
    }
    if (phone !== null && !isValidPhone(phone)) {
      throw new DomainError('invalid_request', 'Give the phone number in E.164 form, e.g. +8613800138000.', {
        path: '/body/phone',
      });
    }
    const normalized = username === null ? null : normalizeUsername(username);
    const displayName =
      input.displayName?.trim() || (username ?? `${phone?.slice(0, 4)}…${phone?.slice(-4)}`);
    const now = this.clock.now();
    const row: UserRow = {
      id: newId(this.clock),
      username: normalized,
      phone,
      password_hash: await this.#hasher.hash(input.password),
      display_name: displayName,
      bio: '',
      region: null,
      role: input.role ?? 'user',
      kyc_tier: input.kycTier ?? 0,
      pin_hash: null,
      pin_failed_attempts: 0,
      pin_locked_until: null,
      created_at: now,
      updated_at: now,
      avatar_id: null,
    };
    try {
      await this.db.transaction().execute(async (trx) => {
        await this.repo.insertUser(trx, row);
        for (const hook of this.#onUserCreated) await hook(trx, row);
      });
    } catch (error) {
      const constraint = uniqueViolation(error);
      if (constraint?.includes('username'))
        throw new DomainError('username_taken', 'That username is taken.');
      if (constraint?.includes('phone'))
        throw new DomainError('phone_taken', 'That phone number already has an account.');
      throw error;
    }
    return row;
  }

  async signup(
    input: { username?: string; phone?: string; password: string; displayName?: string; deviceName?: string },
    meta: RequestMeta,
  ): Promise<AuthResponse> {
    const user = await this.createUser(input);
    await this.#audit(user.id, 'signup', meta, {});
    return this.#openSession(user, input.deviceName, meta);
  }

  /** Unknown account and wrong password answer the same, in the same time. */
  async login(
    input: { login: string; password: string; deviceName?: string },
    meta: RequestMeta,
  ): Promise<AuthResponse> {
    const id = classifyLogin(input.login);
    const user =
      id === null
        ? undefined
        : id.kind === 'username'
          ? await this.repo.findUserByUsername(id.username)
          : await this.repo.findUserByPhone(id.phone);
    if (!user) {
      await this.#hasher.burn(input.password);
      throw new DomainError('invalid_credentials', 'Wrong account or password.');
    }
    if (!(await this.#hasher.verify(user.password_hash, input.password))) {
      await this.#audit(user.id, 'login_failed', meta, {});
      throw new DomainError('invalid_credentials', 'Wrong account or password.');
    }
    await this.#audit(user.id, 'login', meta, {});
    return this.#openSession(user, input.deviceName, meta);
  }

  async #openSession(
    user: UserRow,
    deviceName: string | undefined,
    meta: RequestMeta,
  ): Promise<AuthResponse> {
    const now = this.clock.now();
    const token = `${TOKEN_PREFIX}${randomBytes(sessionTokenBytes).toString('base64url')}`;
    const session: SessionRow = {
      id: newId(this.clock),
      user_id: user.id,
      token_hash: hashToken(token),
      device_name: (deviceName?.trim() || deviceNameFromUserAgent(meta.userAgent)).slice(
        0,
        deviceNameMaxLength,
      ),
      user_agent: meta.userAgent?.slice(0, userAgentStoredMaxLength) ?? null,
      ip: meta.ip,
      created_at: now,
      last_seen_at: now,
      expires_at: addSeconds(now, this.#sessionTtlSeconds),
      revoked_at: null,
    };
    await this.db.transaction().execute(async (trx) => {
      await this.repo.insertSession(trx, session);
      await this.repo.revokeOldestBeyond(trx, user.id, sessionsPerUserMax, now);
    });
    return { user: toMe(user), session: toSessionInfo(session, session.id), token };
  }

  /** Who holds this token, or null. Sliding expiry, written at most once a minute. */
  async authenticate(token: string): Promise<Principal | null> {
    if (!token.startsWith(TOKEN_PREFIX) || token.length > 128) return null;
    const now = this.clock.now();
    const session = await this.repo.findActiveSession(hashToken(token), now);
    if (!session) return null;
    if (now.getTime() - session.last_seen_at.getTime() >= sessionTouchIntervalSeconds * 1000) {
      await this.repo.touchSession(session.id, now, addSeconds(now, this.#sessionTtlSeconds));
    }
    return { userId: session.user_id, sessionId: session.id, role: session.role };
  }

  async logout(principal: Principal): Promise<void> {
    await this.repo.revokeSession(principal.userId, principal.sessionId, this.clock.now());
  }

  async getUser(userId: string): Promise<UserRow> {
    const row = await this.repo.findUserById(userId);
    if (!row) throw new DomainError('not_found', 'No such user.');
    return row;
  }

  async me(userId: string): Promise<Me> {
    return toMe(await this.getUser(userId));
  }

  async updateProfile(
    userId: string,
    patch: { displayName?: string | undefined; bio?: string | undefined; region?: string | null | undefined },
  ): Promise<Me> {
    const set: Partial<Pick<UserRow, 'display_name' | 'bio' | 'region'>> = {};
    if (patch.displayName !== undefined) {
      const name = patch.displayName.trim();
      if (name === '')
        throw new DomainError('invalid_request', 'The name cannot be empty.', { path: '/body/displayName' });
      set.display_name = name;
    }
    if (patch.bio !== undefined) set.bio = patch.bio.trim();
    if (patch.region !== undefined) set.region = patch.region;
    const row =
      Object.keys(set).length === 0
        ? await this.repo.findUserById(userId)
        : await this.repo.updateProfile(userId, set, this.clock.now());
    if (!row) throw new DomainError('not_found', 'No such user.');
    return toMe(row);
  }

  async #checkPassword(user: UserRow, password: string): Promise<void> {
    if (!(await this.#hasher.verify(user.password_hash, password))) {
      throw new DomainError('password_incorrect', 'The password is wrong.');
    }
  }

  /** A new password ends every other session of the account. */
  async changePassword(
    principal: Principal,
    currentPassword: string,
    newPassword: string,
    meta: RequestMeta,
  ): Promise<void> {
    const user = await this.getUser(principal.userId);
    await this.#checkPassword(user, currentPassword);
    const hashed = await this.#hasher.hash(newPassword);
    const now = this.clock.now();
    await this.db.transaction().execute(async (trx) => {
      await this.repo.setPasswordHash(trx, user.id, hashed, now);
      await this.repo.revokeOtherSessions(trx, user.id, principal.sessionId, now);
      await this.#audit(user.id, 'password_changed', meta, {}, trx);
    });
  }

  async listSessions(principal: Principal): Promise<SessionInfo[]> {
    const rows = await this.repo.listActiveSessions(principal.userId, this.clock.now());
    return rows.map((r) => toSessionInfo(r, principal.sessionId));
  }

  /** Another user's session, or one already gone, is simply not found. */
  async revokeSession(principal: Principal, sessionId: string): Promise<void> {
    const revoked = await this.repo.revokeSession(principal.userId, sessionId, this.clock.now());
    if (!revoked) throw new DomainError('not_found', 'No such session.');
  }

  /** Sets or changes the payment PIN; needs the account password. Clears any lockout. */
  async setPin(userId: string, pin: string, password: string, meta: RequestMeta): Promise<void> {
    const user = await this.getUser(userId);
    await this.#checkPassword(user, password);
    if (isWeakPin(pin)) {
      throw new DomainError(
        'pin_too_weak',
        'Choose a PIN that is not a repeated digit or a straight run like 123456.',
      );
    }
    const pinHash = await this.#hasher.hash(pin);
    const now = this.clock.now();
    await this.db.transaction().execute(async (trx) => {
      await this.repo.setPinHash(trx, userId, pinHash, now);
      await this.#audit(userId, user.pin_hash ? 'pin_changed' : 'pin_set', meta, {}, trx);
    });
  }

  /**
   * Verifies a payment PIN for any domain about to move money. The hash is checked outside
   * the lock (it is slow); the attempt is then counted under a row lock, so concurrent
   * wrong PINs count one by one and lock the account exactly once. The count is committed
   * before the answer is thrown.
   */
  async verifyPin(
    userId: string,
    pin: string,
    meta: RequestMeta = { ip: null, userAgent: undefined },
  ): Promise<void> {
    const user = await this.getUser(userId);
    if (!user.pin_hash) throw new DomainError('pin_not_set', 'Set a payment PIN first.');
    const now = this.clock.now();
    if (user.pin_locked_until && now < user.pin_locked_until) throw this.#lockedError(user.pin_locked_until);
    let hashChecked = user.pin_hash;
    let correct = await this.#hasher.verify(hashChecked, pin);
    const outcome = await this.db.transaction().execute(async (trx) => {
      const state = await this.repo.lockPinState(trx, userId);
      assert(state, 'user row exists while verifying a PIN');
      if (state.pin_hash === null) return null;
      if (state.pin_hash !== hashChecked) {
        // The PIN changed between the read and the lock: judge against the new one.
        hashChecked = state.pin_hash;
        correct = await this.#hasher.verify(hashChecked, pin);
      }
      const result = pinAttempt(
        { failedAttempts: state.pin_failed_attempts, lockedUntil: state.pin_locked_until },
        correct,
        this.clock.now(),
      );
      if (
        result.next.failedAttempts !== state.pin_failed_attempts ||
        result.next.lockedUntil?.getTime() !== state.pin_locked_until?.getTime()
      ) {
        await this.repo.writePinState(trx, userId, result.next.failedAttempts, result.next.lockedUntil);
      }
      if (result.result === 'locked' && result.lockedNow) {
        await this.#audit(userId, 'pin_locked', meta, { unlockAt: result.unlockAt.toISOString() }, trx);
      }
      return result;
    });
    if (outcome === null) throw new DomainError('pin_not_set', 'Set a payment PIN first.');
    if (outcome.result === 'incorrect') {
      throw new DomainError('pin_incorrect', `Wrong PIN. ${outcome.attemptsLeft} tries left.`, {
        attemptsLeft: outcome.attemptsLeft,
      });
    }
    if (outcome.result === 'locked') throw this.#lockedError(outcome.unlockAt);
  }

  #lockedError(unlockAt: Date): DomainError {
    return new DomainError(
      'pin_locked',
      `Too many wrong PINs. Payments unlock at ${unlockAt.toISOString()}.`,
      {
        unlockAt: unlockAt.toISOString(),
        attemptsLeft: 0,
      },
    );
  }

  /** Role and KYC tier, set by an administrator or the CLI. */
  async setRoleAndTier(
    userId: string,
    patch: { role?: Role | undefined; kycTier?: number | undefined },
  ): Promise<UserRow> {
    const set: Partial<Pick<UserRow, 'role' | 'kyc_tier'>> = {};
    if (patch.role !== undefined) set.role = patch.role;
    if (patch.kycTier !== undefined) {
      if (!Number.isInteger(patch.kycTier) || patch.kycTier < 0 || patch.kycTier > kycTierMax) {
        throw new DomainError('invalid_request', `The KYC tier is 0 to ${kycTierMax}.`, {
          path: '/body/kycTier',
        });
      }
      set.kyc_tier = patch.kycTier;
    }
    const row =
      Object.keys(set).length === 0
        ? await this.repo.findUserById(userId)
        : await this.repo.updateAdminFields(userId, set, this.clock.now());
    if (!row) throw new DomainError('not_found', 'No such user.');
    return row;
  }

  /** Finds an account by username or phone (for operators). */
  async findByLogin(login: string): Promise<UserRow | undefined> {
    const id = classifyLogin(login);
    if (id === null) return undefined;
    return id.kind === 'username'
      ? this.repo.findUserByUsername(id.username)
      : this.repo.findUserByPhone(id.phone);
  }

  /** Several users at once (for lists that name people). */
  async usersByIds(ids: readonly string[]): Promise<Map<string, UserRow>> {
    const rows = await this.repo.findUsersByIds([...new Set(ids)]);
    return new Map(rows.map((r) => [r.id, r]));
  }

  toMe(row: UserRow): Me {
    return toMe(row);
  }

  async #audit(
    userId: string,
    kind: string,
    meta: RequestMeta,
    detail: Record<string, unknown>,
    db: Parameters<IdentityRepository['insertSecurityEvent']>[0] = this.db,
  ): Promise<void> {
    await this.repo.insertSecurityEvent(db, {
      id: newId(this.clock),
      userId,
      kind,
      ip: meta.ip,
      detail,
      at: this.clock.now(),
    });
  }
}
