import { loadConfig } from '../config/index.js';
import { ErrorCode, isAppError } from '../errors.js';
import { AgentContext } from '../fleet/index.js';
import { natsSettings } from '../nats/index.js';
import { CliExit } from './exit.js';
import { runUntilSignalled } from './run-until-signal.js';

export interface AgentCommandOptions {
  config?: string;
  hostId?: string;
  name?: string;
  nats?: string;
  dataDir?: string;
}

/** The configuration with the command's options over it; a bad key is exit code 2. */
function settingsFor(options: AgentCommandOptions) {
  const file = options.config ?? process.env.LOGWARDEN_CONFIG ?? null;
  let loaded: ReturnType<typeof loadConfig>;
  try {
    loaded = loadConfig({
      env: process.env,
      file,
      values: {
        ...(options.dataDir !== undefined ? { dataDir: options.dataDir } : {}),
        ...(options.nats !== undefined ? { natsUrl: options.nats.split(',') } : {}),
        ...(options.hostId !== undefined ? { agentHostId: options.hostId } : {}),
        ...(options.name !== undefined ? { agentName: options.name } : {}),
      },
    });
  } catch (err) {
    if (isAppError(err)) throw new CliExit(2, `configuration error: ${err.message}`);
    throw err;
  }
  const { config, secrets } = loaded;
  const nats = natsSettings(config, secrets);
  if (!nats)
    throw new CliExit(
      2,
      'configuration error: nats.url: an agent publishes to NATS; give --nats or LOGWARDEN_NATS_URL',
    );
  return { config, settings: { hostId: config.agentHostId, name: config.agentName, nats } };
}

/**
 * Runs an agent beside one Docker engine until SIGTERM or SIGINT: its containers' logs
 * matched here, hits, events and inventory published to NATS JetStream.
 */
export async function agent(options: AgentCommandOptions): Promise<void> {
  const { config, settings } = settingsFor(options);
  let ctx: AgentContext;
  try {
    ctx = await AgentContext.fromConfig(config, settings);
  } catch (err) {
    if (isAppError(err))
      throw new CliExit(isAppError(err, ErrorCode.ConfigInvalid) ? 2 : 1, err.message);
    throw err;
  }
  await runUntilSignalled(ctx);
}
