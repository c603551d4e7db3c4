import type { Message } from './chat.js';
import type { ErrorBody } from './errors.js';

/**
 * The realtime protocol over the WebSocket at /v1/ws (JSON text frames).
 *
 * 1. The client's first frame is `auth` with its session token and the last pts it has
 *    applied (null for a client that has just fetched a fresh snapshot).
 * 2. The server answers with `difference` pages up to the newest pts (`final: true` on the
 *    last), or `too_long` when the client is too far behind (it refetches its snapshot and
 *    continues from the pts given), then `ready`.
 * 3. From then on `updates` arrive as they happen. The client pings every ~25 s; the server
 *    closes a connection that has been silent for 75 s.
 * 4. Typing indicators are ephemeral: `typing` frames go to the other members' sockets and
 *    are never written to the log.
 * 5. An authenticated client may make calls over the socket (`call` → `result` with the same
 *    `ref`), e.g. `messages.send`: the same checks and answers as the HTTP route, without a
 *    request per message. The update a call causes arrives as usual in `updates`.
 */

/** Methods a client may call over the socket, with their params and result. */
export interface SocketMethods {
  /** Same as `POST /v1/conversations/{conversationId}/messages`; `created` false for a resend. */
  'messages.send': {
    params: {
      conversationId: string;
      id: string;
      text: string;
      replyTo?: string;
      mentions?: string[];
    };
    result: { message: Message; created: boolean };
  };
}

export type SocketMethod = keyof SocketMethods;

/** One entry of a user's durable update log. */
export interface Update {
  pts: number;
  topic: string;
  payload: unknown;
  at: string;
}

export type ClientFrame =
  | { type: 'auth'; token: string; pts: number | null }
  | { type: 'ping'; id?: string }
  /** "I am typing in this conversation" — ephemeral, never logged; send again every ~4 s. */
  | { type: 'typing'; conversationId: string }
  /** A call; `ref` (≤ 64 characters) comes back on its `result`. At most 64 in flight. */
  | { type: 'call'; ref: string; method: string; params: unknown };

export type ServerFrame =
  | { type: 'difference'; updates: Update[]; pts: number; final: boolean }
  | { type: 'too_long'; pts: number }
  | { type: 'ready'; userId: string; pts: number }
  | { type: 'updates'; updates: Update[]; pts: number }
  | { type: 'pong'; id?: string }
  /** Someone in one of my conversations is typing, until `until` unless repeated. */
  | { type: 'typing'; conversationId: string; userId: string; until: string }
  /** The answer to a call: its result, or an error as HTTP would give it. */
  | { type: 'result'; ref: string; result: unknown }
  | { type: 'result'; ref: string; error: ErrorBody['error'] };

/** Close codes the server uses, with their meaning. */
export const WS_CLOSE = {
  /** The token is missing, unknown, expired or revoked. */
  unauthenticated: 4001,
  /** No auth frame within the time allowed. */
  authTimeout: 4002,
  /** A frame that is not JSON, too large, or not one of ClientFrame. */
  malformedFrame: 4003,
  /** The connection was silent for too long (no ping). */
  idle: 4004,
  /** The client reads too slowly; it should reconnect and catch up from its pts. */
  tooSlow: 4008,
  /** The server is shutting down; reconnect (to another node). */
  goingAway: 1001,
} as const;
