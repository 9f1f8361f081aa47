import { NUM_ACTIONS } from './events.js';

/**
 * Memboost parameters: MB(q,r) = log((Σ_a β_a·actions_a + α) / (Σ_a β_a·expected_a + α)),
 * final = score + γ·MB. β weighs actions (click, longclick, closeup, save), α smooths pairs with
 * little data towards 0, γ sets Memboost's weight against the ranker's score scale.
 */
export interface MemboostParams {
  beta: [number, number, number, number];
  alpha: number;
  gamma: number;
}

export const DEFAULT_MEMBOOST: MemboostParams = { beta: [1, 2, 0.5, 4], alpha: 2, gamma: 0.5 };

export function checkParams(p: MemboostParams): void {
  if (!Array.isArray(p.beta) || p.beta.length !== NUM_ACTIONS) throw new RangeError(`memboost: beta must have ${NUM_ACTIONS} weights`);
  for (const b of p.beta) if (!(b >= 0) || !Number.isFinite(b)) throw new RangeError(`memboost: beta weights must be finite and >= 0, got ${b}`);
  if (!(p.alpha > 0) || !Number.isFinite(p.alpha)) throw new RangeError(`memboost: alpha must be finite and > 0, got ${p.alpha}`);
  if (!Number.isFinite(p.gamma)) throw new RangeError(`memboost: gamma must be finite, got ${p.gamma}`);
}

/** MB from per-action counts and expected counts (arrays of NUM_ACTIONS, read at `off`). */
export function memboostScore(actions: ArrayLike<number>, expected: ArrayLike<number>, p: MemboostParams, off = 0): number {
  let num = p.alpha;
  let den = p.alpha;
  for (let a = 0; a < NUM_ACTIONS; a++) {
    num += p.beta[a]! * actions[off + a]!;
    den += p.beta[a]! * expected[off + a]!;
  }
  return Math.log(num / den);
}
