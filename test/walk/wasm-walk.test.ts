import { describe, expect, it, vi } from 'vitest';
import { generatePowerLawGraph } from '../../bench/graph-gen.js';
import { PixieWalker } from '../../src/walk/pixie.js';
import { setWasmWalk, WalkMemory } from '../../src/walk/walk-memory.js';
import { forBothKernels, graphOf } from './helpers.js';

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

/** Codes 0..3 by id (0 = unknown never matches): fixed arrays, so the kernel's copies are reused. */
const PIN_CODES = Uint16Array.from({ length: 3000 }, (_, i) => (i * 7919) % 4);
const BOARD_CODES = Uint16Array.from({ length: 600 }, (_, i) => (i * 104729) % 4);

describe('WebAssembly walk kernel', () => {
  for (const opts of [
    { steps: 20_000, seed: 5, np: 0 },
    { steps: 50_000, seed: 9, np: 50, nv: 3 },
    { steps: 7, seed: 1, np: 0 },
    { steps: 3000, seed: 2, alpha: 1, np: 0 },
    { steps: 3000, seed: 2, alpha: 0.01, np: 0, boost: false, degreePenalty: 0.5 },
    { steps: 20_000, seed: 4, np: 30, nv: 2, countBoards: false },
    // biased walks (the kernel's walkBiased): pin side, board side, both, with early stopping
    { steps: 20_000, seed: 6, np: 0, bias: { pinCodes: PIN_CODES, code: 2, strength: 3 } },
    { steps: 20_000, seed: 7, np: 0, alpha: 1, bias: { boardCodes: BOARD_CODES, code: 1, strength: 8 } },
    { steps: 50_000, seed: 8, np: 40, nv: 3, bias: { pinCodes: PIN_CODES, boardCodes: BOARD_CODES, code: 3, strength: 2.5 } },
    { steps: 5000, seed: 9, np: 0, bias: { pinCodes: PIN_CODES, code: 1, strength: 1 } },
    { steps: 5000, seed: 10, np: 0, bias: { pinCodes: PIN_CODES, code: 1, strength: 1e9 } },
  ]) {
    it(`gives the JavaScript walk's result exactly (${JSON.stringify(opts, (k, v: unknown) => (v instanceof Uint16Array ? `codes[${v.length}]` : v))})`, () => {
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

describe('countBoards', () => {
  it('false leaves the pins and steps as they are and returns no boards', () => {
    const g = generatePowerLawGraph({ pins: 3000, boards: 600, edges: 30_000, seed: 11 });
    forBothKernels(() => {
      const w = new PixieWalker(g);
      const on = w.query([1, 2], undefined, { steps: 10_000, seed: 3, np: 40, nv: 3 });
      const off = w.query([1, 2], undefined, { steps: 10_000, seed: 3, np: 40, nv: 3, countBoards: false });
      expect(Array.from(off.pins)).toEqual(Array.from(on.pins));
      expect(Array.from(off.scores)).toEqual(Array.from(on.scores));
      expect(off.steps).toBe(on.steps);
      expect(on.boards.length).toBeGreaterThan(0);
      expect(off.boards.length).toBe(0);
      expect(w.boardScore(on.boards[0]!)).toBe(0);
    });
  });
});

describe('16-bit visit counters', () => {
  it('count exactly past 65535 visits of one pin (the carry), in both kernels', () => {
    // pin 0 is on board 0 with pins 1 and 2: every step lands on one of the three
    const g = graphOf([[0, 0], [1, 0], [2, 0]]);
    forBothKernels(() => {
      const w = new PixieWalker(g);
      for (const steps of [65_535 * 3, 400_000]) {
        const r = w.query([0], undefined, { steps, alpha: 0.5, np: 0, seed: 4, boost: false, excludeQuery: false });
        const total = w.score(0) + w.score(1) + w.score(2);
        expect(total).toBe(steps);
        if (steps === 400_000) expect(Math.min(w.score(0), w.score(1), w.score(2))).toBeGreaterThan(100_000);
        expect(r.boardScores[0]).toBe(steps);
      }
      // a second query on the same walker starts from clean counters
      w.query([0], undefined, { steps: 300, np: 0, seed: 5, boost: false, excludeQuery: false });
      expect(w.score(0) + w.score(1) + w.score(2)).toBe(300);
      // early stopping still fires at nv after carries elsewhere
      const e = w.query([0], undefined, { steps: 400_000, np: 3, nv: 1000, seed: 6 });
      expect(e.earlyStopped).toBe(1);
      expect(e.steps).toBeLessThan(5000);
    });
  });

  it('nv above 32767 is refused', () => {
    const g = graphOf([[0, 0], [1, 0]]);
    expect(() => new PixieWalker(g).query([0], undefined, { nv: 40_000 })).toThrow('nv must be an integer from 1 to 32767');
  });
});

describe('walk memory exhausted', () => {
  it('a walker whose scratch cannot be allocated walks in JavaScript, with the same result', () => {
    const g = generatePowerLawGraph({ pins: 5000, boards: 600, edges: 30_000, seed: 3 });
    const wm = WalkMemory.of(g)!;
    expect(wm).not.toBeNull();
    const grow = wm.memory.grow.bind(wm.memory);
    (wm.memory as { grow: (pages: number) => number }).grow = () => {
      throw new RangeError('WebAssembly.Memory.grow(): Maximum memory size exceeded');
    };
    const fallback = new PixieWalker(g);
    (wm.memory as { grow: (pages: number) => number }).grow = grow;
    const kernelOf = (w: PixieWalker): unknown => (w as unknown as { kernel: unknown }).kernel;
    expect(kernelOf(fallback)).toBeNull();
    const walker = new PixieWalker(g);
    expect(kernelOf(walker)).not.toBeNull();
    const js = fallback.query([5, 9], undefined, { steps: 20_000, seed: 2, np: 0 });
    const wasm = walker.query([5, 9], undefined, { steps: 20_000, seed: 2, np: 0 });
    expect(Array.from(js.pins)).toEqual(Array.from(wasm.pins));
    expect(Array.from(js.scores)).toEqual(Array.from(wasm.scores));
    expect(Array.from(js.boardScores)).toEqual(Array.from(wasm.boardScores));
  });
});

describe('selfVisits', () => {
  it('false drops only the query pin’s own walk landing on it, in both kernels', () => {
    // every pin is on board 0 with the other two: a one-hop walk lands on each with p = 1/3
    const g = graphOf([[0, 0], [1, 0], [2, 0]]);
    forBothKernels(() => {
      const w = new PixieWalker(g);
      const opts = { steps: 90_000, alpha: 1, np: 0, seed: 5, boost: false, excludeQuery: false };
      w.query([0, 1], undefined, opts);
      const on = [w.score(0), w.score(1), w.score(2)];
      expect(on[0]! + on[1]! + on[2]!).toBe(90_000);
      w.query([0, 1], undefined, { ...opts, selfVisits: false });
      const off = [w.score(0), w.score(1), w.score(2)];
      // the same walks: pin 2 is nobody's query pin, so it keeps every visit
      expect(off[2]).toBe(on[2]);
      // pin 0 keeps only pin 1's walk landing on it (about a third of pin 1's 45k steps), and vice versa
      expect(off[0]).toBeLessThan(on[0]!);
      expect(off[0]).toBeGreaterThan(13_000);
      expect(off[0]).toBeLessThan(17_000);
      expect(off[1]).toBeGreaterThan(13_000);
      expect(off[1]).toBeLessThan(17_000);
      // one query pin alone past the 16-bit carry: its own count is dropped and nothing leaks
      w.query([0], undefined, { ...opts, steps: 400_000, selfVisits: false });
      expect(w.score(0)).toBe(0);
      expect(w.score(1) + w.score(2)).toBeGreaterThan(250_000);
      w.query([0], undefined, { ...opts, steps: 300_000 });
      expect(w.score(0) + w.score(1) + w.score(2)).toBe(300_000);
    });
  });
});

describe('biased walks in WebAssembly', () => {
  it('run in the kernel (codes copied into the walk memory once per array) and prefer the code', () => {
    const g = generatePowerLawGraph({ pins: 3000, boards: 600, edges: 30_000, seed: 11 });
    const spy = vi.spyOn(WalkMemory.prototype, 'codesAt');
    try {
      const w = new PixieWalker(g);
      const bias = { pinCodes: PIN_CODES, code: 2, strength: 20 };
      const r = w.query([1, 2], undefined, { steps: 40_000, np: 0, seed: 3, bias, topK: 50 });
      expect(spy).toHaveBeenCalled();
      const at = spy.mock.results[0]!.value as number;
      expect(at).toBeGreaterThan(0);
      // the same array again: the same copy
      w.query([3], undefined, { steps: 1000, np: 0, seed: 4, bias });
      expect(spy.mock.results.every((x) => x.value === at)).toBe(true);
      // most of the top pins carry the preferred code (a quarter would without bias)
      const share = Array.from(r.pins).filter((p) => PIN_CODES[p] === 2).length / r.pins.length;
      expect(share).toBeGreaterThan(0.8);
    } finally {
      spy.mockRestore();
    }
  });
});
