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
 * The default ranker when no trained model exists: score = Σ_s w_s · src_s + bonus · (sources − 1),
 * where src_s is source s's score normalised by its best candidate (merge.ts). Agreement between
 * independent sources is the strongest untrained signal, hence the bonus.
 */
export class BlendRanker implements Ranker {
  readonly name = 'blend';

  constructor(
    readonly weights: Record<string, number> = {},
    readonly agreementBonus = 0.25,
  ) {}

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
 * final = ranker score + γ · Σ_q MB(q, r) over the query pins (one for Related Pins proper).
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
    if (!Array.isArray(req.queryPins) || req.queryPins.length === 0) throw new RangeError('related pins: at least one query pin is required');
    if (!Number.isInteger(req.limit) || req.limit < 0) throw new RangeError(`related pins: limit must be an integer >= 0, got ${req.limit}`);
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
    const mb = new Float64Array(merged.length);
    if (rows.length > 0) {
      for (let i = 0; i < merged.length; i++) {
        const c = merged[i]!;
        let s = 0;
        let n = 0;
        for (const row of rows) {
          const v = row.get(c.pin);
          if (!v) continue;
          s += memboostScore(v, v.subarray(EXPECTED_OFFSET), params);
          n++;
        }
        mb[i] = s;
        if (n > 0) c.features.memboost = s;
      }
    }

    const rs = this.ranker.score(genReq, merged);
    if (rs.length !== merged.length) throw new Error(`related pins: ranker ${this.ranker.name} returned ${rs.length} scores for ${merged.length} candidates`);
    const order = Array.from({ length: merged.length }, (_, i) => i);
    const fin = new Float64Array(merged.length);
    for (let i = 0; i < merged.length; i++) fin[i] = rs[i]! + params.gamma * mb[i]!;
    order.sort((a, b) => fin[b]! - fin[a]! || merged[a]!.pin - merged[b]!.pin);
    const out: RecommendedPin[] = [];
    for (const i of order) {
      if (out.length >= req.limit) break;
      const c = merged[i]!;
      const parts: Record<string, number> = {};
      if (req.explain) {
        Object.assign(parts, c.features);
        parts.ranker = rs[i]!;
        parts.memboost = mb[i]!;
        parts.memboostBoost = params.gamma * mb[i]!;
      }
      out.push({ pin: c.pin, score: fin[i]!, sources: c.sources, parts });
    }
    return out;
  }
}
