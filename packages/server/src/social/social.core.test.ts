import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildIndex,
  canMessage,
  compareContacts,
  contactKey,
  contactQrMessage,
  contactQrPayload,
  effectiveStatus,
  normalizeRemark,
  parseContactQr,
  relationOf,
} from './social.core.js';

describe('contactKey', () => {
  it.each([
    ['王小明', 'W', 'wang xiao ming'],
    ['李雷', 'L', 'li lei'],
    ['张三', 'Z', 'zhang san'],
    ['曾小贤', 'Z', 'zeng xiao xian'], // 曾 read as a surname, not ceng
    ['单田芳', 'S', 'shan tian fang'], // 单 read as a surname, not dan
    ['  韩梅梅 ', 'H', 'han mei mei'],
    ['王Alice', 'W', 'wang alice'],
    ['alice', 'A', 'alice'],
    ['Bob Smith', 'B', 'bob smith'],
    ['zoë', 'Z', 'zoe'],
    ['Émile', 'E', 'emile'],
    ['Ａｌｉｃｅ', 'A', 'alice'], // full-width letters
    ['123abc', '#', '123abc'],
    ['😀 smile', '#', '😀 smile'],
    ['Иван', '#', 'иван'],
    ['さくら', '#', 'さくら'],
    ['_under', '#', '_under'],
    ['', '#', ''],
  ])('%s → %s %s', (name, letter, sortKey) => {
    expect(contactKey(name)).toEqual({ letter, sortKey });
  });

  it('always answers A–Z or #, with a lower-case sort key', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 16 }), (name) => {
        const key = contactKey(name);
        expect(key.letter).toMatch(/^([A-Z]|#)$/);
        expect(key.sortKey).toBe(key.sortKey.toLowerCase());
        if (key.letter !== '#') expect(key.sortKey.charAt(0).toUpperCase()).toBe(key.letter);
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('compareContacts and buildIndex', () => {
  const entry = (name: string, id: string) => ({ ...contactKey(name), id, name });

  it('sorts A–Z by sort key with Chinese and Latin names together, # last', () => {
    const list = [
      entry('王小明', '1'),
      entry('123', '2'),
      entry('alice', '3'),
      entry('Wendy', '4'),
      entry('阿强', '5'),
      entry('😀', '6'),
      entry('bob', '7'),
      entry('王五', '8'),
    ].sort(compareContacts);
    expect(list.map((e) => e.name)).toEqual(['阿强', 'alice', 'bob', '王五', '王小明', 'Wendy', '123', '😀']);
    expect(list.map((e) => e.sortKey)).toEqual([
      'a qiang',
      'alice',
      'bob',
      'wang wu',
      'wang xiao ming',
      'wendy',
      '123',
      '😀',
    ]);
    expect(buildIndex(list)).toEqual([
      { letter: 'A', count: 2 },
      { letter: 'B', count: 1 },
      { letter: 'W', count: 3 },
      { letter: '#', count: 2 },
    ]);
  });

  it('breaks ties by id', () => {
    const list = [entry('Amy', 'b'), entry('amy', 'a')].sort(compareContacts);
    expect(list.map((e) => e.id)).toEqual(['a', 'b']);
  });

  it('an empty list has an empty index', () => {
    expect(buildIndex([])).toEqual([]);
  });

  it('indexes any sorted list: letters in order, once each, counts adding up', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'grapheme', maxLength: 8 }), { maxLength: 40 }), (names) => {
        const list = names.map((n, i) => entry(n, String(i).padStart(3, '0'))).sort(compareContacts);
        const index = buildIndex(list);
        expect(index.reduce((n, e) => n + e.count, 0)).toBe(list.length);
        const letters = index.map((e) => e.letter);
        expect(new Set(letters).size).toBe(letters.length);
        const rank = (l: string) => (l === '#' ? 26 : l.charCodeAt(0) - 65);
        expect([...letters].sort((a, b) => rank(a) - rank(b))).toEqual(letters);
        for (let i = 1; i < list.length; i++) {
          expect(compareContacts(list[i - 1] as never, list[i] as never)).toBeLessThan(0);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('normalizeRemark', () => {
  it('trims, and blank means none', () => {
    expect(normalizeRemark('  Mom ')).toBe('Mom');
    expect(normalizeRemark('   ')).toBeNull();
    expect(normalizeRemark('')).toBeNull();
    expect(normalizeRemark(null)).toBeNull();
  });
});

describe('effectiveStatus', () => {
  const expiresAt = new Date('2026-12-02T08:00:00.000Z');
  it('a pending request is expired from its expiry on', () => {
    expect(effectiveStatus('pending', expiresAt, new Date('2026-12-02T07:59:59.999Z'))).toBe('pending');
    expect(effectiveStatus('pending', expiresAt, expiresAt)).toBe('expired');
  });
  it('a decided request keeps its status', () => {
    const later = new Date('2027-01-01T00:00:00.000Z');
    expect(effectiveStatus('accepted', expiresAt, later)).toBe('accepted');
    expect(effectiveStatus('declined', expiresAt, later)).toBe('declined');
    expect(effectiveStatus('expired', expiresAt, later)).toBe('expired');
  });
});

describe('relationOf', () => {
  const none = { friends: false, sentPending: false, receivedPending: false };
  it('self, then friend, then a request either way, else none', () => {
    expect(relationOf('a', 'a', { ...none, friends: true })).toBe('self');
    expect(relationOf('a', 'b', { friends: true, sentPending: true, receivedPending: true })).toBe('friend');
    expect(relationOf('a', 'b', { ...none, sentPending: true, receivedPending: true })).toBe('request_sent');
    expect(relationOf('a', 'b', { ...none, receivedPending: true })).toBe('request_received');
    expect(relationOf('a', 'b', none)).toBe('none');
  });
});

describe('canMessage', () => {
  it('friends or an open recipient, never across a block', () => {
    for (const friends of [false, true]) {
      for (const blocked of [false, true]) {
        for (const recipientAllowsStrangers of [false, true]) {
          expect(canMessage({ friends, blocked, recipientAllowsStrangers })).toBe(
            !blocked && (friends || recipientAllowsStrangers),
          );
        }
      }
    }
  });
});

describe('contact QR payload', () => {
  const userId = '0193b3c2-7a4e-7c3d-9f00-123456789abc';
  const sig = 'a'.repeat(32);

  it('round-trips', () => {
    const payload = contactQrPayload(userId, sig);
    expect(payload).toBe(`jiaozi:user:v1:${userId}:${sig}`);
    expect(parseContactQr(payload)).toEqual({ userId, message: contactQrMessage(userId), signature: sig });
  });

  it.each([
    ['a payment code', `jiaozi:pay:v1:${userId}:-:${sig}`],
    ['another version', `jiaozi:user:v2:${userId}:${sig}`],
    ['no signature', `jiaozi:user:v1:${userId}`],
    ['a short signature', `jiaozi:user:v1:${userId}:${'a'.repeat(31)}`],
    ['an upper-case signature', `jiaozi:user:v1:${userId}:${'A'.repeat(32)}`],
    ['a bad user id', `jiaozi:user:v1:not-a-uuid:${sig}`],
    ['an extra field', `jiaozi:user:v1:${userId}:${sig}:x`],
    ['too long', `jiaozi:user:v1:${userId}:${sig}${'0'.repeat(200)}`],
    ['nothing', ''],
  ])('rejects %s', (_what, payload) => {
    expect(parseContactQr(payload)).toBeNull();
  });
});
