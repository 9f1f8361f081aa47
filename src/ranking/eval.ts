import { buildDataset, splitByRequest } from './dataset.js';
import { DEFAULT_FEATURES, FeatureExtractor } from './features.js';
import type { GbdtModel } from './gbdt/model.js';
import { trainGbdt, type GbdtParams } from './gbdt/train.js';
import { labelConfigFor, type LabelConfig } from './labels.js';
import type { CandidateLogRecord, EngagementEvent } from './logging.js';
import { simulateEngagement } from './simulator.js';
import { DEFAULT_TRAIN_PARAMS, modelMetrics, visitOrderMetrics } from './train-job.js';

/** One row of the `eval` table: learned ranker vs visit-count order for a client. */
export interface RankerEvalRow {
  client: string;
  metric: string;
  learned: number;
  visitOrder: number;
  /** learned / visitOrder - 1 */
  lift: number;
}

function row(client: string, metric: string, learned: number, visitOrder: number): RankerEvalRow {
  return { client, metric, learned, visitOrder, lift: visitOrder !== 0 ? learned / visitOrder - 1 : NaN };
}

export interface LiftOptions {
  clients: string[];
  /** a trained model per client; clients without one are trained on the train split here */
  models?: Record<string, GbdtModel>;
  params?: Partial<GbdtParams>;
  seed?: number;
}

/**
 * Replay evaluation on logged data: per client, the held-out requests' served candidates are
 * re-ranked by the learned model and by visit count; rows for NDCG@10 (graded engagement) and
 * AUC (binary labels over all labelled candidates).
 */
export function rankerLift(records: readonly CandidateLogRecord[], events: readonly EngagementEvent[], o: LiftOptions): RankerEvalRow[] {
  const rows: RankerEvalRow[] = [];
  const seed = o.seed ?? 1;
  for (const client of o.clients) {
    const labels = labelConfigFor(client);
    const model = o.models?.[client];
    const features = model ? model.featureNames : DEFAULT_FEATURES;
    const all = buildDataset(records, events, { client, labels, features });
    const { train, valid, test } = splitByRequest(all, { valid: 0.15, test: 0.15 }, seed);
    const m = model ?? trainGbdt(train, { ...DEFAULT_TRAIN_PARAMS, seed, ...(o.params ?? {}) }, valid.rows > 0 ? valid : undefined).model;
    const learned = modelMetrics(m, test);
    const base = visitOrderMetrics(
      model && !features.includes('visits')
        ? splitByRequest(buildDataset(records, events, { client, labels, features: ['visits'] }), { valid: 0.15, test: 0.15 }, seed).test
        : test,
    );
    rows.push(row(client, 'ndcg@10', learned['ndcg@10'], base['ndcg@10']));
    rows.push(row(client, 'auc', learned.auc, base.auc));
  }
  return rows;
}

/**
 * The same on a generated engagement log, plus the simulator's ground truth: mean true
 * engagement probability of the top 10 after re-ranking all generated candidates of each
 * held-out request ('true-engagement@10'), which replay cannot measure.
 */
export function simulatedLift(o: {
  clients: string[];
  requests: number;
  seed: number;
  params?: Partial<GbdtParams>;
  /** label overrides per client */
  labels?: Record<string, Partial<LabelConfig>>;
}): RankerEvalRow[] {
  const log = simulateEngagement({ clients: o.clients, requests: o.requests, seed: o.seed });
  const rows: RankerEvalRow[] = [];
  for (const client of o.clients) {
    const labels = labelConfigFor(client, o.labels?.[client]);
    const all = buildDataset(log.candidates, log.events, { client, labels, features: DEFAULT_FEATURES });
    const { train, valid, test } = splitByRequest(all, { valid: 0.15, test: 0.15 }, o.seed);
    const model = trainGbdt(train, { ...DEFAULT_TRAIN_PARAMS, seed: o.seed, ...(o.params ?? {}) }, valid).model;
    const learned = modelMetrics(model, test);
    const base = visitOrderMetrics(test);
    rows.push(row(client, 'ndcg@10', learned['ndcg@10'], base['ndcg@10']));
    rows.push(row(client, 'auc', learned.auc, base.auc));
    // oracle: every generated candidate of each test request, true engagement of the top 10
    const testIds = new Set(test.requestIds);
    const byReq = new Map<string, number[]>();
    log.candidates.forEach((r, i) => {
      if (r.client !== client || !testIds.has(r.requestId)) return;
      const l = byReq.get(r.requestId);
      if (l) l.push(i);
      else byReq.set(r.requestId, [i]);
    });
    const ex = new FeatureExtractor(model.featureNames);
    let sumLearned = 0;
    let sumVisits = 0;
    let n = 0;
    for (const idx of byReq.values()) {
      const recs = idx.map((i) => log.candidates[i]!);
      const x = ex.matrix(recs);
      const s = new Float64Array(recs.length);
      model.predictMargin(x, recs.length, s);
      const top = (score: (j: number) => number): number => {
        const order = idx.map((_, j) => j).sort((a, b) => score(b) - score(a) || a - b);
        let t = 0;
        const k = Math.min(10, order.length);
        for (let r = 0; r < k; r++) t += log.truth[idx[order[r]!]!]!;
        return t / k;
      };
      sumLearned += top((j) => s[j]!);
      sumVisits += top((j) => recs[j]!.features.visits ?? 0);
      n++;
    }
    if (n > 0) rows.push(row(client, 'true-engagement@10', sumLearned / n, sumVisits / n));
  }
  return rows;
}
