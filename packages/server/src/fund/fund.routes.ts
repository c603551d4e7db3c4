import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { RequestMeta } from '../identity/identity.service.js';
import { DomainError } from '../kernel/errors.js';
import * as limits from '../kernel/limits.js';
import { fundErrors } from './fund.errors.js';
import type { FundService } from './fund.service.js';

const Uuid = Type.String({ format: 'uuid' });
const DateTime = Type.String({ format: 'date-time' });
const DayString = Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$', description: 'YYYY-MM-DD' });
const Amount = Type.Integer({
  minimum: 1,
  maximum: limits.amountWireMaxMinor,
  description: 'Minor units (fen); one share is one minor unit',
});
const Pin = Type.String({ pattern: '^[0-9]{6}$' });
const Percent = Type.Union([Type.String(), Type.Null()]);

const Summary = Type.Object({
  currency: Type.String(),
  balanceMinor: Type.Integer(),
  sharesMinor: Type.Integer(),
  pendingSubscriptionMinor: Type.Integer(),
  yesterdayIncomeMinor: Type.Integer(),
  incomeDay: Type.Union([Type.String(), Type.Null()]),
  cumulativeIncomeMinor: Type.Integer(),
  sevenDayYieldPercent: Percent,
  latestPer10k: Type.Union([Type.String(), Type.Null()]),
  latestYieldDay: Type.Union([Type.String(), Type.Null()]),
  instantRedeemedTodayMinor: Type.Integer(),
  instantDailyMaxMinor: Type.Integer(),
});
const History = Type.Object({
  days: Type.Array(
    Type.Object({
      day: Type.String(),
      incomeMinor: Type.Integer(),
      per10k: Type.Union([Type.String(), Type.Null()]),
      sevenDayYieldPercent: Percent,
    }),
  ),
});
const Quote = Type.Object({
  now: DateTime,
  cutoff: Type.String(),
  timeZone: Type.String(),
  subscribe: Type.Object({ tradeDay: Type.String(), confirmDay: Type.String(), earnsFrom: Type.String() }),
  redeemInstant: Type.Object({ arrivesAt: DateTime }),
  redeemNormal: Type.Object({ tradeDay: Type.String(), arrivesOn: Type.String(), arrivesAt: DateTime }),
});
const Order = Type.Object({
  id: Uuid,
  kind: Type.String({ enum: ['subscribe', 'redeem_instant', 'redeem_normal'] }),
  amountMinor: Type.Integer(),
  currency: Type.String(),
  status: Type.String({ enum: ['pending', 'done'] }),
  tradeDay: Type.String(),
  effectiveDay: Type.String(),
  createdAt: DateTime,
  doneAt: Type.Union([DateTime, Type.Null()]),
});
const Yield = Type.Object({
  day: Type.String(),
  per10k: Type.String(),
  source: Type.String({ enum: ['published', 'simulated'] }),
});
const Accrual = Type.Object({
  day: Type.String(),
  per10k: Type.String(),
  holders: Type.Integer(),
  incomeTotalMinor: Type.Integer(),
  confirmedMinor: Type.Integer(),
  created: Type.Boolean(),
});
const DaysQuery = Type.Object(
  { days: Type.Optional(Type.Integer({ minimum: 1, maximum: limits.fundHistoryDaysMax })) },
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

export const fundRoutes: FastifyPluginAsyncTypebox<{ fund: FundService }> = async (app, { fund }) => {
  const user = { auth: 'user' as const };
  const admin = { auth: 'admin' as const };
  const tags = ['fund'];

  app.get(
    '/v1/fund',
    {
      schema: {
        tags,
        summary: 'My fund: balance, yesterday’s income, cumulative income, 7-day yield',
        response: { 200: Summary },
      },
      config: user,
    },
    async (request) => fund.summary(me(request)),
  );

  app.get(
    '/v1/fund/history',
    {
      schema: {
        tags,
        summary: 'My daily income with the yields, for the last `days` days (default 30)',
        querystring: DaysQuery,
        response: { 200: History },
      },
      config: user,
    },
    async (request) => fund.history(me(request), request.query.days ?? limits.fundHistoryDaysDefault),
  );

  app.get(
    '/v1/fund/quote',
    {
      schema: {
        tags,
        summary: 'When a subscription or redemption placed now would be confirmed or arrive',
        response: { 200: Quote },
      },
      config: user,
    },
    async () => fund.quote(),
  );

  app.get(
    '/v1/fund/orders',
    {
      schema: {
        tags,
        summary: 'My subscriptions and redemptions, newest first',
        response: { 200: Type.Object({ orders: Type.Array(Order) }) },
      },
      config: user,
    },
    async (request) => ({ orders: await fund.orders(me(request)) }),
  );

  app.get(
    '/v1/fund/yields',
    {
      schema: {
        tags,
        summary: 'Published per-10,000 yields of the last `days` days, oldest first',
        querystring: DaysQuery,
        response: { 200: Type.Object({ yields: Type.Array(Yield) }) },
      },
      config: user,
    },
    async (request) => ({ yields: await fund.yields(request.query.days ?? limits.fundHistoryDaysDefault) }),
  );

  app.post(
    '/v1/fund/subscriptions',
    {
      schema: {
        tags,
        summary: 'Move money from the wallet into the fund (PIN). The same id again answers the original',
        body: Type.Object({ id: Uuid, amountMinor: Amount, pin: Pin }, { additionalProperties: false }),
        response: { 200: Order, 201: Order },
      },
      config: { ...user, errors: fundErrors.subscribe },
    },
    async (request, reply) => {
      const { order, created } = await fund.subscribe(me(request), request.body, meta(request));
      return reply.code(created ? 201 : 200).send(order);
    },
  );

  app.post(
    '/v1/fund/redemptions',
    {
      schema: {
        tags,
        summary: 'Take money out of the fund (PIN): instant (capped per day) or normal (next trading day)',
        body: Type.Object(
          {
            id: Uuid,
            amountMinor: Amount,
            mode: Type.Union([Type.Literal('instant'), Type.Literal('normal')]),
            pin: Pin,
          },
          { additionalProperties: false },
        ),
        response: { 200: Order, 201: Order },
      },
      config: { ...user, errors: fundErrors.redeem },
    },
    async (request, reply) => {
      const { order, created } = await fund.redeem(me(request), request.body, meta(request));
      return reply.code(created ? 201 : 200).send(order);
    },
  );

  app.post(
    '/v1/admin/fund/yields',
    {
      schema: {
        tags: ['admin'],
        summary: 'Publish a day’s income per 10,000 shares ("1.2345"); the same value again is harmless',
        body: Type.Object(
          { date: DayString, per10k: Type.String({ minLength: 1, maxLength: 16 }) },
          { additionalProperties: false },
        ),
        response: { 200: Yield, 201: Yield },
      },
      config: { ...admin, errors: fundErrors.publishYield },
    },
    async (request, reply) => {
      const { created, ...published } = await fund.publishYield(request.body.date, request.body.per10k);
      return reply.code(created ? 201 : 200).send(published);
    },
  );

  app.post(
    '/v1/admin/fund/accruals',
    {
      schema: {
        tags: ['admin'],
        summary: 'Accrue a day’s income for every holder (idempotent: a second run pays nothing)',
        body: Type.Object({ date: DayString }, { additionalProperties: false }),
        response: { 200: Accrual, 201: Accrual },
      },
      config: { ...admin, errors: fundErrors.accrue },
    },
    async (request, reply) => {
      const accrual = await fund.accrue(request.body.date);
      return reply.code(accrual.created ? 201 : 200).send(accrual);
    },
  );
};
