import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { chatRoutes } from './chat/chat.routes.js';
import { ChatService } from './chat/chat.service.js';
import { chatPayRoutes } from './chatpay/chatpay.routes.js';
import { type ChatPayOptions, ChatPayService } from './chatpay/chatpay.service.js';
import { familyPayRoutes } from './familypay/familypay.routes.js';
import { FamilyPayService } from './familypay/familypay.service.js';
import { fundRoutes } from './fund/fund.routes.js';
import { FundService } from './fund/fund.service.js';
import { identityRoutes } from './identity/identity.routes.js';
import { IdentityService } from './identity/identity.service.js';
import { type Clock, systemClock } from './kernel/clock.js';
import type { Config } from './kernel/config.js';
import { createLogger, type Logger } from './kernel/logger.js';
import { VERSION } from './kernel/version.js';
import { LedgerService } from './ledger/ledger.service.js';
import { mediaRoutes } from './media/media.routes.js';
import { MediaService } from './media/media.service.js';
import { LocalMediaStore } from './media/media.store.js';
import { paymentRoutes } from './miniapps/payments.routes.js';
import { ORDER_EXPIRE_JOB, PaymentsService } from './miniapps/payments.service.js';
import { registryRoutes } from './miniapps/registry.routes.js';
import { LOGIN_CODE_SWEEP_JOB, MiniAppRegistry } from './miniapps/registry.service.js';
import { WEBHOOK_JOB } from './miniapps/webhooks.service.js';
import type { DatabaseHandle } from './platform/db/connect.js';
import { type App, createHttpServer } from './platform/http/server.js';
import { systemRoutes } from './platform/http/system.routes.js';
import { serveWeb } from './platform/http/web.js';
import { JobRunner } from './platform/jobs/jobs.js';
import { Secrets } from './platform/secrets/secrets.js';
import { type Bus, LocalBus, RedisBus } from './realtime/bus.js';
import { Realtime } from './realtime/realtime.js';
import { socialRoutes } from './social/social.routes.js';
import { SocialService } from './social/social.service.js';
import { BANK_SIGNATURE_HEADER, SimulatedBankGateway } from './wallet/bank-gateway.js';
import { walletRoutes } from './wallet/wallet.routes.js';
import { WalletService } from './wallet/wallet.service.js';

export interface AppDeps {
  config: Config;
  database: DatabaseHandle;
  clock?: Clock;
  logger?: Logger;
  /** Money in chat's random source for lucky red packets (tests inject a seeded one). */
  randomInt?: ChatPayOptions['randomInt'];
}

export interface Services {
  identity: IdentityService;
  social: SocialService;
  chat: ChatService;
  media: MediaService;
  ledger: LedgerService;
  wallet: WalletService;
  fund: FundService;
  family: FamilyPayService;
  chatpay: ChatPayService;
  /** The mini-app registry: apps, keys, review, login codes, scopes, storage, shares. */
  miniapps: MiniAppRegistry;
  /** Mini-app payments: orders, refunds, settlements, events and webhooks. */
  payments: PaymentsService;
  bank: SimulatedBankGateway;
  bus: Bus;
  realtime: Realtime;
  /** Durable scheduled jobs: domains register their kinds at start. */
  jobs: JobRunner;
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

  // Whose update logs grew: in process with one node, Redis pub/sub across nodes.
  const bus: Bus = config.redisUrl ? new RedisBus(config.redisUrl, logger) : new LocalBus();
  const secrets = new Secrets(database.db, clock);
  const jobs = new JobRunner(database.db, clock, logger);
  const social = new SocialService(database.db, clock, identity, secrets, bus);
  const chat = new ChatService(database.db, clock, identity, social, bus, logger);
  const mediaDir = config.mediaDir ?? join(config.dataDir, 'media');
  const media = new MediaService(
    database.db,
    clock,
    new LocalMediaStore(join(mediaDir, 'files')),
    secrets,
    chat,
    bus,
    { linkTtlSeconds: config.mediaLinkTtlSeconds, logger },
  );
  const ledger = new LedgerService(database.db, clock, logger);
  const bank = new SimulatedBankGateway(() => secrets.get('bank_callback'), clock, logger, {
    latencyMinMs: Math.floor(config.bankLatencyMs / 4),
    latencyMaxMs: config.bankLatencyMs,
    failureRate: config.bankFailureRate,
    currency: config.currency,
  });
  const wallet = new WalletService(database.db, clock, logger, ledger, identity, secrets, bank, {
    currency: config.currency,
    timeZone: config.timeZone,
    announcer: bus,
  });
  await wallet.init();
  const fund = new FundService(database.db, clock, logger, ledger, identity, wallet, {
    currency: config.currency,
    timeZone: config.timeZone,
    cutoff: config.fundCutoff,
    holidays: config.fundHolidays ?? [],
    instantDailyMaxMinor: config.fundInstantDailyMaxMinor,
    yieldSource: config.fundYieldSource,
    announcer: bus,
  });
  await fund.init();
  const family = new FamilyPayService(database.db, clock, ledger, identity, wallet, social, chat, {
    currency: config.currency,
    timeZone: config.timeZone,
    announcer: bus,
  });
  const chatpay = new ChatPayService(database.db, clock, ledger, identity, wallet, chat, {
    currency: config.currency,
    announcer: bus,
    ...(deps.randomInt ? { randomInt: deps.randomInt } : {}),
  });
  await chatpay.init();
  chatpay.registerJobs(jobs);
  wallet.registerJobs(jobs);
  const miniapps = new MiniAppRegistry(database.db, clock, identity, secrets, chat, {
    announcer: bus,
    allowPrivateWebhooks: config.webhookAllowPrivateNetworks,
  });
  jobs.register(LOGIN_CODE_SWEEP_JOB, (job) => miniapps.sweepLoginCodes(job));
  const payments = new PaymentsService(
    database.db,
    clock,
    logger,
    ledger,
    identity,
    wallet,
    family,
    miniapps,
    secrets,
    { currency: config.currency, announcer: bus, allowPrivateWebhooks: config.webhookAllowPrivateNetworks },
  );
  jobs.register(ORDER_EXPIRE_JOB, (job) => payments.runExpireJob(job));
  // About 3 days of retries are the delivery's own schedule; a throw here is a crash, retried soon.
  jobs.register(WEBHOOK_JOB, (job) => payments.webhooks.runJob(job), { leaseSeconds: 30 });
  ledger.start();
  media.start();

  const { app, metrics } = await createHttpServer({
    logger,
    trustProxy: config.trustProxy,
    authenticate: (token) => identity.authenticate(token),
    poolStats: () => database.poolStats(),
    redis,
    version: VERSION,
  });

  const realtime = new Realtime(
    database.db,
    logger,
    (token) => identity.authenticate(token),
    bus,
    (userId, conversationId) => chat.typingAudience(userId, conversationId),
    (userId) => social.touchPresence(userId),
  );
  await app.register(systemRoutes, { db: database.db, metrics, currency: config.currency });
  await app.register(identityRoutes, { identity, rateLimits: config.rateLimits });
  await app.register(socialRoutes, { social, rateLimits: config.rateLimits });
  await app.register(chatRoutes, { chat, rateLimits: config.rateLimits, socket: realtime });
  await app.register(mediaRoutes, {
    media,
    uploadDir: join(mediaDir, 'uploads'),
    linkTtlSeconds: config.mediaLinkTtlSeconds,
    rateLimits: config.rateLimits,
  });
  await app.register(walletRoutes, { wallet });
  await app.register(fundRoutes, { fund });
  await app.register(familyPayRoutes, { family });
  await app.register(chatPayRoutes, { chatpay });
  await app.register(registryRoutes, { miniapps, rateLimits: config.rateLimits });
  await app.register(paymentRoutes, { payments, miniapps });
  await app.register(async (scope) => realtime.plugin(scope as never));
  realtime.startTail();
  if (config.fundScheduler) fund.startScheduler();
  if (config.jobRunner) jobs.start();
  await serveWeb(app as never, config.webDistDir ?? defaultWebDistDir());
  await app.ready();
  // The simulated bank calls back through the same route a real bank would use.
  bank.connect(async (body, signature) => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/bank/callbacks',
      payload: body,
      headers: { 'content-type': 'application/json', [BANK_SIGNATURE_HEADER]: signature },
    });
    return res.statusCode;
  });

  return {
    app,
    services: {
      identity,
      social,
      chat,
      media,
      ledger,
      wallet,
      fund,
      family,
      chatpay,
      miniapps,
      payments,
      bank,
      bus,
      realtime,
      jobs,
    },
    close: async () => {
      bank.close();
      media.close();
      await fund.stopScheduler();
      await jobs.stop();
      await realtime.close();
      await app.close();
      await bus.close();
      await ledger.close();
      if (redis) await redis.quit().catch(() => redis.disconnect());
    },
  };
}
