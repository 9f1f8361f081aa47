import { userItemsOf, type EvalDataset } from '../datasets.js';

/**
 * A sparse item–item weight matrix stored by target item: for target j, the source items i
 * and weights W[i][j]. A user's score for j is Σ_{i in user's items} W[i][j].
 */
export class ItemMatrix {
  private readonly mark: Float64Array;
  private marked: Uint32Array = new Uint32Array(0);
  /** by-source copy (built on first full-catalogue scoring: top-K lists for beyond-accuracy) */
  private bySrc: { off: Uint32Array; dst: Uint32Array; w: Float64Array } | null = null;
  private dense: Float64Array = new Float64Array(0);

  constructor(
    readonly offsets: Uint32Array,
    readonly src: Uint32Array,
    readonly weight: Float64Array,
  ) {
    this.mark = new Float64Array(offsets.length - 1);
  }

  get numItems(): number {
    return this.offsets.length - 1;
  }

  get nnz(): number {
    return this.src.length;
  }

  /** Scores candidates for a user holding `userItems`; items outside the matrix score 0. */
  score(userItems: Uint32Array, items: Uint32Array, out: Float64Array): void {
    // many candidates (the whole catalogue): walk the user's source rows instead of every target row
    if (items.length >= 1024 && items.length * 2 >= this.numItems) {
      this.scoreBySource(userItems, items, out);
      return;
    }
    const mark = this.mark;
    for (let k = 0; k < userItems.length; k++) mark[userItems[k]!] = 1;
    this.marked = userItems;
    const off = this.offsets;
    const src = this.src;
    const w = this.weight;
    const n = this.numItems;
    for (let k = 0; k < items.length; k++) {
      const j = items[k]!;
      let s = 0;
      if (j < n) for (let e = off[j]!; e < off[j + 1]!; e++) s += mark[src[e]!]! * w[e]!;
      out[k] = s;
    }
    for (let k = 0; k < this.marked.length; k++) mark[this.marked[k]!] = 0;
  }

  private scoreBySource(userItems: Uint32Array, items: Uint32Array, out: Float64Array): void {
    const n = this.numItems;
    if (!this.bySrc) {
      const off = new Uint32Array(n + 1);
      for (let e = 0; e < this.src.length; e++) off[this.src[e]! + 1]!++;
      for (let i = 0; i < n; i++) off[i + 1]! += off[i]!;
      const cur = off.slice(0, n);
      const dst = new Uint32Array(this.src.length);
      const w = new Float64Array(this.src.length);
      for (let j = 0; j < n; j++)
        for (let e = this.offsets[j]!; e < this.offsets[j + 1]!; e++) {
          const p = cur[this.src[e]!]!++;
          dst[p] = j;
          w[p] = this.weight[e]!;
        }
      this.bySrc = { off, dst, w };
      this.dense = new Float64Array(n);
    }
    const { off, dst, w } = this.bySrc;
    const acc = this.dense;
    acc.fill(0);
    // the same terms as score(): each distinct user item once
    let prev = -1;
    for (let k = 0; k < userItems.length; k++) {
      const i = userItems[k]!;
      if (i === prev || i >= n) continue;
      prev = i;
      for (let e = off[i]!; e < off[i + 1]!; e++) acc[dst[e]!]! += w[e]!;
    }
    for (let k = 0; k < items.length; k++) {
      const j = items[k]!;
      out[k] = j < n ? acc[j]! : 0;
    }
  }
}

/** Users of each item (CSR), from the data set's user rows. */
export function itemUsers(ds: EvalDataset): { offsets: Uint32Array; users: Uint32Array } {
  const offsets = new Uint32Array(ds.numItems + 1);
  for (let k = 0; k < ds.userItems.length; k++) offsets[ds.userItems[k]! + 1]!++;
  for (let i = 0; i < ds.numItems; i++) offsets[i + 1]! += offsets[i]!;
  const cursor = offsets.slice(0, ds.numItems);
  const users = new Uint32Array(ds.userItems.length);
  for (let u = 0; u < ds.numUsers; u++) {
    const row = userItemsOf(ds, u);
    for (let k = 0; k < row.length; k++) users[cursor[row[k]!]!++] = u;
  }
  return { offsets, users };
}

/**
 * Builds a top-K sparse matrix row by row. `row(x, acc, touched)` fills the dense accumulator
 * for row x and returns how many entries of `touched` it used; entries are then filtered by
 * `keep` (weight > 0, not the diagonal), the K largest kept. Rows are then either targets
 * (`byTarget`) or sources, transposed into the by-target layout.
 */
export function buildTopK(
  numItems: number,
  k: number,
  byTarget: boolean,
  row: (x: number, acc: Float64Array, touched: Uint32Array) => number,
): ItemMatrix {
  const acc = new Float64Array(numItems);
  const touched = new Uint32Array(numItems);
  const vals0 = new Float64Array(numItems);
  const rowOff = new Uint32Array(numItems + 1);
  let cap = Math.max(16, numItems * Math.min(k, 64));
  let cols: Uint32Array = new Uint32Array(cap);
  let vals: Float64Array = new Float64Array(cap);
  let nnz = 0;
  for (let x = 0; x < numItems; x++) {
    const nt = row(x, acc, touched);
    // compact the kept entries (positive, off-diagonal) to the front of touched
    let m = 0;
    for (let t = 0; t < nt; t++) {
      const y = touched[t]!;
      const v = acc[y]!;
      if (y !== x && v > 0) {
        touched[m] = y;
        vals0[m++] = v;
      }
      acc[y] = 0;
    }
    let keep = m;
    let threshold = -Infinity;
    if (m > k) {
      threshold = kthLargest(vals0.slice(0, m), k);
      keep = k;
    }
    if (nnz + keep > cap) {
      while (nnz + keep > cap) cap *= 2;
      const c2 = new Uint32Array(cap);
      c2.set(cols.subarray(0, nnz));
      cols = c2;
      const v2 = new Float64Array(cap);
      v2.set(vals.subarray(0, nnz));
      vals = v2;
    }
    // strictly above the threshold, then ties at it (in touched order, deterministic) up to k
    const start = nnz;
    for (let t = 0; t < m; t++) {
      if (vals0[t]! > threshold) {
        cols[nnz] = touched[t]!;
        vals[nnz++] = vals0[t]!;
      }
    }
    if (m > k) {
      for (let t = 0; t < m && nnz - start < k; t++) {
        if (vals0[t] === threshold) {
          cols[nnz] = touched[t]!;
          vals[nnz++] = threshold;
        }
      }
    }
    rowOff[x + 1] = nnz;
  }
  cols = cols.slice(0, nnz);
  vals = vals.slice(0, nnz);
  if (byTarget) return new ItemMatrix(rowOff, cols, vals);
  // transpose source rows into target rows
  const off = new Uint32Array(numItems + 1);
  for (let e = 0; e < nnz; e++) off[cols[e]! + 1]!++;
  for (let j = 0; j < numItems; j++) off[j + 1]! += off[j]!;
  const cursor = off.slice(0, numItems);
  const src = new Uint32Array(nnz);
  const w = new Float64Array(nnz);
  for (let i = 0; i < numItems; i++) {
    for (let e = rowOff[i]!; e < rowOff[i + 1]!; e++) {
      const pos = cursor[cols[e]!]!++;
      src[pos] = i;
      w[pos] = vals[e]!;
    }
  }
  return new ItemMatrix(off, src, w);
}

/** The k-th largest value of a (scratch, reordered) array, 1 <= k <= a.length: quickselect. */
export function kthLargest(a: Float64Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  const target = k - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >>> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! > pivot) i++;
      while (a[j]! < pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else return a[target]!;
  }
  return a[target]!;
}
