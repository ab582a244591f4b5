import { AppContext } from '../context.js';
import { configForCommand } from './config-loader.js';

/**
 * `docker stop` sends SIGKILL 10 s after SIGTERM. A stop that hangs past this ends the
 * process itself first, saying so in the log, instead of vanishing without a word.
 */
const STOP_DEADLINE_MS = 8_000;

/** Runs Logwarden until SIGTERM or SIGINT, then stops every part before exiting. */
export async function serve(options: { config?: string }): Promise<void> {
  const { config, secrets } = configForCommand(options.config);
  const app = await AppContext.fromConfig(config, secrets);
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
