import { createRequire } from 'node:module';
import { Ajv, type Options } from 'ajv';
import type { FastifySchemaCompiler } from 'fastify';

// ajv-formats is CommonJS whose module.exports is the plugin function.
const addFormats = createRequire(import.meta.url)('ajv-formats') as (ajv: Ajv) => Ajv;

const common: Options = {
  allErrors: false,
  strict: false,
  useDefaults: true,
  removeAdditional: false,
};

/**
 * Bodies are validated as sent: no type coercion and no silent removal of unknown fields
 * (an extra field is an `invalid_request`). Path and query strings are coerced, since on
 * the wire they are only strings.
 */
export function createValidatorCompiler(): FastifySchemaCompiler<unknown> {
  const strictAjv = new Ajv({ ...common, coerceTypes: false });
  const coercingAjv = new Ajv({ ...common, coerceTypes: 'array' });
  addFormats(strictAjv);
  addFormats(coercingAjv);
  return ({ schema, httpPart }) => {
    const ajv = httpPart === 'body' ? strictAjv : coercingAjv;
    return ajv.compile(schema as object);
  };
}

let callAjv: Ajv | undefined;

/**
 * A validator for the params of a call over the WebSocket: as strict as a body over HTTP,
 * and failing the same way (`invalid_request` with the path, here under `/params`).
 */
export function compileCallValidator<T>(schema: object): (value: unknown) => T {
  if (!callAjv) {
    callAjv = new Ajv({ ...common, coerceTypes: false });
    addFormats(callAjv);
  }
  const check = callAjv.compile(schema);
  return (value) => {
    if (!check(value)) {
      throw Object.assign(new Error('invalid params'), {
        validation: check.errors,
        validationContext: 'params',
      });
    }
    return value as T;
  };
}
