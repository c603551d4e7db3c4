import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { DomainError } from '../kernel/errors.js';
import * as limits from '../kernel/limits.js';
import { familyPayErrors } from './familypay.errors.js';
import type { FamilyPayService } from './familypay.service.js';

const Uuid = Type.String({ format: 'uuid' });
const DateTime = Type.String({ format: 'date-time' });
const IdParams = Type.Object({ id: Uuid }, { additionalProperties: false });
const PartySchema = Type.Object({
  userId: Uuid,
  displayName: Type.String(),
  username: Type.Union([Type.String(), Type.Null()]),
});
const GrantSchema = Type.Object({
  id: Uuid,
  granter: PartySchema,
  grantee: PartySchema,
  monthlyLimitMinor: Type.Integer(),
  currency: Type.String(),
  status: Type.String({ enum: ['offered', 'active', 'lapsed', 'ended'] }),
  month: Type.String(),
  usedThisMonthMinor: Type.Integer(),
  remainingThisMonthMinor: Type.Integer(),
  offerExpiresAt: DateTime,
  endsAt: Type.Union([DateTime, Type.Null()]),
  createdAt: DateTime,
  acceptedAt: Type.Union([DateTime, Type.Null()]),
  endedAt: Type.Union([DateTime, Type.Null()]),
});
const UseSchema = Type.Object({
  transferId: Uuid,
  merchant: PartySchema,
  amountMinor: Type.Integer(),
  currency: Type.String(),
  note: Type.String(),
  month: Type.String(),
  createdAt: DateTime,
});

function me(request: FastifyRequest): string {
  const p = request.principal;
  if (!p) throw new DomainError('unauthenticated');
  return p.userId;
}

export const familyPayRoutes: FastifyPluginAsyncTypebox<{ family: FamilyPayService }> = async (
  app,
  { family },
) => {
  const user = { auth: 'user' as const };
  const tags = ['family pay'];

  app.post(
    '/v1/family-pay/grants',
    {
      schema: {
        tags,
        summary: 'Offer a friend a monthly limit on my wallet (they accept within 24 h)',
        body: Type.Object(
          {
            id: Uuid,
            granteeId: Uuid,
            monthlyLimitMinor: Type.Integer({
              minimum: 1,
              maximum: limits.amountWireMaxMinor,
              description: `Minor units, ${limits.familyGrantMonthlyMinMinor} to ${limits.familyGrantMonthlyMaxMinor}`,
            }),
            endsAt: Type.Optional(DateTime),
          },
          { additionalProperties: false },
        ),
        response: { 200: GrantSchema, 201: GrantSchema },
      },
      config: { ...user, errors: familyPayErrors.grant },
    },
    async (request, reply) => {
      const { grant, created } = await family.grant(me(request), request.body);
      return reply.code(created ? 201 : 200).send(grant);
    },
  );

  app.get(
    '/v1/family-pay/grants',
    {
      schema: {
        tags,
        summary: 'Grants I gave and grants I was given, with what is left this month',
        response: { 200: Type.Object({ grants: Type.Array(GrantSchema) }) },
      },
      config: user,
    },
    async (request) => ({ grants: await family.list(me(request)) }),
  );

  app.get(
    '/v1/family-pay/grants/:id',
    {
      schema: { tags, summary: 'A grant', params: IdParams, response: { 200: GrantSchema } },
      config: { ...user, errors: familyPayErrors.owned },
    },
    async (request) => family.get(me(request), request.params.id),
  );

  app.post(
    '/v1/family-pay/grants/:id/accept',
    {
      schema: {
        tags,
        summary: 'Accept a grant offered to me',
        params: IdParams,
        response: { 200: GrantSchema },
      },
      config: { ...user, errors: familyPayErrors.owned },
    },
    async (request) => family.accept(me(request), request.params.id),
  );

  app.post(
    '/v1/family-pay/grants/:id/end',
    {
      schema: {
        tags,
        summary: 'End a grant at once (either side)',
        params: IdParams,
        response: { 200: GrantSchema },
      },
      config: { ...user, errors: familyPayErrors.owned },
    },
    async (request) => family.end(me(request), request.params.id),
  );

  app.get(
    '/v1/family-pay/grants/:id/uses',
    {
      schema: {
        tags,
        summary: 'Payments through a grant, newest first',
        params: IdParams,
        response: { 200: Type.Object({ uses: Type.Array(UseSchema) }) },
      },
      config: { ...user, errors: familyPayErrors.owned },
    },
    async (request) => ({ uses: await family.history(me(request), request.params.id) }),
  );

  app.post(
    '/v1/family-pay/grants/:id/paycode',
    {
      schema: {
        tags,
        summary: 'A one-time pay code (60 s) that pays through a grant given to me (my PIN)',
        params: IdParams,
        body: Type.Object({ pin: Type.String({ pattern: '^[0-9]{6}$' }) }, { additionalProperties: false }),
        response: { 200: Type.Object({ code: Type.String(), expiresAt: DateTime }) },
      },
      config: { ...user, errors: familyPayErrors.paycode },
    },
    async (request) =>
      family.payCode(me(request), request.params.id, request.body.pin, {
        ip: request.ip ?? null,
        userAgent: request.headers['user-agent'],
      }),
  );
};
