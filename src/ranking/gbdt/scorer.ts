import type { Tree } from './tree.js';

/** Trees up to this depth are padded to complete trees; deeper ones use pointer traversal. */
const MAX_PAD_DEPTH = 10;
/** Rows scored together: each tree level runs over the whole block, so rows overlap in the CPU. */
const BLOCK = 64;

/**
 * A forest compiled for fast, allocation-free scoring. Each shallow tree is padded to a complete
 * binary tree in heap order (children of n are 2n+1, 2n+2), so a row takes exactly `depth` steps
 * with no child arrays and no loop-exit branch; leaves under a padded leaf repeat its value.
 * Rows are scored in blocks, level by level, so independent rows keep the pipeline busy.
 */
export class CompiledForest {
  readonly nTrees: number;
  private readonly depth: Int32Array;
  private readonly nodeBase: Int32Array;
  private readonly leafBase: Int32Array;
  private readonly feat: Int32Array;
  private readonly thr: Float32Array;
  private readonly missRight: Int32Array;
  private readonly leaves: Float64Array;
  /** trees too deep to pad, scored by walking their node arrays */
  private readonly deep: Tree[];
  private readonly idx = new Int32Array(BLOCK);
  private readonly off = new Int32Array(BLOCK);
  private readonly acc = new Float64Array(BLOCK);

  constructor(trees: Tree[], readonly nFeatures: number, readonly baseMargin: number) {
    const shallow: Tree[] = [];
    this.deep = [];
    for (const t of trees) (t.depth() <= MAX_PAD_DEPTH ? shallow : this.deep).push(t);
    this.nTrees = trees.length;
    const n = shallow.length;
    this.depth = new Int32Array(n);
    this.nodeBase = new Int32Array(n);
    this.leafBase = new Int32Array(n);
    let nodes = 0;
    let leaves = 0;
    for (let i = 0; i < n; i++) {
      const d = shallow[i]!.depth();
      this.depth[i] = d;
      this.nodeBase[i] = nodes;
      this.leafBase[i] = leaves;
      nodes += (1 << d) - 1;
      leaves += 1 << d;
    }
    this.feat = new Int32Array(nodes);
    this.thr = new Float32Array(nodes);
    this.missRight = new Int32Array(nodes);
    this.leaves = new Float64Array(leaves);
    for (let i = 0; i < n; i++) this.pad(shallow[i]!, this.depth[i]!, this.nodeBase[i]!, this.leafBase[i]!);
  }

  private pad(t: Tree, d: number, nb: number, lb: number): void {
    const internal = (1 << d) - 1;
    // (source node, heap position) pairs, breadth first
    const stack: [number, number][] = [[0, 0]];
    while (stack.length > 0) {
      const [src, pos] = stack.pop()!;
      if (t.left[src]! >= 0) {
        this.feat[nb + pos] = t.feature[src]!;
        this.thr[nb + pos] = t.threshold[src]!;
        this.missRight[nb + pos] = t.defaultLeft[src] ? 0 : 1;
        stack.push([t.left[src]!, 2 * pos + 1], [t.right[src]!, 2 * pos + 2]);
        continue;
      }
      // a leaf above the bottom: every heap slot below it reaches the same value
      let lo = pos;
      let hi = pos;
      while (lo < internal) {
        this.feat[nb + lo] = 0;
        // any value goes to a slot with the same leaf value, so the split itself is irrelevant
        for (let k = lo; k <= hi; k++) {
          this.feat[nb + k] = 0;
          this.thr[nb + k] = 0;
        }
        lo = 2 * lo + 1;
        hi = 2 * hi + 2;
      }
      for (let k = lo; k <= hi; k++) this.leaves[lb + k - internal] = t.value[src]!;
    }
  }

  /**
   * Raw margins (before the link function) for `rows` rows of a row-major matrix with
   * `nFeatures` columns; NaN = missing. Writes out[0..rows). No allocation.
   */
  predictMargin(x: Float32Array, rows: number, out: Float64Array): void {
    const nf = this.nFeatures;
    if (x.length < rows * nf) throw new Error(`scorer: matrix has ${x.length} values, need ${rows * nf}`);
    if (out.length < rows) throw new Error(`scorer: output has ${out.length} slots, need ${rows}`);
    const { idx, off, acc, feat, thr, missRight, leaves, depth, nodeBase, leafBase } = this;
    const nShallow = depth.length;
    for (let r0 = 0; r0 < rows; r0 += BLOCK) {
      const m = Math.min(BLOCK, rows - r0);
      for (let r = 0; r < m; r++) {
        off[r] = (r0 + r) * nf;
        acc[r] = this.baseMargin;
      }
      for (let t = 0; t < nShallow; t++) {
        const d = depth[t]!;
        const nb = nodeBase[t]!;
        for (let r = 0; r < m; r++) idx[r] = 0;
        for (let level = 0; level < d; level++) {
          for (let r = 0; r < m; r++) {
            const n = idx[r]!;
            const k = nb + n;
            const v = x[off[r]! + feat[k]!]!;
            // right when v >= thr, or when missing and the node sends missing values right
            const right = +(v >= thr[k]!) | (missRight[k]! & +(v !== v));
            idx[r] = 2 * n + 1 + right;
          }
        }
        const lb = leafBase[t]! - ((1 << d) - 1);
        for (let r = 0; r < m; r++) acc[r] += leaves[lb + idx[r]!]!;
      }
      for (let r = 0; r < m; r++) out[r0 + r] = acc[r]!;
    }
    if (this.deep.length > 0) {
      for (let r = 0; r < rows; r++) {
        let s = 0;
        for (const t of this.deep) s += t.value[t.leafOf(x, r * nf)]!;
        out[r] = out[r]! + s;
      }
    }
  }
}
