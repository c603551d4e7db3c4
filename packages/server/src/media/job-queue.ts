import { assert, DomainError } from '../kernel/errors.js';

/**
 * Runs at most `concurrency` jobs at once and keeps at most `queued` waiting; one more is
 * refused with `service_unavailable` at once rather than queued without bound.
 */
export class JobQueue {
  #running = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(
    readonly concurrency: number,
    readonly queued: number,
  ) {
    assert(concurrency >= 1 && queued >= 0, 'a queue runs at least one job');
  }

  get running(): number {
    return this.#running;
  }

  get waiting(): number {
    return this.#waiting.length;
  }

  async run<T>(job: () => Promise<T>): Promise<T> {
    if (this.#running >= this.concurrency) {
      if (this.#waiting.length >= this.queued) {
        throw new DomainError(
          'service_unavailable',
          'Too many images are being processed. Try again shortly.',
        );
      }
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    } else {
      this.#running += 1;
    }
    try {
      return await job();
    } finally {
      const next = this.#waiting.shift();
      // The slot passes straight to the next job, or is given back.
      if (next) next();
      else this.#running -= 1;
    }
  }
}
