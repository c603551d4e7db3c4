import { type Algorithm, hash, verify } from '@node-rs/argon2';

/** Argon2id (numeric value of the library's const enum, which isolated modules cannot read). */
const ARGON2ID = 2 as Algorithm;

export interface HashParams {
  memoryKib: number;
  timeCost: number;
}

/** Argon2id hashing for passwords and payment PINs. Hashes carry their own parameters. */
export class Hasher {
  #dummy: Promise<string> | undefined;

  constructor(private readonly params: HashParams) {}

  hash(secret: string): Promise<string> {
    return hash(secret, {
      algorithm: ARGON2ID,
      memoryCost: this.params.memoryKib,
      timeCost: this.params.timeCost,
      parallelism: 1,
    });
  }

  async verify(hashed: string, secret: string): Promise<boolean> {
    try {
      return await verify(hashed, secret);
    } catch {
      return false;
    }
  }

  /** Spends the time of one verification, so that an unknown account answers as slowly. */
  async burn(secret: string): Promise<void> {
    this.#dummy ??= this.hash('jiaozi-timing-equaliser');
    await this.verify(await this.#dummy, secret);
  }
}
