import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/util/rng.js';
import { DEFAULT_CONFIG, PARAM_NAMES, TwoTowerModel, type ParamName } from '../../src/retrieval/model.js';
import { TwoTowerTrainer } from '../../src/retrieval/trainer.js';
import type { TrainingSet } from '../../src/retrieval/training-set.js';

/** A tiny data set exercising every input: history, pin features, profiles, interests. */
function tinySet(): TrainingSet {
  const rng = new Rng(7);
  const numPins = 9;
  const numUsers = 4;
  const rows = [
    [0, 1, 2, 3],
    [2, 4, 5],
    [6, 7, 8, 0, 1],
    [3, 3 + 1, 8],
  ];
  const offsets = new Uint32Array(numUsers + 1);
  const pins: number[] = [];
  rows.forEach((r, u) => {
    pins.push(...r);
    offsets[u + 1] = pins.length;
  });
  const rnd = (n: number): Float32Array => Float32Array.from({ length: n }, () => rng.normal() * 0.5);
  return {
    numUsers,
    numPins,
    offsets,
    pins: Int32Array.from(pins),
    pinFeatures: rnd(numPins * 3),
    pinFeatureDim: 3,
    userProfiles: rnd(numUsers * 2),
    userFeatureDim: 2,
    userInterests: rnd(numUsers * 2),
    interestDim: 2,
  };
}

function check(normalize: boolean, logQ: boolean, normalizePins = normalize): void {
  const data = tinySet();
  const model = new TwoTowerModel({
    ...DEFAULT_CONFIG,
    dim: 5,
    numPins: data.numPins,
    pinFeatureDim: 3,
    userFeatureDim: 2,
    interestDim: 2,
    historyLen: 3,
    temperature: normalize ? 0.5 : 1,
    normalize,
    normalizePins,
  });
  model.initRandom(new Rng(3), 0.5);
  const trainer = new TwoTowerTrainer(model, data, { batchSize: 6, extraNegatives: 3, logQCorrection: logQ, gradSkip: 0, seed: 5 });
  // frequencies for the correction, then a fixed batch with a duplicated positive (pin 3)
  for (let i = 0; i < data.pins.length; i++) trainer.sketch.add(data.pins[i]!);
  const batch = Int32Array.from([0, 3, 5, 9, 12, 7]); // positions; 3 and 12 both hold pin 3
  expect(data.pins[3]).toBe(3);
  expect(data.pins[12]).toBe(3);
  const negs = Int32Array.from([8, 2, 6]);
  trainer.computeBatch(batch, negs, true);
  const analytic: Record<string, Float32Array> = {};
  for (const n of PARAM_NAMES) analytic[n] = trainer.grads[n].slice();
  // rows of the embedding tables the batch did not touch must have zero gradient
  const touched = {
    pinEmb: new Set(trainer.touchedRows('pinEmb')),
    histEmb: new Set(trainer.touchedRows('histEmb')),
  };
  const d = model.dim;
  const eps = 2e-3;
  let checked = 0;
  for (const n of PARAM_NAMES) {
    const p = model.params[n];
    for (let i = 0; i < p.length; i++) {
      const orig = p[i]!;
      p[i] = orig + eps;
      const lp = trainer.computeBatch(batch, negs, false);
      p[i] = orig - eps;
      const lm = trainer.computeBatch(batch, negs, false);
      p[i] = orig;
      const numeric = (lp - lm) / (2 * eps);
      let a = analytic[n]![i]!;
      if (n === 'pinEmb' || n === 'histEmb') {
        if (!touched[n as 'pinEmb' | 'histEmb'].has(Math.floor(i / d))) a = 0;
      }
      expect(Math.abs(a - numeric), `${n}[${i}] analytic ${a} numeric ${numeric}`).toBeLessThan(2e-3 + 2e-2 * Math.abs(numeric));
      checked++;
    }
  }
  expect(checked).toBe(PARAM_NAMES.reduce((s, n: ParamName) => s + model.params[n].length, 0));
  // the check is not vacuous: most gradients are clearly non-zero
  let nonzero = 0;
  for (const n of PARAM_NAMES) for (const g of analytic[n]!) if (Math.abs(g) > 1e-3) nonzero++;
  expect(nonzero).toBeGreaterThan(100);
}

describe('two-tower gradients', () => {
  it('match central differences (normalised towers, logQ correction)', () => check(true, true));
  it('match central differences (raw dot product, no correction)', () => check(false, false));
  it('match central differences (user normalised, pins free)', () => check(true, true, false));
});
