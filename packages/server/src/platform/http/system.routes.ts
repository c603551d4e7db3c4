import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ClientConfig } from '@jiaozi/protocol';
import { type Kysely, sql } from 'kysely';
import type { Registry } from 'prom-client';
import { Type } from 'typebox';
import { DomainError } from '../../kernel/errors.js';
import * as limits from '../../kernel/limits.js';
import { VERSION } from '../../kernel/version.js';

export interface SystemRoutesOptions {
  // biome-ignore lint/suspicious/noExplicitAny: readiness only runs SELECT 1, on any schema.
  db: Kysely<any>;
  metrics: Registry;
  currency: string;
}

/** Liveness, readiness, metrics, the OpenAPI document and the public client configuration. */
export const systemRoutes: FastifyPluginAsyncTypebox<SystemRoutesOptions> = async (
  app,
  { db, metrics, currency },
) => {
  app.get(
    '/healthz',
    {
      schema: {
        tags: ['system'],
        summary: 'Liveness: the process answers',
        response: { 200: Type.Object({ status: Type.Literal('ok'), version: Type.String() }) },
      },
    },
    async () => ({ status: 'ok' as const, version: VERSION }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        tags: ['system'],
        summary: 'Readiness: the database answers',
        response: { 200: Type.Object({ status: Type.Literal('ready'), database: Type.Literal('ok') }) },
      },
      config: { errors: ['service_unavailable'] },
    },
    async (request) => {
      try {
        await sql`SELECT 1`.execute(db);
      } catch (error) {
        request.log.warn({ err: error }, 'database not ready');
        throw new DomainError('service_unavailable', 'The database is not answering.');
      }
      return { status: 'ready' as const, database: 'ok' as const };
    },
  );

  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    reply.header('content-type', metrics.contentType);
    return metrics.metrics();
  });

  app.get('/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  const clientConfig: ClientConfig = {
    name: 'Jiaozi',
    version: VERSION,
    currency,
    limits: {
      passwordMinLength: limits.passwordMinLength,
      passwordMaxLength: limits.passwordMaxLength,
      usernameMinLength: limits.usernameMinLength,
      usernameMaxLength: limits.usernameMaxLength,
      displayNameMaxLength: limits.displayNameMaxLength,
      bioMaxLength: limits.bioMaxLength,
      deviceNameMaxLength: limits.deviceNameMaxLength,
      pinLength: limits.pinLength,
      pinAttemptsMax: limits.pinAttemptsMax,
    },
  };
  app.get(
    '/v1/config',
    {
      schema: {
        tags: ['system'],
        summary: 'What a client needs to know before signing in',
        response: {
          200: Type.Object({
            name: Type.String(),
            version: Type.String(),
            currency: Type.String(),
            limits: Type.Object(
              Object.fromEntries(Object.keys(clientConfig.limits).map((k) => [k, Type.Integer()])),
            ),
          }),
        },
      },
    },
    async () => clientConfig,
  );
};
