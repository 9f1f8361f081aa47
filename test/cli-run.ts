import { Command } from 'commander';

/**
 * Runs one CLI command in-process (commander with exitOverride: errors throw instead of
 * exiting) and returns what it printed to stdout.
 */
export async function runCli(register: (program: Command) => void, args: string[]): Promise<string> {
  const program = new Command().exitOverride().configureOutput({ writeErr: () => undefined });
  register(program);
  const out: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((s: string) => (out.push(String(s)), true)) as typeof process.stdout.write;
  try {
    await program.parseAsync(args, { from: 'user' });
  } finally {
    process.stdout.write = write;
  }
  return out.join('');
}
