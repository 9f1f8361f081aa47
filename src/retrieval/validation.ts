/**
 * Offline validation for the retraining gate: recall@K of each user's held-out engagement among
 * the whole corpus (exact, brute force; the user's training pins are excluded), and the gate
 * that compares a candidate model against the serving one.
 */
import { Rng } from '../util/rng.js';
import type { TwoTowerModel, UserInput } from './model.js';
import type { TrainingSet } from './training-set.js';

export interface RecallOptions {
  k: number;
  /** evaluate at most this many users (seeded sample) */
  maxUsers: number;
  seed: number;
}

export interface RecallResult {
  recall: number;
  users: number;
  k: number;
}

/**
 * Recall@K over users with a held-out pin. `histories` and `heldOut` must be in the model's pin
 * id space; a held-out pin of -1 is skipped, one the model cannot embed counts as a miss.
 */
export function recallAtK(model: TwoTowerModel, histories: TrainingSet, heldOut: Int32Array, opts: RecallOptions): RecallResult {
  if (!Number.isInteger(opts.k) || opts.k < 1) throw new Error(`recall: k must be a positive integer, got ${opts.k}`);
  const users: number[] = [];
  for (let u = 0; u < heldOut.length; u++) if (heldOut[u]! >= 0) users.push(u);
  if (users.length > opts.maxUsers) {
    new Rng(opts.seed).shuffle(users);
    users.length = opts.maxUsers;
  }
  const d = model.dim;
  const N = model.config.numPins;
  const F = model.config.pinFeatureDim;
  const pf = F > 0 && histories.pinFeatures && histories.pinFeatureDim === F ? histories.pinFeatures : undefined;
  const UF = model.config.userFeatureDim;
  const prof = UF > 0 && histories.userProfiles && histories.userFeatureDim === UF ? histories.userProfiles : undefined;
  const ID = model.config.interestDim;
  const ints = ID > 0 && histories.userInterests && histories.interestDim === ID ? histories.userInterests : undefined;
  // the same features the towers were trained with: the index side and the user side
  const V = model.allPinEmbeddings(pf);
  const u = new Float32Array(d);
  const excluded = new Uint8Array(N);
  let hits = 0;
  for (const us of users) {
    const h = histories.pins.subarray(histories.offsets[us]!, histories.offsets[us + 1]!);
    const target = heldOut[us]!;
    if (target >= N) continue; // no embedding: a miss
    const input: UserInput = { history: h };
    if (pf) input.historyFeatures = Array.from(h, (p) => (p >= 0 && p < N ? pf.subarray(p * F, (p + 1) * F) : undefined));
    if (prof) input.profile = prof.subarray(us * UF, (us + 1) * UF);
    if (ints) input.interest = ints.subarray(us * ID, (us + 1) * ID);
    model.userEmbedding(input, u);
    for (let i = 0; i < h.length; i++) if (h[i]! >= 0 && h[i]! < N) excluded[h[i]!] = 1;
    const ts = dotRow(u, V, target * d, d);
    let above = 0;
    for (let p = 0; p < N && above < opts.k; p++) {
      if (p === target || excluded[p]) continue;
      if (dotRow(u, V, p * d, d) >= ts) above++;
    }
    if (above < opts.k) hits++;
    for (let i = 0; i < h.length; i++) if (h[i]! >= 0 && h[i]! < N) excluded[h[i]!] = 0;
  }
  return { recall: users.length === 0 ? 0 : hits / users.length, users: users.length, k: opts.k };
}

function dotRow(u: Float32Array, V: Float32Array, o: number, d: number): number {
  let s = 0;
  for (let k = 0; k < d; k++) s += u[k]! * V[o + k]!;
  return s;
}

export interface GateOptions {
  /** the candidate may be at most this much (absolute recall) below the serving version */
  maxRegression: number;
  /** and must reach at least this recall */
  minRecall: number;
}

export interface GateDecision {
  pass: boolean;
  reason: string;
}

/** Publish only if the candidate is good enough on its own and not worse than what serves now. */
export function gateDecision(candidate: number, current: number | null, opts: GateOptions): GateDecision {
  if (!Number.isFinite(candidate)) return { pass: false, reason: `candidate recall is ${candidate}` };
  if (candidate < opts.minRecall) {
    return { pass: false, reason: `candidate recall ${candidate.toFixed(4)} below the minimum ${opts.minRecall}` };
  }
  if (current === null) return { pass: true, reason: 'no serving version yet' };
  if (candidate < current - opts.maxRegression) {
    return {
      pass: false,
      reason: `candidate recall ${candidate.toFixed(4)} is worse than serving ${current.toFixed(4)} by more than ${opts.maxRegression}`,
    };
  }
  return { pass: true, reason: `candidate recall ${candidate.toFixed(4)} vs serving ${current.toFixed(4)}` };
}
