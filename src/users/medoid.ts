import { condensedIndex } from './ward.js';

/**
 * Medoid of a cluster: the member whose summed Euclidean distance to the other members is
 * smallest (ties: the earliest member). `d2` is the condensed matrix of squared distances over
 * all n points; `members` are point indices. Returns the point index.
 */
export function medoidOf(d2: Float64Array, n: number, members: ArrayLike<number>): number {
  const m = members.length;
  if (m === 0) throw new RangeError('medoid: cluster has no members');
  if (d2.length !== (n * (n - 1)) / 2) throw new RangeError(`medoid: condensed matrix for ${n} points needs ${(n * (n - 1)) / 2} entries, got ${d2.length}`);
  let best = members[0]!;
  let bestSum = Infinity;
  for (let a = 0; a < m; a++) {
    const i = members[a]!;
    if (i < 0 || i >= n) throw new RangeError(`medoid: member ${i} is not one of the ${n} points`);
    let s = 0;
    for (let b = 0; b < m && s < bestSum; b++) {
      const j = members[b]!;
      if (j !== i) s += Math.sqrt(d2[condensedIndex(n, i, j)]!);
    }
    if (s < bestSum) {
      bestSum = s;
      best = i;
    }
  }
  return best;
}
