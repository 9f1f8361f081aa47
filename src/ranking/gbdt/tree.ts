/**
 * One regression tree in flat typed arrays (node 0 is the root). A row goes left when
 * `x[feature] < threshold`, and to the default side when the value is missing (NaN): the same
 * rule XGBoost uses, so imported models score identically.
 */
export interface TreeArrays {
  /** child index, -1 for a leaf */
  left: Int32Array;
  right: Int32Array;
  feature: Int32Array;
  threshold: Float32Array;
  /** 1 = missing values go left */
  defaultLeft: Uint8Array;
  /** leaf: output added to the margin; internal node: the output it would have as a leaf */
  value: Float64Array;
  /** sum of hessians of training rows reaching the node (weights the Saabas expectations) */
  cover: Float64Array;
}

export class Tree implements TreeArrays {
  readonly left: Int32Array;
  readonly right: Int32Array;
  readonly feature: Int32Array;
  readonly threshold: Float32Array;
  readonly defaultLeft: Uint8Array;
  readonly value: Float64Array;
  readonly cover: Float64Array;

  constructor(a: TreeArrays) {
    const n = a.left.length;
    for (const [k, arr] of Object.entries(a) as [string, ArrayLike<number>][]) {
      if (arr.length !== n) throw new Error(`tree: array '${k}' has ${arr.length} entries, expected ${n}`);
    }
    if (n === 0) throw new Error('tree: no nodes');
    for (let i = 0; i < n; i++) {
      const l = a.left[i]!;
      const r = a.right[i]!;
      if ((l < 0) !== (r < 0)) throw new Error(`tree: node ${i} has only one child`);
      if (l >= n || r >= n || (l >= 0 && (l <= i || r <= i))) {
        throw new Error(`tree: node ${i} has child index out of range (${l}, ${r})`);
      }
    }
    this.left = a.left;
    this.right = a.right;
    this.feature = a.feature;
    this.threshold = a.threshold;
    this.defaultLeft = a.defaultLeft;
    this.value = a.value;
    this.cover = a.cover;
  }

  get size(): number {
    return this.left.length;
  }

  isLeaf(node: number): boolean {
    return this.left[node]! < 0;
  }

  /** Leaf index reached by one row (x[off + f] is feature f). */
  leafOf(x: Float32Array, off: number): number {
    let n = 0;
    while (this.left[n]! >= 0) {
      const v = x[off + this.feature[n]!]!;
      if (v !== v) n = this.defaultLeft[n] ? this.left[n]! : this.right[n]!;
      else n = v < this.threshold[n]! ? this.left[n]! : this.right[n]!;
    }
    return n;
  }

  /** Depth of the deepest leaf (a single leaf has depth 0). */
  depth(): number {
    const d = new Int32Array(this.size);
    let max = 0;
    for (let i = 0; i < this.size; i++) {
      if (this.left[i]! >= 0) {
        d[this.left[i]!] = d[i]! + 1;
        d[this.right[i]!] = d[i]! + 1;
      } else if (d[i]! > max) max = d[i]!;
    }
    return max;
  }

  /**
   * Cover-weighted mean output of the leaves under each node (what Saabas attribution calls the
   * node's expectation). Children always have larger indices, so one backwards pass suffices.
   */
  expectations(): Float64Array {
    const e = new Float64Array(this.size);
    for (let i = this.size - 1; i >= 0; i--) {
      const l = this.left[i]!;
      if (l < 0) {
        e[i] = this.value[i]!;
        continue;
      }
      const r = this.right[i]!;
      const cl = this.cover[l]!;
      const cr = this.cover[r]!;
      e[i] = cl + cr > 0 ? (e[l]! * cl + e[r]! * cr) / (cl + cr) : (e[l]! + e[r]!) / 2;
    }
    return e;
  }
}

/** A tree with only children indices ordered parent-before-child; renumbers if needed. */
export function topoOrder(a: TreeArrays): TreeArrays {
  const n = a.left.length;
  let ordered = true;
  for (let i = 0; i < n && ordered; i++) {
    if (a.left[i]! >= 0 && (a.left[i]! <= i || a.right[i]! <= i)) ordered = false;
  }
  if (ordered) return a;
  // breadth-first renumbering from the root
  const order: number[] = [0];
  const seen = new Uint8Array(n);
  seen[0] = 1;
  for (let k = 0; k < order.length; k++) {
    const i = order[k]!;
    for (const c of [a.left[i]!, a.right[i]!]) {
      if (c < 0) continue;
      if (c >= n || seen[c]) throw new Error(`tree: node ${c} is out of range or reached twice`);
      seen[c] = 1;
      order.push(c);
    }
  }
  const newId = new Int32Array(n).fill(-1);
  order.forEach((old, i) => (newId[old] = i));
  const m = order.length;
  const out: TreeArrays = {
    left: new Int32Array(m),
    right: new Int32Array(m),
    feature: new Int32Array(m),
    threshold: new Float32Array(m),
    defaultLeft: new Uint8Array(m),
    value: new Float64Array(m),
    cover: new Float64Array(m),
  };
  for (let i = 0; i < m; i++) {
    const o = order[i]!;
    out.left[i] = a.left[o]! < 0 ? -1 : newId[a.left[o]!]!;
    out.right[i] = a.right[o]! < 0 ? -1 : newId[a.right[o]!]!;
    out.feature[i] = a.feature[o]!;
    out.threshold[i] = a.threshold[o]!;
    out.defaultLeft[i] = a.defaultLeft[o]!;
    out.value[i] = a.value[o]!;
    out.cover[i] = a.cover[o]!;
  }
  return out;
}
