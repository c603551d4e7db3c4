import type {
  CreateAppRequest,
  CreatedApp,
  DeveloperApp,
  LoginCode,
  MerchantSession,
  Message,
  MiniAppCardPayload,
  MiniAppScope,
  MiniAppSecretKind,
  MiniAppStatus,
  MiniAppSummary,
  RotatedSecret,
  ShareRequest,
  UpdateAppRequest,
} from '@jiaozi/protocol';
import { MINIAPP_TOPICS } from '@jiaozi/protocol';
import type { Kysely } from 'kysely';
import type { ChatService } from '../chat/chat.service.js';
import type { IdentityService } from '../identity/identity.service.js';
import { addSeconds, type Clock } from '../kernel/clock.js';
import { assert, DomainError } from '../kernel/errors.js';
import { newId } from '../kernel/ids.js';
import * as limits from '../kernel/limits.js';
import type { Database } from '../platform/db/schema.js';
import { type Job, type JobOutcome, scheduleJob } from '../platform/jobs/jobs.js';
import type { Announcer } from '../platform/outbox/announcer.js';
import { type WrittenUpdate, writeOutbox } from '../platform/outbox/outbox.js';
import type { Secrets } from '../platform/secrets/secrets.js';
import {
  canonicalOrigin,
  cleanText,
  type Decision,
  decide,
  encodeValue,
  isValidAppPath,
  isValidIconUrl,
  isValidStorageKey,
  isValidWebhookUrl,
  type KeyMode,
  keyHash,
  keyMode,
  LOGIN_CODE_RE,
  needsReview,
  newLoginCode,
  newSecret,
  normalizeScopes,
  OPENID_RE,
  openidOf,
} from './registry.core.js';
import { type MiniAppRow, RegistryRepository } from './registry.repository.js';
import { privateWebhookHost } from './webhooks.core.js';

export type { MiniAppRow } from './registry.repository.js';

/** Who a merchant API key belongs to, and which money it moves. */
export interface MerchantPrincipal {
  app: MiniAppRow;
  mode: KeyMode;
}

/** The job kind that deletes spent and lapsed login codes. */
export const LOGIN_CODE_SWEEP_JOB = 'miniapps.login_code_sweep';

/** The name of the server secret openids are derived from (platform/secrets). */
const OPENID_SECRET = 'miniapp_openid';

const notFound = () => new DomainError('not_found', 'No such mini app.');

function invalid(path: string, message: string): DomainError {
  return new DomainError('invalid_request', message, { path });
}

/**
 * The mini-app registry: developers register apps and hold their keys; an admin reviews
 * them; users open approved apps (developers also their own), log in to them with one-time
 * codes, grant them scopes, keep per-app storage and share them into chats; merchant
 * servers authenticate with an app's key and exchange login codes for pairwise openids.
 *
 * Every host-side call takes the app id from the route (which the host fills from the frame
 * the call came through) and the user from the session, so one app never reaches another's
 * data.
 */
export class MiniAppRegistry {
  readonly repo: RegistryRepository;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly identity: IdentityService,
    private readonly secrets: Secrets,
    private readonly chat: ChatService,
    private readonly options: { announcer?: Announcer; allowPrivateWebhooks?: boolean } = {},
  ) {
    this.repo = new RegistryRepository(db);
  }

  // ── Developer console ────────────────────────────────────────────────────

  /** Registers an app (pending review) and answers its three secrets, shown this once. */
  async create(developerId: string, input: CreateAppRequest): Promise<CreatedApp> {
    const fields = this.#fields({
      name: input.name,
      description: input.description,
      iconUrl: input.iconUrl ?? null,
      origin: input.origin,
      scopes: input.scopes,
      webhookUrl: input.webhookUrl ?? null,
    });
    this.#assertPublicWebhook(fields.webhookUrl);
    const now = this.clock.now();
    const liveSecret = newSecret('live');
    const testSecret = newSecret('test');
    const webhookSecret = newSecret('webhook');
    const row: MiniAppRow = {
      id: newId(this.clock),
      developer_id: developerId,
      name: fields.name,
      description: fields.description,
      icon_url: fields.iconUrl,
      origin: fields.origin,
      scopes: fields.scopes,
      webhook_url: fields.webhookUrl,
      status: 'pending',
      status_reason: null,
      live_key_hash: keyHash(liveSecret),
      live_key_created_at: now,
      test_key_hash: keyHash(testSecret),
      test_key_created_at: now,
      webhook_secret: webhookSecret,
      webhook_secret_created_at: now,
      created_at: now,
      updated_at: now,
      approved_at: null,
    };
    await this.db.transaction().execute(async (trx) => {
      await this.repo.lockDeveloper(trx, developerId);
      if ((await this.repo.countOf(developerId, trx)) >= limits.miniappsPerDeveloperMax) {
        throw new DomainError(
          'app_limit_reached',
          `A developer may register at most ${limits.miniappsPerDeveloperMax} mini apps.`,
          { max: limits.miniappsPerDeveloperMax },
        );
      }
      await this.repo.insertApp(trx, row);
    });
    return { app: toDeveloperApp(row), liveSecret, testSecret, webhookSecret };
  }

  async listMine(developerId: string): Promise<DeveloperApp[]> {
    const rows = await this.repo.appsOf(developerId, limits.miniappsPerDeveloperMax);
    return rows.map(toDeveloperApp);
  }

  async getMine(developerId: string, appId: string): Promise<DeveloperApp> {
    return toDeveloperApp(await this.#own(developerId, appId));
  }

  /**
   * Changes an app's details. A new origin or a new scope sends an approved app back to
   * review (it would run other code, or ask users for more); any change resubmits a rejected
   * app. A suspended app stays suspended.
   */
  async update(developerId: string, appId: string, patch: UpdateAppRequest): Promise<DeveloperApp> {
    await this.#own(developerId, appId);
    return this.db.transaction().execute(async (trx) => {
      const row = await this.repo.lockApp(trx, appId);
      assert(row, 'an app is never deleted');
      const fields = this.#fields({
        name: patch.name ?? row.name,
        description: patch.description ?? row.description,
        iconUrl: patch.iconUrl === undefined ? row.icon_url : patch.iconUrl,
        origin: patch.origin ?? row.origin,
        scopes: patch.scopes ?? row.scopes,
        webhookUrl: patch.webhookUrl === undefined ? row.webhook_url : patch.webhookUrl,
      });
      // A URL stored before is left alone; a new one must be public.
      if (patch.webhookUrl !== undefined) this.#assertPublicWebhook(fields.webhookUrl);
      // A rejected app that its developer changes goes back to the queue.
      const review = (row.status === 'approved' && needsReview(row, fields)) || row.status === 'rejected';
      return toDeveloperApp(
        await this.repo.updateApp(trx, appId, {
          name: fields.name,
          description: fields.description,
          icon_url: fields.iconUrl,
          origin: fields.origin,
          scopes: fields.scopes,
          webhook_url: fields.webhookUrl,
          updated_at: this.clock.now(),
          ...(review ? { status: 'pending' as const, status_reason: null } : {}),
        }),
      );
    });
  }

  /** A new secret of one kind; the old one stops working at once. */
  async rotateSecret(developerId: string, appId: string, kind: MiniAppSecretKind): Promise<RotatedSecret> {
    await this.#own(developerId, appId);
    const secret = newSecret(kind);
    const now = this.clock.now();
    const set: Parameters<RegistryRepository['updateApp']>[2] =
      kind === 'live'
        ? { live_key_hash: keyHash(secret), live_key_created_at: now }
        : kind === 'test'
          ? { test_key_hash: keyHash(secret), test_key_created_at: now }
          : { webhook_secret: secret, webhook_secret_created_at: now };
    await this.db
      .transaction()
      .execute((trx) => this.repo.updateApp(trx, appId, { ...set, updated_at: now }));
    return { kind, secret };
  }

  async #own(developerId: string, appId: string): Promise<MiniAppRow> {
    const row = await this.repo.findApp(appId);
    if (!row || row.developer_id !== developerId) throw notFound();
    return row;
  }

  /** Unless private networks are allowed, a webhook goes to a public host only. */
  #assertPublicWebhook(url: string | null): void {
    if (url === null || this.options.allowPrivateWebhooks) return;
    const reason = privateWebhookHost(url);
    if (reason !== null) {
      throw new DomainError(
        'webhook_url_invalid',
        `The webhook URL must reach a public address: ${reason}. Webhooks are not sent to this machine or to private networks.`,
        { path: '/body/webhookUrl' },
      );
    }
  }

  #fields(input: {
    name: string;
    description: string;
    iconUrl: string | null;
    origin: string;
    scopes: readonly string[];
    webhookUrl: string | null;
  }) {
    const name = cleanText(input.name, limits.miniappNameLengthMax);
    if (name === null) {
      throw invalid('/body/name', `The name is 1 to ${limits.miniappNameLengthMax} characters.`);
    }
    const description = cleanText(input.description, limits.miniappDescriptionLengthMax, {
      allowEmpty: true,
    });
    if (description === null) {
      throw invalid(
        '/body/description',
        `The description is at most ${limits.miniappDescriptionLengthMax} characters.`,
      );
    }
    const origin = canonicalOrigin(input.origin);
    if (origin === null) {
      throw new DomainError(
        'origin_invalid',
        'The origin is https://host[:port] (http://localhost for development), without a path.',
        { path: '/body/origin' },
      );
    }
    const scopes = normalizeScopes(input.scopes);
    if (scopes === null) throw invalid('/body/scopes', 'Scopes are profile and phone.');
    if (input.webhookUrl !== null && !isValidWebhookUrl(input.webhookUrl)) {
      throw new DomainError(
        'webhook_url_invalid',
        'The webhook URL is an absolute https:// URL (http://localhost for development).',
        { path: '/body/webhookUrl' },
      );
    }
    if (input.iconUrl !== null && !isValidIconUrl(input.iconUrl)) {
      throw invalid('/body/iconUrl', 'The icon URL is an absolute http(s) URL.');
    }
    return { name, description, iconUrl: input.iconUrl, origin, scopes, webhookUrl: input.webhookUrl };
  }

  // ── Review ───────────────────────────────────────────────────────────────

  async adminList(status?: MiniAppStatus): Promise<DeveloperApp[]> {
    return (await this.repo.appsWithStatus(status, limits.miniappListMax)).map(toDeveloperApp);
  }

  approve(appId: string): Promise<DeveloperApp> {
    return this.#decide(appId, 'approve', null);
  }

  reject(appId: string, reason: string): Promise<DeveloperApp> {
    return this.#decide(appId, 'reject', reason);
  }

  suspend(appId: string, reason: string): Promise<DeveloperApp> {
    return this.#decide(appId, 'suspend', reason);
  }

  async #decide(appId: string, decision: Decision, reason: string | null): Promise<DeveloperApp> {
    const text = reason === null ? null : cleanText(reason, limits.miniappStatusReasonLengthMax);
    if (reason !== null && text === null) {
      throw invalid(
        '/body/reason',
        `Give a reason of 1 to ${limits.miniappStatusReasonLengthMax} characters.`,
      );
    }
    const out = await this.db.transaction().execute(async (trx) => {
      const row = await this.repo.lockApp(trx, appId);
      if (!row) throw notFound();
      const next = decide(row.status, decision);
      if (next === null) {
        throw new DomainError('app_not_pending', `A ${row.status} app cannot be ${decision}d.`, {
          status: row.status,
        });
      }
      if (next === 'same') return { app: toDeveloperApp(row), written: [] as WrittenUpdate[] };
      const now = this.clock.now();
      const app = toDeveloperApp(
        await this.repo.updateApp(trx, appId, {
          status: next,
          status_reason: text,
          updated_at: now,
          ...(next === 'approved' ? { approved_at: now } : {}),
        }),
      );
      const written = await writeOutbox(
        trx,
        [{ topic: MINIAPP_TOPICS.appReviewed, audience: [row.developer_id], payload: { app } }],
        now,
      );
      return { app, written };
    });
    if (out.written.length > 0) this.options.announcer?.announce([out.app.developerId], out.written);
    return out.app;
  }

  /**
   * For the demo seed and operators: registers an app for a developer and approves it at
   * once, answering the secrets like `create`.
   */
  async registerApproved(developerId: string, input: CreateAppRequest): Promise<CreatedApp> {
    const created = await this.create(developerId, input);
    return { ...created, app: await this.approve(created.app.id) };
  }

  /**
   * For a seed that runs at every start: the developer's app at this origin, brought up to
   * `input`, approved, with three fresh secrets (the previous ones stop working); registered
   * first if there is none.
   */
  async provisionApproved(developerId: string, input: CreateAppRequest): Promise<CreatedApp> {
    const origin = canonicalOrigin(input.origin);
    const existing = (await this.repo.appsOf(developerId, limits.miniappsPerDeveloperMax)).find(
      (a) => a.origin === origin,
    );
    if (!existing) return this.registerApproved(developerId, input);
    await this.update(developerId, existing.id, {
      name: input.name,
      description: input.description,
      iconUrl: input.iconUrl ?? null,
      scopes: input.scopes,
      webhookUrl: input.webhookUrl ?? null,
    });
    const [live, test, webhook] = [
      await this.rotateSecret(developerId, existing.id, 'live'),
      await this.rotateSecret(developerId, existing.id, 'test'),
      await this.rotateSecret(developerId, existing.id, 'webhook'),
    ];
    return {
      app: await this.approve(existing.id),
      liveSecret: live.secret,
      testSecret: test.secret,
      webhookSecret: webhook.secret,
    };
  }

  // ── Discover and the host ────────────────────────────────────────────────

  async discover(): Promise<MiniAppSummary[]> {
    return (await this.repo.appsWithStatus('approved', limits.miniappListMax)).map(toSummary);
  }

  /** An app a user may open: an approved one, or their own while they develop it. */
  async openable(userId: string, appId: string): Promise<MiniAppRow> {
    const row = await this.repo.findApp(appId);
    if (!row) throw notFound();
    if (row.status === 'approved') return row;
    if (row.developer_id === userId && row.status !== 'suspended') return row;
    throw notFound();
  }

  /** The app as the host shows it, with its developer's display name for the About sheet. */
  async summary(userId: string, appId: string): Promise<MiniAppSummary> {
    const row = await this.openable(userId, appId);
    const developer = await this.identity.getUser(row.developer_id);
    return { ...toSummary(row), developerName: developer.display_name };
  }

  /** A one-time code (5 minutes) the app's server exchanges for who the user is to it. */
  async loginCode(userId: string, appId: string): Promise<LoginCode> {
    await this.openable(userId, appId);
    const code = newLoginCode();
    const now = this.clock.now();
    const expiresAt = addSeconds(now, limits.miniappLoginCodeTtlSeconds);
    await this.db.transaction().execute(async (trx) => {
      await this.repo.insertLoginCode(trx, {
        code_hash: keyHash(code),
        app_id: appId,
        user_id: userId,
        created_at: now,
        expires_at: expiresAt,
      });
      // Spent and lapsed codes are swept by one job, there while any code is.
      await scheduleJob(
        trx,
        {
          kind: LOGIN_CODE_SWEEP_JOB,
          key: 'all',
          runAt: addSeconds(expiresAt, limits.miniappLoginCodeSweepDelaySeconds),
        },
        now,
      );
    });
    return { code, expiresAt: expiresAt.toISOString() };
  }

  /**
   * The sweep job: deletes spent and lapsed login codes a batch at a time, and comes back
   * while codes remain (idempotent: a second run finds less or nothing to delete).
   */
  async sweepLoginCodes(job: Job): Promise<JobOutcome> {
    const deleted = await this.repo.deleteSpentCodes(job.now, limits.miniappLoginCodeSweepBatchMax);
    if (deleted === limits.miniappLoginCodeSweepBatchMax) return { runAgainAt: job.now };
    if (await this.repo.anyLoginCode()) {
      return { runAgainAt: addSeconds(job.now, limits.miniappLoginCodeSweepDelaySeconds) };
    }
    return undefined;
  }

  async grantedScopes(userId: string, appId: string): Promise<MiniAppScope[]> {
    const app = await this.openable(userId, appId);
    return this.#granted(app, userId);
  }

  /** Records scopes the user consented to in the host's sheet (only ones the app declared). */
  async grantScopes(userId: string, appId: string, scopes: readonly string[]): Promise<MiniAppScope[]> {
    const app = await this.openable(userId, appId);
    const wanted = normalizeScopes(scopes);
    if (wanted === null) throw invalid('/body/scopes', 'Scopes are profile and phone.');
    const undeclared = wanted.filter((s) => !app.scopes.includes(s));
    if (undeclared.length > 0) {
      throw new DomainError('scope_not_requested', `This app did not ask for: ${undeclared.join(', ')}.`, {
        scopes: app.scopes,
      });
    }
    await this.repo.grantScopes(appId, userId, wanted, this.clock.now());
    return this.#granted(app, userId);
  }

  /** Withdraws a scope (even from an app no longer openable: a user can always take back). */
  async revokeScope(userId: string, appId: string, scope: string): Promise<MiniAppScope[]> {
    const app = await this.repo.findApp(appId);
    if (!app) throw notFound();
    if (normalizeScopes([scope]) === null) throw invalid('/params/scope', 'Scopes are profile and phone.');
    await this.repo.revokeScope(appId, userId, scope);
    return this.#granted(app, userId);
  }

  /** What the user granted that the app still declares. */
  async #granted(app: MiniAppRow, userId: string): Promise<MiniAppScope[]> {
    const granted = await this.repo.grantedScopes(app.id, userId);
    return normalizeScopes(granted.filter((s) => app.scopes.includes(s))) ?? [];
  }

  // ── Storage ──────────────────────────────────────────────────────────────

  async storageGet(userId: string, appId: string, key: string): Promise<unknown> {
    await this.openable(userId, appId);
    this.#key(key);
    const row = await this.repo.storageGet(appId, userId, key);
    return row ? row.value : null;
  }

  async storageSet(userId: string, appId: string, key: string, value: unknown): Promise<void> {
    await this.openable(userId, appId);
    this.#key(key);
    const { json, bytes } = encodeValue(value);
    if (bytes > limits.miniappStorageValueBytesMax) {
      throw new DomainError('storage_value_too_large', 'The value is more than 16 KiB of JSON.', {
        maxBytes: limits.miniappStorageValueBytesMax,
        bytes,
      });
    }
    await this.db.transaction().execute(async (trx) => {
      await this.repo.lockStorage(trx, appId, userId);
      if (
        !(await this.repo.storageHas(trx, appId, userId, key)) &&
        (await this.repo.storageKeyCount(trx, appId, userId)) >= limits.miniappStorageKeysMax
      ) {
        throw new DomainError(
          'storage_quota_exceeded',
          `An app keeps at most ${limits.miniappStorageKeysMax} keys per user.`,
          { maxKeys: limits.miniappStorageKeysMax },
        );
      }
      await this.repo.storagePut(trx, { app_id: appId, user_id: userId, key, json, now: this.clock.now() });
    });
  }

  async storageRemove(userId: string, appId: string, key: string): Promise<void> {
    await this.openable(userId, appId);
    this.#key(key);
    await this.repo.storageRemove(appId, userId, key);
  }

  #key(key: string): void {
    if (!isValidStorageKey(key)) {
      throw invalid('/params/key', `A key is 1 to ${limits.miniappStorageKeyLengthMax} characters.`);
    }
  }

  // ── Sharing ──────────────────────────────────────────────────────────────

  /**
   * Sends a card of the app into a conversation the user is in (a `miniapp` message through
   * the chat service); the same client id again answers the original message.
   */
  async share(
    userId: string,
    appId: string,
    input: ShareRequest,
  ): Promise<{ message: Message; created: boolean }> {
    const app = await this.openable(userId, appId);
    const title = cleanText(input.title, limits.miniappShareTitleLengthMax);
    if (title === null) {
      throw invalid('/body/title', `The title is 1 to ${limits.miniappShareTitleLengthMax} characters.`);
    }
    const description = cleanText(input.description ?? '', limits.miniappShareDescriptionLengthMax, {
      allowEmpty: true,
    });
    if (description === null) {
      throw invalid(
        '/body/description',
        `The description is at most ${limits.miniappShareDescriptionLengthMax} characters.`,
      );
    }
    const path = input.path ?? '/';
    if (!isValidAppPath(path))
      throw invalid('/body/path', 'The path starts with a single / and has no spaces.');
    const payload: MiniAppCardPayload = {
      appId: app.id,
      appName: app.name,
      iconUrl: app.icon_url,
      title,
      path,
      description,
    };
    return this.chat.sendPayload(
      userId,
      { conversationId: input.conversationId },
      {
        id: input.clientId,
        kind: 'miniapp',
        payload: { ...payload },
        hashParts: [app.id, title, path, description],
        attach: async () => {},
      },
    );
  }

  // ── Merchant API ─────────────────────────────────────────────────────────

  /**
   * The app and mode a merchant key stands for. Unknown or rotated keys → 401
   * `merchant_unauthorized`; a rejected or suspended app, or a live key before approval →
   * 403 `app_not_active` (test keys work from registration, for development).
   */
  async authenticateMerchant(secret: string | undefined): Promise<MerchantPrincipal> {
    const mode = secret === undefined ? null : keyMode(secret);
    const app =
      mode === null || secret === undefined ? undefined : await this.repo.appByKeyHash(mode, keyHash(secret));
    if (!app || mode === null) {
      throw new DomainError(
        'merchant_unauthorized',
        'Unknown API key: use a live or test secret of your app.',
      );
    }
    if (
      app.status === 'rejected' ||
      app.status === 'suspended' ||
      (mode === 'live' && app.status !== 'approved')
    ) {
      throw new DomainError(
        'app_not_active',
        app.status === 'pending'
          ? 'The app is not approved yet: use its test key until it is.'
          : `The app is ${app.status}.`,
        { status: app.status },
      );
    }
    return { app, mode };
  }

  /**
   * Exchanges a login code (one use, for this app) for the user's openid and what they
   * granted. A code of another app answers exactly like an unknown one.
   */
  async exchangeCode(merchant: MerchantPrincipal, code: string): Promise<MerchantSession> {
    const appId = merchant.app.id;
    const secret = await this.secrets.get(OPENID_SECRET);
    // Spending the code and remembering the openid it was exchanged for are one change.
    const redeemed = LOGIN_CODE_RE.test(code)
      ? await this.db.transaction().execute(async (trx) => {
          const now = this.clock.now();
          const userId = await this.repo.redeemLoginCode(keyHash(code), appId, now, trx);
          if (!userId) return undefined;
          const openid = openidOf(secret, appId, userId);
          await this.repo.rememberOpenid(appId, userId, openid, now, trx);
          return { userId, openid };
        })
      : undefined;
    if (!redeemed) {
      throw new DomainError(
        'login_code_invalid',
        'The login code is unknown, used, expired or not for this app.',
      );
    }
    const { userId, openid } = redeemed;
    const scopes = await this.#granted(merchant.app, userId);
    const session: MerchantSession = { openid, mode: merchant.mode, scopes };
    if (scopes.includes('profile') || scopes.includes('phone')) {
      const user = await this.identity.getUser(userId);
      if (scopes.includes('profile')) {
        session.profile = {
          displayName: user.display_name,
          avatarUrl: user.avatar_id === null ? null : `/v1/avatars/${user.avatar_id}/256`,
        };
      }
      if (scopes.includes('phone')) session.phone = user.phone;
    }
    return session;
  }

  /** The user's pairwise id for the app, remembered so that it can be looked up back. */
  async openidFor(appId: string, userId: string): Promise<string> {
    const openid = openidOf(await this.secrets.get(OPENID_SECRET), appId, userId);
    await this.repo.rememberOpenid(appId, userId, openid, this.clock.now());
    return openid;
  }

  /** Who an openid of this app stands for (an index read), or null if it was never issued. */
  async userIdForOpenid(appId: string, openid: string): Promise<string | null> {
    if (!OPENID_RE.test(openid)) return null;
    return (await this.repo.userIdForOpenid(appId, openid)) ?? null;
  }

  /** An app by id whatever its status (for the payments side). */
  async app(appId: string): Promise<MiniAppRow | undefined> {
    return this.repo.findApp(appId);
  }
}

function toSummary(row: MiniAppRow): MiniAppSummary {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    iconUrl: row.icon_url,
    origin: row.origin,
  };
}

function toDeveloperApp(row: MiniAppRow): DeveloperApp {
  return {
    ...toSummary(row),
    developerId: row.developer_id,
    scopes: normalizeScopes(row.scopes) ?? [],
    webhookUrl: row.webhook_url,
    status: row.status,
    statusReason: row.status_reason,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    approvedAt: row.approved_at?.toISOString() ?? null,
    liveKeyCreatedAt: row.live_key_created_at.toISOString(),
    testKeyCreatedAt: row.test_key_created_at.toISOString(),
    webhookSecretCreatedAt: row.webhook_secret_created_at.toISOString(),
  };
}
