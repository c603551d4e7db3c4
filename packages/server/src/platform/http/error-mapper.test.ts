import { ERROR_CODES, ERROR_TABLE } from '@jiaozi/protocol';
import { errorCodes } from 'fastify';
import { Type } from 'typebox';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../kernel/errors.js';
import { mapError, validationPath } from './error-mapper.js';
import { createValidatorCompiler } from './validation.js';

const RID = 'req-1';

const Body = Type.Object(
  {
    password: Type.String({ minLength: 8 }),
    profile: Type.Optional(
      Type.Object(
        { name: Type.String(), tags: Type.Optional(Type.Array(Type.Integer())) },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

/** Runs the server's own validator and wraps its errors the way Fastify does. */
function validationError(
  schema: object,
  value: unknown,
  httpPart: 'body' | 'params' | 'querystring' = 'body',
): { validation: unknown[]; validationContext: string } {
  const compile = createValidatorCompiler();
  const validate = compile({ schema, httpPart, method: 'POST', url: '/x' }) as unknown as ((
    v: unknown,
  ) => boolean) & {
    errors: unknown[] | null;
  };
  expect(validate(value)).toBe(false);
  return { validation: validate.errors ?? [], validationContext: httpPart };
}

describe('mapError: domain errors', () => {
  it.each(ERROR_CODES)('%s keeps its code, message and status', (code) => {
    const mapped = mapError(new DomainError(code, 'A message for people.'), RID);
    expect(mapped).toEqual({
      status: ERROR_TABLE[code].status,
      body: { error: { code, message: 'A message for people.', requestId: RID } },
      internal: false,
    });
  });

  it('sends details on the wire', () => {
    const mapped = mapError(
      new DomainError('pin_locked', 'Locked.', { unlockAt: '2026-01-01T03:00:00.000Z', attemptsLeft: 0 }),
      RID,
    );
    expect(mapped.status).toBe(423);
    expect(mapped.body).toEqual({
      error: {
        code: 'pin_locked',
        message: 'Locked.',
        requestId: RID,
        details: { unlockAt: '2026-01-01T03:00:00.000Z', attemptsLeft: 0 },
      },
    });
  });
});

describe('mapError: validation errors', () => {
  it('a missing field is named by its path', () => {
    const mapped = mapError(validationError(Body, {}), RID);
    expect(mapped.status).toBe(400);
    expect(mapped.internal).toBe(false);
    expect(mapped.body.error.code).toBe('invalid_request');
    expect(mapped.body.error.message).toBe('/body/password is required');
    expect(mapped.body.error.details).toEqual({
      path: '/body/password',
      issues: [{ path: '/body/password', message: '/body/password is required' }],
    });
  });

  it('an extra field is named by its path', () => {
    const mapped = mapError(validationError(Body, { password: 'long enough', extra: 1 }), RID);
    expect(mapped.body.error.message).toBe('/body/extra is not allowed');
    expect(mapped.body.error.details?.path).toBe('/body/extra');
  });

  it('an extra field in a nested object is named by its full path', () => {
    const mapped = mapError(
      validationError(Body, { password: 'long enough', profile: { name: 'x', nickname: 'y' } }),
      RID,
    );
    expect(mapped.body.error.details?.path).toBe('/body/profile/nickname');
  });

  it('a wrong type is named by its path, with the validator message', () => {
    const mapped = mapError(validationError(Body, { password: 12345678 }), RID);
    expect(mapped.body.error.details?.path).toBe('/body/password');
    expect(mapped.body.error.message).toBe('/body/password must be string');
  });

  it('a wrong type deep in an array is named by its full path', () => {
    const mapped = mapError(
      validationError(Body, { password: 'long enough', profile: { name: 'x', tags: [1, 'two'] } }),
      RID,
    );
    expect(mapped.body.error.details?.path).toBe('/body/profile/tags/1');
  });

  it('bodies are not coerced: "8" is not a number, 1 is not a string', () => {
    const schema = Type.Object({ n: Type.Integer() });
    expect(mapError(validationError(schema, { n: '8' }), RID).body.error.details?.path).toBe('/body/n');
  });

  it('params failures are named under /params', () => {
    const schema = Type.Object({ id: Type.String({ format: 'uuid' }) });
    const mapped = mapError(validationError(schema, { id: 'nope' }, 'params'), RID);
    expect(mapped.body.error.details?.path).toBe('/params/id');
    expect(mapped.body.error.message).toBe('/params/id must match format "uuid"');
  });

  it('lists at most ten issues', () => {
    const validation = Array.from({ length: 15 }, (_, i) => ({
      instancePath: '',
      keyword: 'required',
      params: { missingProperty: `f${i}` },
    }));
    const mapped = mapError({ validation, validationContext: 'body' }, RID);
    const issues = mapped.body.error.details?.issues as { path: string }[];
    expect(issues).toHaveLength(10);
    expect(issues[9]?.path).toBe('/body/f9');
    expect(mapped.body.error.details?.path).toBe('/body/f0');
  });

  it('validationPath defaults to the body', () => {
    expect(validationPath(undefined, { instancePath: '/a/0' })).toBe('/body/a/0');
    expect(validationPath('querystring', { instancePath: '', params: { missingProperty: 'q' } })).toBe(
      '/querystring/q',
    );
  });
});

describe('mapError: framework errors', () => {
  it('a body over the limit → 413 payload_too_large', () => {
    const mapped = mapError(new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE(), RID);
    expect(mapped).toEqual({
      status: 413,
      body: {
        error: { code: 'payload_too_large', message: 'The request body is too large.', requestId: RID },
      },
      internal: false,
    });
  });

  it('a content type the route does not take → 415 unsupported_media_type', () => {
    const mapped = mapError(new errorCodes.FST_ERR_CTP_INVALID_MEDIA_TYPE('text/plain'), RID);
    expect(mapped.status).toBe(415);
    expect(mapped.body.error.code).toBe('unsupported_media_type');
    expect(mapped.internal).toBe(false);
  });

  it.each([
    ['FST_ERR_CTP_INVALID_JSON_BODY', new errorCodes.FST_ERR_CTP_INVALID_JSON_BODY()],
    ['FST_ERR_CTP_EMPTY_JSON_BODY', new errorCodes.FST_ERR_CTP_EMPTY_JSON_BODY()],
    ['FST_ERR_CTP_INVALID_CONTENT_LENGTH', new errorCodes.FST_ERR_CTP_INVALID_CONTENT_LENGTH()],
  ])('%s → 400 invalid_request at /body', (_name, error) => {
    const mapped = mapError(error, RID);
    expect(mapped.status).toBe(400);
    expect(mapped.body.error.code).toBe('invalid_request');
    expect(mapped.body.error.details).toEqual({ path: '/body' });
    expect(mapped.body.error.message).toBe(error.message);
  });

  it('another 404 from the framework → not_found', () => {
    expect(mapError(new errorCodes.FST_ERR_NOT_FOUND(), RID)).toEqual({
      status: 404,
      body: { error: { code: 'not_found', message: 'Not found.', requestId: RID } },
      internal: false,
    });
  });

  it('a bare 413 or 415 status keeps its meaning', () => {
    expect(mapError({ statusCode: 413 }, RID).body.error.code).toBe('payload_too_large');
    expect(mapError({ statusCode: 415 }, RID).body.error.code).toBe('unsupported_media_type');
  });

  it('another client error → 400 invalid_request', () => {
    const mapped = mapError({ statusCode: 400, message: 'Bad header' }, RID);
    expect(mapped).toEqual({
      status: 400,
      body: {
        error: { code: 'invalid_request', message: 'Bad header', requestId: RID, details: { path: '/' } },
      },
      internal: false,
    });
  });
});

describe('mapError: anything else', () => {
  const generic = {
    status: 500,
    body: {
      error: {
        code: 'internal_error',
        message: 'Something went wrong on our side. The request id helps the operator.',
        requestId: RID,
      },
    },
    internal: true,
  };

  it('an unknown error → 500 internal_error that leaks nothing', () => {
    const secret = 'connection to postgres://admin:hunter2@db failed';
    const mapped = mapError(new Error(secret), RID);
    expect(mapped).toEqual(generic);
    expect(JSON.stringify(mapped.body)).not.toContain('hunter2');
  });

  it('a server-side status, a thrown string, null and undefined → 500 too', () => {
    const e = Object.assign(new Error('pool exhausted: 10/10'), { statusCode: 503 });
    expect(mapError(e, RID)).toEqual(generic);
    expect(mapError('boom', RID)).toEqual(generic);
    expect(mapError(null, RID)).toEqual(generic);
    expect(mapError(undefined, RID)).toEqual(generic);
    expect(mapError(new TypeError("Cannot read properties of undefined (reading 'id')"), RID)).toEqual(
      generic,
    );
  });

  it('an empty validation list is not a validation error', () => {
    expect(mapError({ validation: [], message: 'secret' }, RID)).toEqual(generic);
  });
});
