/**
 * Load benchmark: `boardwalk serve` on loopback with the citeulike-a graph (user = board,
 * item = pin), driven by autocannon. Prints requests/s and p50/p99 for related pins and the
 * home feed, and events/s for ingestion.
 *
 *   node dist/bench/load.js [--duration 30] [--connections 64] [--data DIR] [--cache 50000]
 *                           [--only related,homefeed,events] [--event-batch 1000] [--workers 1] [--pixie-only]
 */
import { fork } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadDataset, resolveDataDir } from '../src/eval/datasets.js';
import { SqliteStorage } from '../src/storage/sqlite.js';
import type { EngagementEvent } from '../src/storage/types.js';
import type { BenchSection } from './section.js';

// autocannon ships no types; this is the part of its API used here.
interface AcRequest {
  method?: string;
  path?: string;
  body?: string;
  headers?: Record<string, string>;
  setupRequest?: (req: AcRequest) => AcRequest;
}
interface AcResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; p90: number; average: number; max: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  '2xx': number;
  duration: number;
}
type Autocannon = (opts: Record<string, unknown>, cb: (err: Error | null, res: AcResult) => void) => unknown;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

export interface LoadArgs {
  duration: number;
  connections: number;
  data?: string;
  cache: number;
  only: string[];
  eventBatch: number;
  eventConnections: number;
  workers: number;
  /** BOARDWALK_PIPELINES=off: serve the Pixie-only surfaces instead of the full pipelines */
  pixieOnly: boolean;
}

function parseArgs(argv: string[]): LoadArgs {
  const a: LoadArgs = { duration: 30, connections: 64, cache: 50_000, only: ['related', 'homefeed', 'events'], eventBatch: 1000, eventConnections: 8, workers: 1, pixieOnly: false };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]!;
    const v = argv[i + 1];
    const num = (): number => {
      const n = Number(v);
      if (v === undefined || !Number.isFinite(n) || n < 0) throw new Error(`${k} needs a number >= 0, got ${JSON.stringify(v)}`);
      i++;
      return n;
    };
    if (k === '--duration') a.duration = num();
    else if (k === '--connections') a.connections = num();
    else if (k === '--cache') a.cache = num();
    else if (k === '--event-batch') a.eventBatch = num();
    else if (k === '--event-connections') a.eventConnections = num();
    else if (k === '--workers') a.workers = num();
    else if (k === '--pixie-only') a.pixieOnly = true;
    else if (k === '--data') {
      a.data = v;
      i++;
    } else if (k === '--only') {
      a.only = (v ?? '').split(',');
      i++;
    } else throw new Error(`unknown option ${k}`);
  }
  return a;
}

function run(opts: Record<string, unknown>): Promise<AcResult> {
  return new Promise((res, rej) => autocannon(opts, (err, r) => (err ? rej(err) : res(r))));
}

/** Loads citeulike-a into a fresh SQLite data dir: saves, plus recent save events for each user. */
async function prepare(dir: string, dataDir: string | undefined): Promise<{ pins: string[]; users: string[]; edges: number }> {
  const ds = loadDataset('citeulike-a', resolveDataDir(dataDir));
  const s = new SqliteStorage({ path: join(dir, 'boardwalk.sqlite') });
  await s.init();
  const { users, items } = ds.train;
  const saves = new Array(users.length);
  for (let i = 0; i < users.length; i++) saves[i] = { pin: String(items[i]), board: String(users[i]), createdAt: 1_600_000_000_000 + i };
  await s.addSaves(saves);
  // each user's last 10 training items as save events, so the home feed has query pins
  const events: EngagementEvent[] = [];
  for (let u = 0; u < ds.numUsers; u++) {
    const a = ds.userOffsets[u]!;
    const b = ds.userOffsets[u + 1]!;
    for (let i = Math.max(a, b - 10); i < b; i++)
      events.push({ eventId: `seed-${u}-${i}`, user: `u${u}`, pin: String(ds.userItems[i]), action: 'save', surface: 'homefeed', platform: 'web', position: 0, timestamp: 1_600_000_000_000 + i });
  }
  for (let i = 0; i < events.length; i += 10_000) await s.appendEvents(events.slice(i, i + 10_000));
  await s.close();
  const pins: string[] = [];
  const deg = new Uint32Array(ds.numItems);
  for (let i = 0; i < items.length; i++) deg[items[i]!]!++;
  for (let p = 0; p < ds.numItems; p++) if (deg[p]! > 0) pins.push(String(p));
  return { pins, users: Array.from({ length: ds.numUsers }, (_, u) => `u${u}`), edges: users.length };
}

function mainJs(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const p of [resolve(here, '../src/cli/main.js'), resolve(here, '../dist/src/cli/main.js')]) if (existsSync(p)) return p;
  throw new Error('dist/src/cli/main.js not found: run npm run build first');
}

async function startServer(dir: string, cache: number, workers: number, pixieOnly: boolean): Promise<{ url: string; stop: () => Promise<void> }> {
  const child = fork(mainJs(), ['serve', '--port', '0', '--data-dir', dir, '--log-level', 'warn', '--workers', String(workers)], {
    env: { ...process.env, BOARDWALK_CACHE_SIZE: String(cache), BOARDWALK_REBUILD_INTERVAL_MS: '0', ...(pixieOnly ? { BOARDWALK_PIPELINES: 'off' } : {}) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const url = await new Promise<string>((res, rej) => {
    child.once('message', (m: { url: string }) => res(m.url));
    child.once('exit', (code) => rej(new Error(`server exited (${code})`)));
  });
  return {
    url,
    stop: () =>
      new Promise<void>((res) => {
        if (child.exitCode !== null) return res();
        child.once('exit', () => res());
        child.kill('SIGTERM');
      }),
  };
}

function line(name: string, r: AcResult, extra = ''): string {
  return `${name.padEnd(16)} ${r.requests.average.toFixed(0).padStart(8)} req/s   p50 ${String(r.latency.p50).padStart(4)} ms   p99 ${String(r.latency.p99).padStart(4)} ms   errors ${r.errors + r.timeouts}   non-2xx ${r.non2xx}${extra}`;
}

export const DEFAULT_LOAD: LoadArgs = parseArgs([]);

/**
 * Runs the load benchmark; `log` gets the report lines, `record` the figures
 * (name, value, unit) for a summary.
 */
export async function runLoad(
  args: LoadArgs,
  log: (line: string) => void = console.log,
  record: (name: string, value: number, unit: string) => void = () => undefined,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bw-load-'));
  let stop: (() => Promise<void>) | null = null;
  try {
    const t0 = performance.now();
    const data = await prepare(dir, args.data);
    log(`citeulike-a loaded: ${data.pins.length} pins with saves, ${data.users.length} users, ${data.edges} saves (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    const srv = await startServer(dir, args.cache, args.workers, args.pixieOnly);
    stop = srv.stop;
    log(`server ${srv.url}; ${args.pixieOnly ? 'Pixie-only surfaces' : 'full pipelines'}; ${args.workers} worker(s); cache ${args.cache} lists; load average at start ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
    let seed = 12345;
    const rnd = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    const results: string[] = [];
    const common = { url: srv.url, connections: args.connections, duration: args.duration };
    // Each read scenario runs twice: first from an empty result cache, then, after every id
    // was asked for once (filling the cache), warm.
    const reads: { key: string; label: string; ids: string[]; path: (id: string) => string }[] = [];
    if (args.only.includes('related')) reads.push({ key: 'related', label: 'related', ids: data.pins, path: (id) => `/v1/pins/${id}/related?limit=20` });
    if (args.only.includes('homefeed')) reads.push({ key: 'homefeed', label: 'home feed', ids: data.users, path: (id) => `/v1/users/${id}/homefeed?limit=20` });
    for (const sc of reads) {
      for (const phase of ['cold', 'warm']) {
        if (phase === 'warm') {
          let next = 0;
          const t = performance.now();
          await run({
            url: srv.url,
            connections: 16,
            amount: sc.ids.length,
            requests: [{ setupRequest: (q: AcRequest) => ({ ...q, path: sc.path(sc.ids[next++ % sc.ids.length]!) }) }],
          });
          log(`cache filled: ${sc.ids.length} ids in ${((performance.now() - t) / 1000).toFixed(1)} s`);
        }
        const r = await run({
          ...common,
          requests: [{ setupRequest: (q: AcRequest) => ({ ...q, path: sc.path(sc.ids[rnd(sc.ids.length)]!) }) }],
        });
        record(`load ${sc.key} ${phase} req/s`, r.requests.average, 'req/s');
        record(`load ${sc.key} ${phase} p50`, r.latency.p50, 'ms');
        record(`load ${sc.key} ${phase} p99`, r.latency.p99, 'ms');
        results.push(line(`${sc.label} (${phase})`, r));
        log(results[results.length - 1]!);
      }
    }
    if (args.only.includes('events')) {
      let n = 0;
      const actions = ['impression', 'impression', 'impression', 'click', 'closeup', 'save'];
      const body = (): string => {
        const parts: string[] = [];
        for (let i = 0; i < args.eventBatch; i++, n++)
          parts.push(
            `{"event_id":"load-${n}","user":"u${n % 5551}","pin":"${n % 16980}","action":"${actions[n % 6]}","surface":"homefeed","position":${n % 25},"timestamp":${1_700_000_000_000 + n}}`,
          );
        return `{"events":[${parts.join(',')}]}`;
      };
      const r = await run({
        ...common,
        connections: args.eventConnections,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        requests: [{ method: 'POST', setupRequest: (q: AcRequest) => ({ ...q, path: '/v1/events', body: body() }) }],
      });
      const evs = (r['2xx'] * args.eventBatch) / (r.duration || args.duration);
      record('load events/s', evs, 'events/s');
      results.push(line('events', r, `   => ${evs.toFixed(0)} events/s (batches of ${args.eventBatch}, ${args.eventConnections} connections)`));
      log(results[results.length - 1]!);
    }
    const m = await (await fetch(`${srv.url}/metrics`)).text();
    const count = (surface: string, result: string): string =>
      new RegExp(`boardwalk_cache_requests_total\\{surface="${surface}",result="${result}"\\} (\\d+)`).exec(m)?.[1] ?? '0';
    log(
      `result cache: related ${count('related', 'hit')} hits / ${count('related', 'miss')} misses, home feed ${count('homefeed', 'hit')} / ${count('homefeed', 'miss')}` +
        `${args.workers > 1 ? ' (one worker)' : ''}; load average at end ${loadavg().map((x) => x.toFixed(2)).join(' ')}`,
    );
  } finally {
    if (stop) await stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** For bench/run.ts: the load benchmark as a section (5 s runs with --quick). */
export const loadSection: BenchSection = {
  name: 'load',
  description: 'HTTP load on boardwalk serve with citeulike-a: related pins, home feed, event ingestion',
  run: (ctx) => runLoad({ ...DEFAULT_LOAD, duration: ctx.quick ? 5 : DEFAULT_LOAD.duration }, (l) => ctx.log(l), (n, v, u) => ctx.record(n, v, u)),
};

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  runLoad(parseArgs(process.argv.slice(2))).catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
