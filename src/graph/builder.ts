import { PinBoardGraph } from './graph.js';
import { IdMap } from './id-map.js';
import { CategoricalBuilder, type GraphMetadata, type NodeMetadata } from './metadata.js';

/** Grows a Uint32Array by doubling. */
function grow(a: Uint32Array, need: number): Uint32Array {
  if (need <= a.length) return a;
  let n = a.length * 2;
  while (n < need) n *= 2;
  const b = new Uint32Array(n);
  b.set(a);
  return b;
}

class NodeMetaBuilder {
  locale: CategoricalBuilder | null = null;
  topic: CategoricalBuilder | null = null;
  createdAt: Float64Array | null = null;

  setCreatedAt(row: number, ms: number): void {
    if (!this.createdAt) this.createdAt = new Float64Array(1024).fill(NaN);
    if (row >= this.createdAt.length) {
      let n = this.createdAt.length * 2;
      while (n <= row) n *= 2;
      const g = new Float64Array(n).fill(NaN);
      g.set(this.createdAt);
      this.createdAt = g;
    }
    this.createdAt[row] = ms;
  }

  build(rows: number): NodeMetadata {
    const out: NodeMetadata = {};
    if (this.locale) out.locale = this.locale.build(rows);
    if (this.topic) out.topic = this.topic.build(rows);
    if (this.createdAt) {
      const c = new Float64Array(rows).fill(NaN);
      c.set(this.createdAt.subarray(0, Math.min(rows, this.createdAt.length)));
      out.createdAt = c;
    }
    return out;
  }
}

export interface NodeMetaInput {
  locale?: string;
  topic?: string;
  /** epoch ms, or an ISO date string */
  createdAt?: number | string;
}

/**
 * Incremental builder keyed by external ids. Dense ids are assigned in first-seen order,
 * except that when every id turns out to be 0..n-1 the identity map is used.
 */
export class GraphBuilder {
  private pinIndex = new Map<string, number>();
  private boardIndex = new Map<string, number>();
  private pinIds: string[] = [];
  private boardIds: string[] = [];
  private ep: Uint32Array = new Uint32Array(1024);
  private eb: Uint32Array = new Uint32Array(1024);
  private m = 0;
  private pinMeta = new NodeMetaBuilder();
  private boardMeta = new NodeMetaBuilder();

  get numEdges(): number {
    return this.m;
  }

  pin(id: string): number {
    let d = this.pinIndex.get(id);
    if (d === undefined) {
      d = this.pinIds.length;
      this.pinIds.push(id);
      this.pinIndex.set(id, d);
    }
    return d;
  }

  board(id: string): number {
    let d = this.boardIndex.get(id);
    if (d === undefined) {
      d = this.boardIds.length;
      this.boardIds.push(id);
      this.boardIndex.set(id, d);
    }
    return d;
  }

  addEdge(pinId: string | number, boardId: string | number): void {
    const p = this.pin(String(pinId));
    const b = this.board(String(boardId));
    this.ep = grow(this.ep, this.m + 1);
    this.eb = grow(this.eb, this.m + 1);
    this.ep[this.m] = p;
    this.eb[this.m] = b;
    this.m++;
  }

  setPinMeta(pinId: string | number, meta: NodeMetaInput): void {
    applyMeta(this.pinMeta, this.pin(String(pinId)), meta, `pin ${pinId}`);
  }

  setBoardMeta(boardId: string | number, meta: NodeMetaInput): void {
    applyMeta(this.boardMeta, this.board(String(boardId)), meta, `board ${boardId}`);
  }

  build(): PinBoardGraph {
    const { map: pins, perm: pinPerm } = denseMap(this.pinIds);
    const { map: boards, perm: boardPerm } = denseMap(this.boardIds);
    const ep = this.ep.slice(0, this.m);
    const eb = this.eb.slice(0, this.m);
    if (pinPerm) for (let i = 0; i < ep.length; i++) ep[i] = pinPerm[ep[i]!]!;
    if (boardPerm) for (let i = 0; i < eb.length; i++) eb[i] = boardPerm[eb[i]!]!;
    const meta: GraphMetadata = {
      pins: permuteMeta(this.pinMeta.build(this.pinIds.length), pinPerm),
      boards: permuteMeta(this.boardMeta.build(this.boardIds.length), boardPerm),
    };
    return PinBoardGraph.fromEdges(ep, eb, pins.size, boards.size, pins, boards, meta);
  }
}

function applyMeta(b: NodeMetaBuilder, row: number, meta: NodeMetaInput, what: string): void {
  if (meta.locale !== undefined) (b.locale ??= new CategoricalBuilder()).set(row, meta.locale);
  if (meta.topic !== undefined) (b.topic ??= new CategoricalBuilder()).set(row, meta.topic);
  if (meta.createdAt !== undefined) {
    const ms = typeof meta.createdAt === 'number' ? meta.createdAt : Date.parse(meta.createdAt);
    if (!Number.isFinite(ms)) throw new Error(`${what}: created-at ${JSON.stringify(meta.createdAt)} is not a date`);
    b.setCreatedAt(row, ms);
  }
}

/**
 * If the external ids are exactly the decimal strings 0..n-1 in some order, returns the identity
 * map and the permutation from first-seen order to numeric order; else a map in first-seen order.
 */
function denseMap(ids: string[]): { map: IdMap; perm: Uint32Array | null } {
  const n = ids.length;
  const perm = new Uint32Array(n);
  const seen = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const s = ids[i]!;
    const v = Number(s);
    if (!Number.isInteger(v) || v < 0 || v >= n || String(v) !== s || seen[v]) return { map: IdMap.fromIds(ids), perm: null };
    seen[v] = 1;
    perm[i] = v;
  }
  let identityOrder = true;
  for (let i = 0; i < n; i++) if (perm[i] !== i) identityOrder = false;
  return { map: IdMap.identity(n), perm: identityOrder ? null : perm };
}

function permuteMeta(meta: NodeMetadata, perm: Uint32Array | null): NodeMetadata {
  if (!perm) return meta;
  const out: NodeMetadata = {};
  if (meta.locale) {
    const c = new Uint16Array(meta.locale.codes.length);
    for (let i = 0; i < perm.length; i++) c[perm[i]!] = meta.locale.codes[i]!;
    out.locale = { codes: c, values: meta.locale.values };
  }
  if (meta.topic) {
    const c = new Uint16Array(meta.topic.codes.length);
    for (let i = 0; i < perm.length; i++) c[perm[i]!] = meta.topic.codes[i]!;
    out.topic = { codes: c, values: meta.topic.values };
  }
  if (meta.createdAt) {
    const c = new Float64Array(meta.createdAt.length);
    for (let i = 0; i < perm.length; i++) c[perm[i]!] = meta.createdAt[i]!;
    out.createdAt = c;
  }
  return out;
}
