import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { assert } from '../kernel/errors.js';

/**
 * Where media bytes live, by key (`<media id>/<variant>`). The local directory is the
 * default; an S3-compatible store implements the same four calls (put = PutObject, read =
 * GetObject with a Range, size = HeadObject, delete = DeleteObjects).
 */
export interface MediaStore {
  /** Stores the bytes under `key`, whole or not at all. */
  put(key: string, bytes: Uint8Array): Promise<void>;
  /** The bytes from `start` to `end` inclusive (the whole file without a range). */
  read(key: string, range?: { start: number; end: number }): Readable;
  /** The length in bytes, or null when there is no such key. */
  size(key: string): Promise<number | null>;
  delete(keys: readonly string[]): Promise<void>;
}

const KEY_RE = /^[0-9a-f-]{36}\/[a-z0-9]{1,16}$/;

/** Files under one directory; a write goes to a temporary name and is renamed in place. */
export class LocalMediaStore implements MediaStore {
  constructor(readonly root: string) {}

  #path(key: string): string {
    assert(KEY_RE.test(key), `a media key is <uuid>/<variant>, got ${key}`);
    // Spread over 256 folders by the id's last (random) hex digits; its first ones are a time.
    return join(this.root, key.slice(34, 36), key);
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    const path = this.#path(key);
    await mkdir(join(path, '..'), { recursive: true });
    const temporary = `${path}.partial`;
    const file = await open(temporary, 'w');
    try {
      await file.writeFile(bytes);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temporary, path);
  }

  read(key: string, range?: { start: number; end: number }): Readable {
    return createReadStream(this.#path(key), range ? { start: range.start, end: range.end } : {});
  }

  async size(key: string): Promise<number | null> {
    try {
      return (await stat(this.#path(key))).size;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  async delete(keys: readonly string[]): Promise<void> {
    await Promise.all(keys.map((key) => rm(this.#path(key), { force: true })));
  }
}
