/** How deliveries are retried. */
export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** Wait before the first retry. */
  baseMs: number;
  /** Each wait is this many times the one before. */
  factor: number;
  /** ± this fraction, so receivers that failed together are not retried together. */
  jitter: number;
  /** A Retry-After longer than this is cut to it. */
  maxRetryAfterMs: number;
}

/** 6 attempts with waits of about 1, 2.5, 6, 16 and 39 minutes: about an hour in all. */
export const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: 6,
  baseMs: 60_000,
  factor: 2.5,
  jitter: 0.2,
  maxRetryAfterMs: 3_600_000,
};

/**
 * The wait after the `attempts`-th failed attempt: exponential with jitter, and never
 * shorter than what the receiver asked for with Retry-After (within the cap).
 */
export function retryDelayMs(
  attempts: number,
  policy: RetryPolicy,
  retryAfterMs: number | null,
  random: () => number = Math.random,
): number {
  const exponential = policy.baseMs * policy.factor ** Math.max(0, attempts - 1);
  const jittered = exponential * (1 - policy.jitter + 2 * policy.jitter * random());
  const asked = retryAfterMs === null ? 0 : Math.min(retryAfterMs, policy.maxRetryAfterMs);
  return Math.round(Math.max(jittered, asked));
}
