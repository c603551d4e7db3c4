import type { ClientFrame, ServerFrame, Update } from '@jiaozi/protocol';
import { WS_CLOSE } from '@jiaozi/protocol';
import type { Kysely } from 'kysely';
import type { WebSocket } from 'ws';
import {
  presenceTouchIntervalMs,
  typingFrameMinIntervalMs,
  wsAuthTimeoutMs,
  wsBufferedMaxBytes,
  wsCallsInFlightMax,
  wsDifferenceMax,
  wsFrameMaxBytes,
  wsIdleTimeoutMs,
  wsUpdatesPerFrameMax,
} from '../kernel/limits.js';
import type { Logger } from '../kernel/logger.js';
import type { Database } from '../platform/db/schema.js';
import { mapError } from '../platform/http/error-mapper.js';
import { headPts, type StoredUpdate, updatesAfter, type WrittenUpdate } from '../platform/outbox/outbox.js';

/** Whose token this is, or null. */
export type TokenCheck = (token: string) => Promise<{ userId: string } | null>;

export interface ConnectionHost {
  db: Kysely<Database>;
  logger: Logger;
  authenticate: TokenCheck;
  register(connection: Connection): void;
  unregister(connection: Connection): void;
  /** A user says they are typing in a conversation (ephemeral). */
  typing(userId: string, conversationId: string): void;
  /** A user's socket is alive (for presence). */
  seen(userId: string): void;
  /** Runs a method a client called over the socket; throws like a route would. */
  call(userId: string, method: string, params: unknown): Promise<unknown>;
}

function toWire(u: StoredUpdate): Update {
  return { pts: Number(u.pts), topic: u.topic, payload: u.payload, at: u.createdAt.toISOString() };
}

/** Parses a client frame; null for anything that is not exactly one of ClientFrame. */
export function parseClientFrame(raw: string): ClientFrame | null {
  if (raw.length > wsFrameMaxBytes) return null;
  let frame: unknown;
  try {
    frame = JSON.parse(raw);
  } catch {
    return null;
  }
  if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) return null;
  const f = frame as Record<string, unknown>;
  if (f.type === 'auth') {
    const keys = Object.keys(f).sort().join(',');
    if (keys !== 'pts,token,type' || typeof f.token !== 'string' || f.token.length > 256) return null;
    if (f.pts !== null && !(typeof f.pts === 'number' && Number.isSafeInteger(f.pts) && f.pts >= 0))
      return null;
    return { type: 'auth', token: f.token, pts: f.pts as number | null };
  }
  if (f.type === 'typing') {
    const keys = Object.keys(f).sort().join(',');
    if (keys !== 'conversationId,type' || typeof f.conversationId !== 'string') return null;
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(f.conversationId)) return null;
    return { type: 'typing', conversationId: f.conversationId };
  }
  if (f.type === 'ping') {
    const keys = Object.keys(f).filter((k) => k !== 'type');
    if (
      keys.some((k) => k !== 'id') ||
      (f.id !== undefined && (typeof f.id !== 'string' || f.id.length > 64))
    )
      return null;
    return f.id === undefined ? { type: 'ping' } : { type: 'ping', id: f.id as string };
  }
  if (f.type === 'call') {
    const keys = Object.keys(f).sort().join(',');
    if (keys !== 'method,params,ref,type' || typeof f.ref !== 'string' || typeof f.method !== 'string')
      return null;
    if (f.ref.length === 0 || f.ref.length > 64 || f.method.length > 64) return null;
    return { type: 'call', ref: f.ref, method: f.method, params: f.params };
  }
  return null;
}

/**
 * One device's socket: authenticates, catches up from the client's pts, then sends each
 * new update of the user as it is announced. It never buffers without bound: a client that
 * reads too slowly is closed and catches up from its pts when it reconnects.
 */
export class Connection {
  userId: string | null = null;
  #pts = 0n;
  #pumping = false;
  #again = false;
  #closed = false;
  #authTimer: NodeJS.Timeout;
  #lastTypingMs = 0;
  #lastSeenMs = 0;
  #idleTimer: NodeJS.Timeout | undefined;
  #calls = 0;

  constructor(
    private readonly socket: WebSocket,
    private readonly host: ConnectionHost,
  ) {
    this.#authTimer = setTimeout(() => this.close(WS_CLOSE.authTimeout, 'auth timeout'), wsAuthTimeoutMs);
    socket.on('message', (data, isBinary) => {
      if (isBinary) return this.close(WS_CLOSE.malformedFrame, 'text frames only');
      void this.#onFrame(data.toString());
    });
    socket.on('close', () => this.#dispose());
    socket.on('error', () => this.#dispose());
  }

  async #onFrame(raw: string): Promise<void> {
    const frame = parseClientFrame(raw);
    if (!frame) return this.close(WS_CLOSE.malformedFrame, 'malformed frame');
    this.#touch();
    if (frame.type === 'ping') {
      this.#send(frame.id === undefined ? { type: 'pong' } : { type: 'pong', id: frame.id });
      this.#seen(false);
      return;
    }
    if (frame.type === 'typing') {
      if (this.userId === null) return this.close(WS_CLOSE.malformedFrame, 'authenticate first');
      const now = Date.now();
      // At most one every typingFrameMinIntervalMs; extra frames are dropped, not errors.
      if (now - this.#lastTypingMs < typingFrameMinIntervalMs) return;
      this.#lastTypingMs = now;
      this.host.typing(this.userId, frame.conversationId);
      return;
    }
    if (frame.type === 'call') {
      if (this.userId === null) return this.close(WS_CLOSE.malformedFrame, 'authenticate first');
      return this.#call(this.userId, frame.ref, frame.method, frame.params);
    }
    if (this.userId !== null) return this.close(WS_CLOSE.malformedFrame, 'already authenticated');
    clearTimeout(this.#authTimer);
    const principal = await this.host.authenticate(frame.token).catch(() => null);
    if (!principal) return this.close(WS_CLOSE.unauthenticated, 'unauthenticated');
    if (this.#closed) return;
    this.userId = principal.userId;
    const head = await headPts(this.host.db, principal.userId);
    const from = frame.pts === null ? head : BigInt(frame.pts);
    if (from > head || head - from > BigInt(wsDifferenceMax)) {
      this.#pts = head;
      this.#send({ type: 'too_long', pts: Number(head) });
    } else {
      this.#pts = from;
      await this.#catchUp();
    }
    this.host.register(this);
    this.#seen(true);
    this.#send({ type: 'ready', userId: principal.userId, pts: Number(this.#pts) });
    // Anything appended while we registered.
    this.wake();
  }

  async #call(userId: string, ref: string, method: string, params: unknown): Promise<void> {
    if (this.#calls >= wsCallsInFlightMax) {
      const error = { code: 'rate_limited' as const, message: 'Too many calls in flight on this socket.' };
      return this.#send({ type: 'result', ref, error: { ...error, details: { retryAfterSeconds: 1 } } });
    }
    this.#calls++;
    try {
      const result = await this.host.call(userId, method, params);
      this.#send({ type: 'result', ref, result });
    } catch (error) {
      const mapped = mapError(error, ref);
      if (mapped.internal) this.host.logger.error({ err: error, method }, 'socket call failed');
      this.#send({ type: 'result', ref, error: mapped.body.error });
    } finally {
      this.#calls--;
    }
  }

  async #catchUp(): Promise<void> {
    for (;;) {
      const page = await updatesAfter(this.host.db, this.userId as string, this.#pts, wsUpdatesPerFrameMax);
      const last = page[page.length - 1];
      if (last) this.#pts = last.pts;
      const final = page.length < wsUpdatesPerFrameMax;
      this.#send({ type: 'difference', updates: page.map(toWire), pts: Number(this.#pts), final });
      if (final || this.#closed) return;
    }
  }

  #seen(force: boolean): void {
    const now = Date.now();
    if (this.userId === null || (!force && now - this.#lastSeenMs < presenceTouchIntervalMs)) return;
    this.#lastSeenMs = now;
    this.host.seen(this.userId);
  }

  /** An ephemeral frame (typing) for this socket. */
  deliver(frame: ServerFrame): void {
    if (this.userId !== null) this.#send(frame);
  }

  /** The newest pts this socket has sent. */
  get pts(): bigint {
    return this.#pts;
  }

  /**
   * Updates just written for this user: those that follow on from what this socket has
   * sent go out at once; after a gap (an announcement lost or out of order) it reads the log.
   */
  offer(updates: readonly WrittenUpdate[]): void {
    if (this.userId === null || this.#closed) return;
    if (this.#pumping) {
      this.#again = true;
      return;
    }
    let next = this.#pts + 1n;
    const parts: string[] = [];
    let gap = false;
    for (const u of updates) {
      if (u.pts < next) continue;
      if (u.pts !== next) {
        gap = true;
        break;
      }
      parts.push(
        `{"pts":${u.pts},"topic":${JSON.stringify(u.topic)},"payload":${u.payloadJson},"at":"${u.at}"}`,
      );
      next++;
    }
    if (parts.length > 0) {
      this.#pts = next - 1n;
      this.#sendRaw(`{"type":"updates","updates":[${parts.join(',')}],"pts":${this.#pts}}`);
    }
    if (gap) this.wake();
  }

  /** The log holds updates up to `pts`: read them if this socket has not sent them yet. */
  wakeIfBehind(pts: bigint): void {
    if (pts > this.#pts) this.wake();
  }

  /** New updates may be waiting: send them (one pump at a time). */
  wake(): void {
    if (this.userId === null || this.#closed) return;
    if (this.#pumping) {
      this.#again = true;
      return;
    }
    this.#pumping = true;
    void this.#pump().finally(() => {
      this.#pumping = false;
    });
  }

  async #pump(): Promise<void> {
    do {
      this.#again = false;
      for (;;) {
        const page = await updatesAfter(this.host.db, this.userId as string, this.#pts, wsUpdatesPerFrameMax);
        const last = page[page.length - 1];
        if (!last || this.#closed) break;
        this.#pts = last.pts;
        this.#send({ type: 'updates', updates: page.map(toWire), pts: Number(this.#pts) });
        if (page.length < wsUpdatesPerFrameMax) break;
      }
    } while (this.#again && !this.#closed);
  }

  #send(frame: ServerFrame): void {
    this.#sendRaw(JSON.stringify(frame));
  }

  #sendRaw(json: string): void {
    if (this.#closed) return;
    if (this.socket.bufferedAmount > wsBufferedMaxBytes) {
      this.close(WS_CLOSE.tooSlow, 'too slow; reconnect and catch up');
      return;
    }
    this.socket.send(json);
  }

  #touch(): void {
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
    this.#idleTimer = setTimeout(() => this.close(WS_CLOSE.idle, 'idle'), wsIdleTimeoutMs);
  }

  close(code: number, reason: string): void {
    if (this.#closed) return;
    this.socket.close(code, reason);
    this.#dispose();
  }

  #dispose(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.userId !== null) this.host.seen(this.userId);
    clearTimeout(this.#authTimer);
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
    this.host.unregister(this);
  }
}
