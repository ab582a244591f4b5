import type { Logger } from 'pino';

/**
 * `docker stop` sends SIGKILL 10 s after SIGTERM. A stop that hangs past this ends the
 * process itself first, saying so in the log, instead of vanishing without a word.
 */
const STOP_DEADLINE_MS = 8_000;

/** What runs until a signal: a composition root (serve's AppContext, the agent's). */
export interface Runnable {
  readonly logger: Logger;
  start(): Promise<void>;
  destroy(): Promise<void>;
}

/**
 * Starts `app` and runs it until SIGTERM or SIGINT, then stops every part and exits; a
 * second signal, or a stop past the deadline, exits at once with code 1.
 */
export async function runUntilSignalled(app: Runnable): Promise<void> {
  let stopping: Promise<void> | null = null;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      app.logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    app.logger.info({ signal }, 'stopping');
    const started = Date.now();
    setTimeout(() => {
      app.logger.error(
        { signal, deadline_ms: STOP_DEADLINE_MS },
        'stop took too long: exiting now',
      );
      process.exit(1);
    }, STOP_DEADLINE_MS).unref();
    stopping = app.destroy().then(
      () => {
        app.logger.info({ duration_ms: Date.now() - started }, 'stopped');
        process.exit(0);
      },
      (err: unknown) => {
        app.logger.error({ err }, 'unclean stop');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  try {
    await app.start();
  } catch (err) {
    await app.destroy().catch(() => {});
    throw err;
  }
}
