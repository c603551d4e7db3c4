import { ERROR_TABLE, type ErrorBody, type ErrorCode } from '@jiaozi/protocol';
import { DomainError } from '../../kernel/errors.js';

interface AjvLikeError {
  instancePath?: string;
  keyword?: string;
  message?: string;
  params?: Record<string, unknown>;
}

interface FrameworkError {
  code?: string;
  statusCode?: number;
  validation?: AjvLikeError[];
  validationContext?: string;
  message?: string;
}

export interface MappedError {
  status: number;
  body: ErrorBody;
  /** True for failures that are the server's fault: logged as errors. */
  internal: boolean;
}

/** The JSON path of a validation failure, e.g. `/body/password` or `/params/id`. */
export function validationPath(context: string | undefined, error: AjvLikeError): string {
  let path = `/${context ?? 'body'}${error.instancePath ?? ''}`;
  const params = error.params ?? {};
  if (typeof params.missingProperty === 'string') path += `/${params.missingProperty}`;
  if (typeof params.additionalProperty === 'string') path += `/${params.additionalProperty}`;
  return path;
}

function describe(error: AjvLikeError, path: string): string {
  if (error.keyword === 'required') return `${path} is required`;
  if (error.keyword === 'additionalProperties') return `${path} is not allowed`;
  return `${path} ${error.message ?? 'is invalid'}`;
}

function body(
  code: ErrorCode,
  message: string,
  requestId: string,
  details?: Record<string, unknown>,
): ErrorBody {
  return { error: { code, message, requestId, ...(details ? { details } : {}) } };
}

/**
 * The one place where failures become HTTP answers. Domain errors keep their code; the
 * framework's parse and validation failures become `invalid_request` with the field path;
 * anything else is an `internal_error` whose details stay in the log.
 */
export function mapError(error: unknown, requestId: string): MappedError {
  if (error instanceof DomainError) {
    return {
      status: ERROR_TABLE[error.code].status,
      body: body(error.code, error.message, requestId, error.details),
      internal: false,
    };
  }
  const e = (error ?? {}) as FrameworkError;
  if (Array.isArray(e.validation) && e.validation.length > 0) {
    const first = e.validation[0] as AjvLikeError;
    const path = validationPath(e.validationContext, first);
    // Amounts have their own code, whatever is wrong with them (zero, negative, fractional, text).
    const amountField = e.validation.find((v) =>
      /\/amountMinor$/.test(validationPath(e.validationContext, v)),
    );
    if (amountField) {
      const amountPath = validationPath(e.validationContext, amountField);
      return {
        status: 400,
        body: body(
          'invalid_amount',
          `${amountPath} must be a positive whole number of minor units.`,
          requestId,
          {
            path: amountPath,
          },
        ),
        internal: false,
      };
    }
    const issues = e.validation.slice(0, 10).map((v) => {
      const p = validationPath(e.validationContext, v);
      return { path: p, message: describe(v, p) };
    });
    return {
      status: 400,
      body: body('invalid_request', describe(first, path), requestId, { path, issues }),
      internal: false,
    };
  }
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return {
        status: 413,
        body: body('payload_too_large', 'The request body is too large.', requestId),
        internal: false,
      };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return {
        status: 415,
        body: body('unsupported_media_type', 'This route accepts application/json bodies only.', requestId),
        internal: false,
      };
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return {
        status: 400,
        body: body('invalid_request', e.message ?? 'The body is not valid JSON.', requestId, {
          path: '/body',
        }),
        internal: false,
      };
    default:
      break;
  }
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    if (e.statusCode === 404)
      return { status: 404, body: body('not_found', 'Not found.', requestId), internal: false };
    if (e.statusCode === 413)
      return { status: 413, body: body('payload_too_large', 'Too large.', requestId), internal: false };
    if (e.statusCode === 415) {
      return {
        status: 415,
        body: body('unsupported_media_type', 'Unsupported media type.', requestId),
        internal: false,
      };
    }
    return {
      status: 400,
      body: body('invalid_request', e.message ?? 'The request is invalid.', requestId, { path: '/' }),
      internal: false,
    };
  }
  return {
    status: 500,
    body: body(
      'internal_error',
      'Something went wrong on our side. The request id helps the operator.',
      requestId,
    ),
    internal: true,
  };
}
