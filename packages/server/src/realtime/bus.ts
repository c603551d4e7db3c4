import { EventEmitter } from 'node:events';
import { Redis } from 'ioredis';
import type { Logger } from '../kernel/logger.js';
import type { Announcer } from '../platform/outbox/announcer.js';

/**
 * Carries "these users' logs grew" between nodes. In process with one node; Redis pub/sub
 * with many. It may lose a message: the update log is the truth, clients catch up from it.
 */
export interface Bus extends Announcer {
  subscribe(handler: (userIds: readonly string[]) => void): void;
  /** Ephemeral frames (typing) for users' sockets, never logged: lost is lost. */
  publishEphemeral(userIds: readonly string[], frame: unknown): void;
  subscribeEphemeral(handler: (userIds: readonly string[], frame: unknown) => void): void;
  close(): Promise<void>;
}

export class LocalBus implements Bus {
  readonly #emitter = new EventEmitter();

  announce(userIds: readonly string[]): void {
    if (userIds.length > 0) this.#emitter.emit('updates', userIds);
  }

  subscribe(handler: (userIds: readonly string[]) => void): void {
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
  readonly #handlers: ((userIds: readonly string[]) => void)[] = [];
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
      let userIds: unknown;
      try {
        userIds = JSON.parse(message);
      } catch {
        return;
      }
      if (!Array.isArray(userIds)) return;
      const ids = userIds.filter((x): x is string => typeof x === 'string');
      for (const handler of this.#handlers) handler(ids);
    });
  }

  announce(userIds: readonly string[]): void {
    if (userIds.length === 0) return;
    // Fire and forget: a lost announcement is repaired from the log.
    this.#pub.publish(CHANNEL, JSON.stringify(userIds)).catch(() => undefined);
  }

  subscribe(handler: (userIds: readonly string[]) => void): void {
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
