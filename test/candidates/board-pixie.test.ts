import { describe, expect, it } from 'vitest';
import { BoardCooccurrenceGenerator } from '../../src/candidates/board-cooccurrence.js';
import { PixieGenerator } from '../../src/candidates/pixie.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import { PixieWalker } from '../../src/walk/pixie.js';
import { smallGraph } from './fixtures.js';

describe('BoardCooccurrenceGenerator', () => {
  it('weights shared boards by 1/log2(1+size)', () => {
    const gen = new BoardCooccurrenceGenerator(smallGraph());
    const out = gen.generate({ queryPins: [0], limit: 10, seed: 1 });
    // pin 1 shares boards 0 and 1 (3 pins each): 2 · 1/log2(4) = 1; pins 2, 3 share one: 0.5
    expect(out.map((c) => [c.pin, c.score, c.features.sharedBoards])).toEqual([
      [1, 1, 2],
      [2, 0.5, 1],
      [3, 0.5, 1],
    ]);
    expect(out[0]!.sources).toEqual(['board']);
  });

  it('plain counts with damping 0, weighted query pins, limit', () => {
    const gen = new BoardCooccurrenceGenerator(smallGraph(), { boardDamping: 0 });
    const out = gen.generate({ queryPins: [0, 4], queryWeights: [1, 3], limit: 2, seed: 1 });
    // from 0: 1→2, 2→1, 3→1 ; from 4 (board 2): 3→3 ; total 3→4
    expect(out.map((c) => [c.pin, c.score])).toEqual([
      [3, 4],
      [1, 2],
    ]);
    // a second call starts from clean scratch arrays
    expect(gen.generate({ queryPins: [4], limit: 5, seed: 1 }).map((c) => [c.pin, c.score])).toEqual([[3, 1]]);
  });

  it('samples big boards deterministically by seed', () => {
    const b = new GraphBuilder();
    for (let p = 0; p < 100; p++) b.addEdge(p, 'big');
    const gen = new BoardCooccurrenceGenerator(b.build(), { maxBoardPins: 10 });
    const a1 = gen.generate({ queryPins: [0], limit: 100, seed: 7 });
    const a2 = gen.generate({ queryPins: [0], limit: 100, seed: 7 });
    expect(a1.length).toBeLessThanOrEqual(10);
    expect(a1).toEqual(a2);
  });

  it('rejects bad requests', () => {
    const gen = new BoardCooccurrenceGenerator(smallGraph());
    expect(() => gen.generate({ queryPins: [6], limit: 1, seed: 1 })).toThrow(/query pin 6 is not a pin/);
    expect(() => gen.generate({ queryPins: [0], limit: -1, seed: 1 })).toThrow(/limit must be/);
    expect(() => new BoardCooccurrenceGenerator(smallGraph(), { maxBoardPins: 0 })).toThrow(/maxBoardPins/);
  });
});

describe('PixieGenerator', () => {
  it('returns walk neighbours with visits, seeded and without the query', () => {
    const gen = new PixieGenerator(new PixieWalker(smallGraph()), { walk: { steps: 5000, np: 0 } });
    const a = gen.generate({ queryPins: [0], limit: 10, seed: 3 });
    const b = gen.generate({ queryPins: [0], limit: 10, seed: 3 });
    expect(a).toEqual(b);
    const pins = a.map((c) => c.pin);
    expect(pins).not.toContain(0);
    expect(pins).not.toContain(5);
    // pin 1 shares both of pin 0's boards, so it is visited most
    expect(pins[0]).toBe(1);
    expect(a[0]!.features.visits).toBe(a[0]!.score);
    expect(a[0]!.sources).toEqual(['pixie']);
  });

  it('biases walks to the viewer locale', () => {
    const b = new GraphBuilder();
    // one hub board with 1 'fr' pin among 30 'en' pins
    for (let p = 0; p <= 30; p++) {
      b.addEdge(p, 'hub');
      b.setPinMeta(p, { locale: p === 30 ? 'fr' : 'en' });
    }
    const g = b.build();
    const plain = new PixieGenerator(new PixieWalker(g), { walk: { steps: 20000, np: 0 } });
    const biased = new PixieGenerator(new PixieWalker(g), { walk: { steps: 20000, np: 0 }, localeBias: 20 });
    const fr = g.pins.get('30');
    const rank = (gen: PixieGenerator): number => gen.generate({ queryPins: [0], limit: 40, seed: 1, locale: 'fr' }).findIndex((c) => c.pin === fr);
    expect(rank(biased)).toBe(0);
    expect(rank(plain)).toBeGreaterThan(0);
  });
});
