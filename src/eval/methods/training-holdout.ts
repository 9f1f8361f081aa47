import type { EvalDataset } from '../datasets.js';
import { leaveOneOutSplit } from '../validation.js';

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
  let itemRange = 0;
  for (let k = 0; k < ds.userItems.length; k++) if (ds.userItems[k]! + 1 > itemRange) itemRange = ds.userItems[k]! + 1;
  // at most all the items the user does not have; nothing else avoided (no test field is read)
  return leaveOneOutSplit(ds, seed, { itemRange, negatives: (_u, d) => Math.min(negatives, itemRange - d), avoid: () => -1 });
}
