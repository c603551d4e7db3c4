/** Stable, machine-readable reasons a money operation can fail. */
export type MoneyErrorCode =
  | 'invalid_amount'
  | 'too_many_decimals'
  | 'unknown_currency'
  | 'amount_out_of_range'
  | 'invalid_allocation';

/** The only error type thrown by `@jiaozi/money` for bad input; switch on `code`, not on `message`. */
export class MoneyError extends Error {
  readonly code: MoneyErrorCode;

  constructor(code: MoneyErrorCode, message: string) {
    super(message);
    this.name = 'MoneyError';
    this.code = code;
  }
}
