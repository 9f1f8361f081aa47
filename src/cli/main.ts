#!/usr/bin/env node
import { Command } from 'commander';
import { registerCommands } from './commands.js';

// output piped into `head` and the like: a closed pipe ends the command quietly, as in Unix tools
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

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
