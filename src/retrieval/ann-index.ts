/**
 * HNSW index of pin embeddings (hnswlib-node, inner-product space) that carries the version
 * metadata of the model whose pin tower produced it. The metadata travels inside the index file
 * (header before the HNSW bytes), so an index can never be loaded without knowing its model.
 *
 * Labels are dense pin ids. Scores returned are dot products (hnswlib's 'ip' distance is 1 − u·v).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import hnswlib from 'hnswlib-node';
import type { ModelVersion } from './model.js';

export interface AnnIndexOptions {
  /** HNSW graph degree */
  m?: number;
  efConstruction?: number;
  /** search-time candidate list size (>= k) */
  ef?: number;
  seed?: number;
  /** initial capacity (grows on demand) */
  capacity?: number;
}

export interface AnnMeta extends ModelVersion {
  dim: number;
  space: 'ip';
}

export interface AnnHits {
  pins: number[];
  scores: number[];
}

const MAGIC = 'BWANN\n';

export class AnnIndex {
  readonly meta: AnnMeta;
  private readonly hnsw: hnswlib.HierarchicalNSW;
  private ef: number;

  private constructor(meta: AnnMeta, hnsw: hnswlib.HierarchicalNSW, ef: number) {
    this.meta = Object.freeze({ ...meta });
    this.hnsw = hnsw;
    this.ef = ef;
    hnsw.setEf(ef);
  }

  /** Empty index for a model version. */
  static create(version: ModelVersion, dim: number, opts: AnnIndexOptions = {}): AnnIndex {
    if (!Number.isInteger(dim) || dim < 1) throw new Error(`ann index: dim must be a positive integer, got ${dim}`);
    if (!version.name || !version.version) throw new Error('ann index: model name and version are required');
    const h = new hnswlib.HierarchicalNSW('ip', dim);
    h.initIndex({
      maxElements: Math.max(16, opts.capacity ?? 1024),
      m: opts.m ?? 16,
      efConstruction: opts.efConstruction ?? 200,
      randomSeed: opts.seed ?? 100,
    });
    return new AnnIndex({ name: version.name, version: version.version, dim, space: 'ip' }, h, opts.ef ?? 100);
  }

  /** Index of rows 0..n-1 of a row-major (n x dim) matrix; all-zero rows are skipped. */
  static build(version: ModelVersion, vectors: Float32Array, dim: number, opts: AnnIndexOptions = {}): AnnIndex {
    if (vectors.length % dim !== 0) throw new Error(`ann index: ${vectors.length} values is not a multiple of dim ${dim}`);
    const n = vectors.length / dim;
    const idx = AnnIndex.create(version, dim, { ...opts, capacity: Math.max(n, opts.capacity ?? 0) });
    for (let p = 0; p < n; p++) {
      const row = vectors.subarray(p * dim, (p + 1) * dim);
      if (row.some((x) => x !== 0)) idx.add(p, row);
    }
    return idx;
  }

  get size(): number {
    return this.hnsw.getCurrentCount();
  }

  get dim(): number {
    return this.meta.dim;
  }

  setEf(ef: number): void {
    if (!Number.isInteger(ef) || ef < 1) throw new Error(`ann index: ef must be a positive integer, got ${ef}`);
    this.ef = ef;
    this.hnsw.setEf(ef);
  }

  /** Adds (or replaces) a pin's vector, growing the index when full. No rebuild. */
  add(pin: number, vec: ArrayLike<number>): void {
    if (!Number.isInteger(pin) || pin < 0) throw new Error(`ann index: pin id must be a non-negative integer, got ${pin}`);
    if (vec.length !== this.meta.dim) throw new Error(`ann index: vector has length ${vec.length}, expected ${this.meta.dim}`);
    for (let i = 0; i < vec.length; i++) if (!Number.isFinite(vec[i]!)) throw new Error(`ann index: vector for pin ${pin} has a non-finite value`);
    if (this.hnsw.getCurrentCount() >= this.hnsw.getMaxElements()) this.hnsw.resizeIndex(this.hnsw.getMaxElements() * 2);
    this.hnsw.addPoint(Array.from(vec), pin);
  }

  /** The k pins with the largest dot product with q (approximately), best first. */
  search(q: ArrayLike<number>, k: number, filter?: (pin: number) => boolean): AnnHits {
    if (q.length !== this.meta.dim) throw new Error(`ann index: query has length ${q.length}, expected ${this.meta.dim}`);
    if (!Number.isInteger(k) || k < 1) throw new Error(`ann index: k must be a positive integer, got ${k}`);
    const kk = Math.min(k, this.size);
    if (kk === 0) return { pins: [], scores: [] };
    if (this.ef < kk) this.hnsw.setEf(kk);
    const r = filter ? this.hnsw.searchKnn(Array.from(q), kk, filter) : this.hnsw.searchKnn(Array.from(q), kk);
    if (this.ef < kk) this.hnsw.setEf(this.ef);
    return { pins: r.neighbors, scores: r.distances.map((d) => 1 - d) };
  }

  // ---- persistence: MAGIC, u32 header length, JSON header, HNSW bytes ----

  toBuffer(): Buffer {
    const dir = mkdtempSync(join(tmpdir(), 'bw-ann-'));
    try {
      const f = join(dir, 'index.hnsw');
      this.hnsw.writeIndexSync(f);
      const body = readFileSync(f);
      const header = Buffer.from(JSON.stringify({ format: 'boardwalk-ann/1', meta: this.meta, ef: this.ef }), 'utf8');
      const head = Buffer.alloc(MAGIC.length + 4);
      head.write(MAGIC, 0, 'latin1');
      head.writeUInt32LE(header.length, MAGIC.length);
      return Buffer.concat([head, header, body]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  static fromBuffer(buf: Buffer, what = 'index'): AnnIndex {
    const meta = AnnIndex.readMeta(buf, what);
    const hlen = buf.readUInt32LE(MAGIC.length);
    const header = JSON.parse(buf.toString('utf8', MAGIC.length + 4, MAGIC.length + 4 + hlen)) as { ef: number };
    const dir = mkdtempSync(join(tmpdir(), 'bw-ann-'));
    try {
      const f = join(dir, 'index.hnsw');
      writeFileSync(f, buf.subarray(MAGIC.length + 4 + hlen));
      const h = new hnswlib.HierarchicalNSW('ip', meta.dim);
      h.readIndexSync(f);
      return new AnnIndex(meta, h, header.ef ?? 100);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  /** Reads only the metadata header of a serialised index. */
  static readMeta(buf: Buffer, what = 'index'): AnnMeta {
    if (buf.length < MAGIC.length + 4 || buf.toString('latin1', 0, MAGIC.length) !== MAGIC) {
      throw new Error(`${what}: not a boardwalk ANN index file (bad magic)`);
    }
    const hlen = buf.readUInt32LE(MAGIC.length);
    if (MAGIC.length + 4 + hlen > buf.length) throw new Error(`${what}: truncated header`);
    const header = JSON.parse(buf.toString('utf8', MAGIC.length + 4, MAGIC.length + 4 + hlen)) as { format: string; meta: AnnMeta };
    if (header.format !== 'boardwalk-ann/1') throw new Error(`${what}: unsupported format ${header.format}`);
    const m = header.meta;
    if (!m || typeof m.name !== 'string' || typeof m.version !== 'string' || !Number.isInteger(m.dim)) {
      throw new Error(`${what}: header lacks model name/version/dim`);
    }
    return m;
  }
}
