import { ERROR_CODES, ERROR_TABLE, type ErrorCode } from '@jiaozi/protocol';
import { Type } from 'typebox';

/** The JSON schema of an error answer whose code is one of `codes`. */
export function errorReplySchema(codes: readonly ErrorCode[]) {
  const sorted = [...new Set(codes)].sort();
  return Type.Object(
    {
      error: Type.Object({
        code: Type.String({ enum: sorted }),
        message: Type.String(),
        requestId: Type.Optional(Type.String()),
        details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
      }),
    },
    { description: sorted.map((c) => `\`${c}\``).join(', ') },
  );
}

export const errorSchemaComponent = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', enum: ERROR_CODES },
        message: { type: 'string' },
        requestId: { type: 'string' },
        details: { type: 'object', additionalProperties: true },
      },
    },
  },
} as const;

/** Groups codes by HTTP status into Fastify response schemas. */
export function errorResponses(
  codes: readonly ErrorCode[],
): Record<number, ReturnType<typeof errorReplySchema>> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) {
    const status = ERROR_TABLE[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const out: Record<number, ReturnType<typeof errorReplySchema>> = {};
  for (const [status, list] of byStatus) out[status] = errorReplySchema(list);
  return out;
}
