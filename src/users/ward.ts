/**
 * Exact Ward hierarchical agglomerative clustering with the nearest-neighbour chain algorithm
 * (Murtagh 1983): O(n²) time on a condensed distance matrix in a Float64Array, O(n²) memory.
 * Ward is "reducible", so the chain finds exactly the dendrogram of the naive O(n³) method.
 *
 * Distances are kept as Lance–Williams updated squared Ward distances
 *   d²(k, i∪j) = ((n_i+n_k)·d²(k,i) + (n_j+n_k)·d²(k,j) − n_k·d²(i,j)) / (n_i+n_j+n_k)
 * starting from squared Euclidean distances. A merge's `height` is √d² (scipy's `ward` height) and
 * its `cost` is the increase in within-cluster sum of squares, n_i·n_j/(n_i+n_j)·‖c_i−c_j‖² = d²/2.
 */

/** One merge, scipy linkage style: clusters < n are points, cluster n+m is the m-th merge. */
export interface WardMerge {
  left: number;
  right: number;
  height: number;
  /** increase in within-cluster sum of squares caused by this merge */
  cost: number;
  size: number;
}

/** Index of pair (i, j), i < j, in a condensed n×n matrix. */
export function condensedIndex(n: number, i: number, j: number): number {
  if (i > j) {
    const t = i;
    i = j;
    j = t;
  }
  return n * i - ((i * (i + 1)) >> 1) + (j - i - 1);
}

/** Condensed squared Euclidean distances between the n rows (row-major, `dim` wide) of `x`. */
export function squaredDistances(x: ArrayLike<number>, n: number, dim: number): Float64Array {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`ward: point count must be an integer >= 0, got ${n}`);
  if (!Number.isInteger(dim) || dim < 1) throw new RangeError(`ward: dimension must be an integer >= 1, got ${dim}`);
  if (x.length < n * dim) throw new RangeError(`ward: ${x.length} values cannot hold ${n} points of dimension ${dim}`);
  // a monomorphic typed copy keeps the O(n²·dim) loop fast whatever the caller passed
  const v = new Float64Array(n * dim);
  for (let i = 0; i < n * dim; i++) {
    const a = x[i]!;
    if (!Number.isFinite(a)) throw new RangeError(`ward: value ${a} at index ${i} is not finite`);
    v[i] = a;
  }
  return pairwise(v, n, dim);
}

function pairwise(v: Float64Array, n: number, dim: number): Float64Array {
  const out = new Float64Array((n * (n - 1)) / 2);
  let w = 0;
  for (let i = 0; i < n; i++) {
    const oi = i * dim;
    for (let j = i + 1; j < n; j++) {
      let oj = j * dim;
      let s = 0;
      for (let t = oi, end = oi + dim; t < end; t++, oj++) {
        const d = v[t]! - v[oj]!;
        s += d * d;
      }
      out[w++] = s;
    }
  }
  return out;
}

/**
 * Ward dendrogram of n points given their condensed squared distances (consumed: pass a copy
 * if you need it afterwards). Merges come back sorted by height (ties keep chain order), with
 * scipy-compatible cluster numbering.
 */
export function wardLinkage(d2: Float64Array, n: number): WardMerge[] {
  if (d2.length !== (n * (n - 1)) / 2) throw new RangeError(`ward: condensed matrix for ${n} points needs ${(n * (n - 1)) / 2} entries, got ${d2.length}`);
  if (n <= 1) return [];
  const size = new Float64Array(n).fill(1);
  const active = new Uint8Array(n).fill(1);
  const chain = new Int32Array(n);
  // raw merges: slots (a, b), the merged cluster lives on in slot b
  const ma = new Int32Array(n - 1);
  const mb = new Int32Array(n - 1);
  const mh = new Float64Array(n - 1);
  let len = 0;
  for (let m = 0; m < n - 1; m++) {
    if (len === 0) {
      let first = 0;
      while (!active[first]) first++;
      chain[len++] = first;
    }
    let x = 0;
    let y = 0;
    let best = 0;
    for (;;) {
      x = chain[len - 1]!;
      y = len >= 2 ? chain[len - 2]! : -1;
      // prefer the previous chain element on ties, so the chain cannot cycle
      best = y >= 0 ? d2[condensedIndex(n, x, y)]! : Infinity;
      let arg = y;
      for (let i = 0; i < n; i++) {
        if (!active[i] || i === x) continue;
        const v = d2[condensedIndex(n, x, i)]!;
        if (v < best) {
          best = v;
          arg = i;
        }
      }
      if (arg === y) break;
      chain[len++] = arg;
    }
    len -= 2;
    const sx = size[x]!;
    const sy = size[y]!;
    for (let k = 0; k < n; k++) {
      if (!active[k] || k === x || k === y) continue;
      const sk = size[k]!;
      const ik = condensedIndex(n, k, y);
      d2[ik] = ((sx + sk) * d2[condensedIndex(n, k, x)]! + (sy + sk) * d2[ik]! - sk * best) / (sx + sy + sk);
    }
    active[x] = 0;
    size[y] = sx + sy;
    ma[m] = x;
    mb[m] = y;
    mh[m] = best;
  }
  // sort by height, stable, then relabel with union-find as scipy does
  const order = Array.from({ length: n - 1 }, (_, i) => i);
  order.sort((p, q) => mh[p]! - mh[q]! || p - q);
  const parent = new Int32Array(2 * n - 1);
  for (let i = 0; i < parent.length; i++) parent[i] = i;
  const find = (v: number): number => {
    while (parent[v] !== v) {
      parent[v] = parent[parent[v]!]!;
      v = parent[v]!;
    }
    return v;
  };
  const csize = new Float64Array(2 * n - 1).fill(1);
  const out: WardMerge[] = [];
  for (let m = 0; m < n - 1; m++) {
    const r = order[m]!;
    const a = find(ma[r]!);
    const b = find(mb[r]!);
    const id = n + m;
    parent[a] = id;
    parent[b] = id;
    csize[id] = csize[a]! + csize[b]!;
    const h2 = Math.max(0, mh[r]!);
    out.push({ left: Math.min(a, b), right: Math.max(a, b), height: Math.sqrt(h2), cost: h2 / 2, size: csize[id]! });
  }
  return out;
}

/**
 * Flat clusters: apply every merge whose cost (increase in within-cluster sum of squares) is at
 * most `maxCost`. Ward heights never decrease along the tree, so this is a clean cut. Labels are
 * 0..k-1 in order of each cluster's smallest point.
 */
export function cutByCost(merges: WardMerge[], n: number, maxCost: number): Int32Array {
  if (!(maxCost >= 0)) throw new RangeError(`ward: maxCost must be a number >= 0, got ${maxCost}`);
  const parent = new Int32Array(2 * n);
  for (let i = 0; i < parent.length; i++) parent[i] = i;
  const find = (v: number): number => {
    while (parent[v] !== v) {
      parent[v] = parent[parent[v]!]!;
      v = parent[v]!;
    }
    return v;
  };
  for (let m = 0; m < merges.length; m++) {
    const mg = merges[m]!;
    if (mg.cost > maxCost) continue;
    parent[find(mg.left)] = n + m;
    parent[find(mg.right)] = n + m;
  }
  const labels = new Int32Array(n);
  const rootLabel = new Int32Array(2 * n).fill(-1);
  let k = 0;
  for (let i = 0; i < n; i++) {
    const r = find(i);
    if (rootLabel[r] === -1) rootLabel[r] = k++;
    labels[i] = rootLabel[r]!;
  }
  return labels;
}

/** Ward clustering of the n rows of `x`, cut at `maxCost`: one label per point. */
export function wardClusters(x: ArrayLike<number>, n: number, dim: number, maxCost: number): Int32Array {
  const d2 = squaredDistances(x, n, dim);
  return cutByCost(wardLinkage(d2, n), n, maxCost);
}
