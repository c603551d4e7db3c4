import { describe, expect, it } from 'vitest';
import type { ConversationRow, MemberRow, MessageRow } from './chat.repository.js';
import { type BatchState, type Decision, decideBatch, type SendRequest } from './chat.writer.js';

const A = '00000000-0000-7000-8000-00000000000a';
const B = '00000000-0000-7000-8000-00000000000b';
const C = '00000000-0000-7000-8000-00000000000c';
const DIRECT = '00000000-0000-7000-8000-0000000000d1';
const GROUP = '00000000-0000-7000-8000-0000000000e1';
const at = new Date('2026-11-26T00:00:00Z');

function conv(id: string, kind: 'direct' | 'group', lastSeq: number, muteAll = false): ConversationRow {
  return {
    id,
    kind,
    direct_key: kind === 'direct' ? `${A}:${B}` : null,
    name: kind === 'group' ? 'g' : null,
    announcement: null,
    owner_id: kind === 'group' ? A : null,
    mute_all: muteAll,
    last_seq: BigInt(lastSeq),
    created_by: A,
    created_at: at,
    last_activity_at: at,
  } as ConversationRow;
}

function member(conversationId: string, userId: string, role: MemberRow['role'], joinedSeq = 0): MemberRow {
  return {
    conversation_id: conversationId,
    user_id: userId,
    role,
    joined_seq: BigInt(joinedSeq),
    read_seq: 0n,
    delivered_seq: 0n,
    muted: false,
    pinned: false,
    archived: false,
    joined_at: at,
    updated_at: at,
  } as MemberRow;
}

function send(
  senderId: string,
  conversationId: string,
  id: string,
  extra: Partial<SendRequest['draft']> = {},
) {
  return {
    senderId,
    conversationId,
    id,
    draft: {
      kind: 'text',
      body: id,
      replyTo: null,
      mentions: undefined,
      forwarded: false,
      hash: `h:${id}`,
      ...extra,
    },
  } as SendRequest;
}

function state(overrides: Partial<BatchState> = {}): BatchState {
  return {
    conversations: new Map([
      [DIRECT, conv(DIRECT, 'direct', 7)],
      [GROUP, conv(GROUP, 'group', 3)],
    ]),
    members: new Map([
      [DIRECT, [member(DIRECT, A, 'member'), member(DIRECT, B, 'member')]],
      [GROUP, [member(GROUP, A, 'owner'), member(GROUP, B, 'member'), member(GROUP, C, 'member', 2)]],
    ]),
    sent: new Map(),
    seqs: new Map(),
    mayMessage: new Map([
      [`${A}/${B}`, true],
      [`${B}/${A}`, false],
    ]),
    ...overrides,
  };
}

function summary(d: Decision): string {
  if (d.kind === 'new') return `new ${d.row.conversation_id === DIRECT ? 'direct' : 'group'} #${d.row.seq}`;
  if (d.kind === 'replay') return `replay #${d.row.seq}`;
  if (d.kind === 'again') return `again #${d.row.seq}`;
  return `error ${d.error.code}`;
}

const id = (n: number) => `00000000-0000-7000-8000-${String(n).padStart(12, '0')}`;

describe('decideBatch', () => {
  it('gives each conversation the next seqs in order, and tells everyone in it', () => {
    const decisions = decideBatch(
      [send(A, DIRECT, id(1)), send(A, GROUP, id(2)), send(A, DIRECT, id(3)), send(C, GROUP, id(4))],
      state(),
    );
    expect(decisions.map(summary)).toEqual([
      'new direct #8',
      'new group #4',
      'new direct #9',
      'new group #5',
    ]);
    expect(decisions[1]?.kind === 'new' && decisions[1].audience).toEqual([A, B, C]);
  });

  it('refuses one send without taking a seq, and goes on with the rest', () => {
    const stranger = '00000000-0000-7000-8000-0000000000ff';
    const decisions = decideBatch(
      [
        send(B, DIRECT, id(1)), // blocked, or a stranger: recipient_unavailable
        send(stranger, GROUP, id(2)), // not a member
        send(A, '00000000-0000-7000-8000-000000000999', id(3)), // no such conversation
        send(A, GROUP, id(4), { mentions: [C, A] }),
        send(B, GROUP, id(5), { mentions: ['00000000-0000-7000-8000-000000000777'] }),
        send(A, DIRECT, id(6)),
      ],
      state(),
    );
    expect(decisions.map(summary)).toEqual([
      'error recipient_unavailable',
      'error not_found',
      'error not_found',
      'new group #4',
      'error invalid_request',
      'new direct #8',
    ]);
    expect(decisions[3]?.kind === 'new' && decisions[3].row.mentions).toEqual([C]);
  });

  it('lets only managers speak in a muted group', () => {
    const muted = state({
      conversations: new Map([[GROUP, conv(GROUP, 'group', 3, true)]]),
    });
    expect(decideBatch([send(B, GROUP, id(1)), send(A, GROUP, id(2))], muted).map(summary)).toEqual([
      'error forbidden',
      'new group #4',
    ]);
  });

  it('answers a resend with the original, in the batch or stored, and refuses another body under its id', () => {
    const stored = { conversation_id: DIRECT, seq: 5n, request_hash: `h:${id(9)}`, id: id(9) } as MessageRow;
    const decisions = decideBatch(
      [
        send(A, DIRECT, id(9)),
        send(A, DIRECT, id(9), { hash: 'other' }),
        send(A, GROUP, id(9)),
        send(A, GROUP, id(1)),
        send(A, GROUP, id(1)),
        send(A, GROUP, id(1), { hash: 'other' }),
        send(B, GROUP, id(1)),
      ],
      state({ sent: new Map([[`${A}/${id(9)}`, stored]]) }),
    );
    expect(decisions.map(summary)).toEqual([
      'replay #5',
      'error idempotency_conflict',
      'error idempotency_conflict',
      'new group #4',
      'again #4',
      'error idempotency_conflict',
      'new group #5',
    ]);
  });

  it('takes replies to messages the replier can see, including ones earlier in the batch', () => {
    const seqs = new Map([
      [`${GROUP}/${id(100)}`, 1n],
      [`${GROUP}/${id(101)}`, 3n],
    ]);
    const decisions = decideBatch(
      [
        send(C, GROUP, id(1), { replyTo: id(100) }), // sent before C joined (joined at seq 2)
        send(C, GROUP, id(2), { replyTo: id(101) }),
        send(A, GROUP, id(3), { replyTo: id(2) }),
        send(A, DIRECT, id(4), { replyTo: id(101) }), // in another conversation
      ],
      state({ seqs }),
    );
    expect(decisions.map(summary)).toEqual([
      'error invalid_request',
      'new group #4',
      'new group #5',
      'error invalid_request',
    ]);
  });
});
