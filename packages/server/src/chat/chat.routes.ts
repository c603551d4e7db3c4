import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type {
  ConversationDetail,
  ConversationList,
  ConversationMember,
  ConversationSummary,
  Message,
  MessagePage,
  MessageSearchResult,
  Watermarks,
} from '@jiaozi/protocol';
import type { FastifyRequest } from 'fastify';
import { type Static, Type } from 'typebox';
import { DomainError } from '../kernel/errors.js';
import * as limits from '../kernel/limits.js';
import { type App, type RateLimitBucket, rateLimited, socketRequest } from '../platform/http/server.js';
import { compileCallValidator } from '../platform/http/validation.js';
import type { SocketCallHandler } from '../realtime/realtime.js';
import { pageRequest } from './chat.core.js';
import { chatErrors } from './chat.errors.js';
import type { ChatService } from './chat.service.js';

const Uuid = Type.String({ format: 'uuid' });
const DateTime = Type.String({ format: 'date-time' });
const Seq = Type.Integer({ minimum: 0 });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);
const Role = Type.Union([Type.Literal('owner'), Type.Literal('admin'), Type.Literal('member')]);

export const MessageSchema = Type.Object({
  id: Uuid,
  conversationId: Uuid,
  seq: Type.Integer({ minimum: 1 }),
  senderId: Uuid,
  kind: Type.Union([
    Type.Literal('text'),
    Type.Literal('system'),
    Type.Literal('photo'),
    Type.Literal('voice'),
    Type.Literal('transfer'),
    Type.Literal('red_packet'),
    Type.Literal('split'),
    Type.Literal('miniapp'),
  ]),
  text: Nullable(Type.String()),
  payload: Nullable(Type.Record(Type.String(), Type.Unknown())),
  replyTo: Nullable(Uuid),
  mentions: Type.Array(Uuid),
  mentionAll: Type.Boolean(),
  forwarded: Type.Boolean(),
  recalled: Type.Boolean(),
  readCount: Type.Integer({ minimum: 0 }),
  createdAt: DateTime,
});

const summaryProperties = {
  id: Uuid,
  kind: Type.Union([Type.Literal('direct'), Type.Literal('group')]),
  name: Nullable(Type.String()),
  announcement: Nullable(Type.String()),
  ownerId: Nullable(Uuid),
  muteAll: Type.Boolean(),
  avatarId: Nullable(Uuid),
  memberCount: Type.Integer({ minimum: 0 }),
  lastSeq: Seq,
  createdAt: DateTime,
  muted: Type.Boolean(),
  pinned: Type.Boolean(),
  archived: Type.Boolean(),
  peerId: Nullable(Uuid),
  myRole: Role,
  readSeq: Seq,
  deliveredSeq: Seq,
  unreadCount: Type.Integer({ minimum: 0 }),
  lastMessage: Nullable(MessageSchema),
  lastActivityAt: DateTime,
};
const SummarySchema = Type.Object(summaryProperties);

const MemberSchema = Type.Object({
  userId: Uuid,
  role: Role,
  readSeq: Seq,
  deliveredSeq: Seq,
  joinedAt: DateTime,
});

const DetailSchema = Type.Object({ ...summaryProperties, members: Type.Array(MemberSchema) });
const WatermarksSchema = Type.Object({ readSeq: Seq, deliveredSeq: Seq });

const ClientId = Type.String({
  format: 'uuid',
  description: "The client's UUIDv7: resending it answers the original message",
});
const Mentions = Type.Array(Type.Union([Uuid, Type.Literal('all')]), {
  maxItems: limits.groupMembersMax,
  description: 'Member ids, or `all` (owner and admins only); groups only',
});
const SendBody = Type.Object(
  {
    id: ClientId,
    text: Type.String({
      minLength: 1,
      description: `At most ${limits.messageTextMaxLength} characters (else message_too_long)`,
    }),
    replyTo: Type.Optional(Uuid),
    mentions: Type.Optional(Mentions),
  },
  { additionalProperties: false },
);
const UserIds = Type.Array(Uuid, { minItems: 1, maxItems: limits.groupMembersMax });

const IdParams = Type.Object({ id: Uuid }, { additionalProperties: false });
const MemberParams = Type.Object({ id: Uuid, userId: Uuid }, { additionalProperties: false });
const MessageParams = Type.Object({ id: Uuid, messageId: Uuid }, { additionalProperties: false });
const NoContent = { 204: Type.Null() };
const Sent = { 200: MessageSchema, 201: MessageSchema };

// The wire schemas and the protocol's types must describe the same JSON.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const wireChecks: [
  Same<Static<typeof MessageSchema>, Message>,
  Same<Static<typeof SummarySchema>, ConversationSummary>,
  Same<Static<typeof MemberSchema>, ConversationMember>,
  Same<Static<typeof DetailSchema>, ConversationDetail>,
  Same<Static<typeof WatermarksSchema>, Watermarks>,
] = [true, true, true, true, true];
void wireChecks;

function me(request: FastifyRequest): string {
  const p = request.principal;
  if (!p) throw new DomainError('unauthenticated');
  return p.userId;
}

export interface ChatRoutesOptions {
  chat: ChatService;
  rateLimits: boolean;
  /** Where socket methods (`messages.send`) are offered, when the server has a socket. */
  socket?: { handle(method: string, handler: SocketCallHandler): void };
}

const SendCallParams = Type.Object(
  { conversationId: Uuid, ...SendBody.properties },
  { additionalProperties: false },
);

export const chatRoutes: FastifyPluginAsyncTypebox<ChatRoutesOptions> = async (
  app,
  { chat, rateLimits, socket },
) => {
  const tags = ['chat'];
  const user = { auth: 'user' as const };
  const limit = (buckets: RateLimitBucket[]) =>
    rateLimits ? [rateLimited(app as unknown as App, buckets)] : [];
  const messageFlood = limit([
    {
      bucket: 'chat-message',
      max: limits.messagesPerUserPerMinuteMax,
      windowMs: 60_000,
      key: (request) => request.principal?.userId ?? request.ip,
    },
  ]);

  // Sending over the socket: the same checks, limits and answers as the HTTP route below.
  if (socket) {
    const params = compileCallValidator<Static<typeof SendCallParams>>(SendCallParams);
    socket.handle('messages.send', async (userId, raw) => {
      const { conversationId, ...input } = params(raw);
      for (const guard of messageFlood) await guard(socketRequest(app as unknown as App, userId));
      return chat.send(userId, { conversationId }, input);
    });
  }

  // ── Conversations ──────────────────────────────────────────────────────────

  app.get(
    '/v1/conversations',
    {
      schema: {
        tags,
        summary: 'My conversations: pinned first, then by last activity, with unread counts',
        response: { 200: Type.Object({ conversations: Type.Array(SummarySchema) }) },
      },
      config: user,
    },
    async (request): Promise<ConversationList> => ({ conversations: await chat.list(me(request)) }),
  );

  app.post(
    '/v1/conversations/direct',
    {
      schema: {
        tags,
        summary: 'Open my direct conversation with someone (201 when made now, 200 when it was there)',
        body: Type.Object({ userId: Uuid }, { additionalProperties: false }),
        response: { 200: DetailSchema, 201: DetailSchema },
      },
      config: { ...user, errors: chatErrors.openDirect },
    },
    async (request, reply) => {
      const { conversation, created } = await chat.openDirect(me(request), request.body.userId);
      return reply.code(created ? 201 : 200).send(conversation);
    },
  );

  app.post(
    '/v1/conversations/groups',
    {
      schema: {
        tags,
        summary: 'Start a group with friends of mine; I am its owner',
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, description: `1 to ${limits.groupNameMaxLength} characters` }),
            memberIds: Type.Array(Uuid, { minItems: 1, maxItems: limits.groupMembersMax }),
          },
          { additionalProperties: false },
        ),
        response: { 201: DetailSchema },
      },
      config: { ...user, errors: chatErrors.createGroup },
    },
    async (request, reply) => {
      const detail: ConversationDetail = await chat.createGroup(me(request), request.body);
      return reply.code(201).send(detail);
    },
  );

  app.get(
    '/v1/conversations/:id',
    {
      schema: {
        tags,
        summary: 'One of my conversations, with its members and their receipts',
        params: IdParams,
        response: { 200: DetailSchema },
      },
      config: { ...user, errors: chatErrors.owned },
    },
    async (request): Promise<ConversationDetail> => chat.conversation(me(request), request.params.id),
  );

  app.patch(
    '/v1/conversations/:id',
    {
      schema: {
        tags,
        summary: "Change a group's name, announcement or mute-all (owner and admins)",
        params: IdParams,
        body: Type.Object(
          {
            name: Type.Optional(Type.String({ minLength: 1 })),
            announcement: Type.Optional(Nullable(Type.String())),
            muteAll: Type.Optional(Type.Boolean()),
          },
          { additionalProperties: false },
        ),
        response: { 200: DetailSchema },
      },
      config: { ...user, errors: chatErrors.manage },
    },
    async (request): Promise<ConversationDetail> =>
      chat.updateGroup(me(request), request.params.id, request.body),
  );

  app.patch(
    '/v1/conversations/:id/settings',
    {
      schema: {
        tags,
        summary: 'My own settings for a conversation: muted, pinned, archived',
        params: IdParams,
        body: Type.Object(
          {
            muted: Type.Optional(Type.Boolean()),
            pinned: Type.Optional(Type.Boolean()),
            archived: Type.Optional(Type.Boolean()),
          },
          { additionalProperties: false },
        ),
        response: { 200: SummarySchema },
      },
      config: { ...user, errors: chatErrors.owned },
    },
    async (request): Promise<ConversationSummary> =>
      chat.updateSettings(me(request), request.params.id, request.body),
  );

  app.post(
    '/v1/conversations/:id/members',
    {
      schema: {
        tags,
        summary: 'Add friends of mine to a group (those already in stay as they are)',
        params: IdParams,
        body: Type.Object({ userIds: UserIds }, { additionalProperties: false }),
        response: { 200: DetailSchema },
      },
      config: { ...user, errors: chatErrors.invite },
    },
    async (request): Promise<ConversationDetail> =>
      chat.invite(me(request), request.params.id, request.body.userIds),
  );

  app.delete(
    '/v1/conversations/:id/members/:userId',
    {
      schema: {
        tags,
        summary: 'Remove a member (the owner: anyone else; admins: ordinary members)',
        params: MemberParams,
        response: NoContent,
      },
      config: { ...user, errors: chatErrors.manage },
    },
    async (request, reply) => {
      await chat.removeMember(me(request), request.params.id, request.params.userId);
      return reply.code(204).send(null);
    },
  );

  app.put(
    '/v1/conversations/:id/members/:userId/role',
    {
      schema: {
        tags,
        summary: 'Make a member an admin, or an admin a member (the owner only)',
        params: MemberParams,
        body: Type.Object(
          { role: Type.Union([Type.Literal('admin'), Type.Literal('member')]) },
          { additionalProperties: false },
        ),
        response: { 200: DetailSchema },
      },
      config: { ...user, errors: chatErrors.manage },
    },
    async (request): Promise<ConversationDetail> =>
      chat.setRole(me(request), request.params.id, request.params.userId, request.body.role),
  );

  app.post(
    '/v1/conversations/:id/transfer',
    {
      schema: {
        tags,
        summary: 'Hand the group to another member (the owner only; the old owner becomes an admin)',
        params: IdParams,
        body: Type.Object({ userId: Uuid }, { additionalProperties: false }),
        response: { 200: DetailSchema },
      },
      config: { ...user, errors: chatErrors.manage },
    },
    async (request): Promise<ConversationDetail> =>
      chat.transferOwnership(me(request), request.params.id, request.body.userId),
  );

  app.post(
    '/v1/conversations/:id/leave',
    {
      schema: {
        tags,
        summary: 'Leave a group (an owner who leaves hands it to the earliest admin, else member)',
        params: IdParams,
        response: NoContent,
      },
      config: { ...user, errors: chatErrors.owned },
    },
    async (request, reply) => {
      await chat.leave(me(request), request.params.id);
      return reply.code(204).send(null);
    },
  );

  // ── Messages ───────────────────────────────────────────────────────────────

  app.get(
    '/v1/conversations/:id/messages',
    {
      schema: {
        tags,
        summary: 'History, ascending by seq: the latest page, or before / after a seq',
        params: IdParams,
        querystring: Type.Object(
          {
            before: Type.Optional(Seq),
            after: Type.Optional(Seq),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: limits.messagePageMax })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ messages: Type.Array(MessageSchema), hasMore: Type.Boolean() }) },
      },
      config: { ...user, errors: chatErrors.owned },
    },
    async (request): Promise<MessagePage> =>
      chat.messages(me(request), request.params.id, pageRequest(request.query)),
  );

  app.post(
    '/v1/conversations/:id/messages',
    {
      schema: {
        tags,
        summary: 'Send a text message (201); the same id again answers the original (200)',
        params: IdParams,
        body: SendBody,
        response: Sent,
      },
      config: { ...user, errors: chatErrors.send, rateLimited: true },
      preHandler: messageFlood,
    },
    async (request, reply) => {
      const { message, created } = await chat.send(
        me(request),
        { conversationId: request.params.id },
        request.body,
      );
      return reply.code(created ? 201 : 200).send(message);
    },
  );

  app.post(
    '/v1/users/:id/messages',
    {
      schema: {
        tags,
        summary: 'Send a direct message to a person, opening our conversation on the first one',
        params: IdParams,
        body: SendBody,
        response: Sent,
      },
      config: { ...user, errors: chatErrors.send, rateLimited: true },
      preHandler: messageFlood,
    },
    async (request, reply) => {
      const { message, created } = await chat.send(me(request), { userId: request.params.id }, request.body);
      return reply.code(created ? 201 : 200).send(message);
    },
  );

  app.post(
    '/v1/conversations/:id/forward',
    {
      schema: {
        tags,
        summary: 'Forward a message I can see into this conversation (marked forwarded)',
        params: IdParams,
        body: Type.Object(
          {
            id: ClientId,
            from: Type.Object({ conversationId: Uuid, messageId: Uuid }, { additionalProperties: false }),
          },
          { additionalProperties: false },
        ),
        response: Sent,
      },
      config: { ...user, errors: chatErrors.forward, rateLimited: true },
      preHandler: messageFlood,
    },
    async (request, reply) => {
      const { message, created } = await chat.forward(me(request), request.params.id, request.body);
      return reply.code(created ? 201 : 200).send(message);
    },
  );

  app.post(
    '/v1/conversations/:id/messages/:messageId/recall',
    {
      schema: {
        tags,
        summary: `Recall my message within ${limits.recallWindowSeconds / 60} minutes: its body is gone for everyone`,
        params: MessageParams,
        response: { 200: MessageSchema },
      },
      config: { ...user, errors: chatErrors.recall },
    },
    async (request): Promise<Message> =>
      chat.recall(me(request), request.params.id, request.params.messageId),
  );

  app.delete(
    '/v1/conversations/:id/messages/:messageId',
    {
      schema: {
        tags,
        summary: 'Delete a message for me only',
        params: MessageParams,
        response: NoContent,
      },
      config: { ...user, errors: chatErrors.owned },
    },
    async (request, reply) => {
      await chat.deleteForMe(me(request), request.params.id, request.params.messageId);
      return reply.code(204).send(null);
    },
  );

  for (const which of ['read', 'delivered'] as const) {
    app.post(
      `/v1/conversations/:id/${which}`,
      {
        schema: {
          tags,
          summary: `Move my ${which} watermark up to a seq (it never moves backwards)`,
          params: IdParams,
          body: Type.Object({ seq: Seq }, { additionalProperties: false }),
          response: { 200: WatermarksSchema },
        },
        config: { ...user, errors: chatErrors.owned },
      },
      async (request): Promise<Watermarks> =>
        chat.markWatermark(me(request), request.params.id, which, request.body.seq),
    );
  }

  app.get(
    '/v1/messages/search',
    {
      schema: {
        tags,
        summary: 'Search the text messages of my conversations (words, or any substring), newest first',
        querystring: Type.Object(
          { q: Type.String({ minLength: 1, maxLength: limits.messageSearchQueryMaxLength }) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ messages: Type.Array(MessageSchema) }) },
      },
      config: user,
    },
    async (request): Promise<MessageSearchResult> => ({
      messages: await chat.search(me(request), request.query.q),
    }),
  );
};
