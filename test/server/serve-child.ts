// Child process for restart tests: runs the service on a data dir and reports its URL over IPC.
import { loadConfig } from '../../src/server/config.js';
import { startService } from '../../src/server/app.js';

const dataDir = process.argv[2]!;
const cfg = loadConfig({ env: {}, overrides: { port: 0, logLevel: 'silent', storage: { dataDir }, engine: { rebuildIntervalMs: 0, pixie: { steps: 2000 } } } });
const svc = await startService(cfg);
process.send!({ type: 'listening', url: svc.url });
