import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors, ResponseSerializationError } from 'fastify-type-provider-zod';
import { ApiError, MESSAGES } from '../core/errors.js';
import { validationError, validationIssues } from '../core/validation.js';
import type { DatabaseAvailability } from '../db/availability.js';
import {
  isDatabaseUnavailable,
  isForeignKeyViolation,
  isUniqueViolation,
  isUnstorableText,
  pgErrorCode,
} from '../db/errors.js';

/** Seconds a client is asked to wait before retrying a request the database could not serve. */
export const DATABASE_RETRY_AFTER_S = 5;

function toApiError(
  err: FastifyError | Error,
  request: FastifyRequest,
  availability: DatabaseAvailability | undefined,
): ApiError {
  if (err instanceof ApiError) return err;
  if (hasZodFastifySchemaValidationErrors(err)) {
    return validationError(err.validationContext, validationIssues(err.validation));
  }
  if (err instanceof ResponseSerializationError) {
    request.log.error({ err, issues: err.cause.issues }, 'response did not match its schema');
    return new ApiError('internal', MESSAGES.internal);
  }
  const code = (err as FastifyError).code;
  switch (code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
        ? new ApiError('unsupported_media_type', MESSAGES.contentType)
        : new ApiError('bad_request', 'Content-Length does not match the request body');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError('payload_too_large', 'Request body is larger than the 1 MiB limit');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new ApiError('bad_request', 'Request body is empty but Content-Type is application/json');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new ApiError('bad_request', 'Malformed JSON in request body');
    case 'FST_CP_ERR_INVALID_CONTENT':
      // @fastify/compress: the body is not what its Content-Encoding says (corrupt, truncated).
      return new ApiError('bad_request', 'Request body could not be decoded as its Content-Encoding says');
  }
  if (err instanceof SyntaxError && (err as FastifyError).statusCode === 400) {
    return new ApiError('bad_request', 'Malformed JSON in request body');
  }
  if (isUniqueViolation(err))
    return new ApiError('conflict', 'Duplicate value or unique constraint violation');
  if (isForeignKeyViolation(err)) return new ApiError('bad_request', 'A referenced record does not exist');
  if (pgErrorCode(err) === '22P02' || pgErrorCode(err) === '22003') {
    return new ApiError('bad_request', 'Invalid value in request');
  }
  if (isUnstorableText(err)) {
    // The schemas refuse these (schemas.ts `inputString`); reaching here means one missed it.
    request.log.warn({ err }, 'a value the database cannot store passed validation');
    return new ApiError(
      'bad_request',
      'A text value contains a character the database cannot store (U+0000)',
    );
  }
  if (isDatabaseUnavailable(err)) {
    // Logged once per outage by the availability monitor; each request's own line says 503.
    if (!availability?.report(err)) {
      request.log.error({ err: { message: err.message, code: pgErrorCode(err) } }, 'database unavailable');
    }
    return new ApiError('unavailable', MESSAGES.unavailable, undefined, {
      'Retry-After': String(DATABASE_RETRY_AFTER_S),
    });
  }
  const status = (err as FastifyError).statusCode;
  if (status && status >= 400 && status < 500) {
    // Other client errors Fastify raises (e.g. a malformed URL): keep the status, our shape.
    const mapped = Object.entries({
      400: 'bad_request',
      401: 'unauthorized',
      403: 'forbidden',
      404: 'not_found',
      405: 'method_not_allowed',
      413: 'payload_too_large',
      415: 'unsupported_media_type',
      429: 'rate_limited',
    } as const).find(([s]) => Number(s) === status);
    if (mapped) return new ApiError(mapped[1], err.message || 'Bad request');
    return new ApiError('bad_request', err.message || 'Bad request');
  }
  request.log.error({ err }, 'unhandled error');
  return new ApiError('internal', MESSAGES.internal);
}

export function sendError(reply: FastifyReply, error: ApiError): FastifyReply {
  if (error.headers) reply.headers(error.headers);
  return reply
    .code(error.status)
    .type('application/json; charset=utf-8')
    .serializer(JSON.stringify)
    .send(error.toBody());
}

export function registerErrorHandler(app: FastifyInstance, availability?: DatabaseAvailability): void {
  app.setErrorHandler((err, request, reply) => {
    const apiError = toApiError(err as FastifyError, request, availability);
    return sendError(reply, apiError);
  });
}
