import { describe, expect, it } from 'vitest';
import { cardDigits, groupCardNumber } from './cards.js';

describe('card number input', () => {
  it('groups digits by four as they are typed', () => {
    expect(groupCardNumber('6222021234567890')).toBe('6222 0212 3456 7890');
    expect(groupCardNumber('6222 0')).toBe('6222 0');
    expect(groupCardNumber('6222')).toBe('6222');
    expect(groupCardNumber('62-22 ab 02')).toBe('6222 02');
    expect(groupCardNumber('')).toBe('');
  });

  it('keeps at most 19 digits and sends digits only', () => {
    expect(cardDigits(groupCardNumber('1'.repeat(25)))).toBe('1'.repeat(19));
    expect(cardDigits('6222 0212 3456 7890')).toBe('6222021234567890');
  });
});
