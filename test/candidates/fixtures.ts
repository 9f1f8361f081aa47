import { PinBoardGraph } from '../../src/graph/graph.js';

/**
 * board 0: pins 0 1 2 · board 1: pins 0 1 3 · board 2: pins 3 4 · pin 5 has no board.
 */
export function smallGraph(): PinBoardGraph {
  const edges: [number, number][] = [
    [0, 0], [1, 0], [2, 0],
    [0, 1], [1, 1], [3, 1],
    [3, 2], [4, 2],
  ];
  return PinBoardGraph.fromEdges(
    Uint32Array.from(edges.map((e) => e[0])),
    Uint32Array.from(edges.map((e) => e[1])),
    6,
    3,
  );
}
