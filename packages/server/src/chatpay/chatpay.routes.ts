import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { RedPacket, Split, TransferCard } from '@jiaozi/protocol';
import type { FastifyRequest } from 'fastify';
import { type Static, Type } from 'typebox';
import { MessageSchema } from '../chat/chat.routes.js';
import { DomainError } from '../kernel/errors.js';
import * as limits from '../kernel/limits.js';
import { chatPayErrors } from './chatpay.errors.js';
import type { ChatPayService } from './chatpay.service.js';

const Uuid = Type.String({ format: 'uuid' });
const DateTime = Type.String({ format: 'date-time' });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);
const IdParams = Type.Object({ id: Uuid }, { additionalProperties: false });
const ClientId = Type.String({
  format: 'uuid',
  description: "The message's client UUIDv7: resending it answers the original (no second payment)",
});
const Pin = Type.String({ pattern: '^[0-9]{6}$' });
const Amount = (description: string) =>
  Type.Integer({ minimum: 1, maximum: limits.amountWireMaxMinor, description });
const PartySchema = Type.Object({
  userId: Uuid,
  displayName: Type.String(),
  username: Type.Union([Type.String(), Type.Null()]),
});

const CardSchema = Type.Object({
  id: Uuid,
  conversationId: Uuid,
  messageId: Uuid,
  sender: PartySchema,
  receiver: PartySchema,
  amountMinor: Type.Integer(),
  currency: Type.String(),
  note: Type.String(),
  status: Type.Union([
    Type.Literal('pending'),
    Type.Literal('received'),
    Type.Literal('returned'),
    Type.Literal('refunded'),
  ]),
  createdAt: DateTime,
  expiresAt: DateTime,
  settledAt: Nullable(DateTime),
});
const GrabSchema = Type.Object({
  user: PartySchema,
  amountMinor: Type.Integer(),
  position: Type.Integer({ minimum: 1 }),
  bestLuck: Type.Boolean(),
  grabbedAt: DateTime,
});
const Mode = Type.Union([Type.Literal('equal'), Type.Literal('lucky')]);
const PacketSchema = Type.Object({
  id: Uuid,
  conversationId: Uuid,
  messageId: Uuid,
  sender: PartySchema,
  mode: Mode,
  totalMinor: Type.Integer(),
  count: Type.Integer(),
  currency: Type.String(),
  greeting: Type.String(),
  recipientIds: Nullable(Type.Array(Uuid)),
  status: Type.Union([Type.Literal('active'), Type.Literal('empty'), Type.Literal('refunded')]),
  remainingMinor: Type.Integer(),
  remainingCount: Type.Integer(),
  refundedMinor: Type.Integer(),
  myGrab: Nullable(GrabSchema),
  canGrab: Type.Boolean(),
  grabs: Type.Array(GrabSchema),
  createdAt: DateTime,
  expiresAt: DateTime,
  finishedAt: Nullable(DateTime),
});
const ShareSchema = Type.Object({
  user: PartySchema,
  amountMinor: Type.Integer(),
  paidAt: Nullable(DateTime),
  transferId: Nullable(Uuid),
});
const SplitSchema = Type.Object({
  id: Uuid,
  conversationId: Uuid,
  messageId: Uuid,
  creator: PartySchema,
  title: Type.String(),
  mode: Type.Union([Type.Literal('equal'), Type.Literal('custom')]),
  totalMinor: Type.Integer(),
  currency: Type.String(),
  status: Type.Union([Type.Literal('open'), Type.Literal('closed')]),
  shares: Type.Array(ShareSchema),
  paidMinor: Type.Integer(),
  paidCount: Type.Integer(),
  lastRemindedAt: Nullable(DateTime),
  createdAt: DateTime,
  closedAt: Nullable(DateTime),
});

// The wire schemas and the protocol's types must describe the same JSON.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const wireChecks: [
  Same<Static<typeof CardSchema>, TransferCard>,
  Same<Static<typeof PacketSchema>, RedPacket>,
  Same<Static<typeof SplitSchema>, Split>,
] = [true, true, true];
void wireChecks;

const SentCard = Type.Object({ message: MessageSchema, card: CardSchema });
const SentPacket = Type.Object({ message: MessageSchema, packet: PacketSchema });
const SentSplit = Type.Object({ message: MessageSchema, split: SplitSchema });

function me(request: FastifyRequest): string {
  const p = request.principal;
  if (!p) throw new DomainError('unauthenticated');
  return p.userId;
}

function meta(request: FastifyRequest) {
  return { ip: request.ip ?? null, userAgent: request.headers['user-agent'] };
}

export const chatPayRoutes: FastifyPluginAsyncTypebox<{ chatpay: ChatPayService }> = async (
  app,
  { chatpay },
) => {
  const user = { auth: 'user' as const };
  const tags = ['money in chat'];

  // ── Transfer cards ───────────────────────────────────────────────────────

  app.post(
    '/v1/chatpay/transfers',
    {
      schema: {
        tags,
        summary: 'Send a transfer card into a 1:1 chat (held in escrow until the receiver accepts; 24 h)',
        body: Type.Object(
          {
            id: ClientId,
            conversationId: Uuid,
            amountMinor: Amount('Minor units, up to your per-payment limit'),
            note: Type.Optional(Type.String({ maxLength: limits.transferCardNoteMaxLength * 2 })),
            pin: Pin,
          },
          { additionalProperties: false },
        ),
        response: { 200: SentCard, 201: SentCard },
      },
      config: { ...user, errors: chatPayErrors.sendTransfer },
    },
    async (request, reply) => {
      const sent = await chatpay.sendTransfer(me(request), request.body, meta(request));
      return reply.code(sent.created ? 201 : 200).send({ message: sent.message, card: sent.object });
    },
  );

  app.get(
    '/v1/chatpay/transfers/:id',
    {
      schema: {
        tags,
        summary: 'A transfer card and its live status',
        params: IdParams,
        response: { 200: CardSchema },
      },
      config: { ...user, errors: chatPayErrors.transfer },
    },
    async (request) => chatpay.transfer(me(request), request.params.id),
  );

  app.post(
    '/v1/chatpay/transfers/:id/accept',
    {
      schema: {
        tags,
        summary: 'Accept a transfer card sent to me (the money is paid to my wallet)',
        params: IdParams,
        response: { 200: CardSchema },
      },
      config: { ...user, errors: chatPayErrors.decideTransfer },
    },
    async (request) => chatpay.acceptTransfer(me(request), request.params.id),
  );

  app.post(
    '/v1/chatpay/transfers/:id/return',
    {
      schema: {
        tags,
        summary: 'Return a transfer card sent to me (the hold is released to the sender)',
        params: IdParams,
        response: { 200: CardSchema },
      },
      config: { ...user, errors: chatPayErrors.decideTransfer },
    },
    async (request) => chatpay.returnTransfer(me(request), request.params.id),
  );

  // ── Red packets ──────────────────────────────────────────────────────────

  app.post(
    '/v1/chatpay/red-packets',
    {
      schema: {
        tags,
        summary: 'Send a red packet (equal or lucky split) into a chat; what is left after 24 h returns',
        body: Type.Object(
          {
            id: ClientId,
            conversationId: Uuid,
            mode: Mode,
            totalMinor: Amount(
              `Minor units, at most ${limits.redPacketTotalMaxMinor} and at least 1 per share`,
            ),
            count: Type.Integer({ minimum: 1, description: `1 to ${limits.redPacketCountMax} shares` }),
            greeting: Type.Optional(Type.String({ maxLength: limits.redPacketGreetingMaxLength * 2 })),
            recipientIds: Type.Optional(
              Type.Array(Uuid, {
                minItems: 1,
                maxItems: limits.groupMembersMax,
                description: 'Groups only: only these members may grab',
              }),
            ),
            pin: Pin,
          },
          { additionalProperties: false },
        ),
        response: { 200: SentPacket, 201: SentPacket },
      },
      config: { ...user, errors: chatPayErrors.sendRedPacket },
    },
    async (request, reply) => {
      const sent = await chatpay.sendRedPacket(me(request), request.body, meta(request));
      return reply.code(sent.created ? 201 : 200).send({ message: sent.message, packet: sent.object });
    },
  );

  app.get(
    '/v1/chatpay/red-packets/:id',
    {
      schema: {
        tags,
        summary: 'A red packet: who got what and when, best luck marked',
        params: IdParams,
        response: { 200: PacketSchema },
      },
      config: { ...user, errors: chatPayErrors.redPacket },
    },
    async (request) => chatpay.redPacket(me(request), request.params.id),
  );

  app.post(
    '/v1/chatpay/red-packets/:id/grab',
    {
      schema: {
        tags,
        summary: 'Grab a share of a red packet (once per member)',
        params: IdParams,
        response: { 200: PacketSchema },
      },
      config: { ...user, errors: chatPayErrors.grab },
    },
    async (request) => chatpay.grab(me(request), request.params.id),
  );

  // ── Bill splits ──────────────────────────────────────────────────────────

  app.post(
    '/v1/chatpay/splits',
    {
      schema: {
        tags,
        summary: 'Split a bill in a group: equal shares (largest remainder) or custom amounts',
        body: Type.Object(
          {
            id: ClientId,
            conversationId: Uuid,
            title: Type.String({ minLength: 1, maxLength: limits.splitTitleMaxLength * 2 }),
            totalMinor: Amount(`Minor units, at most ${limits.splitTotalMaxMinor}`),
            participantIds: Type.Array(Uuid, { minItems: 1, maxItems: limits.splitParticipantsMax }),
            amounts: Type.Optional(
              Type.Array(
                Type.Object(
                  { userId: Uuid, amountMinor: Amount('This participant’s share') },
                  { additionalProperties: false },
                ),
                {
                  minItems: 1,
                  maxItems: limits.splitParticipantsMax,
                  description: 'Custom shares, summing to the total',
                },
              ),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 200: SentSplit, 201: SentSplit },
      },
      config: { ...user, errors: chatPayErrors.createSplit },
    },
    async (request, reply) => {
      const sent = await chatpay.createSplit(me(request), request.body);
      return reply.code(sent.created ? 201 : 200).send({ message: sent.message, split: sent.object });
    },
  );

  app.get(
    '/v1/chatpay/splits/:id',
    {
      schema: {
        tags,
        summary: 'A bill split: who has paid',
        params: IdParams,
        response: { 200: SplitSchema },
      },
      config: { ...user, errors: chatPayErrors.split },
    },
    async (request) => chatpay.split(me(request), request.params.id),
  );

  app.post(
    '/v1/chatpay/splits/:id/pay',
    {
      schema: {
        tags,
        summary: 'Pay my share of a bill split to its creator (PIN)',
        params: IdParams,
        body: Type.Object({ pin: Pin }, { additionalProperties: false }),
        response: { 200: SplitSchema },
      },
      config: { ...user, errors: chatPayErrors.paySplit },
    },
    async (request) => chatpay.paySplit(me(request), request.params.id, request.body.pin, meta(request)),
  );

  app.post(
    '/v1/chatpay/splits/:id/remind',
    {
      schema: {
        tags,
        summary: 'Remind the participants who have not paid (creator; once an hour)',
        params: IdParams,
        response: { 200: SplitSchema },
      },
      config: { ...user, errors: chatPayErrors.creatorSplit },
    },
    async (request) => chatpay.remindSplit(me(request), request.params.id),
  );

  app.post(
    '/v1/chatpay/splits/:id/close',
    {
      schema: {
        tags,
        summary: 'Close a bill split (creator): no more shares are paid through it',
        params: IdParams,
        response: { 200: SplitSchema },
      },
      config: { ...user, errors: chatPayErrors.creatorSplit },
    },
    async (request) => chatpay.closeSplit(me(request), request.params.id),
  );
};
