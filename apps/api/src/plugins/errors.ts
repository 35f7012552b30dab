import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { ERROR_CATALOGUE, toVadError, VadError, type ErrorCode } from '@vadfleet/shared/errors';
import { paramsIssueError, type ParamsIssue } from '@vadfleet/shared/vad-params';
import type { ApiMetrics } from '@vadfleet/platform/metrics';

/** Fastify's and @fastify/multipart's own error codes, in our vocabulary. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_REQ_FILE_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_PARTS_LIMIT: 'PAYLOAD_TOO_LARGE',
  FST_FILES_LIMIT: 'BAD_REQUEST',
  FST_FIELDS_LIMIT: 'BAD_REQUEST',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'BAD_REQUEST',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'BAD_REQUEST',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'BAD_REQUEST',
  FST_ERR_CTP_INVALID_JSON_BODY: 'BAD_REQUEST',
  FST_INVALID_MULTIPART_CONTENT_TYPE: 'BAD_REQUEST',
  FST_PROTO_VIOLATION: 'BAD_REQUEST',
};

const FASTIFY_MESSAGES: Partial<Record<string, string>> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'Unsupported Content-Type: send application/json or multipart/form-data.',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'The JSON body is empty.',
};

/** Turns anything thrown while handling a request into our code and an actionable message. */
export function toHttpError(err: unknown): VadError {
  if (err instanceof VadError) return err;
  if (hasZodFastifySchemaValidationErrors(err)) {
    const issue = err.validation[0];
    const path = issue.instancePath.split('/').filter(Boolean);
    if (err.validationContext === 'body' && path[0] === 'params') {
      return paramsIssueError({ ...(issue.params as Partial<ParamsIssue>), code: issue.keyword, message: issue.message ?? '', path: path.slice(1) });
    }
    if (err.validationContext === 'body' && path[0] === 'output' && path[1] === 'speech') {
      const field = path.join('.');
      return new VadError('INVALID_PARAMS', `Invalid ${field}: ${issue.message}.`, { field });
    }
    return new VadError('BAD_REQUEST', `Invalid ${[err.validationContext ?? 'request', ...path].join('.')}: ${issue.message}`);
  }
  const fe = err as Partial<FastifyError> & { statusCode?: number };
  if (fe && typeof fe.code === 'string' && FASTIFY_CODES[fe.code]) {
    const code = FASTIFY_CODES[fe.code];
    const message = FASTIFY_MESSAGES[fe.code] ?? (code === 'BAD_REQUEST' ? fe.message! : ERROR_CATALOGUE[code].message);
    return new VadError(code, fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY' ? `Malformed JSON body: ${fe.message}` : message, { cause: err });
  }
  if (err instanceof SyntaxError && fe.statusCode === 400) return new VadError('BAD_REQUEST', `Malformed JSON body: ${err.message}`, { cause: err });
  if (err instanceof Error && (err.name === 'MaxRetriesPerRequestError' || err.message === 'Connection is closed.')) {
    return new VadError('QUEUE_UNAVAILABLE', undefined, { cause: err }); // ioredis gave up on Redis
  }
  const known = toVadError(err);
  if (known.code !== 'INTERNAL') return known; // carries one of our codes already (e.g. the rate limiter's)
  const status = fe?.statusCode ?? 500;
  if (status === 413) return new VadError('PAYLOAD_TOO_LARGE', undefined, { cause: err });
  if (status >= 400 && status < 500) return new VadError('BAD_REQUEST', fe.message || undefined, { cause: err });
  return known;
}

export function sendError(reply: FastifyReply, err: VadError): FastifyReply {
  return reply.code(err.status).type('application/json').send({ error: { code: err.code, message: err.message } });
}

/**
 * One error shape for every response: `{"error": {"code", "message"}}` with the catalogue's status.
 * 5xx responses carry only the catalogue message (no internals); the cause is logged instead.
 */
export function registerErrorHandling(app: FastifyInstance, metrics?: Pick<ApiMetrics, 'errors'>): void {
  app.setErrorHandler((err, request: FastifyRequest, reply) => {
    const e = toHttpError(err);
    metrics?.errors.inc({ code: e.code });
    if (e.status >= 500) {
      request.log.error({ err, code: e.code }, 'request failed');
      return sendError(reply, new VadError(e.code)); // catalogue message only: no hosts, buckets or stacks
    }
    request.log.info({ code: e.code, reason: e.message }, 'request rejected');
    return sendError(reply, e);
  });
  app.setNotFoundHandler((request, reply) => sendError(reply, new VadError('NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0]}.`)));
}
