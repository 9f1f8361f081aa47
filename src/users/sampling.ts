import type { Rng } from '../util/rng.js';

/**
 * Draws k distinct indices, each draw proportional to the remaining weights (successive
 * sampling without replacement, as PinnerSage samples medoids by importance). Zero weights are
 * never drawn; fewer than k come back when fewer have positive weight.
 */
export function sampleProportional(weights: ArrayLike<number>, k: number, rng: Rng): number[] {
  if (!Number.isInteger(k) || k < 0) throw new RangeError(`sampling: k must be an integer >= 0, got ${k}`);
  const n = weights.length;
  const w = new Float64Array(n);
  let total = 0;
  let positive = 0;
  for (let i = 0; i < n; i++) {
    const v = weights[i]!;
    if (!(v >= 0) || !Number.isFinite(v)) throw new RangeError(`sampling: weight ${v} at index ${i} must be a finite number >= 0`);
    w[i] = v;
    total += v;
    if (v > 0) positive++;
  }
  const out: number[] = [];
  const draws = Math.min(k, positive);
  for (let d = 0; d < draws; d++) {
    let u = rng.next() * total;
    let pick = -1;
    for (let i = 0; i < n; i++) {
      if (w[i]! <= 0) continue;
      pick = i;
      u -= w[i]!;
      if (u < 0) break;
    }
    out.push(pick);
    total -= w[pick]!;
    w[pick] = 0;
  }
  return out;
}
