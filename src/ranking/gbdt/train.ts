import { Rng } from '../../util/rng.js';
import { auc, logLoss, ndcgAtK } from '../metrics.js';
import { BinMapper } from './binning.js';
import { GbdtModel, OBJECTIVES, sigmoid, type Objective } from './model.js';
import { LambdaRankObjective, LogisticObjective, type ObjectiveFn } from './objectives.js';
import { Tree } from './tree.js';

/** A training or validation set: row-major float features (NaN = missing), labels, weights, groups. */
export interface GbdtDataset {
  x: Float32Array;
  rows: number;
  featureNames: string[];
  labels: Float32Array;
  /** per-row sample weight (default 1) */
  weights?: Float32Array;
  /** request group offsets for ranking objectives: group g is rows [groups[g], groups[g+1]) */
  groups?: Uint32Array;
}

export type EvalMetric = 'logloss' | 'auc' | 'ndcg@10';

export interface GbdtParams {
  objective: Objective;
  /** boosting rounds (trees) */
  rounds: number;
  learningRate: number;
  maxDepth: number;
  /** 0 = 2^maxDepth */
  maxLeaves: number;
  /** L2 regularisation on leaf weights (XGBoost lambda) */
  lambda: number;
  /** minimum loss reduction to split (XGBoost gamma) */
  gamma: number;
  /** minimum hessian sum in a child */
  minChildWeight: number;
  /** share of rows sampled per tree */
  subsample: number;
  /** share of features sampled per tree */
  colsample: number;
  maxBins: number;
  /** stop after this many rounds without improvement on the validation set (0 = off) */
  earlyStoppingRounds: number;
  evalMetric?: EvalMetric;
  seed: number;
  /** starting margin; default: log-odds of the mean label (logistic), 0 (ranking) */
  baseMargin?: number;
}

export const DEFAULT_PARAMS: GbdtParams = {
  objective: 'binary:logistic',
  rounds: 100,
  learningRate: 0.1,
  maxDepth: 6,
  maxLeaves: 0,
  lambda: 1,
  gamma: 0,
  minChildWeight: 1,
  subsample: 1,
  colsample: 1,
  maxBins: 256,
  earlyStoppingRounds: 0,
  seed: 1,
};

export interface TrainResult {
  model: GbdtModel;
  /** validation metric per round (empty without a validation set) */
  history: number[];
  metric: EvalMetric;
  bestIteration: number;
  bestScore: number;
  seconds: number;
}

function checkParams(p: GbdtParams): void {
  const bad = (msg: string): never => {
    throw new Error(`gbdt params: ${msg}`);
  };
  if (!OBJECTIVES.includes(p.objective)) bad(`unknown objective '${p.objective}'`);
  if (!Number.isInteger(p.rounds) || p.rounds < 1) bad(`rounds ${p.rounds} must be a positive integer`);
  if (!(p.learningRate > 0 && p.learningRate <= 1)) bad(`learningRate ${p.learningRate} must be in (0, 1]`);
  if (!Number.isInteger(p.maxDepth) || p.maxDepth < 1 || p.maxDepth > 16) bad(`maxDepth ${p.maxDepth} must be in 1..16`);
  if (!Number.isInteger(p.maxLeaves) || p.maxLeaves < 0 || p.maxLeaves === 1) bad(`maxLeaves ${p.maxLeaves} must be 0 or >= 2`);
  if (!(p.lambda >= 0)) bad(`lambda ${p.lambda} must be >= 0`);
  if (!(p.gamma >= 0)) bad(`gamma ${p.gamma} must be >= 0`);
  if (!(p.minChildWeight >= 0)) bad(`minChildWeight ${p.minChildWeight} must be >= 0`);
  if (!(p.subsample > 0 && p.subsample <= 1)) bad(`subsample ${p.subsample} must be in (0, 1]`);
  if (!(p.colsample > 0 && p.colsample <= 1)) bad(`colsample ${p.colsample} must be in (0, 1]`);
  if (!Number.isInteger(p.earlyStoppingRounds) || p.earlyStoppingRounds < 0) bad('earlyStoppingRounds must be >= 0');
}

function checkData(d: GbdtDataset, what: string, ranking: boolean): void {
  const nf = d.featureNames.length;
  if (nf === 0) throw new Error(`${what}: no features`);
  if (d.rows < 1) throw new Error(`${what}: no rows`);
  if (d.x.length !== d.rows * nf) throw new Error(`${what}: matrix has ${d.x.length} values, expected ${d.rows}x${nf}`);
  if (d.labels.length !== d.rows) throw new Error(`${what}: ${d.labels.length} labels for ${d.rows} rows`);
  if (d.weights) {
    if (d.weights.length !== d.rows) throw new Error(`${what}: ${d.weights.length} weights for ${d.rows} rows`);
    for (let i = 0; i < d.rows; i++) {
      if (!(d.weights[i]! >= 0) || !Number.isFinite(d.weights[i]!)) throw new Error(`${what}: weight ${d.weights[i]} at row ${i} is negative or not finite`);
    }
  }
  if (ranking && !d.groups) throw new Error(`${what}: ranking objective needs request groups`);
}

function defaultMetric(o: Objective): EvalMetric {
  return o === 'binary:logistic' ? 'logloss' : 'ndcg@10';
}

function higherIsBetter(m: EvalMetric): boolean {
  return m !== 'logloss';
}

export function evaluate(metric: EvalMetric, margin: Float64Array, d: GbdtDataset): number {
  if (metric === 'auc') return auc(margin, d.labels, d.weights);
  if (metric === 'ndcg@10') {
    const groups = d.groups ?? Uint32Array.of(0, d.rows);
    return ndcgAtK(margin, d.labels, groups, 10);
  }
  const p = new Float64Array(margin.length);
  for (let i = 0; i < p.length; i++) p[i] = sigmoid(margin[i]!);
  return logLoss(p, d.labels, d.weights);
}

/**
 * Histogram gradient boosting. Features are binned once into Uint8 codes; each tree grows best
 * leaf first (up to maxLeaves, maxDepth), building a gradient/hessian histogram per leaf. The
 * smaller child's histogram is built from its rows and the larger one is the parent's minus it.
 * Missing values get a learned default direction per split, as in XGBoost.
 */
export function trainGbdt(train: GbdtDataset, params: Partial<GbdtParams> = {}, valid?: GbdtDataset): TrainResult {
  const t0 = performance.now();
  const p: GbdtParams = { ...DEFAULT_PARAMS, ...params };
  checkParams(p);
  const ranking = p.objective !== 'binary:logistic';
  checkData(train, 'training set', ranking);
  if (valid) {
    checkData(valid, 'validation set', ranking);
    if (valid.featureNames.join('\u0000') !== train.featureNames.join('\u0000')) {
      throw new Error('validation set: feature names differ from the training set');
    }
  }
  const n = train.rows;
  const nf = train.featureNames.length;
  const weights = train.weights ?? new Float32Array(n).fill(1);
  const obj: ObjectiveFn =
    p.objective === 'binary:logistic'
      ? new LogisticObjective(train.labels, weights)
      : new LambdaRankObjective(p.objective, train.labels, weights, train.groups!);
  const baseMargin = p.baseMargin ?? obj.baseMargin();
  const rng = new Rng(p.seed);
  const mapper = BinMapper.fit(train.x, n, nf, p.maxBins, 200_000, p.seed);
  const bins = mapper.transform(train.x, n);
  const grower = new TreeGrower(mapper, bins, n, p);

  const margin = new Float64Array(n).fill(baseMargin);
  const grad = new Float32Array(n);
  const hess = new Float32Array(n);
  const vMargin = valid ? new Float64Array(valid.rows).fill(baseMargin) : null;
  const metric = p.evalMetric ?? defaultMetric(p.objective);
  const higher = higherIsBetter(metric);
  const history: number[] = [];
  const trees: Tree[] = [];
  let best = higher ? -Infinity : Infinity;
  let bestIter = 0;
  for (let it = 0; it < p.rounds; it++) {
    obj.gradients(margin, grad, hess);
    const tree = grower.grow(grad, hess, rng);
    trees.push(tree);
    grower.addToMargin(margin);
    if (valid && vMargin) {
      for (let r = 0; r < valid.rows; r++) vMargin[r] += tree.value[tree.leafOf(valid.x, r * nf)]!;
      const s = evaluate(metric, vMargin, valid);
      history.push(s);
      // an undefined metric (one class, no positives in the validation set) cannot stop training
      if (Number.isNaN(s)) bestIter = it + 1;
      else if (higher ? s > best : s < best) {
        best = s;
        bestIter = it + 1;
      } else if (p.earlyStoppingRounds > 0 && it + 1 - bestIter >= p.earlyStoppingRounds) break;
    } else bestIter = it + 1;
  }
  const kept = trees.slice(0, bestIter);
  const info = { params: p, bestIteration: bestIter, metric, bestScore: valid ? best : null, trainRows: n };
  return {
    model: new GbdtModel(p.objective, train.featureNames.slice(), baseMargin, kept, info),
    history,
    metric,
    bestIteration: bestIter,
    bestScore: valid ? best : NaN,
    seconds: (performance.now() - t0) / 1000,
  };
}

/** Grows one tree at a time over fixed bins; buffers are reused across trees. */
class TreeGrower {
  private readonly nf: number;
  private readonly featOff: Int32Array;
  private readonly gbins: Uint16Array | Uint32Array;
  private readonly histSize: number;
  private readonly histPool: Float64Array[] = [];
  private readonly freeHists: number[] = [];
  private readonly rowsBuf: Uint32Array;
  private readonly tmp: Uint32Array;
  private readonly maxLeaves: number;
  private readonly maxNodes: number;
  // per node
  private readonly begin: Int32Array;
  private readonly end: Int32Array;
  private readonly g: Float64Array;
  private readonly h: Float64Array;
  private readonly depth: Int32Array;
  private readonly hist: Int32Array;
  private readonly bestGain: Float64Array;
  private readonly bestFeat: Int32Array;
  private readonly bestBin: Int32Array;
  private readonly bestMissLeft: Uint8Array;
  /** gradient and hessian sums of the best split's left side */
  private readonly bestGL: Float64Array;
  private readonly bestHL: Float64Array;
  private readonly left: Int32Array;
  private readonly right: Int32Array;
  private readonly featAllowed: Uint8Array;
  private readonly inSample: Uint8Array;
  private nNodes = 0;
  private nSampled = 0;

  constructor(
    private readonly mapper: BinMapper,
    private readonly bins: Uint8Array,
    private readonly n: number,
    private readonly p: GbdtParams,
  ) {
    this.nf = mapper.nFeatures;
    this.featOff = new Int32Array(this.nf + 1);
    for (let f = 0; f < this.nf; f++) this.featOff[f + 1] = this.featOff[f]! + mapper.nBins[f]!;
    this.histSize = 2 * this.featOff[this.nf]!;
    // histogram slot of every (row, feature): saves a lookup and an add per cell in buildHist
    this.gbins = this.featOff[this.nf]! <= 0xffff ? new Uint16Array(bins.length) : new Uint32Array(bins.length);
    for (let i = 0; i < bins.length; i++) this.gbins[i] = this.featOff[i % this.nf]! + bins[i]!;
    this.rowsBuf = new Uint32Array(n);
    this.tmp = new Uint32Array(n);
    this.maxLeaves = p.maxLeaves > 0 ? p.maxLeaves : Math.min(1 << p.maxDepth, 1 << 16);
    this.maxNodes = 2 * this.maxLeaves - 1;
    const m = this.maxNodes;
    this.begin = new Int32Array(m);
    this.end = new Int32Array(m);
    this.g = new Float64Array(m);
    this.h = new Float64Array(m);
    this.depth = new Int32Array(m);
    this.hist = new Int32Array(m);
    this.bestGain = new Float64Array(m);
    this.bestFeat = new Int32Array(m);
    this.bestBin = new Int32Array(m);
    this.bestMissLeft = new Uint8Array(m);
    this.bestGL = new Float64Array(m);
    this.bestHL = new Float64Array(m);
    this.left = new Int32Array(m);
    this.right = new Int32Array(m);
    this.featAllowed = new Uint8Array(this.nf);
    this.inSample = new Uint8Array(n);
  }

  private allocHist(): number {
    const free = this.freeHists.pop();
    if (free !== undefined) return free;
    this.histPool.push(new Float64Array(this.histSize));
    return this.histPool.length - 1;
  }

  private releaseHist(node: number): void {
    if (this.hist[node]! >= 0) this.freeHists.push(this.hist[node]!);
    this.hist[node] = -1;
  }

  private buildHist(node: number, grad: Float32Array, hess: Float32Array): void {
    const hi = this.allocHist();
    this.hist[node] = hi;
    const H = this.histPool[hi]!;
    H.fill(0);
    const { rowsBuf, gbins, nf } = this;
    for (let i = this.begin[node]!, e = this.end[node]!; i < e; i++) {
      const r = rowsBuf[i]!;
      const gr = grad[r]!;
      const hr = hess[r]!;
      const base = r * nf;
      for (let f = 0; f < nf; f++) {
        const o = gbins[base + f]! << 1;
        H[o] += gr;
        H[o + 1] += hr;
      }
    }
  }

  private findSplit(node: number): void {
    const { featOff, featAllowed, p } = this;
    const H = this.histPool[this.hist[node]!]!;
    const G = this.g[node]!;
    const Hs = this.h[node]!;
    const lambda = p.lambda;
    const mcw = Math.max(p.minChildWeight, 1e-12);
    const parent = (G * G) / (Hs + lambda);
    let bestGain = 0;
    let bestF = -1;
    let bestB = 0;
    let bestML = 0;
    let bestGL = 0;
    let bestHL = 0;
    for (let f = 0; f < this.nf; f++) {
      if (!featAllowed[f]) continue;
      const o = featOff[f]!;
      const nb = this.mapper.nBins[f]!;
      const gM = H[o << 1]!;
      const hM = H[(o << 1) + 1]!;
      const hasMissing = hM > 0;
      let gl = 0;
      let hl = 0;
      for (let b = 1; b < nb - 1; b++) {
        const hb = H[((o + b) << 1) + 1]!;
        // an empty bin gives the same split as the bin before it: nothing new to score
        if (hb === 0) continue;
        gl += H[(o + b) << 1]!;
        hl += hb;
        // missing values right
        let hr = Hs - hl;
        if (hl >= mcw && hr >= mcw) {
          const gr = G - gl;
          const gain = (gl * gl) / (hl + lambda) + (gr * gr) / (hr + lambda) - parent;
          if (gain > bestGain) {
            bestGain = gain;
            bestF = f;
            bestB = b;
            bestML = 0;
            bestGL = gl;
            bestHL = hl;
          }
        }
        if (hasMissing) {
          const gl2 = gl + gM;
          const hl2 = hl + hM;
          hr = Hs - hl2;
          if (hl2 >= mcw && hr >= mcw) {
            const gr = G - gl2;
            const gain = (gl2 * gl2) / (hl2 + lambda) + (gr * gr) / (hr + lambda) - parent;
            if (gain > bestGain) {
              bestGain = gain;
              bestF = f;
              bestB = b;
              bestML = 1;
              bestGL = gl2;
              bestHL = hl2;
            }
          }
        }
      }
    }
    this.bestGain[node] = bestF >= 0 && bestGain > p.gamma && bestGain > 1e-10 ? bestGain : -1;
    this.bestFeat[node] = bestF;
    this.bestBin[node] = bestB;
    this.bestMissLeft[node] = bestML;
    this.bestGL[node] = bestGL;
    this.bestHL[node] = bestHL;
  }

  /** Stable partition of the node's rows; returns the first index of the right child. */
  private partition(node: number): number {
    const { rowsBuf, tmp, bins, nf } = this;
    const f = this.bestFeat[node]!;
    const b = this.bestBin[node]!;
    const ml = this.bestMissLeft[node]! === 1;
    const s = this.begin[node]!;
    const e = this.end[node]!;
    let l = s;
    let k = 0;
    for (let i = s; i < e; i++) {
      const r = rowsBuf[i]!;
      const bin = bins[r * nf + f]!;
      if (bin === 0 ? ml : bin <= b) rowsBuf[l++] = r;
      else tmp[k++] = r;
    }
    rowsBuf.set(tmp.subarray(0, k), l);
    return l;
  }

  private sums(node: number, grad: Float32Array, hess: Float32Array): void {
    let g = 0;
    let h = 0;
    for (let i = this.begin[node]!, e = this.end[node]!; i < e; i++) {
      const r = this.rowsBuf[i]!;
      g += grad[r]!;
      h += hess[r]!;
    }
    this.g[node] = g;
    this.h[node] = h;
  }

  grow(grad: Float32Array, hess: Float32Array, rng: Rng): Tree {
    const p = this.p;
    // row sample
    let m = 0;
    if (p.subsample >= 1) for (let r = 0; r < this.n; r++) this.rowsBuf[m++] = r;
    else {
      this.inSample.fill(0);
      for (let r = 0; r < this.n; r++) {
        if (rng.next() < p.subsample) {
          this.rowsBuf[m++] = r;
          this.inSample[r] = 1;
        }
      }
      if (m === 0) {
        const r = rng.int(this.n);
        this.rowsBuf[m++] = r;
        this.inSample[r] = 1;
      }
    }
    this.nSampled = m;
    // column sample per tree
    const k = Math.max(1, Math.round(p.colsample * this.nf));
    if (k >= this.nf) this.featAllowed.fill(1);
    else {
      const perm = new Uint32Array(this.nf);
      for (let f = 0; f < this.nf; f++) perm[f] = f;
      rng.shuffle(perm);
      this.featAllowed.fill(0);
      for (let i = 0; i < k; i++) this.featAllowed[perm[i]!] = 1;
    }
    this.freeHists.length = 0;
    for (let i = 0; i < this.histPool.length; i++) this.freeHists.push(i);
    this.nNodes = 1;
    this.begin[0] = 0;
    this.end[0] = m;
    this.depth[0] = 0;
    this.left[0] = -1;
    this.right[0] = -1;
    this.sums(0, grad, hess);
    this.hist[0] = -1;
    let leaves = 1;
    if (p.maxDepth > 0) {
      this.buildHist(0, grad, hess);
      this.findSplit(0);
    } else this.bestGain[0] = -1;
    while (leaves < this.maxLeaves) {
      // best leaf first
      let best = -1;
      let bestGain = 0;
      for (let i = 0; i < this.nNodes; i++) {
        if (this.left[i]! < 0 && this.bestGain[i]! > bestGain) {
          bestGain = this.bestGain[i]!;
          best = i;
        }
      }
      if (best < 0) break;
      this.split(best, grad, hess);
      leaves++;
    }
    for (let i = 0; i < this.nNodes; i++) this.releaseHist(i);
    return this.emit();
  }

  private initNode(c: number, b: number, e: number, d: number): void {
    this.begin[c] = b;
    this.end[c] = e;
    this.depth[c] = d;
    this.left[c] = -1;
    this.right[c] = -1;
    this.hist[c] = -1;
    this.bestGain[c] = -1;
  }

  private split(node: number, grad: Float32Array, hess: Float32Array): void {
    const mid = this.partition(node);
    const l = this.nNodes++;
    const r = this.nNodes++;
    this.left[node] = l;
    this.right[node] = r;
    const d = this.depth[node]! + 1;
    this.initNode(l, this.begin[node]!, mid, d);
    this.initNode(r, mid, this.end[node]!, d);
    // child sums come from the split's histogram scan, not from another pass over the rows
    this.g[l] = this.bestGL[node]!;
    this.h[l] = this.bestHL[node]!;
    this.g[r] = this.g[node]! - this.bestGL[node]!;
    this.h[r] = this.h[node]! - this.bestHL[node]!;
    if (d >= this.p.maxDepth) {
      this.releaseHist(node);
      return;
    }
    // build the smaller child, derive the larger by subtraction in the parent's buffer
    const small = mid - this.begin[node]! <= this.end[node]! - mid ? l : r;
    const large = small === l ? r : l;
    this.buildHist(small, grad, hess);
    const P = this.histPool[this.hist[node]!]!;
    const S = this.histPool[this.hist[small]!]!;
    for (let i = 0; i < P.length; i++) P[i] -= S[i]!;
    this.hist[large] = this.hist[node]!;
    this.hist[node] = -1;
    this.findSplit(small);
    this.findSplit(large);
  }

  private emit(): Tree {
    const n = this.nNodes;
    const t = {
      left: this.left.slice(0, n),
      right: this.right.slice(0, n),
      feature: new Int32Array(n),
      threshold: new Float32Array(n),
      defaultLeft: new Uint8Array(n),
      value: new Float64Array(n),
      cover: new Float64Array(n),
    };
    const eta = this.p.learningRate;
    for (let i = 0; i < n; i++) {
      t.value[i] = (-this.g[i]! / (this.h[i]! + this.p.lambda)) * eta;
      t.cover[i] = this.h[i]!;
      if (t.left[i]! >= 0) {
        t.feature[i] = this.bestFeat[i]!;
        t.threshold[i] = this.mapper.threshold(this.bestFeat[i]!, this.bestBin[i]!);
        t.defaultLeft[i] = this.bestMissLeft[i]!;
      }
    }
    return new Tree(t);
  }

  /**
   * Adds the last grown tree's output to every training row's margin. Sampled rows sit in their
   * leaf's row range already; only rows left out by subsampling walk the tree on their bins.
   */
  addToMargin(margin: Float64Array): void {
    const { bins, nf, left, right, bestFeat, bestBin, bestMissLeft, g, h, p, rowsBuf } = this;
    const eta = p.learningRate;
    for (let k = 0; k < this.nNodes; k++) {
      if (left[k]! >= 0) continue;
      const v = (-g[k]! / (h[k]! + p.lambda)) * eta;
      for (let i = this.begin[k]!, e = this.end[k]!; i < e; i++) margin[rowsBuf[i]!] += v;
    }
    if (this.nSampled === this.n) return;
    const inSample = this.inSample;
    for (let r = 0; r < this.n; r++) {
      if (inSample[r]) continue;
      let k = 0;
      const base = r * nf;
      while (left[k]! >= 0) {
        const bin = bins[base + bestFeat[k]!]!;
        k = (bin === 0 ? bestMissLeft[k] === 1 : bin <= bestBin[k]!) ? left[k]! : right[k]!;
      }
      margin[r] += (-g[k]! / (h[k]! + p.lambda)) * eta;
    }
  }

  get sampledRows(): number {
    return this.nSampled;
  }
}
