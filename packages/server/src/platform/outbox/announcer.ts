import type { WrittenUpdate } from './outbox.js';

/**
 * After a transaction that wrote updates commits, the service announces whose logs grew,
 * and may hand over the updates it wrote. The realtime layer (one node: in process; many:
 * Redis pub/sub) sends those straight to the users' sockets when they follow on from what
 * a socket has sent, and otherwise wakes it to read the durable log. An announcement may
 * be lost; the log is the truth and clients catch up from it.
 */
export interface Announcer {
  announce(userIds: readonly string[], updates?: readonly WrittenUpdate[]): void;
}

export const silentAnnouncer: Announcer = { announce: () => undefined };
