import { Type, type Static } from '@sinclair/typebox';
import { ErrorCode } from '../../errors.js';
import { Enum } from './shapes.js';

/** The only place an error code becomes an HTTP status. */
export const ERROR_STATUS = {
  VALIDATION_FAILED: 400,
  RULE_INVALID_PATTERN: 400,
  CONTAINER_AMBIGUOUS: 400,
  AUTH_REQUIRED: 401,
  FORBIDDEN: 403,
  CROSS_ORIGIN_REFUSED: 403,
  NOT_FOUND: 404,
  DOCKER_CONTAINER_NOT_FOUND: 404,
  CONFLICT: 409,
  RULE_LIMIT_REACHED: 409,
  DOCKER_LOGS_UNAVAILABLE: 409,
  BODY_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  LOGIN_THROTTLED: 429,
  STREAM_LIMIT_REACHED: 429,
  INTERNAL: 500,
  CONFIG_INVALID: 500,
  DOCKER_API_ERROR: 502,
  DOCKER_STREAM_CORRUPT: 502,
  DOCKER_DAEMON_ERROR: 502,
  DOCKER_EVENT_TOO_LARGE: 502,
  DATABASE_UNAVAILABLE: 503,
  DOCKER_UNAVAILABLE: 503,
} as const satisfies Record<ErrorCode, number>;

export type ErrorStatus = (typeof ERROR_STATUS)[ErrorCode];

/** The codes an answer with this status may carry. */
export function codesOf(status: ErrorStatus): ErrorCode[] {
  return Object.values(ErrorCode).filter((code) => ERROR_STATUS[code] === status);
}

const STATUS_TEXT: Record<ErrorStatus, string> = {
  400: 'The request is not valid: `field` names the first offending field, `message` each of them.',
  401: 'No valid session cookie or API token.',
  403: 'The role, the token scope or the origin does not allow this.',
  404: 'No such object (or route).',
  409: 'The change conflicts with the current state.',
  413: 'The body is larger than 1 MiB.',
  415: 'The body is not JSON.',
  429: 'Too many attempts or open streams: wait (see Retry-After) or close one.',
  500: 'Logwarden failed; the log says why. Nothing of the error is shown.',
  502: 'The Docker engine answered with an error.',
  503: 'The database or the Docker engine cannot be reached.',
};

/** Every error, whatever the route: a stable code, a one-line message, the field when there is one. */
export const ErrorBody = Type.Object({
  error: Type.Object({
    code: Type.String({ description: 'A stable code: branch on this, not on the message.' }),
    message: Type.String({ description: 'One line, for people.' }),
    field: Type.Optional(
      Type.String({ description: 'The request field the error is about (`name`, `channel.url`).' }),
    ),
  }),
});
export type ErrorBody = Static<typeof ErrorBody>;

const errorResponses = new Map<ErrorStatus, ReturnType<typeof buildErrorResponse>>();

function buildErrorResponse(status: ErrorStatus) {
  return Type.Object(
    {
      error: Type.Object({
        code: Enum(codesOf(status)),
        message: Type.String(),
        field: Type.Optional(Type.String()),
      }),
    },
    { description: STATUS_TEXT[status] },
  );
}

/** The error body of one status, its `code` narrowed to the codes of that status (one object per status). */
export function errorResponse(status: ErrorStatus) {
  let schema = errorResponses.get(status);
  if (!schema) {
    schema = buildErrorResponse(status);
    errorResponses.set(status, schema);
  }
  return schema;
}

/** The error responses a route declares beside the ones every route has. */
export function errors<const S extends ErrorStatus>(...statuses: S[]) {
  return Object.fromEntries(statuses.map((s) => [s, errorResponse(s)])) as Record<
    S,
    ReturnType<typeof errorResponse>
  >;
}
