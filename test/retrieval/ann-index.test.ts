import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/util/rng.js';
import { AnnIndex } from '../../src/retrieval/ann-index.js';

const V = { name: 'tt', version: 'v000001' };

function randomVectors(n: number, d: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const out = new Float32Array(n * d);
  for (let i = 0; i < out.length; i++) out[i] = rng.normal();
  return out;
}

function exactTop(q: Float32Array, vecs: Float32Array, d: number, k: number): number[] {
  const s: [number, number][] = [];
  for (let p = 0; p < vecs.length / d; p++) {
    let x = 0;
    for (let j = 0; j < d; j++) x += q[j]! * vecs[p * d + j]!;
    s.push([x, p]);
  }
  s.sort((a, b) => b[0] - a[0]);
  return s.slice(0, k).map((e) => e[1]);
}

describe('AnnIndex', () => {
  it('finds the largest dot products, best first, with dot-product scores', () => {
    const idx = AnnIndex.build(V, Float32Array.from([1, 0, 0, 1, 0.7, 0.7, -1, 0]), 2);
    const r = idx.search(Float32Array.from([1, 0.1]), 3);
    expect(r.pins).toEqual([0, 2, 1]);
    expect(r.scores[0]).toBeCloseTo(1, 5);
    expect(r.scores[1]).toBeCloseTo(0.77, 5);
    expect(r.scores[2]).toBeCloseTo(0.1, 5);
  });

  it('agrees with brute force on random data (high recall)', () => {
    const d = 8;
    const vecs = randomVectors(400, d, 1);
    const idx = AnnIndex.build(V, vecs, d, { seed: 3 });
    const rng = new Rng(5);
    let agree = 0;
    for (let t = 0; t < 20; t++) {
      const q = Float32Array.from({ length: d }, () => rng.normal());
      const exact = new Set(exactTop(q, vecs, d, 10));
      for (const p of idx.search(q, 10).pins) if (exact.has(p)) agree++;
    }
    expect(agree / 200).toBeGreaterThan(0.95);
  });

  it('skips all-zero rows, filters, and grows when pins are added online', () => {
    const idx = AnnIndex.build(V, Float32Array.from([1, 0, 0, 0, 0, 1]), 2, { capacity: 2 });
    expect(idx.size).toBe(2); // row 1 is all zero
    expect(idx.search(Float32Array.from([1, 0]), 5, (p) => p !== 0).pins).toEqual([2]);
    for (let p = 10; p < 40; p++) idx.add(p, [1 + p / 100, 0]);
    expect(idx.size).toBe(32);
    expect(idx.search(Float32Array.from([1, 0]), 1).pins).toEqual([39]);
  });

  it('carries its model version through serialisation', () => {
    const idx = AnnIndex.build(V, randomVectors(50, 4, 2), 4);
    const buf = idx.toBuffer();
    expect(AnnIndex.readMeta(buf)).toEqual({ name: 'tt', version: 'v000001', dim: 4, space: 'ip' });
    const back = AnnIndex.fromBuffer(buf);
    expect(back.meta.version).toBe('v000001');
    const q = Float32Array.from([0.3, -1, 2, 0.5]);
    expect(back.search(q, 5)).toEqual(idx.search(q, 5));
  });

  it('rejects bad input with clear errors', () => {
    const idx = AnnIndex.create(V, 3);
    expect(() => idx.add(1, [1, 2])).toThrow(/length 2, expected 3/);
    expect(() => idx.add(-1, [1, 2, 3])).toThrow(/pin id/);
    expect(() => idx.add(1, [1, NaN, 3])).toThrow(/non-finite/);
    expect(() => idx.search([1, 2], 3)).toThrow(/query has length 2/);
    expect(idx.search([1, 2, 3], 3).pins).toEqual([]);
    expect(() => AnnIndex.create({ name: 'x', version: '' }, 3)).toThrow(/version/);
    expect(() => AnnIndex.fromBuffer(Buffer.from('garbage'), 'v1/index.ann')).toThrow(/v1\/index.ann: not a boardwalk ANN index/);
  });
});
