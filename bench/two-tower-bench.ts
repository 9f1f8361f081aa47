/**
 * Two-tower benchmark: training throughput (examples/second) and HR@10 / NDCG@10 on an eval
 * data set after each epoch, plus HNSW build and query speed.
 *
 *   npx tsx bench/two-tower-bench.ts [dataset=citeulike-a] [data=DIR] [epochs=10] [dim=64] [batch=256]
 *       [negatives=256] [lr=0.005] [temperature=0.1] [historyLen=100] [weightDecay=0] [dropout=0]
 *       [logq=1] [pinNorm=1] [seed=1] [evalEvery=1] [ann=1] [store=DIR (publish the trained model + index there)]
 *       [features=0 (1: seeded synthetic pin content and user profiles through src/features/two-tower.ts,
 *        to time training with feature projections; the eval sets carry no content, so no HR/NDCG then)]
 */
import { evalUsers, loadDataset } from '../src/eval/datasets.js';
import { LeaveOneOutMetrics } from '../src/eval/metrics.js';
import { Rng } from '../src/util/rng.js';
import { AnnIndex } from '../src/retrieval/ann-index.js';
import { evalTrainingSet } from '../src/retrieval/eval-method.js';
import { ModelStore } from '../src/retrieval/model-store.js';
import { DEFAULT_CONFIG, TwoTowerModel } from '../src/retrieval/model.js';
import { TwoTowerTrainer } from '../src/retrieval/trainer.js';
import type { EvalDataset } from '../src/eval/datasets.js';
import { FeatureEncoder, fitFeatureSpec, type PinContent, type UserContent } from '../src/features/two-tower.js';
import type { TrainingSet } from '../src/retrieval/training-set.js';

const args: Record<string, string> = {};
for (const a of process.argv.slice(2)) {
  const m = /^([A-Za-z]+)=(.*)$/.exec(a);
  if (!m) throw new Error(`argument ${a} is not key=value`);
  args[m[1]!] = m[2]!;
}
const num = (k: string, d: number): number => (args[k] === undefined ? d : Number(args[k]));

const dsName = args['dataset'] ?? 'citeulike-a';
const ds = loadDataset(dsName, args['data'] ?? '/work/shared/data');
const data = evalTrainingSet(ds);
const seed = num('seed', 1);
const withFeatures = num('features', 0) === 1;
const spec = withFeatures ? syntheticFeatures(data, seed) : undefined;
const model = new TwoTowerModel({
  ...DEFAULT_CONFIG,
  numPins: data.numPins,
  pinFeatureDim: data.pinFeatureDim ?? 0,
  userFeatureDim: data.userFeatureDim ?? 0,
  ...(spec ? { features: spec } : {}),
  dim: num('dim', 64),
  temperature: num('temperature', 0.1),
  historyLen: num('historyLen', 100),
  normalizePins: num('pinNorm', 1) === 1,
});
model.initRandom(new Rng(seed ^ 0x5bd1e995), num('initScale', 0.1));
const evalEvery = withFeatures ? Infinity : num('evalEvery', 1);
if (spec) console.log(`synthetic features: ${model.config.pinFeatureDim} per pin, ${model.config.userFeatureDim} per user (no HR/NDCG or HNSW with features=1)`);
const epochs = num('epochs', 10);
const trainer = new TwoTowerTrainer(model, data, {
  epochs,
  batchSize: num('batch', 256),
  extraNegatives: num('negatives', 256),
  learningRate: num('lr', 0.005),
  weightDecay: num('weightDecay', 0),
  historyDropout: num('dropout', 0),
  logQCorrection: num('logq', 1) === 1,
  seed,
  onEpoch: (e) => {
    let line = `epoch ${e.epoch} loss ${e.loss.toFixed(4)} ${e.examplesPerSecond.toFixed(0)} ex/s wall, ${e.examplesPerCpuSecond.toFixed(0)} ex/cpu-s, ${e.seconds.toFixed(1)} s`;
    if (!withFeatures && (e.epoch % evalEvery === 0 || e.epoch === epochs)) {
      const r = evaluate(model, ds);
      const x = evaluate(model, ds, true);
      line += `  HR@10 ${r.hr.toFixed(4)} NDCG@10 ${r.ndcg.toFixed(4)} (seen negatives excluded: ${x.hr.toFixed(4)} / ${x.ndcg.toFixed(4)})`;
    }
    console.log(line);
  },
});
const res = trainer.train();
console.log(`${dsName}: ${res.examplesPerSecond.toFixed(0)} examples/s over ${epochs} epochs; settings ${JSON.stringify(args)}`);

if (!withFeatures && (num('ann', 1) === 1 || args['store'])) {
  const store = args['store'] ? new ModelStore(args['store']) : null;
  if (store) model.setVersion(store.nextVersion());
  const t0 = performance.now();
  const vecs = model.allPinEmbeddings();
  const index = AnnIndex.build(model.versionInfo, vecs, model.dim, { seed });
  const t1 = performance.now();
  if (store) console.log(`published ${store.publish(model, index, { info: { bench: args } })} to ${store.dir}`);
  const u = new Float32Array(model.dim);
  const users = evalUsers(ds);
  let agree = 0;
  let total = 0;
  const q = Math.min(500, users.length);
  const t2 = performance.now();
  for (let n = 0; n < q; n++) {
    const us = users[n]!;
    model.userEmbedding({ history: ds.userItems.subarray(ds.userOffsets[us]!, ds.userOffsets[us + 1]!) }, u);
    const hits = index.search(u, 10);
    const exact = bruteTop(u, vecs, model.dim, 10);
    const set = new Set(exact);
    for (const h of hits.pins) if (set.has(h)) agree++;
    total += 10;
  }
  const t3 = performance.now();
  console.log(
    `HNSW: build ${((t1 - t0) / 1000).toFixed(2)} s for ${index.size} pins; ${(((t3 - t2) / q) * 1000).toFixed(0)} µs per query+brute; recall@10 vs exact ${(agree / total).toFixed(4)}`,
  );
}

/** HR/NDCG@10; with exclude, negatives the user has in training score -Infinity (src/eval's default). */
function evaluate(m: TwoTowerModel, d: EvalDataset, exclude = false): { hr: number; ndcg: number } {
  const V = m.allPinEmbeddings();
  const u = new Float32Array(m.dim);
  const met = new LeaveOneOutMetrics(10);
  const scores = new Float64Array(200);
  for (const us of evalUsers(d)) {
    m.userEmbedding({ history: d.userItems.subarray(d.userOffsets[us]!, d.userOffsets[us + 1]!) }, u);
    const negs = d.negatives.subarray(d.negOffsets[us]!, d.negOffsets[us + 1]!);
    const n = negs.length + 1;
    for (let i = 0; i < n; i++) {
      const it = i === 0 ? d.heldOut[us]! : negs[i - 1]!;
      if (exclude && i > 0 && seen(d, us, it)) {
        scores[i] = -Infinity;
        continue;
      }
      let s = 0;
      for (let k = 0; k < m.dim; k++) s += u[k]! * V[it * m.dim + k]!;
      scores[i] = s;
    }
    met.add(scores, n);
  }
  return { hr: met.hr, ndcg: met.ndcg };
}

function bruteTop(u: Float32Array, V: Float32Array, d: number, k: number): number[] {
  const n = V.length / d;
  const best: [number, number][] = [];
  for (let p = 0; p < n; p++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += u[j]! * V[p * d + j]!;
    if (best.length < k || s > best[best.length - 1]![0]) {
      best.push([s, p]);
      best.sort((a, b) => b[0] - a[0]);
      if (best.length > k) best.pop();
    }
  }
  return best.map((b) => b[1]);
}

function seen(d: EvalDataset, u: number, item: number): boolean {
  for (let i = d.userOffsets[u]!; i < d.userOffsets[u + 1]!; i++) if (d.userItems[i] === item) return true;
  return false;
}

/** Seeded stand-in content: 8 locales, 3 of 200 tags, an age per pin; locale, age, actions per user. */
function syntheticFeatures(ts: TrainingSet, seed: number): ReturnType<typeof fitFeatureSpec> {
  const rng = new Rng(seed + 7);
  const now = 1_700_000_000_000;
  const day = 86_400_000;
  const pins: PinContent[] = [];
  for (let p = 0; p < ts.numPins; p++)
    pins.push({ locale: `l${rng.int(8)}`, createdAt: now - rng.int(2000) * day, annotations: [0, 1, 2].map(() => `t${rng.int(200)}`) });
  const users: UserContent[] = [];
  for (let u = 0; u < ts.numUsers; u++) {
    const n = ts.offsets[u + 1]! - ts.offsets[u]!;
    users.push({ locale: `l${rng.int(8)}`, createdAt: now - rng.int(3000) * day, actions: Array.from({ length: Math.min(n, 200) }, (_, i) => ({ action: i % 3 ? 'save' : 'click' })) });
  }
  const s = fitFeatureSpec(pins, users, now);
  const e = new FeatureEncoder(s);
  ts.pinFeatures = e.encodePins(pins);
  ts.pinFeatureDim = e.pinWidth;
  ts.userProfiles = e.encodeUsers(users);
  ts.userFeatureDim = e.userWidth;
  return s;
}
