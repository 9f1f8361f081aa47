import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import type { Objective } from '../ranking/gbdt/model.js';
import type { GbdtParams } from '../ranking/gbdt/train.js';
import { LABEL_STRATEGIES, parseActionWeights, type LabelConfig, type LabelStrategy } from '../ranking/labels.js';
import {
  JsonlCandidateLogSink,
  appendEventsJsonl,
  readCandidateLog,
  readEvents,
  type CandidateLogRecord,
  type EngagementEvent,
} from '../ranking/logging.js';
import { ModelRegistry } from '../ranking/registry.js';
import { simulateEngagement } from '../ranking/simulator.js';
import { trainRanker, type TrainRankerReport } from '../ranking/train-job.js';
import { storageEvents } from '../jobs/memboost-job.js';
import { installMemboostRefit } from '../jobs/memboost-refit.js';
import { withStoredRankingData } from './stored-ranking-data.js';

/** `boardwalk train-ranker --client X`: build the data set, train, evaluate, promote if better. */

export interface TrainRankerCliOptions {
  client: string;
  registry: string;
  log?: string;
  events?: string;
  simulate?: boolean;
  requests?: number;
  seed?: number;
  writeLog?: string;
  labelStrategy?: LabelStrategy;
  labelWeights?: Record<string, number>;
  objective?: Objective;
  rounds?: number;
  maxDepth?: number;
  learningRate?: number;
  earlyStopping?: number;
  force?: boolean;
  minImprovement?: number;
  json?: boolean;
  /** read engagement events from storage (serve config) instead of --events */
  fromStorage?: boolean;
  /** with fromStorage: the serve config file */
  config?: string;
  /** events already read (from storage); used instead of --events */
  storedEvents?: EngagementEvent[];
  /** an open registry (e.g. with a promotion listener installed) instead of opening `registry` */
  registryInstance?: ModelRegistry;
}

type Log = (line: string) => void;
const stdoutLog: Log = (line) => process.stdout.write(`${line}\n`);

function loadData(o: TrainRankerCliOptions, log: Log): { records: CandidateLogRecord[]; events: EngagementEvent[] } {
  if (o.simulate) {
    if (o.log || o.events) throw new Error('--simulate cannot be combined with --log/--events');
    const clients = Array.from(new Set([o.client, 'homefeed', 'related', 'notifications']));
    const sim = simulateEngagement({ clients, requests: o.requests ?? 4000, seed: o.seed ?? 1 });
    log(`simulated ${sim.candidates.length} candidate records and ${sim.events.length} events over ${clients.join(', ')}`);
    if (o.writeLog) {
      mkdirSync(o.writeLog, { recursive: true });
      const cp = join(o.writeLog, 'candidates.jsonl');
      const ep = join(o.writeLog, 'events.jsonl');
      rmSync(cp, { force: true });
      rmSync(ep, { force: true });
      const sink = new JsonlCandidateLogSink(cp);
      sink.log(sim.candidates);
      sink.close();
      appendEventsJsonl(ep, sim.events);
      log(`wrote ${cp} and ${ep}`);
    }
    return { records: sim.candidates, events: sim.events };
  }
  if (o.storedEvents) {
    if (!o.log) throw new Error('train-ranker: no candidate log (--log)');
    const records = readCandidateLog(o.log);
    log(`read ${records.length} candidate records from ${o.log} and ${o.storedEvents.length} events from storage`);
    return { records, events: o.storedEvents };
  }
  if (!o.log || !o.events) throw new Error('give --log <candidates.jsonl> and --events <events.jsonl>, or --simulate');
  const records = readCandidateLog(o.log);
  const events = readEvents(o.events);
  log(`read ${records.length} candidate records from ${o.log} and ${events.length} events from ${o.events}`);
  return { records, events };
}

const f4 = (v: number | undefined): string => (v === undefined || Number.isNaN(v) ? '-' : v.toFixed(4));

export function runTrainRanker(o: TrainRankerCliOptions, log: Log = stdoutLog): TrainRankerReport {
  const quiet: Log = o.json ? () => {} : log;
  const { records, events } = loadData(o, quiet);
  const labels: Partial<LabelConfig> = {};
  if (o.labelStrategy) labels.strategy = o.labelStrategy;
  if (o.labelWeights) labels.actionWeights = o.labelWeights;
  const params: Partial<GbdtParams> = {};
  if (o.objective) params.objective = o.objective;
  if (o.rounds !== undefined) params.rounds = o.rounds;
  if (o.maxDepth !== undefined) params.maxDepth = o.maxDepth;
  if (o.learningRate !== undefined) params.learningRate = o.learningRate;
  if (o.earlyStopping !== undefined) params.earlyStoppingRounds = o.earlyStopping;
  const rep = trainRanker({
    client: o.client,
    records,
    events,
    registry: o.registryInstance ?? new ModelRegistry(o.registry),
    labels,
    params,
    force: o.force,
    minImprovement: o.minImprovement,
    seed: o.seed,
  });
  if (o.json) {
    log(JSON.stringify({ ...rep, entry: { ...rep.entry, history: undefined } }, null, 2));
    return rep;
  }
  log(`client ${rep.client}: labels ${rep.labels.strategy} ${JSON.stringify(rep.labels.actionWeights)}`);
  log(
    `rows train/valid/test ${rep.rows.train}/${rep.rows.valid}/${rep.rows.test}` +
      ` (requests ${rep.requests.train}/${rep.requests.valid}/${rep.requests.test}, ${rep.requests.randomized} randomised)`,
  );
  log(`trained ${rep.bestIteration} trees in ${rep.trainSeconds.toFixed(1)} s`);
  log('                 ndcg@10   auc');
  log(`  new model      ${f4(rep.candidate['ndcg@10'])}    ${f4(rep.candidate.auc)}`);
  if (rep.current) log(`  current model  ${f4(rep.current['ndcg@10'])}    ${f4(rep.current.auc)}`);
  if (rep.visitOrder) log(`  visit order    ${f4(rep.visitOrder['ndcg@10'])}    ${f4(rep.visitOrder.auc)}`);
  const top = Object.entries(rep.importance)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 5)
    .map(([k, v]) => `${k} ${(v * 100).toFixed(0)}%`);
  log(`top features: ${top.join(', ')}`);
  log(
    rep.promoted
      ? `promoted: ${rep.client} v${rep.entry.version} (${rep.reason}) -> ${join(o.registry, rep.entry.modelPath ?? '')}`
      : `not promoted: ${rep.reason}; ${rep.client} stays at v${rep.entry.version}`,
  );
  return rep;
}

function int(name: string, min: number): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer >= ${min}`);
    return n;
  };
}

function num(name: string): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!Number.isFinite(n)) throw new InvalidArgumentError(`${name} must be a number`);
    return n;
  };
}

export function register(program: Command): void {
  program
    .command('train-ranker')
    .description('train the lightweight GBDT ranker for one client surface and promote it if it beats the current model')
    .requiredOption('--client <name>', 'client surface (homefeed, related, notifications, ...)')
    .option('--registry <dir>', 'model registry directory (default registry, or with --from-storage <dataDir>/registry)')
    .option('--log <file>', 'candidate log (JSONL, one CandidateLogRecord per line)')
    .option('--events <file>', 'engagement events (JSONL)')
    .option('--simulate', 'train on a generated engagement log instead of files')
    .option('--requests <n>', 'simulated requests (all clients together)', int('--requests', 1))
    .option('--seed <n>', 'seed for simulation, splitting and sampling', int('--seed', 0))
    .option('--write-log <dir>', 'with --simulate: also write candidates.jsonl and events.jsonl here')
    .option('--label-strategy <name>', `one of ${LABEL_STRATEGIES.join(', ')}`, (v: string) => {
      if (!LABEL_STRATEGIES.includes(v as LabelStrategy)) {
        throw new InvalidArgumentError(`must be one of ${LABEL_STRATEGIES.join(', ')}`);
      }
      return v as LabelStrategy;
    })
    .option('--label-weights <list>', 'action weights, e.g. save=3,click=1,hide=-1', (v: string) => {
      try {
        return parseActionWeights(v);
      } catch (e) {
        throw new InvalidArgumentError((e as Error).message);
      }
    })
    .option('--objective <name>', 'binary:logistic, rank:pairwise or rank:ndcg', (v: string) => {
      if (!['binary:logistic', 'rank:pairwise', 'rank:ndcg'].includes(v)) {
        throw new InvalidArgumentError('must be binary:logistic, rank:pairwise or rank:ndcg');
      }
      return v as Objective;
    })
    .option('--rounds <n>', 'boosting rounds (trees)', int('--rounds', 1))
    .option('--max-depth <n>', 'tree depth', int('--max-depth', 1))
    .option('--learning-rate <x>', 'shrinkage', num('--learning-rate'))
    .option('--early-stopping <n>', 'rounds without validation improvement before stopping (0 = off)', int('--early-stopping', 0))
    .option('--min-improvement <x>', 'promote only if ndcg@10 improves by more than this', num('--min-improvement'))
    .option('--force', 'promote even if not better than the current model')
    .option('--json', 'print the report as JSON')
    .option('--from-storage', 'engagement events from storage; --log defaults to <dataDir>/candidates.jsonl, --registry to <dataDir>/registry')
    .option('--config <file>', 'with --from-storage: the serve config file (same loader as `serve`)')
    .action(async (opts: TrainRankerCliOptions) => {
      if (!opts.fromStorage) {
        if (opts.config) throw new Error('train-ranker: --config needs --from-storage');
        opts.registry ??= 'registry';
        runTrainRanker(opts);
        return;
      }
      if (opts.simulate || opts.events) throw new Error('train-ranker: --from-storage cannot be combined with --simulate or --events');
      await withStoredRankingData(opts.config, opts.json === true, async ({ pipelines, inData, storage, graph, events }) => {
        opts.log ??= inData(pipelines.candidateLog.file);
        opts.registry ??= inData(pipelines.files.registry);
        opts.storedEvents = events;
        // a promoted Related Pins ranker gets Memboost parameters fitted against its scores (docs/related-pins.md)
        const reg = new ModelRegistry(opts.registry);
        installMemboostRefit(reg, { graph, events: storageEvents(storage, graph.pins) }, (r) => {
          if (!opts.json) process.stdout.write(`memboost refit for ${r.ranker}: gamma=${r.params.gamma} alpha=${r.params.alpha} beta=${r.params.beta.join('/')} -> ${r.path}\n`);
        });
        opts.registryInstance = reg;
        runTrainRanker(opts);
        await reg.settled();
      });
    });
}
