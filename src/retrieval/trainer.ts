/**
 * Trains a TwoTowerModel as extreme classification over the pin corpus with in-batch negatives
 * (plus optional uniformly sampled extra negatives) and sampling-bias correction:
 *
 *   logit(b, j) = u_b·v_j / T − log Qeff(j),   Qeff(j) = B·q(j) + M/N
 *
 * where q(j) is the streaming frequency of pin j as a positive (count-min sketch), B the batch
 * size, M the number of uniform negatives and N the corpus size: Qeff is the expected number of
 * times j is a candidate in the batch, so the softmax over the batch approximates the full
 * softmax (Yi et al. 2019; mixed negatives after Yang et al. 2020).
 *
 * Gradients are hand-derived (see docs/retrieval.md) and checked numerically in
 * test/retrieval/gradient.test.ts. Embedding tables get row-sparse ("lazy") Adam updates, so a
 * step costs O(batch) not O(corpus).
 */
import { Rng } from '../util/rng.js';
import { CountMinSketch } from './count-min.js';
import { DEFAULT_CONFIG, PARAM_NAMES, pinsNormalized, SPARSE_PARAMS, TwoTowerModel, type ParamName, type TwoTowerConfig } from './model.js';
import type { TrainingSet } from './training-set.js';
import { validateTrainingSet } from './training-set.js';

export interface TrainOptions {
  epochs: number;
  batchSize: number;
  /** uniformly sampled extra negatives shared by the batch */
  extraNegatives: number;
  learningRate: number;
  beta1: number;
  beta2: number;
  adamEps: number;
  /** L2 penalty on the parameters a step touches */
  weightDecay: number;
  /** apply the −log Q correction */
  logQCorrection: boolean;
  /** probability of dropping each history pin of a training example (regularisation) */
  historyDropout: number;
  seed: number;
  /** std-dev of the random init */
  initScale: number;
  cmsWidth: number;
  cmsDepth: number;
  /** skip the backward pass of a (user, negative) pair whose softmax probability is below this */
  gradSkip: number;
  /** called after every epoch */
  onEpoch?: (info: EpochInfo) => void;
}

export interface EpochInfo {
  epoch: number;
  loss: number;
  examples: number;
  seconds: number;
  examplesPerSecond: number;
  /** examples per second of this process's CPU time (fair on a shared machine) */
  examplesPerCpuSecond: number;
}

export const DEFAULT_TRAIN_OPTIONS: TrainOptions = {
  epochs: 10,
  batchSize: 256,
  extraNegatives: 256,
  learningRate: 0.005,
  beta1: 0.9,
  beta2: 0.999,
  adamEps: 1e-8,
  weightDecay: 0,
  logQCorrection: true,
  historyDropout: 0,
  seed: 1,
  initScale: 0.1,
  cmsWidth: 1 << 16,
  cmsDepth: 4,
  gradSkip: 1e-5,
};

export function validateTrainOptions(o: TrainOptions): void {
  const int = (k: keyof TrainOptions, min: number): void => {
    const v = o[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new Error(`train options: ${k} must be an integer >= ${min}, got ${String(v)}`);
  };
  int('epochs', 0);
  int('batchSize', 1);
  int('extraNegatives', 0);
  if (!(o.learningRate > 0)) throw new Error(`train options: learningRate must be > 0, got ${o.learningRate}`);
  if (!(o.weightDecay >= 0)) throw new Error(`train options: weightDecay must be >= 0, got ${o.weightDecay}`);
  if (!(o.historyDropout >= 0 && o.historyDropout < 1)) throw new Error(`train options: historyDropout must be in [0, 1), got ${o.historyDropout}`);
}

/** Result of training: the model, per-epoch figures and throughput. */
export interface TrainResult {
  model: TwoTowerModel;
  epochs: EpochInfo[];
  examplesPerSecond: number;
}

/**
 * One example = one (user, target position) in the training set; the user tower reads the
 * user's other pins (the most recent historyLen of them), so the target never leaks in.
 */
export class TwoTowerTrainer {
  readonly model: TwoTowerModel;
  readonly data: TrainingSet;
  readonly opts: TrainOptions;
  readonly sketch: CountMinSketch;
  /** gradients, same shapes as the params; embedding rows valid only where touched */
  readonly grads: Record<ParamName, Float32Array>;
  private readonly m: Record<ParamName, Float32Array>;
  private readonly v: Record<ParamName, Float32Array>;
  private step = 0;
  private readonly rng: Rng;

  // sparse-row bookkeeping for the embedding tables
  private stampE: Int32Array;
  private stampH: Int32Array;
  private touchedE: Int32Array;
  private touchedH: Int32Array;
  private nTouchedE = 0;
  private nTouchedH = 0;
  private stamp = 0;

  // batch buffers
  private readonly B: number;
  private readonly K: number;
  private A: Float32Array;
  private U: Float32Array;
  private aNorm: Float64Array;
  private V: Float32Array;
  private vNorm: Float64Array;
  private cand: Int32Array;
  private logQ: Float64Array;
  private logits: Float64Array;
  private active: Int32Array;
  private activeG: Float64Array;
  private dU: Float32Array;
  private dV: Float32Array;
  private histBuf: Int32Array;
  private histCount: Int32Array;
  /** per batch row: mean of the history pins' feature vectors (B x pinFeatureDim) */
  private histFeat: Float32Array;
  private histStart: Int32Array;
  private exUser: Int32Array;
  /** user of each training position */
  readonly userOf: Int32Array;
  private readonly histDropMask: Uint8Array;

  constructor(model: TwoTowerModel, data: TrainingSet, opts: Partial<TrainOptions> = {}) {
    validateTrainingSet(data);
    this.opts = { ...DEFAULT_TRAIN_OPTIONS, ...opts };
    validateTrainOptions(this.opts);
    const c = model.config;
    if (c.numPins !== data.numPins) throw new Error(`trainer: model has ${c.numPins} pins, data has ${data.numPins}`);
    if ((data.pinFeatureDim ?? 0) !== c.pinFeatureDim && data.pinFeatures) throw new Error(`trainer: pin feature width ${data.pinFeatureDim} != model ${c.pinFeatureDim}`);
    if (data.userProfiles && (data.userFeatureDim ?? 0) !== c.userFeatureDim) throw new Error(`trainer: user feature width ${data.userFeatureDim} != model ${c.userFeatureDim}`);
    if (data.userInterests && (data.interestDim ?? 0) !== c.interestDim) throw new Error(`trainer: interest width ${data.interestDim} != model ${c.interestDim}`);
    this.model = model;
    this.data = data;
    this.rng = new Rng(this.opts.seed);
    this.sketch = new CountMinSketch(this.opts.cmsWidth, this.opts.cmsDepth, this.opts.seed);
    const mk = (): Record<ParamName, Float32Array> => {
      const r = {} as Record<ParamName, Float32Array>;
      for (const n of PARAM_NAMES) r[n] = new Float32Array(model.params[n].length);
      return r;
    };
    this.grads = mk();
    this.m = mk();
    this.v = mk();
    this.stampE = new Int32Array(c.numPins).fill(-1);
    this.stampH = new Int32Array(c.numPins).fill(-1);
    this.touchedE = new Int32Array(c.numPins);
    this.touchedH = new Int32Array(c.numPins);

    const d = c.dim;
    this.B = this.opts.batchSize;
    this.K = this.B + this.opts.extraNegatives;
    this.A = new Float32Array(this.B * d);
    this.U = new Float32Array(this.B * d);
    this.aNorm = new Float64Array(this.B);
    this.V = new Float32Array(this.K * d);
    this.vNorm = new Float64Array(this.K);
    this.cand = new Int32Array(this.K);
    this.logQ = new Float64Array(this.K);
    this.logits = new Float64Array(this.B * this.K);
    this.active = new Int32Array(this.K);
    this.activeG = new Float64Array(this.K);
    this.dU = new Float32Array(this.B * d);
    this.dV = new Float32Array(this.K * d);
    this.histBuf = new Int32Array(this.B * c.historyLen);
    this.histCount = new Int32Array(this.B);
    this.histFeat = new Float32Array(this.B * c.pinFeatureDim);
    this.histStart = new Int32Array(this.B);
    this.exUser = new Int32Array(this.B);
    this.histDropMask = new Uint8Array(c.historyLen + 1);
    this.userOf = new Int32Array(data.pins.length);
    for (let u = 0; u < data.numUsers; u++) {
      for (let i = data.offsets[u]!; i < data.offsets[u + 1]!; i++) this.userOf[i] = u;
    }
  }

  /** Training positions that carry signal: the user has another pin or user-side features. */
  examplePositions(): Int32Array {
    const d = this.data;
    const hasSide = !!d.userProfiles || !!d.userInterests;
    const out: number[] = [];
    for (let u = 0; u < d.numUsers; u++) {
      const s = d.offsets[u]!;
      const e = d.offsets[u + 1]!;
      if (e - s < 2 && !hasSide) continue;
      for (let i = s; i < e; i++) out.push(i);
    }
    return Int32Array.from(out);
  }

  /** Runs all epochs. */
  train(): TrainResult {
    const o = this.opts;
    const examples = this.examplePositions();
    if (examples.length === 0) throw new Error('trainer: no training examples (every user has fewer than 2 pins)');
    const epochs: EpochInfo[] = [];
    let totalEx = 0;
    let totalSec = 0;
    const batch = new Int32Array(o.batchSize);
    const negs = new Int32Array(o.extraNegatives);
    for (let ep = 0; ep < o.epochs; ep++) {
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      this.rng.shuffle(examples);
      let lossSum = 0;
      let n = 0;
      for (let s = 0; s < examples.length; s += o.batchSize) {
        const bs = Math.min(o.batchSize, examples.length - s);
        for (let b = 0; b < bs; b++) batch[b] = examples[s + b]!;
        for (let k = 0; k < negs.length; k++) negs[k] = this.rng.int(this.data.numPins);
        const pos = batch.subarray(0, bs);
        for (let b = 0; b < bs; b++) this.sketch.add(this.data.pins[pos[b]!]!);
        lossSum += this.computeBatch(pos, negs, true, true) * bs;
        this.applyAdam();
        n += bs;
      }
      const sec = (performance.now() - t0) / 1000;
      const cu = process.cpuUsage(c0);
      const cpu = (cu.user + cu.system) / 1e6;
      totalEx += n;
      totalSec += sec;
      const info: EpochInfo = {
        epoch: ep + 1,
        loss: lossSum / n,
        examples: n,
        seconds: sec,
        examplesPerSecond: n / sec,
        examplesPerCpuSecond: cpu > 0 ? n / cpu : 0,
      };
      epochs.push(info);
      o.onEpoch?.(info);
    }
    return { model: this.model, epochs, examplesPerSecond: totalSec > 0 ? totalEx / totalSec : 0 };
  }

  /**
   * Forward (and optionally backward) pass for one batch of training positions and a list of
   * extra negatives. Returns the mean loss; with wantGrad, fills this.grads (embedding rows only
   * where touched). Deterministic unless `dropout` is set (history dropout draws from the RNG).
   */
  computeBatch(positions: Int32Array, negatives: Int32Array, wantGrad: boolean, dropout = false): number {
    const model = this.model;
    const c = model.config;
    const d = c.dim;
    const data = this.data;
    const P = model.params;
    const bs = positions.length;
    const M = negatives.length;
    if (bs > this.B || M > this.K - this.B) throw new Error('trainer: batch larger than the trainer was built for');
    const K = bs + M;
    const F = c.pinFeatureDim;
    const pf = data.pinFeatures && F > 0 ? data.pinFeatures : undefined;
    const L = c.historyLen;
    const A = this.A;
    const U = this.U;
    const V = this.V;
    const invT = 1 / c.temperature;
    const p = this.opts.historyDropout;
    const normPins = pinsNormalized(c);

    // ---- user tower ----
    for (let b = 0; b < bs; b++) {
      const pos = positions[b]!;
      const u = this.userOf[pos]!;
      this.exUser[b] = u;
      const s = data.offsets[u]!;
      const e = data.offsets[u + 1]!;
      // the most recent L positions other than pos
      let cnt = 0;
      const hb = b * L;
      let i = e - 1;
      while (i >= s && cnt < L) {
        if (i !== pos) this.histBuf[hb + cnt++] = data.pins[i]!;
        i--;
      }
      let kept = cnt;
      if (dropout && p > 0 && cnt > 1) {
        // drop pins at random but keep at least one
        let w = 0;
        for (let r = 0; r < cnt; r++) {
          if (this.rng.next() >= p) this.histBuf[hb + w++] = this.histBuf[hb + r]!;
        }
        if (w === 0) w = 1;
        kept = w;
      }
      this.histCount[b] = kept;
      const ao = b * d;
      A.fill(0, ao, ao + d);
      if (kept > 0) {
        const H = P.histEmb;
        const fo = b * F;
        if (pf) this.histFeat.fill(0, fo, fo + F);
        for (let r = 0; r < kept; r++) {
          const hp = this.histBuf[hb + r]!;
          const o = hp * d;
          for (let k = 0; k < d; k++) A[ao + k]! += H[o + k]!;
          if (pf) for (let q = 0, xo = hp * F; q < F; q++) this.histFeat[fo + q]! += pf[xo + q]!;
        }
        const inv = 1 / kept;
        for (let k = 0; k < d; k++) A[ao + k]! *= inv;
        // mean_p(Wh^T f_p) = Wh^T mean_p(f_p): one projection per user instead of one per history pin
        if (pf) {
          for (let q = 0; q < F; q++) this.histFeat[fo + q]! *= inv;
          addProj(P.histFeatW, this.histFeat, fo, F, d, A, ao);
        }
      }
      if (data.userProfiles && c.userFeatureDim > 0) addProj(P.userFeatW, data.userProfiles, u * c.userFeatureDim, c.userFeatureDim, d, A, ao);
      if (data.userInterests && c.interestDim > 0) addProj(P.interestW, data.userInterests, u * c.interestDim, c.interestDim, d, A, ao);
      this.aNorm[b] = normInto(A, U, ao, d, c.normalize);
    }

    // ---- pin tower over candidates: batch positives then extra negatives ----
    const N = data.numPins;
    const corr = this.opts.logQCorrection;
    for (let j = 0; j < K; j++) {
      const pin = j < bs ? data.pins[positions[j]!]! : negatives[j - bs]!;
      this.cand[j] = pin;
      const vo = j * d;
      const E = P.pinEmb;
      const eo = pin * d;
      for (let k = 0; k < d; k++) V[vo + k] = E[eo + k]!;
      if (pf) addProj(P.pinFeatW, pf, pin * F, F, d, V, vo);
      this.vNorm[j] = normInPlace(V, vo, d, normPins);
      this.logQ[j] = corr ? Math.log(bs * this.sketch.probability(pin) + M / N + 1e-12) : 0;
    }

    // ---- logits, softmax cross-entropy ----
    const lg = this.logits;
    const logQ = this.logQ;
    // raw logits, four users at a time so each candidate row is loaded once per four dots
    let b0 = 0;
    for (; b0 + 3 < bs; b0 += 4) {
      const u0 = b0 * d;
      const u1 = u0 + d;
      const u2 = u1 + d;
      const u3 = u2 + d;
      const r0 = b0 * K;
      for (let j = 0; j < K; j++) {
        const vo = j * d;
        let s0 = 0;
        let s1 = 0;
        let s2 = 0;
        let s3 = 0;
        for (let k = 0; k < d; k++) {
          const v = V[vo + k]!;
          s0 += U[u0 + k]! * v;
          s1 += U[u1 + k]! * v;
          s2 += U[u2 + k]! * v;
          s3 += U[u3 + k]! * v;
        }
        const q = logQ[j]!;
        lg[r0 + j] = s0 * invT - q;
        lg[r0 + K + j] = s1 * invT - q;
        lg[r0 + 2 * K + j] = s2 * invT - q;
        lg[r0 + 3 * K + j] = s3 * invT - q;
      }
    }
    for (; b0 < bs; b0++) {
      for (let j = 0; j < K; j++) lg[b0 * K + j] = dotAt(U, b0 * d, V, j * d, d) * invT - logQ[j]!;
    }
    let loss = 0;
    for (let b = 0; b < bs; b++) {
      const row = b * K;
      const tb = this.cand[b]!;
      let mx = -Infinity;
      for (let j = 0; j < K; j++) {
        // another copy of the positive is not a negative
        if (j !== b && this.cand[j] === tb) lg[row + j] = -Infinity;
        else if (lg[row + j]! > mx) mx = lg[row + j]!;
      }
      let se = 0;
      for (let j = 0; j < K; j++) se += Math.exp(lg[row + j]! - mx);
      const lse = mx + Math.log(se);
      loss += lse - lg[row + b]!;
      if (wantGrad) {
        // G = (softmax - onehot) / bs, stored back into the logits row
        for (let j = 0; j < K; j++) lg[row + j] = Math.exp(lg[row + j]! - lse) / bs;
        lg[row + b]! -= 1 / bs;
      }
    }
    loss /= bs;
    if (!wantGrad) return loss;

    // ---- backward ----
    const skip = this.opts.gradSkip / bs;
    this.beginGrads();
    const dU = this.dU;
    const dV = this.dV;
    dU.fill(0, 0, bs * d);
    dV.fill(0, 0, K * d);
    const act = this.active;
    const actG = this.activeG;
    for (let b = 0; b < bs; b++) {
      const uo = b * d;
      const row = b * K;
      // candidates with a gradient worth applying (the model already rules out the rest)
      let na = 0;
      for (let j = 0; j < K; j++) {
        const g = lg[row + j]!;
        if (g === 0 || (j !== b && g < skip)) continue;
        act[na] = j;
        actG[na++] = g * invT;
      }
      // four candidates at a time: dU_b is read and written once per four
      let t = 0;
      for (; t + 3 < na; t += 4) {
        const v0 = act[t]! * d;
        const v1 = act[t + 1]! * d;
        const v2 = act[t + 2]! * d;
        const v3 = act[t + 3]! * d;
        const g0 = actG[t]!;
        const g1 = actG[t + 1]!;
        const g2 = actG[t + 2]!;
        const g3 = actG[t + 3]!;
        for (let k = 0; k < d; k++) {
          const u = U[uo + k]!;
          dU[uo + k]! += g0 * V[v0 + k]! + g1 * V[v1 + k]! + g2 * V[v2 + k]! + g3 * V[v3 + k]!;
          dV[v0 + k]! += g0 * u;
          dV[v1 + k]! += g1 * u;
          dV[v2 + k]! += g2 * u;
          dV[v3 + k]! += g3 * u;
        }
      }
      for (; t < na; t++) {
        const vo = act[t]! * d;
        const g = actG[t]!;
        for (let k = 0; k < d; k++) {
          dU[uo + k]! += g * V[vo + k]!;
          dV[vo + k]! += g * U[uo + k]!;
        }
      }
    }
    // through the normalisations
    for (let b = 0; b < bs; b++) normBackward(U, dU, b * d, d, this.aNorm[b]!, c.normalize);
    for (let j = 0; j < K; j++) normBackward(V, dV, j * d, d, this.vNorm[j]!, normPins);

    // pin tower params
    const gE = this.grads.pinEmb;
    for (let j = 0; j < K; j++) {
      const pin = this.cand[j]!;
      const ro = this.touchRow(pin, true) * d;
      const vo = j * d;
      for (let k = 0; k < d; k++) gE[ro + k]! += dV[vo + k]!;
      if (pf) outerAdd(this.grads.pinFeatW, pf, pin * F, F, dV, vo, d, 1);
    }
    // user tower params
    const gH = this.grads.histEmb;
    for (let b = 0; b < bs; b++) {
      const uo = b * d;
      const kept = this.histCount[b]!;
      if (kept > 0) {
        const inv = 1 / kept;
        const hb = b * L;
        for (let r = 0; r < kept; r++) {
          const hp = this.histBuf[hb + r]!;
          const ro = this.touchRow(hp, false) * d;
          for (let k = 0; k < d; k++) gH[ro + k]! += dU[uo + k]! * inv;
        }
        if (pf) outerAdd(this.grads.histFeatW, this.histFeat, b * F, F, dU, uo, d, 1);
      }
      const u = this.exUser[b]!;
      if (data.userProfiles && c.userFeatureDim > 0) outerAdd(this.grads.userFeatW, data.userProfiles, u * c.userFeatureDim, c.userFeatureDim, dU, uo, d, 1);
      if (data.userInterests && c.interestDim > 0) outerAdd(this.grads.interestW, data.userInterests, u * c.interestDim, c.interestDim, dU, uo, d, 1);
    }
    return loss;
  }

  /** Rows of pinEmb (which=true) or histEmb touched by the last computeBatch. */
  touchedRows(which: 'pinEmb' | 'histEmb'): Int32Array {
    return which === 'pinEmb' ? this.touchedE.subarray(0, this.nTouchedE) : this.touchedH.subarray(0, this.nTouchedH);
  }

  private beginGrads(): void {
    this.stamp++;
    this.nTouchedE = 0;
    this.nTouchedH = 0;
    for (const n of PARAM_NAMES) if (!SPARSE_PARAMS.has(n)) this.grads[n].fill(0);
  }

  /** Marks a row touched (zeroing its gradient the first time) and returns it. */
  private touchRow(row: number, pinTable: boolean): number {
    const stamp = pinTable ? this.stampE : this.stampH;
    if (stamp[row] !== this.stamp) {
      stamp[row] = this.stamp;
      const d = this.model.config.dim;
      (pinTable ? this.grads.pinEmb : this.grads.histEmb).fill(0, row * d, row * d + d);
      if (pinTable) this.touchedE[this.nTouchedE++] = row;
      else this.touchedH[this.nTouchedH++] = row;
    }
    return row;
  }

  /** Adam step on the current gradients; embedding tables only on touched rows (lazy Adam). */
  applyAdam(): void {
    const o = this.opts;
    this.step++;
    const b1 = o.beta1;
    const b2 = o.beta2;
    const lr = o.learningRate * Math.sqrt(1 - Math.pow(b2, this.step)) / (1 - Math.pow(b1, this.step));
    const d = this.model.config.dim;
    for (const n of PARAM_NAMES) {
      const p = this.model.params[n];
      if (p.length === 0) continue;
      const g = this.grads[n];
      const m = this.m[n];
      const v = this.v[n];
      if (SPARSE_PARAMS.has(n)) {
        const rows = this.touchedRows(n as 'pinEmb' | 'histEmb');
        for (let r = 0; r < rows.length; r++) {
          const o0 = rows[r]! * d;
          adamRange(p, g, m, v, o0, o0 + d, b1, b2, lr, o.adamEps, o.weightDecay);
        }
      } else {
        adamRange(p, g, m, v, 0, p.length, b1, b2, lr, o.adamEps, o.weightDecay);
      }
    }
  }
}

/** Dot product of a[ao..ao+d) and b[bo..bo+d), unrolled by 4. */
function dotAt(a: Float32Array, ao: number, b: Float32Array, bo: number, d: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let k = 0;
  for (; k + 3 < d; k += 4) {
    s0 += a[ao + k]! * b[bo + k]!;
    s1 += a[ao + k + 1]! * b[bo + k + 1]!;
    s2 += a[ao + k + 2]! * b[bo + k + 2]!;
    s3 += a[ao + k + 3]! * b[bo + k + 3]!;
  }
  for (; k < d; k++) s0 += a[ao + k]! * b[bo + k]!;
  return s0 + s1 + s2 + s3;
}

function adamRange(
  p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array,
  from: number, to: number, b1: number, b2: number, lr: number, eps: number, wd: number,
): void {
  for (let i = from; i < to; i++) {
    const gi = g[i]! + wd * p[i]!;
    const mi = b1 * m[i]! + (1 - b1) * gi;
    const vi = b2 * v[i]! + (1 - b2) * gi * gi;
    m[i] = mi;
    v[i] = vi;
    p[i]! -= (lr * mi) / (Math.sqrt(vi) + eps);
  }
}

/** out[oo..oo+d) += W^T x, x = X[xo..xo+F). */
function addProj(W: Float32Array, X: Float32Array, xo: number, F: number, d: number, out: Float32Array, oo: number): void {
  for (let r = 0; r < F; r++) {
    const xr = X[xo + r]!;
    if (xr === 0) continue;
    const wo = r * d;
    for (let k = 0; k < d; k++) out[oo + k]! += xr * W[wo + k]!;
  }
}

/** G += scale * x ⊗ g, x = X[xo..xo+F), g = Gv[go..go+d). */
function outerAdd(G: Float32Array, X: Float32Array, xo: number, F: number, Gv: Float32Array, go: number, d: number, scale: number): void {
  for (let r = 0; r < F; r++) {
    const xr = X[xo + r]! * scale;
    if (xr === 0) continue;
    const wo = r * d;
    for (let k = 0; k < d; k++) G[wo + k]! += xr * Gv[go + k]!;
  }
}

/** out[o..o+d) = normalised src[o..o+d); returns the pre-norm length (1 when not normalising). */
function normInto(src: Float32Array, out: Float32Array, o: number, d: number, normalize: boolean): number {
  if (!normalize) {
    for (let k = 0; k < d; k++) out[o + k] = src[o + k]!;
    return 1;
  }
  let s = 0;
  for (let k = 0; k < d; k++) s += src[o + k]! * src[o + k]!;
  const n = Math.sqrt(s);
  const inv = n > 0 ? 1 / n : 0;
  for (let k = 0; k < d; k++) out[o + k] = src[o + k]! * inv;
  return n;
}

function normInPlace(v: Float32Array, o: number, d: number, normalize: boolean): number {
  return normInto(v, v, o, d, normalize);
}

/**
 * Gradient through y = x/|x|: dx = (dy − y (y·dy)) / |x|, in place on dy. A zero vector
 * passes no gradient (its direction is undefined).
 */
function normBackward(y: Float32Array, dy: Float32Array, o: number, d: number, n: number, normalize: boolean): void {
  if (!normalize) return;
  if (!(n > 0)) {
    dy.fill(0, o, o + d);
    return;
  }
  let s = 0;
  for (let k = 0; k < d; k++) s += y[o + k]! * dy[o + k]!;
  const inv = 1 / n;
  for (let k = 0; k < d; k++) dy[o + k] = (dy[o + k]! - y[o + k]! * s) * inv;
}

/** Convenience: create, initialise and train a model on a training set. */
export function trainTwoTower(
  data: TrainingSet,
  config: Partial<Omit<TwoTowerConfig, 'numPins'>> = {},
  opts: Partial<TrainOptions> = {},
): TrainResult {
  const o = { ...DEFAULT_TRAIN_OPTIONS, ...opts };
  const model = new TwoTowerModel({
    ...DEFAULT_CONFIG,
    ...config,
    numPins: data.numPins,
    pinFeatureDim: data.pinFeatures ? (data.pinFeatureDim ?? 0) : (config.pinFeatureDim ?? 0),
    userFeatureDim: data.userProfiles ? (data.userFeatureDim ?? 0) : (config.userFeatureDim ?? 0),
    interestDim: data.userInterests ? (data.interestDim ?? 0) : (config.interestDim ?? 0),
  });
  model.initRandom(new Rng(o.seed ^ 0x5bd1e995), o.initScale);
  return new TwoTowerTrainer(model, data, o).train();
}
