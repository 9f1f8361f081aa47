import type { PinBoardGraph } from '../../graph/graph.js';
import { hashSeed } from '../../util/rng.js';
import { PixieWalker } from '../../walk/pixie.js';

/**
 * Features of (user, candidate item) pairs from graph walks, for the learned ranker of
 * `pixie-ranked`. Items are pins and users boards (datasetGraph), the query pins are the user's
 * training items. Two kinds:
 *
 * - `w_*`: Pixie walks, one walk per query pin (its share of the step budget) so that each
 *   candidate's visits V_q from every query pin q are known: the boosted score (Σ_q √V_q)²,
 *   raw visits, how many query pins reached it, the most and the mean visits per query pin.
 * - `p_*`: the same one-hop walk (pin → board → pin) in expectation, computed exactly for the
 *   candidates only: P(q→j) = Σ_{b ∋ q, j} 1/(deg q · |b|) and its relatives (co-occurrences,
 *   RP3beta's α = 0.5 weighting, cosine). Exact, so no Monte-Carlo noise, and cheaper than the
 *   walks (Σ_q Σ_{b∋q} |b| operations per user).
 *
 * A query pin never counts its own visits (q → … → q): item methods here use a zero diagonal
 * too, so an item is not recommended by itself. Every candidate is featurised by the same
 * rule, whether or not it is one of the user's items.
 */
export const WALK_FEATURES = [
  'w_boost', // (Σ_q √V_q)² / S, S = steps per query pin
  'w_boost_deg', // w_boost / deg^β (the Pixie score)
  'w_visits', // Σ_q V_q / (S·n)
  'w_visits_deg', // w_visits / deg^β
  'w_hits', // query pins with V_q > 0
  'w_hit_frac', // w_hits / n
  'w_max', // max_q V_q / S
  'w_mean_hit', // Σ_q V_q / w_hits / S
  'w_val', // Σ_q c_q V_q / (S·Σ c_q), c_q = log(1 + value of q) (lastfm play counts)
  'w_val_boost', // (Σ_q c_q √V_q)² / (S·(Σ c_q)²)·n
  'p_co', // Σ_q |boards with q and j|
  'p_hits', // query pins sharing a board with j
  'p_p3', // mean_q P(q→j)
  'p_p3_deg', // p_p3 / deg^β
  'p_rp3', // Σ_q Σ_b (deg q · |b|)^-½ / deg^0.3 (RP3beta, α = 0.5)
  'p_rp3_b5', // the same / deg^0.5
  'p_p3_b25', // p_p3 / deg^0.25
  'p_p3_b75', // p_p3 / deg^0.75
  'p_p3_b1', // p_p3 / deg
  'p_cos', // Σ_q co(q, j) / √(deg q · deg j) (item kNN)
  'p_max', // max_q P(q→j)
  'p_val', // Σ_q c_q P(q→j) / Σ c_q
  'deg', // training users of j
  'log_deg_rel', // log(1 + deg j) − mean_q log(1 + deg q)
  'n_items', // the user's training items
  'user_mean_log_deg', // mean_q log(1 + deg q)
  'rank_boost', // rank of w_boost_deg in the candidate list / list length (0 = top)
  'rank_cos', // rank of p_cos in the candidate list / list length
] as const;

export const NUM_WALK_FEATURES = WALK_FEATURES.length;

export interface WalkFeatureOptions {
  /** total walk steps per user, split evenly across the query pins */
  steps: number;
  /** restart probability of the walks (1 = one-hop walks) */
  alpha: number;
  /** degree penalty β of w_boost_deg, w_visits_deg, p_p3_deg */
  beta: number;
  /**
   * leave the user's own board out: the exact features skip it, and each walk's visits through
   * it (boardScore · 1/|board| per pin of the board, exact in expectation for one-hop walks) are
   * subtracted; needs alpha = 1. false: the graph as it is.
   */
  ownBoard: boolean;
  seed: number;
}

/** Computes WALK_FEATURES for one graph; owns its walker and scratch (one per thread). */
export class WalkFeaturizer {
  private readonly walker: PixieWalker;
  private readonly deg: Float64Array;
  private readonly logDeg: Float64Array;
  private readonly slot: Int32Array;
  private acc: Float64Array = new Float64Array(0);
  private perQ: Float64Array = new Float64Array(0);
  private cap = 0;

  constructor(
    readonly graph: PinBoardGraph,
    private readonly o: WalkFeatureOptions,
  ) {
    if (!Number.isInteger(o.steps) || o.steps < 1) throw new RangeError(`walk features: steps must be an integer >= 1, got ${o.steps}`);
    if (!(o.alpha > 0 && o.alpha <= 1)) throw new RangeError(`walk features: alpha must be in (0, 1], got ${o.alpha}`);
    if (!(o.beta >= 0)) throw new RangeError(`walk features: beta must be >= 0, got ${o.beta}`);
    if (o.ownBoard && o.alpha !== 1) throw new RangeError(`walk features: leaving the own board out needs one-hop walks (alpha = 1), got alpha ${o.alpha}`);
    this.walker = new PixieWalker(graph);
    const n = graph.numPins;
    this.deg = new Float64Array(n);
    this.logDeg = new Float64Array(n);
    for (let p = 0; p < n; p++) {
      this.deg[p] = graph.pinDegree(p);
      this.logDeg[p] = Math.log1p(this.deg[p]!);
    }
    this.slot = new Int32Array(n).fill(-1);
  }

  /**
   * Writes the features of `cands` (rows of NUM_WALK_FEATURES floats) into `out` from offset 0,
   * for a user (board `user` of the graph) whose items are `query` with interaction `values`.
   * `cands` may repeat items; a repeated item gets the same row.
   */
  compute(user: number, query: Uint32Array, values: Float64Array, cands: Uint32Array, out: Float32Array): void {
    const nf = NUM_WALK_FEATURES;
    const m = cands.length;
    if (out.length < m * nf) throw new RangeError(`walk features: output holds ${out.length} values, need ${m * nf}`);
    const g = this.graph;
    for (let k = 0; k < m; k++) {
      const j = cands[k]!;
      if (j >= g.numPins) throw new RangeError(`walk features: candidate item ${j} is not in the graph (${g.numPins} items)`);
    }
    this.ensure(m);
    // distinct candidates get a slot; a repeat points at the first occurrence
    const slot = this.slot;
    const first = this.firstOf;
    let nd = 0;
    for (let k = 0; k < m; k++) {
      const j = cands[k]!;
      if (slot[j]! < 0) {
        slot[j] = nd;
        this.distinct[nd++] = j;
      }
      first[k] = slot[j]!;
    }
    const A = this.acc;
    A.fill(0, 0, nd * ACC);
    const n = query.length;
    let sumC = 0;
    let meanLogQ = 0;
    for (let k = 0; k < n; k++) {
      sumC += Math.log1p(values[k]!);
      meanLogQ += this.logDeg[query[k]!]!;
    }
    meanLogQ = n > 0 ? meanLogQ / n : 0;
    const S = n > 0 ? Math.max(1, Math.round(this.o.steps / n)) : 1;
    this.walkFeatures(user, query, values, nd, S);
    this.exactFeatures(user, query, values, nd);
    // assemble rows per distinct candidate
    const beta = this.o.beta;
    const rows = this.rows;
    for (let d = 0; d < nd; d++) {
      const j = this.distinct[d]!;
      const a = d * ACC;
      const dj = this.deg[j]!;
      const pen = dj > 0 ? Math.pow(dj, beta) : 1;
      const r = d * nf;
      const sqrtSum = A[a + A_SQRT]!;
      const vis = A[a + A_VIS]!;
      const hits = A[a + A_HITS]!;
      const wBoost = (sqrtSum * sqrtSum) / S;
      rows[r + 0] = wBoost;
      rows[r + 1] = wBoost / pen;
      rows[r + 2] = n > 0 ? vis / (S * n) : 0;
      rows[r + 3] = rows[r + 2]! / pen;
      rows[r + 4] = hits;
      rows[r + 5] = n > 0 ? hits / n : 0;
      rows[r + 6] = A[a + A_MAX]! / S;
      rows[r + 7] = hits > 0 ? vis / hits / S : 0;
      rows[r + 8] = sumC > 0 ? A[a + A_CVIS]! / (S * sumC) : 0;
      const cs = A[a + A_CSQRT]!;
      rows[r + 9] = sumC > 0 ? ((cs * cs) / (S * sumC * sumC)) * n : 0;
      rows[r + 10] = A[a + A_CO]!;
      rows[r + 11] = A[a + A_PHITS]!;
      rows[r + 12] = n > 0 ? A[a + A_P3]! / n : 0;
      rows[r + 13] = rows[r + 12]! / pen;
      rows[r + 14] = dj > 0 ? A[a + A_RP3]! / Math.pow(dj, 0.3) : 0;
      rows[r + 15] = dj > 0 ? A[a + A_RP3]! / Math.sqrt(dj) : 0;
      rows[r + 16] = dj > 0 ? rows[r + 12]! / Math.pow(dj, 0.25) : 0;
      rows[r + 17] = dj > 0 ? rows[r + 12]! / Math.pow(dj, 0.75) : 0;
      rows[r + 18] = dj > 0 ? rows[r + 12]! / dj : 0;
      rows[r + 19] = dj > 0 ? A[a + A_COS]! / Math.sqrt(dj) : 0;
      rows[r + 20] = A[a + A_PMAX]!;
      rows[r + 21] = sumC > 0 ? A[a + A_PVAL]! / sumC : 0;
      rows[r + 22] = dj;
      rows[r + 23] = this.logDeg[j]! - meanLogQ;
      rows[r + 24] = n;
      rows[r + 25] = meanLogQ;
    }
    rankWithin(rows, nd, nf, 1, 26, this.order);
    rankWithin(rows, nd, nf, 19, 27, this.order);
    for (let k = 0; k < m; k++) {
      const src = first[k]! * nf;
      for (let f = 0; f < nf; f++) out[k * nf + f] = rows[src + f]!;
    }
    for (let d = 0; d < nd; d++) slot[this.distinct[d]!] = -1;
  }

  // scratch sized to the largest candidate list seen
  private distinct = new Uint32Array(0);
  private firstOf = new Int32Array(0);
  private rows = new Float32Array(0);
  private order = new Uint32Array(0);
  private touched = new Uint32Array(0);
  private lastSeen = new Int32Array(0);

  private ensure(m: number): void {
    if (m <= this.cap) return;
    this.cap = m;
    this.distinct = new Uint32Array(m);
    this.firstOf = new Int32Array(m);
    this.rows = new Float32Array(m * NUM_WALK_FEATURES);
    this.order = new Uint32Array(m);
    this.touched = new Uint32Array(m);
    this.lastSeen = new Int32Array(m);
    this.acc = new Float64Array(m * ACC);
    this.perQ = new Float64Array(m);
  }

  /** One Pixie walk per query pin, S steps each; folds each candidate's visits. */
  private walkFeatures(user: number, query: Uint32Array, values: Float64Array, nd: number, S: number): void {
    const A = this.acc;
    const w = this.walker;
    const o = this.o;
    for (let k = 0; k < query.length; k++) {
      const q = query[k]!;
      if (this.deg[q] === 0) continue;
      const c = Math.log1p(values[k]!);
      // seeded by (user, query pin) only: the candidates never influence the walk
      w.query([q], undefined, { steps: S, alpha: o.alpha, boost: false, degreePenalty: 0, np: 0, topK: 0, countBoards: o.ownBoard === true, seed: hashSeed(`${user}:${q}`, o.seed >>> 0) });
      // visits each pin of the own board got through it, in expectation (one-hop walks)
      const own = o.ownBoard && user < this.graph.numBoards ? w.boardScore(user) / Math.max(1, this.graph.boardDegree(user)) : 0;
      for (let d = 0; d < nd; d++) {
        const j = this.distinct[d]!;
        if (j === q) continue; // no self-visits
        let v = w.score(j);
        if (own > 0 && v > 0 && this.inBoard(user, j)) v = Math.max(0, v - own);
        if (v === 0) continue;
        const a = d * ACC;
        const sv = Math.sqrt(v);
        A[a + A_SQRT]! += sv;
        A[a + A_VIS]! += v;
        A[a + A_HITS]! += 1;
        if (v > A[a + A_MAX]!) A[a + A_MAX] = v;
        A[a + A_CVIS]! += c * v;
        A[a + A_CSQRT]! += c * sv;
      }
    }
  }

  /** Whether pin j is on board b (binary search in the board's sorted row). */
  private inBoard(b: number, j: number): boolean {
    const adj = this.graph.boardAdj;
    let lo = this.graph.boardOffsets[b]!;
    let hi = this.graph.boardOffsets[b + 1]!;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (adj[mid]! < j) lo = mid + 1;
      else hi = mid;
    }
    return lo < this.graph.boardOffsets[b + 1]! && adj[lo] === j;
  }

  /** The one-hop walk's exact probabilities for the candidates (see the class comment). */
  private exactFeatures(user: number, query: Uint32Array, values: Float64Array, nd: number): void {
    const g = this.graph;
    const A = this.acc;
    const slot = this.slot;
    const perQ = this.perQ;
    const touched = this.touched;
    const lastSeen = this.lastSeen;
    lastSeen.fill(-1, 0, nd);
    const skipOwn = this.o.ownBoard;
    const pinOff = g.pinOffsets;
    const pinAdj = g.pinAdj;
    const boardOff = g.boardOffsets;
    const boardAdj = g.boardAdj;
    for (let k = 0; k < query.length; k++) {
      const q = query[k]!;
      const dq = this.deg[q]!;
      if (dq === 0) continue;
      const c = Math.log1p(values[k]!);
      const sqDq = Math.sqrt(dq);
      let nt = 0;
      for (let e = pinOff[q]!; e < pinOff[q + 1]!; e++) {
        const b = pinAdj[e]!;
        if (skipOwn && b === user) continue;
        const s = boardOff[b]!;
        const sb = boardOff[b + 1]! - s;
        const w1 = 1 / (dq * sb);
        const wa = Math.sqrt(w1);
        for (let t = s; t < s + sb; t++) {
          const p = boardAdj[t]!;
          const d = slot[p]!;
          if (d < 0 || p === q) continue;
          const a = d * ACC;
          A[a + A_CO]! += 1;
          A[a + A_P3]! += w1;
          A[a + A_RP3]! += wa;
          A[a + A_COS]! += 1 / sqDq;
          A[a + A_PVAL]! += c * w1;
          if (lastSeen[d] !== k) {
            lastSeen[d] = k;
            touched[nt++] = d;
            perQ[d] = 0;
          }
          perQ[d]! += w1;
        }
      }
      for (let t = 0; t < nt; t++) {
        const d = touched[t]!;
        const a = d * ACC;
        A[a + A_PHITS]! += 1;
        if (perQ[d]! > A[a + A_PMAX]!) A[a + A_PMAX] = perQ[d]!;
      }
    }
  }
}

// accumulator layout per distinct candidate
const A_SQRT = 0;
const A_VIS = 1;
const A_HITS = 2;
const A_MAX = 3;
const A_CVIS = 4;
const A_CSQRT = 5;
const A_CO = 6;
const A_P3 = 7;
const A_RP3 = 8;
const A_COS = 9;
const A_PVAL = 10;
const A_PHITS = 11;
const A_PMAX = 12;
const ACC = 13;

/** rows[r·nf + dst] = rank of rows[r·nf + src] among the nd rows (0 = highest), divided by nd. */
function rankWithin(rows: Float32Array, nd: number, nf: number, src: number, dst: number, order: Uint32Array): void {
  for (let d = 0; d < nd; d++) order[d] = d;
  const o = order.subarray(0, nd);
  o.sort((x, y) => rows[y * nf + src]! - rows[x * nf + src]! || x - y);
  // tied values share the rank of the first of them
  let rank = 0;
  for (let i = 0; i < nd; i++) {
    if (i > 0 && rows[o[i]! * nf + src] !== rows[o[i - 1]! * nf + src]) rank = i;
    rows[o[i]! * nf + dst] = rank / nd;
  }
}
