import { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { RequestMeta } from '../identity/identity.service.js';
import { DomainError } from '../kernel/errors.js';
import * as limits from '../kernel/limits.js';
import { BANK_SIGNATURE_HEADER } from './bank-gateway.js';
import { walletErrors } from './wallet.errors.js';
import type { WalletService } from './wallet.service.js';

const HISTORY_KINDS = [
  'topup',
  'withdrawal',
  'transfer',
  'paycode',
  'fund',
  'chat_transfer',
  'red_packet',
  'red_packet_refund',
  'split',
];
const Uuid = Type.String({ format: 'uuid' });
const DateTime = Type.String({ format: 'date-time' });
/** Integer minor units; anything else is `invalid_amount` (see the error mapper). */
const Amount = Type.Integer({
  minimum: 1,
  maximum: limits.amountWireMaxMinor,
  description: 'Minor units (fen)',
});
const Pin = Type.String({ pattern: '^[0-9]{6}$' });
const Note = Type.String({ maxLength: limits.transferNoteMaxLength });
const IdParams = Type.Object({ id: Uuid }, { additionalProperties: false });

const PartySchema = Type.Object({
  userId: Uuid,
  displayName: Type.String(),
  username: Type.Union([Type.String(), Type.Null()]),
});
const PayeeRef = Type.Object(
  {
    userId: Type.Optional(Uuid),
    username: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    phone: Type.Optional(Type.String({ minLength: 1, maxLength: 20 })),
    qr: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false, minProperties: 1, maxProperties: 1 },
);
const Summary = Type.Object({
  accountId: Uuid,
  currency: Type.String(),
  balanceMinor: Type.Integer(),
  availableMinor: Type.Integer(),
  incomingPendingMinor: Type.Integer(),
  kycTier: Type.Integer(),
  limits: Type.Object({
    singleTransferMaxMinor: Type.Integer(),
    dailyOutflowMaxMinor: Type.Integer(),
    dailyOutflowUsedMinor: Type.Integer(),
    balanceMaxMinor: Type.Integer(),
  }),
});
const Card = Type.Object({
  id: Uuid,
  bankName: Type.String(),
  last4: Type.String(),
  holderName: Type.String(),
  createdAt: DateTime,
});
const Operation = Type.Object({
  id: Uuid,
  cardId: Uuid,
  amountMinor: Type.Integer(),
  currency: Type.String(),
  status: Type.Union([Type.Literal('pending'), Type.Literal('succeeded'), Type.Literal('failed')]),
  failureReason: Type.Union([Type.String(), Type.Null()]),
  createdAt: DateTime,
  completedAt: Type.Union([DateTime, Type.Null()]),
});
const TransferSchema = Type.Object({
  id: Uuid,
  from: PartySchema,
  to: PartySchema,
  amountMinor: Type.Integer(),
  currency: Type.String(),
  note: Type.String(),
  createdAt: DateTime,
});
const RequestSchema = Type.Object({
  id: Uuid,
  requester: PartySchema,
  payer: PartySchema,
  amountMinor: Type.Integer(),
  currency: Type.String(),
  note: Type.String(),
  status: Type.String({ enum: ['pending', 'paid', 'declined', 'cancelled', 'expired'] }),
  transferId: Type.Union([Uuid, Type.Null()]),
  createdAt: DateTime,
  expiresAt: DateTime,
});
const HistoryItemSchema = Type.Object({
  id: Uuid,
  kind: Type.String({ enum: HISTORY_KINDS }),
  direction: Type.String({ enum: ['in', 'out'] }),
  amountMinor: Type.Integer(),
  currency: Type.String(),
  status: Type.String({ enum: ['pending', 'completed', 'failed', 'returned'] }),
  counterparty: Type.Union([PartySchema, Type.Null()]),
  counterpartyLabel: Type.String(),
  note: Type.String(),
  reference: Type.Union([Type.Object({ type: Type.String(), id: Type.String() }), Type.Null()]),
  balanceAfterMinor: Type.Union([Type.Integer(), Type.Null()]),
  createdAt: DateTime,
});
const HistoryQuery = Type.Object(
  {
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: limits.historyPageMax })),
    kind: Type.Optional(Type.String({ enum: HISTORY_KINDS })),
    direction: Type.Optional(Type.Union([Type.Literal('in'), Type.Literal('out')])),
    from: Type.Optional(DateTime),
    to: Type.Optional(DateTime),
    counterparty: Type.Optional(Uuid),
  },
  { additionalProperties: false },
);

function meta(request: FastifyRequest): RequestMeta {
  return { ip: request.ip ?? null, userAgent: request.headers['user-agent'] };
}

function me(request: FastifyRequest): string {
  const p = request.principal;
  if (!p) throw new DomainError('unauthenticated');
  return p.userId;
}

export const walletRoutes: FastifyPluginAsyncTypebox<{ wallet: WalletService }> = async (app, { wallet }) => {
  const user = { auth: 'user' as const };
  const tags = ['wallet'];

  app.get(
    '/v1/wallet',
    { schema: { tags, summary: 'My balance and limits', response: { 200: Summary } }, config: user },
    async (request) => wallet.summary(me(request)),
  );

  app.get(
    '/v1/wallet/cards',
    {
      schema: { tags, summary: 'My bank cards', response: { 200: Type.Object({ cards: Type.Array(Card) }) } },
      config: user,
    },
    async (request) => ({ cards: await wallet.cards(me(request)) }),
  );

  app.post(
    '/v1/wallet/cards',
    {
      schema: {
        tags,
        summary: 'Link a bank card (only the last four digits are kept)',
        body: Type.Object(
          {
            bankName: Type.String({ minLength: 1, maxLength: limits.bankNameMaxLength }),
            cardNumber: Type.String({ minLength: 12, maxLength: 40 }),
            holderName: Type.String({ minLength: 1, maxLength: limits.cardHolderNameMaxLength }),
          },
          { additionalProperties: false },
        ),
        response: { 201: Card },
      },
      config: { ...user, errors: walletErrors.addCard },
    },
    async (request, reply) => reply.code(201).send(await wallet.addCard(me(request), request.body)),
  );

  app.delete(
    '/v1/wallet/cards/:id',
    {
      schema: { tags, summary: 'Unlink a card', params: IdParams, response: { 204: Type.Null() } },
      config: { ...user, errors: walletErrors.owned },
    },
    async (request, reply) => {
      await wallet.removeCard(me(request), request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/v1/wallet/topups',
    {
      schema: {
        tags,
        summary: 'Top up from a card; the bank confirms asynchronously',
        body: Type.Object({ id: Uuid, cardId: Uuid, amountMinor: Amount }, { additionalProperties: false }),
        response: { 202: Operation },
      },
      config: { ...user, errors: walletErrors.topUp },
    },
    async (request, reply) => reply.code(202).send(await wallet.topUp(me(request), request.body)),
  );

  app.get(
    '/v1/wallet/topups/:id',
    {
      schema: { tags, summary: 'A top-up', params: IdParams, response: { 200: Operation } },
      config: { ...user, errors: walletErrors.owned },
    },
    async (request) => wallet.operation(me(request), request.params.id, 'topup'),
  );

  app.post(
    '/v1/wallet/withdrawals',
    {
      schema: {
        tags,
        summary: 'Withdraw to a card (PIN); the money is held until the bank pays out',
        body: Type.Object(
          { id: Uuid, cardId: Uuid, amountMinor: Amount, pin: Pin },
          { additionalProperties: false },
        ),
        response: { 202: Operation },
      },
      config: { ...user, errors: walletErrors.withdraw },
    },
    async (request, reply) =>
      reply.code(202).send(await wallet.withdraw(me(request), request.body, meta(request))),
  );

  app.get(
    '/v1/wallet/withdrawals/:id',
    {
      schema: { tags, summary: 'A withdrawal', params: IdParams, response: { 200: Operation } },
      config: { ...user, errors: walletErrors.owned },
    },
    async (request) => wallet.operation(me(request), request.params.id, 'withdrawal'),
  );

  app.post(
    '/v1/transfers',
    {
      schema: {
        tags,
        summary: 'Send money to a user (PIN). The same id again answers the original transfer',
        body: Type.Object(
          {
            id: Uuid,
            to: PayeeRef,
            amountMinor: Amount,
            note: Type.Optional(Note),
            pin: Pin,
            grantId: Type.Optional(
              Type.String({
                format: 'uuid',
                description:
                  'A family-pay grant: refused (403 grant_use_not_allowed), grants pay merchants only',
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 200: TransferSchema, 201: TransferSchema },
      },
      config: { ...user, errors: walletErrors.transfer },
    },
    async (request, reply) => {
      const { transfer, created } = await wallet.transfer(me(request), request.body, meta(request));
      return reply.code(created ? 201 : 200).send(transfer);
    },
  );

  app.get(
    '/v1/transfers/:id',
    {
      schema: {
        tags,
        summary: 'A transfer I sent or received',
        params: IdParams,
        response: { 200: TransferSchema },
      },
      config: { ...user, errors: walletErrors.owned },
    },
    async (request) => wallet.getTransfer(me(request), request.params.id),
  );

  app.post(
    '/v1/payment-requests',
    {
      schema: {
        tags,
        summary: 'Ask someone for money',
        body: Type.Object(
          { id: Uuid, from: PayeeRef, amountMinor: Amount, note: Type.Optional(Note) },
          { additionalProperties: false },
        ),
        response: { 200: RequestSchema, 201: RequestSchema },
      },
      config: { ...user, errors: walletErrors.createRequest },
    },
    async (request, reply) => {
      const { request: created, created: isNew } = await wallet.createRequest(me(request), request.body);
      return reply.code(isNew ? 201 : 200).send(created);
    },
  );

  app.get(
    '/v1/payment-requests',
    {
      schema: {
        tags,
        summary: 'Requests to me (incoming) or from me (outgoing)',
        querystring: Type.Object(
          { role: Type.Union([Type.Literal('incoming'), Type.Literal('outgoing')]) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ requests: Type.Array(RequestSchema) }) },
      },
      config: user,
    },
    async (request) => ({ requests: await wallet.requests(me(request), request.query.role) }),
  );

  app.post(
    '/v1/payment-requests/:id/pay',
    {
      schema: {
        tags,
        summary: 'Pay a request (PIN)',
        params: IdParams,
        body: Type.Object({ transferId: Uuid, pin: Pin }, { additionalProperties: false }),
        response: { 200: RequestSchema },
      },
      config: { ...user, errors: walletErrors.payRequest },
    },
    async (request) => wallet.payRequest(me(request), request.params.id, request.body, meta(request)),
  );

  for (const action of ['decline', 'cancel'] as const) {
    app.post(
      `/v1/payment-requests/:id/${action}`,
      {
        schema: {
          tags,
          summary: action === 'decline' ? 'Decline a request made to me' : 'Cancel a request I made',
          params: IdParams,
          response: { 200: RequestSchema },
        },
        config: { ...user, errors: walletErrors.decideRequest },
      },
      async (request) =>
        action === 'decline'
          ? wallet.declineRequest(me(request), request.params.id)
          : wallet.cancelRequest(me(request), request.params.id),
    );
  }

  app.get(
    '/v1/wallet/qr',
    {
      schema: {
        tags,
        summary: 'My receive QR code, optionally for a fixed amount',
        querystring: Type.Object({ amountMinor: Type.Optional(Amount) }, { additionalProperties: false }),
        response: {
          200: Type.Object({
            payload: Type.String(),
            amountMinor: Type.Union([Type.Integer(), Type.Null()]),
          }),
        },
      },
      config: user,
    },
    async (request) => wallet.receiveQr(me(request), request.query.amountMinor),
  );

  app.post(
    '/v1/wallet/qr/resolve',
    {
      schema: {
        tags,
        summary: 'Whom a scanned QR code pays',
        body: Type.Object(
          { payload: Type.String({ minLength: 1, maxLength: 200 }) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ payee: PartySchema, amountMinor: Type.Union([Type.Integer(), Type.Null()]) }),
        },
      },
      config: { ...user, errors: walletErrors.resolveQr },
    },
    async (request) => wallet.resolveQr(request.body.payload),
  );

  app.post(
    '/v1/wallet/paycode',
    {
      schema: {
        tags,
        summary: 'A one-time pay code for a merchant to scan (60 s)',
        response: { 200: Type.Object({ code: Type.String(), expiresAt: DateTime }) },
      },
      config: user,
    },
    async (request) => wallet.payCode(me(request)),
  );

  app.post(
    '/v1/paycode-charges',
    {
      schema: {
        tags,
        summary: "Charge a customer's pay code (as a merchant)",
        body: Type.Object(
          {
            id: Uuid,
            code: Type.String({ minLength: 1, maxLength: 32 }),
            amountMinor: Amount,
            note: Type.Optional(Note),
          },
          { additionalProperties: false },
        ),
        response: { 200: TransferSchema, 201: TransferSchema },
      },
      config: { ...user, errors: walletErrors.charge },
    },
    async (request, reply) => {
      const { transfer, created } = await wallet.chargePayCode(me(request), request.body);
      return reply.code(created ? 201 : 200).send(transfer);
    },
  );

  app.get(
    '/v1/wallet/history',
    {
      schema: {
        tags,
        summary: 'My wallet history, newest first',
        querystring: HistoryQuery,
        response: {
          200: Type.Object({
            items: Type.Array(HistoryItemSchema),
            nextCursor: Type.Union([Type.String(), Type.Null()]),
          }),
        },
      },
      config: user,
    },
    async (request) => wallet.history(me(request), request.query),
  );

  app.get(
    '/v1/wallet/history.csv',
    {
      schema: {
        tags,
        summary: 'My wallet history as CSV (streamed)',
        querystring: Type.Object(
          {
            kind: HistoryQuery.properties.kind,
            direction: HistoryQuery.properties.direction,
            from: HistoryQuery.properties.from,
            to: HistoryQuery.properties.to,
            counterparty: HistoryQuery.properties.counterparty,
          },
          { additionalProperties: false },
        ),
      },
      config: user,
    },
    async (request, reply) => {
      reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', 'attachment; filename="jiaozi-history.csv"')
        .header('cache-control', 'no-store');
      return reply.send(Readable.from(wallet.historyCsv(me(request), request.query)));
    },
  );

  app.get(
    '/v1/wallet/history/:id',
    {
      schema: { tags, summary: 'One history entry', params: IdParams, response: { 200: HistoryItemSchema } },
      config: { ...user, errors: walletErrors.owned },
    },
    async (request) => wallet.historyItem(me(request), request.params.id),
  );

  app.get(
    '/v1/wallet/monthly',
    {
      schema: {
        tags,
        summary: 'Money in and out per month',
        querystring: Type.Object(
          { months: Type.Optional(Type.Integer({ minimum: 1, maximum: limits.monthlyTotalsMonthsMax })) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            months: Type.Array(
              Type.Object({ month: Type.String(), inMinor: Type.Integer(), outMinor: Type.Integer() }),
            ),
          }),
        },
      },
      config: user,
    },
    async (request) => wallet.monthly(me(request), request.query.months ?? 6),
  );

  // The bank's signed callbacks: the raw body is what the signature covers.
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(
      'application/json',
      { parseAs: 'string', bodyLimit: limits.bankCallbackBodyMaxBytes },
      (_r, body, done) => done(null, body),
    );
    scope.post(
      '/v1/bank/callbacks',
      {
        schema: {
          tags: ['bank'],
          summary: 'Signed confirmations from the bank gateway',
          response: { 200: Type.Object({ result: Type.String({ enum: ['applied', 'ignored'] }) }) },
        },
        config: { errors: walletErrors.callback },
      },
      async (request) => ({
        result: await wallet.handleBankCallback(
          String(request.body),
          request.headers[BANK_SIGNATURE_HEADER] as string | undefined,
        ),
      }),
    );
  });
};
