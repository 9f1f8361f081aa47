import { describe, expect, it } from 'vitest';
import { datasetFromArrays } from '../../src/eval/datasets.js';
import { evaluateMethod } from '../../src/eval/runner.js';
import { TwoTowerEvalMethod } from '../../src/retrieval/eval-method.js';
import { clusteredRows } from './synthetic.js';

describe('two-tower eval method', () => {
  it('ranks a held-out in-cluster item above other-cluster negatives', async () => {
    // users 0..199; held-out item of user u: an in-cluster item it has not seen; negatives: other cluster
    const rows = clusteredRows(200, 40, 8, 1);
    const seen = new Map<number, Set<number>>();
    for (const [u, p] of rows) (seen.get(u) ?? seen.set(u, new Set()).get(u)!).add(p);
    const held: [number, number, number[]][] = [];
    for (let u = 0; u < 200; u++) {
      const base = (u % 2) * 20;
      let h = base;
      while (seen.get(u)!.has(h)) h++;
      const other = (1 - (u % 2)) * 20;
      held.push([u, h, [other, other + 1, other + 2, other + 3, other + 4]]);
    }
    const ds = datasetFromArrays('clusters', rows, held);
    const m = new TwoTowerEvalMethod({ params: { dim: 8, epochs: 5, batch: 64, negatives: 16, lr: 0.02, temperature: 0.2 }, seed: 2 });
    const r = await evaluateMethod(ds, m, { k: 1 });
    expect(r.users).toBe(200);
    expect(r.hr).toBeGreaterThanOrEqual(0.95);
    expect(m.settings()).toMatch(/dim=8/);
    expect(m.lastExamplesPerSecond).toBeGreaterThan(0);
  });

  it('rejects unknown or out-of-range parameters', () => {
    expect(() => new TwoTowerEvalMethod({ params: { depth: 3 } })).toThrow(/unknown parameter "depth"/);
    expect(() => new TwoTowerEvalMethod({ params: { temperature: 0 } })).toThrow(/temperature/);
  });
});
