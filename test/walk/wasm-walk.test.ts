import { describe, expect, it } from 'vitest';
import { generatePowerLawGraph } from '../../bench/graph-gen.js';
import { PixieWalker } from '../../src/walk/pixie.js';
import { setWasmWalk } from '../../src/walk/walk-memory.js';

function run(wasm: boolean, opts: object) {
  setWasmWalk(wasm);
  try {
    const g = generatePowerLawGraph({ pins: 3000, boards: 600, edges: 30_000, seed: 11 });
    const w = new PixieWalker(g);
    return [w.query([1, 2, 3, 500], [1, 2, 1, 3], opts), w.query([7], undefined, opts)];
  } finally {
    setWasmWalk(true);
  }
}

describe('WebAssembly walk kernel', () => {
  for (const opts of [
    { steps: 20_000, seed: 5, np: 0 },
    { steps: 50_000, seed: 9, np: 50, nv: 3 },
    { steps: 7, seed: 1, np: 0 },
    { steps: 3000, seed: 2, alpha: 1, np: 0 },
    { steps: 3000, seed: 2, alpha: 0.01, np: 0, boost: false, degreePenalty: 0.5 },
  ]) {
    it(`gives the JavaScript walk's result exactly (${JSON.stringify(opts)})`, () => {
      const js = run(false, opts);
      const wa = run(true, opts);
      for (let i = 0; i < js.length; i++) {
        expect(Array.from(wa[i]!.pins)).toEqual(Array.from(js[i]!.pins));
        expect(Array.from(wa[i]!.scores)).toEqual(Array.from(js[i]!.scores));
        expect(Array.from(wa[i]!.boards)).toEqual(Array.from(js[i]!.boards));
        expect(Array.from(wa[i]!.boardScores)).toEqual(Array.from(js[i]!.boardScores));
        expect(wa[i]!.steps).toBe(js[i]!.steps);
        expect(wa[i]!.earlyStopped).toBe(js[i]!.earlyStopped);
      }
    });
  }
});
