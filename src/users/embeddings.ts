/**
 * Item embeddings as one row-major Float32Array: row p is pin p's vector. Rows of pins with
 * no embedding are all zero and flagged absent in `present` (when given).
 */
export interface EmbeddingTable {
  readonly dim: number;
  readonly count: number;
  readonly vectors: Float32Array;
  /** 1 when pin p has an embedding; omitted = every row is present */
  readonly present?: Uint8Array;
}

export function makeEmbeddingTable(vectors: Float32Array, dim: number, present?: Uint8Array): EmbeddingTable {
  if (!Number.isInteger(dim) || dim < 1) throw new RangeError(`embeddings: dim must be an integer >= 1, got ${dim}`);
  if (vectors.length % dim !== 0) throw new RangeError(`embeddings: ${vectors.length} values is not a multiple of dim ${dim}`);
  const count = vectors.length / dim;
  if (present && present.length !== count) throw new RangeError(`embeddings: present flags for ${present.length} rows, table has ${count}`);
  return { dim, count, vectors, present };
}

export function hasEmbedding(t: EmbeddingTable, pin: number): boolean {
  return Number.isInteger(pin) && pin >= 0 && pin < t.count && (!t.present || t.present[pin] === 1);
}

/** Pin p's vector (a view). */
export function vectorOf(t: EmbeddingTable, pin: number): Float32Array {
  if (!hasEmbedding(t, pin)) throw new RangeError(`embeddings: pin ${pin} has no embedding`);
  return t.vectors.subarray(pin * t.dim, (pin + 1) * t.dim);
}

/** Scales every row to unit length in place (zero rows stay zero). */
export function normalizeRows(vectors: Float32Array, dim: number): void {
  for (let o = 0; o < vectors.length; o += dim) {
    let s = 0;
    for (let t = 0; t < dim; t++) s += vectors[o + t]! * vectors[o + t]!;
    if (s === 0) continue;
    const inv = 1 / Math.sqrt(s);
    for (let t = 0; t < dim; t++) vectors[o + t]! *= inv;
  }
}

export function dot(a: ArrayLike<number>, ao: number, b: ArrayLike<number>, bo: number, dim: number): number {
  let s = 0;
  for (let t = 0; t < dim; t++) s += a[ao + t]! * b[bo + t]!;
  return s;
}
