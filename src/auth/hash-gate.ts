import { AppError, ErrorCode } from '../errors.js';

/**
 * Bounds the password checks running at once: each scrypt takes ~128 MiB and one of
 * libuv's four threads (which DNS lookups share), so a flood of sign-ins must queue,
 * and past a short queue be refused, rather than take the process down.
 */
export class HashGate {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly concurrency = 2,
    private readonly maxWaiting = 32,
  ) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= this.concurrency) {
      if (this.waiting.length >= this.maxWaiting)
        throw new AppError(ErrorCode.LoginThrottled, 'too many sign-ins at once; try again', {
          details: { retry_after_seconds: 1 },
        });
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running++;
    }
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}
