import { NUM_ACTIONS } from './events.js';
import { PositionRates } from './rates.js';
import { memboostScore, type MemboostParams } from './score.js';

/** Counts for one (query, result) pair: COEC inputs. */
export interface PairStats {
  result: number;
  impressions: number;
  actions: number[];
  expected: number[];
}

/**
 * The batch Memboost table: per (query pin, result pin) impressions, action counts and expected
 * counts, in CSR by query (queries sorted, results sorted within a query), plus the position
 * rates used to compute the expected counts (real-time counters need them too).
 */
export class MemboostTable {
  constructor(
    readonly queries: Uint32Array,
    readonly offsets: Uint32Array,
    readonly results: Uint32Array,
    readonly impressions: Float32Array,
    readonly actions: Float32Array,
    readonly expected: Float32Array,
    readonly rates: PositionRates,
  ) {
    const n = results.length;
    if (offsets.length !== queries.length + 1 || offsets[queries.length] !== n) throw new RangeError('memboost table: offsets do not match');
    if (impressions.length !== n || actions.length !== n * NUM_ACTIONS || expected.length !== n * NUM_ACTIONS)
      throw new RangeError('memboost table: column lengths do not match');
  }

  static empty(rates = new PositionRates()): MemboostTable {
    return new MemboostTable(new Uint32Array(0), new Uint32Array(1), new Uint32Array(0), new Float32Array(0), new Float32Array(0), new Float32Array(0), rates);
  }

  get numPairs(): number {
    return this.results.length;
  }

  /** [start, end) of query q's pairs, or [0, 0) when q has none (binary search). */
  rowOf(q: number): [number, number] {
    let lo = 0;
    let hi = this.queries.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const v = this.queries[mid]!;
      if (v === q) return [this.offsets[mid]!, this.offsets[mid + 1]!];
      if (v < q) lo = mid + 1;
      else hi = mid - 1;
    }
    return [0, 0];
  }

  /** Pair index of (q, r), or -1. */
  find(q: number, r: number): number {
    const [s, e] = this.rowOf(q);
    let lo = s;
    let hi = e - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const v = this.results[mid]!;
      if (v === r) return mid;
      if (v < r) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /** MB of pair index i (0 for i < 0: no memory is neutral). */
  scoreAt(i: number, p: MemboostParams): number {
    return i < 0 ? 0 : memboostScore(this.actions, this.expected, p, i * NUM_ACTIONS);
  }

  score(q: number, r: number, p: MemboostParams): number {
    return this.scoreAt(this.find(q, r), p);
  }

  stats(q: number, r: number): PairStats | null {
    const i = this.find(q, r);
    if (i < 0) return null;
    return {
      result: r,
      impressions: this.impressions[i]!,
      actions: Array.from(this.actions.subarray(i * NUM_ACTIONS, (i + 1) * NUM_ACTIONS)),
      expected: Array.from(this.expected.subarray(i * NUM_ACTIONS, (i + 1) * NUM_ACTIONS)),
    };
  }

  /** Binary snapshot: a JSON header line (sizes, rates) then the typed columns. */
  encode(): Uint8Array {
    const header = JSON.stringify({ format: 'boardwalk-memboost-1', queries: this.queries.length, pairs: this.numPairs, rates: this.rates.toJSON() });
    const hb = new TextEncoder().encode(header);
    const parts: ArrayBufferView[] = [this.queries, this.offsets, this.results, this.impressions, this.actions, this.expected];
    let size = 4 + hb.length;
    size = (size + 3) & ~3;
    for (const p of parts) size += p.byteLength;
    const out = new Uint8Array(size);
    new DataView(out.buffer).setUint32(0, hb.length, true);
    out.set(hb, 4);
    let at = (4 + hb.length + 3) & ~3;
    for (const p of parts) {
      out.set(new Uint8Array(p.buffer, p.byteOffset, p.byteLength), at);
      at += p.byteLength;
    }
    return out;
  }

  static decode(buf: Uint8Array): MemboostTable {
    if (buf.byteLength < 4) throw new Error('memboost table: snapshot is truncated');
    const hl = new DataView(buf.buffer, buf.byteOffset, buf.byteLength).getUint32(0, true);
    let header: { format: string; queries: number; pairs: number; rates: ReturnType<PositionRates['toJSON']> };
    try {
      header = JSON.parse(new TextDecoder().decode(buf.subarray(4, 4 + hl)));
    } catch {
      throw new Error('memboost table: snapshot header is not valid JSON');
    }
    if (header.format !== 'boardwalk-memboost-1') throw new Error(`memboost table: unknown snapshot format ${JSON.stringify(header.format)}`);
    const nq = header.queries;
    const np = header.pairs;
    // a fresh, aligned copy (a Node Buffer's slice is a view into a shared pool)
    const start = (4 + hl + 3) & ~3;
    const copy = new Uint8Array(Math.max(0, buf.byteLength - start));
    copy.set(buf.subarray(start));
    const need = 4 * (nq + nq + 1 + np + np + 2 * np * NUM_ACTIONS);
    if (copy.byteLength < need) throw new Error(`memboost table: snapshot is truncated (${copy.byteLength} of ${need} bytes)`);
    let at = 0;
    const take = <T>(ctor: new (b: ArrayBuffer, o: number, n: number) => T, n: number): T => {
      const v = new ctor(copy.buffer, at, n);
      at += n * 4;
      return v;
    };
    return new MemboostTable(
      take(Uint32Array, nq),
      take(Uint32Array, nq + 1),
      take(Uint32Array, np),
      take(Float32Array, np),
      take(Float32Array, np * NUM_ACTIONS),
      take(Float32Array, np * NUM_ACTIONS),
      PositionRates.fromJSON(header.rates),
    );
  }
}
