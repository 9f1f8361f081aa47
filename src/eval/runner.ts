import { Rng } from '../util/rng.js';
import { evalUsers, userItemsOf, type EvalDataset } from './datasets.js';
import { LeaveOneOutMetrics } from './metrics.js';
import { excludeSeen, type EvalMethod } from './methods/types.js';

export interface EvaluateOptions {
  /** K of HR@K and NDCG@K (default 10) */
  k?: number;
  /** evaluate only these users (default: every user with a held-out item) */
  users?: Uint32Array;
  /** called now and then with (users done, users total) */
  onProgress?: (done: number, total: number) => void;
  /**
   * Also measure the same scores with the user's training items scored -Infinity (the
   * "seen excluded" protocol), from the very same walk / model output, so the two rows differ
   * only by the rule and not by sampling noise.
   */
  seenExcludedToo?: boolean;
}

export interface MethodResult {
  hr: number;
  ndcg: number;
  users: number;
  /** seconds spent in prepare() and in scoring */
  prepareSeconds: number;
  scoreSeconds: number;
  /** with seenExcludedToo: the same scores under the seen-excluded rule */
  seenExcluded?: { hr: number; ndcg: number };
}

/**
 * Fits `method` on the training data and ranks each user's held-out item among their negatives
 * (held-out item first in the candidate list, then the negatives exactly as listed).
 */
export async function evaluateMethod(ds: EvalDataset, method: EvalMethod, options: EvaluateOptions = {}): Promise<MethodResult> {
  const users = options.users ?? evalUsers(ds);
  const metrics = new LeaveOneOutMetrics(options.k ?? 10);
  const excluded = options.seenExcludedToo ? new LeaveOneOutMetrics(options.k ?? 10) : null;
  const t0 = performance.now();
  await method.prepare(ds);
  const t1 = performance.now();
  let maxNeg = 0;
  for (let u = 0; u < ds.numUsers; u++) maxNeg = Math.max(maxNeg, ds.negOffsets[u + 1]! - ds.negOffsets[u]!);
  const cand = new Uint32Array(maxNeg + 1);
  const scores = new Float64Array(maxNeg + 1);
  const copy = new Float64Array(maxNeg + 1);
  const every = Math.max(1, Math.floor(users.length / 50));
  for (let n = 0; n < users.length; n++) {
    const u = users[n]!;
    if (u >= ds.numUsers || ds.heldOut[u]! < 0) throw new RangeError(`user ${u} has no held-out item in ${ds.name}`);
    const negs = ds.negatives.subarray(ds.negOffsets[u]!, ds.negOffsets[u + 1]!);
    const m = negs.length + 1;
    cand[0] = ds.heldOut[u]!;
    cand.set(negs, 1);
    const c = cand.subarray(0, m);
    const s = scores.subarray(0, m);
    s.fill(NaN);
    method.scoreUser(u, c, s);
    try {
      metrics.add(s);
      if (excluded) {
        const s2 = copy.subarray(0, m);
        s2.set(s);
        excludeSeen(userItemsOf(ds, u), c, s2);
        excluded.add(s2);
      }
    } catch (e) {
      throw new Error(`method ${method.name} on ${ds.name}, user ${u}: ${(e as Error).message}`);
    }
    if (options.onProgress && (n + 1) % every === 0) options.onProgress(n + 1, users.length);
  }
  const t2 = performance.now();
  const r: MethodResult = { hr: metrics.hr, ndcg: metrics.ndcg, users: metrics.users, prepareSeconds: (t1 - t0) / 1000, scoreSeconds: (t2 - t1) / 1000 };
  if (excluded) r.seenExcluded = { hr: excluded.hr, ndcg: excluded.ndcg };
  return r;
}

/** A seeded random subset of n evaluation users (all of them when n >= their count), ascending. */
export function sampleUsers(ds: EvalDataset, n: number, seed: number): Uint32Array {
  const all = evalUsers(ds);
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`--users must be an integer >= 1, got ${n}`);
  if (n >= all.length) return all;
  new Rng(seed).shuffle(all);
  return all.slice(0, n).sort();
}
