import { Command } from 'commander';
import { VERSION } from '../version.js';
import { migrate } from './migrate.js';
import { registerRulesCommands } from './rules-test.js';
import { serve } from './serve.js';
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
    .action(serve);

  program
    .command('migrate')
    .description('apply pending database migrations and exit')
    .option('-c, --config <file>', 'YAML configuration file (env LOGWARDEN_CONFIG)')
    .action(migrate);

  registerRulesCommands(program);
  registerUserCommands(program);

  return program;
}
