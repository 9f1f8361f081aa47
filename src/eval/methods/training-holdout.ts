import { Rng } from '../../util/rng.js';
import type { EvalDataset } from '../datasets.js';

/**
 * A leave-one-out split carved from the **training interactions only**, for training a ranker:
 * each user with at least 2 training items gives up one random item as a positive, and gets
 * `negatives` items sampled uniformly, without replacement, from the items the user has no
 * training interaction with (ids below the largest training item + 1), as the test files do.
 *
 * Unlike `validationSplit` (src/eval/validation.ts), it never reads the test fields (held-out
 * items, listed negatives), so a ranker trained on it cannot depend on them. The returned set
 * keeps `numItems` (the graph's size; it does not change which items are sampled).
 */
export function trainingHoldout(ds: EvalDataset, negatives: number, seed: number): EvalDataset {
  if (!Number.isInteger(negatives) || negatives < 1) throw new RangeError(`training holdout: negatives must be an integer >= 1, got ${negatives}`);
  const n = ds.numUsers;
  let itemRange = 0;
  for (let k = 0; k < ds.userItems.length; k++) if (ds.userItems[k]! + 1 > itemRange) itemRange = ds.userItems[k]! + 1;
  const rng = new Rng(seed);
  const heldOut = new Int32Array(n).fill(-1);
  const keepOffsets = new Uint32Array(n + 1);
  const keepItems = new Uint32Array(ds.userItems.length);
  const keepValues = new Float64Array(ds.userItems.length);
  const negOffsets = new Uint32Array(n + 1);
  const negs: number[] = [];
  const seen = new Uint8Array(itemRange);
  let w = 0;
  for (let u = 0; u < n; u++) {
    const s = ds.userOffsets[u]!;
    const e = ds.userOffsets[u + 1]!;
    const d = e - s;
    const pick = d >= 2 ? s + rng.int(d) : -1;
    keepOffsets[u] = w;
    for (let k = s; k < e; k++) {
      if (k === pick) heldOut[u] = ds.userItems[k]!;
      else {
        keepItems[w] = ds.userItems[k]!;
        keepValues[w] = ds.userValues[k]!;
        w++;
      }
    }
    if (pick >= 0) {
      // at most all the items the user does not have
      const want = Math.min(negatives, itemRange - d);
      for (let k = s; k < e; k++) seen[ds.userItems[k]!] = 1;
      let got = 0;
      for (let tries = 0; got < want && tries < want * 1000; tries++) {
        const it = rng.int(itemRange);
        if (seen[it]) continue;
        seen[it] = 1;
        negs.push(it);
        got++;
      }
      for (let k = s; k < e; k++) seen[ds.userItems[k]!] = 0;
      for (let k = negs.length - got; k < negs.length; k++) seen[negs[k]!] = 0;
    }
    negOffsets[u + 1] = negs.length;
  }
  keepOffsets[n] = w;
  const users = new Uint32Array(w);
  for (let u = 0; u < n; u++) users.fill(u, keepOffsets[u]!, keepOffsets[u + 1]!);
  const items = keepItems.slice(0, w);
  const values = keepValues.slice(0, w);
  return {
    name: ds.name,
    numUsers: n,
    numItems: ds.numItems,
    train: { users, items, values },
    userOffsets: keepOffsets,
    userItems: items,
    userValues: values,
    heldOut,
    negOffsets,
    negatives: Uint32Array.from(negs),
  };
}
