import { Rng } from '../util/rng.js';
import type { EvalDataset } from './datasets.js';

/**
 * A validation split carved from the training data, for tuning without looking at the test set:
 * for each user with at least 2 training items, one random training item is held out and as many
 * negatives as the user has in the test file are sampled from items the user never touched
 * (in training or test). The test held-out items are left out of the new training data too.
 */
export function validationSplit(ds: EvalDataset, seed: number): EvalDataset {
  return leaveOneOutSplit(ds, seed, {
    itemRange: ds.numItems,
    negatives: (u) => Math.max(1, ds.negOffsets[u + 1]! - ds.negOffsets[u]!),
    avoid: (u) => ds.heldOut[u]!,
  });
}

/** How `leaveOneOutSplit` samples negatives. */
export interface SplitSampling {
  /** negatives are drawn from item ids [0, itemRange) */
  itemRange: number;
  /** how many negatives user u gets (given how many items u has in training) */
  negatives: (u: number, trainingItems: number) => number;
  /** an item never drawn as u's negative besides u's training items (-1: none) */
  avoid: (u: number) => number;
}

/**
 * The shared core of the splits: each user with at least 2 training items gives up one random
 * training item as the held-out positive and gets negatives drawn uniformly, without
 * replacement, from the items of [0, itemRange) that the user has not (and that `avoid` names).
 */
export function leaveOneOutSplit(ds: EvalDataset, seed: number, o: SplitSampling): EvalDataset {
  const rng = new Rng(seed);
  const n = ds.numUsers;
  const heldOut = new Int32Array(n).fill(-1);
  const keepOffsets = new Uint32Array(n + 1);
  const keepItems = new Uint32Array(ds.userItems.length);
  const keepValues = new Float64Array(ds.userItems.length);
  const negOffsets = new Uint32Array(n + 1);
  const negs: number[] = [];
  const seen = new Uint8Array(Math.max(o.itemRange, ds.numItems));
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
      const avoid = o.avoid(u);
      if (avoid >= 0) seen[avoid] = 1;
      const want = o.negatives(u, d);
      let got = 0;
      for (let tries = 0; got < want && tries < want * 1000; tries++) {
        const it = rng.int(o.itemRange);
        if (seen[it]) continue;
        seen[it] = 1;
        negs.push(it);
        got++;
      }
      for (let k = s; k < e; k++) seen[ds.userItems[k]!] = 0;
      if (avoid >= 0) seen[avoid] = 0;
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
