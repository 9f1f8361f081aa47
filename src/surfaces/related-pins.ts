import type { NearDuplicates } from '../candidates/near-duplicates.js';
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
