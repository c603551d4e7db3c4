import type { BankOperationStatus } from '@jiaozi/protocol';

export const POLL_INTERVAL_MS = 700;
/** After this many polls (~30 s) the bank is slow: ask every few seconds instead. */
const FAST_POLLS = 40;
const SLOW_INTERVAL_MS = 3_000;
/** Give up after this many failed polls in a row (the operation itself is not affected). */
export const MAX_POLL_FAILURES = 8;

export function pollDelay(attempt: number): number {
  return attempt < FAST_POLLS ? POLL_INTERVAL_MS : SLOW_INTERVAL_MS;
}

export function isSettled(status: BankOperationStatus): boolean {
  return status === 'succeeded' || status === 'failed';
}

export interface PollOptions<T> {
  signal?: AbortSignal | undefined;
  /** Called with every fresh state, the pending ones included. */
  onUpdate?: ((value: T) => void) | undefined;
  sleep?: ((ms: number, signal?: AbortSignal) => Promise<void>) | undefined;
}

function abortError(): DOMException {
  return new DOMException('Polling stopped', 'AbortError');
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortError());
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Asks `get` every ~700 ms until the bank operation is settled and resolves with it. Transient
 * failures are retried; after `MAX_POLL_FAILURES` in a row the last error is thrown. Rejects with
 * an AbortError when `signal` aborts (the screen was left).
 */
export async function pollUntilSettled<T extends { status: BankOperationStatus }>(
  get: () => Promise<T>,
  options: PollOptions<T> = {},
): Promise<T> {
  const wait = options.sleep ?? sleep;
  let failures = 0;
  for (let attempt = 0; ; attempt++) {
    await wait(pollDelay(attempt), options.signal);
    if (options.signal?.aborted) throw abortError();
    try {
      const value = await get();
      failures = 0;
      if (options.signal?.aborted) throw abortError();
      options.onUpdate?.(value);
      if (isSettled(value.status)) return value;
    } catch (error) {
      if (error instanceof DOMException && error.name === 'AbortError') throw error;
      failures += 1;
      if (failures >= MAX_POLL_FAILURES) throw error;
    }
  }
}
