import { IdMap } from './id-map.js';
import { emptyMetadata, type GraphMetadata } from './metadata.js';

/**
 * The bipartite pin–board graph in compressed sparse rows, both directions.
 *
 * pinOffsets[p]..pinOffsets[p+1] indexes pinAdj, the boards of pin p (sorted, unique);
 * boardOffsets[b]..boardOffsets[b+1] indexes boardAdj, the pins of board b (sorted, unique).
 * Each edge is stored twice as a Uint32 (8 bytes) plus the offsets.
 */
export class PinBoardGraph {
  constructor(
    readonly pinOffsets: Uint32Array,
    readonly pinAdj: Uint32Array,
    readonly boardOffsets: Uint32Array,
    readonly boardAdj: Uint32Array,
    readonly pins: IdMap,
    readonly boards: IdMap,
    readonly meta: GraphMetadata = emptyMetadata(),
  ) {
    if (pinOffsets.length !== pins.size + 1) throw new Error('graph: pinOffsets length must be numPins + 1');
    if (boardOffsets.length !== boards.size + 1) throw new Error('graph: boardOffsets length must be numBoards + 1');
    if (pinAdj.length !== boardAdj.length) throw new Error('graph: both directions must hold the same edges');
  }

  get numPins(): number {
    return this.pinOffsets.length - 1;
  }

  get numBoards(): number {
    return this.boardOffsets.length - 1;
  }

  get numEdges(): number {
    return this.pinAdj.length;
  }

  pinDegree(p: number): number {
    return this.pinOffsets[p + 1]! - this.pinOffsets[p]!;
  }

  boardDegree(b: number): number {
    return this.boardOffsets[b + 1]! - this.boardOffsets[b]!;
  }

  /** Boards of pin p (a view, not a copy). */
  boardsOf(p: number): Uint32Array {
    return this.pinAdj.subarray(this.pinOffsets[p]!, this.pinOffsets[p + 1]!);
  }

  /** Pins of board b (a view, not a copy). */
  pinsOf(b: number): Uint32Array {
    return this.boardAdj.subarray(this.boardOffsets[b]!, this.boardOffsets[b + 1]!);
  }

  /**
   * Points the graph at other arrays with the same contents (the walk kernel's WebAssembly
   * memory, src/walk/walk-memory.ts), so the adjacency is held once. Views handed out before
   * stay valid: they keep the old arrays alive.
   */
  relocate(pinOffsets: Uint32Array, pinAdj: Uint32Array, boardOffsets: Uint32Array, boardAdj: Uint32Array): void {
    const same = (a: Uint32Array, b: Uint32Array): boolean => a.length === b.length && a[0] === b[0] && a[a.length - 1] === b[b.length - 1];
    if (!same(pinOffsets, this.pinOffsets) || !same(pinAdj, this.pinAdj) || !same(boardOffsets, this.boardOffsets) || !same(boardAdj, this.boardAdj))
      throw new Error('graph.relocate: the new arrays must hold the same adjacency');
    const self = this as unknown as { pinOffsets: Uint32Array; pinAdj: Uint32Array; boardOffsets: Uint32Array; boardAdj: Uint32Array };
    self.pinOffsets = pinOffsets;
    self.pinAdj = pinAdj;
    self.boardOffsets = boardOffsets;
    self.boardAdj = boardAdj;
  }

  /** Largest pin degree (the C of Pixie's step-allocation formula). */
  maxPinDegree(): number {
    let m = 0;
    const o = this.pinOffsets;
    for (let p = 0; p < this.numPins; p++) {
      const d = o[p + 1]! - o[p]!;
      if (d > m) m = d;
    }
    return m;
  }

  /** Bytes held by the adjacency arrays, metadata and id maps. */
  byteSize(): number {
    let b =
      this.pinOffsets.byteLength + this.pinAdj.byteLength + this.boardOffsets.byteLength + this.boardAdj.byteLength;
    for (const side of [this.meta.pins, this.meta.boards]) {
      if (side.locale) b += side.locale.codes.byteLength;
      if (side.topic) b += side.topic.codes.byteLength;
      if (side.createdAt) b += side.createdAt.byteLength;
    }
    return b + this.pins.byteSize() + this.boards.byteSize();
  }

  /** A copy of this graph with other metadata (the adjacency is shared). */
  withMetadata(meta: GraphMetadata): PinBoardGraph {
    return new PinBoardGraph(this.pinOffsets, this.pinAdj, this.boardOffsets, this.boardAdj, this.pins, this.boards, meta);
  }

  /**
   * Builds the CSR graph from parallel arrays of dense (pin, board) edges. Duplicate edges are
   * merged. Counting sort: O(E) plus a sort of each pin's row.
   */
  static fromEdges(
    edgePins: Uint32Array,
    edgeBoards: Uint32Array,
    numPins: number,
    numBoards: number,
    pins: IdMap = IdMap.identity(numPins),
    boards: IdMap = IdMap.identity(numBoards),
    meta: GraphMetadata = emptyMetadata(),
  ): PinBoardGraph {
    const m = edgePins.length;
    if (edgeBoards.length !== m) throw new Error('graph: edge arrays differ in length');
    if (pins.size !== numPins || boards.size !== numBoards) throw new Error('graph: id map size mismatch');

    // pin -> boards, with duplicates
    const pinCount = new Uint32Array(numPins + 1);
    for (let i = 0; i < m; i++) {
      const p = edgePins[i]!;
      const b = edgeBoards[i]!;
      if (p >= numPins) throw new RangeError(`graph: edge ${i} has pin ${p} >= numPins ${numPins}`);
      if (b >= numBoards) throw new RangeError(`graph: edge ${i} has board ${b} >= numBoards ${numBoards}`);
      pinCount[p + 1]!++;
    }
    for (let p = 0; p < numPins; p++) pinCount[p + 1]! += pinCount[p]!;
    const rawAdj = new Uint32Array(m);
    const cursor = pinCount.slice(0, numPins);
    for (let i = 0; i < m; i++) rawAdj[cursor[edgePins[i]!]!++] = edgeBoards[i]!;

    // sort + dedupe each row in place, compacting
    const pinOffsets = new Uint32Array(numPins + 1);
    let w = 0;
    for (let p = 0; p < numPins; p++) {
      const start = pinCount[p]!;
      const end = pinCount[p + 1]!;
      pinOffsets[p] = w;
      if (end - start > 1) rawAdj.subarray(start, end).sort();
      let last = -1;
      for (let i = start; i < end; i++) {
        const b = rawAdj[i]!;
        if (b !== last) {
          rawAdj[w++] = b;
          last = b;
        }
      }
    }
    pinOffsets[numPins] = w;
    const pinAdj = w === m ? rawAdj : rawAdj.slice(0, w);
    const { offsets: boardOffsets, adj: boardAdj } = transpose(pinOffsets, pinAdj, numBoards);
    return new PinBoardGraph(pinOffsets, pinAdj, boardOffsets, boardAdj, pins, boards, meta);
  }

  /** Builds from pin-side CSR (rows sorted and unique); derives the board side. */
  static fromPinRows(
    pinOffsets: Uint32Array,
    pinAdj: Uint32Array,
    numBoards: number,
    pins: IdMap,
    boards: IdMap,
    meta: GraphMetadata = emptyMetadata(),
  ): PinBoardGraph {
    const { offsets, adj } = transpose(pinOffsets, pinAdj, numBoards);
    return new PinBoardGraph(pinOffsets, pinAdj, offsets, adj, pins, boards, meta);
  }
}

/** Transposes a CSR matrix; output rows are sorted because input rows are visited in order. */
export function transpose(
  offsets: Uint32Array,
  adj: Uint32Array,
  numCols: number,
): { offsets: Uint32Array; adj: Uint32Array } {
  const numRows = offsets.length - 1;
  const outOffsets = new Uint32Array(numCols + 1);
  for (let i = 0; i < adj.length; i++) outOffsets[adj[i]! + 1]!++;
  for (let c = 0; c < numCols; c++) outOffsets[c + 1]! += outOffsets[c]!;
  const cursor = outOffsets.slice(0, numCols);
  const outAdj = new Uint32Array(adj.length);
  for (let r = 0; r < numRows; r++) {
    const end = offsets[r + 1]!;
    for (let i = offsets[r]!; i < end; i++) outAdj[cursor[adj[i]!]!++] = r;
  }
  return { offsets: outOffsets, adj: outAdj };
}
