import { uuidv7 } from '@jiaozi/protocol';
import type { Clock } from './clock.js';

/** UUIDv7s: the generator is shared with the clients (packages/protocol). */
export { uuidv7, uuidv7Time } from '@jiaozi/protocol';

export function newId(clock?: Clock): string {
  return uuidv7(clock ? clock.now().getTime() : Date.now());
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

export function isUuid(value: string): boolean {
  return UUID_RE.test(value);
}
