import type { PinBoardGraph } from '../src/graph/graph.js';
import { Rng } from '../src/util/rng.js';

const INV_2_32 = 1 / 4294967296;

/**
 * The walk loop before lane interleaving: one walk at a time, so every hop waits for the
 * previous hop's cache misses. Kept only as the benchmark's same-conditions baseline.
 */
export class SequentialWalk {
  private readonly visits: Uint32Array;
  private readonly boardVisits: Uint32Array;

  constructor(readonly graph: PinBoardGraph) {
    this.visits = new Uint32Array(graph.numPins);
    this.boardVisits = new Uint32Array(graph.numBoards);
  }

  /** n steps from q with restart probability alpha; returns the distinct pins visited. */
  walk(q: number, n: number, alpha: number, seed: number): number {
    const { pinOffsets: pinOff, pinAdj, boardOffsets: boardOff, boardAdj } = this.graph;
    const visits = this.visits;
    const boardVisits = this.boardVisits;
    visits.fill(0);
    boardVisits.fill(0);
    const r = new Rng(seed);
    let a = r.nextU32() | 0;
    let b = r.nextU32() | 0;
    let c = r.nextU32() | 0;
    let d = r.nextU32() | 0;
    let t = 0;
    const logKeep = alpha >= 1 ? 0 : Math.log(1 - alpha);
    let distinct = 0;
    let total = 0;
    while (total < n) {
      let len = 1;
      if (logKeep !== 0) {
        t = (((a + b) | 0) + d) | 0; d = (d + 1) | 0; a = b ^ (b >>> 9); b = (c + (c << 3)) | 0; c = (c << 21) | (c >>> 11); c = (c + t) | 0;
        len = 1 + Math.floor(Math.log(((t >>> 0) + 0.5) * INV_2_32) / logKeep);
      }
      if (len > n - total) len = n - total;
      let pin = q;
      for (let s = 0; s < len; s++) {
        const ps = pinOff[pin]!;
        const pd = pinOff[pin + 1]! - ps;
        t = (((a + b) | 0) + d) | 0; d = (d + 1) | 0; a = b ^ (b >>> 9); b = (c + (c << 3)) | 0; c = (c << 21) | (c >>> 11); c = (c + t) | 0;
        const board = pinAdj[ps + (((t >>> 0) * INV_2_32 * pd) | 0)]!;
        boardVisits[board]!++;
        const bs = boardOff[board]!;
        const bd = boardOff[board + 1]! - bs;
        t = (((a + b) | 0) + d) | 0; d = (d + 1) | 0; a = b ^ (b >>> 9); b = (c + (c << 3)) | 0; c = (c << 21) | (c >>> 11); c = (c + t) | 0;
        pin = boardAdj[bs + (((t >>> 0) * INV_2_32 * bd) | 0)]!;
        if (visits[pin] === 0) distinct++;
        visits[pin]!++;
      }
      total += len;
    }
    return distinct;
  }
}
