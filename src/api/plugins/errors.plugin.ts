import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { ERROR_TABLE, LbeError, type ErrorCode, type ErrorIssue } from '../../errors/index.js';
import type { ErrorResponse } from '../schemas/error.schema.js';

/** What the client sees for an error, and how loudly it is logged. */
export interface MappedError {
  readonly status: number;
  readonly code: ErrorCode;
  readonly message: string;
  readonly issues?: readonly ErrorIssue[];
}

const FASTIFY_CODES: Readonly<Record<string, ErrorCode>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'LBE_API_BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'LBE_API_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_JSON_BODY: 'LBE_API_BAD_REQUEST',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'LBE_API_BAD_REQUEST',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'LBE_API_BAD_REQUEST',
  FST_ERR_NOT_FOUND: 'LBE_API_NOT_FOUND',
  FST_ERR_BAD_URL: 'LBE_API_BAD_REQUEST',
  FST_ERR_MAX_PARAM_LENGTH: 'LBE_API_BAD_REQUEST',
};

const STATUS_CODES: Readonly<Record<number, ErrorCode>> = {
  404: 'LBE_API_NOT_FOUND',
  413: 'LBE_API_BODY_TOO_LARGE',
  415: 'LBE_API_UNSUPPORTED_MEDIA_TYPE',
  429: 'LBE_RATE_LIMITED',
};

function fromCode(code: ErrorCode, message?: string, issues?: readonly ErrorIssue[]): MappedError {
  const def = ERROR_TABLE[code];
  return {
    status: def.status,
    code,
    message: def.kind === 'user' && message !== undefined ? message : def.message,
    ...(issues !== undefined && issues.length > 0 && def.kind === 'user' ? { issues } : {}),
  };
}

/** `/users/0/name` in context `body` → `body.users[0].name`. */
function validationPath(context: string | undefined, instancePath: string): string {
  const segments = instancePath.split('/').filter((s) => s !== '');
  let out = context ?? '';
  for (const seg of segments) out += /^\d+$/.test(seg) ? `[${seg}]` : out === '' ? seg : `.${seg}`;
  return out;
}

/**
 * Maps any thrown value to the client's view. Contract: LbeErrors keep their code (internal ones show only
 * the table's generic message); schema validation → 400 LBE_API_VALIDATION with each path (a bad `:id`
 * → LBE_BUILD_INVALID_ID); Fastify's own 4xx (malformed JSON, body too large, media type, prototype
 * poisoning) → their LBE code; anything else → 500 LBE_API_INTERNAL.
 */
export function mapError(error: unknown): MappedError {
  if (error instanceof LbeError) return fromCode(error.code, error.message, error.issues);
  if (typeof error !== 'object' || error === null) return fromCode('LBE_API_INTERNAL');
  const fe = error as FastifyError;
  if (hasZodFastifySchemaValidationErrors(fe)) {
    const issues = fe.validation.map((v) => ({
      path: validationPath(fe.validationContext, v.instancePath),
      message: v.message ?? 'is invalid',
    }));
    if (fe.validationContext === 'params' && issues.some((i) => i.path === 'params.id')) {
      return fromCode('LBE_BUILD_INVALID_ID', 'The build id is not valid', issues);
    }
    return fromCode('LBE_API_VALIDATION', 'The request does not match the schema', issues);
  }
  const known = FASTIFY_CODES[fe.code];
  if (known !== undefined) return fromCode(known, ERROR_TABLE[known].message);
  const status = fe.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const code = STATUS_CODES[status] ?? 'LBE_API_BAD_REQUEST';
    // Prototype-poisoning and other parser errors carry a safe, specific message.
    return fromCode(
      code,
      code === 'LBE_API_BAD_REQUEST' ? `The request is malformed: ${fe.message}` : undefined,
    );
  }
  return fromCode('LBE_API_INTERNAL');
}

export function sendError(request: FastifyRequest, reply: FastifyReply, mapped: MappedError): FastifyReply {
  const body: ErrorResponse = {
    error: {
      code: mapped.code,
      message: mapped.message,
      requestId: request.id,
      ...(mapped.issues === undefined ? {} : { issues: [...mapped.issues] }),
    },
  };
  return reply.code(mapped.status).type('application/json; charset=utf-8').send(body);
}

/**
 * Fastify's `frameworkErrors` option: errors the router raises before any hook runs (a malformed URL, a
 * path parameter longer than `maxParamLength`) get the same body and `x-request-id` header as every other
 * error, instead of Fastify's own format echoing the path.
 */
export function handleFrameworkError(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  void reply.header('x-request-id', request.id);
  void sendError(request, reply, mapError(error));
}

/**
 * `lbe-errors`: the one error handler and the 404 handler. 5xx are logged at error with the cause and the
 * request id; 4xx at info. Response bodies never carry stack traces, SQL or paths.
 */
export const errorsPlugin = fp(
  (app, _options, done) => {
    app.setErrorHandler((error, request, reply) => {
      const mapped = mapError(error);
      if (mapped.status >= 500) {
        request.log.error({ err: error, code: mapped.code }, 'request failed');
      } else {
        request.log.info({ code: mapped.code, status: mapped.status }, 'request rejected');
      }
      if (mapped.code === 'LBE_ARTIFACT_RANGE_INVALID') {
        const size = error instanceof LbeError ? error.details.size : undefined;
        if (typeof size === 'number') void reply.header('content-range', `bytes */${size}`);
      }
      return sendError(request, reply, mapped);
    });
    app.setNotFoundHandler((request, reply) => {
      return sendError(request, reply, fromCode('LBE_API_NOT_FOUND'));
    });
    done();
  },
  { name: 'lbe-errors', fastify: '5.x' },
);
