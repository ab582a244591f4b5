/**
 * Stable error codes. Domain code throws AppError with one of these; only src/api/
 * decides which HTTP status a code becomes.
 */
export const ErrorCode = {
  ValidationFailed: 'VALIDATION_FAILED',
  NotFound: 'NOT_FOUND',
  Conflict: 'CONFLICT',
  ConfigInvalid: 'CONFIG_INVALID',
  DatabaseUnavailable: 'DATABASE_UNAVAILABLE',
  DockerUnavailable: 'DOCKER_UNAVAILABLE',
  DockerApiError: 'DOCKER_API_ERROR',
  DockerContainerNotFound: 'DOCKER_CONTAINER_NOT_FOUND',
  /** A short container id that more than one container's id starts with. */
  ContainerAmbiguous: 'CONTAINER_AMBIGUOUS',
  DockerLogsUnavailable: 'DOCKER_LOGS_UNAVAILABLE',
  DockerStreamCorrupt: 'DOCKER_STREAM_CORRUPT',
  DockerDaemonError: 'DOCKER_DAEMON_ERROR',
  DockerEventTooLarge: 'DOCKER_EVENT_TOO_LARGE',
  RuleInvalidPattern: 'RULE_INVALID_PATTERN',
  RuleLimitReached: 'RULE_LIMIT_REACHED',
  AuthRequired: 'AUTH_REQUIRED',
  Forbidden: 'FORBIDDEN',
  CrossOrigin: 'CROSS_ORIGIN_REFUSED',
  LoginThrottled: 'LOGIN_THROTTLED',
  StreamLimitReached: 'STREAM_LIMIT_REACHED',
  BodyTooLarge: 'BODY_TOO_LARGE',
  UnsupportedMediaType: 'UNSUPPORTED_MEDIA_TYPE',
  Internal: 'INTERNAL',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface AppErrorOptions {
  /** The input field (config key, JSON field, query parameter) the error is about. */
  field?: string;
  details?: Record<string, unknown>;
  cause?: unknown;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly field: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.field = options.field;
    this.details = options.details;
  }

  static validation(field: string, reason: string): AppError {
    return new AppError(ErrorCode.ValidationFailed, `${field}: ${reason}`, { field });
  }

  static notFound(what: string, id: string | number): AppError {
    return new AppError(ErrorCode.NotFound, `${what} ${id} not found`, {
      details: { what, id },
    });
  }
}

export function isAppError(err: unknown, code?: ErrorCode): err is AppError {
  return err instanceof AppError && (code === undefined || err.code === code);
}
