/**
 * After a transaction that wrote updates commits, the service announces whose logs grew.
 * The realtime layer (one node: in process; many: Redis pub/sub) wakes those users'
 * connections, which then read the new updates from the durable log. An announcement may
 * be lost; the log is the truth and clients catch up from it.
 */
export interface Announcer {
  announce(userIds: readonly string[]): void;
}

export const silentAnnouncer: Announcer = { announce: () => undefined };
