import { gain } from '../metrics.js';
import type { Objective } from './model.js';

/** First and second derivatives of the loss per row, written into grad/hess. */
export interface ObjectiveFn {
  readonly name: Objective;
  gradients(margin: Float64Array, grad: Float32Array, hess: Float32Array): void;
  /** starting margin before any tree */
  baseMargin(): number;
}

/** Weighted logistic loss on labels in [0, 1]. */
export class LogisticObjective implements ObjectiveFn {
  readonly name = 'binary:logistic' as const;

  constructor(
    private readonly labels: Float32Array,
    private readonly weights: Float32Array,
  ) {
    for (let i = 0; i < labels.length; i++) {
      const y = labels[i]!;
      if (!(y >= 0 && y <= 1)) throw new Error(`logistic objective: label ${y} at row ${i} is not in [0, 1]`);
    }
  }

  gradients(margin: Float64Array, grad: Float32Array, hess: Float32Array): void {
    const { labels, weights } = this;
    for (let i = 0; i < labels.length; i++) {
      const p = 1 / (1 + Math.exp(-margin[i]!));
      const w = weights[i]!;
      grad[i] = (p - labels[i]!) * w;
      hess[i] = Math.max(p * (1 - p), 1e-16) * w;
    }
  }

  /** log-odds of the weighted mean label (XGBoost's boost_from_average). */
  baseMargin(): number {
    let s = 0;
    let w = 0;
    for (let i = 0; i < this.labels.length; i++) {
      s += this.labels[i]! * this.weights[i]!;
      w += this.weights[i]!;
    }
    const p = Math.min(1 - 1e-6, Math.max(1e-6, w > 0 ? s / w : 0.5));
    return Math.log(p / (1 - p));
  }
}

/**
 * LambdaRank over request groups: every pair with different labels pushes the better row up.
 * 'rank:pairwise' weighs each pair 1 (RankNet); 'rank:ndcg' weighs it by the NDCG change of
 * swapping the two (LambdaMART). Pair weight is the mean of the two rows' sample weights.
 */
export class LambdaRankObjective implements ObjectiveFn {
  private readonly order: number[] = [];
  private readonly rankOf: Int32Array;

  constructor(
    readonly name: 'rank:pairwise' | 'rank:ndcg',
    private readonly labels: Float32Array,
    private readonly weights: Float32Array,
    private readonly groups: Uint32Array,
  ) {
    const n = labels.length;
    if (groups.length < 2 || groups[0] !== 0 || groups[groups.length - 1] !== n) {
      throw new Error(`ranking objective: group offsets must start at 0 and end at ${n} rows`);
    }
    for (let g = 1; g < groups.length; g++) {
      if (groups[g]! < groups[g - 1]!) throw new Error(`ranking objective: group offsets decrease at ${g}`);
    }
    for (let i = 0; i < n; i++) {
      if (!(labels[i]! >= 0)) throw new Error(`ranking objective: label ${labels[i]} at row ${i} must be >= 0`);
    }
    this.rankOf = new Int32Array(n);
  }

  baseMargin(): number {
    return 0;
  }

  gradients(margin: Float64Array, grad: Float32Array, hess: Float32Array): void {
    const { labels, weights, groups, order, rankOf } = this;
    grad.fill(0);
    hess.fill(0);
    const ndcg = this.name === 'rank:ndcg';
    for (let g = 0; g + 1 < groups.length; g++) {
      const a = groups[g]!;
      const b = groups[g + 1]!;
      if (b - a < 2) continue;
      let idcg = 1;
      if (ndcg) {
        order.length = 0;
        for (let i = a; i < b; i++) order.push(labels[i]!);
        order.sort((x, y) => y - x);
        idcg = 0;
        for (let r = 0; r < order.length; r++) idcg += gain(order[r]!) / Math.log2(r + 2);
        if (idcg <= 0) continue;
        order.length = 0;
        for (let i = a; i < b; i++) order.push(i);
        order.sort((x, y) => margin[y]! - margin[x]!);
        for (let r = 0; r < order.length; r++) rankOf[order[r]!] = r;
      }
      for (let i = a; i < b; i++) {
        const li = labels[i]!;
        for (let j = a; j < b; j++) {
          const lj = labels[j]!;
          if (li <= lj) continue;
          let delta = 1;
          if (ndcg) {
            const di = 1 / Math.log2(rankOf[i]! + 2);
            const dj = 1 / Math.log2(rankOf[j]! + 2);
            delta = (Math.abs((gain(li) - gain(lj)) * (di - dj)) / idcg) || 1e-6;
          }
          const w = 0.5 * (weights[i]! + weights[j]!) * delta;
          const rho = 1 / (1 + Math.exp(margin[i]! - margin[j]!));
          const h = Math.max(rho * (1 - rho), 1e-16) * w;
          grad[i] -= rho * w;
          grad[j] += rho * w;
          hess[i] += h;
          hess[j] += h;
        }
      }
    }
  }
}
