import hnswlib from 'hnswlib-node';
import { checkColumn, hasVector, numRows, type VectorColumn, type VectorIndex } from './vectors.js';

export interface HnswOptions {
  /** graph degree M (default 16) */
  m: number;
  efConstruction: number;
  /** search beam; raised to k when smaller */
  efSearch: number;
  seed: number;
}

export const DEFAULT_HNSW: HnswOptions = { m: 16, efConstruction: 200, efSearch: 64, seed: 100 };

/** Approximate cosine k-NN through hnswlib-node's HNSW; labels are dense pin ids. */
export class HnswIndex implements VectorIndex {
  readonly dim: number;
  private readonly index: hnswlib.HierarchicalNSW;
  private readonly o: HnswOptions;
  readonly size: number;

  constructor(col: VectorColumn, options: Partial<HnswOptions> = {}) {
    checkColumn(col);
    this.o = { ...DEFAULT_HNSW, ...options };
    this.dim = col.dim;
    const n = numRows(col);
    let count = 0;
    for (let p = 0; p < n; p++) if (hasVector(col, p)) count++;
    this.size = count;
    this.index = new hnswlib.HierarchicalNSW('cosine', col.dim);
    this.index.initIndex({ maxElements: Math.max(1, count), m: this.o.m, efConstruction: this.o.efConstruction, randomSeed: this.o.seed });
    const buf = new Array<number>(col.dim);
    for (let p = 0; p < n; p++) {
      if (!hasVector(col, p)) continue;
      for (let i = 0; i < col.dim; i++) buf[i] = col.vectors[p * col.dim + i]!;
      this.index.addPoint(buf, p);
    }
  }

  knn(query: Float32Array, k: number, exclude?: (p: number) => boolean): { ids: Uint32Array; distances: Float64Array } {
    if (query.length !== this.dim) throw new RangeError(`hnsw index: query has ${query.length} dims, index ${this.dim}`);
    const kk = Math.min(k, this.size);
    if (kk <= 0) return { ids: new Uint32Array(0), distances: new Float64Array(0) };
    this.index.setEf(Math.max(this.o.efSearch, kk));
    const filter = exclude ? (label: number): boolean => !exclude(label) : undefined;
    const r = this.index.searchKnn(Array.from(query), kk, filter);
    // hnswlib returns nearest first
    return { ids: Uint32Array.from(r.neighbors), distances: Float64Array.from(r.distances) };
  }
}
