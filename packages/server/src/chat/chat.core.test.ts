import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../kernel/errors.js';
import { messageTextMaxLength, recallWindowSeconds } from '../kernel/limits.js';
import {
  canRemove,
  canSpeak,
  codePoints,
  compareConversations,
  containsPattern,
  directKey,
  groupHasRoom,
  nextWatermark,
  normalizeAnnouncement,
  normalizeGroupName,
  pageRequest,
  parseMentions,
  successorOf,
  validateText,
  withinRecallWindow,
} from './chat.core.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
  return undefined;
}

const A = '00000000-0000-7000-8000-00000000000a';
const B = '00000000-0000-7000-8000-00000000000b';
const C = '00000000-0000-7000-8000-00000000000c';

describe('validateText', () => {
  it('counts characters as code points: 4,000 emoji or Chinese characters fit, one more does not', () => {
    expect(validateText('字'.repeat(messageTextMaxLength))).toHaveLength(messageTextMaxLength);
    expect(codePoints('😀'.repeat(messageTextMaxLength))).toBe(messageTextMaxLength);
    expect(codeOf(() => validateText('😀'.repeat(messageTextMaxLength)))).toBeUndefined();
    expect(codeOf(() => validateText('a'.repeat(messageTextMaxLength + 1)))).toBe('message_too_long');
    expect(codeOf(() => validateText('😀'.repeat(messageTextMaxLength + 1)))).toBe('message_too_long');
  });

  it('refuses blank text and NUL characters, keeps text as sent otherwise', () => {
    expect(codeOf(() => validateText('   \n'))).toBe('invalid_request');
    expect(codeOf(() => validateText('a\u0000b'))).toBe('invalid_request');
    expect(validateText('  hi  ')).toBe('  hi  ');
  });
});

describe('group names and announcements', () => {
  it('trims names and refuses blank or over-long ones', () => {
    expect(normalizeGroupName('  家人 ')).toBe('家人');
    expect(codeOf(() => normalizeGroupName('   '))).toBe('invalid_request');
    expect(codeOf(() => normalizeGroupName('x'.repeat(65)))).toBe('invalid_request');
    expect(normalizeGroupName('群'.repeat(64))).toBe('群'.repeat(64));
  });

  it('a blank announcement clears it', () => {
    expect(normalizeAnnouncement('  ')).toBeNull();
    expect(normalizeAnnouncement(null)).toBeNull();
    expect(normalizeAnnouncement(' Dinner at 7 ')).toBe('Dinner at 7');
    expect(codeOf(() => normalizeAnnouncement('x'.repeat(2001)))).toBe('invalid_request');
  });
});

describe('directKey', () => {
  it('is the same whichever side asks, and refuses oneself', () => {
    fc.assert(
      fc.property(fc.uuid(), fc.uuid(), (a, b) => {
        fc.pre(a !== b);
        expect(directKey(a, b)).toBe(directKey(b, a));
      }),
    );
    expect(codeOf(() => directKey(A, A))).toBe('recipient_unavailable');
  });
});

describe('watermarks', () => {
  it('never move backwards and never pass the last seq', () => {
    fc.assert(
      fc.property(fc.nat(1000), fc.nat(1000), fc.nat(1000), (current, requested, lastSeq) => {
        fc.pre(current <= lastSeq);
        if (requested > lastSeq) {
          expect(codeOf(() => nextWatermark(current, requested, lastSeq))).toBe('invalid_request');
        } else {
          const next = nextWatermark(current, requested, lastSeq);
          expect(next).toBe(Math.max(current, requested));
          expect(next).toBeGreaterThanOrEqual(current);
          expect(next).toBeLessThanOrEqual(lastSeq);
        }
      }),
    );
    expect(nextWatermark(5, 3, 10)).toBe(5);
    expect(nextWatermark(5, 10, 10)).toBe(10);
    expect(codeOf(() => nextWatermark(5, 11, 10))).toBe('invalid_request');
    expect(codeOf(() => nextWatermark(0, -1, 10))).toBe('invalid_request');
  });
});

describe('recall window', () => {
  const sent = new Date('2026-11-25T08:00:00.000Z');
  it('is open at exactly the window and closed one millisecond later', () => {
    expect(withinRecallWindow(sent, sent)).toBe(true);
    expect(withinRecallWindow(sent, new Date(sent.getTime() + recallWindowSeconds * 1000))).toBe(true);
    expect(withinRecallWindow(sent, new Date(sent.getTime() + recallWindowSeconds * 1000 + 1))).toBe(false);
  });
});

describe('roles', () => {
  it('with mute-all on only the owner and admins speak', () => {
    expect(canSpeak('member', false)).toBe(true);
    expect(canSpeak('member', true)).toBe(false);
    expect(canSpeak('admin', true)).toBe(true);
    expect(canSpeak('owner', true)).toBe(true);
  });

  it('the owner removes anyone else; admins remove members only; nobody removes themself', () => {
    expect(canRemove({ id: A, role: 'owner' }, { id: B, role: 'admin' })).toBe(true);
    expect(canRemove({ id: A, role: 'owner' }, { id: B, role: 'member' })).toBe(true);
    expect(canRemove({ id: A, role: 'owner' }, { id: A, role: 'owner' })).toBe(false);
    expect(canRemove({ id: A, role: 'admin' }, { id: B, role: 'member' })).toBe(true);
    expect(canRemove({ id: A, role: 'admin' }, { id: B, role: 'admin' })).toBe(false);
    expect(canRemove({ id: A, role: 'admin' }, { id: B, role: 'owner' })).toBe(false);
    expect(canRemove({ id: A, role: 'member' }, { id: B, role: 'member' })).toBe(false);
  });

  it('an owner who leaves hands over to the earliest admin, else the earliest member', () => {
    const t = (s: number) => new Date(1_000_000 + s * 1000);
    expect(
      successorOf([
        { userId: B, role: 'member' as const, joinedAt: t(1) },
        { userId: C, role: 'admin' as const, joinedAt: t(5) },
      ])?.userId,
    ).toBe(C);
    expect(
      successorOf([
        { userId: C, role: 'member' as const, joinedAt: t(2) },
        { userId: B, role: 'member' as const, joinedAt: t(2) },
      ])?.userId,
    ).toBe(B);
    expect(successorOf([])).toBeUndefined();
  });

  it('a group has room for at most 500', () => {
    expect(groupHasRoom(1, 499)).toBe(true);
    expect(groupHasRoom(1, 500)).toBe(false);
    expect(groupHasRoom(500, 0)).toBe(true);
  });
});

describe('parseMentions', () => {
  const members = new Set([A, B, C]);
  const group = { kind: 'group' as const, senderId: A, senderRole: 'member' as const, memberIds: members };

  it('deduplicates, keeps order, leaves out the sender', () => {
    expect(parseMentions([C, B, C, A], group)).toEqual({ userIds: [C, B], all: false });
    expect(parseMentions(undefined, group)).toEqual({ userIds: [], all: false });
    expect(parseMentions([], { ...group, kind: 'direct' })).toEqual({ userIds: [], all: false });
  });

  it('`all` is for the owner and admins', () => {
    expect(codeOf(() => parseMentions(['all'], group))).toBe('forbidden');
    expect(parseMentions(['all', B], { ...group, senderRole: 'admin' })).toEqual({ userIds: [B], all: true });
    expect(parseMentions(['all'], { ...group, senderRole: 'owner' })).toEqual({ userIds: [], all: true });
  });

  it('only members of a group may be mentioned, and only in groups', () => {
    expect(codeOf(() => parseMentions(['00000000-0000-7000-8000-0000000000ff'], group))).toBe(
      'invalid_request',
    );
    expect(codeOf(() => parseMentions([B], { ...group, kind: 'direct' }))).toBe('invalid_request');
  });
});

describe('pageRequest', () => {
  it('reads before, after or latest, with a bounded limit', () => {
    expect(pageRequest({})).toEqual({ direction: 'latest', limit: 50 });
    expect(pageRequest({ before: 10, limit: 5 })).toEqual({ direction: 'before', seq: 10, limit: 5 });
    expect(pageRequest({ after: 0 })).toEqual({ direction: 'after', seq: 0, limit: 50 });
    expect(codeOf(() => pageRequest({ before: 1, after: 2 }))).toBe('invalid_request');
    expect(codeOf(() => pageRequest({ limit: 101 }))).toBe('invalid_request');
    expect(codeOf(() => pageRequest({ limit: 0 }))).toBe('invalid_request');
  });
});

describe('containsPattern', () => {
  it('takes LIKE wildcards and the escape literally', () => {
    expect(containsPattern('50%_off\\')).toBe('%50\\%\\_off\\\\%');
    expect(containsPattern('红包')).toBe('%红包%');
  });
});

describe('compareConversations', () => {
  it('pinned first, then newest activity, then id', () => {
    const list = [
      { id: 'a', pinned: false, lastActivityAt: '2026-01-01T00:00:03.000Z' },
      { id: 'b', pinned: true, lastActivityAt: '2026-01-01T00:00:01.000Z' },
      { id: 'c', pinned: false, lastActivityAt: '2026-01-01T00:00:05.000Z' },
      { id: 'd', pinned: true, lastActivityAt: '2026-01-01T00:00:02.000Z' },
    ];
    expect([...list].sort(compareConversations).map((c) => c.id)).toEqual(['d', 'b', 'c', 'a']);
  });
});
