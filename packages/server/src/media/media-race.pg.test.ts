import type { MediaInfo, Message } from '@jiaozi/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../kernel/ids.js';
import type { DatabaseHandle } from '../platform/db/connect.js';
import { createTestApp, nextIp, signupClient, type TestApp } from '../test/app.js';
import { createTestDatabase } from '../test/db.js';
import { befriend, tally } from '../test/http.js';
import { multipart, pngOf } from '../test/media-fixtures.js';

/** Real concurrency against Postgres: one upload sent at once into several conversations. */
let database: DatabaseHandle;
let t: TestApp;

beforeAll(async () => {
  database = await createTestDatabase({ poolMax: 20 });
  t = await createTestApp({ database, config: { rateLimits: false } });
});

afterAll(async () => {
  await t?.shutdown();
  await database?.close();
});

describe('one upload, many sends at once', () => {
  it('lets exactly one message take it; the others are refused and write nothing', async () => {
    const alice = await signupClient(t.app);
    const friends = await Promise.all(Array.from({ length: 6 }, () => signupClient(t.app)));
    for (const f of friends) await befriend(alice, f);
    const body = multipart(await pngOf(16, 16));
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/media/photos',
      payload: body.payload,
      headers: { ...body.headers, authorization: `Bearer ${alice.token}` },
      remoteAddress: nextIp(),
    });
    expect(res.statusCode, res.body).toBe(201);
    const photo = res.json() as MediaInfo;

    const responses = await Promise.all(
      [...friends, ...friends].map((f) =>
        alice.request('POST', `/v1/users/${f.userId}/media`, { id: newId(), photos: [photo.id] }),
      ),
    );
    expect(tally(responses)).toEqual({ '201': 1, '400 invalid_request': 11 });
    const winner = responses.find((r) => r.statusCode === 201)?.json() as Message;
    const row = await database.db
      .selectFrom('media')
      .selectAll()
      .where('id', '=', photo.id)
      .executeTakeFirstOrThrow();
    expect({ conversation: row.conversation_id, message: row.message_id }).toEqual({
      conversation: winner.conversationId,
      message: winner.id,
    });
    const photoMessages = await database.db
      .selectFrom('messages')
      .select('id')
      .where('sender_id', '=', alice.userId)
      .where('kind', '=', 'photo')
      .execute();
    expect(photoMessages.map((m) => m.id)).toEqual([winner.id]);
  });
});
