import { describe, expect, it } from 'vitest';
import { generatePowerLawGraph, sampleQueryPins } from '../../bench/graph-gen.js';
import { graphFromShared, shareGraph, toShared } from '../../src/walk/shared-graph.js';

describe('shareGraph', () => {
  const g = generatePowerLawGraph({ pins: 500, boards: 100, edges: 3000, seed: 1 });

  it('copies the adjacency into shared memory once, and not again', () => {
    const s = shareGraph(g);
    expect(s.pinAdj.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(Array.from(s.pinAdj)).toEqual(Array.from(g.pinAdj));
    expect(Array.from(s.boardOffsets)).toEqual(Array.from(g.boardOffsets));
    const again = shareGraph(graphFromShared(s));
    expect(again.pinAdj).toBe(s.pinAdj);
    expect(again.boardAdj).toBe(s.boardAdj);
    const codes = Uint16Array.of(1, 2, 3);
    const sc = toShared(codes);
    expect(sc).not.toBe(codes);
    expect(toShared(sc)).toBe(sc);
    expect(Array.from(sc)).toEqual([1, 2, 3]);
  });

  it('rebuilds a graph with the same shape and identity ids', () => {
    const h = graphFromShared(shareGraph(g));
    expect(h.numPins).toBe(g.numPins);
    expect(h.numBoards).toBe(g.numBoards);
    expect(h.numEdges).toBe(g.numEdges);
    expect(h.pins.get('7')).toBe(7);
  });
});

describe('generatePowerLawGraph (bench graph)', () => {
  it('is seeded and skewed', () => {
    const a = generatePowerLawGraph({ pins: 2000, boards: 300, edges: 20_000, seed: 5 });
    const b = generatePowerLawGraph({ pins: 2000, boards: 300, edges: 20_000, seed: 5 });
    const c = generatePowerLawGraph({ pins: 2000, boards: 300, edges: 20_000, seed: 6 });
    expect(Array.from(a.pinAdj)).toEqual(Array.from(b.pinAdj));
    expect(Array.from(a.pinOffsets)).not.toEqual(Array.from(c.pinOffsets));
    expect(a.numEdges).toBeLessThanOrEqual(20_000);
    expect(a.numEdges).toBeGreaterThan(15_000);
    // Zipf-like: the busiest pin has many times the mean degree
    expect(a.maxPinDegree()).toBeGreaterThan(5 * (a.numEdges / a.numPins));
    const q = sampleQueryPins(a, 100, 1);
    for (const p of q) expect(a.pinDegree(p)).toBeGreaterThan(0);
  });

  it('rejects bad sizes and exponents', () => {
    expect(() => generatePowerLawGraph({ pins: 0, boards: 1, edges: 1, seed: 1 })).toThrow(/pins must be a positive integer/);
    expect(() => generatePowerLawGraph({ pins: 5, boards: 5, edges: 5, seed: 1, pinExponent: 1 })).toThrow(/Zipf exponent/);
  });
});
