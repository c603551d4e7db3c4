import { isAbsolute, resolve } from 'node:path';
import {
  dbPoolMaxDefault,
  fundHolidaysMax,
  fundInstantDailyMaxMinorDefault,
  mediaLinkTtlSecondsDefault,
} from './limits.js';

/**
 * Configuration comes from the environment and is validated once at start. A bad value
 * stops the process with a message that names the variable; nothing starts half-configured.
 * docs/operator.md lists every variable (a test keeps the two in sync).
 */
export interface Config {
  host: string;
  port: number;
  /** Postgres connection string; absent → embedded PGlite under dataDir. */
  databaseUrl: string | undefined;
  dbPoolMax: number;
  /** Redis connection string; absent → in-process rate limits and bus. */
  redisUrl: string | undefined;
  dataDir: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  currency: 'CNY' | 'USD' | 'EUR' | 'JPY' | 'HKD';
  sessionTtlDays: number;
  trustProxy: boolean;
  webDistDir: string | undefined;
  argon2MemoryKib: number;
  argon2TimeCost: number;
  rateLimits: boolean;
  timeZone: string;
  bankLatencyMs: number;
  bankFailureRate: number;
  fundCutoff: string;
  /** Unset: weekends only. */
  fundHolidays: string[] | undefined;
  fundInstantDailyMaxMinor: bigint;
  fundYieldSource: 'published' | 'simulated';
  fundScheduler: boolean;
  jobRunner: boolean;
  /** Where uploaded media files live; absent → `dataDir/media`. */
  mediaDir: string | undefined;
  mediaLinkTtlSeconds: number;
  /** Let webhooks reach loopback and private addresses (development; `serve --demo`, `dev`). */
  webhookAllowPrivateNetworks: boolean;
  /** With `serve --demo`: register the example mini apps and run their servers. */
  demoMiniapps: boolean;
  demoRestaurantsPort: number;
  demoShopPort: number;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

interface VarSpec<T> {
  name: string;
  description: string;
  default: string | undefined;
  parse: (raw: string, name: string) => T;
}

function integer(min: number, max: number) {
  return (raw: string, name: string): number => {
    if (!/^\d+$/.test(raw))
      throw new ConfigError(name, `expected a whole number, got ${JSON.stringify(raw)}`);
    const n = Number(raw);
    if (n < min || n > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${n}`);
    return n;
  };
}

function oneOf<T extends string>(values: readonly T[]) {
  return (raw: string, name: string): T => {
    if (!(values as readonly string[]).includes(raw)) {
      throw new ConfigError(name, `must be one of ${values.join(', ')}, got ${JSON.stringify(raw)}`);
    }
    return raw as T;
  };
}

function boolean(raw: string, name: string): boolean {
  if (['1', 'true', 'yes', 'on'].includes(raw.toLowerCase())) return true;
  if (['0', 'false', 'no', 'off'].includes(raw.toLowerCase())) return false;
  throw new ConfigError(name, `expected true or false, got ${JSON.stringify(raw)}`);
}

function url(protocols: readonly string[]) {
  return (raw: string, name: string): string => {
    let parsed: URL;
    try {
      parsed = new URL(raw);
    } catch {
      throw new ConfigError(name, 'is not a valid URL');
    }
    if (!protocols.includes(parsed.protocol)) {
      throw new ConfigError(name, `must start with ${protocols.map((p) => `${p}//`).join(' or ')}`);
    }
    return raw;
  };
}

function text(raw: string, name: string): string {
  if (raw.trim() === '') throw new ConfigError(name, 'must not be empty');
  return raw;
}

function directory(raw: string, name: string): string {
  const value = text(raw, name);
  return isAbsolute(value) ? value : resolve(process.cwd(), value);
}

function timeZone(raw: string, name: string): string {
  try {
    new Intl.DateTimeFormat('en', { timeZone: raw });
  } catch {
    throw new ConfigError(name, `is not an IANA time zone, got ${JSON.stringify(raw)}`);
  }
  return raw;
}

function fraction(raw: string, name: string): number {
  const n = Number(raw);
  if (!/^(0(\.\d+)?|1(\.0+)?)$/.test(raw) || Number.isNaN(n)) {
    throw new ConfigError(name, `expected a number from 0 to 1, got ${JSON.stringify(raw)}`);
  }
  return n;
}

function timeOfDay(raw: string, name: string): string {
  if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(raw))
    throw new ConfigError(name, `expected HH:MM, got ${JSON.stringify(raw)}`);
  return raw;
}

function dayList(raw: string, name: string): string[] {
  const days = raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  for (const day of days) {
    const valid =
      /^\d{4}-\d{2}-\d{2}$/.test(day) && new Date(`${day}T00:00:00Z`).toISOString().slice(0, 10) === day;
    if (!valid)
      throw new ConfigError(name, `expected comma-separated days YYYY-MM-DD, got ${JSON.stringify(day)}`);
  }
  if (days.length > fundHolidaysMax) throw new ConfigError(name, `at most ${fundHolidaysMax} days`);
  return days;
}

function minorAmount(raw: string, name: string): bigint {
  if (!/^[1-9]\d{0,15}$/.test(raw))
    throw new ConfigError(
      name,
      `expected a positive whole number of minor units, got ${JSON.stringify(raw)}`,
    );
  return BigInt(raw);
}

/** The table behind docs/operator.md. */
export const CONFIG_VARS = {
  host: {
    name: 'HOST',
    description: 'Interface to listen on (`0.0.0.0` in containers).',
    default: 'localhost',
    parse: text,
  },
  port: {
    name: 'PORT',
    description: 'HTTP port for the API, WebSocket and web app.',
    default: '8080',
    parse: integer(0, 65535),
  },
  databaseUrl: {
    name: 'DATABASE_URL',
    description: 'Postgres 15+ connection string. Unset: embedded PGlite in `DATA_DIR/pglite`.',
    default: undefined,
    parse: url(['postgres:', 'postgresql:']),
  },
  dbPoolMax: {
    name: 'DB_POOL_MAX',
    description: 'Maximum Postgres connections per node.',
    default: String(dbPoolMaxDefault),
    parse: integer(1, 500),
  },
  redisUrl: {
    name: 'REDIS_URL',
    description: 'Redis connection string for shared rate limits and the event bus across nodes.',
    default: undefined,
    parse: url(['redis:', 'rediss:']),
  },
  dataDir: {
    name: 'DATA_DIR',
    description: 'Where the embedded database and local files live.',
    default: './data',
    parse: directory,
  },
  logLevel: {
    name: 'LOG_LEVEL',
    description: 'fatal, error, warn, info, debug, trace or silent.',
    default: 'info',
    parse: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const),
  },
  currency: {
    name: 'CURRENCY',
    description: 'The wallet currency (ISO 4217): CNY, USD, EUR, JPY or HKD.',
    default: 'CNY',
    parse: oneOf(['CNY', 'USD', 'EUR', 'JPY', 'HKD'] as const),
  },
  sessionTtlDays: {
    name: 'SESSION_TTL_DAYS',
    description: 'A session expires after this many days without use.',
    default: '30',
    parse: integer(1, 365),
  },
  trustProxy: {
    name: 'TRUST_PROXY',
    description: 'Trust X-Forwarded-For from a load balancer (true behind one, false when exposed directly).',
    default: 'false',
    parse: boolean,
  },
  webDistDir: {
    name: 'WEB_DIST_DIR',
    description: 'Built web client to serve at `/`. Default: packages/web/dist of this checkout.',
    default: undefined,
    parse: directory,
  },
  argon2MemoryKib: {
    name: 'ARGON2_MEMORY_KIB',
    description: 'Argon2id memory cost for passwords and PINs, in KiB.',
    default: '19456',
    parse: integer(1024, 1048576),
  },
  argon2TimeCost: {
    name: 'ARGON2_TIME_COST',
    description: 'Argon2id iterations.',
    default: '2',
    parse: integer(1, 20),
  },
  rateLimits: {
    name: 'RATE_LIMITS',
    description: 'Enforce the login, signup and PIN rate limits (keep true in production).',
    default: 'true',
    parse: boolean,
  },
  timeZone: {
    name: 'TIME_ZONE',
    description: 'The time zone of daily limits, monthly totals and cut-off times (IANA name).',
    default: 'Asia/Shanghai',
    parse: timeZone,
  },
  bankLatencyMs: {
    name: 'BANK_SIM_LATENCY_MS',
    description: 'Simulated bank: the longest time it takes to confirm a top-up or withdrawal.',
    default: '1200',
    parse: integer(0, 600000),
  },
  bankFailureRate: {
    name: 'BANK_SIM_FAILURE_RATE',
    description:
      'Simulated bank: the share of operations it refuses at random (0 to 1). Test cards ending 0002 are always declined.',
    default: '0',
    parse: fraction,
  },
  fundCutoff: {
    name: 'FUND_CUTOFF',
    description:
      'Fund orders at or after this time of day (HH:MM in `TIME_ZONE`) count on the next trading day.',
    default: '15:00',
    parse: timeOfDay,
  },
  fundHolidays: {
    name: 'FUND_HOLIDAYS',
    description:
      'Days the fund does not trade besides weekends: comma-separated `YYYY-MM-DD` (e.g. `2026-10-01,2026-10-02`).',
    default: undefined,
    parse: dayList,
  },
  fundInstantDailyMaxMinor: {
    name: 'FUND_INSTANT_DAILY_MAX_MINOR',
    description: 'Instant fund redemptions per user per day, in minor units (1000000 = 10,000.00).',
    default: String(fundInstantDailyMaxMinorDefault),
    parse: minorAmount,
  },
  fundYieldSource: {
    name: 'FUND_YIELD_SOURCE',
    description:
      'Where daily fund yields come from: `published` (the operator publishes each day) or `simulated` (a deterministic built-in source, for demos).',
    default: 'published',
    parse: oneOf(['published', 'simulated'] as const),
  },
  fundScheduler: {
    name: 'FUND_SCHEDULER',
    description:
      'Accrue due days and pay out normal redemptions every minute on this node (safe on every node at once).',
    default: 'true',
    parse: boolean,
  },
  jobRunner: {
    name: 'JOB_RUNNER',
    description:
      'Run due scheduled jobs (expiries, refunds, webhook deliveries, bank requests to send again) on this node; safe on every node at once.',
    default: 'true',
    parse: boolean,
  },
  mediaDir: {
    name: 'MEDIA_DIR',
    description:
      'Where photos, voice messages and avatars are stored (a local directory). Default: `DATA_DIR/media`.',
    default: undefined,
    parse: directory,
  },
  mediaLinkTtlSeconds: {
    name: 'MEDIA_LINK_TTL_SECONDS',
    description: 'How long a signed link to a photo or voice message stays good.',
    default: String(mediaLinkTtlSecondsDefault),
    parse: integer(10, 86400),
  },
  webhookAllowPrivateNetworks: {
    name: 'WEBHOOK_ALLOW_PRIVATE_NETWORKS',
    description:
      'Let mini-app webhook URLs point to localhost and loopback, private, link-local, unique-local, CGNAT or multicast addresses. Off: such URLs are refused, and a delivery never connects to such an address whatever its host name resolves to. On by default for `serve --demo` and `jiaozi dev`; keep it off in production.',
    default: 'false',
    parse: boolean,
  },
  demoMiniapps: {
    name: 'DEMO_MINIAPPS',
    description:
      'With `serve --demo`: register and approve the example mini apps (developer `jiaozi_labs`) and run their servers beside Jiaozi.',
    default: 'true',
    parse: boolean,
  },
  demoRestaurantsPort: {
    name: 'DEMO_RESTAURANTS_PORT',
    description:
      'With `serve --demo`: the port of the example restaurant guide (its app and its merchant server).',
    default: '8091',
    parse: integer(1, 65535),
  },
  demoShopPort: {
    name: 'DEMO_SHOP_PORT',
    description: 'With `serve --demo`: the port of the example shop (its app and its merchant server).',
    default: '8092',
    parse: integer(1, 65535),
  },
} as const satisfies { [K in keyof Config]: VarSpec<Config[K]> };

/** Reads and validates the configuration; throws ConfigError naming the first bad variable. */
export function loadConfig(env: Env = process.env): Config {
  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(CONFIG_VARS) as [keyof Config, VarSpec<unknown>][]) {
    const raw = env[spec.name];
    const value = raw === undefined || raw === '' ? spec.default : raw;
    out[key] = value === undefined ? undefined : spec.parse(value, spec.name);
  }
  return out as unknown as Config;
}
