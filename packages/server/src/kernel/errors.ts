import { ERROR_TABLE, type ErrorCode } from '@jiaozi/protocol';

/**
 * A failure the client caused or may act on, with a stable code from the protocol's error
 * table. The HTTP layer maps the code to its status; `details` go out on the wire.
 */
export class DomainError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message?: string, details?: Record<string, unknown>) {
    super(message ?? defaultMessage(code));
    this.name = 'DomainError';
    this.code = code;
    this.details = details;
  }

  get status(): number {
    return ERROR_TABLE[this.code].status;
  }
}

function defaultMessage(code: ErrorCode): string {
  const meaning: string = ERROR_TABLE[code].meaning;
  const firstSentence = meaning.split(/(?<=\.)\s/)[0] ?? meaning;
  return firstSentence.replaceAll('`', '');
}

/** A broken invariant: a bug, never a user error. Crashes loudly in tests. */
export class AssertionError extends Error {
  constructor(message: string) {
    super(`assertion failed: ${message}`);
    this.name = 'AssertionError';
  }
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AssertionError(message);
}
