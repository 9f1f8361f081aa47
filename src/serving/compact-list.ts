import type { RecommendedPin } from '../surfaces/types.js';

/**
 * A result list in typed arrays, for the cache: a list of 200 RecommendedPin objects is about
 * 1,000 heap objects, and tens of thousands of cached lists made major GC pauses of a second.
 * Here a list is a handful of arrays; items are materialised only for the page served.
 */
export class CompactList {
  readonly pins: Uint32Array;
  readonly scores: Float64Array;
  /** index into `sourceSets` per item */
  private readonly src: Uint16Array;
  private readonly sourceSets: string[][];
  /** part names used anywhere in the list; values[i * keys.length + k], NaN = absent */
  private readonly keys: string[];
  private readonly values: Float64Array;
  /** 0 = fresh absent, 1 = false, 2 = true */
  private readonly fresh: Uint8Array | null;

  constructor(list: RecommendedPin[]) {
    const n = list.length;
    this.pins = new Uint32Array(n);
    this.scores = new Float64Array(n);
    this.src = new Uint16Array(n);
    this.sourceSets = [];
    const setIndex = new Map<string, number>();
    const keyIndex = new Map<string, number>();
    this.keys = [];
    let anyFresh = false;
    for (const it of list) {
      for (const k in it.parts) if (!keyIndex.has(k)) keyIndex.set(k, this.keys.push(k) - 1);
      if (it.fresh !== undefined) anyFresh = true;
    }
    const nk = this.keys.length;
    this.values = new Float64Array(n * nk).fill(NaN);
    this.fresh = anyFresh ? new Uint8Array(n) : null;
    for (let i = 0; i < n; i++) {
      const it = list[i]!;
      this.pins[i] = it.pin;
      this.scores[i] = it.score;
      const sk = it.sources.join('\u0000');
      let s = setIndex.get(sk);
      if (s === undefined) {
        s = this.sourceSets.push(it.sources.slice()) - 1;
        if (s > 0xffff) throw new Error('compact list: more than 65535 distinct source sets');
        setIndex.set(sk, s);
      }
      this.src[i] = s;
      for (const k in it.parts) this.values[i * nk + keyIndex.get(k)!] = it.parts[k]!;
      if (this.fresh && it.fresh !== undefined) this.fresh[i] = it.fresh ? 2 : 1;
    }
  }

  get length(): number {
    return this.pins.length;
  }

  sources(i: number): string[] {
    return this.sourceSets[this.src[i]!]!;
  }

  parts(i: number): Record<string, number> {
    const out: Record<string, number> = {};
    const nk = this.keys.length;
    for (let k = 0; k < nk; k++) {
      const v = this.values[i * nk + k]!;
      if (!Number.isNaN(v)) out[this.keys[k]!] = v;
    }
    return out;
  }

  item(i: number): RecommendedPin {
    const r: RecommendedPin = { pin: this.pins[i]!, score: this.scores[i]!, sources: this.sources(i).slice(), parts: this.parts(i) };
    if (this.fresh && this.fresh[i] !== 0) r.fresh = this.fresh[i] === 2;
    return r;
  }

  /** Approximate bytes held. */
  byteSize(): number {
    return this.pins.byteLength + this.scores.byteLength + this.src.byteLength + this.values.byteLength + (this.fresh?.byteLength ?? 0) + 64;
  }
}
