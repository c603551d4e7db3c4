import type { JsonValue } from '@jiaozi/protocol';
import { call } from './connect.js';

/** Storage kept by the host per app and user (JSON values). */
export async function get<T extends JsonValue = JsonValue>(key: string): Promise<T | null> {
  return (await call('storage.get', { key })).value as T | null;
}

export async function set(key: string, value: JsonValue): Promise<void> {
  await call('storage.set', { key, value });
}

export async function remove(key: string): Promise<void> {
  await call('storage.remove', { key });
}
