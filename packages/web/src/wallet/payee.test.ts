import { describe, expect, it } from 'vitest';
import { parsePayee, payeeKey } from './payee.js';

describe('parsePayee', () => {
  it('reads usernames with or without @', () => {
    expect(parsePayee('alice')).toEqual({ username: 'alice' });
    expect(parsePayee(' @Bob_2 ')).toEqual({ username: 'Bob_2' });
  });

  it('reads E.164 phone numbers, ignoring spaces and dashes', () => {
    expect(parsePayee('+8613800138000')).toEqual({ phone: '+8613800138000' });
    expect(parsePayee('+86 138-0013-8000')).toEqual({ phone: '+8613800138000' });
  });

  it('rejects anything else', () => {
    for (const text of ['', '  ', '@', '+', '+0123456789', '+86abc', '13800138000', '_x', 'a b', 'ali.ce']) {
      expect(parsePayee(text), text).toBeNull();
    }
  });

  it('keys payees for idempotency fingerprints', () => {
    expect(payeeKey({ username: 'Alice' })).toBe(payeeKey({ username: 'alice' }));
    expect(payeeKey({ phone: '+861' })).not.toBe(payeeKey({ username: '+861' }));
    expect(payeeKey({ qr: 'p' })).toBe('qr:p');
  });
});
