import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CompiledForest } from '../../src/ranking/gbdt/scorer.js';
import { Tree, type TreeArrays } from '../../src/ranking/gbdt/tree.js';
import { loadXgboostModel } from '../../src/ranking/gbdt/xgboost.js';
import { Rng } from '../../src/util/rng.js';

// values shared by thresholds and features, so rows land exactly on thresholds; signed zeros
// and infinities included
const SPECIAL = [0, -0, 0.5, -0.5, 1, -1, Infinity, -Infinity];

/** A random (not complete) tree in preorder: each node splits with probability `split` until maxDepth. */
function randomTree(rng: Rng, nf: number, maxDepth: number, split: number, nanThresholds: boolean): Tree {
  const t = { left: [] as number[], right: [] as number[], feature: [] as number[], threshold: [] as number[], defaultLeft: [] as number[], value: [] as number[] };
  const grow = (depth: number): number => {
    const i = t.left.length;
    t.left.push(-1);
    t.right.push(-1);
    t.value.push(rng.normal());
    const leaf = depth >= maxDepth || (depth > 0 && rng.next() >= split);
    t.feature.push(leaf ? 0 : rng.int(nf));
    const u = rng.next();
    t.threshold.push(leaf ? 0 : nanThresholds && u < 0.05 ? NaN : u < 0.4 ? SPECIAL[rng.int(SPECIAL.length)]! : rng.normal());
    t.defaultLeft.push(rng.int(2));
    if (!leaf) {
      t.left[i] = grow(depth + 1);
      t.right[i] = grow(depth + 1);
    }
    return i;
  };
  grow(0);
  const arrays: TreeArrays = {
    left: Int32Array.from(t.left),
    right: Int32Array.from(t.right),
    feature: Int32Array.from(t.feature),
    threshold: Float32Array.from(t.threshold),
    defaultLeft: Uint8Array.from(t.defaultLeft),
    value: Float64Array.from(t.value),
    cover: new Float64Array(t.left.length).fill(1),
  };
  return new Tree(arrays);
}

function randomRows(rng: Rng, rows: number, nf: number, missing: number): Float32Array {
  return Float32Array.from({ length: rows * nf }, () => {
    const u = rng.next();
    if (u < missing) return NaN;
    return u < missing + 0.3 ? SPECIAL[rng.int(SPECIAL.length)]! : rng.normal();
  });
}

/** Reference: plain pointer traversal, margins summed in tree order. */
function traverse(trees: Tree[], base: number, x: Float32Array, rows: number, nf: number): Float64Array {
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let s = base;
    for (const t of trees) s += t.value[t.leafOf(x, r * nf)]!;
    out[r] = s;
  }
  return out;
}

const BACK_ENDS = [
  { name: 'WebAssembly + SIMD', opts: {} },
  { name: 'WebAssembly, scalar levels', opts: { simd: false } },
  { name: 'JavaScript', opts: { wasm: false } },
];

describe('compiled scorer = plain traversal', () => {
  for (const { name, opts } of BACK_ENDS) {
    it(`${name}: random trees of mixed depth (0–10), missing values, ties, ±0, ±Infinity, NaN thresholds`, () => {
      const rng = new Rng(41);
      const nf = 7;
      const trees: Tree[] = [];
      for (let i = 0; i < 60; i++) trees.push(randomTree(rng, nf, rng.int(11), 0.8, true));
      // runs of equal depth (one kernel call each) as well as alternating depths
      for (let i = 0; i < 12; i++) trees.push(randomTree(rng, nf, 6, 1, true));
      const forest = new CompiledForest(trees, nf, 0.125, opts);
      expect(forest.wasm === null).toBe(opts.wasm === false);
      // Node 20 has WASM SIMD: the SIMD kernels must compile, not fall back silently
      if (forest.wasm) expect(forest.wasm.simd).toBe(opts.simd !== false);
      for (const rows of [1, 7, 8, 63, 64, 65, 300]) {
        const x = randomRows(rng, rows, nf, 0.2);
        const out = new Float64Array(rows);
        forest.predictMargin(x, rows, out);
        // same additions in the same order: equal to the last bit
        expect(Array.from(out)).toEqual(Array.from(traverse(trees, 0.125, x, rows, nf)));
      }
    });
  }

  it('all back ends agree on complete depth-6 trees, wide rows and batches of many blocks', () => {
    const rng = new Rng(42);
    const nf = 300;
    const trees = Array.from({ length: 40 }, () => randomTree(rng, nf, 6, 1, false));
    const rows = 1000;
    const x = randomRows(rng, rows, nf, 0.02);
    const ref = traverse(trees, -0.5, x, rows, nf);
    for (const { opts } of BACK_ENDS) {
      const forest = new CompiledForest(trees, nf, -0.5, opts);
      const out = new Float64Array(rows);
      forest.predictMargin(x, rows, out);
      expect(Array.from(out)).toEqual(Array.from(ref));
      // a matrix longer than the rows scored (like the feature extractor's scratch buffer)
      const part = new Float64Array(rows);
      forest.predictMargin(x, 777, part);
      expect(Array.from(part.subarray(0, 777))).toEqual(Array.from(ref.subarray(0, 777)));
      expect(part[777]).toBe(0);
    }
  });

  it('trees deeper than the padding limit are walked and added (within float rounding)', () => {
    const rng = new Rng(43);
    const nf = 4;
    const trees = [randomTree(rng, nf, 14, 0.97, false), randomTree(rng, nf, 5, 1, false), randomTree(rng, nf, 13, 0.95, false)];
    expect(trees[0]!.depth()).toBeGreaterThan(10);
    const rows = 150;
    const x = randomRows(rng, rows, nf, 0.1);
    const ref = traverse(trees, 0, x, rows, nf);
    for (const { opts } of BACK_ENDS) {
      const out = new Float64Array(rows);
      new CompiledForest(trees, nf, 0, opts).predictMargin(x, rows, out);
      for (let r = 0; r < rows; r++) expect(out[r]).toBeCloseTo(ref[r]!, 12);
    }
  });

  it('scores the XGBoost fixture exactly as traversal does, on every back end', () => {
    const dir = new URL('../fixtures/xgb/', import.meta.url);
    const model = loadXgboostModel(JSON.parse(readFileSync(new URL('model.json', dir), 'utf8')) as unknown);
    const lines = readFileSync(new URL('data.csv', dir), 'utf8').trim().split('\n').slice(1);
    const nf = model.nFeatures;
    const x = new Float32Array(lines.length * nf);
    lines.forEach((l, i) => x.set(l.split(',').map((v) => (v === '' ? NaN : Number(v))), i * nf));
    const ref = traverse(model.trees, model.baseMargin, x, lines.length, nf);
    for (const { opts } of BACK_ENDS) {
      const out = new Float64Array(lines.length);
      new CompiledForest(model.trees, nf, model.baseMargin, opts).predictMargin(x, lines.length, out);
      expect(Array.from(out)).toEqual(Array.from(ref));
    }
  });

  it('refuses a matrix or output that is too small, naming which', () => {
    const rng = new Rng(44);
    const forest = new CompiledForest([randomTree(rng, 3, 3, 1, false)], 3, 0);
    expect(() => forest.predictMargin(new Float32Array(5), 2, new Float64Array(2))).toThrow(/matrix has 5 values, need 6/);
    expect(() => forest.predictMargin(new Float32Array(6), 2, new Float64Array(1))).toThrow(/output has 1 slots, need 2/);
  });
});
