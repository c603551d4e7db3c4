import { EventEmitter } from 'node:events';
import { Redis } from 'ioredis';
import type { Logger } from '../kernel/logger.js';
import type { Announcer } from '../platform/outbox/announcer.js';
import type { WrittenUpdate } from '../platform/outbox/outbox.js';

/** Whose logs grew, with the updates themselves where the announcer had them. */
export type UpdatesHandler = (userIds: readonly string[], updates: readonly WrittenUpdate[]) => void;

/**
 * Carries "these users' logs grew" between nodes. In process with one node; Redis pub/sub
 * with many. It may lose a message: the update log is the truth, clients catch up from it.
 */
export interface Bus extends Announcer {
  subscribe(handler: UpdatesHandler): void;
  /** Ephemeral frames (typing) for users' sockets, never logged: lost is lost. */
  publishEphemeral(userIds: readonly string[], frame: unknown): void;
  subscribeEphemeral(handler: (userIds: readonly string[], frame: unknown) => void): void;
  close(): Promise<void>;
}

export class LocalBus implements Bus {
  readonly #emitter = new EventEmitter();

  announce(userIds: readonly string[], updates: readonly WrittenUpdate[] = []): void {
    if (userIds.length > 0) this.#emitter.emit('updates', userIds, updates);
  }

  subscribe(handler: UpdatesHandler): void {
    this.#emitter.on('updates', handler);
  }

  publishEphemeral(userIds: readonly string[], frame: unknown): void {
    if (userIds.length > 0) this.#emitter.emit('ephemeral', userIds, frame);
  }

  subscribeEphemeral(handler: (userIds: readonly string[], frame: unknown) => void): void {
    this.#emitter.on('ephemeral', handler);
  }

  async close(): Promise<void> {
    this.#emitter.removeAllListeners();
  }
}

const CHANNEL = 'jiaozi:updates';
const EPHEMERAL_CHANNEL = 'jiaozi:ephemeral';

export class RedisBus implements Bus {
  readonly #pub: Redis;
  readonly #sub: Redis;
  readonly #handlers: UpdatesHandler[] = [];
  readonly #ephemeralHandlers: ((userIds: readonly string[], frame: unknown) => void)[] = [];

  constructor(url: string, logger: Logger) {
    this.#pub = new Redis(url, { maxRetriesPerRequest: 2, enableOfflineQueue: false });
    this.#sub = new Redis(url, { maxRetriesPerRequest: null });
    for (const client of [this.#pub, this.#sub])
      client.on('error', (error) => logger.warn({ err: error }, 'redis bus error'));
    void this.#sub
      .subscribe(CHANNEL)
      .catch((error: unknown) => logger.warn({ err: error }, 'redis bus subscribe failed'));
    this.#sub.on('message', (_channel: string, message: string) => {
      const decoded = decodeAnnouncement(message);
      if (decoded) for (const handler of this.#handlers) handler(decoded.userIds, decoded.updates);
    });
  }

  announce(userIds: readonly string[], updates: readonly WrittenUpdate[] = []): void {
    if (userIds.length === 0) return;
    // Fire and forget: a lost announcement is repaired from the log.
    this.#pub.publish(CHANNEL, encodeAnnouncement(userIds, updates)).catch(() => undefined);
  }

  subscribe(handler: UpdatesHandler): void {
    this.#handlers.push(handler);
  }

  publishEphemeral(userIds: readonly string[], frame: unknown): void {
    if (userIds.length === 0) return;
    this.#pub.publish(EPHEMERAL_CHANNEL, JSON.stringify({ userIds, frame })).catch(() => undefined);
  }

  subscribeEphemeral(handler: (userIds: readonly string[], frame: unknown) => void): void {
    this.#ephemeralHandlers.push(handler);
  }

  async close(): Promise<void> {
    this.#handlers.length = 0;
    this.#ephemeralHandlers.length = 0;
    await Promise.allSettled([this.#pub.quit(), this.#sub.quit()]);
  }
}

/**
 * An announcement on the wire: `{"u":[userId…],"x":[[userId,pts,topic,at,payload]…]}`, the
 * payload spliced in as the JSON it already is.
 */
export function encodeAnnouncement(userIds: readonly string[], updates: readonly WrittenUpdate[]): string {
  const rows = updates.map(
    (x) => `[${JSON.stringify(x.userId)},"${x.pts}",${JSON.stringify(x.topic)},"${x.at}",${x.payloadJson}]`,
  );
  return `{"u":${JSON.stringify(userIds)},"x":[${rows.join(',')}]}`;
}

/** The announcement in `message`, or null for anything else (it is then ignored). */
export function decodeAnnouncement(message: string): { userIds: string[]; updates: WrittenUpdate[] } | null {
  let value: unknown;
  try {
    value = JSON.parse(message);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const { u, x } = value as { u?: unknown; x?: unknown };
  if (!Array.isArray(u) || !Array.isArray(x)) return null;
  const userIds = u.filter((id): id is string => typeof id === 'string');
  const updates: WrittenUpdate[] = [];
  for (const row of x) {
    if (!Array.isArray(row) || row.length !== 5) return null;
    const [userId, pts, topic, at, payload] = row as unknown[];
    if (typeof userId !== 'string' || typeof pts !== 'string' || !/^\d{1,19}$/.test(pts)) return null;
    if (typeof topic !== 'string' || typeof at !== 'string') return null;
    updates.push({ userId, pts: BigInt(pts), topic, at, payloadJson: JSON.stringify(payload) });
  }
  return { userIds, updates };
}
