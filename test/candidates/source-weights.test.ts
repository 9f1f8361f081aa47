import { describe, expect, it } from 'vitest';
import type { Candidate } from '../../src/candidates/types.js';
import { evaluateWeights, fitSourceWeights, weightExample, type WeightExample } from '../../src/surfaces/source-weights.js';
import { Rng } from '../../src/util/rng.js';

/**
 * Three sources over 21 pins (the positive first). Source a ranks the positive 3rd, b ranks it
 * 1st but only half the time (else last), noise scores at random.
 */
function examples(n: number, seed: number): WeightExample[] {
  const rng = new Rng(seed);
  const out: WeightExample[] = [];
  for (let e = 0; e < n; e++) {
    const pins = 21;
    const x = new Float32Array(pins * 3);
    for (let i = 0; i < pins; i++) {
      x[i * 3] = i === 0 ? 0.8 : i <= 2 ? 0.9 : rng.next() * 0.7;
      x[i * 3 + 1] = i === 0 ? (e % 2 === 0 ? 1 : 0) : rng.next() * 0.5;
      x[i * 3 + 2] = rng.next();
    }
    out.push({ n: pins, x });
  }
  return out;
}

describe('source weight fitting', () => {
  it('scores with pessimistic ties and hand-checkable ranks', () => {
    // two sources; on source 0 alone the positive ties the first negative (which then ranks above it)
    const ex: WeightExample = { n: 3, x: Float32Array.from([1, 0, 1, 1, 0.5, 0.6]) };
    expect(evaluateWeights([ex], Float64Array.from([1, 0]))).toEqual({ hr: 1, ndcg: 1 / Math.log2(3) });
    expect(evaluateWeights([ex], Float64Array.from([1, 1]))).toEqual({ hr: 1, ndcg: 0.5 });
    expect(evaluateWeights([ex], Float64Array.from([1, 1]), 2)).toEqual({ hr: 0, ndcg: 0 });
    expect(() => evaluateWeights([ex], Float64Array.from([1, 0, 0]))).toThrow(/6 values, expected 3 pins × 3 sources/);
  });

  it('drops a noise source and weights the useful ones', () => {
    const fit = fitSourceWeights(['a', 'b', 'noise'], examples(200, 1));
    expect(fit.weights['a']).toBe(1);
    expect(fit.weights['noise']).toBe(0);
    expect(fit.weights['b']).toBeGreaterThan(0);
    expect(fit.ndcg).toBeGreaterThan(fit.equalNdcg);
    expect(fit.without['b']).toBeLessThan(fit.ndcg);
    expect(fit.examples).toBe(200);
    expect(fitSourceWeights(['a', 'b', 'noise'], examples(200, 1))).toEqual(fit);
  });

  it('builds examples from merged candidates and rejects bad input', () => {
    const cands: Candidate[] = [
      { pin: 7, score: 1, sources: ['a'], features: { src_a: 0.5 } },
      { pin: 9, score: 1, sources: ['a', 'b'], features: { src_a: 1, src_b: 0.25 } },
    ];
    expect(Array.from(weightExample(['a', 'b'], cands, [9, 3, 7]).x)).toEqual([1, 0.25, 0, 0, 0.5, 0]);
    expect(() => fitSourceWeights([], examples(2, 1))).toThrow(/no sources/);
    expect(() => fitSourceWeights(['a'], [])).toThrow(/no validation examples/);
    expect(() => fitSourceWeights(['a', 'b', 'c'], examples(2, 1), { grid: [-1] })).toThrow(/grid/);
    expect(() => fitSourceWeights(['a', 'b', 'c'], examples(2, 1), { anchor: 'z' })).toThrow(/anchor z/);
  });
});
