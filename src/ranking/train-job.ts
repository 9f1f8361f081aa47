import { auc, ndcgAtK } from './metrics.js';
import { buildDataset, servedRows, splitByRequest, type RankingDataset } from './dataset.js';
import { DEFAULT_FEATURES } from './features.js';
import type { GbdtModel } from './gbdt/model.js';
import { trainGbdt, type GbdtParams } from './gbdt/train.js';
import { labelConfigFor, type LabelConfig } from './labels.js';
import type { CandidateLogRecord, EngagementEvent } from './logging.js';
import type { ModelRegistry, RegistryEntry } from './registry.js';

/** Metrics of one scorer on a test split. */
export interface RankerMetrics {
  /** NDCG@10 of graded engagement when re-ranking what each request served (replay) */
  'ndcg@10': number;
  /** AUC of the binary labels over every labelled test row (weighted) */
  auc: number;
}

/** fixed salt of the request-hash split (see trainRanker) */
export const SPLIT_SALT = 0x5eed;

export const PRIMARY_METRIC: keyof RankerMetrics = 'ndcg@10';

export function scoreMetrics(scores: Float64Array, test: RankingDataset): RankerMetrics {
  const served = servedRows(test);
  const servedScores = new Float64Array(served.rows);
  // servedRows keeps rows in order, so walk both in step
  let k = 0;
  for (let i = 0; i < test.rows; i++) if (test.positions[i]! >= 0) servedScores[k++] = scores[i]!;
  return {
    'ndcg@10': served.rows > 0 ? ndcgAtK(servedScores, served.grades, served.groups, 10) : NaN,
    auc: auc(scores, test.labels, test.weights),
  };
}

export function modelMetrics(model: GbdtModel, test: RankingDataset): RankerMetrics {
  const s = new Float64Array(test.rows);
  model.predictMargin(test.x, test.rows, s);
  return scoreMetrics(s, test);
}

/** Metrics of visit-count order (the column 'visits'; missing counts as 0). */
export function visitOrderMetrics(test: RankingDataset): RankerMetrics {
  const f = test.featureNames.indexOf('visits');
  if (f < 0) throw new Error("visit order: the data set has no 'visits' feature");
  const nf = test.featureNames.length;
  const s = Float64Array.from({ length: test.rows }, (_, i) => {
    const v = test.x[i * nf + f]!;
    return v === v ? v : 0;
  });
  return scoreMetrics(s, test);
}

export interface TrainRankerOptions {
  client: string;
  records: readonly CandidateLogRecord[];
  events: readonly EngagementEvent[];
  registry: ModelRegistry;
  /** overrides of the client's label config (else the registry's, else the surface default) */
  labels?: Partial<LabelConfig>;
  params?: Partial<GbdtParams>;
  features?: readonly string[];
  /** share of requests for validation (early stopping) and test (promotion decision) */
  validShare?: number;
  testShare?: number;
  /** promote even when not better */
  force?: boolean;
  /** promote only when the primary metric improves by more than this */
  minImprovement?: number;
  seed?: number;
}

export interface TrainRankerReport {
  client: string;
  promoted: boolean;
  reason: string;
  entry: RegistryEntry;
  labels: LabelConfig;
  rows: { train: number; valid: number; test: number };
  requests: { train: number; valid: number; test: number; randomized: number };
  candidate: RankerMetrics;
  current: RankerMetrics | null;
  visitOrder: RankerMetrics | null;
  bestIteration: number;
  trainSeconds: number;
  importance: Record<string, number>;
}

export const DEFAULT_TRAIN_PARAMS: Partial<GbdtParams> = {
  rounds: 300,
  learningRate: 0.1,
  maxDepth: 6,
  minChildWeight: 1,
  lambda: 1,
  subsample: 0.9,
  colsample: 0.9,
  earlyStoppingRounds: 20,
};

/**
 * `train-ranker` end to end: label the client's logged candidates, split by request, train with
 * early stopping, evaluate the new model, the current one and visit order on the same test
 * requests, and promote the new model only if it beats the current one (or there is none).
 */
export function trainRanker(o: TrainRankerOptions): TrainRankerReport {
  const reg = o.registry;
  const cur = reg.get(o.client);
  const labels = labelConfigFor(o.client, { ...(cur?.labels ?? {}), ...(o.labels ?? {}) });
  const features = o.features ?? DEFAULT_FEATURES;
  const seed = o.seed ?? 1;
  const shares = { valid: o.validShare ?? 0.15, test: o.testShare ?? 0.15 };
  const all = buildDataset(o.records, o.events, { client: o.client, labels, features });
  // the split ignores the seed on purpose: the same request always lands in the same part, so a
  // current model is never evaluated on requests it was trained on
  const { train, valid, test } = splitByRequest(all, shares, SPLIT_SALT);
  if (train.rows === 0 || test.rows === 0) {
    throw new Error(`train-ranker: client '${o.client}' has too few requests to split (${all.requestIds.length})`);
  }
  const params: Partial<GbdtParams> = { ...DEFAULT_TRAIN_PARAMS, seed, ...(o.params ?? {}) };
  const ranking = params.objective === 'rank:pairwise' || params.objective === 'rank:ndcg';
  const asTarget = (d: RankingDataset): RankingDataset => (ranking ? { ...d, labels: d.grades, weights: new Float32Array(d.rows).fill(1) } : d);
  const res = trainGbdt(asTarget(train), params, valid.rows > 0 ? asTarget(valid) : undefined);
  const candidate = modelMetrics(res.model, test);

  let current: RankerMetrics | null = null;
  const curModel = reg.loadModel(o.client);
  if (curModel) {
    // the current model may use other features: rebuild the same test requests with its list
    const curAll = buildDataset(o.records, o.events, { client: o.client, labels, features: curModel.featureNames });
    current = modelMetrics(curModel, splitByRequest(curAll, shares, SPLIT_SALT).test);
  }
  let visitOrder: RankerMetrics | null = null;
  if (features.includes('visits')) visitOrder = visitOrderMetrics(test);

  const key = PRIMARY_METRIC;
  const minImp = o.minImprovement ?? 0;
  let promoted: boolean;
  let reason: string;
  if (o.force) {
    promoted = true;
    reason = 'forced';
  } else if (!current) {
    promoted = true;
    reason = 'no current model';
  } else if (!(candidate[key] > current[key] + minImp)) {
    promoted = false;
    reason = `${key} ${candidate[key].toFixed(4)} does not beat current ${current[key].toFixed(4)}`;
  } else {
    promoted = true;
    reason = `${key} ${candidate[key].toFixed(4)} beats current ${current[key].toFixed(4)}`;
  }
  const metrics: Record<string, number> = { ...candidate, testRequests: test.requestIds.length };
  const model = res.model;
  const entry = reg.record(o.client, labels, model, metrics, promoted, reason);
  return {
    client: o.client,
    promoted,
    reason,
    entry,
    labels,
    rows: { train: train.rows, valid: valid.rows, test: test.rows },
    requests: {
      train: train.requestIds.length,
      valid: valid.requestIds.length,
      test: test.requestIds.length,
      randomized: all.randomized.reduce((a, b) => a + b, 0),
    },
    candidate,
    current,
    visitOrder,
    bestIteration: res.bestIteration,
    trainSeconds: res.seconds,
    importance: model.featureImportance(),
  };
}
