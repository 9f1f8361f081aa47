import { createRequire } from 'node:module';
import { TopK } from '../walk/top-k.js';
import { dot, hasEmbedding, type EmbeddingTable } from './embeddings.js';

/** Nearest pins to a vector by inner product (cosine for unit vectors), best first. */
export interface NeighbourIndex {
  readonly dim: number;
  search(vec: ArrayLike<number>, k: number): { ids: Uint32Array; scores: Float64Array };
}

function checkQuery(dim: number, vec: ArrayLike<number>, k: number): void {
  if (vec.length !== dim) throw new RangeError(`neighbour index: query has dimension ${vec.length}, index has ${dim}`);
  if (!Number.isInteger(k) || k < 0) throw new RangeError(`neighbour index: k must be an integer >= 0, got ${k}`);
}

/** Brute force over the table's present rows (or a given subset): exact, O(n·dim) per query. */
export class ExactNeighbourIndex implements NeighbourIndex {
  readonly dim: number;
  private readonly ids: Uint32Array;

  constructor(private readonly table: EmbeddingTable, subset?: ArrayLike<number>) {
    this.dim = table.dim;
    const ids: number[] = [];
    if (subset) {
      for (let i = 0; i < subset.length; i++) if (hasEmbedding(table, subset[i]!)) ids.push(subset[i]!);
    } else {
      for (let p = 0; p < table.count; p++) if (hasEmbedding(table, p)) ids.push(p);
    }
    this.ids = Uint32Array.from(ids);
  }

  search(vec: ArrayLike<number>, k: number): { ids: Uint32Array; scores: Float64Array } {
    checkQuery(this.dim, vec, k);
    const heap = new TopK(k);
    const v = this.table.vectors;
    const dim = this.dim;
    for (let i = 0; i < this.ids.length; i++) {
      const p = this.ids[i]!;
      heap.push(p, dot(vec, 0, v, p * dim, dim));
    }
    return heap.sorted();
  }
}

/** The few hnswlib-node members used here (its typings are CommonJS). */
interface Hnsw {
  initIndex(opts: { maxElements: number; m?: number; efConstruction?: number; randomSeed?: number }): void;
  addPoint(point: number[], label: number): void;
  searchKnn(query: number[], k: number): { distances: number[]; neighbors: number[] };
  setEf(ef: number): void;
  getCurrentCount(): number;
}

export interface HnswOptions {
  m: number;
  efConstruction: number;
  efSearch: number;
  seed: number;
}

export const DEFAULT_HNSW: HnswOptions = { m: 16, efConstruction: 200, efSearch: 200, seed: 100 };

/** HNSW over inner product (hnswlib-node 'ip', distance = 1 − dot). Approximate, fast. */
export class HnswNeighbourIndex implements NeighbourIndex {
  readonly dim: number;
  private readonly index: Hnsw;
  private readonly size: number;
  private ef: number;

  constructor(table: EmbeddingTable, subset?: ArrayLike<number>, options: Partial<HnswOptions> = {}) {
    const o = { ...DEFAULT_HNSW, ...options };
    this.dim = table.dim;
    const require = createRequire(import.meta.url);
    const lib = require('hnswlib-node') as { HierarchicalNSW: new (space: string, dim: number) => Hnsw };
    const ids: number[] = [];
    if (subset) {
      for (let i = 0; i < subset.length; i++) if (hasEmbedding(table, subset[i]!)) ids.push(subset[i]!);
    } else {
      for (let p = 0; p < table.count; p++) if (hasEmbedding(table, p)) ids.push(p);
    }
    this.size = ids.length;
    this.index = new lib.HierarchicalNSW('ip', this.dim);
    this.index.initIndex({ maxElements: Math.max(1, ids.length), m: o.m, efConstruction: o.efConstruction, randomSeed: o.seed });
    const row = new Array<number>(this.dim);
    for (const p of ids) {
      const off = p * this.dim;
      for (let t = 0; t < this.dim; t++) row[t] = table.vectors[off + t]!;
      this.index.addPoint(row, p);
    }
    this.ef = Math.max(o.efSearch, 1);
    this.index.setEf(this.ef);
  }

  search(vec: ArrayLike<number>, k: number): { ids: Uint32Array; scores: Float64Array } {
    checkQuery(this.dim, vec, k);
    const kk = Math.min(k, this.size);
    if (kk === 0) return { ids: new Uint32Array(0), scores: new Float64Array(0) };
    // hnswlib needs ef >= k to return k results
    if (kk > this.ef) {
      this.ef = kk;
      this.index.setEf(kk);
    }
    const r = this.index.searchKnn(Array.from(vec), kk);
    const n = r.neighbors.length;
    const ids = new Uint32Array(n);
    const scores = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      ids[i] = r.neighbors[i]!;
      scores[i] = 1 - r.distances[i]!;
    }
    return { ids, scores };
  }
}
