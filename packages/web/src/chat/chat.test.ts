import type { ConversationSummary, Message } from '@jiaozi/protocol';
import { describe, expect, it } from 'vitest';
import { translate } from '../i18n/i18n.js';
import {
  badgeText,
  bodyText,
  canRecall,
  canRemoveMember,
  compareConversations,
  conversationName,
  dayKey,
  daysAgo,
  groupByDay,
  isRecallNotice,
  latestPageRange,
  mergeMessages,
  previewText,
  systemText,
  textLength,
  tickStatus,
} from './chat.js';

const t = (key: Parameters<typeof translate>[1], params?: Parameters<typeof translate>[2]) =>
  translate('en', key, params);
const zh = (key: Parameters<typeof translate>[1], params?: Parameters<typeof translate>[2]) =>
  translate('zh-CN', key, params);

const ME = 'me';
const BOB = 'bob';
const names: Record<string, string> = { me: 'You', bob: 'Bob', carol: 'Carol' };
const nameOf = (id: string) => names[id] ?? 'Someone';

function msg(seq: number, over: Partial<Message> = {}): Message {
  return {
    id: `m${seq}`,
    conversationId: 'c1',
    seq,
    senderId: BOB,
    kind: 'text',
    text: `text ${seq}`,
    payload: null,
    replyTo: null,
    mentions: [],
    mentionAll: false,
    forwarded: false,
    recalled: false,
    readCount: 0,
    createdAt: new Date(2024, 4, 1, 10, seq).toISOString(),
    ...over,
  };
}

describe('mergeMessages', () => {
  it('merges pages ascending by seq, one message per seq, the incoming one winning', () => {
    const current = [msg(3), msg(4), msg(5)];
    const incoming = [msg(5, { readCount: 1 }), msg(6)];
    const merged = mergeMessages(current, incoming);
    expect(merged.map((m) => m.seq)).toEqual([3, 4, 5, 6]);
    expect(merged.find((m) => m.seq === 5)?.readCount).toBe(1);
  });

  it('prepends an older page without duplicates', () => {
    const merged = mergeMessages([msg(3), msg(4)], [msg(1), msg(2), msg(3)]);
    expect(merged.map((m) => m.seq)).toEqual([1, 2, 3, 4]);
  });

  it('drops messages the authoritative range no longer has (deleted for me)', () => {
    const merged = mergeMessages([msg(1), msg(2), msg(3), msg(4)], [msg(3), msg(5)], {
      from: 3,
      to: Infinity,
    });
    expect(merged.map((m) => m.seq)).toEqual([1, 2, 3, 5]);
  });

  it('a latest page covers everything when nothing is older, else from its first seq', () => {
    expect(latestPageRange({ messages: [msg(4), msg(5)], hasMore: true })).toEqual({ from: 4, to: Infinity });
    expect(latestPageRange({ messages: [msg(4)], hasMore: false })).toEqual({ from: 0, to: Infinity });
    expect(latestPageRange({ messages: [], hasMore: false })).toEqual({ from: 0, to: Infinity });
  });
});

describe('tickStatus', () => {
  it('direct: from the other member’s watermarks', () => {
    const m = msg(5);
    expect(tickStatus(m, 'direct', [{ readSeq: 0, deliveredSeq: 4 }])).toBe('sent');
    expect(tickStatus(m, 'direct', [{ readSeq: 0, deliveredSeq: 5 }])).toBe('delivered');
    expect(tickStatus(m, 'direct', [{ readSeq: 7, deliveredSeq: 7 }])).toBe('read');
    expect(tickStatus(m, 'direct', [])).toBe('sent');
  });

  it('group: read when anyone read it, delivered when anyone received it', () => {
    const others = [
      { readSeq: 0, deliveredSeq: 0 },
      { readSeq: 0, deliveredSeq: 6 },
    ];
    expect(tickStatus(msg(5), 'group', [{ readSeq: 0, deliveredSeq: 0 }])).toBe('sent');
    expect(tickStatus(msg(5), 'group', others)).toBe('delivered');
    expect(tickStatus(msg(5, { readCount: 2 }), 'group', others)).toBe('read');
  });
});

describe('groupByDay', () => {
  it('puts a divider before the first message of each local day', () => {
    const a = msg(1, { createdAt: new Date(2024, 4, 1, 9).toISOString() });
    const b = msg(2, { createdAt: new Date(2024, 4, 1, 23, 59).toISOString() });
    const c = msg(3, { createdAt: new Date(2024, 4, 2, 0, 1).toISOString() });
    const items = groupByDay([a, b, c]);
    expect(items.map((i) => (i.type === 'day' ? i.day : i.message.seq))).toEqual([
      '2024-05-01',
      1,
      2,
      '2024-05-02',
      3,
    ]);
    expect(groupByDay([])).toEqual([]);
  });

  it('counts days in local time', () => {
    const now = new Date(2024, 4, 3, 8).getTime();
    expect(daysAgo(new Date(2024, 4, 3, 0, 5).toISOString(), now)).toBe(0);
    expect(daysAgo(new Date(2024, 4, 2, 23, 55).toISOString(), now)).toBe(1);
    expect(dayKey(new Date(2024, 0, 9, 12).toISOString())).toBe('2024-01-09');
  });
});

describe('text of messages', () => {
  it('says what system messages mean', () => {
    const joined = msg(1, {
      kind: 'system',
      text: null,
      payload: { event: 'member_joined', userIds: [BOB], by: ME },
    });
    expect(systemText(joined, nameOf, t)).toBe('Bob joined');
    expect(systemText(joined, nameOf, zh)).toBe('Bob加入了群聊');
    const two = msg(2, { kind: 'system', payload: { event: 'member_joined', userIds: [BOB, 'carol'] } });
    expect(systemText(two, nameOf, t)).toBe('Bob, Carol joined');
    const created = msg(3, {
      kind: 'system',
      senderId: ME,
      payload: { event: 'group_created', name: 'Dumplings' },
    });
    expect(systemText(created, nameOf, t)).toBe('You created the group “Dumplings”');
    const strange = msg(4, { kind: 'system', payload: { event: 'from_the_future' } });
    expect(systemText(strange, nameOf, t)).toBe('Something changed in this chat');
    const family = msg(5, {
      kind: 'system',
      senderId: BOB,
      payload: {
        event: 'family_pay_used',
        granteeId: BOB,
        merchantName: 'Noodle Bar',
        amountMinor: 123_456,
        currency: 'CNY',
      },
    });
    expect(systemText(family, nameOf, t)).toBe('Bob paid 1234.56 to Noodle Bar with the family card');
    expect(systemText(family, nameOf, zh)).toBe('Bob用亲属卡向Noodle Bar付款 1234.56');
  });

  it('previews photos, voice messages and mini-app cards by what they hold', () => {
    const opts = { group: true, meId: ME, nameOf, t };
    const photo = msg(1, {
      kind: 'photo',
      text: null,
      payload: { photos: [{ mediaId: 'm', width: 1, height: 1, placeholder: '', animated: false }] },
    });
    expect(previewText(photo, opts)).toBe('Bob: [Photo]');
    const voice = msg(2, {
      kind: 'voice',
      text: null,
      payload: { voice: { mediaId: 'v', durationMs: 7_400, waveform: [] } },
    });
    expect(previewText(voice, opts)).toBe('Bob: [Voice] 0:07');
    expect(bodyText(voice, zh)).toBe('[语音] 0:07');
    const card = msg(3, {
      kind: 'miniapp',
      text: null,
      payload: {
        appId: 'a',
        appName: 'Shop',
        iconUrl: null,
        title: 'Jiaozi Shop',
        path: '/',
        description: '',
      },
    });
    expect(previewText(card, opts)).toBe('Bob: [Mini app] Jiaozi Shop');
    expect(bodyText(card, zh)).toBe('[小程序] Jiaozi Shop');
  });

  it('previews money messages by kind, with the greeting or the title', () => {
    const opts = { group: true, meId: ME, nameOf, t };
    const card = msg(1, {
      kind: 'transfer',
      text: null,
      payload: { cardId: 'c', amountMinor: 100, note: '' },
    });
    expect(previewText(card, opts)).toBe('Bob: [Transfer]');
    const packet = msg(2, {
      kind: 'red_packet',
      text: null,
      payload: { packetId: 'p', greeting: '恭喜发财' },
    });
    expect(previewText(packet, opts)).toBe('Bob: [Red packet] 恭喜发财');
    expect(bodyText(packet, zh)).toBe('[红包] 恭喜发财');
    const split = msg(3, { kind: 'split', text: null, payload: { splitId: 's', title: 'Hotpot' } });
    expect(bodyText(split, t)).toBe('[Split] Hotpot');
    expect(bodyText(split, zh)).toBe('[AA 收款] Hotpot');
  });

  it('previews recalled messages and recall notices as "… recalled a message"', () => {
    const opts = { group: false, meId: ME, nameOf, t };
    expect(previewText(msg(1, { recalled: true, text: null }), opts)).toBe('Bob recalled a message');
    const notice = msg(2, {
      kind: 'system',
      senderId: ME,
      text: null,
      payload: { event: 'message_recalled', userId: ME, messageId: 'm1', seq: 1 },
    });
    expect(previewText(notice, opts)).toBe('You recalled a message');
    expect(isRecallNotice(notice)).toBe(true);
    expect(isRecallNotice(msg(3))).toBe(false);
  });

  it('previews text on one line, with the sender in groups', () => {
    const m = msg(1, { text: 'hello\n  there' });
    expect(previewText(m, { group: false, meId: ME, nameOf, t })).toBe('hello there');
    expect(previewText(m, { group: true, meId: ME, nameOf, t })).toBe('Bob: hello there');
    expect(previewText(msg(2, { senderId: ME, text: 'hi' }), { group: true, meId: ME, nameOf, t })).toBe(
      'hi',
    );
    expect(previewText(null, { group: true, meId: ME, nameOf, t })).toBe('');
  });

  it('counts code points', () => {
    expect(textLength('你好 Bob 🥟')).toBe(8);
  });
});

describe('conversations', () => {
  const base = {
    kind: 'direct',
    name: null,
    peerId: BOB,
    pinned: false,
    lastActivityAt: '2024-05-01T10:00:00.000Z',
    id: 'a',
  } as ConversationSummary;

  it('orders pinned first, then newest activity', () => {
    const list = [
      { ...base, id: 'old', lastActivityAt: '2024-05-01T09:00:00.000Z' },
      { ...base, id: 'new', lastActivityAt: '2024-05-01T11:00:00.000Z' },
      { ...base, id: 'pinned', pinned: true, lastActivityAt: '2024-04-01T00:00:00.000Z' },
    ].sort(compareConversations);
    expect(list.map((c) => c.id)).toEqual(['pinned', 'new', 'old']);
  });

  it('names a conversation after the group or the other person', () => {
    expect(conversationName(base, nameOf, t)).toBe('Bob');
    expect(conversationName({ ...base, kind: 'group', name: 'Dumplings' }, nameOf, t)).toBe('Dumplings');
    expect(conversationName({ ...base, kind: 'group', name: ' ' }, nameOf, t)).toBe('Group chat');
  });

  it('lets me recall my own text messages within two minutes', () => {
    const now = Date.parse('2024-05-01T10:02:00.000Z');
    const mine = msg(1, { senderId: ME, createdAt: '2024-05-01T10:00:00.000Z' });
    expect(canRecall(mine, ME, now)).toBe(true);
    expect(canRecall(mine, ME, now + 1)).toBe(false);
    expect(canRecall({ ...mine, senderId: BOB }, ME, now)).toBe(false);
    expect(canRecall({ ...mine, recalled: true }, ME, now)).toBe(false);
  });

  it('knows who may remove whom', () => {
    expect(canRemoveMember('owner', 'admin', false)).toBe(true);
    expect(canRemoveMember('admin', 'member', false)).toBe(true);
    expect(canRemoveMember('admin', 'admin', false)).toBe(false);
    expect(canRemoveMember('member', 'member', false)).toBe(false);
    expect(canRemoveMember('owner', 'owner', true)).toBe(false);
  });

  it('caps the badge at 99+', () => {
    expect(badgeText(7)).toBe('7');
    expect(badgeText(100)).toBe('99+');
  });
});
