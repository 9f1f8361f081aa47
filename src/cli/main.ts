#!/usr/bin/env node
import { Command } from 'commander';
import { registerCommands } from './commands.js';

const program = new Command();
program
  .name('boardwalk')
  .description('Pinterest-style recommendations: Pixie walks on a pin–board graph, ranking, retrieval, freshness')
  .version('0.1.0')
  .showHelpAfterError();
registerCommands(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  const msg = err instanceof Error ? err.message : String(err);
  process.stderr.write(`boardwalk: ${msg}\n`);
  process.exit(1);
});
