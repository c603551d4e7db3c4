import type { AdminUser, AuthResponse, ErrorBody, Me, SessionInfo } from '@jiaozi/protocol';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../kernel/clock.js';
import { uuidv7 } from '../kernel/ids.js';
import {
  loginPerAccountPer15MinutesMax,
  loginPerIpPerMinuteMax,
  passwordMaxLength,
  passwordMinLength,
  pinAttemptsMax,
  pinLockSeconds,
} from '../kernel/limits.js';
import { type Client, clientFor, createTestApp, nextIp, type TestApp, uniqueUsername } from '../test/app.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const PASSWORD = 'correct horse battery';
const CHROME_UA =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';

let t: TestApp;
const clock = new ManualClock('2026-11-25T08:00:00.000Z');

beforeAll(async () => {
  t = await createTestApp({ clock });
});
afterAll(() => t.shutdown());

let phoneCounter = 0;
function uniquePhone(): string {
  phoneCounter += 1;
  return `+86139${String(process.pid % 10_000).padStart(4, '0')}${String(phoneCounter).padStart(4, '0')}`;
}

function post(
  url: string,
  payload: unknown,
  options: { ip?: string; headers?: Record<string, string> } = {},
): Promise<LightMyRequestResponse> {
  return t.app.inject({
    method: 'POST',
    url,
    payload: payload as object,
    remoteAddress: options.ip ?? nextIp(),
    ...(options.headers ? { headers: options.headers } : {}),
  });
}

function withToken(token: string, method: string, url: string, payload?: unknown) {
  return t.app.inject({
    method: method as 'GET',
    url,
    headers: { authorization: `Bearer ${token}` },
    remoteAddress: nextIp(),
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
}

function errorOf(res: LightMyRequestResponse): ErrorBody['error'] {
  const body = res.json() as ErrorBody;
  expect(body.error).toBeDefined();
  return body.error;
}

function expectError(
  res: LightMyRequestResponse,
  status: number,
  code: string,
  details?: Record<string, unknown>,
): ErrorBody['error'] {
  const error = errorOf(res);
  expect({ status: res.statusCode, code: error.code }).toEqual({ status, code });
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(error.requestId).toBe(res.headers['x-request-id']);
  if (details !== undefined) expect(error.details).toMatchObject(details);
  return error;
}

async function signup(
  body: Record<string, unknown>,
  headers?: Record<string, string>,
): Promise<AuthResponse> {
  const res = await post('/v1/auth/signup', { password: PASSWORD, ...body }, headers ? { headers } : {});
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as AuthResponse;
}

async function newUser(): Promise<Client & { username: string; auth: AuthResponse }> {
  const username = uniqueUsername('id');
  const auth = await signup({ username });
  return clientFor(t.app, auth.token, auth.user.id, { username, auth });
}

function login(loginName: string, password: string, ip?: string, deviceName?: string) {
  return post(
    '/v1/auth/login',
    { login: loginName, password, ...(deviceName ? { deviceName } : {}) },
    {
      ...(ip ? { ip } : {}),
    },
  );
}

describe('signup', () => {
  it('with a username: 201, a jz_ token, the user and the current session', async () => {
    const username = uniqueUsername('Alice');
    const res = await post(
      '/v1/auth/signup',
      { username, password: PASSWORD },
      { headers: { 'user-agent': CHROME_UA } },
    );
    expect(res.statusCode).toBe(201);
    const body = res.json() as AuthResponse;
    expect(body.token).toMatch(/^jz_[A-Za-z0-9_-]{43}$/);
    const now = clock.now().toISOString();
    expect(body.user).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
      username: username.toLowerCase(),
      phone: null,
      displayName: username,
      bio: '',
      region: null,
      role: 'user',
      kycTier: 0,
      hasPin: false,
      avatarId: null,
      createdAt: now,
    } satisfies Record<keyof Me, unknown>);
    expect(body.session).toEqual({
      id: expect.any(String),
      deviceName: 'Chrome on Windows',
      userAgent: CHROME_UA,
      ip: expect.stringMatching(/^10\./),
      createdAt: now,
      lastSeenAt: now,
      expiresAt: new Date(clock.now().getTime() + 30 * DAY_MS).toISOString(),
      current: true,
    } satisfies Record<keyof SessionInfo, unknown>);
    expect(Object.keys(body).sort()).toEqual(['session', 'token', 'user']);

    const me = await withToken(body.token, 'GET', '/v1/me');
    expect(me.statusCode).toBe(200);
    expect(me.json()).toEqual(body.user);
  });

  it('with a phone number (E.164), a display name and a device name', async () => {
    const phone = uniquePhone();
    const body = await signup({ phone, displayName: '  张三 ', deviceName: 'My phone' });
    expect(body.user).toMatchObject({ username: null, phone, displayName: '张三' });
    expect(body.session.deviceName).toBe('My phone');
  });

  it('a phone account without a display name is named by the ends of its number', async () => {
    const phone = uniquePhone();
    const body = await signup({ phone });
    expect(body.user.displayName).toBe(`${phone.slice(0, 4)}…${phone.slice(-4)}`);
  });

  it('with neither or both of username and phone → 400 invalid_request', async () => {
    const neither = await post('/v1/auth/signup', { password: PASSWORD });
    expectError(neither, 400, 'invalid_request', { path: '/body/username' });
    const both = await post('/v1/auth/signup', {
      username: uniqueUsername(),
      phone: uniquePhone(),
      password: PASSWORD,
    });
    expectError(both, 400, 'invalid_request', { path: '/body/username' });
  });

  it('rejects malformed usernames and phones by path', async () => {
    for (const username of ['ab', '1abc', 'has space', 'a'.repeat(33)]) {
      expectError(await post('/v1/auth/signup', { username, password: PASSWORD }), 400, 'invalid_request', {
        path: '/body/username',
      });
    }
    for (const phone of ['8613800138000', '+0123456789', '+86 138 0013 8000']) {
      expectError(await post('/v1/auth/signup', { phone, password: PASSWORD }), 400, 'invalid_request', {
        path: '/body/phone',
      });
    }
  });

  it('a taken username, in any case → 409 username_taken', async () => {
    const username = uniqueUsername('Taken');
    await signup({ username });
    expectError(await post('/v1/auth/signup', { username, password: PASSWORD }), 409, 'username_taken');
    expectError(
      await post('/v1/auth/signup', { username: username.toUpperCase(), password: PASSWORD }),
      409,
      'username_taken',
    );
    expectError(
      await post('/v1/auth/signup', { username: username.toLowerCase(), password: PASSWORD }),
      409,
      'username_taken',
    );
  });

  it('a taken phone → 409 phone_taken', async () => {
    const phone = uniquePhone();
    await signup({ phone });
    expectError(await post('/v1/auth/signup', { phone, password: PASSWORD }), 409, 'phone_taken');
  });

  it('malformed JSON → 400 invalid_request at /body', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/signup',
      headers: { 'content-type': 'application/json' },
      payload: '{"username": "bob", "password": ',
      remoteAddress: nextIp(),
    });
    expectError(res, 400, 'invalid_request', { path: '/body' });
  });

  it('an empty JSON body → 400 invalid_request at /body', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/signup',
      headers: { 'content-type': 'application/json' },
      payload: '',
      remoteAddress: nextIp(),
    });
    expectError(res, 400, 'invalid_request', { path: '/body' });
  });

  it('a missing field → its path', async () => {
    const res = await post('/v1/auth/signup', { username: uniqueUsername() });
    const error = expectError(res, 400, 'invalid_request', { path: '/body/password' });
    expect(error.message).toBe('/body/password is required');
  });

  it('an extra field → its path (no role escalation by signup)', async () => {
    expectError(
      await post('/v1/auth/signup', { username: uniqueUsername(), password: PASSWORD, extra: 1 }),
      400,
      'invalid_request',
      { path: '/body/extra' },
    );
    expectError(
      await post('/v1/auth/signup', { username: uniqueUsername(), password: PASSWORD, role: 'admin' }),
      400,
      'invalid_request',
      { path: '/body/role' },
    );
  });

  it('a wrong type → its path', async () => {
    expectError(
      await post('/v1/auth/signup', { username: uniqueUsername(), password: 12345678 }),
      400,
      'invalid_request',
      { path: '/body/password' },
    );
  });

  it(`passwords of ${passwordMinLength} to ${passwordMaxLength} characters`, async () => {
    const tooShort = 'x'.repeat(passwordMinLength - 1);
    const tooLong = 'x'.repeat(passwordMaxLength + 1);
    for (const password of [tooShort, tooLong]) {
      expectError(
        await post('/v1/auth/signup', { username: uniqueUsername(), password }),
        400,
        'invalid_request',
        { path: '/body/password' },
      );
    }
    await signup({ username: uniqueUsername(), password: 'x'.repeat(passwordMinLength) });
    await signup({ username: uniqueUsername(), password: 'x'.repeat(passwordMaxLength) });
  });
});

describe('login', () => {
  it('by username in any case, and by phone', async () => {
    const username = uniqueUsername('Login');
    const created = await signup({ username });
    for (const spelling of [username, username.toUpperCase(), ` ${username.toLowerCase()} `]) {
      const res = await login(spelling, PASSWORD);
      expect(res.statusCode, spelling).toBe(200);
      const body = res.json() as AuthResponse;
      expect(body.user).toEqual(created.user);
      expect(body.token).not.toBe(created.token);
      expect(body.session.current).toBe(true);
    }

    const phone = uniquePhone();
    const byPhone = await signup({ phone });
    const res = await login(phone, PASSWORD, undefined, 'Laptop');
    expect(res.statusCode).toBe(200);
    const body = res.json() as AuthResponse;
    expect(body.user.id).toBe(byPhone.user.id);
    expect(body.session.deviceName).toBe('Laptop');
    const spaced = `${phone.slice(0, 3)} ${phone.slice(3, 6)}-${phone.slice(6)}`;
    expect((await login(spaced, PASSWORD)).statusCode).toBe(200);
  });

  it('wrong password and unknown user answer the same 401 invalid_credentials', async () => {
    const { username } = await newUser();
    const wrong = await login(username, 'not the password');
    const unknown = await login(uniqueUsername('ghost'), PASSWORD);
    const invalid = await login('!!', PASSWORD);
    const bodies = [wrong, unknown, invalid].map((res) => {
      expectError(res, 401, 'invalid_credentials');
      const { requestId, ...rest } = errorOf(res);
      expect(requestId).toEqual(expect.any(String));
      return rest;
    });
    expect(bodies[1]).toEqual(bodies[0]);
    expect(bodies[2]).toEqual(bodies[0]);
    expect(bodies[0]).toEqual({ code: 'invalid_credentials', message: 'Wrong account or password.' });
    expect(Object.keys(wrong.json() as object)).toEqual(['error']);
    expect(Object.keys(unknown.json() as object)).toEqual(['error']);
  });

  it('records failed logins in the security trail', async () => {
    const user = await newUser();
    await login(user.username, 'nope nope nope');
    await login(user.username, 'nope nope nope');
    expect(await t.services.identity.repo.countSecurityEvents(user.userId, 'login_failed')).toBe(2);
    expect(await t.services.identity.repo.countSecurityEvents(user.userId, 'signup')).toBe(1);
  });
});

describe('authentication', () => {
  it('GET /v1/me without a token or with a bad one → 401 unauthenticated', async () => {
    const none = await t.app.inject({ method: 'GET', url: '/v1/me', remoteAddress: nextIp() });
    expectError(none, 401, 'unauthenticated');
    for (const authorization of [
      'Bearer garbage',
      'Bearer jz_garbage',
      `Bearer jz_${'A'.repeat(43)}`,
      'Basic dXNlcjpwYXNz',
      'Bearer',
      `Bearer jz_${'x'.repeat(200)}`,
    ]) {
      const res = await t.app.inject({
        method: 'GET',
        url: '/v1/me',
        headers: { authorization },
        remoteAddress: nextIp(),
      });
      expectError(res, 401, 'unauthenticated');
    }
  });

  it('logout ends the session: the token then answers 401', async () => {
    const user = await newUser();
    expect((await user.request('GET', '/v1/me')).statusCode).toBe(200);
    const out = await user.request('POST', '/v1/auth/logout');
    expect(out.statusCode).toBe(204);
    expect(out.body).toBe('');
    expectError(await user.request('GET', '/v1/me'), 401, 'unauthenticated');
    expectError(await user.request('POST', '/v1/auth/logout'), 401, 'unauthenticated');
  });
});

describe('sessions', () => {
  it('lists live sessions with exactly one current; revoking the other ends it', async () => {
    const user = await newUser();
    const res = await login(user.username, PASSWORD, undefined, 'Tablet');
    const second = res.json() as AuthResponse;

    const list = await user.request('GET', '/v1/me/sessions');
    expect(list.statusCode).toBe(200);
    const sessions = (list.json() as { sessions: SessionInfo[] }).sessions;
    expect(sessions).toHaveLength(2);
    expect(sessions.filter((s) => s.current)).toHaveLength(1);
    expect(sessions.find((s) => s.current)?.id).toBe(user.auth.session.id);
    expect(sessions.map((s) => s.id).sort()).toEqual([user.auth.session.id, second.session.id].sort());

    // Seen from the other device, the other one is current.
    const fromSecond = await withToken(second.token, 'GET', '/v1/me/sessions');
    const current = (fromSecond.json() as { sessions: SessionInfo[] }).sessions.filter((s) => s.current);
    expect(current.map((s) => s.id)).toEqual([second.session.id]);

    const revoke = await user.request('DELETE', `/v1/me/sessions/${second.session.id}`);
    expect(revoke.statusCode).toBe(204);
    expectError(await withToken(second.token, 'GET', '/v1/me'), 401, 'unauthenticated');
    expect((await user.request('GET', '/v1/me')).statusCode).toBe(200);
    const after = (await user.request('GET', '/v1/me/sessions')).json() as { sessions: SessionInfo[] };
    expect(after.sessions.map((s) => s.id)).toEqual([user.auth.session.id]);

    // Already gone.
    expectError(await user.request('DELETE', `/v1/me/sessions/${second.session.id}`), 404, 'not_found');
  });

  it("another user's session, or a random id → 404 not_found, and the session lives on", async () => {
    const alice = await newUser();
    const bob = await newUser();
    expectError(await alice.request('DELETE', `/v1/me/sessions/${bob.auth.session.id}`), 404, 'not_found');
    expect((await bob.request('GET', '/v1/me')).statusCode).toBe(200);
    expectError(await alice.request('DELETE', `/v1/me/sessions/${uuidv7()}`), 404, 'not_found');
    expectError(await alice.request('DELETE', '/v1/me/sessions/not-a-uuid'), 400, 'invalid_request', {
      path: '/params/id',
    });
  });

  it('a session expires after SESSION_TTL without use; use slides the expiry', async () => {
    const active = await newUser();
    const idle = await newUser();
    const start = clock.now().getTime();

    clock.advance(20 * DAY_MS);
    expect((await active.request('GET', '/v1/me')).statusCode).toBe(200);
    clock.advance(20 * DAY_MS);
    expect((await active.request('GET', '/v1/me')).statusCode).toBe(200);
    const sessions = (await active.request('GET', '/v1/me/sessions')).json() as { sessions: SessionInfo[] };
    expect(sessions.sessions[0]?.expiresAt).toBe(new Date(start + 70 * DAY_MS).toISOString());
    expect(sessions.sessions[0]?.lastSeenAt).toBe(new Date(start + 40 * DAY_MS).toISOString());

    // The idle session ran out at 30 days, 10 days ago.
    expectError(await idle.request('GET', '/v1/me'), 401, 'unauthenticated');
    // Logging in again works.
    expect((await login(idle.username, PASSWORD)).statusCode).toBe(200);

    // 30 days of silence end the active one too, exactly at the TTL.
    clock.advance(30 * DAY_MS);
    expectError(await active.request('GET', '/v1/me'), 401, 'unauthenticated');
  });

  it('the last millisecond of the TTL still counts', async () => {
    const user = await newUser();
    clock.advance(30 * DAY_MS - 1);
    expect((await user.request('GET', '/v1/me')).statusCode).toBe(200);
  });
});

describe('profile', () => {
  it('PATCH /v1/me edits name, bio and region', async () => {
    const user = await newUser();
    const res = await user.request('PATCH', '/v1/me', {
      displayName: '  Zhang San ',
      bio: ' Hello 你好 ',
      region: 'CN',
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ displayName: 'Zhang San', bio: 'Hello 你好', region: 'CN' });
    expect((await user.request('GET', '/v1/me')).json()).toMatchObject({
      displayName: 'Zhang San',
      bio: 'Hello 你好',
      region: 'CN',
    });

    const cleared = await user.request('PATCH', '/v1/me', { region: null });
    expect(cleared.statusCode).toBe(200);
    expect(cleared.json()).toMatchObject({ displayName: 'Zhang San', region: null });

    const unchanged = await user.request('PATCH', '/v1/me', {});
    expect(unchanged.statusCode).toBe(200);
    expect(unchanged.json()).toEqual((await user.request('GET', '/v1/me')).json());
  });

  it('rejects a bad region, an empty name, a long bio and fields that are not the profile', async () => {
    const user = await newUser();
    for (const [body, path] of [
      [{ region: 'cn' }, '/body/region'],
      [{ region: 'CHN' }, '/body/region'],
      [{ displayName: '' }, '/body/displayName'],
      [{ displayName: '    ' }, '/body/displayName'],
      [{ displayName: 'x'.repeat(65) }, '/body/displayName'],
      [{ bio: 'x'.repeat(281) }, '/body/bio'],
      [{ role: 'admin' }, '/body/role'],
      [{ kycTier: 2 }, '/body/kycTier'],
    ] as const) {
      expectError(await user.request('PATCH', '/v1/me', body), 400, 'invalid_request', { path });
    }
    expect((await user.request('GET', '/v1/me')).json()).toMatchObject({
      role: 'user',
      kycTier: 0,
      region: null,
      displayName: user.username,
    });
  });
});

describe('password change', () => {
  it('a wrong current password → 401 password_incorrect, nothing changes', async () => {
    const user = await newUser();
    expectError(
      await user.request('POST', '/v1/me/password', {
        currentPassword: 'wrong wrong',
        newPassword: 'new password 1',
      }),
      401,
      'password_incorrect',
    );
    expectError(
      await user.request('POST', '/v1/me/password', { currentPassword: PASSWORD, newPassword: 'short' }),
      400,
      'invalid_request',
      { path: '/body/newPassword' },
    );
    expect((await login(user.username, PASSWORD)).statusCode).toBe(200);
  });

  it('success ends the other sessions, keeps this one; only the new password logs in', async () => {
    const user = await newUser();
    const other = (await login(user.username, PASSWORD)).json() as AuthResponse;
    const res = await user.request('POST', '/v1/me/password', {
      currentPassword: PASSWORD,
      newPassword: 'a brand new passphrase',
    });
    expect(res.statusCode).toBe(204);
    expectError(await withToken(other.token, 'GET', '/v1/me'), 401, 'unauthenticated');
    expect((await user.request('GET', '/v1/me')).statusCode).toBe(200);
    const sessions = (await user.request('GET', '/v1/me/sessions')).json() as { sessions: SessionInfo[] };
    expect(sessions.sessions.map((s) => s.id)).toEqual([user.auth.session.id]);
    expectError(await login(user.username, PASSWORD), 401, 'invalid_credentials');
    expect((await login(user.username, 'a brand new passphrase')).statusCode).toBe(200);
    expect(await t.services.identity.repo.countSecurityEvents(user.userId, 'password_changed')).toBe(1);
  });
});

describe('payment PIN', () => {
  const PIN = '285714';

  async function userWithPin(): Promise<Awaited<ReturnType<typeof newUser>>> {
    const user = await newUser();
    const res = await user.request('PUT', '/v1/me/pin', { pin: PIN, password: PASSWORD });
    expect(res.statusCode).toBe(204);
    return user;
  }

  async function pinRow(userId: string) {
    return t.database.db
      .selectFrom('users')
      .select(['pin_failed_attempts', 'pin_locked_until'])
      .where('id', '=', userId)
      .executeTakeFirstOrThrow();
  }

  it('verify before a PIN is set → 409 pin_not_set', async () => {
    const user = await newUser();
    expectError(await user.request('POST', '/v1/me/pin/verify', { pin: PIN }), 409, 'pin_not_set');
  });

  it('setting needs the password and a PIN that is six digits and not weak', async () => {
    const user = await newUser();
    expectError(
      await user.request('PUT', '/v1/me/pin', { pin: PIN, password: 'wrong password' }),
      401,
      'password_incorrect',
    );
    expectError(
      await user.request('PUT', '/v1/me/pin', { pin: '123456', password: PASSWORD }),
      400,
      'pin_too_weak',
    );
    expectError(
      await user.request('PUT', '/v1/me/pin', { pin: '111111', password: PASSWORD }),
      400,
      'pin_too_weak',
    );
    for (const pin of ['12345', '12345a', '1234567', 135790]) {
      expectError(
        await user.request('PUT', '/v1/me/pin', { pin, password: PASSWORD }),
        400,
        'invalid_request',
        {
          path: '/body/pin',
        },
      );
    }
    expect(((await user.request('GET', '/v1/me')).json() as Me).hasPin).toBe(false);

    expect((await user.request('PUT', '/v1/me/pin', { pin: PIN, password: PASSWORD })).statusCode).toBe(204);
    expect(((await user.request('GET', '/v1/me')).json() as Me).hasPin).toBe(true);
    expect((await user.request('POST', '/v1/me/pin/verify', { pin: PIN })).statusCode).toBe(204);
    expect(await t.services.identity.repo.countSecurityEvents(user.userId, 'pin_set')).toBe(1);
  });

  it('counts wrong PINs down, locks at the fifth for exactly 3 hours, then starts afresh', async () => {
    const user = await userWithPin();
    const left: unknown[] = [];
    for (let i = 0; i < pinAttemptsMax - 1; i++) {
      const res = await user.request('POST', '/v1/me/pin/verify', { pin: '000001' });
      left.push(expectError(res, 401, 'pin_incorrect').details?.attemptsLeft);
    }
    expect(left).toEqual([4, 3, 2, 1]);
    expect(await pinRow(user.userId)).toEqual({ pin_failed_attempts: 4, pin_locked_until: null });

    const lockedAt = clock.now().getTime();
    const unlockAt = new Date(lockedAt + pinLockSeconds * 1000).toISOString();
    expect(unlockAt).toBe(new Date(lockedAt + 3 * 60 * 60 * 1000).toISOString());
    const fifth = await user.request('POST', '/v1/me/pin/verify', { pin: '000001' });
    expect(expectError(fifth, 423, 'pin_locked').details).toEqual({ unlockAt, attemptsLeft: 0 });

    // While locked even the right PIN is refused, and nothing more is counted.
    const right = await user.request('POST', '/v1/me/pin/verify', { pin: PIN });
    expect(expectError(right, 423, 'pin_locked').details).toEqual({ unlockAt, attemptsLeft: 0 });
    clock.advance(pinLockSeconds * 1000 - 1);
    const lastMs = await user.request('POST', '/v1/me/pin/verify', { pin: PIN });
    expect(expectError(lastMs, 423, 'pin_locked').details).toEqual({ unlockAt, attemptsLeft: 0 });
    expect(await pinRow(user.userId)).toEqual({
      pin_failed_attempts: 5,
      pin_locked_until: new Date(unlockAt),
    });
    expect(await t.services.identity.repo.countSecurityEvents(user.userId, 'pin_locked')).toBe(1);

    clock.advance(1);
    expect((await user.request('POST', '/v1/me/pin/verify', { pin: PIN })).statusCode).toBe(204);
    expect(await pinRow(user.userId)).toEqual({ pin_failed_attempts: 0, pin_locked_until: null });
    const again = await user.request('POST', '/v1/me/pin/verify', { pin: '000001' });
    expect(expectError(again, 401, 'pin_incorrect').details).toEqual({ attemptsLeft: 4 });
  });

  it('a lock that ran out starts a fresh count even on a wrong PIN', async () => {
    const user = await userWithPin();
    for (let i = 0; i < pinAttemptsMax; i++)
      await user.request('POST', '/v1/me/pin/verify', { pin: '000001' });
    clock.advance(pinLockSeconds * 1000);
    const res = await user.request('POST', '/v1/me/pin/verify', { pin: '000001' });
    expect(expectError(res, 401, 'pin_incorrect').details).toEqual({ attemptsLeft: 4 });
  });

  it('a correct PIN resets the count', async () => {
    const user = await userWithPin();
    for (let i = 0; i < 3; i++) await user.request('POST', '/v1/me/pin/verify', { pin: '000001' });
    expect((await user.request('POST', '/v1/me/pin/verify', { pin: PIN })).statusCode).toBe(204);
    const res = await user.request('POST', '/v1/me/pin/verify', { pin: '000001' });
    expect(expectError(res, 401, 'pin_incorrect').details).toEqual({ attemptsLeft: 4 });
  });

  it('setting a new PIN clears a lockout', async () => {
    const user = await userWithPin();
    for (let i = 0; i < pinAttemptsMax; i++)
      await user.request('POST', '/v1/me/pin/verify', { pin: '000001' });
    expectError(await user.request('POST', '/v1/me/pin/verify', { pin: PIN }), 423, 'pin_locked');
    expect((await user.request('PUT', '/v1/me/pin', { pin: '592046', password: PASSWORD })).statusCode).toBe(
      204,
    );
    expect(await pinRow(user.userId)).toEqual({ pin_failed_attempts: 0, pin_locked_until: null });
    expect((await user.request('POST', '/v1/me/pin/verify', { pin: '592046' })).statusCode).toBe(204);
    const old = await user.request('POST', '/v1/me/pin/verify', { pin: PIN });
    expect(expectError(old, 401, 'pin_incorrect').details).toEqual({ attemptsLeft: 4 });
    expect(await t.services.identity.repo.countSecurityEvents(user.userId, 'pin_changed')).toBe(1);
  });

  it('a malformed PIN is refused before it counts', async () => {
    const user = await userWithPin();
    expectError(await user.request('POST', '/v1/me/pin/verify', { pin: '12' }), 400, 'invalid_request', {
      path: '/body/pin',
    });
    expect(await pinRow(user.userId)).toEqual({ pin_failed_attempts: 0, pin_locked_until: null });
  });
});

describe('admin', () => {
  it('non-admins get 403 forbidden, anonymous callers 401', async () => {
    const user = await newUser();
    expectError(await user.request('GET', `/v1/admin/users/${user.userId}`), 403, 'forbidden');
    expectError(
      await user.request('PATCH', `/v1/admin/users/${user.userId}`, { kycTier: 2 }),
      403,
      'forbidden',
    );
    const anonymous = await t.app.inject({
      method: 'GET',
      url: `/v1/admin/users/${user.userId}`,
      remoteAddress: nextIp(),
    });
    expectError(anonymous, 401, 'unauthenticated');
    expect(((await user.request('GET', '/v1/me')).json() as Me).kycTier).toBe(0);
  });

  it('an admin reads and edits accounts', async () => {
    const admin = await newUser();
    await t.services.identity.setRoleAndTier(admin.userId, { role: 'admin' });
    const user = await newUser();

    expectError(await admin.request('GET', `/v1/admin/users/${uuidv7()}`), 404, 'not_found');
    expectError(
      await admin.request('PATCH', `/v1/admin/users/${uuidv7()}`, { kycTier: 1 }),
      404,
      'not_found',
    );

    const got = await admin.request('GET', `/v1/admin/users/${user.userId}`);
    expect(got.statusCode).toBe(200);
    expect(got.json()).toEqual({ ...user.auth.user, pinLockedUntil: null } satisfies AdminUser);

    const patched = await admin.request('PATCH', `/v1/admin/users/${user.userId}`, { kycTier: 2 });
    expect(patched.statusCode).toBe(200);
    expect((patched.json() as AdminUser).kycTier).toBe(2);
    expect(((await user.request('GET', '/v1/me')).json() as Me).kycTier).toBe(2);

    for (const kycTier of [3, -1, 1.5, '2']) {
      expectError(
        await admin.request('PATCH', `/v1/admin/users/${user.userId}`, { kycTier }),
        400,
        'invalid_request',
        { path: '/body/kycTier' },
      );
    }
    expect(((await user.request('GET', '/v1/me')).json() as Me).kycTier).toBe(2);

    // A promoted user may use admin routes at once, with the same token.
    expect(
      (await admin.request('PATCH', `/v1/admin/users/${user.userId}`, { role: 'admin' })).statusCode,
    ).toBe(200);
    expect((await user.request('GET', `/v1/admin/users/${admin.userId}`)).statusCode).toBe(200);
  });

  it('setRoleAndTier refuses tiers outside 0..2 and unknown users', async () => {
    const user = await newUser();
    await expect(t.services.identity.setRoleAndTier(user.userId, { kycTier: 3 })).rejects.toMatchObject({
      code: 'invalid_request',
    });
    await expect(t.services.identity.setRoleAndTier(uuidv7(), { role: 'admin' })).rejects.toMatchObject({
      code: 'not_found',
    });
  });
});

describe('rate limits', () => {
  it(`failed logins for one account are limited to ${loginPerAccountPer15MinutesMax} per 15 minutes, whatever the IP`, async () => {
    const user = await newUser();
    const answers: number[] = [];
    for (let i = 0; i < loginPerAccountPer15MinutesMax; i++) {
      answers.push((await login(user.username, `wrong password ${i}`)).statusCode);
    }
    expect(answers).toEqual(Array(loginPerAccountPer15MinutesMax).fill(401));

    const limited = await login(user.username, 'wrong password x');
    const error = expectError(limited, 429, 'rate_limited');
    const retryAfterSeconds = error.details?.retryAfterSeconds as number;
    expect(Number.isInteger(retryAfterSeconds)).toBe(true);
    expect(retryAfterSeconds).toBeGreaterThan(15 * 60 - 60);
    expect(retryAfterSeconds).toBeLessThanOrEqual(15 * 60);
    expect(limited.headers['retry-after']).toBe(String(retryAfterSeconds));

    // Another spelling of the same account, and even the right password, wait too.
    expectError(await login(user.username.toUpperCase(), PASSWORD), 429, 'rate_limited');
    // Another account is not affected.
    const other = await newUser();
    expect((await login(other.username, PASSWORD)).statusCode).toBe(200);
  });

  it(`logins from one IP are limited to ${loginPerIpPerMinuteMax} a minute`, async () => {
    const ip = nextIp();
    const answers: number[] = [];
    for (let i = 0; i < loginPerIpPerMinuteMax; i++) {
      answers.push((await login(uniqueUsername('nobody'), PASSWORD, ip)).statusCode);
    }
    expect(answers).toEqual(Array(loginPerIpPerMinuteMax).fill(401));
    const limited = await login(uniqueUsername('nobody'), PASSWORD, ip);
    const error = expectError(limited, 429, 'rate_limited');
    const retryAfterSeconds = error.details?.retryAfterSeconds as number;
    expect(retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(retryAfterSeconds).toBeLessThanOrEqual(60);
    expect(limited.headers['retry-after']).toBe(String(retryAfterSeconds));
    // Another IP is not affected.
    expectError(await login(uniqueUsername('nobody'), PASSWORD, nextIp()), 401, 'invalid_credentials');
  });
});
