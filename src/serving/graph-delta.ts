import { PinBoardGraph } from '../graph/graph.js';
import { IdMap } from '../graph/id-map.js';
import type { CategoricalColumn, GraphMetadata, NodeMetadata } from '../graph/metadata.js';

/** A save change by external ids, applied in order (last op per edge wins). */
export interface EdgeChange {
  op: 'add' | 'remove';
  pin: string;
  board: string;
}

/** Metadata for a node, by external id; a node that is new to the graph is added bare. */
export interface NodeNote {
  kind: 'pin' | 'board';
  id: string;
  locale?: string;
  createdAt?: number;
}

/** Grows an id map with new external ids (kept in first-seen order after the old ones). */
class IdGrowth {
  readonly added: string[] = [];
  private readonly index = new Map<string, number>();

  constructor(readonly base: IdMap) {}

  get(id: string): number {
    const d = this.base.get(id);
    if (d >= 0) return d;
    let n = this.index.get(id);
    if (n === undefined) {
      n = this.base.size + this.added.length;
      this.added.push(id);
      this.index.set(id, n);
    }
    return n;
  }

  get size(): number {
    return this.base.size + this.added.length;
  }

  build(): IdMap {
    if (this.added.length === 0) return this.base;
    const ids = this.base.toArray();
    for (const a of this.added) ids.push(a);
    return IdMap.fromIds(ids);
  }
}

function extendCategorical(col: CategoricalColumn | undefined, rows: number, sets: [number, string][]): CategoricalColumn | undefined {
  if (!col && sets.length === 0) return undefined;
  const values = col ? col.values.slice() : [''];
  const codes = new Uint16Array(rows);
  if (col) codes.set(col.codes.subarray(0, Math.min(rows, col.codes.length)));
  for (const [row, v] of sets) {
    let c = values.indexOf(v);
    if (c < 0) {
      c = values.length;
      if (c > 0xffff) throw new Error('categorical column: more than 65535 distinct values');
      values.push(v);
    }
    codes[row] = c;
  }
  return { codes, values };
}

function extendMeta(old: NodeMetadata, rows: number, notes: NodeNote[], ids: IdGrowth): NodeMetadata {
  const locales: [number, string][] = [];
  const created: [number, number][] = [];
  for (const n of notes) {
    const row = ids.get(n.id);
    if (n.locale !== undefined) locales.push([row, n.locale]);
    if (n.createdAt !== undefined) created.push([row, n.createdAt]);
  }
  const out: NodeMetadata = {};
  const loc = extendCategorical(old.locale, rows, locales);
  if (loc) out.locale = loc;
  if (old.topic) {
    const codes = new Uint16Array(rows);
    codes.set(old.topic.codes.subarray(0, Math.min(rows, old.topic.codes.length)));
    out.topic = { codes, values: old.topic.values };
  }
  if (old.createdAt || created.length > 0) {
    const c = new Float64Array(rows).fill(NaN);
    if (old.createdAt) c.set(old.createdAt.subarray(0, Math.min(rows, old.createdAt.length)));
    for (const [row, ms] of created) c[row] = ms;
    out.createdAt = c;
  }
  return out;
}

/**
 * A new graph: `g` with the edge changes and node notes applied. O(E): one pass over the pin
 * rows and one transpose; the input graph is not modified, so readers of `g` are unaffected.
 */
export function applyDelta(g: PinBoardGraph, changes: EdgeChange[], notes: NodeNote[]): PinBoardGraph {
  if (changes.length === 0 && notes.length === 0) return g;
  const pins = new IdGrowth(g.pins);
  const boards = new IdGrowth(g.boards);
  for (const n of notes) (n.kind === 'pin' ? pins : boards).get(n.id);

  // net effect per edge, last op wins
  const net = new Map<string, { p: number; b: number; add: boolean }>();
  for (const c of changes) {
    const p = pins.get(c.pin);
    const b = boards.get(c.board);
    net.set(`${p},${b}`, { p, b, add: c.op === 'add' });
  }
  const removed = new Map<number, Set<number>>();
  const added = new Map<number, number[]>();
  let adds = 0;
  for (const e of net.values()) {
    if (e.add) {
      let a = added.get(e.p);
      if (!a) added.set(e.p, (a = []));
      a.push(e.b);
      adds++;
    } else if (e.p < g.numPins) {
      let s = removed.get(e.p);
      if (!s) removed.set(e.p, (s = new Set()));
      s.add(e.b);
    }
  }

  // New pin rows: untouched rows are copied, touched ones merged (old row minus removals,
  // plus sorted additions, deduplicated). Rows stay sorted, so no sort pass is needed.
  const nPins = pins.size;
  const off = new Uint32Array(nPins + 1);
  const out = new Uint32Array(g.numEdges + adds);
  const oldOff = g.pinOffsets;
  const oldAdj = g.pinAdj;
  let w = 0;
  for (let p = 0; p < nPins; p++) {
    off[p] = w;
    const s0 = p < g.numPins ? oldOff[p]! : 0;
    const e0 = p < g.numPins ? oldOff[p + 1]! : 0;
    const rm = removed.get(p);
    const ad = added.get(p);
    if (rm === undefined && ad === undefined) {
      out.set(oldAdj.subarray(s0, e0), w);
      w += e0 - s0;
      continue;
    }
    if (ad) ad.sort((x, y) => x - y);
    let i = s0;
    let j = 0;
    let last = -1;
    const nA = ad ? ad.length : 0;
    while (i < e0 || j < nA) {
      let b: number;
      if (j >= nA || (i < e0 && oldAdj[i]! <= ad![j]!)) {
        b = oldAdj[i++]!;
        if (rm !== undefined && rm.has(b)) continue;
      } else b = ad![j++]!;
      if (b !== last) {
        out[w++] = b;
        last = b;
      }
    }
  }
  off[nPins] = w;
  const pinAdj = w === out.length ? out : out.slice(0, w);

  const nP = pins.size;
  const nB = boards.size;
  const pinNotes = notes.filter((n) => n.kind === 'pin');
  const boardNotes = notes.filter((n) => n.kind === 'board');
  const meta: GraphMetadata = {
    pins: extendMeta(g.meta.pins, nP, pinNotes, pins),
    boards: extendMeta(g.meta.boards, nB, boardNotes, boards),
  };
  return PinBoardGraph.fromPinRows(off, pinAdj, nB, pins.build(), boards.build(), meta);
}
