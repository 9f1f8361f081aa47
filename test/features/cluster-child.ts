// Child process for the cluster test: `boardwalk serve --workers 2` as the CLI runs it. Node's
// cluster re-runs this file in each worker, which then serves (cluster.isPrimary is false there).
import { Command } from 'commander';
import { register } from '../../src/cli/serve.js';

const program = new Command();
register(program);
await program.parseAsync(['node', 'boardwalk', 'serve', '--workers', '2', '--port', '0', '--log-level', 'silent', '--data-dir', process.argv[2]!]);
