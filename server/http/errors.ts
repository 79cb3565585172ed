// The one error type of the API and the one place that turns any error into the envelope.
import type { ErrorRequestHandler, Request } from 'express';
import type { Logger } from 'pino';
import type { components } from '../../generated/openapi.js';
import {
  DomainError,
  MAX_PROBLEMS,
  problemsMessage,
  type DomainErrorKind,
  type ErrorCode,
  type ProblemDetail,
} from '../domain/errors.js';
import { etagOf } from '../domain/access-profiles.js';
import { StoreUnavailableError } from '../store/database.js';

type S = components['schemas'];
export type ErrorEnvelope = components['schemas']['ErrorEnvelope'];
type ErrorType = ErrorEnvelope['error']['type'];
export type ErrorDetail = ProblemDetail;
const MAX_DETAILS = MAX_PROBLEMS;

const TYPE_BY_STATUS: Record<number, ErrorType> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  405: 'invalid_request_error',
  408: 'invalid_request_error',
  409: 'conflict_error',
  412: 'precondition_failed_error',
  413: 'invalid_request_error',
  415: 'invalid_request_error',
  429: 'rate_limit_error',
  431: 'invalid_request_error',
  503: 'service_unavailable_error',
};

export class ApiError extends Error {
  readonly param: string | null;
  readonly details: ErrorDetail[];
  readonly headers: Record<string, string>;

  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    options: { param?: string | null; details?: ErrorDetail[]; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.param = options.param ?? null;
    this.details = options.details ?? [];
    this.headers = options.headers ?? {};
  }
  static badRequest(
    message: string,
    details: ErrorDetail[],
    code: S['BadRequestCode'] = 'validation_failed',
  ): ApiError {
    return new ApiError(400, code, message, { param: details[0]?.param ?? null, details });
  }
}

/** The one 404 for a path no operation of the spec serves. */
export function routeNotFound(req: Request): ApiError {
  return new ApiError(404, 'route_not_found', `No route ${req.method} ${req.path}.`);
}

/** The one 405 for a path the spec serves with other methods. */
export function methodNotAllowed(req: Request): ApiError {
  return new ApiError(405, 'method_not_allowed', `Method ${req.method} is not allowed on ${req.path}.`);
}

/** A 400 for problems the HTTP layer finds itself (headers, query text, integer syntax). */
export function validationError(details: ErrorDetail[], code: S['BadRequestCode'] = 'validation_failed'): ApiError {
  return ApiError.badRequest(problemsMessage(details), details, code);
}

const STATUS_BY_KIND: Record<DomainErrorKind, number> = {
  invalid: 400,
  not_found: 404,
  conflict: 409,
  stale_version: 412,
  forbidden: 403,
};

/** One error as answered: `param` names the parameter at fault, if one is; `details` every problem. */
export interface ErrorAnswer {
  status: number;
  code: ErrorCode;
  message: string;
  param?: string | null;
  details?: ErrorDetail[];
  headers?: Record<string, string>;
}

export function envelope(
  requestId: string,
  { status, code, message, param = null, details = [] }: ErrorAnswer,
): ErrorEnvelope {
  const type = TYPE_BY_STATUS[status] ?? 'api_error';
  return {
    is_bifrost_error: true,
    status_code: status,
    event_id: requestId,
    type,
    error: {
      type,
      code,
      event_id: requestId,
      message,
      // The vendor's param is a non-null string: "" when no single parameter is at fault.
      param: param ?? '',
      details: details.slice(0, MAX_DETAILS),
      details_truncated: details.length > MAX_DETAILS,
    },
  };
}

interface ValidatorErrorItem {
  path?: string;
  message?: string;
  errorCode?: string;
}
interface HttpLikeError {
  limit?: number;
  status?: number;
  statusCode?: number;
  type?: string;
  errors?: ValidatorErrorItem[];
  message?: string;
  path?: string;
}

// `/body/budgets/0/max_limit` → `budgets[0].max_limit`; `/query/limit` → `limit`.
function fieldPath(path: string | undefined): string {
  if (!path) return '';
  const parts = path
    .replace(/^\.?\/?(body|query|params|headers|path)[./]?/, '')
    .split(/[./]/)
    .filter(Boolean);
  let out = '';
  for (const p of parts) out += /^\d+$/.test(p) ? `[${p}]` : out ? `.${p}` : p;
  return out;
}

/** The validator's errors as details: deduplicated, and at most one past the cap (so truncation shows). */
function detailsFromValidator(items: ValidatorErrorItem[]): ErrorDetail[] {
  const seen = new Set<string>();
  const details: ErrorDetail[] = [];
  for (const item of items) {
    if (details.length > MAX_DETAILS) break;
    let param = fieldPath(item.path);
    let message = item.message ?? 'is invalid';
    if (/malformed uri/i.test(message)) {
      // The request path itself: its percent-encoding does not decode.
      param = 'path';
      message = 'is not valid percent-encoded UTF-8';
    } else if (
      item.errorCode === 'additionalProperties.openapi.validation' ||
      /must NOT have additional properties/.test(message)
    ) {
      const extra = /additional property:?\s*'?([^'"]+)'?/.exec(message)?.[1] ?? /'([^']+)'/.exec(message)?.[1];
      if (extra) param = param ? `${param}.${extra}` : extra;
      message = 'unknown field';
    } else if (/must match exactly one schema in oneOf|must match a schema in anyOf/.test(message)) {
      continue; // the branch errors next to it say what is wrong
    } else if (item.errorCode === 'required.openapi.validation' || /must have required property/.test(message)) {
      const missing = /property '([^']+)'/.exec(message)?.[1];
      if (missing && !param.endsWith(missing)) param = param ? `${param}.${missing}` : missing;
      message = 'is required';
    } else if (/must be equal to one of the allowed values/.test(message) && item.errorCode) {
      message = message.replace(/\s+$/, '');
    }
    const key = `${param}|${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    details.push({ param: param || 'body', message });
  }
  return details;
}

export function requestIdOf(req: Request): string {
  return (req as Request & { id?: string }).id ?? 'unknown';
}

/** Maps every error, ours or a library's, to the envelope; nothing else leaves the server. */
export function errorMapper(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    const requestId = requestIdOf(req);
    const send = (answer: ErrorAnswer) => {
      if (res.headersSent) return;
      for (const [k, v] of Object.entries(answer.headers ?? {})) res.setHeader(k, v);
      // Refused before its body was read (auth, rate limit, media type): close rather than drain a body we will not use.
      if (!req.complete) res.setHeader('Connection', 'close');
      res
        .status(answer.status)
        .type('application/json')
        .send(JSON.stringify(envelope(requestId, answer)));
    };

    if (err instanceof ApiError) return send(err);
    if (err instanceof DomainError)
      return send({
        status: STATUS_BY_KIND[err.kind],
        code: err.code,
        message: err.message,
        param: err.param,
        details: err.details,
        headers: err.currentVersion === undefined ? {} : { ETag: etagOf(err.currentVersion) },
      });
    if (err instanceof StoreUnavailableError) {
      logger.warn({ reqId: requestId, err: (err.cause as Error)?.message }, 'store unavailable');
      return send({
        status: 503,
        code: 'store_unavailable',
        message: 'The store is unreachable; retry shortly.',
        headers: { 'Retry-After': '1' },
      });
    }
    const e = (err ?? {}) as HttpLikeError;
    const status = e.status ?? e.statusCode ?? 500;
    if (e.type === 'entity.too.large' || status === 413)
      return send({
        status: 413,
        code: 'payload_too_large',
        message:
          typeof e.limit === 'number'
            ? `The request body exceeds ${e.limit} bytes.`
            : 'The request body exceeds the size limit.',
      });
    if (e.type === 'entity.parse.failed')
      return send({
        status: 400,
        code: 'malformed_json',
        message: 'The request body is not valid JSON.',
        param: 'body',
        details: [{ param: 'body', message: 'is not valid JSON' }],
      });
    if (e.type === 'encoding.unsupported' || e.type === 'charset.unsupported')
      return send({
        status: 415,
        code: 'unsupported_media_type',
        message: 'The request body encoding is not supported.',
      });
    if (status === 400 && Array.isArray(e.errors)) {
      const details = detailsFromValidator(e.errors);
      return send({
        status: 400,
        code: 'validation_failed',
        message: problemsMessage(details),
        param: details[0]?.param ?? null,
        details,
      });
    }
    if (status === 415)
      return send({
        status: 415,
        code: 'unsupported_media_type',
        message: 'Send the request body as application/json.',
        param: 'Content-Type',
      });
    if (status === 404) return send(routeNotFound(req));
    if (status === 405) return send(methodNotAllowed(req));
    if (status >= 400 && status < 500)
      return send({ status, code: 'bad_request', message: e.message ?? 'Bad request.' });

    logger.error({ reqId: requestId, err }, 'unhandled error');
    return send({
      status: 500,
      code: 'internal_error',
      message: 'An unexpected error occurred; quote the event_id when reporting it.',
    });
  };
}
