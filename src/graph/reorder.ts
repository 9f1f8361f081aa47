import { PinBoardGraph, transpose } from './graph.js';
import { IdMap } from './id-map.js';
import type { CategoricalColumn, GraphMetadata, NodeMetadata } from './metadata.js';

/**
 * Renumbers pins and boards so that the nodes a random walk visits most sit together in memory
 * (their offsets, rows and visit counters share cache lines and pages). Walks land on a node
 * with probability about proportional to its degree, so every order puts high degrees first:
 *
 * - `degree`: all nodes by descending degree (ties keep the old order).
 * - `hub`: "hub sorting" — nodes with degree above the side's mean, by descending degree, then
 *   the rest in their old order (keeps whatever locality the old order had for the tail).
 * - `dbg`: "degree-based grouping" — groups by ⌊log2 degree⌋, highest group first, old order
 *   inside a group (coarser than `degree`, keeps more of the old order).
 *
 * All three are one stable counting sort per side: linear in nodes + edges.
 */
export type ReorderKind = 'degree' | 'hub' | 'dbg';
export const REORDER_KINDS: readonly ReorderKind[] = ['degree', 'hub', 'dbg'];

export interface ReorderOptions {
  order: ReorderKind;
}

export interface ReorderResult {
  graph: PinBoardGraph;
  /** pinPerm[oldPin] = new pin id */
  pinPerm: Uint32Array;
  /** boardPerm[oldBoard] = new board id */
  boardPerm: Uint32Array;
  /** pinOrder[newPin] = old pin id (the inverse of pinPerm) */
  pinOrder: Uint32Array;
  /** boardOrder[newBoard] = old board id */
  boardOrder: Uint32Array;
}

/** Renumbers a graph; the result is isomorphic to the input, with external ids and metadata moved along. */
export function reorderGraph(graph: PinBoardGraph, opts: ReorderOptions): ReorderResult {
  const kind = opts?.order;
  if (!REORDER_KINDS.includes(kind)) throw new RangeError(`reorder: unknown order ${JSON.stringify(kind)} (expected one of ${REORDER_KINDS.join(', ')})`);
  const pinOrder = nodeOrder(graph.pinOffsets, kind);
  const boardOrder = nodeOrder(graph.boardOffsets, kind);
  const pinPerm = invert(pinOrder);
  const boardPerm = invert(boardOrder);

  // Board side in the new numbering with unsorted rows, then two transposes: each visits rows in
  // order, so both directions come out sorted without a per-row sort (linear time).
  const nb = graph.numBoards;
  const bOff = new Uint32Array(nb + 1);
  const bAdj = new Uint32Array(graph.numEdges);
  const oldOff = graph.boardOffsets;
  const oldAdj = graph.boardAdj;
  let w = 0;
  for (let b = 0; b < nb; b++) {
    const ob = boardOrder[b]!;
    const end = oldOff[ob + 1]!;
    for (let i = oldOff[ob]!; i < end; i++) bAdj[w++] = pinPerm[oldAdj[i]!]!;
    bOff[b + 1] = w;
  }
  const pinSide = transpose(bOff, bAdj, graph.numPins);
  const boardSide = transpose(pinSide.offsets, pinSide.adj, nb);

  const meta: GraphMetadata = {
    pins: permuteNodeMeta(graph.meta.pins, pinOrder),
    boards: permuteNodeMeta(graph.meta.boards, boardOrder),
  };
  const g = new PinBoardGraph(
    pinSide.offsets,
    pinSide.adj,
    boardSide.offsets,
    boardSide.adj,
    permuteIdMap(graph.pins, pinOrder),
    permuteIdMap(graph.boards, boardOrder),
    meta,
  );
  return { graph: g, pinPerm, boardPerm, pinOrder, boardOrder };
}

/** order[new] = old for one side, from its CSR offsets. */
export function nodeOrder(offsets: Uint32Array, kind: ReorderKind): Uint32Array {
  const n = offsets.length - 1;
  const key = new Uint32Array(n);
  let maxDeg = 0;
  for (let v = 0; v < n; v++) {
    const d = offsets[v + 1]! - offsets[v]!;
    key[v] = d;
    if (d > maxDeg) maxDeg = d;
  }
  if (kind === 'hub') {
    const mean = n > 0 ? offsets[n]! / n : 0;
    for (let v = 0; v < n; v++) if (key[v]! <= mean) key[v] = 0;
  } else if (kind === 'dbg') {
    maxDeg = 0;
    for (let v = 0; v < n; v++) {
      const d = key[v]!;
      const k = d === 0 ? 0 : 32 - Math.clz32(d); // 1 + ⌊log2 d⌋, 0 for isolated nodes
      key[v] = k;
      if (k > maxDeg) maxDeg = k;
    }
  }
  return countingSortDesc(key, maxDeg);
}

/** Stable counting sort of 0..n-1 by descending key (keys in 0..maxKey). */
function countingSortDesc(key: Uint32Array, maxKey: number): Uint32Array {
  const n = key.length;
  const start = new Uint32Array(maxKey + 2);
  // bucket j holds key maxKey - j, so bucket 0 (largest key) comes first
  for (let v = 0; v < n; v++) start[maxKey - key[v]! + 1]!++;
  for (let j = 0; j <= maxKey; j++) start[j + 1]! += start[j]!;
  const out = new Uint32Array(n);
  for (let v = 0; v < n; v++) out[start[maxKey - key[v]!]!++] = v;
  return out;
}

/** The inverse permutation: perm[order[i]] = i. */
export function invert(order: Uint32Array): Uint32Array {
  const perm = new Uint32Array(order.length);
  for (let i = 0; i < order.length; i++) perm[order[i]!] = i;
  return perm;
}

/** The id map after renumbering: dense id i gets the external id of old dense id order[i]. */
function permuteIdMap(map: IdMap, order: Uint32Array): IdMap {
  if (map.isIdentity) return IdMap.permuted(order.slice());
  const base = map.permutation;
  if (base) {
    const ext = new Uint32Array(order.length);
    for (let i = 0; i < order.length; i++) ext[i] = base[order[i]!]!;
    return IdMap.permuted(ext);
  }
  const ids = new Array<string>(order.length);
  for (let i = 0; i < order.length; i++) ids[i] = map.external(order[i]!);
  return IdMap.fromIds(ids);
}

function permuteNodeMeta(m: NodeMetadata, order: Uint32Array): NodeMetadata {
  const out: NodeMetadata = {};
  if (m.locale) out.locale = permuteColumn(m.locale, order);
  if (m.topic) out.topic = permuteColumn(m.topic, order);
  if (m.createdAt) {
    const a = m.createdAt;
    const b = new Float64Array(order.length);
    for (let i = 0; i < order.length; i++) b[i] = a[order[i]!]!;
    out.createdAt = b;
  }
  return out;
}

function permuteColumn(c: CategoricalColumn, order: Uint32Array): CategoricalColumn {
  const codes = new Uint16Array(order.length);
  const src = c.codes;
  for (let i = 0; i < order.length; i++) codes[i] = src[order[i]!] ?? 0;
  return { codes, values: c.values.slice() };
}
