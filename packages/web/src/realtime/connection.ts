import type { ErrorBody, ServerFrame, SocketMethod, SocketMethods, Update } from '@jiaozi/protocol';
import { WS_CLOSE } from '@jiaozi/protocol';

/** The parts of the browser's WebSocket this client uses (tests pass a fake). */
export interface SocketLike {
  readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

export interface RealtimeOptions {
  url: string;
  token: string;
  /** The last pts this device applied, or null to start from now (after a fresh fetch). */
  loadPts: () => number | null;
  savePts: (pts: number) => void;
  /** New updates, in pts order, never twice. */
  onUpdates: (updates: Update[]) => void;
  /** Too far behind: refetch what is on screen; updates continue from the new pts. */
  onResync: () => void;
  /** The server refused the session: stop for good. */
  onUnauthenticated: () => void;
  /** Someone else is typing (ephemeral). */
  onTyping?: (typing: { conversationId: string; userId: string; until: string }) => void;
  createSocket: (url: string) => SocketLike;
  pingIntervalMs?: number;
  /** Delay before reconnect attempt n (0-based). */
  backoffMs?: (attempt: number) => number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
}

/** A call the socket could not carry (not connected, dropped, no answer in time): use HTTP. */
export class SocketUnavailable extends Error {
  override readonly name = 'SocketUnavailable';
}

/** A call the server answered with an error (the `error` of an HTTP error body). */
export class SocketCallFailed extends Error {
  override readonly name = 'SocketCallFailed';
  constructor(readonly error: ErrorBody['error']) {
    super(error.message);
  }
}

interface PendingCall {
  resolve: (result: unknown) => void;
  reject: (error: Error) => void;
  timer: unknown;
}

export const defaultBackoffMs = (attempt: number): number =>
  Math.min(30_000, 500 * 2 ** Math.min(attempt, 6));

/**
 * Keeps one WebSocket to /v1/ws: authenticates with the last applied pts, applies the
 * difference and then live updates, pings, and reconnects with backoff after a drop,
 * catching up from where it left off.
 */
export class RealtimeConnection {
  #socket: SocketLike | null = null;
  #pts: number | null;
  #attempt = 0;
  #stopped = false;
  #pingTimer: unknown = null;
  #retryTimer: unknown = null;
  #ready = false;
  #refs = 0;
  readonly #calls = new Map<string, PendingCall>();
  readonly #set: (fn: () => void, ms: number) => unknown;
  readonly #clear: (handle: unknown) => void;

  constructor(private readonly options: RealtimeOptions) {
    this.#pts = options.loadPts();
    this.#set = options.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    this.#clear = options.clearTimer ?? ((h) => clearTimeout(h as ReturnType<typeof setTimeout>));
  }

  get pts(): number | null {
    return this.#pts;
  }

  /** Says "I am typing here" (dropped when not connected: typing is ephemeral). */
  sendTyping(conversationId: string): void {
    if (this.#socket?.readyState === 1) this.#socket.send(JSON.stringify({ type: 'typing', conversationId }));
  }

  /**
   * Calls a method over the socket once it is ready. Rejects with SocketUnavailable when it
   * is not, or drops before the answer (the caller then uses HTTP: methods that change
   * anything take a client id, so trying again is safe), and with SocketCallFailed when the
   * server refuses.
   */
  call<M extends SocketMethod>(
    method: M,
    params: SocketMethods[M]['params'],
    timeoutMs = 10_000,
  ): Promise<SocketMethods[M]['result']> {
    const socket = this.#socket;
    if (!this.#ready || socket?.readyState !== 1) {
      return Promise.reject(new SocketUnavailable('not connected'));
    }
    const ref = String(++this.#refs);
    return new Promise((resolve, reject) => {
      const timer = this.#set(() => this.#settle(ref, new SocketUnavailable('no answer in time')), timeoutMs);
      this.#calls.set(ref, { resolve: resolve as (result: unknown) => void, reject, timer });
      socket.send(JSON.stringify({ type: 'call', ref, method, params }));
    });
  }

  #settle(ref: string, outcome: { result: unknown } | Error): void {
    const call = this.#calls.get(ref);
    if (!call) return;
    this.#calls.delete(ref);
    this.#clear(call.timer);
    if (outcome instanceof Error) call.reject(outcome);
    else call.resolve(outcome.result);
  }

  #dropCalls(): void {
    this.#ready = false;
    for (const ref of [...this.#calls.keys()]) this.#settle(ref, new SocketUnavailable('disconnected'));
  }

  start(): void {
    this.#stopped = false;
    this.#open();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#retryTimer !== null) this.#clear(this.#retryTimer);
    if (this.#pingTimer !== null) this.#clear(this.#pingTimer);
    this.#retryTimer = null;
    this.#pingTimer = null;
    const socket = this.#socket;
    this.#socket = null;
    this.#dropCalls();
    socket?.close(1000, 'bye');
  }

  #open(): void {
    if (this.#stopped) return;
    const socket = this.options.createSocket(this.options.url);
    this.#socket = socket;
    socket.onopen = () => {
      socket.send(JSON.stringify({ type: 'auth', token: this.options.token, pts: this.#pts }));
      this.#schedulePing();
    };
    socket.onmessage = (event) => {
      if (typeof event.data !== 'string') return;
      let frame: ServerFrame;
      try {
        frame = JSON.parse(event.data) as ServerFrame;
      } catch {
        return;
      }
      this.#onFrame(frame);
    };
    socket.onclose = (event) => {
      if (this.#socket !== socket) return;
      this.#socket = null;
      this.#dropCalls();
      if (this.#pingTimer !== null) this.#clear(this.#pingTimer);
      this.#pingTimer = null;
      if (event.code === WS_CLOSE.unauthenticated) {
        this.#stopped = true;
        this.options.onUnauthenticated();
        return;
      }
      this.#scheduleReconnect();
    };
    socket.onerror = () => undefined;
  }

  #onFrame(frame: ServerFrame): void {
    switch (frame.type) {
      case 'difference':
      case 'updates': {
        const fresh = frame.updates.filter((u) => this.#pts === null || u.pts > this.#pts);
        if (fresh.length > 0) this.options.onUpdates(fresh);
        this.#setPts(frame.pts);
        return;
      }
      case 'too_long':
        this.#setPts(frame.pts);
        this.options.onResync();
        return;
      case 'ready':
        this.#attempt = 0;
        this.#ready = true;
        this.#setPts(frame.pts);
        return;
      case 'pong':
        return;
      case 'result':
        this.#settle(
          frame.ref,
          'error' in frame ? new SocketCallFailed(frame.error) : { result: frame.result },
        );
        return;
      case 'typing':
        this.options.onTyping?.({
          conversationId: frame.conversationId,
          userId: frame.userId,
          until: frame.until,
        });
        return;
    }
  }

  #setPts(pts: number): void {
    if (this.#pts !== null && pts <= this.#pts) return;
    this.#pts = pts;
    this.options.savePts(pts);
  }

  #schedulePing(): void {
    this.#pingTimer = this.#set(() => {
      this.#socket?.send(JSON.stringify({ type: 'ping' }));
      this.#schedulePing();
    }, this.options.pingIntervalMs ?? 25_000);
  }

  #scheduleReconnect(): void {
    if (this.#stopped) return;
    const delay = (this.options.backoffMs ?? defaultBackoffMs)(this.#attempt);
    this.#attempt += 1;
    this.#retryTimer = this.#set(() => {
      this.#retryTimer = null;
      this.#open();
    }, delay);
  }
}
