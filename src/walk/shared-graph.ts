import { PinBoardGraph } from '../graph/graph.js';
import { IdMap } from '../graph/id-map.js';
import { WalkMemory, type WasmMemory } from './walk-memory.js';

/** The adjacency a walker needs, in SharedArrayBuffer-backed arrays that threads can share. */
export interface SharedGraphArrays {
  pinOffsets: Uint32Array;
  pinAdj: Uint32Array;
  boardOffsets: Uint32Array;
  boardAdj: Uint32Array;
  /** the walk kernel's memory that holds these arrays (threads walk it without a copy) */
  memory?: WasmMemory;
}

/** The array itself when it already lives in shared memory, else a copy that does (made once). */
export function toShared<T extends Uint32Array | Uint16Array>(a: T): T {
  if (a.buffer instanceof SharedArrayBuffer) return a;
  const sab = new SharedArrayBuffer(a.byteLength);
  const out = new (a.constructor as new (b: SharedArrayBuffer) => T)(sab);
  out.set(a);
  return out;
}

/**
 * Moves the graph's adjacency into shared memory once (no copy if it is already there, as with
 * `loadSnapshot(path, { shared: true })`). Posting these arrays to a worker shares, not copies.
 */
export function shareGraph(g: PinBoardGraph): SharedGraphArrays {
  // moves the adjacency into the walk kernel's shared memory when WebAssembly is on
  const wm = WalkMemory.of(g);
  const s: SharedGraphArrays = {
    pinOffsets: toShared(g.pinOffsets),
    pinAdj: toShared(g.pinAdj),
    boardOffsets: toShared(g.boardOffsets),
    boardAdj: toShared(g.boardAdj),
  };
  if (wm) s.memory = wm.memory;
  return s;
}

/** A graph over shared arrays with identity id maps: walks need dense ids only. */
export function graphFromShared(s: SharedGraphArrays): PinBoardGraph {
  const g = new PinBoardGraph(
    s.pinOffsets,
    s.pinAdj,
    s.boardOffsets,
    s.boardAdj,
    IdMap.identity(s.pinOffsets.length - 1),
    IdMap.identity(s.boardOffsets.length - 1),
  );
  if (s.memory) WalkMemory.attach(g, s.memory);
  return g;
}
