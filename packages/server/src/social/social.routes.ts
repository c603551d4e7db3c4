import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type {
  AcceptedFriendRequest,
  BlockList,
  Contact,
  ContactList,
  ContactQr,
  FriendRequest,
  FriendRequestList,
  FriendTarget,
  PrivacySettings,
  PublicUser,
} from '@jiaozi/protocol';
import type { FastifyRequest } from 'fastify';
import { type Static, Type } from 'typebox';
import { PHONE_PATTERN, USERNAME_PATTERN } from '../identity/identity.core.js';
import { DomainError } from '../kernel/errors.js';
import * as limits from '../kernel/limits.js';
import { type App, type RateLimitBucket, rateLimited } from '../platform/http/server.js';
import { socialErrors } from './social.errors.js';
import type { SocialService } from './social.service.js';

const Uuid = Type.String({ format: 'uuid' });
const DateTime = Type.String({ format: 'date-time' });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);

const PublicUserSchema = Type.Object({
  id: Uuid,
  displayName: Type.String(),
  username: Nullable(Type.String()),
  region: Nullable(Type.String()),
  avatarId: Nullable(Uuid),
  relation: Type.Union([
    Type.Literal('self'),
    Type.Literal('friend'),
    Type.Literal('none'),
    Type.Literal('request_sent'),
    Type.Literal('request_received'),
  ]),
});

const FriendRequestSchema = Type.Object({
  id: Uuid,
  from: PublicUserSchema,
  to: PublicUserSchema,
  message: Type.String(),
  status: Type.Union([
    Type.Literal('pending'),
    Type.Literal('accepted'),
    Type.Literal('declined'),
    Type.Literal('expired'),
  ]),
  createdAt: DateTime,
  expiresAt: DateTime,
});

const ContactSchema = Type.Object({
  user: PublicUserSchema,
  remark: Nullable(Type.String()),
  name: Type.String(),
  letter: Type.String({ pattern: '^([A-Z]|#)$' }),
  sortKey: Type.String(),
  since: DateTime,
});

const ContactListSchema = Type.Object({
  contacts: Type.Array(ContactSchema),
  index: Type.Array(Type.Object({ letter: Type.String(), count: Type.Integer({ minimum: 1 }) })),
});

const PrivacySchema = Type.Object({
  findableByPhone: Type.Boolean(),
  showLastSeen: Type.Boolean(),
  allowStrangerMessages: Type.Boolean(),
});

const FriendTargetSchema = Type.Union([
  Type.Object({ userId: Uuid }, { additionalProperties: false }),
  Type.Object(
    { username: Type.String({ pattern: USERNAME_PATTERN, description: 'Exact, any case' }) },
    { additionalProperties: false },
  ),
  Type.Object(
    { phone: Type.String({ pattern: PHONE_PATTERN, description: 'Exact E.164, e.g. +8613800138000' }) },
    { additionalProperties: false },
  ),
]);

const SendBody = Type.Object(
  {
    id: Type.String({
      format: 'uuid',
      description: "The client's UUIDv7: a retry with the same id is harmless",
    }),
    to: FriendTargetSchema,
    message: Type.Optional(Type.String({ maxLength: limits.friendRequestMessageMaxLength })),
  },
  { additionalProperties: false },
);

const IdParams = Type.Object({ id: Uuid }, { additionalProperties: false });
const UserIdParams = Type.Object({ userId: Uuid }, { additionalProperties: false });
const NoContent = { 204: Type.Null() };

// The wire schemas and the protocol's types must describe the same JSON.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const wireChecks: [
  Same<Static<typeof PublicUserSchema>, PublicUser>,
  Same<Static<typeof FriendRequestSchema>, FriendRequest>,
  Same<Static<typeof ContactSchema>, Contact>,
  Same<Static<typeof ContactListSchema>, ContactList>,
  Same<Static<typeof PrivacySchema>, PrivacySettings>,
  Same<Static<typeof FriendTargetSchema>, FriendTarget>,
] = [true, true, true, true, true, true];
void wireChecks;

function me(request: FastifyRequest): string {
  const p = request.principal;
  if (!p) throw new DomainError('unauthenticated');
  return p.userId;
}

export interface SocialRoutesOptions {
  social: SocialService;
  rateLimits: boolean;
}

export const socialRoutes: FastifyPluginAsyncTypebox<SocialRoutesOptions> = async (
  app,
  { social, rateLimits },
) => {
  const tags = ['social'];
  const user = { auth: 'user' as const };
  const limit = (buckets: RateLimitBucket[]) =>
    rateLimits ? [rateLimited(app as unknown as App, buckets)] : [];
  const hour = 60 * 60_000;
  const byUser = (request: FastifyRequest) => request.principal?.userId ?? request.ip;

  app.get(
    '/v1/users/search',
    {
      schema: {
        tags,
        summary: 'Find a user by exact username (any case) or exact E.164 phone number',
        querystring: Type.Object(
          { q: Type.String({ minLength: 1, maxLength: 64 }) },
          { additionalProperties: false },
        ),
        response: { 200: PublicUserSchema },
      },
      config: { ...user, errors: socialErrors.owned, rateLimited: true },
      preHandler: limit([
        { bucket: 'user-search', max: limits.userSearchesPerUserPerHourMax, windowMs: hour, key: byUser },
      ]),
    },
    async (request): Promise<PublicUser> => social.search(me(request), request.query.q),
  );

  app.get(
    '/v1/users/:id',
    {
      schema: {
        tags,
        summary: "A user's public profile and how I stand towards them",
        params: IdParams,
        response: { 200: PublicUserSchema },
      },
      config: { ...user, errors: socialErrors.owned },
    },
    async (request): Promise<PublicUser> => social.user(me(request), request.params.id),
  );

  app.get(
    '/v1/users/:id/presence',
    {
      schema: {
        tags,
        summary: "A friend's presence: online, and when last seen (null when they hide it)",
        params: IdParams,
        response: {
          200: Type.Object({
            online: Type.Union([Type.Boolean(), Type.Null()]),
            lastSeenAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
          }),
        },
      },
      config: { ...user, errors: socialErrors.owned },
    },
    async (request) => social.presence(me(request), request.params.id),
  );

  app.get(
    '/v1/me/contact-qr',
    {
      schema: {
        tags,
        summary: 'My contact QR code (signed), for others to scan and add me',
        response: { 200: Type.Object({ payload: Type.String() }) },
      },
      config: user,
    },
    async (request): Promise<ContactQr> => social.contactQr(me(request)),
  );

  app.post(
    '/v1/users/resolve-qr',
    {
      schema: {
        tags,
        summary: 'Whom a scanned contact QR code names',
        body: Type.Object(
          { payload: Type.String({ minLength: 1, maxLength: limits.contactQrMaxLength }) },
          { additionalProperties: false },
        ),
        response: { 200: PublicUserSchema },
      },
      config: { ...user, errors: socialErrors.resolveQr },
    },
    async (request): Promise<PublicUser> => social.resolveQr(me(request), request.body.payload),
  );

  app.post(
    '/v1/friend-requests',
    {
      schema: {
        tags,
        summary:
          'Ask someone to be friends (if they already asked me, this accepts theirs). The same id again answers the same request',
        body: SendBody,
        response: { 201: FriendRequestSchema },
      },
      config: { ...user, errors: socialErrors.sendRequest, rateLimited: true },
      preHandler: limit([
        {
          bucket: 'friend-request',
          max: limits.friendRequestsPerUserPerHourMax,
          windowMs: hour,
          key: byUser,
        },
      ]),
    },
    async (request, reply) => {
      const sent: FriendRequest = await social.sendRequest(me(request), {
        id: request.body.id,
        to: request.body.to,
        message: request.body.message,
      });
      return reply.code(201).send(sent);
    },
  );

  app.get(
    '/v1/friend-requests',
    {
      schema: {
        tags,
        summary: 'Friend requests to me (incoming) or from me (outgoing), newest first',
        querystring: Type.Object(
          { direction: Type.Union([Type.Literal('incoming'), Type.Literal('outgoing')]) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ requests: Type.Array(FriendRequestSchema) }) },
      },
      config: user,
    },
    async (request): Promise<FriendRequestList> => ({
      requests: await social.listRequests(me(request), request.query.direction),
    }),
  );

  app.post(
    '/v1/friend-requests/:id/accept',
    {
      schema: {
        tags,
        summary: 'Accept a friend request made to me',
        params: IdParams,
        response: { 200: Type.Object({ contact: ContactSchema }) },
      },
      config: { ...user, errors: socialErrors.decideRequest },
    },
    async (request): Promise<AcceptedFriendRequest> => social.accept(me(request), request.params.id),
  );

  app.post(
    '/v1/friend-requests/:id/decline',
    {
      schema: {
        tags,
        summary: 'Decline a friend request made to me',
        params: IdParams,
        response: { 200: FriendRequestSchema },
      },
      config: { ...user, errors: socialErrors.decideRequest },
    },
    async (request): Promise<FriendRequest> => social.decline(me(request), request.params.id),
  );

  app.get(
    '/v1/contacts',
    {
      schema: {
        tags,
        summary: 'My contacts, by letter (A–Z, Chinese names by pinyin, then #) and name',
        response: { 200: ContactListSchema },
      },
      config: user,
    },
    async (request): Promise<ContactList> => social.contacts(me(request)),
  );

  app.patch(
    '/v1/contacts/:userId',
    {
      schema: {
        tags,
        summary: 'Set or clear my private remark for a friend',
        params: UserIdParams,
        body: Type.Object(
          { remark: Nullable(Type.String({ maxLength: limits.contactRemarkMaxLength })) },
          { additionalProperties: false },
        ),
        response: { 200: ContactSchema },
      },
      config: { ...user, errors: socialErrors.owned },
    },
    async (request): Promise<Contact> =>
      social.updateContact(me(request), request.params.userId, request.body.remark),
  );

  app.delete(
    '/v1/contacts/:userId',
    {
      schema: {
        tags,
        summary: 'Unfriend (both ways)',
        params: UserIdParams,
        response: NoContent,
      },
      config: { ...user, errors: socialErrors.owned },
    },
    async (request, reply) => {
      await social.removeContact(me(request), request.params.userId);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/v1/blocks',
    {
      schema: {
        tags,
        summary: 'Block a user: their requests are dropped unseen and neither may message the other',
        body: Type.Object({ userId: Uuid }, { additionalProperties: false }),
        response: NoContent,
      },
      config: { ...user, errors: socialErrors.block },
    },
    async (request, reply) => {
      await social.block(me(request), request.body.userId);
      return reply.code(204).send(null);
    },
  );

  app.delete(
    '/v1/blocks/:userId',
    {
      schema: { tags, summary: 'Unblock a user', params: UserIdParams, response: NoContent },
      config: { ...user, errors: socialErrors.owned },
    },
    async (request, reply) => {
      await social.unblock(me(request), request.params.userId);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/v1/blocks',
    {
      schema: {
        tags,
        summary: 'The users I block, most recent first',
        response: { 200: Type.Object({ users: Type.Array(PublicUserSchema) }) },
      },
      config: user,
    },
    async (request): Promise<BlockList> => ({ users: await social.blocked(me(request)) }),
  );

  app.get(
    '/v1/me/privacy',
    {
      schema: { tags, summary: 'My privacy settings', response: { 200: PrivacySchema } },
      config: user,
    },
    async (request): Promise<PrivacySettings> => social.privacy(me(request)),
  );

  app.patch(
    '/v1/me/privacy',
    {
      schema: {
        tags,
        summary: 'Change some of my privacy settings',
        body: Type.Object(
          {
            findableByPhone: Type.Optional(Type.Boolean()),
            showLastSeen: Type.Optional(Type.Boolean()),
            allowStrangerMessages: Type.Optional(Type.Boolean()),
          },
          { additionalProperties: false },
        ),
        response: { 200: PrivacySchema },
      },
      config: user,
    },
    async (request): Promise<PrivacySettings> => social.updatePrivacy(me(request), request.body),
  );
};
