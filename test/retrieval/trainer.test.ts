import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/util/rng.js';
import { DEFAULT_CONFIG, TwoTowerModel } from '../../src/retrieval/model.js';
import { trainTwoTower, TwoTowerTrainer } from '../../src/retrieval/trainer.js';
import { trainingSetFromPairs } from '../../src/retrieval/training-set.js';
import { clusteredSet } from './synthetic.js';

const OPTS = { epochs: 6, batchSize: 32, extraNegatives: 16, learningRate: 0.02, seed: 4 };

describe('TwoTowerTrainer', () => {
  it('learns taste clusters: in-cluster pins outscore the other cluster', () => {
    const data = clusteredSet(40, 40, 8, 1);
    const res = trainTwoTower(data, { dim: 8, temperature: 0.2 }, OPTS);
    expect(res.epochs).toHaveLength(6);
    expect(res.epochs[5]!.loss).toBeLessThan(res.epochs[0]!.loss);
    expect(res.examplesPerSecond).toBeGreaterThan(0);
    const m = res.model;
    const V = m.allPinEmbeddings();
    const u = new Float32Array(8);
    let correct = 0;
    for (let us = 0; us < 40; us++) {
      m.userEmbedding({ history: data.pins.subarray(data.offsets[us]!, data.offsets[us + 1]!) }, u);
      let inC = 0;
      let outC = 0;
      for (let p = 0; p < 40; p++) {
        let s = 0;
        for (let k = 0; k < 8; k++) s += u[k]! * V[p * 8 + k]!;
        if (Math.floor(p / 20) === us % 2) inC += s;
        else outC += s;
      }
      if (inC > outC) correct++;
    }
    expect(correct).toBe(40);
  });

  it('is deterministic for a seed', () => {
    const data = clusteredSet(20, 30, 5, 2);
    const a = trainTwoTower(data, { dim: 4 }, { ...OPTS, epochs: 2, historyDropout: 0.2 }).model;
    const b = trainTwoTower(data, { dim: 4 }, { ...OPTS, epochs: 2, historyDropout: 0.2 }).model;
    const c = trainTwoTower(data, { dim: 4 }, { ...OPTS, epochs: 2, historyDropout: 0.2, seed: 5 }).model;
    expect([...a.params.pinEmb]).toEqual([...b.params.pinEmb]);
    expect([...a.params.histEmb]).toEqual([...b.params.histEmb]);
    expect([...a.params.pinEmb]).not.toEqual([...c.params.pinEmb]);
  });

  it('only updates embedding rows the batch touched (lazy Adam)', () => {
    const data = trainingSetFromPairs([0, 0, 1, 1], [0, 1, 2, 3], 2, 6);
    const m = new TwoTowerModel({ ...DEFAULT_CONFIG, dim: 3, numPins: 6 });
    m.initRandom(new Rng(1));
    const before = m.params.pinEmb.slice();
    const t = new TwoTowerTrainer(m, data, { batchSize: 2, extraNegatives: 0 });
    t.computeBatch(Int32Array.from([0, 2]), new Int32Array(0), true);
    t.applyAdam();
    const changed = [0, 1, 2, 3, 4, 5].filter((r) => [0, 1, 2].some((k) => m.params.pinEmb[r * 3 + k] !== before[r * 3 + k]));
    expect(changed).toEqual([0, 2]);
  });

  it('rejects bad options and mismatched data', () => {
    const data = clusteredSet(4, 10, 2, 1);
    const m = new TwoTowerModel({ ...DEFAULT_CONFIG, dim: 2, numPins: 10 });
    expect(() => new TwoTowerTrainer(m, data, { batchSize: 0 })).toThrow(/batchSize/);
    expect(() => new TwoTowerTrainer(m, data, { learningRate: -1 })).toThrow(/learningRate/);
    expect(() => new TwoTowerTrainer(m, data, { historyDropout: 1 })).toThrow(/historyDropout/);
    const m2 = new TwoTowerModel({ ...DEFAULT_CONFIG, dim: 2, numPins: 11 });
    expect(() => new TwoTowerTrainer(m2, data)).toThrow(/model has 11 pins, data has 10/);
    const lonely = trainingSetFromPairs([0, 1], [0, 1]);
    expect(() => trainTwoTower(lonely, { dim: 2 }, { epochs: 1 })).toThrow(/no training examples/);
    expect(() => trainingSetFromPairs([0, -1], [0, 1])).toThrow(/bad user id -1 at row 1/);
  });
});
