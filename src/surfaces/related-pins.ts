import { BoardCooccurrenceGenerator } from '../candidates/board-cooccurrence.js';
import { LocaleSegmentedGenerator } from '../candidates/locale.js';
import { NearDuplicates } from '../candidates/near-duplicates.js';
import { Pin2VecGenerator } from '../candidates/pin2vec.js';
import { PixieGenerator } from '../candidates/pixie.js';
import { TextGenerator } from '../candidates/text.js';
import { VisualGenerator } from '../candidates/visual.js';
import { ExactCosineIndex } from '../embeddings/exact-index.js';
import { HnswIndex, type HnswOptions } from '../embeddings/hnsw-index.js';
import type { VectorColumn } from '../embeddings/vectors.js';
import type { PinBoardGraph } from '../graph/graph.js';
import type { Bm25Index } from '../text/bm25.js';
import { PixieWalker, type PixieOptions } from '../walk/pixie.js';
import type { Candidate, CandidateGenerator, CandidateRequest } from '../candidates/types.js';
import { mergeCandidates } from '../blend/merge.js';
import { rememberedCandidates, type InsertionOptions } from '../memboost/insertion.js';
import { EXPECTED_OFFSET, tableRow, type MemoryRow } from '../memboost/row.js';
import { checkParams, DEFAULT_MEMBOOST, memboostScore, type MemboostParams } from '../memboost/score.js';
import type { MemboostTable } from '../memboost/table.js';
import type { Ranker } from '../ranking/ranker.js';
import type { RecommendedPin, Surface, SurfaceRequest } from './types.js';

/** Where the surface reads remembered engagement: a batch table, or RealtimeMemboost (table + counters). */
export interface MemoryProvider {
  row(query: number): MemoryRow | Promise<MemoryRow>;
}

export function tableMemory(table: MemboostTable): MemoryProvider {
  return { row: (q) => tableRow(table, q) };
}

export interface RelatedSource {
  generator: CandidateGenerator;
  /** most pins this source may add to the merged candidate list */
  quota: number;
}

export interface RelatedPinsOptions {
  sources: RelatedSource[];
  /** ranker; default: BlendRanker (weighted sum of normalised source scores) */
  ranker?: Ranker;
  memory?: MemoryProvider;
  memboost: MemboostParams;
  insertion: Partial<InsertionOptions>;
  /** size of the merged candidate list handed to Memboost and the ranker (default 200) */
  candidates: number;
  /** each source is asked for quota × overfetch pins, so merging sees who else proposed a pin (default 2) */
  overfetch: number;
  /** near-duplicate map: a duplicate query is answered with its original's related pins */
  duplicates?: NearDuplicates;
}

/**
 * Default per-source weights of the BlendRanker: the graph sources (Pixie, board co-occurrence)
 * carry the ranking; embedding and text sources, whose normalised cosine/BM25 scores are flat
 * (most candidates score 0.5–1), only break ties. Chosen by hand, not fitted; see
 * docs/related-pins.md. Sources not listed weigh 1.
 */
export const DEFAULT_SOURCE_WEIGHTS: Readonly<Record<string, number>> = { pin2vec: 0.25, text: 0.25, visual: 0.25, memboost: 0 };

/**
 * The default ranker when no trained model exists: score = Σ_s w_s · src_s + bonus · (sources − 1),
 * where src_s is source s's score normalised by its best candidate (merge.ts). The agreement
 * bonus (default 0) rewards pins several sources proposed; it helps with small quotas and hurts
 * with large ones (every pin is then proposed by several sources).
 */
export class BlendRanker implements Ranker {
  readonly name = 'blend';
  readonly weights: Record<string, number>;

  constructor(
    weights: Record<string, number> = {},
    readonly agreementBonus = 0,
  ) {
    for (const [k, v] of Object.entries(weights)) if (!Number.isFinite(v)) throw new RangeError(`blend ranker: weight of ${k} must be finite, got ${v}`);
    this.weights = { ...DEFAULT_SOURCE_WEIGHTS, ...weights };
  }

  score(_req: CandidateRequest, candidates: Candidate[]): Float64Array {
    const out = new Float64Array(candidates.length);
    for (let i = 0; i < candidates.length; i++) {
      const c = candidates[i]!;
      let s = 0;
      let n = 0;
      for (const src of c.sources) {
        const v = c.features[`src_${src}`];
        if (v === undefined) continue;
        s += (this.weights[src] ?? 1) * v;
        n++;
      }
      out[i] = s + this.agreementBonus * Math.max(0, n - 1);
    }
    return out;
  }
}

/**
 * Related Pins: generators → merge with quotas → Memboost (scores + insertion) → ranker → list.
 * final = ranker score + γ · MB(q, r); for several query pins MB is their weighted mean.
 */
export class RelatedPinsSurface implements Surface {
  readonly name = 'related';
  private readonly o: RelatedPinsOptions;
  private readonly ranker: Ranker;

  constructor(options: Partial<RelatedPinsOptions> & { sources: RelatedSource[] }) {
    this.o = { memboost: DEFAULT_MEMBOOST, insertion: {}, candidates: 200, overfetch: 2, ...options };
    checkParams(this.o.memboost);
    if (this.o.sources.length === 0) throw new Error('related pins: at least one candidate source is required');
    const names = new Set<string>();
    for (const s of this.o.sources) {
      if (names.has(s.generator.name)) throw new Error(`related pins: two sources are named ${s.generator.name}`);
      names.add(s.generator.name);
      if (!Number.isInteger(s.quota) || s.quota < 0) throw new RangeError(`related pins: quota of ${s.generator.name} must be an integer >= 0, got ${s.quota}`);
    }
    if (!Number.isInteger(this.o.candidates) || this.o.candidates < 1) throw new RangeError(`related pins: candidates must be an integer >= 1, got ${this.o.candidates}`);
    if (!(this.o.overfetch >= 1)) throw new RangeError(`related pins: overfetch must be >= 1, got ${this.o.overfetch}`);
    this.ranker = this.o.ranker ?? new BlendRanker();
  }

  get rankerName(): string {
    return this.ranker.name;
  }

  async recommend(req: SurfaceRequest): Promise<RecommendedPin[]> {
    if (!Number.isInteger(req.limit) || req.limit < 0) throw new RangeError(`related pins: limit must be an integer >= 0, got ${req.limit}`);
    const r = await this.run(req);
    const order = Array.from({ length: r.candidates.length }, (_, i) => i);
    order.sort((a, b) => r.final[b]! - r.final[a]! || r.candidates[a]!.pin - r.candidates[b]!.pin);
    const gamma = this.o.memboost.gamma;
    const out: RecommendedPin[] = [];
    for (const i of order) {
      if (out.length >= req.limit) break;
      const c = r.candidates[i]!;
      const parts: Record<string, number> = {};
      if (req.explain) {
        Object.assign(parts, c.features);
        parts.ranker = r.ranker[i]!;
        parts.memboost = r.memboost[i]!;
        parts.memboostBoost = gamma * r.memboost[i]!;
      }
      out.push({ pin: c.pin, score: r.final[i]!, sources: c.sources, parts });
    }
    return out;
  }

  /**
   * Final scores of given pins for a request (offline evaluation: rank a fixed candidate set).
   * Pins no source proposed still get Memboost and the ranker's score for a candidate without
   * sources; excluded pins (the query, its duplicates, req.exclude) score -Infinity.
   */
  async scorePins(req: SurfaceRequest, pins: ArrayLike<number>): Promise<Float64Array> {
    const r = await this.run(req, pins);
    const at = new Map<number, number>();
    for (let i = 0; i < r.candidates.length; i++) at.set(r.candidates[i]!.pin, i);
    const out = new Float64Array(pins.length);
    for (let k = 0; k < pins.length; k++) {
      const i = at.get(pins[k]!);
      out[k] = i === undefined ? -Infinity : r.final[i]!;
    }
    return out;
  }

  /** generators → merge → Memboost (+ insertion) → ranker; `extra` pins are added as bare candidates. */
  private async run(
    req: SurfaceRequest,
    extra?: ArrayLike<number>,
  ): Promise<{ candidates: Candidate[]; ranker: Float64Array; memboost: Float64Array; final: Float64Array }> {
    if (!Array.isArray(req.queryPins) || req.queryPins.length === 0) throw new RangeError('related pins: at least one query pin is required');
    const dups = this.o.duplicates;
    const queries = dups ? req.queryPins.map((p) => dups.originalOf(p)) : req.queryPins.slice();
    const blocked = new Set<number>([...req.queryPins, ...queries]);
    const origins = dups ? new Set(queries) : null;
    const skip = (p: number): boolean =>
      blocked.has(p) || (req.exclude !== undefined && req.exclude.has(p)) || (origins !== null && origins.has(dups!.originalOf(p)));

    const genReq: CandidateRequest = { ...req, queryPins: queries };
    const lists = this.o.sources.map((s) => ({
      source: s.generator.name,
      quota: s.quota,
      candidates: s.generator.generate({ ...genReq, limit: Math.ceil(s.quota * this.o.overfetch) }).filter((c) => !skip(c.pin)),
    }));
    const merged = mergeCandidates(lists, { limit: this.o.candidates });

    // Memboost: remembered engagement per query pin, scores and insertion
    const params = this.o.memboost;
    const rows: MemoryRow[] = [];
    if (this.o.memory) for (const q of queries) rows.push(await this.o.memory.row(q));
    const present = new Set(merged.map((c) => c.pin));
    for (const row of rows) {
      for (const c of rememberedCandidates(row, present, params, this.o.insertion, skip)) {
        present.add(c.pin);
        merged.push(c);
      }
    }
    if (extra) {
      for (let k = 0; k < extra.length; k++) {
        const p = extra[k]!;
        if (present.has(p) || skip(p)) continue;
        present.add(p);
        merged.push({ pin: p, score: 0, sources: [], features: {} });
      }
    }
    // several query pins: the weighted mean of MB(q, r), pairs without memory counting 0, so
    // MB keeps the scale γ was set for on single-pin requests
    const mb = new Float64Array(merged.length);
    if (rows.length > 0) {
      let wsum = 0;
      for (let k = 0; k < rows.length; k++) wsum += req.queryWeights ? req.queryWeights[k]! : 1;
      for (let i = 0; i < merged.length; i++) {
        const c = merged[i]!;
        let s = 0;
        let n = 0;
        for (let k = 0; k < rows.length; k++) {
          const v = rows[k]!.get(c.pin);
          if (!v) continue;
          s += (req.queryWeights ? req.queryWeights[k]! : 1) * memboostScore(v, v.subarray(EXPECTED_OFFSET), params);
          n++;
        }
        mb[i] = wsum > 0 ? s / wsum : 0;
        if (n > 0) c.features.memboost = mb[i]!;
      }
    }
    const rs = this.ranker.score(genReq, merged);
    if (rs.length !== merged.length) throw new Error(`related pins: ranker ${this.ranker.name} returned ${rs.length} scores for ${merged.length} candidates`);
    const fin = new Float64Array(merged.length);
    for (let i = 0; i < merged.length; i++) fin[i] = rs[i]! + params.gamma * mb[i]!;
    return { candidates: merged, ranker: rs, memboost: mb, final: fin };
  }
}

/** Catalogue rows as storage lists them (structural: no storage import here). */
export interface PinCatalogueRow {
  id: string;
  text?: string;
  annotations?: string[];
  embeddings?: Record<string, number[]>;
}

/** Per-pin text documents (annotations, then free text) in the graph's dense order. */
export function pinDocuments(rows: Iterable<PinCatalogueRow>, pins: { size: number; get(id: string): number }): (string | null)[] {
  const docs: (string | null)[] = new Array<string | null>(pins.size).fill(null);
  for (const r of rows) {
    const p = pins.get(r.id);
    if (p < 0) continue;
    const parts = [...(r.annotations ?? []), r.text ?? ''].filter((x) => x.length > 0);
    if (parts.length > 0) docs[p] = parts.join(' ');
  }
  return docs;
}

/** A named embedding of catalogue rows as a vector column in the graph's dense order. */
export function vectorColumnFromRows(name: string, rows: Iterable<PinCatalogueRow>, pins: { size: number; get(id: string): number }): VectorColumn | null {
  let dim = 0;
  let vectors: Float32Array = new Float32Array(0);
  const present = new Uint8Array(pins.size);
  for (const r of rows) {
    const v = r.embeddings?.[name];
    const p = pins.get(r.id);
    if (!v || p < 0) continue;
    if (dim === 0) {
      dim = v.length;
      if (dim === 0) throw new RangeError(`embedding ${name} of pin ${r.id} is empty`);
      vectors = new Float32Array(pins.size * dim);
    }
    if (v.length !== dim) throw new RangeError(`embedding ${name} of pin ${r.id} has ${v.length} dims, expected ${dim}`);
    vectors.set(v, p * dim);
    present[p] = 1;
  }
  return dim === 0 ? null : { name, dim, vectors, present };
}

export interface RelatedPinsArtefacts {
  graph: PinBoardGraph;
  /** remembered engagement: tableMemory(table) or a RealtimeMemboost */
  memory?: MemoryProvider;
  memboost?: MemboostParams;
  ranker?: Ranker;
  /** BM25 over pin annotations/text (Bm25Index.build(pinDocuments(...))) */
  text?: Bm25Index;
  /** a visual (or any) embedding column: nearest neighbours through HNSW, near-duplicate mapping */
  visual?: VectorColumn;
  /** Pin2Vec vectors (trainPin2Vec) */
  pin2vec?: VectorColumn;
}

export interface RelatedPinsSetup {
  quotas: Partial<Record<'pixie' | 'board' | 'pin2vec' | 'text' | 'visual' | 'locale', number>>;
  pixie: Partial<PixieOptions>;
  /** Pixie's locale bias strength (1 = off) */
  localeBias: number;
  /** near-duplicate distance threshold on the visual column (0 = no duplicate mapping) */
  duplicateThreshold: number;
  candidates: number;
  insertion: Partial<InsertionOptions>;
  hnsw: Partial<HnswOptions>;
}

export const DEFAULT_RELATED_SETUP: RelatedPinsSetup = {
  quotas: { pixie: 60, board: 40, pin2vec: 30, text: 30, visual: 30, locale: 20 },
  pixie: { steps: 50_000 },
  localeBias: 4,
  duplicateThreshold: 0.02,
  candidates: 200,
  insertion: {},
  hnsw: {},
};

/**
 * The standard Related Pins surface from whatever artefacts exist: Pixie and board
 * co-occurrence always; Pin2Vec, text and visual when given; a locale-segmented Pixie when the
 * graph has pin locales; near-duplicate mapping when a visual column is given. Generators keep
 * scratch buffers but run synchronously inside one request, so one surface serves a process.
 */
export function createRelatedPins(a: RelatedPinsArtefacts, setup: Partial<RelatedPinsSetup> = {}): RelatedPinsSurface {
  const o: RelatedPinsSetup = { ...DEFAULT_RELATED_SETUP, ...setup, quotas: { ...DEFAULT_RELATED_SETUP.quotas, ...setup.quotas } };
  const q = o.quotas;
  const g = a.graph;
  const walker = new PixieWalker(g);
  const pixie = new PixieGenerator(walker, { walk: o.pixie, localeBias: o.localeBias });
  const sources: RelatedSource[] = [
    { generator: pixie, quota: q.pixie ?? 60 },
    { generator: new BoardCooccurrenceGenerator(g), quota: q.board ?? 40 },
  ];
  if (a.pin2vec) sources.push({ generator: new Pin2VecGenerator(a.pin2vec, new ExactCosineIndex(a.pin2vec)), quota: q.pin2vec ?? 30 });
  if (a.text) sources.push({ generator: new TextGenerator(a.text), quota: q.text ?? 30 });
  let duplicates: NearDuplicates | undefined;
  if (a.visual) {
    const index = new HnswIndex(a.visual, o.hnsw);
    if (o.duplicateThreshold > 0) {
      const degree = new Float64Array(g.numPins);
      for (let p = 0; p < g.numPins; p++) degree[p] = g.pinDegree(p);
      duplicates = NearDuplicates.detect(a.visual, index, { threshold: o.duplicateThreshold, priority: degree });
    }
    sources.push({ generator: new VisualGenerator(a.visual, index, duplicates), quota: q.visual ?? 30 });
  }
  if (g.meta.pins.locale) {
    // a second walker: the locale source must not share scratch arrays with the main Pixie source
    const local = new PixieGenerator(new PixieWalker(g), { walk: o.pixie, localeBias: Math.max(2, o.localeBias) }, 'pixie');
    sources.push({ generator: new LocaleSegmentedGenerator(local, g.meta.pins.locale), quota: q.locale ?? 20 });
    sources.push({ generator: new LocaleSegmentedGenerator(new BoardCooccurrenceGenerator(g), g.meta.pins.locale), quota: q.locale ?? 20 });
  }
  return new RelatedPinsSurface({
    sources,
    ranker: a.ranker,
    memory: a.memory,
    memboost: a.memboost ?? DEFAULT_MEMBOOST,
    insertion: o.insertion,
    candidates: o.candidates,
    duplicates,
  });
}
