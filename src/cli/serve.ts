import cluster from 'node:cluster';
import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { loadConfig, type ServerConfig } from '../server/config.js';
import { startService } from '../server/app.js';

interface ServeOpts {
  config?: string;
  host?: string;
  port?: string;
  dataDir?: string;
  storage?: string;
  logLevel?: string;
  workers?: string;
}

function int(flag: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n)) throw new Error(`${flag} ${JSON.stringify(v)} is not an integer`);
  return n;
}

function configFrom(opts: ServeOpts): ServerConfig {
  const overrides: Record<string, unknown> = {};
  if (opts.host !== undefined) overrides['host'] = opts.host;
  if (opts.port !== undefined) overrides['port'] = int('--port', opts.port);
  if (opts.workers !== undefined) overrides['workers'] = int('--workers', opts.workers);
  if (opts.logLevel !== undefined) overrides['logLevel'] = opts.logLevel;
  const storage: Record<string, unknown> = {};
  if (opts.dataDir !== undefined) storage['dataDir'] = opts.dataDir;
  if (opts.storage !== undefined) storage['kind'] = opts.storage;
  if (Object.keys(storage).length) overrides['storage'] = storage;
  return loadConfig({ ...(opts.config ? { file: opts.config } : {}), overrides });
}

/** One serving process; tells its parent (bench, tests, cluster primary) where it listens. */
async function serveOne(cfg: ServerConfig): Promise<void> {
  const svc = await startService(cfg);
  const g = svc.engine.snapshot.graph;
  svc.app.log.info({ url: svc.url, storage: cfg.storage.kind, pins: g.numPins, edges: g.numEdges, pid: process.pid }, 'boardwalk serving');
  if (!cfg.auth || cfg.auth.adminKeys.length + cfg.auth.readKeys.length === 0)
    svc.app.log.warn('no API keys configured: every route is open (set BOARDWALK_ADMIN_KEY and BOARDWALK_READ_KEY; docs/product-features.md)');
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
}

/** Cluster primary: forks the workers (they share the port) and relays `listening` once. */
async function servePrimary(cfg: ServerConfig): Promise<void> {
  let told = false;
  let alive = 0;
  let stopping = false;
  // one cursor secret for all workers when none is configured: a cursor made by one verifies on all
  const env: Record<string, string> = { BOARDWALK_CLUSTER_WORKER: '1' };
  if (cfg.features?.cursorSecret === undefined) env['BOARDWALK_CURSOR_SECRET'] = randomBytes(24).toString('hex');
  // workers share the listening socket (on port 0 too: the primary picks one port for all)
  for (let i = 0; i < cfg.workers; i++) {
    const w = cluster.fork(env);
    alive++;
    w.on('message', (m: { type?: string; url?: string }) => {
      if (m.type === 'listening' && !told) {
        told = true;
        if (process.send) process.send({ type: 'listening', url: m.url, workers: cfg.workers });
        else process.stdout.write(`boardwalk serving on ${m.url} with ${cfg.workers} workers\n`);
      }
    });
    w.on('exit', (code) => {
      alive--;
      if (!stopping) process.stderr.write(`boardwalk: worker ${w.process.pid} exited (${code})\n`);
      if (alive === 0) process.exit(stopping ? 0 : 1);
    });
  }
  const stop = (): void => {
    stopping = true;
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

/** `boardwalk serve`: the HTTP API on the configured storage. */
export function register(program: Command): void {
  program
    .command('serve')
    .description('start the HTTP API (config: --config file, then BOARDWALK_* env vars, then flags; see docs/server.md)')
    .option('-c, --config <file>', 'JSON config file')
    .option('--host <host>', 'listen address')
    .option('-p, --port <port>', 'listen port (0 = any free port)')
    .option('--data-dir <dir>', 'data directory for the SQLite file')
    .option('--storage <kind>', 'sqlite | postgres')
    .option('--workers <n>', 'serving processes (node cluster)')
    .option('--log-level <level>', 'fatal | error | warn | info | debug | trace | silent')
    .action(async (opts: ServeOpts) => {
      const cfg = configFrom(opts);
      if (cfg.workers > 1 && cluster.isPrimary) {
        await servePrimary(cfg);
      } else await serveOne(cfg);
    });
}
