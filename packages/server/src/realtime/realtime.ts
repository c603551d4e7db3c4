import websocket from '@fastify/websocket';
import { type ServerFrame, WS_CLOSE } from '@jiaozi/protocol';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { DomainError } from '../kernel/errors.js';
import {
  typingIndicatorSeconds,
  wsFrameMaxBytes,
  wsTailBatchMax,
  wsTailIntervalMs,
  wsTailMarginRows,
} from '../kernel/limits.js';
import type { Logger } from '../kernel/logger.js';
import type { Database } from '../platform/db/schema.js';
import { recentlyUpdated, type WrittenUpdate } from '../platform/outbox/outbox.js';
import type { Bus } from './bus.js';
import { Connection, type ConnectionHost, type TokenCheck } from './connection.js';

/** A method clients may call over the socket; throws like a route would. */
export type SocketCallHandler = (userId: string, params: unknown) => Promise<unknown>;

/**
 * The realtime layer: knows no domain. It keeps this node's sockets by user and wakes them
 * when the bus says their logs grew.
 */
export class Realtime {
  readonly #byUser = new Map<string, Set<Connection>>();
  readonly #all = new Set<Connection>();
  readonly #host: ConnectionHost;
  readonly #methods = new Map<string, SocketCallHandler>();
  #tailTimer: NodeJS.Timeout | undefined;
  #tailSeq: bigint | null = null;
  /** The tail pass running now, if any (close waits for it: it reads the database). */
  #tailing: Promise<void> | undefined;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly logger: Logger,
    authenticate: TokenCheck,
    bus: Bus,
    /** Who else should see that `userId` is typing here; null when they may not type there. */
    typingAudience: (
      userId: string,
      conversationId: string,
    ) => Promise<readonly string[] | null> = async () => null,
    /** Records that a user's socket is alive (presence). */
    onSeen: (userId: string) => Promise<void> = async () => undefined,
  ) {
    this.#host = {
      db,
      logger,
      authenticate,
      register: (c) => {
        const id = c.userId as string;
        let set = this.#byUser.get(id);
        if (!set) {
          set = new Set();
          this.#byUser.set(id, set);
        }
        set.add(c);
      },
      typing: (userId, conversationId) => {
        void typingAudience(userId, conversationId)
          .then((audience) => {
            if (!audience || audience.length === 0) return;
            const until = new Date(Date.now() + typingIndicatorSeconds * 1000).toISOString();
            bus.publishEphemeral(audience, { type: 'typing', conversationId, userId, until });
          })
          .catch((error: unknown) => logger.warn({ err: error }, 'typing audience failed'));
      },
      call: (userId, method, params) => {
        const handler = this.#methods.get(method);
        if (!handler) {
          return Promise.reject(
            new DomainError('invalid_request', `There is no method ${method}.`, { path: '/method' }),
          );
        }
        return handler(userId, params);
      },
      seen: (userId) => {
        void onSeen(userId).catch((error: unknown) => logger.warn({ err: error }, 'presence update failed'));
      },
      unregister: (c) => {
        this.#all.delete(c);
        if (c.userId === null) return;
        const set = this.#byUser.get(c.userId);
        set?.delete(c);
        if (set?.size === 0) this.#byUser.delete(c.userId);
      },
    };
    bus.subscribe((userIds, updates) => this.#deliver(userIds, updates));
    bus.subscribeEphemeral((userIds, frame) => {
      for (const id of userIds) for (const c of this.#byUser.get(id) ?? []) c.deliver(frame as ServerFrame);
    });
  }

  /** Lets clients call `method` over the socket (one handler per name). */
  handle(method: string, handler: SocketCallHandler): void {
    if (this.#methods.has(method)) throw new Error(`socket method ${method} is already handled`);
    this.#methods.set(method, handler);
  }

  /** Hands each user's sockets the updates announced for them, or wakes them to read the log. */
  #deliver(userIds: readonly string[], updates: readonly WrittenUpdate[]): void {
    const byUser = new Map<string, WrittenUpdate[]>();
    for (const u of updates) {
      if (!this.#byUser.has(u.userId)) continue;
      const list = byUser.get(u.userId);
      if (list) list.push(u);
      else byUser.set(u.userId, [u]);
    }
    for (const id of userIds) {
      const list = byUser.get(id);
      for (const c of this.#byUser.get(id) ?? []) {
        if (list) c.offer(list);
        else c.wake();
      }
    }
  }

  /**
   * The safety net under the bus: tail the update log and wake whoever has news, so that a
   * lost announcement (or a node that missed one) delays a delivery by at most one tick.
   */
  startTail(intervalMs = wsTailIntervalMs): void {
    if (this.#tailTimer) return;
    this.#tailTimer = setInterval(() => {
      if (this.#tailing) return;
      this.#tailing = this.#tail().finally(() => {
        this.#tailing = undefined;
      });
    }, intervalMs);
    this.#tailTimer.unref();
  }

  stopTail(): void {
    if (this.#tailTimer) clearInterval(this.#tailTimer);
    this.#tailTimer = undefined;
  }

  async #tail(): Promise<void> {
    try {
      if (this.#tailSeq === null) {
        const top = await this.db
          .selectFrom('user_updates')
          .select((eb) => eb.fn.max('seq').as('seq'))
          .executeTakeFirst();
        this.#tailSeq = top?.seq ?? 0n;
        return;
      }
      if (this.#byUser.size === 0) return;
      // Re-read a margin behind the newest seq seen: transactions commit out of seq order.
      const from = this.#tailSeq > BigInt(wsTailMarginRows) ? this.#tailSeq - BigInt(wsTailMarginRows) : 0n;
      const { heads, maxSeq } = await recentlyUpdated(this.db, from, wsTailBatchMax);
      if (maxSeq > this.#tailSeq) this.#tailSeq = maxSeq;
      for (const [id, pts] of heads) for (const c of this.#byUser.get(id) ?? []) c.wakeIfBehind(pts);
    } catch (error) {
      this.logger.warn({ err: error }, 'update log tail failed');
    }
  }

  /** Sockets open on this node. */
  get connections(): number {
    return this.#all.size;
  }

  async plugin(app: FastifyInstance): Promise<void> {
    await app.register(websocket, { options: { maxPayload: wsFrameMaxBytes } });
    app.get('/v1/ws', { websocket: true, schema: { hide: true } }, (socket) => {
      this.#all.add(new Connection(socket, this.#host));
    });
  }

  /** Closes every socket (clients reconnect elsewhere and catch up). */
  /** Closes every socket and waits for a tail pass in flight, which reads the database. */
  async close(): Promise<void> {
    if (this.#tailTimer) clearInterval(this.#tailTimer);
    this.#tailTimer = undefined;
    for (const c of [...this.#all]) c.close(WS_CLOSE.goingAway, 'server shutting down');
    await this.#tailing;
  }
}
