import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { identityRoutes } from './identity/identity.routes.js';
import { IdentityService } from './identity/identity.service.js';
import { type Clock, systemClock } from './kernel/clock.js';
import type { Config } from './kernel/config.js';
import { createLogger, type Logger } from './kernel/logger.js';
import { VERSION } from './kernel/version.js';
import type { DatabaseHandle } from './platform/db/connect.js';
import { type App, createHttpServer } from './platform/http/server.js';
import { systemRoutes } from './platform/http/system.routes.js';
import { serveWeb } from './platform/http/web.js';

export interface AppDeps {
  config: Config;
  database: DatabaseHandle;
  clock?: Clock;
  logger?: Logger;
}

export interface Services {
  identity: IdentityService;
}

export interface BuiltApp {
  app: App;
  services: Services;
  /** Closes the HTTP server and Redis; the database belongs to the caller. */
  close(): Promise<void>;
}

/** Where `npm run build` puts the web client, relative to this file in src/ or dist/. */
export function defaultWebDistDir(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '../../web/dist');
}

/** The composition root: wires every domain's service and routes into one server. */
export async function buildApp(deps: AppDeps): Promise<BuiltApp> {
  const { config, database } = deps;
  const clock = deps.clock ?? systemClock;
  const logger = deps.logger ?? createLogger(config.logLevel);
  const redis = config.redisUrl
    ? new Redis(config.redisUrl, { maxRetriesPerRequest: 2, enableOfflineQueue: true, lazyConnect: false })
    : undefined;
  redis?.on('error', (error) => logger.warn({ err: error }, 'redis error'));

  const identity = new IdentityService(database.db, clock, {
    sessionTtlDays: config.sessionTtlDays,
    hash: { memoryKib: config.argon2MemoryKib, timeCost: config.argon2TimeCost },
  });

  const { app, metrics } = await createHttpServer({
    logger,
    trustProxy: config.trustProxy,
    authenticate: (token) => identity.authenticate(token),
    poolStats: () => database.poolStats(),
    redis,
    version: VERSION,
  });

  await app.register(systemRoutes, { db: database.db, metrics, currency: config.currency });
  await app.register(identityRoutes, { identity, rateLimits: config.rateLimits });
  await serveWeb(app as never, config.webDistDir ?? defaultWebDistDir());
  await app.ready();

  return {
    app,
    services: { identity },
    close: async () => {
      await app.close();
      if (redis) await redis.quit().catch(() => redis.disconnect());
    },
  };
}
