import { AppContext } from '../context.js';
import { configForCommand } from './config-loader.js';
import { runUntilSignalled } from './run-until-signal.js';

/** Runs Logwarden until SIGTERM or SIGINT, then stops every part before exiting. */
export async function serve(options: { config?: string }): Promise<void> {
  const { config, secrets } = configForCommand(options.config);
  await runUntilSignalled(await AppContext.fromConfig(config, secrets));
}
