import { TopK } from '../walk/top-k.js';
import { tokenize } from './tokenize.js';

export interface Bm25Options {
  /** term-frequency saturation (default 1.2) */
  k1: number;
  /** length normalisation (default 0.75) */
  b: number;
}

export const DEFAULT_BM25: Bm25Options = { k1: 1.2, b: 0.75 };

export interface TextHit {
  doc: number;
  score: number;
}

/**
 * An inverted index with Okapi BM25 over documents identified by dense ids (pins).
 *
 * Postings are CSR typed arrays: termOffsets[t]..termOffsets[t+1] indexes postDocs/postTf. A
 * forward index (docOffsets/docTerms) keeps each document's distinct terms, so a pin's own
 * annotations can be used as the query. Scores use
 *   idf(t) = ln(1 + (N − df + 0.5) / (df + 0.5)),
 *   s(d) = Σ_t qtf·idf(t) · tf·(k1+1) / (tf + k1·(1 − b + b·|d|/avgdl)).
 */
export class Bm25Index {
  private readonly acc: Float64Array;
  private readonly touched: Uint32Array;

  private constructor(
    readonly numDocs: number,
    private readonly terms: Map<string, number>,
    private readonly termOffsets: Uint32Array,
    private readonly postDocs: Uint32Array,
    private readonly postTf: Uint16Array,
    private readonly docLen: Float32Array,
    private readonly docOffsets: Uint32Array,
    private readonly docTerms: Uint32Array,
    private readonly docTf: Uint16Array,
    private readonly avgLen: number,
    readonly options: Bm25Options,
  ) {
    this.acc = new Float64Array(numDocs);
    this.touched = new Uint32Array(numDocs);
  }

  /**
   * Builds the index. `docs[i]` is document i's text (a string, tokenised here) or its tokens;
   * null/undefined means the document has no text.
   */
  static build(docs: ArrayLike<string | string[] | null | undefined>, options: Partial<Bm25Options> = {}): Bm25Index {
    const o: Bm25Options = { ...DEFAULT_BM25, ...options };
    if (!(o.k1 >= 0) || !Number.isFinite(o.k1)) throw new RangeError(`bm25: k1 must be a finite number >= 0, got ${o.k1}`);
    if (!(o.b >= 0 && o.b <= 1)) throw new RangeError(`bm25: b must be in [0, 1], got ${o.b}`);
    const n = docs.length;
    const terms = new Map<string, number>();
    const docLen = new Float32Array(n);
    const docOffsets = new Uint32Array(n + 1);
    const fwdTerms: number[] = [];
    const fwdTf: number[] = [];
    const df: number[] = [];
    let totalLen = 0;
    const local = new Map<number, number>();
    for (let d = 0; d < n; d++) {
      const doc = docs[d];
      docOffsets[d] = fwdTerms.length;
      if (doc === null || doc === undefined) continue;
      const toks = typeof doc === 'string' ? tokenize(doc) : doc;
      if (!Array.isArray(toks)) throw new TypeError(`bm25: document ${d} must be a string or an array of tokens`);
      local.clear();
      for (const tok of toks) {
        let t = terms.get(tok);
        if (t === undefined) {
          t = terms.size;
          terms.set(tok, t);
          df.push(0);
        }
        local.set(t, (local.get(t) ?? 0) + 1);
      }
      docLen[d] = toks.length;
      totalLen += toks.length;
      for (const [t, tf] of local) {
        fwdTerms.push(t);
        fwdTf.push(Math.min(tf, 0xffff));
        df[t]!++;
      }
    }
    docOffsets[n] = fwdTerms.length;
    const nt = terms.size;
    const termOffsets = new Uint32Array(nt + 1);
    for (let t = 0; t < nt; t++) termOffsets[t + 1] = termOffsets[t]! + df[t]!;
    const cursor = termOffsets.slice(0, nt);
    const postDocs = new Uint32Array(fwdTerms.length);
    const postTf = new Uint16Array(fwdTerms.length);
    for (let d = 0; d < n; d++) {
      for (let i = docOffsets[d]!; i < docOffsets[d + 1]!; i++) {
        const t = fwdTerms[i]!;
        const at = cursor[t]!++;
        postDocs[at] = d;
        postTf[at] = fwdTf[i]!;
      }
    }
    const avgLen = n > 0 ? totalLen / n : 0;
    return new Bm25Index(
      n,
      terms,
      termOffsets,
      postDocs,
      postTf,
      docLen,
      docOffsets,
      Uint32Array.from(fwdTerms),
      Uint16Array.from(fwdTf),
      avgLen,
      o,
    );
  }

  get numTerms(): number {
    return this.terms.size;
  }

  /** Documents containing a term. */
  docFreq(term: string): number {
    const t = this.terms.get(term);
    return t === undefined ? 0 : this.termOffsets[t + 1]! - this.termOffsets[t]!;
  }

  idf(term: string): number {
    const df = this.docFreq(term);
    return Math.log(1 + (this.numDocs - df + 0.5) / (df + 0.5));
  }

  /** A document's distinct terms with their counts (the query for "more like this pin"). */
  docTermsOf(doc: number): Map<string, number> {
    this.checkDoc(doc);
    const names = this.termNames();
    const out = new Map<string, number>();
    for (let i = this.docOffsets[doc]!; i < this.docOffsets[doc + 1]!; i++) out.set(names[this.docTerms[i]!]!, this.docTf[i]!);
    return out;
  }

  private names: string[] | null = null;
  private termNames(): string[] {
    if (!this.names) {
      this.names = new Array<string>(this.terms.size);
      for (const [s, t] of this.terms) this.names[t] = s;
    }
    return this.names;
  }

  /** Top-k documents for a text query or weighted terms; `exclude` docs are skipped. */
  search(query: string | string[] | Map<string, number>, k: number, exclude?: (doc: number) => boolean): TextHit[] {
    if (!Number.isInteger(k) || k < 0) throw new RangeError(`bm25: k must be an integer >= 0, got ${k}`);
    const q = new Map<number, number>();
    const add = (tok: string, w: number): void => {
      const t = this.terms.get(tok);
      if (t !== undefined) q.set(t, (q.get(t) ?? 0) + w);
    };
    if (typeof query === 'string') for (const tok of tokenize(query)) add(tok, 1);
    else if (Array.isArray(query)) for (const tok of query) add(tok, 1);
    else for (const [tok, w] of query) add(tok, w);
    return this.searchTermIds(q, k, exclude);
  }

  /** Top-k documents similar to document `doc` (its own terms as the query; itself excluded). */
  searchLike(doc: number, k: number, exclude?: (doc: number) => boolean): TextHit[] {
    this.checkDoc(doc);
    const q = new Map<number, number>();
    for (let i = this.docOffsets[doc]!; i < this.docOffsets[doc + 1]!; i++) q.set(this.docTerms[i]!, 1);
    return this.searchTermIds(q, k, (d) => d === doc || (exclude !== undefined && exclude(d)));
  }

  private searchTermIds(q: Map<number, number>, k: number, exclude?: (doc: number) => boolean): TextHit[] {
    const { k1, b } = this.options;
    const acc = this.acc;
    const touched = this.touched;
    let nTouched = 0;
    const avg = this.avgLen > 0 ? this.avgLen : 1;
    for (const [t, qw] of q) {
      const start = this.termOffsets[t]!;
      const end = this.termOffsets[t + 1]!;
      const df = end - start;
      const idf = Math.log(1 + (this.numDocs - df + 0.5) / (df + 0.5));
      for (let i = start; i < end; i++) {
        const d = this.postDocs[i]!;
        const tf = this.postTf[i]!;
        const norm = k1 * (1 - b + (b * this.docLen[d]!) / avg);
        if (acc[d] === 0) touched[nTouched++] = d;
        acc[d]! += (qw * idf * (tf * (k1 + 1))) / (tf + norm);
      }
    }
    const heap = new TopK(k);
    for (let i = 0; i < nTouched; i++) {
      const d = touched[i]!;
      const s = acc[d]!;
      acc[d] = 0;
      if (s > 0 && !(exclude !== undefined && exclude(d))) heap.push(d, s);
    }
    const top = heap.sorted();
    const out: TextHit[] = [];
    for (let i = 0; i < top.ids.length; i++) out.push({ doc: top.ids[i]!, score: top.scores[i]! });
    return out;
  }

  private checkDoc(doc: number): void {
    if (!Number.isInteger(doc) || doc < 0 || doc >= this.numDocs)
      throw new RangeError(`bm25: document ${doc} is not in the index (0..${this.numDocs - 1})`);
  }
}
