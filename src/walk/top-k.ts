/**
 * Top-K selection over (id, score) pairs with a binary min-heap in typed arrays: O(n log K),
 * no allocation per item. Ties break towards the smaller id so results are deterministic.
 */
export class TopK {
  readonly ids: Uint32Array;
  readonly scores: Float64Array;
  private n = 0;

  constructor(readonly k: number) {
    this.ids = new Uint32Array(Math.max(1, k));
    this.scores = new Float64Array(Math.max(1, k));
  }

  reset(): void {
    this.n = 0;
  }

  get size(): number {
    return this.n;
  }

  /** true if (sa, ia) ranks below (sb, ib) */
  private static worse(sa: number, ia: number, sb: number, ib: number): boolean {
    return sa < sb || (sa === sb && ia > ib);
  }

  /** Whether push(id, score) would keep the item (cheap; lets callers skip costlier checks). */
  accepts(id: number, score: number): boolean {
    if (this.k === 0) return false;
    return this.n < this.k || TopK.worse(this.scores[0]!, this.ids[0]!, score, id);
  }

  push(id: number, score: number): void {
    const k = this.k;
    if (k === 0) return;
    const ids = this.ids;
    const sc = this.scores;
    if (this.n < k) {
      let i = this.n++;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!TopK.worse(score, id, sc[parent]!, ids[parent]!)) break;
        ids[i] = ids[parent]!;
        sc[i] = sc[parent]!;
        i = parent;
      }
      ids[i] = id;
      sc[i] = score;
      return;
    }
    if (!TopK.worse(sc[0]!, ids[0]!, score, id)) return;
    // replace root and sift down
    let i = 0;
    const n = this.n;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      if (r < n && TopK.worse(sc[r]!, ids[r]!, sc[l]!, ids[l]!)) c = r;
      if (!TopK.worse(sc[c]!, ids[c]!, score, id)) break;
      ids[i] = ids[c]!;
      sc[i] = sc[c]!;
      i = c;
    }
    ids[i] = id;
    sc[i] = score;
  }

  /** Results, best first (copies). */
  sorted(): { ids: Uint32Array; scores: Float64Array } {
    const n = this.n;
    const order = Array.from({ length: n }, (_, i) => i);
    order.sort((a, b) => this.scores[b]! - this.scores[a]! || this.ids[a]! - this.ids[b]!);
    const ids = new Uint32Array(n);
    const scores = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      ids[i] = this.ids[order[i]!]!;
      scores[i] = this.scores[order[i]!]!;
    }
    return { ids, scores };
  }
}
