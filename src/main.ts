#!/usr/bin/env node
import { CommanderError } from 'commander';
import { buildProgram } from './cli/program.js';
import { CliExit } from './cli/exit.js';

try {
  await buildProgram().parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // Commander has already printed help, the version or its own message.
    process.exit(err.exitCode === 1 ? 2 : err.exitCode);
  }
  if (err instanceof CliExit) {
    console.error(`logwarden: ${err.message}`);
    process.exit(err.code);
  }
  console.error(`logwarden: ${(err as Error).message ?? String(err)}`);
  process.exit(1);
}
