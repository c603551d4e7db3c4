import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { ErrorCode } from '@jiaozi/protocol';
import Fastify, { type FastifyInstance, type FastifyRequest, type RouteOptions } from 'fastify';
import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import { DomainError } from '../../kernel/errors.js';
import { newId } from '../../kernel/ids.js';
import { pathParamLengthMax, requestBodyMaxBytes, requestIdMaxLength } from '../../kernel/limits.js';
import type { Logger } from '../../kernel/logger.js';
import type { PoolStats } from '../db/connect.js';
import { mapError } from './error-mapper.js';
import { errorResponses, errorSchemaComponent } from './error-responses.js';
import { installMetrics } from './metrics.js';
import { createValidatorCompiler } from './validation.js';

export interface Principal {
  userId: string;
  sessionId: string;
  role: 'user' | 'admin';
}

/** Resolves a bearer token to who is calling, or null for an unknown/expired/revoked one. */
export type Authenticator = (token: string, request: FastifyRequest) => Promise<Principal | null>;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call: a signed-in user, or an admin. Absent: anyone. */
    auth?: 'user' | 'admin';
    /** The domain error codes this route may answer, for the OpenAPI document. */
    errors?: readonly ErrorCode[];
    /** The route has its own rate limits (adds `rate_limited` to its documented errors). */
    rateLimited?: boolean;
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
}

export type App = FastifyInstance<
  import('node:http').Server,
  import('node:http').IncomingMessage,
  import('node:http').ServerResponse,
  Logger,
  TypeBoxTypeProvider
>;

export interface HttpOptions {
  logger: Logger;
  trustProxy: boolean;
  authenticate: Authenticator;
  poolStats: () => PoolStats;
  redis: Redis | undefined;
  version: string;
}

const REQUEST_ID_RE = new RegExp(`^[A-Za-z0-9._:-]{1,${requestIdMaxLength}}$`);

function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match?.[1];
}

/** Adds the documented error answers and the auth guard a route's config asks for. */
function decorateRoute(
  route: RouteOptions,
  guard: (role: 'user' | 'admin') => RouteOptions['preHandler'],
): void {
  const config = (route.config ?? {}) as {
    auth?: 'user' | 'admin';
    errors?: readonly ErrorCode[];
    rateLimited?: boolean;
  };
  route.schema ??= {};
  const schema = route.schema as Record<string, unknown>;
  if (schema.hide) return;
  const codes = new Set<ErrorCode>(config.errors ?? []);
  codes.add('internal_error');
  if (schema.body || schema.params || schema.querystring) codes.add('invalid_request');
  if (schema.body) {
    codes.add('payload_too_large');
    codes.add('unsupported_media_type');
  }
  if (config.rateLimited) codes.add('rate_limited');
  if (config.auth) {
    codes.add('unauthenticated');
    schema.security = [{ bearerAuth: [] }];
    const hook = guard(config.auth);
    const existing = route.preHandler;
    route.preHandler = existing
      ? [hook as never, ...(Array.isArray(existing) ? existing : [existing])]
      : hook;
    if (config.auth === 'admin') codes.add('forbidden');
  }
  schema.response = { ...errorResponses([...codes]), ...((schema.response as object) ?? {}) };
}

/**
 * The Fastify server every domain plugs into: request ids, structured logs, one error
 * mapper, validation that rejects unknown fields, OpenAPI 3.1, metrics, security headers,
 * body limits and rate limiting (shared through Redis when configured).
 */
export async function createHttpServer(options: HttpOptions): Promise<{ app: App; metrics: Registry }> {
  const app = Fastify({
    loggerInstance: options.logger,
    trustProxy: options.trustProxy,
    bodyLimit: requestBodyMaxBytes,
    requestIdHeader: false,
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID_RE.test(incoming) ? incoming : newId();
    },
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: pathParamLengthMax },
    ajv: { customOptions: {} },
  }).withTypeProvider<TypeBoxTypeProvider>() as unknown as App;

  app.setValidatorCompiler(createValidatorCompiler());
  // The API speaks JSON only: Fastify's built-in text/plain parser would hand a string to the
  // body schema (a 400), where the contract promises 415 `unsupported_media_type`.
  app.removeContentTypeParser('text/plain');
  app.decorateRequest('principal', null);

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  const guard = (role: 'user' | 'admin') =>
    async function authGuard(request: FastifyRequest) {
      const token = bearerToken(request);
      const principal = token ? await options.authenticate(token, request) : null;
      if (!principal) throw new DomainError('unauthenticated', 'Sign in to continue.');
      if (role === 'admin' && principal.role !== 'admin') {
        throw new DomainError('forbidden', 'This action needs an administrator.');
      }
      request.principal = principal;
    };
  app.addHook('onRoute', (route) => decorateRoute(route, guard as never));

  app.setErrorHandler((error, request, reply) => {
    const mapped = mapError(error, request.id);
    if (mapped.internal) request.log.error({ err: error }, 'request failed');
    else request.log.info({ code: mapped.body.error.code }, 'request refused');
    if (mapped.status === 429 && typeof mapped.body.error.details?.retryAfterSeconds === 'number') {
      reply.header('retry-after', String(mapped.body.error.details.retryAfterSeconds));
    }
    return reply.code(mapped.status).send(mapped.body);
  });

  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        // Mini apps run in sandboxed iframes from their own registered origins, with icons from there.
        frameSrc: ["'self'", 'https:', 'http:'],
        imgSrc: ["'self'", 'data:', 'blob:', 'https:', 'http:'],
        mediaSrc: ["'self'", 'blob:'],
        styleSrc: ["'self'", "'unsafe-inline'"],
        scriptSrc: ["'self'"],
        connectSrc: ["'self'", 'ws:', 'wss:'],
        frameAncestors: ["'none'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        upgradeInsecureRequests: null,
      },
    },
    crossOriginEmbedderPolicy: false,
  });

  await app.register(rateLimit, {
    global: false,
    ...(options.redis ? { redis: options.redis, nameSpace: 'jiaozi:rl:' } : {}),
    errorResponseBuilder: (_request, context) => {
      const retryAfterSeconds = Math.max(1, Math.ceil(context.ttl / 1000));
      return new DomainError('rate_limited', `Too many attempts. Try again in ${context.after}.`, {
        retryAfterSeconds,
      });
    },
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Jiaozi API',
        version: options.version,
        description:
          'Jiaozi (交子): wallet, messenger and mini-app platform. Amounts are integer minor units. ' +
          'Every error answer is `{ error: { code, message, requestId, details } }` with a stable code.',
      },
      components: {
        securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } },
        schemas: { Error: errorSchemaComponent as never },
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });

  const metrics = installMetrics(app as unknown as FastifyInstance, options.poolStats);
  return { app, metrics };
}

export interface RateLimitBucket {
  /** Names the counter; buckets never share counts. */
  bucket: string;
  max: number;
  windowMs: number;
  /** Whose attempts are counted: an IP, an account, … */
  key: (request: FastifyRequest) => string;
}

/**
 * What the rate limiter reads of a request, for a call that arrived over a user's socket:
 * the same buckets then count socket calls and HTTP requests alike.
 */
export function socketRequest(app: App, userId: string): FastifyRequest {
  return {
    principal: { userId, sessionId: '', role: 'user' },
    ip: '',
    routeOptions: { config: {} },
    log: app.log,
  } as unknown as FastifyRequest;
}

/**
 * Runs `fn` after every earlier call under the same key has finished. The in-process store
 * of the rate limiter hands each caller one shared counter object and is read after an
 * await, so a burst of checks under one key (calls arriving together over a socket) would
 * all see the burst's final count; one at a time per key, each sees its own.
 */
function oneAtATime() {
  const tails = new Map<string, Promise<unknown>>();
  return <T>(key: string, fn: () => Promise<T>): Promise<T> => {
    const run = (tails.get(key) ?? Promise.resolve()).then(fn, fn);
    const tail = run.catch(() => undefined);
    tails.set(key, tail);
    void tail.then(() => {
      if (tails.get(key) === tail) tails.delete(key);
    });
    return run;
  };
}

/**
 * A preHandler that counts the request in every given bucket (in Redis when configured, so
 * all nodes share the counts) and answers 429 `rate_limited` once any bucket is over.
 */
export function rateLimited(app: App, buckets: readonly RateLimitBucket[]) {
  const checks = buckets.map((b) => ({
    bucket: b,
    check: app.createRateLimit({
      max: b.max,
      timeWindow: b.windowMs,
      keyGenerator: (request) => `${b.bucket}:${b.key(request)}`,
    }),
    serial: oneAtATime(),
  }));
  return async function rateLimitGuard(request: FastifyRequest): Promise<void> {
    for (const { bucket, check, serial } of checks) {
      const result = await serial(bucket.key(request), () => check(request));
      if (!result.isAllowed && result.isExceeded) {
        const retryAfterSeconds = Math.max(1, result.ttlInSeconds);
        request.log.warn({ bucket: bucket.bucket }, 'rate limited');
        throw new DomainError(
          'rate_limited',
          `Too many attempts. Try again in ${retryAfterSeconds} seconds.`,
          {
            retryAfterSeconds,
          },
        );
      }
    }
  };
}
