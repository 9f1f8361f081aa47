import { TopK } from '../walk/top-k.js';
import { checkColumn, hasVector, numRows, unitRow, type VectorColumn, type VectorIndex } from './vectors.js';

/**
 * Brute-force cosine k-NN over a vector column: exact, O(n·dim) per query, no build cost. Right
 * for tens of thousands of pins; use HnswIndex beyond that.
 */
export class ExactCosineIndex implements VectorIndex {
  readonly dim: number;
  private readonly unit: Float32Array;
  private readonly rows: Uint32Array;
  private readonly q: Float32Array;

  constructor(col: VectorColumn) {
    checkColumn(col);
    this.dim = col.dim;
    const n = numRows(col);
    const rows: number[] = [];
    for (let p = 0; p < n; p++) if (hasVector(col, p)) rows.push(p);
    this.rows = Uint32Array.from(rows);
    this.unit = new Float32Array(rows.length * col.dim);
    for (let i = 0; i < rows.length; i++) unitRow(col, rows[i]!, this.unit.subarray(i * col.dim, (i + 1) * col.dim));
    this.q = new Float32Array(col.dim);
  }

  get size(): number {
    return this.rows.length;
  }

  knn(query: Float32Array, k: number, exclude?: (p: number) => boolean): { ids: Uint32Array; distances: Float64Array } {
    const d = this.dim;
    if (query.length !== d) throw new RangeError(`exact index: query has ${query.length} dims, index ${d}`);
    let n2 = 0;
    for (let i = 0; i < d; i++) n2 += query[i]! * query[i]!;
    const s = n2 > 0 ? 1 / Math.sqrt(n2) : 0;
    const q = this.q;
    for (let i = 0; i < d; i++) q[i] = query[i]! * s;
    const heap = new TopK(k);
    const u = this.unit;
    for (let r = 0; r < this.rows.length; r++) {
      const p = this.rows[r]!;
      if (exclude !== undefined && exclude(p)) continue;
      let dot = 0;
      const base = r * d;
      for (let i = 0; i < d; i++) dot += q[i]! * u[base + i]!;
      heap.push(p, dot);
    }
    const top = heap.sorted();
    const distances = new Float64Array(top.ids.length);
    for (let i = 0; i < distances.length; i++) distances[i] = 1 - top.scores[i]!;
    return { ids: top.ids, distances };
  }
}
