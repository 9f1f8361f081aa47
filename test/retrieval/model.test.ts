import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/util/rng.js';
import { DEFAULT_CONFIG, TwoTowerModel } from '../../src/retrieval/model.js';

function small(): TwoTowerModel {
  const m = new TwoTowerModel({ ...DEFAULT_CONFIG, dim: 2, numPins: 3, pinFeatureDim: 2, historyLen: 2, normalize: false });
  // hand-set parameters
  m.params.pinEmb.set([1, 0, 0, 1, 1, 1]);
  m.params.histEmb.set([2, 0, 0, 2, 4, 4]);
  m.params.pinFeatW.set([1, 0, 0, 1]); // identity projection
  m.params.histFeatW.set([0, 0, 0, 0]);
  return m;
}

describe('TwoTowerModel', () => {
  it('pin tower: id embedding plus projected features; new pins use features only', () => {
    const m = small();
    const out = new Float32Array(2);
    m.pinEmbedding(1, undefined, out);
    expect([...out]).toEqual([0, 1]);
    m.pinEmbedding(2, Float32Array.from([1, -2]), out);
    expect([...out]).toEqual([2, -1]);
    // pin 7 was never trained: only its features count
    m.pinEmbedding(7, Float32Array.from([3, 4]), out);
    expect([...out]).toEqual([3, 4]);
    expect(m.pinEmbedding(7, undefined, out)).toBe(0);
    expect([...out]).toEqual([0, 0]);
  });

  it('user tower: mean of the most recent historyLen history embeddings', () => {
    const m = small();
    const out = new Float32Array(2);
    m.userEmbedding({ history: [0, 1] }, out);
    expect([...out]).toEqual([1, 1]);
    // historyLen 2: pin 0 (oldest) drops out
    m.userEmbedding({ history: [0, 1, 2] }, out);
    expect([...out]).toEqual([2, 3]);
  });

  it('normalises both towers when asked', () => {
    const m = new TwoTowerModel({ ...DEFAULT_CONFIG, dim: 2, numPins: 1 });
    m.params.pinEmb.set([3, 4]);
    const out = new Float32Array(2);
    expect(m.pinEmbedding(0, undefined, out)).toBeCloseTo(5, 6);
    expect(out[0]).toBeCloseTo(0.6, 6);
    expect(out[1]).toBeCloseTo(0.8, 6);
  });

  it('round-trips through its binary form with config and version', () => {
    const m = new TwoTowerModel({ ...DEFAULT_CONFIG, dim: 4, numPins: 5, pinFeatureDim: 2, userFeatureDim: 1, interestDim: 3 });
    m.initRandom(new Rng(2));
    m.setVersion('v000004');
    const back = TwoTowerModel.fromBuffer(m.toBuffer());
    expect(back.versionInfo).toEqual({ name: 'two-tower', version: 'v000004' });
    expect(back.config).toEqual(m.config);
    for (const k of Object.keys(m.params) as (keyof typeof m.params)[]) expect([...back.params[k]]).toEqual([...m.params[k]]);
  });

  it('rejects bad configs, inputs and files with clear errors', () => {
    expect(() => new TwoTowerModel({ ...DEFAULT_CONFIG, dim: 0, numPins: 1 })).toThrow(/dim/);
    expect(() => new TwoTowerModel({ ...DEFAULT_CONFIG, numPins: 1, temperature: 0 })).toThrow(/temperature/);
    const m = new TwoTowerModel({ ...DEFAULT_CONFIG, dim: 2, numPins: 1, pinFeatureDim: 2 });
    expect(() => m.pinEmbedding(0, new Float32Array(3), new Float32Array(2))).toThrow(/pin features has length 3, expected 2/);
    expect(() => TwoTowerModel.fromBuffer(Buffer.from('nope'), 'x.bin')).toThrow(/x.bin: not a boardwalk two-tower model/);
    expect(() => m.setVersion('')).toThrow(/version/);
  });
});
