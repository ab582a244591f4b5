import type { FastifyError, FastifyInstance } from 'fastify';
import { AppError, ErrorCode } from '../errors.js';
import { describeFailures, type SchemaFailure } from './validation-message.js';
import { codesOf, ERROR_STATUS, type ErrorBody, type ErrorStatus } from './wire/errors.js';

export type { ErrorBody };

export function statusOf(code: ErrorCode): number {
  return ERROR_STATUS[code] ?? 500;
}

/**
 * Fastify's own refusals of a request, before any route runs, in our codes: a body that
 * is empty or not JSON names the body; the status says the rest.
 */
function frameworkError(err: FastifyError): ErrorBody['error'] & { status: number } {
  switch (err.code) {
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return {
        status: 400,
        code: ErrorCode.ValidationFailed,
        message: 'body: must be a JSON document, not empty (send {} for no fields)',
        field: 'body',
      };
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return {
        status: 400,
        code: ErrorCode.ValidationFailed,
        message: `body: ${err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' ? 'is not valid JSON' : 'does not match Content-Length'}`,
        field: 'body',
      };
  }
  if (err.statusCode === 413)
    return { status: 413, code: ErrorCode.BodyTooLarge, message: 'body: must be at most 1 MiB' };
  if (err.statusCode === 415)
    return {
      status: 415,
      code: ErrorCode.UnsupportedMediaType,
      message: `content-type: must be application/json`,
      field: 'content-type',
    };
  const code = codesOf(err.statusCode as ErrorStatus)[0];
  return code
    ? { status: err.statusCode!, code, message: err.message }
    : { status: 400, code: ErrorCode.ValidationFailed, message: err.message };
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
      const { message, field } = describeFailures(
        err.validation as SchemaFailure[],
        err.validationContext ?? 'request',
      );
      return reply
        .status(400)
        .send({ error: { code: ErrorCode.ValidationFailed, message, field } } satisfies ErrorBody);
    }
    const status = err.statusCode ?? 500;
    if (status < 400 || status >= 500) {
      request.log.error({ err }, 'unhandled error');
      return reply.status(500).send({
        error: { code: ErrorCode.Internal, message: 'internal error' },
      } satisfies ErrorBody);
    }
    const { status: mapped, ...error } = frameworkError(err);
    return reply.status(mapped).send({ error } satisfies ErrorBody);
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
