import type { FastifyError, FastifyInstance } from 'fastify';
import { AppError, ErrorCode } from '../errors.js';

/** The only place an error code becomes an HTTP status. */
const STATUS: Record<ErrorCode, number> = {
  VALIDATION_FAILED: 400,
  NOT_FOUND: 404,
  CONFLICT: 409,
  CONFIG_INVALID: 500,
  DATABASE_UNAVAILABLE: 503,
  DOCKER_UNAVAILABLE: 503,
  DOCKER_API_ERROR: 502,
  DOCKER_CONTAINER_NOT_FOUND: 404,
  DOCKER_LOGS_UNAVAILABLE: 409,
  DOCKER_STREAM_CORRUPT: 502,
  DOCKER_DAEMON_ERROR: 502,
  DOCKER_EVENT_TOO_LARGE: 502,
  RULE_INVALID_PATTERN: 400,
  RULE_LIMIT_REACHED: 409,
  AUTH_REQUIRED: 401,
  FORBIDDEN: 403,
  CROSS_ORIGIN_REFUSED: 403,
  LOGIN_THROTTLED: 429,
  STREAM_LIMIT_REACHED: 429,
  INTERNAL: 500,
};

export interface ErrorBody {
  error: { code: string; message: string; field?: string };
}

export function statusOf(code: ErrorCode): number {
  return STATUS[code] ?? 500;
}

/** Fastify's schema errors say `body/name must be string`; the field is the path. */
function validationField(err: FastifyError): string | undefined {
  const first = err.validation?.[0];
  if (!first) return undefined;
  const path = first.instancePath.replace(/^\//, '').replaceAll('/', '.');
  const params = first.params as { missingProperty?: string; additionalProperty?: string };
  const named = params?.missingProperty ?? params?.additionalProperty;
  const field = [path, named].filter(Boolean).join('.');
  return field || err.validationContext;
}

export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | AppError, request, reply) => {
    if (err instanceof AppError) {
      const status = statusOf(err.code);
      if (status >= 500) request.log.error({ err }, 'request failed');
      const body: ErrorBody = { error: { code: err.code, message: err.message } };
      if (err.field) body.error.field = err.field;
      const retryAfter = err.details?.retry_after_seconds;
      if (typeof retryAfter === 'number') void reply.header('retry-after', String(retryAfter));
      return reply.status(status).send(body);
    }
    if (err.validation) {
      const field = validationField(err);
      const message = field ? `${field}: ${err.message.replace(/^[^ ]+ /, '')}` : err.message;
      const body: ErrorBody = { error: { code: ErrorCode.ValidationFailed, message } };
      if (field) body.error.field = field;
      return reply.status(400).send(body);
    }
    const status =
      err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) {
      request.log.error({ err }, 'unhandled error');
      return reply.status(500).send({
        error: { code: ErrorCode.Internal, message: 'internal error' },
      } satisfies ErrorBody);
    }
    return reply.status(status).send({
      error: { code: err.code ?? 'BAD_REQUEST', message: err.message },
    } satisfies ErrorBody);
  });

  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({
      error: {
        code: ErrorCode.NotFound,
        message: `route ${request.method} ${request.url.split('?')[0]} not found`,
      },
    } satisfies ErrorBody),
  );
}
