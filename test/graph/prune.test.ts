import { describe, expect, it } from 'vitest';
import { PinBoardGraph } from '../../src/graph/graph.js';
import { IdMap } from '../../src/graph/id-map.js';
import type { GraphMetadata } from '../../src/graph/metadata.js';
import {
  boardTopicEntropy,
  capPinDegrees,
  capSize,
  overlapSimilarity,
  pruneGraph,
  sharedPinSimilarity,
  topicCosineSimilarity,
  type SimilarityFactory,
} from '../../src/graph/prune.js';

function graph(pairs: [number, number][], numPins: number, numBoards: number, meta?: GraphMetadata): PinBoardGraph {
  return PinBoardGraph.fromEdges(
    new Uint32Array(pairs.map((e) => e[0])),
    new Uint32Array(pairs.map((e) => e[1])),
    numPins,
    numBoards,
    IdMap.identity(numPins),
    IdMap.identity(numBoards),
    meta,
  );
}

function rows(g: PinBoardGraph): number[][] {
  return Array.from({ length: g.numPins }, (_, p) => Array.from(g.boardsOf(p)));
}

// Boards A=0 B=1 C=2 D=3 E=4. Pin 0 is on A B C D; pin 1 on A B; pin 2 on A C; pin 3 on C E; pin 5 on D.
const A = 0, B = 1, C = 2, D = 3, E = 4;
const HAND: [number, number][] = [
  [0, A], [0, B], [0, C], [0, D],
  [1, A], [1, B],
  [2, A], [2, C],
  [3, C], [3, E],
  [5, D],
];

describe('capSize', () => {
  it('is ceil(deg^δ), at least 1, robust to pow rounding', () => {
    expect(capSize(0, 0.5)).toBe(0);
    expect(capSize(1, 0.1)).toBe(1);
    expect(capSize(2, 0.5)).toBe(2); // ceil(1.414)
    expect(capSize(4, 0.5)).toBe(2);
    expect(capSize(8, 1 / 3)).toBe(2); // pow gives 2.0000000000000004
    expect(capSize(10, 0.9)).toBe(8); // ceil(7.94)
    expect(capSize(100, 1)).toBe(100);
  });
});

describe('degree cap', () => {
  it('keeps the boards most tied to the pin’s other boards (exact shared-pin count)', () => {
    const g = graph(HAND, 6, 5);
    // pin 0: A shares pins with B (pin 1) and C (pin 2) -> 2; B -> 1; C -> 1; D -> 0
    const scores = new Float64Array(4);
    sharedPinSimilarity()(g)(0, g.boardsOf(0), scores);
    expect(Array.from(scores)).toEqual([2, 1, 1, 0]);
    const { graph: out, pinsCapped } = capPinDegrees(g, 0.5, sharedPinSimilarity());
    expect(pinsCapped).toBe(1);
    // cap(4) = 2: A, then B beats C on the lower id; degree-2 pins keep ceil(√2) = 2
    expect(rows(out)).toEqual([[A, B], [A, B], [A, C], [C, E], [], [D]]);
    expect(Array.from(out.pinsOf(C))).toEqual([2, 3]);
    expect(Array.from(out.pinsOf(D))).toEqual([5]);
    expect(out.numEdges).toBe(9);
  });

  it('default overlap similarity ranks by estimated Jaccard of the boards without the pin', () => {
    const g = graph(HAND, 6, 5);
    // A\0={1,2} B\0={1} C\0={2,3} D\0={5}: A = 1/2 + 1/3, B = 1/2, C = 1/3, D = 0
    const scores = new Float64Array(4);
    overlapSimilarity({ hashes: 256, seed: 3 })(g)(0, g.boardsOf(0), scores);
    expect(scores[0]).toBeCloseTo(5 / 6, 1);
    expect(scores[1]).toBeCloseTo(1 / 2, 1);
    expect(scores[2]).toBeCloseTo(1 / 3, 1);
    expect(scores[3]).toBe(0); // disjoint sets: exactly 0
    expect(rows(capPinDegrees(g, 0.5, overlapSimilarity({ hashes: 256 })).graph)[0]).toEqual([A, B]);
    expect(rows(capPinDegrees(g, 0.75, overlapSimilarity({ hashes: 256 })).graph)[0]).toEqual([A, B, C]); // cap(4) = 3
    // the default (16 hashes) agrees on the top two here
    expect(rows(pruneGraph(g, { delta: 0.5 }).graph)[0]).toEqual([A, B]);
  });

  it('overlap similarity is exact for identical sets and ignores boards holding only the pin', () => {
    // pin 0 on boards 0,1,2; boards 0 and 1 both hold pins {0,1,2}; board 2 holds only pin 0
    const g = graph([[0, 0], [0, 1], [0, 2], [1, 0], [1, 1], [2, 0], [2, 1]], 3, 3);
    const scores = new Float64Array(3);
    overlapSimilarity({ hashes: 8 })(g)(0, g.boardsOf(0), scores);
    expect(Array.from(scores)).toEqual([1, 1, 0]);
  });

  it('is deterministic for a seed', () => {
    const g = graph(HAND, 6, 5);
    const a = new Float64Array(4);
    const b = new Float64Array(4);
    overlapSimilarity({ seed: 9 })(g)(0, g.boardsOf(0), a);
    overlapSimilarity({ seed: 9 })(g)(0, g.boardsOf(0), b);
    expect(Array.from(a)).toEqual(Array.from(b));
  });

  it('takes a pluggable similarity, e.g. topic cosine as in the paper', () => {
    // pin 0 [1,0] on A {0,1}, B {0,2}, C {0,3,4}; pins 1 [1,0], 2..4 [0,1]
    const g = graph([[0, 0], [0, 1], [0, 2], [1, 0], [2, 1], [3, 2], [4, 2]], 5, 3);
    const topics = { matrix: new Float32Array([1, 0, 1, 0, 0, 1, 0, 1, 0, 1]), numTopics: 2 };
    const scores = new Float64Array(3);
    topicCosineSimilarity(topics)(g)(0, g.boardsOf(0), scores);
    expect(scores[0]).toBeCloseTo(1, 12);
    expect(scores[1]).toBeCloseTo(Math.SQRT1_2, 12);
    expect(scores[2]).toBeCloseTo(1 / Math.sqrt(5), 12);
    expect(rows(capPinDegrees(g, 0.5, topicCosineSimilarity(topics)).graph)[0]).toEqual([0, 1]);
    // a custom scorer: prefer the highest board id
    const byId: SimilarityFactory = () => (_p, boards, s) => boards.forEach((b, i) => (s[i] = b));
    expect(rows(capPinDegrees(g, 0.5, byId).graph)[0]).toEqual([1, 2]);
    const nan: SimilarityFactory = () => (_p, _b, s) => s.fill(NaN);
    expect(() => capPinDegrees(g, 0.5, nan)).toThrow('similarity returned NaN for pin 0, board 0');
  });

  it('rejects a bad delta', () => {
    const g = graph(HAND, 6, 5);
    for (const d of [0, -1, 1.5, Number.NaN]) expect(() => capPinDegrees(g, d)).toThrow(`prune delta must be in (0, 1], got ${d}`);
  });
});

describe('board entropy', () => {
  // boards: 0 = {a,a} (0 bits), 1 = {a,b} (1 bit), 2 = {a,b,c,d} (2 bits), 3 = {a, unknown} (0 bits)
  const topicNames = ['', 'a', 'b', 'c', 'd'];
  const pinTopic = [1, 1, 2, 3, 4, 0]; // pins 0..5
  const meta: GraphMetadata = { pins: { topic: { codes: new Uint16Array(pinTopic), values: topicNames } }, boards: {} };
  const pairs: [number, number][] = [[0, 0], [1, 0], [0, 1], [2, 1], [0, 2], [2, 2], [3, 2], [4, 2], [1, 3], [5, 3]];

  it('computes Shannon entropy in bits of the pins’ topics (unknown topics ignored)', () => {
    const g = graph(pairs, 6, 4, meta);
    expect(Array.from(boardTopicEntropy(g))).toEqual([0, 1, 2, 0]);
  });

  it('drops boards above the threshold and reports it', () => {
    const g = graph(pairs, 6, 4, meta);
    const r = pruneGraph(g, { maxBoardEntropy: 1.5 });
    expect(r.report).toEqual({ edgesBefore: 10, edgesAfter: 6, pinsCapped: 0, boardsDropped: 1 });
    expect(rows(r.graph)).toEqual([[0, 1], [0, 3], [1], [], [], [3]]);
    expect(r.graph.boardDegree(2)).toBe(0);
    expect(r.graph.meta).toBe(g.meta); // ids and metadata carry over
    const strict = pruneGraph(g, { maxBoardEntropy: 0.5 });
    expect(strict.report.boardsDropped).toBe(2);
    expect(rows(strict.graph)).toEqual([[0], [0, 3], [], [], [], [3]]);
    expect(pruneGraph(g, { maxBoardEntropy: 5 }).graph).toBe(g);
  });

  it('uses a per-pin topic matrix when given', () => {
    // pins 0 [1,0], 1 [0,1], 2 [.5,.5]; board 0 {0,1} -> [1,1] = 1 bit; board 1 {0} = 0; board 2 {2} = 1 bit
    const g = graph([[0, 0], [1, 0], [0, 1], [2, 2]], 3, 3);
    const topics = { matrix: new Float32Array([1, 0, 0, 1, 0.5, 0.5]), numTopics: 2 };
    expect(Array.from(boardTopicEntropy(g, topics))).toEqual([1, 0, 1]);
    const r = pruneGraph(g, { maxBoardEntropy: 0.9, topics });
    expect(r.report.boardsDropped).toBe(2);
    expect(rows(r.graph)).toEqual([[1], [], []]);
    expect(() => boardTopicEntropy(g, { matrix: new Float32Array(5), numTopics: 2 })).toThrow('topic matrix: expected 3 pins × 2 topics = 6 values, got 5');
    expect(() => boardTopicEntropy(g, { matrix: new Float32Array([1, 0, -1, 0, 0, 0]), numTopics: 2 })).toThrow(/pin 1, topic 0 is -1/);
  });

  it('needs topics and a valid threshold', () => {
    const g = graph(pairs, 6, 4);
    expect(() => pruneGraph(g, { maxBoardEntropy: 1 })).toThrow(/board entropy needs pin topics/);
    expect(() => pruneGraph(graph(pairs, 6, 4, meta), { maxBoardEntropy: -1 })).toThrow('max board entropy must be a number >= 0, got -1');
  });
});

describe('pruneGraph', () => {
  it('drops diverse boards first, then caps degrees, and reports both', () => {
    // HAND plus topics: board E = {pin 3} stays pure; board D gets a second topic via pin 5
    const codes = new Uint16Array([1, 1, 1, 1, 0, 2]);
    const g = graph(HAND, 6, 5, { pins: { topic: { codes, values: ['', 'x', 'y'] } }, boards: {} });
    const { graph: out, report } = pruneGraph(g, { maxBoardEntropy: 0.5, delta: 0.5, similarity: sharedPinSimilarity() });
    // D {0:x, 5:y} = 1 bit is dropped; pin 0 then has A B C (cap 2): A=2, B=1, C=1 -> A, B
    expect(report).toEqual({ edgesBefore: 11, edgesAfter: 8, pinsCapped: 1, boardsDropped: 1 });
    expect(rows(out)).toEqual([[A, B], [A, B], [A, C], [C, E], [], []]);
    expect(pruneGraph(g).graph).toBe(g);
  });

  it('leaves a graph whose degrees need no cap untouched', () => {
    const g = graph([[0, 0], [1, 0], [1, 1]], 2, 2);
    const r = pruneGraph(g, { delta: 0.5 });
    expect(r.graph).toBe(g);
    expect(r.report).toEqual({ edgesBefore: 3, edgesAfter: 3, pinsCapped: 0, boardsDropped: 0 });
  });
});
