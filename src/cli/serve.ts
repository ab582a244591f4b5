import { AppContext } from '../context.js';
import { configForCommand } from './config-loader.js';

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
    stopping = app.destroy().then(
      () => process.exit(0),
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
