import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type ErrorCode, WEBHOOK_EVENT_TYPES } from '@jiaozi/protocol';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { RequestMeta } from '../identity/identity.service.js';
import { DomainError } from '../kernel/errors.js';
import * as limits from '../kernel/limits.js';
import { paymentErrors } from './payments.errors.js';
import type { MerchantCaller, PaymentsService } from './payments.service.js';
import { merchantOf, merchantRoute } from './registry.routes.js';
import type { MiniAppRegistry } from './registry.service.js';

const Uuid = Type.String({ format: 'uuid' });
const DateTime = Type.String({ format: 'date-time' });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);
const Mode = Type.Union([Type.Literal('live'), Type.Literal('test')]);
const Amount = Type.Integer({ minimum: 1, maximum: limits.amountWireMaxMinor, description: 'Minor units' });
const OrderStatus = Type.Union([
  Type.Literal('open'),
  Type.Literal('paid'),
  Type.Literal('closed'),
  Type.Literal('expired'),
]);
const OrderId = Type.String({ pattern: '^ord_[0-9a-f-]{36}$' });
const OrderParams = Type.Object({ orderId: OrderId }, { additionalProperties: false });
const TokenParams = Type.Object(
  { paymentToken: Type.String({ minLength: 1, maxLength: 100 }) },
  { additionalProperties: false },
);
const TokenQuery = Type.Object(
  { appId: Uuid },
  {
    additionalProperties: false,
    description: 'appId (required): the app whose frame asked (a token of another app is not found)',
  },
);
const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({ description: 'Required: 1–255 printable ASCII characters' }),
  ),
});

export const OrderSchema = Type.Object({
  id: OrderId,
  appId: Uuid,
  mode: Mode,
  openid: Type.String(),
  amountMinor: Type.Integer(),
  currency: Type.String(),
  description: Type.String(),
  merchantReference: Nullable(Type.String()),
  metadata: Type.Record(Type.String(), Type.String()),
  status: OrderStatus,
  refundedMinor: Type.Integer(),
  paidWith: Nullable(Type.Union([Type.Literal('wallet'), Type.Literal('family_grant')])),
  createdAt: DateTime,
  expiresAt: DateTime,
  paidAt: Nullable(DateTime),
  closedAt: Nullable(DateTime),
  expiredAt: Nullable(DateTime),
});
const RefundSchema = Type.Object({
  id: Type.String(),
  orderId: OrderId,
  amountMinor: Type.Integer(),
  currency: Type.String(),
  reason: Nullable(Type.String()),
  status: Type.Literal('succeeded'),
  createdAt: DateTime,
});
const SettlementSchema = Type.Object({
  id: Type.String(),
  mode: Mode,
  amountMinor: Type.Integer(),
  currency: Type.String(),
  status: Type.Union([Type.Literal('pending'), Type.Literal('succeeded'), Type.Literal('failed')]),
  destination: Type.String(),
  failureReason: Nullable(Type.String()),
  createdAt: DateTime,
  completedAt: Nullable(DateTime),
});
const EventSchema = Type.Object({
  id: Type.String(),
  type: Type.String({ enum: [...WEBHOOK_EVENT_TYPES] }),
  createdAt: DateTime,
  mode: Mode,
  data: Type.Unknown(),
});
const PreviewSchema = Type.Object({
  orderId: OrderId,
  appId: Uuid,
  appName: Type.String(),
  iconUrl: Nullable(Type.String()),
  amountMinor: Type.Integer(),
  currency: Type.String(),
  description: Type.String(),
  status: OrderStatus,
  expiresAt: DateTime,
  mode: Mode,
});
const AttemptSchema = Type.Object({
  number: Type.Integer(),
  url: Type.String(),
  responseStatus: Nullable(Type.Integer()),
  responseBody: Nullable(Type.String()),
  durationMs: Type.Integer(),
  error: Nullable(Type.String()),
  manual: Type.Boolean(),
  startedAt: DateTime,
});
const DeliverySchema = Type.Object({
  id: Type.String(),
  appId: Uuid,
  eventId: Type.String(),
  eventType: Type.String(),
  mode: Mode,
  url: Type.String(),
  status: Type.Union([Type.Literal('pending'), Type.Literal('succeeded'), Type.Literal('failed')]),
  attemptCount: Type.Integer(),
  nextAttemptAt: Nullable(DateTime),
  lastAttemptAt: Nullable(DateTime),
  createdAt: DateTime,
  attempts: Type.Array(AttemptSchema),
});

const merchantSecurity = [{ bearerAuth: [] }];

function me(request: FastifyRequest): string {
  const p = request.principal;
  if (!p) throw new DomainError('unauthenticated');
  return p.userId;
}

function meta(request: FastifyRequest): RequestMeta {
  return { ip: request.ip ?? null, userAgent: request.headers['user-agent'] };
}

function caller(request: FastifyRequest): MerchantCaller {
  const m = merchantOf(request);
  return { appId: m.app.id, mode: m.mode };
}

function idempotencyKey(request: FastifyRequest): string | undefined {
  const value = request.headers['idempotency-key'];
  return Array.isArray(value) ? value[0] : value;
}

export interface PaymentRoutesOptions {
  payments: PaymentsService;
  miniapps: MiniAppRegistry;
}

/** The merchant API (app secret), the host's payment sheet (session) and the delivery log (developer). */
export const paymentRoutes: FastifyPluginAsyncTypebox<PaymentRoutesOptions> = async (
  app,
  { payments, miniapps },
) => {
  const user = { auth: 'user' as const };
  const merchantTags = ['merchant'];
  const merchant = (errors: readonly ErrorCode[]) => merchantRoute(miniapps, errors);

  // ── Merchant API ───────────────────────────────────────────────────────

  app.post(
    '/v1/merchant/orders',
    {
      ...merchant(paymentErrors.createOrder),
      schema: {
        tags: merchantTags,
        security: merchantSecurity,
        summary: 'Create a payment order for a user (Idempotency-Key required)',
        headers: IdempotencyHeaders,
        body: Type.Object(
          {
            openid: Type.String({ minLength: 1, maxLength: 100 }),
            amountMinor: Amount,
            currency: Type.String({ minLength: 3, maxLength: 3 }),
            description: Type.String({
              minLength: 1,
              maxLength: limits.miniappOrderDescriptionMaxLength * 2,
            }),
            merchantReference: Type.Optional(
              Type.String({ minLength: 1, maxLength: limits.miniappMerchantReferenceMaxLength }),
            ),
            expiresInSeconds: Type.Optional(
              Type.Integer({
                minimum: limits.miniappOrderTtlMinSeconds,
                maximum: limits.miniappOrderTtlMaxSeconds,
              }),
            ),
            metadata: Type.Optional(
              Type.Record(
                Type.String(),
                Type.String({ maxLength: limits.miniappOrderMetadataValueMaxLength }),
              ),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 201: Type.Object({ order: OrderSchema, paymentToken: Type.String() }) },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(await payments.createOrder(caller(request), idempotencyKey(request), request.body)),
  );

  app.get(
    '/v1/merchant/orders/:orderId',
    {
      ...merchant(paymentErrors.order),
      schema: {
        tags: merchantTags,
        security: merchantSecurity,
        summary: 'An order',
        params: OrderParams,
        response: { 200: OrderSchema },
      },
    },
    async (request) => payments.getOrder(caller(request), request.params.orderId),
  );

  app.post(
    '/v1/merchant/orders/:orderId/close',
    {
      ...merchant(paymentErrors.close),
      schema: {
        tags: merchantTags,
        security: merchantSecurity,
        summary: 'Close an open order so that it can no longer be paid',
        params: OrderParams,
        response: { 200: OrderSchema },
      },
    },
    async (request) => payments.closeOrder(caller(request), request.params.orderId),
  );

  app.post(
    '/v1/merchant/orders/:orderId/refunds',
    {
      ...merchant(paymentErrors.refund),
      schema: {
        tags: merchantTags,
        security: merchantSecurity,
        summary: 'Refund part or all of a paid order (Idempotency-Key required)',
        params: OrderParams,
        headers: IdempotencyHeaders,
        body: Type.Object(
          {
            amountMinor: Amount,
            reason: Type.Optional(Type.String({ maxLength: limits.miniappRefundReasonMaxLength * 2 })),
          },
          { additionalProperties: false },
        ),
        response: { 201: RefundSchema },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(
          await payments.refund(
            caller(request),
            request.params.orderId,
            idempotencyKey(request),
            request.body,
          ),
        ),
  );

  app.get(
    '/v1/merchant/orders/:orderId/refunds',
    {
      ...merchant(paymentErrors.order),
      schema: {
        tags: merchantTags,
        security: merchantSecurity,
        summary: "An order's refunds, oldest first",
        params: OrderParams,
        response: { 200: Type.Object({ refunds: Type.Array(RefundSchema) }) },
      },
    },
    async (request) => payments.refunds(caller(request), request.params.orderId),
  );

  app.get(
    '/v1/merchant/events',
    {
      ...merchant(paymentErrors.events),
      schema: {
        tags: merchantTags,
        security: merchantSecurity,
        summary: 'Events of the key’s mode, oldest first after a cursor (the same events webhooks carry)',
        querystring: Type.Object(
          {
            after: Type.Optional(Type.String({ maxLength: 64 })),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: limits.miniappEventsPageMax })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ events: Type.Array(EventSchema), nextCursor: Nullable(Type.String()) }),
        },
      },
    },
    async (request) => payments.events(caller(request), request.query.after, request.query.limit),
  );

  app.get(
    '/v1/merchant/balance',
    {
      ...merchant([]),
      schema: {
        tags: merchantTags,
        security: merchantSecurity,
        summary: 'The merchant account of the key’s mode',
        response: {
          200: Type.Object({
            mode: Mode,
            currency: Type.String(),
            balanceMinor: Type.Integer(),
            availableMinor: Type.Integer(),
            pendingSettlementMinor: Type.Integer(),
          }),
        },
      },
    },
    async (request) => payments.balance(caller(request)),
  );

  app.post(
    '/v1/merchant/settlements',
    {
      ...merchant(paymentErrors.settle),
      schema: {
        tags: merchantTags,
        security: merchantSecurity,
        summary: "Pay money out to the developer's bank card (Idempotency-Key required)",
        headers: IdempotencyHeaders,
        body: Type.Object({ amountMinor: Amount }, { additionalProperties: false }),
        response: { 201: SettlementSchema },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await payments.settle(caller(request), idempotencyKey(request), request.body)),
  );

  // ── Host: the payment sheet ────────────────────────────────────────────

  app.get(
    '/v1/miniapps/payments/:paymentToken',
    {
      schema: {
        tags: ['mini apps'],
        summary: 'The order behind a payment token, for the host’s payment sheet (its own user only)',
        params: TokenParams,
        querystring: TokenQuery,
        response: { 200: PreviewSchema },
      },
      config: { ...user, errors: paymentErrors.preview },
    },
    async (request) => payments.preview(me(request), request.params.paymentToken, request.query.appId),
  );

  app.post(
    '/v1/miniapps/payments/:paymentToken/pay',
    {
      schema: {
        tags: ['mini apps'],
        summary: 'Pay an order with the payment PIN, from the wallet or through a family-pay grant',
        params: TokenParams,
        querystring: TokenQuery,
        body: Type.Object(
          {
            pin: Type.String({ minLength: 1, maxLength: 32 }),
            grantId: Type.Optional(Uuid),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ orderId: OrderId, status: Type.Literal('paid'), paidAt: DateTime }),
        },
      },
      config: { ...user, errors: paymentErrors.pay },
    },
    async (request) =>
      payments.pay(
        me(request),
        request.params.paymentToken,
        request.body,
        meta(request),
        request.query.appId,
      ),
  );

  // ── Developer console: webhook deliveries ─────────────────────────────

  const AppParams = Type.Object({ appId: Uuid }, { additionalProperties: false });

  app.get(
    '/v1/developer/apps/:appId/deliveries',
    {
      schema: {
        tags: ['developer'],
        summary: 'Webhook deliveries of my app, newest first, with every attempt',
        params: AppParams,
        querystring: Type.Object(
          { cursor: Type.Optional(Type.String({ maxLength: 64 })) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ deliveries: Type.Array(DeliverySchema), nextCursor: Nullable(Type.String()) }),
        },
      },
      config: { ...user, errors: paymentErrors.deliveries },
    },
    async (request) => payments.webhooks.deliveries(me(request), request.params.appId, request.query.cursor),
  );

  app.post(
    '/v1/developer/apps/:appId/deliveries/:deliveryId/resend',
    {
      schema: {
        tags: ['developer'],
        summary: 'Send a delivery’s event again now (same webhook-id, a new attempt)',
        params: Type.Object(
          { appId: Uuid, deliveryId: Type.String({ pattern: '^dlv_[0-9a-f-]{36}$' }) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ delivery: DeliverySchema }) },
      },
      config: { ...user, errors: paymentErrors.resend },
    },
    async (request) => ({
      delivery: await payments.webhooks.resend(me(request), request.params.appId, request.params.deliveryId),
    }),
  );
};
