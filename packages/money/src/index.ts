export { allocate, MAX_ALLOCATION_PARTS } from './allocate.js';
export type { Currency, CurrencyCode } from './currency.js';
export { CURRENCIES, CURRENCY_CODES, getCurrency, isCurrencyCode } from './currency.js';
export type { MoneyErrorCode } from './errors.js';
export { MoneyError } from './errors.js';
export type { FormatOptions, MoneyLocale } from './format.js';
export { formatAmount, formatPlain } from './format.js';
export type { Minor } from './minor.js';
export {
  absMinor,
  addMinor,
  cmpMinor,
  fromWire,
  isMinor,
  MAX_SAFE_MINOR,
  minor,
  negMinor,
  subMinor,
  sumMinor,
  toSafeNumber,
  ZERO,
} from './minor.js';
export type { ParseOptions } from './parse.js';
export { parseAmount } from './parse.js';
