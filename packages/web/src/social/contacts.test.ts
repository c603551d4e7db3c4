import type { Contact, FriendRequest, PublicUser } from '@jiaozi/protocol';
import { describe, expect, it } from 'vitest';
import {
  buildIndex,
  compareContacts,
  defaultFriendMessage,
  groupByLetter,
  INDEX_LETTERS,
  normalizeLetter,
  parseSearchQuery,
  pendingCount,
  publicName,
  relationAfterRequest,
  sectionId,
  selfName,
  targetKey,
  targetOf,
} from './contacts.js';

function user(id: string, displayName = id, username: string | null = id): PublicUser {
  return { id, displayName, username, region: null, avatarId: null, relation: 'friend' };
}

function contact(id: string, name: string, letter: string, sortKey = name.toLowerCase()): Contact {
  return { user: user(id, name), remark: null, name, letter, sortKey, since: '2025-01-01T00:00:00Z' };
}

function request(status: FriendRequest['status']): FriendRequest {
  return {
    id: `r-${status}`,
    from: user('a'),
    to: user('b'),
    message: 'Hi',
    status,
    createdAt: '2025-01-01T00:00:00Z',
    expiresAt: '2025-01-08T00:00:00Z',
  };
}

describe('groupByLetter', () => {
  it('sections by letter A–Z with # last, each sorted by sort key', () => {
    const groups = groupByLetter([
      contact('u1', 'Zoe', 'Z'),
      contact('u2', '王小明', 'W', 'wangxiaoming'),
      contact('u3', '123 Bakery', '#', '123 bakery'),
      contact('u4', 'Wendy', 'W'),
      contact('u5', 'alice', 'A'),
      contact('u6', '🥟 Dumplings', '#', '🥟 dumplings'),
    ]);
    expect(groups.map((g) => g.letter)).toEqual(['A', 'W', 'Z', '#']);
    expect(groups[1]?.contacts.map((c) => c.name)).toEqual(['王小明', 'Wendy']);
    expect(groups[3]?.contacts.map((c) => c.user.id)).toEqual(['u3', 'u6']);
  });

  it('never makes empty or duplicate sections, and does not reorder its input', () => {
    const input = [contact('u2', 'Bob', 'B'), contact('u1', 'Amy', 'A'), contact('u3', 'Ben', 'B')];
    const copy = [...input];
    const groups = groupByLetter(input);
    expect(groups.map((g) => [g.letter, g.contacts.length])).toEqual([
      ['A', 1],
      ['B', 2],
    ]);
    expect(input).toEqual(copy);
    expect(groupByLetter([])).toEqual([]);
  });

  it('files odd letters from the server under # and lowercase under their capital', () => {
    const groups = groupByLetter([
      contact('u1', 'Éva', 'É'),
      contact('u2', 'bob', 'b'),
      contact('u3', 'x', ''),
    ]);
    expect(groups.map((g) => g.letter)).toEqual(['B', '#']);
    expect(groups[1]?.contacts.map((c) => c.user.id).sort()).toEqual(['u1', 'u3']);
  });

  it('breaks sort-key ties by name, then id, so the order is stable', () => {
    const a = contact('u2', 'Li', 'L', 'li');
    const b = contact('u1', 'Li', 'L', 'li');
    expect([a, b].sort(compareContacts).map((c) => c.user.id)).toEqual(['u1', 'u2']);
  });
});

describe('buildIndex', () => {
  it('lists every letter, with counts and where a tap goes', () => {
    const index = buildIndex(
      groupByLetter([contact('u1', 'Amy', 'A'), contact('u2', 'Dan', 'D'), contact('u3', 'Dee', 'D')]),
    );
    expect(index.map((e) => e.letter)).toEqual(INDEX_LETTERS);
    expect(index).toHaveLength(27);
    expect(index[0]).toEqual({ letter: 'A', count: 1, target: 'A' });
    // An empty letter jumps to the next section down…
    expect(index.find((e) => e.letter === 'B')).toEqual({ letter: 'B', count: 0, target: 'D' });
    expect(index.find((e) => e.letter === 'D')).toEqual({ letter: 'D', count: 2, target: 'D' });
    // …and past the last section, to the last one.
    expect(index.find((e) => e.letter === 'Q')?.target).toBe('D');
    expect(index.at(-1)).toEqual({ letter: '#', count: 0, target: 'D' });
  });

  it('has no targets without contacts', () => {
    expect(buildIndex([]).every((e) => e.count === 0 && e.target === null)).toBe(true);
  });

  it('gives # a usable element id', () => {
    expect(sectionId('A')).toBe('contacts-section-A');
    expect(sectionId('#')).toBe('contacts-section-hash');
    expect(normalizeLetter(' q ')).toBe('Q');
  });
});

describe('defaultFriendMessage', () => {
  const template = (name: string) => `Hi, I'm ${name}`;

  it('uses my display name, else my username or phone', () => {
    expect(
      defaultFriendMessage({ displayName: 'Alice Wang', username: 'alice', phone: null }, template, 'Hi!'),
    ).toBe("Hi, I'm Alice Wang");
    expect(defaultFriendMessage({ displayName: '  ', username: 'alice', phone: null }, template, 'Hi!')).toBe(
      "Hi, I'm alice",
    );
    expect(
      defaultFriendMessage({ displayName: '', username: null, phone: '+8613800138000' }, template, 'Hi!'),
    ).toBe("Hi, I'm +8613800138000");
  });

  it('falls back when there is no name at all', () => {
    expect(defaultFriendMessage({ displayName: '', username: null, phone: null }, template, 'Hi!')).toBe(
      'Hi!',
    );
    expect(selfName({ displayName: ' Bo ', username: null, phone: null })).toBe('Bo');
  });
});

describe('parseSearchQuery', () => {
  it('reads a username, with or without @', () => {
    expect(parseSearchQuery(' alice ')).toEqual({ kind: 'username', q: 'alice' });
    expect(parseSearchQuery('@Bob_99')).toEqual({ kind: 'username', q: 'Bob_99' });
  });

  it('reads a +phone, dropping spaces, dashes and brackets', () => {
    expect(parseSearchQuery('+86 138-0013-8000')).toEqual({ kind: 'phone', q: '+8613800138000' });
    expect(parseSearchQuery('+1 (415) 555 0100')).toEqual({ kind: 'phone', q: '+14155550100' });
  });

  it('refuses anything that is not an exact username or phone', () => {
    for (const text of ['', '   ', '@', 'al ice', '13800138000', '+0123456789', '+12', '王小明', 'a@b.c']) {
      expect(parseSearchQuery(text), text).toBeNull();
    }
  });

  it('turns a query into a friend-request target with a stable key', () => {
    expect(targetOf({ kind: 'username', q: 'Alice' })).toEqual({ username: 'Alice' });
    expect(targetOf({ kind: 'phone', q: '+8613800138000' })).toEqual({ phone: '+8613800138000' });
    expect(targetKey({ username: 'Alice' })).toBe(targetKey({ username: 'alice' }));
    expect(targetKey({ phone: '+86138' })).toBe('phone:+86138');
    expect(targetKey({ userId: 'u1' })).toBe('id:u1');
  });
});

describe('requests and names', () => {
  it('counts pending requests only', () => {
    expect(
      pendingCount([request('pending'), request('accepted'), request('pending'), request('expired')]),
    ).toBe(2);
    expect(pendingCount([])).toBe(0);
  });

  it('knows the relation after sending a request', () => {
    expect(relationAfterRequest(request('pending'))).toBe('request_sent');
    expect(relationAfterRequest(request('accepted'))).toBe('friend');
  });

  it('names people by display name, else @username', () => {
    expect(publicName(user('u1', 'Bob Li', 'bob'))).toBe('Bob Li');
    expect(publicName(user('u1', ' ', 'bob'))).toBe('@bob');
    expect(publicName(user('u1', '', null))).toBe('?');
  });
});
