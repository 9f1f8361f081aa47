import { existsSync } from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';
import { terminalProgress, type Progress } from '../bulk/progress.js';
import { buildGraphFromStorage } from '../jobs/graph-rebuild.js';
import { runPinnerSageDailyFromStorage } from '../jobs/pinnersage-run.js';
import { ModelStore } from '../retrieval/model-store.js';
import { RetrievalService } from '../retrieval/service.js';
import { loadConfig } from '../server/config.js';
import { loadPipelineConfig } from '../serving/full-surfaces.js';
import { pinnerSageEmbeddings } from '../serving/pinnersage-embeddings.js';
import { validatePinnerSageOptions } from '../users/pinnersage.js';
import { openStorage } from '../storage/open.js';
import { ACTIONS } from '../storage/types.js';
import { servingTwoTowerStore } from './retrain.js';

interface DailyFlags {
  config?: string;
  lookbackDays?: number;
  lambda?: number;
  threshold?: number;
  maxActions?: number;
  actions?: string[];
  now?: number;
  embeddings?: 'auto' | 'svd' | 'two_tower';
  progress: boolean;
  json?: boolean;
}

const positive = (flag: string) => (v: string): number => {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${flag} must be a number > 0, got ${JSON.stringify(v)}`);
  return n;
};
const nonNegative = (flag: string) => (v: string): number => {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`${flag} must be a number >= 0, got ${JSON.stringify(v)}`);
  return n;
};
const positiveInt = (flag: string) => (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${flag} must be an integer >= 1, got ${JSON.stringify(v)}`);
  return n;
};

/** --now: epoch ms or an ISO date-time. */
export function parseTime(v: string): number {
  const ms = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  if (!Number.isFinite(ms)) throw new InvalidArgumentError(`--now must be epoch ms or an ISO date-time, got ${JSON.stringify(v)}`);
  return ms;
}

function parseActions(v: string): string[] {
  const list = v.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (list.length === 0) throw new InvalidArgumentError('--actions must name at least one action');
  for (const a of list) if (!(ACTIONS as readonly string[]).includes(a)) throw new InvalidArgumentError(`--actions: unknown action "${a}" (known: ${ACTIONS.join(', ')})`);
  return list;
}

function embeddingKind(v: string): 'auto' | 'svd' | 'two_tower' {
  if (v !== 'auto' && v !== 'svd' && v !== 'two_tower') throw new InvalidArgumentError(`--embeddings must be auto, svd or two_tower, got ${JSON.stringify(v)}`);
  return v;
}

/** One progress display per phase; silent with --no-progress or --json. */
function phases(enabled: boolean): { update: (phase: 'read' | 'cluster' | 'write', done: number, total?: number) => void; stop: () => void } {
  const labels = { read: 'reading events', cluster: 'clustering users', write: 'writing profiles' } as const;
  let cur: { phase: string; bar: Progress } | null = null;
  return {
    update(phase, done, total) {
      if (!enabled) return;
      if (cur?.phase !== phase) {
        cur?.bar.stop();
        cur = { phase, bar: terminalProgress(`pinnersage-daily ${labels[phase]}`, 'rows') };
        cur.bar.start(total);
      }
      cur.bar.update(done, done);
    },
    stop() {
      cur?.bar.stop();
      cur = null;
    },
  };
}

/** `boardwalk pinnersage-daily`: recompute every user's PinnerSage clusters from the stored event log. */
export function register(program: Command): void {
  program
    .command('pinnersage-daily')
    .description("recompute every user's PinnerSage clusters from stored events and store them as one run (served by the home feed)")
    .option('-c, --config <file>', 'serve config file (storage, engine seed, pinnersage defaults; env BOARDWALK_* apply)')
    .option('--lookback-days <days>', 'events from this many days before the cut-off count (default: config pinnersage.lookbackDays, 90)', positive('--lookback-days'))
    .option('--lambda <x>', 'importance decay per day: Σ exp(−λ·age) (default 0.01)', nonNegative('--lambda'))
    .option('--threshold <x>', 'Ward: stop merging when a merge adds more than this to the within-cluster SSE (default 2)', nonNegative('--threshold'))
    .option('--max-actions <n>', 'cluster at most the newest n actions per user (default 400)', positiveInt('--max-actions'))
    .option('--actions <list>', 'comma-separated actions that count (default click,long_click,closeup,save)', parseActions)
    .option('--now <time>', 'cut-off (epoch ms or ISO); later events are left to the online path (default: now)', parseTime)
    .option('--embeddings <kind>', 'auto (two-tower when published, else SVD), svd or two_tower (default: pipelines homefeed.pinnerSageEmbeddings)', embeddingKind)
    .option('--no-progress', 'no progress bar')
    .option('--json', 'print the result as JSON')
    .action(async (f: DailyFlags) => {
      const cfg = loadConfig(f.config ? { file: f.config } : {});
      const ps = cfg.pinnersage;
      const options = {
        windowDays: f.lookbackDays ?? ps.lookbackDays,
        lambdaPerDay: f.lambda ?? ps.lambda,
        maxCost: f.threshold ?? ps.threshold,
        maxActions: f.maxActions ?? ps.maxActions,
      };
      validatePinnerSageOptions(options); // bad settings fail before storage is opened
      const actions = f.actions ?? ps.actions;
      const now = f.now ?? Date.now();
      const pipes = loadPipelineConfig(cfg.storage.dataDir);
      const kind = f.embeddings ?? pipes.homefeed.pinnerSageEmbeddings;
      const t0 = performance.now();
      const storage = await openStorage(cfg.storage);
      const bar = phases(f.progress && !f.json);
      try {
        const { graph } = await buildGraphFromStorage(storage);
        let retrieval: RetrievalService | null = null;
        const tp = servingTwoTowerStore(cfg.storage.dataDir);
        if (kind !== 'svd' && existsSync(tp)) {
          const store = new ModelStore(tp);
          if (store.current() !== null) retrieval = new RetrievalService(store.load());
        }
        const emb = pinnerSageEmbeddings(graph, retrieval, { kind, dim: pipes.homefeed.pinnerSageDim, seed: cfg.engine.seed });
        if (!emb) throw new Error(`pinnersage-daily: no embeddings: the stored graph (${graph.numPins} pins, ${graph.numBoards} boards) is too small for an SVD and no two-tower model covers it`);
        const r = await runPinnerSageDailyFromStorage(storage, graph, emb, { now, options, actions, onProgress: bar.update });
        bar.stop();
        const seconds = (performance.now() - t0) / 1000;
        const out = {
          run: r.run.id,
          cutoff: new Date(now).toISOString(),
          users: r.users,
          clusters: r.clusters,
          clustersPerUser: r.users ? r.clusters / r.users : 0,
          events: r.events,
          usedEvents: r.usedEvents,
          embeddings: emb.version,
          jobSeconds: r.ms / 1000,
          readSeconds: r.readMs / 1000,
          clusterSeconds: r.clusterMs / 1000,
          writeSeconds: r.writeMs / 1000,
          seconds,
        };
        if (f.json) process.stdout.write(`${JSON.stringify(out)}\n`);
        else
          process.stdout.write(
            `pinnersage-daily: run ${out.run} (cut-off ${out.cutoff}): ${out.users} users processed, ${out.clusters} clusters ` +
              `(${out.clustersPerUser.toFixed(2)} per user) from ${out.usedEvents} of ${out.events} events read; ` +
              `embeddings ${out.embeddings}; ${seconds.toFixed(2)} s (read ${out.readSeconds.toFixed(2)} s, cluster ${out.clusterSeconds.toFixed(2)} s, ` +
              `write ${out.writeSeconds.toFixed(2)} s)\n`,
          );
      } finally {
        bar.stop();
        await storage.close();
      }
    });
}
