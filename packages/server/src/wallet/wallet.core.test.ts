import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isUuid, newId } from '../kernel/ids.js';
import { kycLimits } from '../kernel/limits.js';
import { hmacHex } from '../platform/secrets/secrets.js';
import {
  checkAmount,
  csvField,
  csvRow,
  decodeCursor,
  derivedId,
  encodeCursor,
  formatPayCode,
  isPayCodeShape,
  isValidCardNumber,
  limitDay,
  limitsFor,
  normalizeCardNumber,
  parseQr,
  qrMessage,
} from './wallet.core.js';

/** The Luhn check digit that completes `body`. */
function luhnCheckDigit(body: string): string {
  for (let d = 0; d <= 9; d++) if (isValidCardNumber(`${body}${d}`)) return String(d);
  throw new Error(`no check digit completes ${body}`);
}

const validCardArb = fc
  .string({ unit: fc.constantFrom(...'0123456789'.split('')), minLength: 11, maxLength: 18 })
  .map((body) => body + luhnCheckDigit(body));

describe('isValidCardNumber (Luhn)', () => {
  it.each([
    '4111111111111111',
    '4000000000000002',
    '5555555555554444',
    '378282246310005',
    '6011111111111117',
    '000000000000',
  ])('accepts %s', (number) => {
    expect(isValidCardNumber(number)).toBe(true);
  });

  it.each([
    ['wrong check digit', '4111111111111112'],
    ['one digit changed', '4111111111111161'],
    ['too short (11 digits)', '41111111116'],
    ['too long (20 digits)', '41111111111111111113'],
    ['letters', '4111x11111111111'],
    ['spaces are not normalised here', '4111 1111 1111 1111'],
    ['empty', ''],
    ['a minus sign', '-4111111111111111'],
  ])('rejects %s', (_why, number) => {
    expect(isValidCardNumber(number)).toBe(false);
  });

  it('normalises the spaces and dashes people type', () => {
    expect(normalizeCardNumber('4111 1111-1111 1111')).toBe('4111111111111111');
    expect(isValidCardNumber(normalizeCardNumber(' 4111-1111-1111-1111 '))).toBe(true);
  });

  it('property: every number built with its check digit is valid', () => {
    fc.assert(
      fc.property(validCardArb, (number) => {
        expect(isValidCardNumber(number)).toBe(true);
      }),
    );
  });

  it('property: changing any one digit of a valid number makes it invalid', () => {
    fc.assert(
      fc.property(validCardArb, fc.nat(), fc.integer({ min: 1, max: 9 }), (number, position, delta) => {
        const i = position % number.length;
        const changed = (Number(number[i]) + delta) % 10;
        const mutated = `${number.slice(0, i)}${changed}${number.slice(i + 1)}`;
        expect(mutated).not.toBe(number);
        expect(isValidCardNumber(mutated)).toBe(false);
      }),
      { numRuns: 500 },
    );
  });
});

describe('checkAmount', () => {
  it.each([
    [0, 200_000n],
    [1, 5_000_000n],
    [2, 20_000_000n],
  ] as const)('tier %i: positive up to %s minor units', (tier, max) => {
    expect(kycLimits[tier].singleTransferMaxMinor).toBe(max);
    expect(checkAmount(1n, tier)).toBeNull();
    expect(checkAmount(max, tier)).toBeNull();
    expect(checkAmount(max + 1n, tier)).toBe('over_single_limit');
    expect(checkAmount(0n, tier)).toBe('not_positive');
    expect(checkAmount(-1n, tier)).toBe('not_positive');
    expect(checkAmount(-(max + 1n), tier)).toBe('not_positive');
  });

  it('an unknown tier gets the tier-0 limits', () => {
    expect(limitsFor(7)).toEqual(kycLimits[0]);
    expect(limitsFor(-1)).toEqual(kycLimits[0]);
    expect(checkAmount(200_001n, 7)).toBe('over_single_limit');
  });

  it('the tiers’ limits match the table', () => {
    expect(limitsFor(0)).toEqual({
      singleTransferMaxMinor: 200_000n,
      dailyOutflowMaxMinor: 500_000n,
      balanceMaxMinor: 1_000_000n,
    });
    expect(limitsFor(2).dailyOutflowMaxMinor).toBe(100_000_000n);
  });
});

describe('receive QR payloads', () => {
  const secret = randomBytes(32);
  const sign = (message: string) => hmacHex(secret, message).slice(0, 32);
  const userId = newId();

  function payload(amountMinor: bigint | null): string {
    const message = qrMessage({ userId, amountMinor });
    return `${message}:${sign(message)}`;
  }

  it('round trip without an amount', () => {
    const p = payload(null);
    expect(p).toMatch(new RegExp(`^jiaozi:pay:v1:${userId}:-:[0-9a-f]{32}$`));
    const parsed = parseQr(p);
    expect(parsed).toEqual({
      fields: { userId, amountMinor: null },
      message: `jiaozi:pay:v1:${userId}:-`,
      signature: p.slice(-32),
    });
    expect(parsed && sign(parsed.message)).toBe(parsed?.signature);
  });

  it('round trip with an amount', () => {
    const p = payload(12_345n);
    const parsed = parseQr(p);
    expect(parsed?.fields).toEqual({ userId, amountMinor: 12_345n });
    expect(parsed?.message).toBe(`jiaozi:pay:v1:${userId}:12345`);
    expect(parsed && sign(parsed.message)).toBe(parsed?.signature);
  });

  it('property: any user and amount survive the round trip', () => {
    fc.assert(
      fc.property(fc.uuid(), fc.option(fc.bigInt({ min: 1n, max: 9_999_999_999_999_999n })), (id, amount) => {
        const message = qrMessage({ userId: id, amountMinor: amount });
        const parsed = parseQr(`${message}:${sign(message)}`);
        expect(parsed?.fields).toEqual({ userId: id, amountMinor: amount });
        expect(parsed?.message).toBe(message);
      }),
    );
  });

  it('a changed amount or user no longer matches its signature', () => {
    const p = payload(100n);
    const tamperedAmount = p.replace(':100:', ':900:');
    const parsedAmount = parseQr(tamperedAmount);
    expect(parsedAmount?.fields.amountMinor).toBe(900n);
    expect(sign(parsedAmount?.message ?? '')).not.toBe(parsedAmount?.signature);

    const otherUser = newId();
    const tamperedUser = p.replace(userId, otherUser);
    const parsedUser = parseQr(tamperedUser);
    expect(parsedUser?.fields.userId).toBe(otherUser);
    expect(sign(parsedUser?.message ?? '')).not.toBe(parsedUser?.signature);
  });

  it.each([
    ['another prefix', (p: string) => p.replace('jiaozi:pay:v1:', 'jiaozi:pay:v2:')],
    ['no prefix', (p: string) => p.slice('jiaozi:pay:v1:'.length)],
    ['an extra part', (p: string) => `${p}:extra`],
    ['a missing part', (p: string) => p.slice(0, p.lastIndexOf(':'))],
    ['a zero amount', (p: string) => p.replace(':100:', ':0:')],
    ['a leading zero', (p: string) => p.replace(':100:', ':0100:')],
    ['a negative amount', (p: string) => p.replace(':100:', ':-100:')],
    ['a fractional amount', (p: string) => p.replace(':100:', ':1.5:')],
    ['an amount of 17 digits', (p: string) => p.replace(':100:', ':12345678901234567:')],
    ['a short signature', (p: string) => p.slice(0, -1)],
    [
      'an upper-case signature',
      (p: string) => p.slice(0, -32) + p.slice(-32).toUpperCase().replace(/[0-9]/g, 'A'),
    ],
    ['a non-hex signature', (p: string) => `${p.slice(0, -1)}g`],
    ['a user id that is not a uuid', (p: string) => p.replace(userId, 'x'.repeat(36))],
    ['an over-long payload', (p: string) => p.replace('jiaozi:pay:v1:', `jiaozi:pay:v1:${' '.repeat(200)}`)],
  ])('rejects %s', (_why, tamper) => {
    const p = payload(100n);
    expect(parseQr(p)).not.toBeNull();
    expect(parseQr(tamper(p))).toBeNull();
  });

  it('rejects garbage', () => {
    for (const junk of ['', 'hello', 'jiaozi:pay:v1:', 'https://example.com/pay', '\u0000'.repeat(50)]) {
      expect(parseQr(junk)).toBeNull();
    }
  });
});

describe('pay codes', () => {
  it('18 digits starting with 28', () => {
    const code = formatPayCode('0123456789012345');
    expect(code).toBe('280123456789012345');
    expect(code).toHaveLength(18);
    expect(isPayCodeShape(code)).toBe(true);
  });

  it('needs exactly 16 random digits', () => {
    expect(() => formatPayCode('012345678901234')).toThrow();
    expect(() => formatPayCode('01234567890123456')).toThrow();
    expect(() => formatPayCode('012345678901234a')).toThrow();
  });

  it.each([
    '28012345678901234',
    '2801234567890123456',
    '180123456789012345',
    '28012345678901234x',
    ' 280123456789012345',
    '',
  ])('%j is not a pay code', (code) => {
    expect(isPayCodeShape(code)).toBe(false);
  });

  it('property: every 16 digits make a valid code', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom(...'0123456789'.split('')), minLength: 16, maxLength: 16 }),
        (d) => {
          const code = formatPayCode(d);
          expect(code).toMatch(/^28[0-9]{16}$/);
          expect(isPayCodeShape(code)).toBe(true);
        },
      ),
    );
  });
});

describe('history cursors', () => {
  it('round trip', () => {
    const cursor = encodeCursor(1234n);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor)).toEqual({ version: 1234n });
  });

  it('property: any version survives the round trip', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 2n ** 63n - 1n }), (version) => {
        expect(decodeCursor(encodeCursor(version))).toEqual({ version });
      }),
    );
  });

  it.each([
    ['empty', ''],
    ['garbage', 'not-a-cursor'],
    ['random bytes', randomBytes(40).toString('base64url')],
    ['no version', Buffer.from('v').toString('base64url')],
    ['version 0', Buffer.from('v0').toString('base64url')],
    ['a leading zero', Buffer.from('v012').toString('base64url')],
    ['a sign', Buffer.from('v-3').toString('base64url')],
    ['too long', Buffer.from(`v${'9'.repeat(20)}`).toString('base64url')],
    ['past a bigint', Buffer.from(`v${2n ** 63n}`).toString('base64url')],
    [
      'an old cursor',
      Buffer.from(`2026-11-25T08:00:00.000Z|${'0'.repeat(8)}-0000-7000-8000-${'0'.repeat(12)}`).toString(
        'base64url',
      ),
    ],
  ])('%s → null', (_why, cursor) => {
    expect(decodeCursor(cursor)).toBeNull();
  });
});

describe('CSV', () => {
  it.each([
    ['plain', 'plain'],
    ['', ''],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['line1\nline2', '"line1\nline2"'],
    ['cr\r\nlf', '"cr\r\nlf"'],
    ['12.34', '12.34'],
    ['-12.34', '-12.34'],
    ['-5', '-5'],
    ['0.00', '0.00'],
    ['=1+1', "'=1+1"],
    ['+1', "'+1"],
    ['-1+2', "'-1+2"],
    ['-', "'-"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\tcmd', "'\tcmd"],
    ['\rcmd', '"\'\rcmd"'],
    ['=HYPERLINK("http://x","y")', '"\'=HYPERLINK(""http://x"",""y"")"'],
    ['ICBC ••1111', 'ICBC ••1111'],
    ['午饭 a=1', '午饭 a=1'],
  ])('csvField(%j) = %j', (value, expected) => {
    expect(csvField(value)).toBe(expected);
  });

  it('csvRow joins fields with commas and ends with CRLF', () => {
    expect(csvRow(['a', 'b,c', '-12.34', '=1+1', 'x"y'])).toBe('a,"b,c",-12.34,\'=1+1,"x""y"\r\n');
    expect(csvRow([])).toBe('\r\n');
  });

  it('property: a quoted field unquotes to the (neutralised) value', () => {
    fc.assert(
      fc.property(fc.string(), (value) => {
        const field = csvField(value);
        const inner = field.startsWith('"') ? field.slice(1, -1).replaceAll('""', '"') : field;
        expect(inner === value || inner === `'${value}`).toBe(true);
        if (!field.startsWith('"')) expect(field).not.toMatch(/[",\r\n]/);
        expect(inner).not.toMatch(/^[=+@\t\r]/);
      }),
    );
  });
});

describe('derivedId', () => {
  const hash = (s: string) => hmacHex(Buffer.from('k'), s);

  it('is a valid UUID (variant 10, version 8) and deterministic', () => {
    const a = derivedId(hash('op:post'));
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(isUuid(a)).toBe(true);
    expect(derivedId(hash('op:post'))).toBe(a);
    expect(derivedId(hash('op:void'))).not.toBe(a);
  });

  it('property: any 64-hex hash gives a valid UUID', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom(...'0123456789abcdef'.split('')), minLength: 64, maxLength: 64 }),
        (h) => {
          const id = derivedId(h);
          expect(isUuid(id)).toBe(true);
          expect(id.replaceAll('-', '').slice(0, 12)).toBe(h.slice(0, 12));
          expect(derivedId(h)).toBe(id);
        },
      ),
    );
  });
});

describe('limitDay', () => {
  it('the Asia/Shanghai day turns at 16:00 UTC', () => {
    const tz = 'Asia/Shanghai';
    expect(limitDay(new Date('2026-11-25T15:59:59.999Z'), tz)).toBe('2026-11-25');
    expect(limitDay(new Date('2026-11-25T16:00:00.000Z'), tz)).toBe('2026-11-26');
    expect(limitDay(new Date('2026-11-25T00:00:00.000Z'), tz)).toBe('2026-11-25');
    expect(limitDay(new Date('2026-12-31T16:00:00.000Z'), tz)).toBe('2027-01-01');
  });

  it('follows the given zone', () => {
    const at = new Date('2026-11-25T16:30:00.000Z');
    expect(limitDay(at, 'UTC')).toBe('2026-11-25');
    expect(limitDay(at, 'Asia/Shanghai')).toBe('2026-11-26');
    expect(limitDay(new Date('2026-11-26T04:59:59.000Z'), 'America/New_York')).toBe('2026-11-25');
  });
});
