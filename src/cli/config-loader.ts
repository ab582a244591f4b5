import { loadConfig, type Config, type Secrets } from '../config/index.js';
import { isAppError } from '../errors.js';
import { CliExit } from './exit.js';

/** Loads the configuration for a command; a bad key becomes exit code 2 with its reason. */
export function configForCommand(configPath: string | undefined): {
  config: Config;
  secrets: Secrets;
} {
  try {
    return loadConfig({
      env: process.env,
      file: configPath ?? process.env.LOGWARDEN_CONFIG ?? null,
    });
  } catch (err) {
    if (isAppError(err)) throw new CliExit(2, `configuration error: ${err.message}`);
    throw err;
  }
}
