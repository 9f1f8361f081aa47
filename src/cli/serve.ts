import type { Command } from 'commander';
import { loadConfig } from '../server/config.js';
import { startService } from '../server/app.js';

/** `boardwalk serve`: the HTTP API on the configured storage. */
export function register(program: Command): void {
  program
    .command('serve')
    .description('start the HTTP API (config: --config file, then BOARDWALK_* env vars, then flags; see docs/server.md)')
    .option('-c, --config <file>', 'JSON config file')
    .option('--host <host>', 'listen address')
    .option('-p, --port <port>', 'listen port')
    .option('--data-dir <dir>', 'data directory for the SQLite file')
    .option('--storage <kind>', 'sqlite | postgres')
    .option('--log-level <level>', 'fatal | error | warn | info | debug | trace | silent')
    .action(async (opts: { config?: string; host?: string; port?: string; dataDir?: string; storage?: string; logLevel?: string }) => {
      const overrides: Record<string, unknown> = {};
      if (opts.host !== undefined) overrides['host'] = opts.host;
      if (opts.port !== undefined) {
        const p = Number(opts.port);
        if (!Number.isInteger(p)) throw new Error(`--port ${JSON.stringify(opts.port)} is not an integer`);
        overrides['port'] = p;
      }
      if (opts.logLevel !== undefined) overrides['logLevel'] = opts.logLevel;
      const storage: Record<string, unknown> = {};
      if (opts.dataDir !== undefined) storage['dataDir'] = opts.dataDir;
      if (opts.storage !== undefined) storage['kind'] = opts.storage;
      if (Object.keys(storage).length) overrides['storage'] = storage;
      const cfg = loadConfig({ ...(opts.config ? { file: opts.config } : {}), overrides });
      const svc = await startService(cfg);
      svc.app.log.info(
        { url: svc.url, storage: cfg.storage.kind, pins: svc.engine.snapshot.graph.numPins, edges: svc.engine.snapshot.graph.numEdges },
        'boardwalk serving',
      );
      // Tell a parent process (bench, tests) where we listen.
      if (process.send) process.send({ type: 'listening', url: svc.url });
      let stopping = false;
      const stop = (sig: string): void => {
        if (stopping) return;
        stopping = true;
        svc.app.log.info({ sig }, 'shutting down');
        svc.close().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.on('SIGINT', () => stop('SIGINT'));
      process.on('SIGTERM', () => stop('SIGTERM'));
    });
}
