import type { Candidate } from '../candidates/types.js';

/**
 * One validation query for fitting the BlendRanker's source weights: `n` pins, row 0 the pin the
 * user really engaged with (held out from every artefact), rows 1.. pins they did not. `x` holds
 * each pin's normalised source scores (`src_<source>`, 0 when the source did not propose it),
 * row-major n × sources.
 */
export interface WeightExample {
  n: number;
  x: Float32Array;
}

export interface SourceWeightFitOptions {
  /** cut-off of the NDCG objective (default 10) */
  k: number;
  /** candidate weights per source; the anchor source stays at 1 (the blend is scale-free) */
  grid: number[];
  /** coordinate-ascent rounds (default 3) */
  rounds: number;
  /** source whose weight stays 1 (default: the first) */
  anchor?: string;
}

export const DEFAULT_WEIGHT_FIT: SourceWeightFitOptions = { k: 10, grid: [0, 0.0625, 0.125, 0.25, 0.5, 1, 2, 4], rounds: 3 };

export interface SourceWeightFit {
  weights: Record<string, number>;
  /** mean NDCG@k (pessimistic ties) with the fitted weights, and with every weight 1 */
  ndcg: number;
  hr: number;
  equalNdcg: number;
  /** objective with each source's weight set to 0 in turn (how much each source adds) */
  without: Record<string, number>;
  examples: number;
}

/** A validation example from the merged candidates of a request and the pins to rank (positive first). */
export function weightExample(sources: readonly string[], candidates: readonly Candidate[], pins: ArrayLike<number>): WeightExample {
  const at = new Map<number, Candidate>();
  for (const c of candidates) at.set(c.pin, c);
  const s = sources.length;
  const x = new Float32Array(pins.length * s);
  for (let i = 0; i < pins.length; i++) {
    const c = at.get(pins[i]!);
    if (!c) continue;
    for (let j = 0; j < s; j++) x[i * s + j] = c.features[`src_${sources[j]!}`] ?? 0;
  }
  return { n: pins.length, x };
}

/** Mean HR@k and NDCG@k of Σ_s w_s·x_s, the positive ranked below every pin scoring >= it. */
export function evaluateWeights(examples: readonly WeightExample[], w: Float64Array, k = 10): { hr: number; ndcg: number } {
  const s = w.length;
  let hr = 0;
  let ndcg = 0;
  for (const e of examples) {
    if (e.x.length !== e.n * s) throw new RangeError(`source weights: an example has ${e.x.length} values, expected ${e.n} pins × ${s} sources`);
    let pos = 0;
    for (let j = 0; j < s; j++) pos += w[j]! * e.x[j]!;
    let rank = 0;
    for (let i = 1; i < e.n && rank < k; i++) {
      let v = 0;
      for (let j = 0; j < s; j++) v += w[j]! * e.x[i * s + j]!;
      if (v >= pos) rank++;
    }
    if (rank < k) {
      hr++;
      ndcg += 1 / Math.log2(rank + 2);
    }
  }
  const n = Math.max(1, examples.length);
  return { hr: hr / n, ndcg: ndcg / n };
}

/**
 * Fits the BlendRanker's per-source weights on validation examples: coordinate ascent over a
 * grid, maximising mean NDCG@k (ties pessimistic, so a source that scores everything alike gains
 * nothing). A source that only adds noise gets weight 0: it is then left out of the ranking,
 * whatever its quota. Deterministic; ties between weights keep the earlier (smaller) value.
 */
export function fitSourceWeights(sources: readonly string[], examples: readonly WeightExample[], options: Partial<SourceWeightFitOptions> = {}): SourceWeightFit {
  const o: SourceWeightFitOptions = { ...DEFAULT_WEIGHT_FIT, ...options };
  if (sources.length === 0) throw new Error('source weights: no sources');
  if (examples.length === 0) throw new Error('source weights: no validation examples');
  if (o.grid.length === 0 || o.grid.some((g) => !(g >= 0) || !Number.isFinite(g))) throw new RangeError(`source weights: grid values must be finite and >= 0, got ${o.grid.join(',')}`);
  const anchor = o.anchor ?? sources[0]!;
  const a = sources.indexOf(anchor);
  if (a < 0) throw new Error(`source weights: anchor ${anchor} is not one of ${sources.join(', ')}`);
  const w = new Float64Array(sources.length).fill(1);
  const objective = (v: Float64Array): number => evaluateWeights(examples, v, o.k).ndcg;
  const equalNdcg = objective(w);
  let best = equalNdcg;
  for (let round = 0; round < o.rounds; round++) {
    let changed = false;
    for (let j = 0; j < sources.length; j++) {
      if (j === a) continue;
      const keep = w[j]!;
      let bestG = keep;
      for (const g of o.grid) {
        w[j] = g;
        const v = objective(w);
        if (v > best + 1e-12) {
          best = v;
          bestG = g;
        }
      }
      w[j] = bestG;
      if (bestG !== keep) changed = true;
    }
    if (!changed) break;
  }
  const without: Record<string, number> = {};
  for (let j = 0; j < sources.length; j++) {
    const v = w.slice();
    v[j] = 0;
    without[sources[j]!] = objective(v);
  }
  const weights: Record<string, number> = {};
  sources.forEach((s, j) => (weights[s] = w[j]!));
  return { weights, ndcg: best, hr: evaluateWeights(examples, w, o.k).hr, equalNdcg, without, examples: examples.length };
}
