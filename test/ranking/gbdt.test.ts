import { describe, expect, it } from 'vitest';
import { GbdtModel } from '../../src/ranking/gbdt/model.js';
import { trainGbdt, type GbdtDataset } from '../../src/ranking/gbdt/train.js';
import { Tree } from '../../src/ranking/gbdt/tree.js';
import { CompiledForest } from '../../src/ranking/gbdt/scorer.js';
import { BinMapper } from '../../src/ranking/gbdt/binning.js';
import { auc, ndcgAtK } from '../../src/ranking/metrics.js';
import { Rng } from '../../src/util/rng.js';

function data(rows: number[][], labels: number[], names?: string[], extra: Partial<GbdtDataset> = {}): GbdtDataset {
  const nf = rows[0]!.length;
  const x = new Float32Array(rows.length * nf);
  rows.forEach((r, i) => x.set(r, i * nf));
  return {
    x,
    rows: rows.length,
    featureNames: names ?? Array.from({ length: nf }, (_, i) => `f${i}`),
    labels: Float32Array.from(labels),
    ...extra,
  };
}

function synth(n: number, seed: number): GbdtDataset {
  // y depends on an interaction (XOR-like) plus a linear part; feature 2 is noise; 5% missing
  const rng = new Rng(seed);
  const rows: number[][] = [];
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const a = rng.normal();
    const b = rng.normal();
    const c = rng.normal();
    const logit = 2 * Math.sign(a * b) + 0.8 * a;
    labels.push(rng.next() < 1 / (1 + Math.exp(-logit)) ? 1 : 0);
    rows.push([rng.next() < 0.05 ? NaN : a, b, c]);
  }
  return data(rows, labels);
}

describe('histogram binning', () => {
  it('maps values to 1 + #cuts <= v, NaN to 0', () => {
    const m = BinMapper.fit(Float32Array.of(3, 1, 2, NaN, 2), 5, 1);
    expect(Array.from(m.cuts[0]!)).toEqual([2, 3]);
    expect([m.binOf(0, 1), m.binOf(0, 2), m.binOf(0, 2.5), m.binOf(0, 3), m.binOf(0, 9), m.binOf(0, NaN)]).toEqual([1, 2, 2, 3, 3, 0]);
    // "bin <= b" is "v < threshold(b)"
    expect(m.threshold(0, 1)).toBe(2);
  });
  it('caps the number of bins with quantile cuts', () => {
    const x = Float32Array.from({ length: 1000 }, (_, i) => i);
    const m = BinMapper.fit(x, 1000, 1, 16);
    expect(m.cuts[0]!.length).toBeLessThanOrEqual(14);
    expect(m.nBins[0]).toBeLessThanOrEqual(16);
  });
});

describe('GBDT trainer', () => {
  it('a single stump matches the hand-computed Newton step', () => {
    // p = 0.5 everywhere: g = 0.5 - y, h = 0.25; best split x < 2; leaves -G/H = -(+1)/0.5, -(-1)/0.5
    const d = data([[0], [1], [2], [3]], [0, 0, 1, 1]);
    const { model } = trainGbdt(d, { rounds: 1, maxDepth: 1, learningRate: 1, lambda: 0, minChildWeight: 0, baseMargin: 0 });
    const t = model.trees[0]!;
    expect(t.size).toBe(3);
    expect(t.threshold[0]).toBe(2);
    expect(t.value[t.left[0]!]).toBeCloseTo(-2, 6);
    expect(t.value[t.right[0]!]).toBeCloseTo(2, 6);
    // lambda shrinks the leaves: -G/(H + lambda) = -1/(0.5 + 1)
    const reg = trainGbdt(d, { rounds: 1, maxDepth: 1, learningRate: 1, lambda: 1, minChildWeight: 0, baseMargin: 0 }).model.trees[0]!;
    expect(reg.value[reg.left[0]!]).toBeCloseTo(-1 / 1.5, 6);
  });

  it('learns a default direction for missing values', () => {
    // missing rows are positive, so they must go with the high-x (positive) side
    const d = data([[0], [1], [NaN], [NaN], [5], [6]], [0, 0, 1, 1, 1, 1]);
    const { model } = trainGbdt(d, { rounds: 1, maxDepth: 1, learningRate: 1, lambda: 0, minChildWeight: 0, baseMargin: 0 });
    const t = model.trees[0]!;
    expect(t.defaultLeft[0]).toBe(0);
    const p = model.predict(Float32Array.of(NaN, 0), 2);
    expect(p[0]).toBeGreaterThan(0.5);
    expect(p[1]).toBeLessThan(0.5);
  });

  it('min child weight and gamma stop splits', () => {
    const d = data([[0], [1], [2], [3]], [0, 0, 1, 1]);
    // each child would hold hessian 0.5 < 1
    expect(trainGbdt(d, { rounds: 1, maxDepth: 2, minChildWeight: 1 }).model.trees[0]!.size).toBe(1);
    expect(trainGbdt(d, { rounds: 1, maxDepth: 2, minChildWeight: 0, gamma: 100 }).model.trees[0]!.size).toBe(1);
  });

  it('sample weights: zero-weight rows are ignored', () => {
    // the two contradicting rows have weight 0
    const d = data([[0], [1], [2], [3], [0.5], [2.5]], [0, 0, 1, 1, 1, 0], undefined, {
      weights: Float32Array.of(1, 1, 1, 1, 0, 0),
    });
    const { model } = trainGbdt(d, { rounds: 20, maxDepth: 2, minChildWeight: 0, learningRate: 0.5 });
    const p = model.predict(Float32Array.of(0.5, 2.5), 2);
    expect(p[0]).toBeLessThan(0.3);
    expect(p[1]).toBeGreaterThan(0.7);
  });

  it('fits an interaction on held-out data, honours depth and leaf limits', () => {
    const tr = synth(3000, 1);
    const te = synth(1000, 2);
    const res = trainGbdt(tr, { rounds: 60, maxDepth: 3, learningRate: 0.2 });
    const p = res.model.predict(te.x, te.rows);
    expect(auc(p, te.labels)).toBeGreaterThan(0.8);
    for (const t of res.model.trees) expect(t.depth()).toBeLessThanOrEqual(3);
    const few = trainGbdt(tr, { rounds: 3, maxDepth: 6, maxLeaves: 4 });
    for (const t of few.model.trees) expect((t.size + 1) / 2).toBeLessThanOrEqual(4);
  });

  it('early stopping keeps the best round', () => {
    const tr = synth(600, 3);
    const va = synth(600, 4);
    const res = trainGbdt(tr, { rounds: 300, maxDepth: 6, learningRate: 0.5, minChildWeight: 0, earlyStoppingRounds: 5 }, va);
    expect(res.history.length).toBeLessThan(300);
    expect(res.model.trees.length).toBe(res.bestIteration);
    expect(res.history.length).toBe(res.bestIteration + 5);
    expect(Math.min(...res.history)).toBe(res.bestScore);
  });

  it('is deterministic per seed with row and column subsampling', () => {
    const tr = synth(800, 5);
    const params = { rounds: 10, subsample: 0.7, colsample: 0.67, seed: 9 };
    const a = JSON.stringify(trainGbdt(tr, params).model.toJSON().trees);
    const b = JSON.stringify(trainGbdt(tr, params).model.toJSON().trees);
    const c = JSON.stringify(trainGbdt(tr, { ...params, seed: 10 }).model.toJSON().trees);
    expect(a).toBe(b);
    expect(a).not.toBe(c);
  });

  it('pairwise and lambda ranking objectives order each group', () => {
    // 40 groups of 5; relevance = position of feature 0 within the group, feature 1 is noise
    const rng = new Rng(3);
    const rows: number[][] = [];
    const labels: number[] = [];
    const groups = [0];
    for (let g = 0; g < 40; g++) {
      for (let i = 0; i < 5; i++) {
        const v = rng.next();
        rows.push([v, rng.next()]);
        labels.push(v > 0.8 ? 2 : v > 0.5 ? 1 : 0);
      }
      groups.push(rows.length);
    }
    const d = data(rows, labels, undefined, { groups: Uint32Array.from(groups) });
    for (const objective of ['rank:pairwise', 'rank:ndcg'] as const) {
      const { model } = trainGbdt(d, { objective, rounds: 20, maxDepth: 3, minChildWeight: 0 });
      const s = model.predict(d.x, d.rows);
      expect(ndcgAtK(s, d.labels, d.groups!, 5)).toBeGreaterThan(0.97);
      // noise scores much worse
      expect(ndcgAtK(Float64Array.from(rows, (r) => r[1]!), d.labels, d.groups!, 5)).toBeLessThan(0.9);
    }
  });

  it('names bad input', () => {
    const d = data([[0], [1]], [0, 1]);
    expect(() => trainGbdt(d, { rounds: 0 })).toThrow(/rounds/);
    expect(() => trainGbdt(d, { learningRate: 2 })).toThrow(/learningRate/);
    expect(() => trainGbdt(data([[0], [1]], [0, 2]))).toThrow(/label 2/);
    expect(() => trainGbdt({ ...d, labels: Float32Array.of(1) })).toThrow(/1 labels for 2 rows/);
    expect(() => trainGbdt(d, { objective: 'rank:ndcg' })).toThrow(/groups/);
    expect(() => trainGbdt({ ...d, weights: Float32Array.of(1, -1) })).toThrow(/weight -1/);
  });
});

describe('model format and scorer', () => {
  it('round-trips through JSON with identical scores', () => {
    const tr = synth(500, 6);
    const { model } = trainGbdt(tr, { rounds: 15, maxDepth: 4 });
    const back = GbdtModel.fromJSON(JSON.parse(JSON.stringify(model.toJSON())));
    expect(Array.from(back.predict(tr.x, tr.rows))).toEqual(Array.from(model.predict(tr.x, tr.rows)));
    expect(() => GbdtModel.fromJSON({ format: 'other' })).toThrow(/format/);
    expect(() => GbdtModel.fromJSON({ ...model.toJSON(), featureNames: ['a'] })).toThrow(/feature/);
  });

  it('the compiled scorer equals plain traversal, also for deep and unbalanced trees', () => {
    // a chain tree of depth 14 (too deep to pad) and a random unbalanced tree
    const chain = (depth: number): Tree => {
      const n = 2 * depth + 1;
      const t = {
        left: new Int32Array(n).fill(-1),
        right: new Int32Array(n).fill(-1),
        feature: new Int32Array(n),
        threshold: new Float32Array(n),
        defaultLeft: new Uint8Array(n),
        value: new Float64Array(n),
        cover: new Float64Array(n).fill(1),
      };
      for (let d = 0; d < depth; d++) {
        const node = 2 * d;
        t.left[node] = 2 * d + 1;
        t.right[node] = 2 * d + 2;
        t.feature[node] = d % 3;
        t.threshold[node] = (d % 5) / 5;
        t.defaultLeft[node] = d % 2;
        t.value[2 * d + 1] = d + 1;
      }
      t.value[n - 1] = -7;
      return new Tree(t);
    };
    const trees = [chain(14), chain(4), chain(1)];
    const forest = new CompiledForest(trees, 3, 0.25);
    const rng = new Rng(1);
    const rows = 200;
    const x = Float32Array.from({ length: rows * 3 }, () => (rng.next() < 0.1 ? NaN : rng.next()));
    const out = new Float64Array(rows);
    forest.predictMargin(x, rows, out);
    for (let r = 0; r < rows; r++) {
      let s = 0.25;
      for (const t of trees) s += t.value[t.leafOf(x, r * 3)]!;
      expect(out[r]).toBeCloseTo(s, 10);
    }
    expect(() => forest.predictMargin(x, rows + 1, new Float64Array(rows + 1))).toThrow(/matrix/);
  });

  it('WebAssembly and JavaScript back ends agree with traversal on a trained forest', () => {
    const tr = synth(3001, 8); // odd row count: exercises the 4-row/8-row remainders
    const { model } = trainGbdt(tr, { rounds: 30, maxDepth: 5, learningRate: 0.3 });
    const wasm = new CompiledForest(model.trees, 3, model.baseMargin);
    const js = new CompiledForest(model.trees, 3, model.baseMargin, { wasm: false });
    expect(wasm.wasm).not.toBeNull();
    expect(js.wasm).toBeNull();
    const a = new Float64Array(tr.rows);
    const b = new Float64Array(tr.rows);
    wasm.predictMargin(tr.x, tr.rows, a);
    js.predictMargin(tr.x, tr.rows, b);
    for (let r = 0; r < tr.rows; r++) {
      let s = model.baseMargin;
      for (const t of model.trees) s += t.value[t.leafOf(tr.x, r * 3)]!;
      expect(a[r]).toBeCloseTo(s, 10);
      expect(b[r]).toBeCloseTo(s, 10);
    }
    // a matrix without missing values takes the NaN-free paths of both back ends
    const clean = Float32Array.from(tr.x, (v) => (v !== v ? 0.25 : v));
    wasm.predictMargin(clean, tr.rows, a);
    js.predictMargin(clean, tr.rows, b);
    for (let r = 0; r < tr.rows; r++) {
      let s = model.baseMargin;
      for (const t of model.trees) s += t.value[t.leafOf(clean, r * 3)]!;
      expect(a[r]).toBeCloseTo(s, 10);
      expect(b[r]).toBeCloseTo(s, 10);
    }
    // missing values in some rows only: runs of clean and NaN-aware 8-row groups
    const mixed = clean.slice();
    for (const r of [5, 100, 101, 133, 2000, 3000]) mixed[r * 3 + (r % 3)] = NaN;
    wasm.predictMargin(mixed, tr.rows, a);
    for (let r = 0; r < tr.rows; r++) {
      let s = model.baseMargin;
      for (const t of model.trees) s += t.value[t.leafOf(mixed, r * 3)]!;
      expect(a[r]).toBeCloseTo(s, 10);
    }
    // batches larger than the WebAssembly buffer (4096 rows) are scored in pieces
    const big = synth(9000, 9);
    const c = new Float64Array(big.rows);
    const d = new Float64Array(big.rows);
    wasm.predictMargin(big.x, big.rows, c);
    js.predictMargin(big.x, big.rows, d);
    for (let r = 0; r < big.rows; r++) expect(c[r]).toBeCloseTo(d[r]!, 10);
  });

  it('Saabas contributions sum to the margin and credit the informative feature', () => {
    const tr = synth(1000, 7);
    const { model } = trainGbdt(tr, { rounds: 20, maxDepth: 3 });
    const m = new Float64Array(1);
    for (let r = 0; r < 5; r++) {
      const c = model.contributions(tr.x, r * 3);
      model.predictMargin(tr.x.subarray(r * 3, r * 3 + 3), 1, m);
      expect(c.reduce((a, b) => a + b, 0)).toBeCloseTo(m[0]!, 8);
    }
    const imp = model.featureImportance();
    expect(imp.f2!).toBeLessThan(imp.f0!);
  });
});

describe('wide data', () => {
  it('trains with more than 65535 histogram bins in total (300 features x 256 bins)', () => {
    const rng = new Rng(2);
    const rows = 400;
    const nf = 300;
    const x = Float32Array.from({ length: rows * nf }, () => rng.next());
    const labels = Float32Array.from({ length: rows }, (_, r) => (x[r * nf + 299]! > 0.5 ? 1 : 0));
    const d: GbdtDataset = { x, rows, featureNames: Array.from({ length: nf }, (_, i) => `f${i}`), labels };
    const { model } = trainGbdt(d, { rounds: 3, maxDepth: 2, minChildWeight: 0 });
    expect(model.trees[0]!.feature[0]).toBe(299);
    expect(auc(model.predict(x, rows), labels)).toBe(1);
  });
});

describe('early stopping edge cases', () => {
  it('a validation set with one class (metric undefined) does not stop training or empty the model', () => {
    const tr = synth(300, 12);
    const va = { ...synth(50, 13) };
    va.labels = new Float32Array(va.rows).fill(1);
    const res = trainGbdt(tr, { rounds: 8, evalMetric: 'auc', earlyStoppingRounds: 2 }, va);
    expect(res.model.trees.length).toBe(8);
    expect(res.history.every((v) => Number.isNaN(v))).toBe(true);
  });
});
