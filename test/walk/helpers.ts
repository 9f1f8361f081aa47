import { PinBoardGraph } from '../../src/graph/graph.js';
import { setWasmWalk } from '../../src/walk/walk-memory.js';

/** A graph from (pin, board) pairs with dense ids. */
export function graphOf(edges: Array<[number, number]>, numPins?: number, numBoards?: number): PinBoardGraph {
  const np = numPins ?? Math.max(...edges.map((e) => e[0])) + 1;
  const nb = numBoards ?? Math.max(...edges.map((e) => e[1])) + 1;
  return PinBoardGraph.fromEdges(
    Uint32Array.from(edges.map((e) => e[0])),
    Uint32Array.from(edges.map((e) => e[1])),
    np,
    nb,
  );
}

/** Runs `fn` with the WebAssembly walk kernel, then with the JavaScript one (walkers made inside use it). */
export function forBothKernels(fn: (wasm: boolean) => void): void {
  for (const wasm of [true, false]) {
    setWasmWalk(wasm);
    try {
      fn(wasm);
    } finally {
      setWasmWalk(true);
    }
  }
}
