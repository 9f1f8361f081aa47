import { hasVector, numRows, unitRow, type VectorColumn, type VectorIndex } from '../embeddings/vectors.js';

export interface NearDuplicateOptions {
  /** cosine distance (1 − cos) below which two pins are near-duplicates (default 0.02) */
  threshold: number;
  /** neighbours examined per pin (default 8) */
  k: number;
  /**
   * Which pin of a duplicate group is the original: the one with the highest priority (e.g.
   * graph degree, i.e. most engagement), ties to the smaller id. Default: smaller id.
   */
  priority?: ArrayLike<number>;
}

/**
 * Near-duplicate groups from an embedding: pins closer than a distance threshold are joined
 * (union-find over k-NN pairs) and each group maps to one original. A new re-upload has no
 * engagement of its own, so Related Pins answers for it with its original's related pins.
 */
export class NearDuplicates {
  /** canonical[p] = the original of p's group (p itself when it has no duplicates) */
  readonly canonical: Uint32Array;
  readonly groups: number;

  private constructor(canonical: Uint32Array, groups: number) {
    this.canonical = canonical;
    this.groups = groups;
  }

  /** No duplicates at all (identity). */
  static none(numPins: number): NearDuplicates {
    const c = new Uint32Array(numPins);
    for (let i = 0; i < numPins; i++) c[i] = i;
    return new NearDuplicates(c, 0);
  }

  static detect(col: VectorColumn, index: VectorIndex, options: Partial<NearDuplicateOptions> = {}): NearDuplicates {
    const o: NearDuplicateOptions = { threshold: 0.02, k: 8, ...options };
    if (!(o.threshold >= 0 && o.threshold <= 2)) throw new RangeError(`near-duplicates: threshold must be in [0, 2], got ${o.threshold}`);
    if (!Number.isInteger(o.k) || o.k < 1) throw new RangeError(`near-duplicates: k must be an integer >= 1, got ${o.k}`);
    const n = numRows(col);
    if (o.priority && o.priority.length < n) throw new RangeError(`near-duplicates: priority has ${o.priority.length} entries for ${n} pins`);
    const parent = new Uint32Array(n);
    for (let i = 0; i < n; i++) parent[i] = i;
    const find = (x: number): number => {
      while (parent[x] !== x) {
        parent[x] = parent[parent[x]!]!;
        x = parent[x]!;
      }
      return x;
    };
    const better = (a: number, b: number): boolean => {
      const pa = o.priority ? o.priority[a]! : 0;
      const pb = o.priority ? o.priority[b]! : 0;
      return pa > pb || (pa === pb && a < b);
    };
    const q = new Float32Array(col.dim);
    for (let p = 0; p < n; p++) {
      if (!hasVector(col, p)) continue;
      unitRow(col, p, q);
      const r = index.knn(q, o.k + 1);
      for (let i = 0; i < r.ids.length; i++) {
        const other = r.ids[i]!;
        if (other === p) continue;
        if (r.distances[i]! > o.threshold) break;
        const a = find(p);
        const b = find(other);
        if (a === b) continue;
        if (better(a, b)) parent[b] = a;
        else parent[a] = b;
      }
    }
    const canonical = new Uint32Array(n);
    let groups = 0;
    const counted = new Uint8Array(n);
    for (let p = 0; p < n; p++) {
      const root = find(p);
      canonical[p] = root;
      if (root !== p && counted[root] === 0) {
        counted[root] = 1;
        groups++;
      }
    }
    return new NearDuplicates(canonical, groups);
  }

  /** The original of pin p (p itself when unknown or not a duplicate). */
  originalOf(p: number): number {
    return p >= 0 && p < this.canonical.length ? this.canonical[p]! : p;
  }

  isDuplicateOf(p: number, q: number): boolean {
    return this.originalOf(p) === this.originalOf(q);
  }
}
