import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PinBoardGraph } from '../../src/graph/graph.js';
import { capPinDegrees, capSize } from '../../src/graph/prune.js';
import { deserializeGraph, serializeGraph } from '../../src/graph/snapshot.js';

const smallGraph = fc
  .record({ pins: fc.integer({ min: 1, max: 12 }), boards: fc.integer({ min: 1, max: 8 }) })
  .chain(({ pins, boards }) =>
    fc.record({
      pins: fc.constant(pins),
      boards: fc.constant(boards),
      edges: fc.array(fc.tuple(fc.integer({ min: 0, max: pins - 1 }), fc.integer({ min: 0, max: boards - 1 })), { maxLength: 60 }),
    }),
  )
  .map(({ pins, boards, edges }) =>
    PinBoardGraph.fromEdges(new Uint32Array(edges.map((e) => e[0])), new Uint32Array(edges.map((e) => e[1])), pins, boards),
  );

describe('graph properties', () => {
  it('snapshot round-trips any graph', () => {
    fc.assert(
      fc.property(smallGraph, (g) => {
        const h = deserializeGraph(serializeGraph(g));
        expect(Array.from(h.pinOffsets)).toEqual(Array.from(g.pinOffsets));
        expect(Array.from(h.pinAdj)).toEqual(Array.from(g.pinAdj));
        expect(Array.from(h.boardOffsets)).toEqual(Array.from(g.boardOffsets));
        expect(Array.from(h.boardAdj)).toEqual(Array.from(g.boardAdj));
      }),
      { numRuns: 100, seed: 11 },
    );
  });

  it('the degree cap keeps exactly capSize(d) of each pin’s own boards, both directions consistent', () => {
    fc.assert(
      fc.property(smallGraph, fc.double({ min: 0.05, max: 1, noNaN: true }), (g, delta) => {
        const out = capPinDegrees(g, delta).graph;
        let edges = 0;
        for (let p = 0; p < g.numPins; p++) {
          const kept = Array.from(out.boardsOf(p));
          expect(kept.length).toBe(capSize(g.pinDegree(p), delta));
          const before = new Set(g.boardsOf(p));
          for (const b of kept) {
            expect(before.has(b)).toBe(true);
            expect(Array.from(out.pinsOf(b))).toContain(p);
          }
          expect(kept).toEqual([...kept].sort((a, b) => a - b));
          edges += kept.length;
        }
        expect(out.numEdges).toBe(edges);
      }),
      { numRuns: 100, seed: 12 },
    );
  });
});
