import type { Command } from 'commander';
import { loadDataset } from '../eval/datasets.js';
import { resolveRetrainConfig, runRetrain, runScheduled, type RetrainConfig } from '../jobs/retrain.js';
import { EvalDatasetSource, JsonlEngagementSource, type EngagementSource } from '../retrieval/engagements.js';
import { ModelStore } from '../retrieval/model-store.js';
import { openStorage } from '../storage/open.js';
import type { Storage } from '../storage/types.js';
import { loadConfig } from '../server/config.js';
import { loadPipelineConfig } from '../serving/full-surfaces.js';
import { storageEngagementSource } from '../jobs/storage-sources.js';
import { storageContentSource } from '../features/storage.js';
import type { RetrainInputs } from '../jobs/retrain.js';
import { isAbsolute, join } from 'node:path';

interface RetrainFlags {
  store?: string;
  config?: string;
  events?: string;
  dataset?: string;
  data?: string;
  epochs?: string;
  dim?: string;
  batch?: string;
  lr?: string;
  seed?: string;
  keep?: string;
  every?: string;
  runs?: string;
  force?: boolean;
  list?: boolean;
  rollback?: string;
  json?: boolean;
  fromStorage?: boolean;
  serverConfig?: string;
  since?: string;
  /** false with --no-features */
  features?: boolean;
}

/** Where serving looks for the two-tower model: <dataDir>/<pipelines files.twoTower>. */
export function servingTwoTowerStore(dataDir: string): string {
  const p = loadPipelineConfig(dataDir).files.twoTower;
  return isAbsolute(p) ? p : join(dataDir, p);
}

function int(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new Error(`--${name} must be an integer, got ${JSON.stringify(v)}`);
  return n;
}

function num(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`--${name} must be a number, got ${JSON.stringify(v)}`);
  return n;
}

export function register(program: Command): void {
  program
    .command('retrain')
    .description('train the two-tower retrieval model, validate it against the serving version and publish towers + index if it passes')
    .option('--store <dir>', 'model store directory (default models/two-tower)')
    .option('--config <file>', 'JSON retrain config (see docs/retrieval.md)')
    .option('--events <file>', 'engagement events, JSONL {user, pin, timestamp, action} (.gz ok)')
    .option('--dataset <name>', 'train on an eval data set (citeulike-a, lastfm) instead')
    .option('--data <dir>', 'eval data directory')
    .option('--epochs <n>', 'training epochs')
    .option('--dim <n>', 'embedding width')
    .option('--batch <n>', 'batch size')
    .option('--lr <x>', 'Adam learning rate')
    .option('--seed <n>', 'random seed')
    .option('--keep <n>', 'versions kept for rollback')
    .option('--every <minutes>', 'repeat on this schedule (overrides scheduleMinutes)')
    .option('--runs <n>', 'with a schedule: stop after this many runs')
    .option('--force', 'publish even when the gate fails')
    .option('--list', 'list stored versions and exit')
    .option('--rollback <version>', 'make a kept version current and exit')
    .option('--json', 'print the report as JSON')
    .option('--from-storage', 'train on the engagement events in storage (the serve config selects it); --store defaults to where serving looks')
    .option('--server-config <file>', 'with --from-storage: the serve config file (same loader as `serve`; env BOARDWALK_* apply)')
    .option('--since <ms>', 'with --from-storage: only events at or after this epoch ms')
    .option('--no-features', 'with --from-storage: ids only, no pin content or user profile features')
    .action(async (f: RetrainFlags) => {
      let storage: Storage | null = null;
      int(f.since, 'since'); // bad input fails before storage is opened
      if (f.fromStorage) {
        if (f.events || f.dataset) throw new Error('retrain: --from-storage cannot be combined with --events or --dataset');
        const sc = loadConfig(f.serverConfig ? { file: f.serverConfig } : {});
        if (!f.store) f.store = servingTwoTowerStore(sc.storage.dataDir);
        if (!f.list && !f.rollback) storage = await openStorage(sc.storage);
      } else if (f.serverConfig || f.since) throw new Error('retrain: --server-config and --since need --from-storage');
      try {
        await action(f, storage);
      } finally {
        await storage?.close();
      }
    });
}

async function action(f: RetrainFlags, storage: Storage | null): Promise<void> {
  const train: RetrainConfig['train'] = {};
  const e = int(f.epochs, 'epochs');
  if (e !== undefined) train.epochs = e;
  const b = int(f.batch, 'batch');
  if (b !== undefined) train.batchSize = b;
  const lr = num(f.lr, 'lr');
  if (lr !== undefined) train.learningRate = lr;
  const seed = int(f.seed, 'seed');
  if (seed !== undefined) train.seed = seed;
  const model: RetrainConfig['model'] = {};
  const dim = int(f.dim, 'dim');
  if (dim !== undefined) model.dim = dim;
  const over: Partial<RetrainConfig> = { train, model };
  if (f.store) over.store = f.store;
  const keep = int(f.keep, 'keep');
  if (keep !== undefined) over.keep = keep;
  const every = num(f.every, 'every');
  if (every !== undefined) over.scheduleMinutes = every;
  if (f.force) over.force = true;
  if (f.features === false) over.features = { enabled: false };
  const config = resolveRetrainConfig(f.config, over);
  const store = new ModelStore(config.store, config.keep);

  if (f.list) {
    const cur = store.current();
    for (const v of store.versions()) {
      const m = store.manifest(v);
      process.stdout.write(`${v === cur ? '*' : ' '} ${v}  ${m.name}  ${m.publishedAt}  ${JSON.stringify(m.metrics ?? {})}\n`);
    }
    return;
  }
  if (f.rollback) {
    store.setCurrent(f.rollback);
    process.stdout.write(`current version is now ${f.rollback}\n`);
    return;
  }
  const since = int(f.since, 'since');
  if (!storage && !!f.events === !!f.dataset) throw new Error('retrain: give exactly one of --events FILE, --dataset NAME or --from-storage');
  const makeSource = (): EngagementSource =>
    storage
      ? storageEngagementSource(storage, since !== undefined ? { since } : {})
      : f.events
        ? new JsonlEngagementSource(f.events)
        : new EvalDatasetSource(loadDataset(f.dataset!, f.data));
  // from storage, the towers also read pin content and user profiles (a fresh read per run)
  const inputs = (): RetrainInputs => (storage && config.features.enabled ? { content: storageContentSource(storage) } : {});
  const log = (m: string): void => void process.stderr.write(m + '\n');
  const print = (r: unknown): void => void process.stdout.write((f.json ? JSON.stringify(r) : JSON.stringify(r, null, 2)) + '\n');
  if (config.scheduleMinutes > 0) {
    const ac = new AbortController();
    const stop = (): void => ac.abort();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    const runs = int(f.runs, 'runs');
    const reports = await runScheduled(makeSource, config, { signal: ac.signal, log, inputs, ...(runs !== undefined ? { maxRuns: runs } : {}) });
    for (const r of reports) print(r);
    return;
  }
  print(await runRetrain(makeSource(), config, log, inputs()));
}
