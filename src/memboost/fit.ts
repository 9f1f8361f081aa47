import { CoecAggregator } from './coec.js';
import { NUM_ACTIONS, type EngagementEvent } from './events.js';
import { checkParams, DEFAULT_MEMBOOST, type MemboostParams } from './score.js';
import type { MemboostTable } from './table.js';

/** One held-out query: results shown, the ranker's base scores, and the engagement they got. */
export interface FitQuery {
  query: number;
  results: number[];
  base: number[];
  gains: number[];
}

export interface FitOptions {
  /** NDCG cut-off (default 10) */
  k: number;
  gammas: number[];
  alphas: number[];
  /** candidate values for each β_a; β_click stays 1 (MB is scale-free in β up to α) */
  betas: number[];
  /** coordinate-ascent rounds (default 2) */
  rounds: number;
  start: MemboostParams;
}

export const DEFAULT_FIT: FitOptions = {
  k: 10,
  gammas: [0, 0.05, 0.1, 0.25, 0.5, 1, 2, 4],
  alphas: [0.5, 1, 2, 5, 10, 20],
  betas: [0, 0.5, 1, 2, 4, 8],
  rounds: 2,
  start: DEFAULT_MEMBOOST,
};

export interface FitResult {
  params: MemboostParams;
  /** mean NDCG@k with the fitted parameters */
  ndcg: number;
  /** mean NDCG@k of the base scores alone (γ = 0) */
  baseline: number;
  queries: number;
}

/** Mean NDCG@k of ranking each query's results by base + γ·MB. */
export function evaluateParams(table: MemboostTable, queries: FitQuery[], p: MemboostParams, k = 10): number {
  if (queries.length === 0) return 0;
  let sum = 0;
  for (const fq of queries) {
    const n = fq.results.length;
    const s = new Float64Array(n);
    for (let i = 0; i < n; i++) s[i] = fq.base[i]! + (p.gamma === 0 ? 0 : p.gamma * table.score(fq.query, fq.results[i]!, p));
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => s[b]! - s[a]! || a - b);
    let dcg = 0;
    for (let r = 0; r < Math.min(k, n); r++) dcg += fq.gains[order[r]!]! / Math.log2(r + 2);
    const ideal = fq.gains.slice().sort((a, b) => b - a);
    let idcg = 0;
    for (let r = 0; r < Math.min(k, n); r++) idcg += ideal[r]! / Math.log2(r + 2);
    sum += idcg > 0 ? dcg / idcg : 0;
  }
  return sum / queries.length;
}

/**
 * Fits β, α, γ by coordinate ascent over grids, maximising held-out NDCG@k of base + γ·MB. The
 * table must come from events before the held-out period, and `base` from the current ranking
 * model: rerun when the model changes, since γ is relative to its score scale.
 */
export function fitMemboostParams(table: MemboostTable, queries: FitQuery[], options: Partial<FitOptions> = {}): FitResult {
  const o: FitOptions = { ...DEFAULT_FIT, ...options };
  checkParams(o.start);
  for (const fq of queries) {
    if (fq.base.length !== fq.results.length || fq.gains.length !== fq.results.length)
      throw new RangeError(`memboost fit: query ${fq.query} has ${fq.results.length} results, ${fq.base.length} base scores, ${fq.gains.length} gains`);
  }
  let best: MemboostParams = { beta: [...o.start.beta] as MemboostParams['beta'], alpha: o.start.alpha, gamma: o.start.gamma };
  let bestScore = evaluateParams(table, queries, best, o.k);
  const tryParams = (p: MemboostParams): void => {
    const s = evaluateParams(table, queries, p, o.k);
    if (s > bestScore + 1e-12) {
      bestScore = s;
      best = p;
    }
  };
  for (let round = 0; round < o.rounds; round++) {
    for (const g of o.gammas) tryParams({ ...best, gamma: g });
    for (const a of o.alphas) tryParams({ ...best, alpha: a });
    for (let ai = 1; ai < NUM_ACTIONS; ai++) {
      for (const b of o.betas) {
        const beta = [...best.beta] as MemboostParams['beta'];
        beta[ai] = b;
        tryParams({ ...best, beta });
      }
    }
  }
  return { params: best, ndcg: bestScore, baseline: evaluateParams(table, queries, { ...best, gamma: 0 }, o.k), queries: queries.length };
}

/**
 * Held-out queries from later events: every pin impressed for a query is a result; its gain is
 * its position-debiased held-out engagement, (Σ_a actions_a + 1) / (Σ_a expected_a + 1) − 1
 * clamped at 0, with expected counts from the held-out events' own slot rates. Raw counts would
 * reward whatever the old ranking put on top. Queries without engagement are dropped.
 */
export function fitQueriesFromEvents(events: Iterable<EngagementEvent>, baseScore: (query: number, result: number) => number, surface = 'related'): FitQuery[] {
  const agg = new CoecAggregator({ surface });
  for (const e of events) agg.add(e);
  const t = agg.finish();
  const out: FitQuery[] = [];
  for (let qi = 0; qi < t.queries.length; qi++) {
    const q = t.queries[qi]!;
    const results: number[] = [];
    const gains: number[] = [];
    let engaged = false;
    for (let i = t.offsets[qi]!; i < t.offsets[qi + 1]!; i++) {
      if (t.impressions[i]! === 0) continue;
      let a = 0;
      let e = 0;
      for (let k = 0; k < NUM_ACTIONS; k++) {
        a += t.actions[i * NUM_ACTIONS + k]!;
        e += t.expected[i * NUM_ACTIONS + k]!;
      }
      if (a > 0) engaged = true;
      results.push(t.results[i]!);
      gains.push(Math.max(0, (a + 1) / (e + 1) - 1));
    }
    if (!engaged) continue;
    out.push({ query: q, results, base: results.map((r) => baseScore(q, r)), gains });
  }
  return out;
}
