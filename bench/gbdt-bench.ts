/**
 * GBDT benchmark: scoring throughput (candidate-scores per second, one core) for a forest of
 * 200 depth-6 trees, training time, and the AUC comparison against python3-xgboost on the same
 * training data and hyper-parameters when /usr/bin/python3 can import xgboost.
 *
 *   node dist/bench/gbdt-bench.js [--quick] [--scoring-only]
 *
 * The scoring part is also the `gbdt` section of `node dist/bench/run.js --only gbdt`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { GbdtModel } from '../src/ranking/gbdt/model.js';
import { CompiledForest } from '../src/ranking/gbdt/scorer.js';
import { trainGbdt, type GbdtDataset, type GbdtParams } from '../src/ranking/gbdt/train.js';
import { Tree } from '../src/ranking/gbdt/tree.js';
import { auc } from '../src/ranking/metrics.js';
import { simulateEngagement } from '../src/ranking/simulator.js';
import { buildDataset } from '../src/ranking/dataset.js';
import { DEFAULT_FEATURES } from '../src/ranking/features.js';
import { labelConfigFor } from '../src/ranking/labels.js';
import { Rng } from '../src/util/rng.js';
import type { BenchSection } from './section.js';

/** A random complete tree of the given depth (scoring cost does not depend on how it was trained). */
export function randomTree(rng: Rng, depth: number, nf: number): Tree {
  const n = (1 << (depth + 1)) - 1;
  const internal = (1 << depth) - 1;
  const t = {
    left: new Int32Array(n).fill(-1),
    right: new Int32Array(n).fill(-1),
    feature: new Int32Array(n),
    threshold: new Float32Array(n),
    defaultLeft: new Uint8Array(n),
    value: new Float64Array(n),
    cover: new Float64Array(n).fill(1),
  };
  for (let i = 0; i < internal; i++) {
    t.left[i] = 2 * i + 1;
    t.right[i] = 2 * i + 2;
    t.feature[i] = rng.int(nf);
    t.threshold[i] = rng.normal();
    t.defaultLeft[i] = rng.int(2);
  }
  for (let i = internal; i < n; i++) t.value[i] = rng.normal() * 0.1;
  return new Tree(t);
}

/** Which scorer a scoring benchmark runs. */
export type ScoringBackEnd = 'wasm-simd' | 'wasm-scalar' | 'javascript';
const BACK_END_OPTS: Record<ScoringBackEnd, { wasm?: boolean; simd?: boolean }> = {
  'wasm-simd': {},
  'wasm-scalar': { simd: false },
  javascript: { wasm: false },
};

export interface ScoringSpec {
  trees: number;
  depth: number;
  features: number;
  /** rows per predictMargin call */
  rows: number;
  /** share of feature values that are missing (NaN) */
  missing: number;
  backEnd: ScoringBackEnd;
  /** timed runs (the figure is their median) and seconds per run */
  runs: number;
  seconds: number;
}

export const DEFAULT_SCORING: ScoringSpec = { trees: 200, depth: 6, features: 24, rows: 100_000, missing: 0, backEnd: 'wasm-simd', runs: 5, seconds: 1 };

/**
 * Scoring rate of random complete trees: candidate-scores per CPU-second of this process (less
 * sensitive to other processes on a shared machine than wall time) and per wall-clock second,
 * the median of `runs` timed runs after a warm-up that lets V8 optimise the kernels.
 */
export function scoringBench(spec: Partial<ScoringSpec> = {}): { cpu: number; wall: number; cpuRuns: number[] } {
  const o = { ...DEFAULT_SCORING, ...spec };
  const rng = new Rng(11);
  const names = Array.from({ length: o.features }, (_, i) => `f${i}`);
  const model = new GbdtModel('binary:logistic', names, 0, Array.from({ length: o.trees }, () => randomTree(rng, o.depth, o.features)));
  const x = Float32Array.from({ length: o.rows * o.features }, () => (rng.next() < o.missing ? NaN : rng.normal()));
  const out = new Float64Array(o.rows);
  const forest = new CompiledForest(model.trees, o.features, model.baseMargin, BACK_END_OPTS[o.backEnd]);
  const t0 = performance.now();
  while (performance.now() - t0 < 300) forest.predictMargin(x, o.rows, out); // warm-up, tier-up
  const cpuRuns: number[] = [];
  const wallRuns: number[] = [];
  for (let k = 0; k < o.runs; k++) {
    let scored = 0;
    const c0 = process.cpuUsage();
    const t = performance.now();
    while (performance.now() - t < o.seconds * 1000) {
      forest.predictMargin(x, o.rows, out);
      scored += o.rows;
    }
    const c = process.cpuUsage(c0);
    cpuRuns.push(scored / ((c.user + c.system) / 1e6));
    wallRuns.push(scored / ((performance.now() - t) / 1000));
  }
  const median = (v: number[]): number => v.slice().sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
  return { cpu: median(cpuRuns), wall: median(wallRuns), cpuRuns };
}

/** The scoring table: every back end, without and with 2% missing values. */
function scoringTable(quick: boolean, log: (line: string) => void, record?: (name: string, value: number, unit: string) => void): void {
  const runs = 5;
  const seconds = quick ? 0.4 : 1.5;
  log(`scoring: 200 random complete trees of depth 6, 24 features, 100k-row calls; median of ${runs} runs of ${seconds} s (target: 1M per core)`);
  for (const backEnd of ['wasm-simd', 'wasm-scalar', 'javascript'] as const) {
    for (const missing of [0, 0.02]) {
      const r = scoringBench({ backEnd, missing, runs, seconds });
      const runsText = r.cpuRuns.map((v) => (v / 1e6).toFixed(2)).join(' ');
      log(
        `  ${backEnd.padEnd(11)} ${String(missing * 100).padStart(1)}% missing: ${(r.cpu / 1e6).toFixed(3)}M candidate-scores per CPU-second ` +
          `(${(r.wall / 1e6).toFixed(3)}M per wall-clock second; runs ${runsText})`,
      );
      record?.(`gbdt.${backEnd}.missing${missing * 100}.scoresPerCpuSecond`, r.cpu, 'scores/s');
    }
  }
}

export const gbdtSection: BenchSection = {
  name: 'gbdt',
  description: 'GBDT scoring rate (candidate-scores per CPU-second) of each back end; training and AUC: node dist/bench/gbdt-bench.js',
  run(ctx) {
    scoringTable(ctx.quick, ctx.log, ctx.record);
  },
};

/** Whether Debian's python3-xgboost is importable (the comparison needs it). */
export function hasXgboost(): boolean {
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import xgboost'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function writeCsv(path: string, d: GbdtDataset): void {
  const nf = d.featureNames.length;
  const lines: string[] = [];
  for (let r = 0; r < d.rows; r++) {
    const cells: string[] = [String(d.labels[r]), String(d.weights ? d.weights[r] : 1)];
    for (let f = 0; f < nf; f++) {
      const v = d.x[r * nf + f]!;
      cells.push(v !== v ? '' : String(v));
    }
    lines.push(cells.join(','));
  }
  writeFileSync(path, lines.join('\n') + '\n');
}

/** Trains boardwalk and xgboost (hist) with the same parameters, returns both test AUCs. */
export function aucComparison(train: GbdtDataset, test: GbdtDataset, params: Partial<GbdtParams>): { boardwalk: number; xgboost: number | null; seconds: number; xgbSeconds: number | null } {
  const res = trainGbdt(train, params);
  const mine = auc(res.model.predict(test.x, test.rows), test.labels, test.weights);
  if (!hasXgboost()) return { boardwalk: mine, xgboost: null, seconds: res.seconds, xgbSeconds: null };
  const dir = mkdtempSync(join(tmpdir(), 'bw-xgb-'));
  try {
    writeCsv(join(dir, 'train.csv'), train);
    writeCsv(join(dir, 'test.csv'), test);
    // works from bench/ (tsx) and from dist/bench/ (compiled)
    const script = ['../scripts/xgb-compare.py', '../../scripts/xgb-compare.py']
      .map((rel) => fileURLToPath(new URL(rel, import.meta.url)))
      .find((f) => existsSync(f));
    if (!script) throw new Error('gbdt bench: scripts/xgb-compare.py not found');
    const p = { ...params };
    const out = execFileSync('/usr/bin/python3', [script, dir, JSON.stringify(p)], { encoding: 'utf8' });
    const xgbSeconds = Number(/seconds=([\d.]+)/.exec(out)?.[1] ?? NaN);
    const preds = readFileSync(join(dir, 'pred.txt'), 'utf8').trim().split('\n').map(Number);
    return { boardwalk: mine, xgboost: auc(preds, test.labels, test.weights), seconds: res.seconds, xgbSeconds };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function main(): void {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const load = loadavg().map((v) => v.toFixed(2)).join(' ');
  console.log(`node ${process.version}, load average ${load}`);
  scoringTable(quick, console.log);
  if (args.includes('--scoring-only')) return;

  // quality 1: engagement-log data set from the simulator (homefeed, engagement labels, weighted)
  const requests = quick ? 1500 : 6000;
  const log = simulateEngagement({ requests, seed: 5, clients: ['homefeed'] });
  const all = buildDataset(log.candidates, log.events, { client: 'homefeed', labels: labelConfigFor('homefeed'), features: DEFAULT_FEATURES });
  const sim = splitHalves(all);
  const params: Partial<GbdtParams> = { rounds: quick ? 50 : 200, maxDepth: 6, learningRate: 0.1, lambda: 1, minChildWeight: 1, maxBins: 256 };
  compare('simulated homefeed log', sim.train, sim.test, params);
  // quality 2: synthetic interactions, continuous features, 10% missing values, subsampling
  const syn = synthetic(quick ? 20_000 : 60_000, 3);
  compare('synthetic, 10% missing', syn.train, syn.test, { ...params, subsample: 0.8, colsample: 0.8 });
}

function compare(name: string, train: GbdtDataset, test: GbdtDataset, params: Partial<GbdtParams>): void {
  console.log(`quality (${name}): ${train.rows} train rows, ${test.rows} test rows, ${train.featureNames.length} features, params ${JSON.stringify(params)}`);
  const cmp = aucComparison(train, test, params);
  console.log(`  boardwalk AUC ${cmp.boardwalk.toFixed(4)} (trained in ${cmp.seconds.toFixed(1)} s)`);
  if (cmp.xgboost === null) console.log('  python3-xgboost not installed (apt-get install -y python3-xgboost): comparison skipped');
  else {
    const diff = cmp.boardwalk - cmp.xgboost;
    console.log(`  xgboost   AUC ${cmp.xgboost.toFixed(4)} (trained in ${cmp.xgbSeconds?.toFixed(1)} s)  difference ${diff >= 0 ? '+' : ''}${diff.toFixed(4)} (${Math.abs(diff) <= 0.005 ? 'within' : 'OUTSIDE'} 0.005)`);
  }
}

/** Labels from interactions of 8 normal features (two pure noise), 10% of values missing. */
function synthetic(rows: number, seed: number): { train: GbdtDataset; test: GbdtDataset } {
  const rng = new Rng(seed);
  const nf = 8;
  const make = (n: number): GbdtDataset => {
    const x = new Float32Array(n * nf);
    const labels = new Float32Array(n);
    for (let r = 0; r < n; r++) {
      const v = Array.from({ length: nf }, () => rng.normal());
      const logit = 1.2 * v[0]! - 0.8 * v[1]! * v[2]! + (v[3]! > 0.5 ? 1 : -0.5) * v[4]! + 0.5 * Math.sin(2 * v[5]!);
      labels[r] = rng.next() < 1 / (1 + Math.exp(-logit)) ? 1 : 0;
      for (let f = 0; f < nf; f++) x[r * nf + f] = rng.next() < 0.1 ? NaN : v[f]!;
    }
    return { x, rows: n, featureNames: Array.from({ length: nf }, (_, i) => `f${i}`), labels };
  };
  return { train: make(rows), test: make(Math.floor(rows / 2)) };
}

function splitHalves(d: GbdtDataset): { train: GbdtDataset; test: GbdtDataset } {
  // split by whole request groups so no request is in both halves
  const groups = d.groups!;
  const g = Math.floor((groups.length - 1) * 0.7);
  const cut = groups[g]!;
  const nf = d.featureNames.length;
  const part = (a: number, b: number, ga: number, gb: number): GbdtDataset => ({
    x: d.x.slice(a * nf, b * nf),
    rows: b - a,
    featureNames: d.featureNames,
    labels: d.labels.slice(a, b),
    weights: d.weights?.slice(a, b),
    groups: Uint32Array.from(groups.subarray(ga, gb + 1), (v) => v - a),
  });
  return { train: part(0, cut, 0, g), test: part(cut, d.rows, g, groups.length - 1) };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
