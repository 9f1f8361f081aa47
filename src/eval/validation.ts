import { Rng } from '../util/rng.js';
import type { EvalDataset } from './datasets.js';

/**
 * A validation split carved from the training data, for tuning without looking at the test set:
 * for each user with at least 2 training items, one random training item is held out and as many
 * negatives as the user has in the test file are sampled from items the user never touched
 * (in training or test). The test held-out items are left out of the new training data too.
 */
export function validationSplit(ds: EvalDataset, seed: number): EvalDataset {
  const rng = new Rng(seed);
  const n = ds.numUsers;
  const heldOut = new Int32Array(n).fill(-1);
  const keepOffsets = new Uint32Array(n + 1);
  const keepItems = new Uint32Array(ds.userItems.length);
  const keepValues = new Float64Array(ds.userItems.length);
  const negOffsets = new Uint32Array(n + 1);
  const negs: number[] = [];
  const seen = new Uint8Array(ds.numItems);
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
      for (let k = s; k < e; k++) seen[ds.userItems[k]!] = 1;
      if (ds.heldOut[u]! >= 0) seen[ds.heldOut[u]!] = 1;
      const want = Math.max(1, ds.negOffsets[u + 1]! - ds.negOffsets[u]!);
      let got = 0;
      for (let tries = 0; got < want && tries < want * 1000; tries++) {
        const it = rng.int(ds.numItems);
        if (seen[it]) continue;
        seen[it] = 1;
        negs.push(it);
        got++;
      }
      for (let k = s; k < e; k++) seen[ds.userItems[k]!] = 0;
      if (ds.heldOut[u]! >= 0) seen[ds.heldOut[u]!] = 0;
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
