import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ErrorCode } from '@jiaozi/protocol';
import type { FastifyRequest, RouteShorthandOptions } from 'fastify';
import { Type } from 'typebox';
import { MessageSchema } from '../chat/chat.routes.js';
import { assert, DomainError } from '../kernel/errors.js';
import * as limits from '../kernel/limits.js';
import { type App, type RateLimitBucket, rateLimited } from '../platform/http/server.js';
import { merchantAuthErrors, registryErrors } from './miniapps.errors.js';
import type { MerchantPrincipal, MiniAppRegistry } from './registry.service.js';

const Uuid = Type.String({ format: 'uuid' });
const DateTime = Type.String({ format: 'date-time' });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);
const Scope = Type.Union([Type.Literal('profile'), Type.Literal('phone')]);
const Status = Type.Union([
  Type.Literal('pending'),
  Type.Literal('approved'),
  Type.Literal('rejected'),
  Type.Literal('suspended'),
]);
const AppParams = Type.Object({ appId: Uuid }, { additionalProperties: false });

const SummarySchema = Type.Object({
  id: Uuid,
  name: Type.String(),
  description: Type.String(),
  iconUrl: Nullable(Type.String()),
  origin: Type.String(),
  developerName: Type.Optional(Type.String()),
});
const DeveloperAppSchema = Type.Object({
  ...SummarySchema.properties,
  developerId: Uuid,
  scopes: Type.Array(Scope),
  webhookUrl: Nullable(Type.String()),
  status: Status,
  statusReason: Nullable(Type.String()),
  createdAt: DateTime,
  updatedAt: DateTime,
  approvedAt: Nullable(DateTime),
  liveKeyCreatedAt: DateTime,
  testKeyCreatedAt: DateTime,
  webhookSecretCreatedAt: DateTime,
});
const CreatedSchema = Type.Object({
  app: DeveloperAppSchema,
  liveSecret: Type.String(),
  testSecret: Type.String(),
  webhookSecret: Type.String(),
});
const Name = Type.String({ minLength: 1, maxLength: limits.miniappNameLengthMax * 2 });
const Description = Type.String({ maxLength: limits.miniappDescriptionLengthMax * 2 });
const Url = Type.String({ minLength: 1, maxLength: limits.miniappUrlLengthMax });
const Origin = Type.String({ minLength: 1, maxLength: limits.miniappOriginLengthMax });
const Scopes = Type.Array(Scope, { maxItems: 2 });
const Granted = Type.Object({ granted: Type.Array(Scope) });
const Reason = Type.Object(
  { reason: Type.String({ minLength: 1, maxLength: limits.miniappStatusReasonLengthMax * 2 }) },
  { additionalProperties: false },
);
const StorageParams = Type.Object(
  { appId: Uuid, key: Type.String({ minLength: 1, maxLength: limits.miniappStorageKeyLengthMax }) },
  { additionalProperties: false },
);
const StorageEntrySchema = Type.Object({ key: Type.String(), value: Type.Unknown() });

function me(request: FastifyRequest): string {
  const p = request.principal;
  if (!p) throw new DomainError('unauthenticated');
  return p.userId;
}

// ── Merchant key authentication (every /v1/merchant route) ──────────────────

const merchants = new WeakMap<FastifyRequest, MerchantPrincipal>();

function bearer(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  return /^Bearer\s+(\S+)$/i.exec(header)?.[1];
}

/**
 * A preHandler for merchant API routes: `Authorization: Bearer <live or test secret>` →
 * the app and mode (`merchantOf(request)`), else 401 `merchant_unauthorized` or 403
 * `app_not_active`. Put `merchantRoute` in the route's options for the OpenAPI document.
 */
export function merchantAuth(registry: MiniAppRegistry) {
  return async function merchantGuard(request: FastifyRequest): Promise<void> {
    merchants.set(request, await registry.authenticateMerchant(bearer(request)));
  };
}

/** Who called a route guarded by `merchantAuth`. */
export function merchantOf(request: FastifyRequest): MerchantPrincipal {
  const merchant = merchants.get(request);
  assert(merchant, 'merchantAuth ran before the handler');
  return merchant;
}

/** Route options of a merchant API route: the guard, plus its errors and security in the docs. */
export function merchantRoute(registry: MiniAppRegistry, errors: readonly ErrorCode[] = []) {
  return {
    preHandler: merchantAuth(registry),
    config: { errors: [...merchantAuthErrors, ...errors] },
  } satisfies RouteShorthandOptions;
}

const merchantSecurity = [{ bearerAuth: [] }];

// ── Routes ───────────────────────────────────────────────────────────────────

export interface RegistryRoutesOptions {
  miniapps: MiniAppRegistry;
  rateLimits: boolean;
}

export const registryRoutes: FastifyPluginAsyncTypebox<RegistryRoutesOptions> = async (
  app,
  { miniapps, rateLimits },
) => {
  const user = { auth: 'user' as const };
  const admin = { auth: 'admin' as const };
  const devTags = ['developer'];
  const hostTags = ['mini apps'];
  const limit = (buckets: RateLimitBucket[]) =>
    rateLimits ? [rateLimited(app as unknown as App, buckets)] : [];
  const loginCodeFlood = limit([
    {
      bucket: 'miniapp-login-code',
      max: limits.miniappLoginCodesPerUserPerMinuteMax,
      windowMs: 60_000,
      key: (request) => request.principal?.userId ?? request.ip,
    },
  ]);

  // ── Developer console ──────────────────────────────────────────────────

  app.post(
    '/v1/developer/apps',
    {
      schema: {
        tags: devTags,
        summary:
          'Register a mini app (pending review); its live, test and webhook secrets are shown this once',
        body: Type.Object(
          {
            name: Name,
            description: Description,
            iconUrl: Type.Optional(Url),
            origin: Origin,
            scopes: Scopes,
            webhookUrl: Type.Optional(Url),
          },
          { additionalProperties: false },
        ),
        response: { 201: CreatedSchema },
      },
      config: { ...user, errors: registryErrors.create },
    },
    async (request, reply) => reply.code(201).send(await miniapps.create(me(request), request.body)),
  );

  app.get(
    '/v1/developer/apps',
    {
      schema: {
        tags: devTags,
        summary: 'My mini apps, oldest first',
        response: { 200: Type.Object({ apps: Type.Array(DeveloperAppSchema) }) },
      },
      config: user,
    },
    async (request) => ({ apps: await miniapps.listMine(me(request)) }),
  );

  app.get(
    '/v1/developer/apps/:appId',
    {
      schema: {
        tags: devTags,
        summary: 'One of my mini apps',
        params: AppParams,
        response: { 200: DeveloperAppSchema },
      },
      config: { ...user, errors: registryErrors.owned },
    },
    async (request) => miniapps.getMine(me(request), request.params.appId),
  );

  app.patch(
    '/v1/developer/apps/:appId',
    {
      schema: {
        tags: devTags,
        summary: 'Change my mini app (a new origin or scope sends an approved app back to review)',
        params: AppParams,
        body: Type.Object(
          {
            name: Type.Optional(Name),
            description: Type.Optional(Description),
            iconUrl: Type.Optional(Nullable(Url)),
            origin: Type.Optional(Origin),
            scopes: Type.Optional(Scopes),
            webhookUrl: Type.Optional(Nullable(Url)),
          },
          { additionalProperties: false },
        ),
        response: { 200: DeveloperAppSchema },
      },
      config: { ...user, errors: registryErrors.update },
    },
    async (request) => miniapps.update(me(request), request.params.appId, request.body),
  );

  app.post(
    '/v1/developer/apps/:appId/secrets',
    {
      schema: {
        tags: devTags,
        summary: 'Rotate a secret of my mini app: the new one is shown this once, the old one stops at once',
        params: AppParams,
        body: Type.Object(
          { kind: Type.Union([Type.Literal('live'), Type.Literal('test'), Type.Literal('webhook')]) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            kind: Type.Union([Type.Literal('live'), Type.Literal('test'), Type.Literal('webhook')]),
            secret: Type.String(),
          }),
        },
      },
      config: { ...user, errors: registryErrors.owned },
    },
    async (request) => miniapps.rotateSecret(me(request), request.params.appId, request.body.kind),
  );

  // ── Review ─────────────────────────────────────────────────────────────

  app.get(
    '/v1/admin/miniapps',
    {
      schema: {
        tags: ['admin'],
        summary: 'Mini apps, oldest first, optionally of one status',
        querystring: Type.Object({ status: Type.Optional(Status) }, { additionalProperties: false }),
        response: { 200: Type.Object({ apps: Type.Array(DeveloperAppSchema) }) },
      },
      config: admin,
    },
    async (request) => ({ apps: await miniapps.adminList(request.query.status) }),
  );

  app.post(
    '/v1/admin/miniapps/:appId/approve',
    {
      schema: {
        tags: ['admin'],
        summary: 'Approve a mini app (or reinstate a rejected or suspended one): it appears in Discover',
        params: AppParams,
        response: { 200: DeveloperAppSchema },
      },
      config: { ...admin, errors: registryErrors.decide },
    },
    async (request) => miniapps.approve(request.params.appId),
  );

  app.post(
    '/v1/admin/miniapps/:appId/reject',
    {
      schema: {
        tags: ['admin'],
        summary: 'Reject a pending mini app, with a reason its developer sees',
        params: AppParams,
        body: Reason,
        response: { 200: DeveloperAppSchema },
      },
      config: { ...admin, errors: registryErrors.decide },
    },
    async (request) => miniapps.reject(request.params.appId, request.body.reason),
  );

  app.post(
    '/v1/admin/miniapps/:appId/suspend',
    {
      schema: {
        tags: ['admin'],
        summary: 'Suspend an approved mini app: it leaves Discover and its keys stop working',
        params: AppParams,
        body: Reason,
        response: { 200: DeveloperAppSchema },
      },
      config: { ...admin, errors: registryErrors.decide },
    },
    async (request) => miniapps.suspend(request.params.appId, request.body.reason),
  );

  // ── Discover and the host ──────────────────────────────────────────────

  app.get(
    '/v1/miniapps',
    {
      schema: {
        tags: hostTags,
        summary: 'Discover: the approved mini apps',
        response: { 200: Type.Object({ apps: Type.Array(SummarySchema) }) },
      },
      config: user,
    },
    async () => ({ apps: await miniapps.discover() }),
  );

  app.get(
    '/v1/miniapps/:appId',
    {
      schema: {
        tags: hostTags,
        summary: 'A mini app I may open (approved, or my own while I develop it)',
        params: AppParams,
        response: { 200: SummarySchema },
      },
      config: { ...user, errors: registryErrors.open },
    },
    async (request) => miniapps.summary(me(request), request.params.appId),
  );

  app.post(
    '/v1/miniapps/:appId/login-codes',
    {
      schema: {
        tags: hostTags,
        summary: "A one-time login code (5 minutes) for the app's server to exchange",
        params: AppParams,
        response: { 201: Type.Object({ code: Type.String(), expiresAt: DateTime }) },
      },
      config: { ...user, errors: registryErrors.open, rateLimited: true },
      preHandler: loginCodeFlood,
    },
    async (request, reply) =>
      reply.code(201).send(await miniapps.loginCode(me(request), request.params.appId)),
  );

  app.get(
    '/v1/miniapps/:appId/scopes',
    {
      schema: {
        tags: hostTags,
        summary: 'The scopes I granted this mini app',
        params: AppParams,
        response: { 200: Granted },
      },
      config: { ...user, errors: registryErrors.open },
    },
    async (request) => ({ granted: await miniapps.grantedScopes(me(request), request.params.appId) }),
  );

  app.post(
    '/v1/miniapps/:appId/scopes',
    {
      schema: {
        tags: hostTags,
        summary: "Grant scopes I consented to in the host's sheet (only ones the app declared)",
        params: AppParams,
        body: Type.Object(
          { scopes: Type.Array(Scope, { minItems: 1, maxItems: 2 }) },
          { additionalProperties: false },
        ),
        response: { 200: Granted },
      },
      config: { ...user, errors: registryErrors.grant },
    },
    async (request) => ({
      granted: await miniapps.grantScopes(me(request), request.params.appId, request.body.scopes),
    }),
  );

  app.delete(
    '/v1/miniapps/:appId/scopes/:scope',
    {
      schema: {
        tags: hostTags,
        summary: 'Take back a scope I granted',
        params: Type.Object({ appId: Uuid, scope: Scope }, { additionalProperties: false }),
        response: { 200: Granted },
      },
      config: { ...user, errors: registryErrors.open },
    },
    async (request) => ({
      granted: await miniapps.revokeScope(me(request), request.params.appId, request.params.scope),
    }),
  );

  app.get(
    '/v1/miniapps/:appId/storage/:key',
    {
      schema: {
        tags: hostTags,
        summary: "A value of the app's storage for me (null when unset)",
        params: StorageParams,
        response: { 200: StorageEntrySchema },
      },
      config: { ...user, errors: registryErrors.open },
    },
    async (request) => ({
      key: request.params.key,
      value: await miniapps.storageGet(me(request), request.params.appId, request.params.key),
    }),
  );

  app.put(
    '/v1/miniapps/:appId/storage/:key',
    {
      schema: {
        tags: hostTags,
        summary: "Set a value of the app's storage for me (JSON, at most 16 KiB; at most 200 keys)",
        params: StorageParams,
        body: Type.Object({ value: Type.Unknown() }, { additionalProperties: false, required: ['value'] }),
        response: { 200: StorageEntrySchema },
      },
      config: { ...user, errors: registryErrors.storageSet },
    },
    async (request) => {
      const { appId, key } = request.params;
      await miniapps.storageSet(me(request), appId, key, request.body.value);
      return { key, value: request.body.value ?? null };
    },
  );

  app.delete(
    '/v1/miniapps/:appId/storage/:key',
    {
      schema: {
        tags: hostTags,
        summary: "Remove a value of the app's storage for me",
        params: StorageParams,
        response: { 204: Type.Null() },
      },
      config: { ...user, errors: registryErrors.open },
    },
    async (request, reply) => {
      await miniapps.storageRemove(me(request), request.params.appId, request.params.key);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/v1/miniapps/:appId/shares',
    {
      schema: {
        tags: hostTags,
        summary:
          'Share the app into a chat I am in as a card (201); the same client id again answers it (200)',
        params: AppParams,
        body: Type.Object(
          {
            conversationId: Uuid,
            clientId: Uuid,
            title: Type.String({ minLength: 1, maxLength: limits.miniappShareTitleLengthMax * 2 }),
            path: Type.Optional(Type.String({ minLength: 1, maxLength: limits.miniappSharePathLengthMax })),
            description: Type.Optional(
              Type.String({ maxLength: limits.miniappShareDescriptionLengthMax * 2 }),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 200: MessageSchema, 201: MessageSchema },
      },
      config: { ...user, errors: registryErrors.share },
    },
    async (request, reply) => {
      const { message, created } = await miniapps.share(me(request), request.params.appId, request.body);
      return reply.code(created ? 201 : 200).send(message);
    },
  );

  // ── Merchant API ───────────────────────────────────────────────────────

  const guarded = merchantRoute(miniapps, registryErrors.session);
  app.post(
    '/v1/merchant/sessions',
    {
      schema: {
        tags: ['merchant'],
        summary: "Exchange a login code for the user's openid for this app and what they granted",
        security: merchantSecurity,
        body: Type.Object(
          { code: Type.String({ minLength: 1, maxLength: 200 }) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            openid: Type.String(),
            mode: Type.Union([Type.Literal('live'), Type.Literal('test')]),
            scopes: Type.Array(Scope),
            profile: Type.Optional(
              Type.Object({ displayName: Type.String(), avatarUrl: Nullable(Type.String()) }),
            ),
            phone: Type.Optional(Nullable(Type.String())),
          }),
        },
      },
      ...guarded,
    },
    async (request) => miniapps.exchangeCode(merchantOf(request), request.body.code),
  );
};
