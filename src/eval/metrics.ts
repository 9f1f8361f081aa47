/**
 * Leave-one-out ranking metrics. The held-out item is ranked among the user's negatives exactly
 * as listed; ties are PESSIMISTIC: a negative scoring equal to the held-out item ranks above it,
 * so a model that scores everything equal gets no credit.
 */

/**
 * 0-based rank of the held-out item: the number of negatives scoring >= it.
 * `scores[0]` is the held-out item, `scores[1..]` the negatives. NaN anywhere is an error.
 */
export function heldOutRank(scores: ArrayLike<number>, n = scores.length): number {
  if (n < 1) throw new RangeError('heldOutRank: no scores');
  const h = scores[0]!;
  if (Number.isNaN(h)) throw new RangeError('heldOutRank: held-out score is NaN');
  let rank = 0;
  for (let i = 1; i < n; i++) {
    const s = scores[i]!;
    if (Number.isNaN(s)) throw new RangeError(`heldOutRank: score ${i} is NaN`);
    if (s >= h) rank++;
  }
  return rank;
}

/** Hit ratio at K for one user: 1 if the 0-based rank is below K. */
export function hitAt(rank: number, k: number): number {
  return rank < k ? 1 : 0;
}

/** NDCG at K for one user with one relevant item: 1/log2(rank + 2) inside the top K. */
export function ndcgAt(rank: number, k: number): number {
  return rank < k ? 1 / Math.log2(rank + 2) : 0;
}

/** Running means of HR@K and NDCG@K over users. */
export class LeaveOneOutMetrics {
  private hits = 0;
  private gain = 0;
  private n = 0;

  constructor(readonly k: number = 10) {
    if (!Number.isInteger(k) || k < 1) throw new RangeError(`K must be an integer >= 1, got ${k}`);
  }

  /** Adds one user from its candidate scores (held-out item first). Returns the rank. */
  add(scores: ArrayLike<number>, n = scores.length): number {
    const r = heldOutRank(scores, n);
    this.addRank(r);
    return r;
  }

  addRank(rank: number): void {
    this.hits += hitAt(rank, this.k);
    this.gain += ndcgAt(rank, this.k);
    this.n++;
  }

  get users(): number {
    return this.n;
  }

  get hr(): number {
    return this.n === 0 ? 0 : this.hits / this.n;
  }

  get ndcg(): number {
    return this.n === 0 ? 0 : this.gain / this.n;
  }
}
