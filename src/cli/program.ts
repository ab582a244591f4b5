import { Command } from 'commander';
import type { AgentCommandOptions } from './agent.js';
import { VERSION } from '../version.js';
import { healthcheck } from './healthcheck.js';
import { registerRulesCommands } from './rules-test.js';
import { registerUserCommands } from './users.js';

export function buildProgram(): Command {
  const program = new Command('logwarden')
    .description(
      'Watches Docker hosts: follows container logs, matches rules, records and notifies trouble.',
    )
    .version(VERSION, '-v, --version')
    .showHelpAfterError()
    .exitOverride();

  program
    .command('serve')
    .description('run Logwarden: index containers, scan logs, serve the API and UI')
    .option('-c, --config <file>', 'YAML configuration file (env LOGWARDEN_CONFIG)')
    // Loaded on use: the server's modules cost time that `healthcheck` (run every few
    // seconds by the image's HEALTHCHECK) should not pay.
    .action(async (options: { config?: string }) => (await import('./serve.js')).serve(options));

  program
    .command('agent')
    .description(
      "run beside one Docker engine: match its containers' logs, publish to NATS JetStream",
    )
    .option('-c, --config <file>', 'YAML configuration file (env LOGWARDEN_CONFIG)')
    .option('--host-id <id>', 'the host id to publish under (default: derived from the engine)')
    .option('--name <name>', 'the name shown for this host (default: the engine name)')
    .option('--nats <urls>', 'NATS server URL(s), comma-separated (env LOGWARDEN_NATS_URL)')
    .option('--data-dir <dir>', "the agent's own state (env LOGWARDEN_DATA_DIR)")
    .action(async (options: AgentCommandOptions) => (await import('./agent.js')).agent(options));

  program
    .command('migrate')
    .description('apply pending database migrations and exit')
    .option('-c, --config <file>', 'YAML configuration file (env LOGWARDEN_CONFIG)')
    .action(async (options: { config?: string }) =>
      (await import('./migrate.js')).migrate(options),
    );

  program
    .command('healthcheck')
    .description("exit 0 when the local server's /healthz answers 200, 1 otherwise")
    .option('-c, --config <file>', 'YAML configuration file, for the listen address')
    .option('--url <url>', 'probe this URL instead (default: /healthz on the listen address)')
    .option('--timeout <seconds>', 'give up after this long', '3')
    .action(healthcheck);

  registerRulesCommands(program);
  registerUserCommands(program);

  return program;
}
