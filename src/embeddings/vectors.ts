/**
 * A named vector column on pins: row p holds pin p's vector at vectors[p*dim .. p*dim+dim).
 * `present[p]` = 0 marks pins without a vector (their row is ignored).
 */
export interface VectorColumn {
  name: string;
  dim: number;
  vectors: Float32Array;
  present?: Uint8Array;
}

export function numRows(col: VectorColumn): number {
  return Math.floor(col.vectors.length / col.dim);
}

export function hasVector(col: VectorColumn, p: number): boolean {
  return p >= 0 && p < numRows(col) && (col.present === undefined || col.present[p] === 1);
}

export function checkColumn(col: VectorColumn): void {
  if (!Number.isInteger(col.dim) || col.dim < 1) throw new RangeError(`vector column ${col.name}: dim must be an integer >= 1, got ${col.dim}`);
  if (col.vectors.length % col.dim !== 0)
    throw new RangeError(`vector column ${col.name}: ${col.vectors.length} values is not a multiple of dim ${col.dim}`);
  if (col.present && col.present.length !== numRows(col))
    throw new RangeError(`vector column ${col.name}: present has ${col.present.length} rows, vectors ${numRows(col)}`);
  for (let i = 0; i < col.vectors.length; i++) {
    if (!Number.isFinite(col.vectors[i]!)) throw new RangeError(`vector column ${col.name}: row ${Math.floor(i / col.dim)} has a non-finite value`);
  }
}

/** Copy of row p, L2-normalised (zero vector stays zero). */
export function unitRow(col: VectorColumn, p: number, out: Float32Array = new Float32Array(col.dim)): Float32Array {
  const d = col.dim;
  let n = 0;
  for (let i = 0; i < d; i++) {
    const v = col.vectors[p * d + i]!;
    out[i] = v;
    n += v * v;
  }
  if (n > 0) {
    const s = 1 / Math.sqrt(n);
    for (let i = 0; i < d; i++) out[i]! *= s;
  }
  return out;
}

/** k nearest rows by cosine similarity. */
export interface VectorIndex {
  readonly dim: number;
  /** ids and cosine distances (1 − cos), nearest first; `exclude` rows are skipped */
  knn(query: Float32Array, k: number, exclude?: (p: number) => boolean): { ids: Uint32Array; distances: Float64Array };
}
