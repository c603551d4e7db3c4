import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AdminUser, AuthResponse, Me, SessionInfo } from '@jiaozi/protocol';
import type { FastifyRequest } from 'fastify';
import { type Static, Type } from 'typebox';
import { DomainError } from '../kernel/errors.js';
import * as limits from '../kernel/limits.js';
import { type App, type RateLimitBucket, rateLimited } from '../platform/http/server.js';
import {
  normalizeUsername,
  PHONE_PATTERN,
  PIN_PATTERN,
  REGION_PATTERN,
  USERNAME_PATTERN,
} from './identity.core.js';
import { identityErrors } from './identity.errors.js';
import type { IdentityService, Principal, RequestMeta } from './identity.service.js';

const Password = Type.String({ minLength: limits.passwordMinLength, maxLength: limits.passwordMaxLength });
const DeviceName = Type.String({ minLength: 1, maxLength: limits.deviceNameMaxLength });
const Pin = Type.String({ pattern: PIN_PATTERN, description: `${limits.pinLength} digits` });
const Uuid = Type.String({ format: 'uuid' });
const DateTime = Type.String({ format: 'date-time' });

export const MeSchema = Type.Object({
  id: Uuid,
  username: Type.Union([Type.String(), Type.Null()]),
  phone: Type.Union([Type.String(), Type.Null()]),
  displayName: Type.String(),
  bio: Type.String(),
  region: Type.Union([Type.String(), Type.Null()]),
  role: Type.Union([Type.Literal('user'), Type.Literal('admin')]),
  kycTier: Type.Union([Type.Literal(0), Type.Literal(1), Type.Literal(2)]),
  hasPin: Type.Boolean(),
  avatarId: Type.Union([Uuid, Type.Null()]),
  createdAt: DateTime,
});

const SessionSchema = Type.Object({
  id: Uuid,
  deviceName: Type.String(),
  userAgent: Type.Union([Type.String(), Type.Null()]),
  ip: Type.Union([Type.String(), Type.Null()]),
  createdAt: DateTime,
  lastSeenAt: DateTime,
  expiresAt: DateTime,
  current: Type.Boolean(),
});

const AuthSchema = Type.Object({ user: MeSchema, session: SessionSchema, token: Type.String() });

const SignupBody = Type.Object(
  {
    username: Type.Optional(
      Type.String({ pattern: USERNAME_PATTERN, description: 'Letters, digits and _, from a letter' }),
    ),
    phone: Type.Optional(Type.String({ pattern: PHONE_PATTERN, description: 'E.164, e.g. +8613800138000' })),
    password: Password,
    displayName: Type.Optional(Type.String({ minLength: 1, maxLength: limits.displayNameMaxLength })),
    deviceName: Type.Optional(DeviceName),
  },
  { additionalProperties: false },
);

const LoginBody = Type.Object(
  {
    login: Type.String({
      minLength: 1,
      maxLength: 64,
      description: 'Username, or phone number starting with +',
    }),
    password: Type.String({ minLength: 1, maxLength: limits.passwordMaxLength }),
    deviceName: Type.Optional(DeviceName),
  },
  { additionalProperties: false },
);

const ProfileBody = Type.Object(
  {
    displayName: Type.Optional(Type.String({ minLength: 1, maxLength: limits.displayNameMaxLength })),
    bio: Type.Optional(Type.String({ maxLength: limits.bioMaxLength })),
    region: Type.Optional(Type.Union([Type.String({ pattern: REGION_PATTERN }), Type.Null()])),
  },
  { additionalProperties: false },
);

const PasswordBody = Type.Object(
  {
    currentPassword: Type.String({ minLength: 1, maxLength: limits.passwordMaxLength }),
    newPassword: Password,
  },
  { additionalProperties: false },
);

const SetPinBody = Type.Object(
  { pin: Pin, password: Type.String({ minLength: 1, maxLength: limits.passwordMaxLength }) },
  { additionalProperties: false },
);

const VerifyPinBody = Type.Object({ pin: Pin }, { additionalProperties: false });

const IdParams = Type.Object({ id: Uuid }, { additionalProperties: false });

const AdminUserSchema = Type.Object({
  ...MeSchema.properties,
  pinLockedUntil: Type.Union([DateTime, Type.Null()]),
});

const AdminUpdateBody = Type.Object(
  {
    role: Type.Optional(Type.Union([Type.Literal('user'), Type.Literal('admin')])),
    kycTier: Type.Optional(Type.Integer({ minimum: 0, maximum: limits.kycTierMax })),
  },
  { additionalProperties: false },
);

// The wire schemas and the protocol's types must describe the same JSON.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const wireChecks: [
  Same<Static<typeof MeSchema>, Me>,
  Same<Static<typeof SessionSchema>, SessionInfo>,
  Same<Static<typeof AuthSchema>, AuthResponse>,
  Same<Static<typeof AdminUserSchema>, AdminUser>,
] = [true, true, true, true];
void wireChecks;

function meta(request: FastifyRequest): RequestMeta {
  return { ip: request.ip ?? null, userAgent: request.headers['user-agent'] };
}

function principal(request: FastifyRequest): Principal {
  const p = request.principal;
  if (!p) throw new DomainError('unauthenticated');
  return p;
}

/** A key per account for rate limits, independent of how the login is spelled. */
function accountKey(login: string | undefined): string {
  const value = (login ?? '').trim();
  return value.startsWith('+') ? value.replace(/[\s-]/g, '') : normalizeUsername(value);
}

export interface IdentityRoutesOptions {
  identity: IdentityService;
  rateLimits: boolean;
}

export const identityRoutes: FastifyPluginAsyncTypebox<IdentityRoutesOptions> = async (
  app,
  { identity, rateLimits },
) => {
  const limit = (buckets: RateLimitBucket[]) =>
    rateLimits ? [rateLimited(app as unknown as App, buckets)] : [];
  const minute = 60_000;
  const byIp = (request: FastifyRequest) => request.ip;

  app.post(
    '/v1/auth/signup',
    {
      schema: {
        tags: ['identity'],
        summary: 'Create an account with a username or a phone number, and sign in',
        body: SignupBody,
        response: { 201: AuthSchema },
      },
      config: { errors: identityErrors.signup, rateLimited: true },
      preHandler: limit([
        { bucket: 'signup-ip', max: limits.signupPerIpPerHourMax, windowMs: 60 * minute, key: byIp },
        {
          bucket: 'signup-account',
          max: limits.signupPerAccountPerHourMax,
          windowMs: 60 * minute,
          key: (r) => {
            const b = r.body as { username?: string; phone?: string };
            return accountKey(b.username ?? b.phone);
          },
        },
      ]),
    },
    async (request, reply) => {
      const result = await identity.signup(request.body, meta(request));
      return reply.code(201).send(result);
    },
  );

  app.post(
    '/v1/auth/login',
    {
      schema: {
        tags: ['identity'],
        summary: 'Sign in with a username or phone number and a password',
        body: LoginBody,
        response: { 200: AuthSchema },
      },
      config: { errors: identityErrors.login, rateLimited: true },
      preHandler: limit([
        { bucket: 'login-ip', max: limits.loginPerIpPerMinuteMax, windowMs: minute, key: byIp },
        {
          bucket: 'login-account',
          max: limits.loginPerAccountPer15MinutesMax,
          windowMs: 15 * minute,
          key: (r) => accountKey((r.body as { login?: string }).login),
        },
      ]),
    },
    async (request) => identity.login(request.body, meta(request)),
  );

  app.post(
    '/v1/auth/logout',
    {
      schema: { tags: ['identity'], summary: 'End this session', response: { 204: Type.Null() } },
      config: { auth: 'user' },
    },
    async (request, reply) => {
      await identity.logout(principal(request));
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/v1/me',
    {
      schema: { tags: ['identity'], summary: 'My account', response: { 200: MeSchema } },
      config: { auth: 'user' },
    },
    async (request) => identity.me(principal(request).userId),
  );

  app.patch(
    '/v1/me',
    {
      schema: {
        tags: ['identity'],
        summary: 'Edit my profile',
        body: ProfileBody,
        response: { 200: MeSchema },
      },
      config: { auth: 'user' },
    },
    async (request) => identity.updateProfile(principal(request).userId, request.body),
  );

  app.post(
    '/v1/me/password',
    {
      schema: {
        tags: ['identity'],
        summary: 'Change my password (ends my other sessions)',
        body: PasswordBody,
        response: { 204: Type.Null() },
      },
      config: { auth: 'user', errors: identityErrors.password },
    },
    async (request, reply) => {
      await identity.changePassword(
        principal(request),
        request.body.currentPassword,
        request.body.newPassword,
        meta(request),
      );
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/v1/me/sessions',
    {
      schema: {
        tags: ['identity'],
        summary: 'My signed-in devices',
        response: { 200: Type.Object({ sessions: Type.Array(SessionSchema) }) },
      },
      config: { auth: 'user' },
    },
    async (request) => ({ sessions: await identity.listSessions(principal(request)) }),
  );

  app.delete(
    '/v1/me/sessions/:id',
    {
      schema: {
        tags: ['identity'],
        summary: 'Sign a device out',
        params: IdParams,
        response: { 204: Type.Null() },
      },
      config: { auth: 'user', errors: identityErrors.owned },
    },
    async (request, reply) => {
      await identity.revokeSession(principal(request), request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.put(
    '/v1/me/pin',
    {
      schema: {
        tags: ['identity'],
        summary: 'Set or change my payment PIN (needs my password)',
        body: SetPinBody,
        response: { 204: Type.Null() },
      },
      config: { auth: 'user', errors: identityErrors.setPin },
    },
    async (request, reply) => {
      await identity.setPin(
        principal(request).userId,
        request.body.pin,
        request.body.password,
        meta(request),
      );
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/v1/me/pin/verify',
    {
      schema: {
        tags: ['identity'],
        summary: 'Check my payment PIN (counts towards the lockout)',
        body: VerifyPinBody,
        response: { 204: Type.Null() },
      },
      config: { auth: 'user', errors: identityErrors.verifyPin, rateLimited: true },
      preHandler: limit([
        {
          bucket: 'pin-account',
          max: limits.pinVerifyPerAccountPerMinuteMax,
          windowMs: minute,
          key: (r) => r.principal?.userId ?? r.ip,
        },
      ]),
    },
    async (request, reply) => {
      await identity.verifyPin(principal(request).userId, request.body.pin, meta(request));
      return reply.code(204).send(null);
    },
  );

  const toAdminUser = (row: Awaited<ReturnType<IdentityService['getUser']>>): AdminUser => ({
    ...identity.toMe(row),
    pinLockedUntil: row.pin_locked_until?.toISOString() ?? null,
  });

  app.get(
    '/v1/admin/users/:id',
    {
      schema: {
        tags: ['admin'],
        summary: 'An account, as an administrator sees it',
        params: IdParams,
        response: { 200: AdminUserSchema },
      },
      config: { auth: 'admin', errors: identityErrors.owned },
    },
    async (request) => toAdminUser(await identity.getUser(request.params.id)),
  );

  app.patch(
    '/v1/admin/users/:id',
    {
      schema: {
        tags: ['admin'],
        summary: "Set an account's role or KYC tier",
        params: IdParams,
        body: AdminUpdateBody,
        response: { 200: AdminUserSchema },
      },
      config: { auth: 'admin', errors: identityErrors.owned },
    },
    async (request) => toAdminUser(await identity.setRoleAndTier(request.params.id, request.body)),
  );
};
