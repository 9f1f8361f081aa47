import type { PinBoardGraph } from '../graph/graph.js';
import { TopK } from '../walk/top-k.js';
import type { PixieWalker } from '../walk/pixie.js';
import { checkRequest } from './common.js';
import type { Candidate, CandidateGenerator, CandidateRequest } from './types.js';

/**
 * Fresh source (b). Offline, the new-neighbour job finds for each fresh pin its nearest
 * established pins (text + embedding); the map is inverted so that each established pin lists
 * the fresh pins that chose it. At query time every Pixie result "votes" for its fresh
 * neighbours, and the fresh pins with the most votes are returned.
 */
export class FreshNeighbourMap {
  constructor(
    /** offsets[p]..offsets[p+1] indexes fresh/sims for established pin p */
    readonly offsets: Uint32Array,
    readonly fresh: Uint32Array,
    readonly sims: Float32Array,
  ) {
    if (offsets.length < 1 || offsets[offsets.length - 1] !== fresh.length) throw new RangeError('fresh neighbour map: offsets do not index the fresh list');
    if (sims.length !== fresh.length) throw new RangeError('fresh neighbour map: sims and fresh differ in length');
  }

  get numPins(): number {
    return this.offsets.length - 1;
  }

  get size(): number {
    return this.fresh.length;
  }

  /** Fresh pins that chose established pin p (a view). */
  freshOf(p: number): Uint32Array {
    if (p < 0 || p >= this.numPins) return new Uint32Array(0);
    return this.fresh.subarray(this.offsets[p]!, this.offsets[p + 1]!);
  }

  /**
   * Inverts the job's forward map (fresh pin → its established neighbours) into this shape.
   * `freshPins[i]`'s neighbours are neighbours[nOffsets[i]..nOffsets[i+1]].
   */
  static invert(freshPins: Uint32Array, nOffsets: Uint32Array, neighbours: Uint32Array, sims: Float32Array, numPins: number): FreshNeighbourMap {
    if (nOffsets.length !== freshPins.length + 1) throw new RangeError('fresh neighbour map: nOffsets must have one entry per fresh pin + 1');
    if (neighbours.length !== sims.length || nOffsets[freshPins.length] !== neighbours.length) throw new RangeError('fresh neighbour map: neighbours, sims and offsets disagree');
    const count = new Uint32Array(numPins + 1);
    for (let k = 0; k < neighbours.length; k++) {
      const e = neighbours[k]!;
      if (e >= numPins) throw new RangeError(`fresh neighbour map: neighbour ${e} >= numPins ${numPins}`);
      count[e + 1]!++;
    }
    for (let p = 0; p < numPins; p++) count[p + 1]! += count[p]!;
    const cursor = count.slice(0, numPins);
    const fresh = new Uint32Array(neighbours.length);
    const s = new Float32Array(neighbours.length);
    for (let i = 0; i < freshPins.length; i++) {
      for (let k = nOffsets[i]!; k < nOffsets[i + 1]!; k++) {
        const w = cursor[neighbours[k]!]!++;
        fresh[w] = freshPins[i]!;
        s[w] = sims[k]!;
      }
    }
    return new FreshNeighbourMap(count, fresh, s);
  }
}

export interface FreshNeighboursOptions {
  /** Pixie results that vote */
  pixieTopK: number;
  steps: number;
}

export const DEFAULT_FRESH_NEIGHBOURS: FreshNeighboursOptions = { pixieTopK: 200, steps: 20_000 };

/**
 * Counts fresh neighbours over a list of established pins. Owns its scratch arrays (sized to
 * the pin count) so a query allocates nothing per vote.
 */
export class FreshNeighbourCounter {
  private readonly votes: Float64Array;
  private readonly simSum: Float64Array;
  private readonly touched: Uint32Array;

  constructor(readonly map: FreshNeighbourMap) {
    this.votes = new Float64Array(map.numPins);
    this.simSum = new Float64Array(map.numPins);
    this.touched = new Uint32Array(map.numPins);
  }

  /** Most-voted fresh pins (ties: higher summed similarity, then smaller id). */
  count(pins: ArrayLike<number>, limit: number, exclude?: ReadonlySet<number>): Candidate[] {
    const m = this.map;
    let nt = 0;
    for (let i = 0; i < pins.length; i++) {
      const p = pins[i]!;
      if (p >= m.numPins) continue;
      const end = m.offsets[p + 1]!;
      for (let k = m.offsets[p]!; k < end; k++) {
        const f = m.fresh[k]!;
        if (this.votes[f] === 0) this.touched[nt++] = f;
        this.votes[f]!++;
        this.simSum[f]! += m.sims[k]!;
      }
    }
    const heap = new TopK(limit);
    for (let i = 0; i < nt; i++) {
      const f = this.touched[i]!;
      if (exclude?.has(f)) continue;
      // votes dominate; summed similarity (< 1 per vote) breaks ties
      heap.push(f, this.votes[f]! + this.simSum[f]! / (this.votes[f]! + 1) / 2);
    }
    const top = heap.sorted();
    const out: Candidate[] = [];
    for (let i = 0; i < top.ids.length; i++) {
      const f = top.ids[i]!;
      out.push({ pin: f, score: this.votes[f]!, sources: ['fresh_neighbours'], features: { freshVotes: this.votes[f]!, freshSim: this.simSum[f]! / this.votes[f]! } });
    }
    for (let i = 0; i < nt; i++) {
      this.votes[this.touched[i]!] = 0;
      this.simSum[this.touched[i]!] = 0;
    }
    return out;
  }
}

export class FreshNeighboursGenerator implements CandidateGenerator {
  readonly name = 'fresh_neighbours';
  private readonly o: FreshNeighboursOptions;
  private readonly counter: FreshNeighbourCounter;

  constructor(
    private readonly walker: PixieWalker,
    map: FreshNeighbourMap,
    options: Partial<FreshNeighboursOptions> = {},
  ) {
    this.o = { ...DEFAULT_FRESH_NEIGHBOURS, ...options };
    for (const k of ['pixieTopK', 'steps'] as const)
      if (!Number.isInteger(this.o[k]) || this.o[k] < 1) throw new RangeError(`fresh_neighbours: ${k} must be an integer >= 1, got ${this.o[k]}`);
    const g: PinBoardGraph = walker.graph;
    if (map.numPins !== g.numPins) throw new RangeError(`fresh_neighbours: map covers ${map.numPins} pins, graph has ${g.numPins}`);
    this.counter = new FreshNeighbourCounter(map);
  }

  generate(req: CandidateRequest): Candidate[] {
    checkRequest(this.name, req, this.walker.graph.numPins);
    if (req.queryPins.length === 0 || req.limit === 0) return [];
    const r = this.walker.query(req.queryPins, req.queryWeights, { steps: this.o.steps, topK: this.o.pixieTopK, seed: req.seed, countBoards: false });
    return this.counter.count(r.pins, req.limit, new Set(req.queryPins));
  }
}

/** What the new-neighbour job compares: unit embeddings and/or texts, indexed by dense pin. */
export interface NewNeighbourInput {
  fresh: ArrayLike<number>;
  established: ArrayLike<number>;
  numPins: number;
  /** row-major unit vectors (numPins × dim); rows of pins without one are zero */
  embeddings?: { dim: number; vectors: Float32Array; present?: Uint8Array };
  /** nearest established pins by embedding (an ANN index over the established pins) */
  embeddingSearch?: (vec: Float32Array, k: number) => { ids: Uint32Array; scores: Float64Array };
  /** title/description per pin */
  texts?: readonly (string | undefined)[];
  /** tokenizer for texts */
  tokenize?: (s: string) => string[];
}

export interface NewNeighbourOptions {
  /** established neighbours kept per fresh pin */
  k: number;
  /** weight of embedding cosine and of text TF-IDF cosine in the combined similarity */
  embeddingWeight: number;
  textWeight: number;
  /** candidates fetched from each similarity before combining */
  candidates: number;
  /** drop neighbours whose combined similarity is below this */
  minSim: number;
}

export const DEFAULT_NEW_NEIGHBOURS: NewNeighbourOptions = { k: 10, embeddingWeight: 0.7, textWeight: 0.3, candidates: 50, minSim: 0 };

function defaultTokenize(s: string): string[] {
  return s.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter((t) => t.length > 1);
}

/**
 * For each fresh pin, its `k` most similar established pins by combined similarity
 * wE·cos(embedding) + wT·cos(TF-IDF text). Returns the forward map (CSR over `fresh`).
 */
export function buildNewNeighbours(
  input: NewNeighbourInput,
  options: Partial<NewNeighbourOptions> = {},
): { freshPins: Uint32Array; offsets: Uint32Array; neighbours: Uint32Array; sims: Float32Array } {
  const o = { ...DEFAULT_NEW_NEIGHBOURS, ...options };
  if (!Number.isInteger(o.k) || o.k < 1) throw new RangeError(`new-neighbours: k must be an integer >= 1, got ${o.k}`);
  if (!Number.isInteger(o.candidates) || o.candidates < o.k) throw new RangeError(`new-neighbours: candidates must be an integer >= k, got ${o.candidates}`);
  if (!(o.embeddingWeight >= 0 && o.textWeight >= 0) || o.embeddingWeight + o.textWeight === 0) throw new RangeError('new-neighbours: weights must be >= 0 and not both 0');
  const useEmb = o.embeddingWeight > 0 && !!input.embeddings;
  const useText = o.textWeight > 0 && !!input.texts;
  if (!useEmb && !useText) throw new Error('new-neighbours: give embeddings and/or texts for the weighted similarities');
  if (useEmb && !input.embeddingSearch) throw new Error('new-neighbours: embeddings need an embeddingSearch over the established pins');
  const n = input.numPins;
  const isEst = new Uint8Array(n);
  for (let i = 0; i < input.established.length; i++) {
    const p = input.established[i]!;
    if (!Number.isInteger(p) || p < 0 || p >= n) throw new RangeError(`new-neighbours: established pin ${p} is not a pin`);
    isEst[p] = 1;
  }
  for (let i = 0; i < input.fresh.length; i++) {
    const p = input.fresh[i]!;
    if (!Number.isInteger(p) || p < 0 || p >= n) throw new RangeError(`new-neighbours: fresh pin ${p} is not a pin`);
    if (isEst[p]) throw new RangeError(`new-neighbours: pin ${p} is both fresh and established`);
  }

  // TF-IDF: sparse unit vectors per pin, inverted index over established pins
  const tok = input.tokenize ?? defaultTokenize;
  const docTerms: Int32Array[] = [];
  const docW: Float64Array[] = [];
  const postings: number[][] = [];
  const postW: number[][] = [];
  if (useText) {
    const vocab = new Map<string, number>();
    const df: number[] = [];
    const raw: Map<number, number>[] = new Array(n);
    const all = [...Array.from(input.established), ...Array.from(input.fresh)];
    for (const p of all) {
      const t = input.texts![p];
      const tf = new Map<number, number>();
      if (t) {
        for (const w of tok(t)) {
          let id = vocab.get(w);
          if (id === undefined) {
            id = df.length;
            vocab.set(w, id);
            df.push(0);
          }
          tf.set(id, (tf.get(id) ?? 0) + 1);
        }
        for (const id of tf.keys()) df[id]!++;
      }
      raw[p] = tf;
    }
    const N = all.length;
    for (let i = 0; i < df.length; i++) {
      postings.push([]);
      postW.push([]);
    }
    for (const p of all) {
      const tf = raw[p]!;
      const terms = new Int32Array(tf.size);
      const w = new Float64Array(tf.size);
      let j = 0;
      let norm = 0;
      for (const [id, c] of tf) {
        terms[j] = id;
        w[j] = (1 + Math.log(c)) * Math.log(1 + N / df[id]!);
        norm += w[j]! * w[j]!;
        j++;
      }
      norm = Math.sqrt(norm);
      for (let q = 0; q < w.length; q++) w[q]! /= norm || 1;
      docTerms[p] = terms;
      docW[p] = w;
      if (isEst[p]) for (let q = 0; q < terms.length; q++) {
        postings[terms[q]!]!.push(p);
        postW[terms[q]!]!.push(w[q]!);
      }
    }
  }

  const acc = new Float64Array(n);
  const touched = new Uint32Array(n);
  const freshPins = Uint32Array.from(input.fresh);
  const offsets = new Uint32Array(freshPins.length + 1);
  const outN: number[] = [];
  const outS: number[] = [];
  const emb = input.embeddings;
  for (let fi = 0; fi < freshPins.length; fi++) {
    const f = freshPins[fi]!;
    const cand = new Set<number>();
    let textTop: { ids: Uint32Array } | null = null;
    let nt = 0;
    if (useText && docTerms[f]) {
      const terms = docTerms[f]!;
      const w = docW[f]!;
      for (let q = 0; q < terms.length; q++) {
        const ps = postings[terms[q]!]!;
        const pw = postW[terms[q]!]!;
        for (let z = 0; z < ps.length; z++) {
          const p = ps[z]!;
          if (acc[p] === 0) touched[nt++] = p;
          acc[p]! += w[q]! * pw[z]!;
        }
      }
      const heap = new TopK(o.candidates);
      for (let i = 0; i < nt; i++) heap.push(touched[i]!, acc[touched[i]!]!);
      textTop = heap.sorted();
      for (const p of textTop.ids) cand.add(p);
    }
    const hasVec = useEmb && (!emb!.present || emb!.present[f] === 1);
    if (hasVec) {
      const v = emb!.vectors.subarray(f * emb!.dim, (f + 1) * emb!.dim);
      const r = input.embeddingSearch!(v, o.candidates);
      for (const p of r.ids) if (isEst[p]) cand.add(p);
    }
    const heap = new TopK(o.k);
    for (const p of cand) {
      let s = useText ? o.textWeight * acc[p]! : 0;
      if (hasVec && (!emb!.present || emb!.present[p] === 1)) {
        let d = 0;
        const fo = f * emb!.dim;
        const po = p * emb!.dim;
        for (let t = 0; t < emb!.dim; t++) d += emb!.vectors[fo + t]! * emb!.vectors[po + t]!;
        s += o.embeddingWeight * d;
      }
      if (s >= o.minSim) heap.push(p, s);
    }
    for (let i = 0; i < nt; i++) acc[touched[i]!] = 0;
    const top = heap.sorted();
    for (let i = 0; i < top.ids.length; i++) {
      outN.push(top.ids[i]!);
      outS.push(top.scores[i]!);
    }
    offsets[fi + 1] = outN.length;
  }
  return { freshPins, offsets, neighbours: Uint32Array.from(outN), sims: Float32Array.from(outS) };
}

/**
 * Fresh pins (created within `freshDays` before `now`) and established pins (older, or with
 * unknown creation time). Pins created after `now` are neither.
 */
export function splitByFreshness(createdAt: Float64Array | undefined, numPins: number, now: number, freshDays: number): { fresh: Uint32Array; established: Uint32Array } {
  if (!(freshDays > 0)) throw new RangeError(`freshness: freshDays must be > 0, got ${freshDays}`);
  if (!Number.isFinite(now)) throw new RangeError(`freshness: now must be a finite epoch ms, got ${now}`);
  const since = now - freshDays * 86_400_000;
  const fresh: number[] = [];
  const est: number[] = [];
  for (let p = 0; p < numPins; p++) {
    const t = createdAt ? createdAt[p]! : NaN;
    if (Number.isNaN(t) || t < since) est.push(p);
    else if (t <= now) fresh.push(p);
  }
  return { fresh: Uint32Array.from(fresh), established: Uint32Array.from(est) };
}
