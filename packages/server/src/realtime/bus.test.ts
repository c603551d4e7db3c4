import { describe, expect, it } from 'vitest';
import { decodeAnnouncement, encodeAnnouncement } from './bus.js';

describe('announcements on the wire', () => {
  it('carry user ids and the updates with their payloads as written', () => {
    const updates = [
      {
        userId: 'u1',
        pts: 41n,
        topic: 'chat.message',
        payloadJson: '{"text":"你好 \\"quoted\\""}',
        at: '2026-11-26T00:00:00.000Z',
      },
      {
        userId: 'u2',
        pts: 9_007_199_254_740_993n,
        topic: 't',
        payloadJson: '[1,{"a":null}]',
        at: '2026-11-26T00:00:01.000Z',
      },
    ];
    const wire = encodeAnnouncement(['u1', 'u2', 'u3'], updates);
    expect(decodeAnnouncement(wire)).toEqual({ userIds: ['u1', 'u2', 'u3'], updates });
  });

  it('ignores anything else', () => {
    for (const junk of [
      '',
      'nope',
      '[]',
      '["u1"]',
      '{"u":["a"],"x":[["a","1","t","at"]]}',
      '{"u":["a"],"x":[["a","-1","t","at",{}]]}',
    ]) {
      expect(decodeAnnouncement(junk)).toBeNull();
    }
  });
});
