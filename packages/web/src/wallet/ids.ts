/** UUIDv7s: the generator is shared with the server (packages/protocol). */
import { uuidv7 } from '@jiaozi/protocol';
import { ApiError } from '../api/client.js';

export { type RandomBytes, UUID_V7, uuidv7, uuidv7Time } from '@jiaozi/protocol';

/**
 * Whether a failed write certainly did nothing: the server answered with a 4xx. Then the next
 * attempt may (and, after `idempotency_conflict`, must) use a fresh id. Network errors, timeouts
 * and 5xx leave the outcome unknown, so a retry must reuse the id to be deduplicated.
 */
export function isDefinitiveFailure(error: unknown): boolean {
  return error instanceof ApiError && error.status >= 400 && error.status < 500;
}

/**
 * One id per user action. `idFor(fingerprint)` returns the same id for the same request (so a
 * retry after an unknown outcome is deduplicated by the server) and a new one when the request
 * changed. `settle()` after a definitive answer (success, or a 4xx) so the next action gets a
 * new id.
 */
export class IntentIds {
  #fingerprint: string | null = null;
  #id = '';
  readonly #make: () => string;

  constructor(make: () => string = () => uuidv7()) {
    this.#make = make;
  }

  idFor(fingerprint: string): string {
    if (fingerprint !== this.#fingerprint) {
      this.#fingerprint = fingerprint;
      this.#id = this.#make();
    }
    return this.#id;
  }

  settle(): void {
    this.#fingerprint = null;
  }

  /** Call with the outcome of an attempt: forgets the id unless the outcome is unknown. */
  settleAfter(error: unknown): void {
    if (error === null || error === undefined || isDefinitiveFailure(error)) this.settle();
  }
}
