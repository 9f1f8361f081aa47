import { floorBlend } from '../blend/floor.js';
import { mergeCandidates, type SourceList } from '../blend/merge.js';
import { ratioBlend } from '../blend/ratio.js';
import type { Candidate, CandidateGenerator, CandidateRequest } from '../candidates/types.js';
import { GbdtRanker } from '../ranking/gbdt-ranker.js';
import type { Ranker } from '../ranking/ranker.js';
import type { EmbeddingTable } from '../users/embeddings.js';
import type { NeighbourIndex } from '../users/neighbour-index.js';
import { computeProfile, type Action, type PinnerSageOptions, type UserProfile } from '../users/pinnersage.js';
import { PinnerSageRetriever, type PinnerSageRetrievalOptions } from '../users/retrieval.js';
import { BlendRanker } from './related-pins.js';
import type { RecommendedPin, Surface, SurfaceRequest } from './types.js';

/** One candidate source of the home feed and the most pins it may add to the merged list. */
export interface HomeFeedSource {
  generator: CandidateGenerator;
  quota: number;
}

/** How fresh pins enter the ranked list. */
export type HomeFeedBlend = { mode: 'ratio'; every: number } | { mode: 'floor'; topK: number; minShare: number } | { mode: 'none' };

export interface HomeFeedOptions {
  /** regular sources (Pixie, two-tower, PinnerSage, ...): merged with quotas, then ranked */
  sources: HomeFeedSource[];
  /** fresh sources (fresh boards, fresh neighbours): merged with quotas, blended into the ranked list */
  fresh: HomeFeedSource[];
  /** default: BlendRanker (weighted sum of normalised source scores) */
  ranker?: Ranker;
  /** merged regular candidates handed to the ranker (default 200) */
  candidates: number;
  /** each source is asked for quota × overfetch pins (default 2) */
  overfetch: number;
  blend: HomeFeedBlend;
  /** answers when no source has anything (a new user): e.g. the Pixie home feed's popular pins */
  fallback?: Surface;
  /** with explain, GBDT feature contributions are computed for this many top pins (default 50) */
  explainTop: number;
}

export const DEFAULT_HOMEFEED_BLEND: HomeFeedBlend = { mode: 'ratio', every: 5 };

/**
 * Home feed: regular sources → merge with quotas → ranker; fresh sources → merge; then fresh
 * pins are blended in (ratio: every n-th slot; floor: a minimum share of the top K). Any source
 * may be absent; with no candidates at all the fallback surface answers.
 */
export class HomeFeedSurface implements Surface {
  readonly name = 'homefeed';
  private readonly o: HomeFeedOptions;
  private readonly ranker: Ranker;

  constructor(options: Partial<HomeFeedOptions> & { sources: HomeFeedSource[] }) {
    this.o = { fresh: [], candidates: 200, overfetch: 2, blend: DEFAULT_HOMEFEED_BLEND, explainTop: 50, ...options };
    const names = new Set<string>();
    for (const s of [...this.o.sources, ...this.o.fresh]) {
      if (names.has(s.generator.name)) throw new Error(`home feed: two sources are named ${s.generator.name}`);
      names.add(s.generator.name);
      if (!Number.isInteger(s.quota) || s.quota < 0) throw new RangeError(`home feed: quota of ${s.generator.name} must be an integer >= 0, got ${s.quota}`);
    }
    if (!Number.isInteger(this.o.candidates) || this.o.candidates < 1) throw new RangeError(`home feed: candidates must be an integer >= 1, got ${this.o.candidates}`);
    if (!(this.o.overfetch >= 1)) throw new RangeError(`home feed: overfetch must be >= 1, got ${this.o.overfetch}`);
    checkBlend(this.o.blend);
    this.ranker = this.o.ranker ?? new BlendRanker();
  }

  get rankerName(): string {
    return this.ranker.name;
  }

  get sourceNames(): string[] {
    return [...this.o.sources, ...this.o.fresh].map((s) => s.generator.name);
  }

  async recommend(req: SurfaceRequest): Promise<RecommendedPin[]> {
    if (!Number.isInteger(req.limit) || req.limit < 0) throw new RangeError(`home feed: limit must be an integer >= 0, got ${req.limit}`);
    if (req.limit === 0) return [];
    const blocked = new Set<number>(req.queryPins);
    const skip = (p: number): boolean => blocked.has(p) || (req.exclude !== undefined && req.exclude.has(p));
    const gather = (srcs: HomeFeedSource[]): SourceList[] =>
      srcs.map((s) => ({
        source: s.generator.name,
        quota: s.quota,
        candidates: req.queryPins.length === 0 ? [] : s.generator.generate({ ...req, limit: Math.ceil(s.quota * this.o.overfetch) }).filter((c) => !skip(c.pin)),
      }));
    const merged = mergeCandidates(gather(this.o.sources), { limit: this.o.candidates });
    const freshLists = gather(this.o.fresh);
    let freshTotal = 0;
    for (const l of freshLists) freshTotal += l.quota;
    const freshMerged = mergeCandidates(freshLists, { limit: freshTotal });
    if (merged.length === 0 && freshMerged.length === 0) return this.o.fallback ? this.o.fallback.recommend(req) : [];

    const regular = this.rank(req, merged);
    const fresh: RecommendedPin[] = freshMerged.map((c) => ({
      pin: c.pin,
      score: c.score,
      sources: c.sources,
      parts: req.explain ? { ...c.features, freshScore: c.score } : {},
      fresh: true,
    }));
    if (fresh.length === 0 || this.o.blend.mode === 'none') return regular.slice(0, req.limit);
    if (this.o.blend.mode === 'ratio') return ratioBlend(regular, fresh, this.o.blend.every, req.limit);
    return floorBlend(regular, fresh, { topK: this.o.blend.topK, minShare: this.o.blend.minShare, limit: req.limit });
  }

  /** Ranker scores, highest first (ties: smaller pin id), with explain parts. */
  private rank(req: SurfaceRequest, merged: Candidate[]): RecommendedPin[] {
    if (merged.length === 0) return [];
    const scores = this.ranker.score(req, merged);
    if (scores.length !== merged.length) throw new Error(`home feed: ranker ${this.ranker.name} returned ${scores.length} scores for ${merged.length} candidates`);
    const order = Array.from({ length: merged.length }, (_, i) => i);
    order.sort((a, b) => scores[b]! - scores[a]! || merged[a]!.pin - merged[b]!.pin);
    const n = Math.min(order.length, req.limit);
    let contrib: Record<string, number>[] | null = null;
    if (req.explain && this.ranker instanceof GbdtRanker) {
      const top = order.slice(0, Math.min(n, this.o.explainTop)).map((i) => merged[i]!);
      contrib = this.ranker.explain(req, top);
    }
    const out: RecommendedPin[] = [];
    for (let k = 0; k < n; k++) {
      const i = order[k]!;
      const c = merged[i]!;
      const parts: Record<string, number> = {};
      if (req.explain) {
        Object.assign(parts, c.features);
        parts.ranker = scores[i]!;
        const ck = contrib?.[k];
        if (ck) for (const [f, v] of Object.entries(ck)) parts[`gbdt:${f}`] = v;
      }
      out.push({ pin: c.pin, score: scores[i]!, sources: c.sources, parts });
    }
    return out;
  }
}

function checkBlend(b: HomeFeedBlend): void {
  if (b.mode === 'ratio') {
    if (!Number.isInteger(b.every) || b.every < 1) throw new RangeError(`home feed: blend.every must be an integer >= 1, got ${b.every}`);
  } else if (b.mode === 'floor') {
    if (!Number.isInteger(b.topK) || b.topK < 1) throw new RangeError(`home feed: blend.topK must be an integer >= 1, got ${b.topK}`);
    if (!(b.minShare >= 0 && b.minShare <= 1)) throw new RangeError(`home feed: blend.minShare must be in [0, 1], got ${b.minShare}`);
  } else if (b.mode !== 'none') throw new RangeError(`home feed: blend.mode must be ratio, floor or none, got ${JSON.stringify((b as { mode: unknown }).mode)}`);
}

export interface OnDemandPinnerSageOptions {
  /** half-life the query weights were decayed with (the engine's homefeedHalfLifeMs) */
  halfLifeMs: number;
  profile: Partial<PinnerSageOptions>;
  retrieval: Partial<PinnerSageRetrievalOptions>;
}

/**
 * PinnerSage from the request alone: the home-feed query pins are the user's recent engaged
 * pins, weighted by 2^(−age/halfLife) (the engine's userQuery), so each weight gives back an
 * action age. Those actions are clustered (Ward, medoids, importance) per request and the
 * PinnerSageRetriever samples medoids and queries the embedding index. The cost is Ward on at
 * most `homefeedQueryPins` pins: small.
 */
export class OnDemandPinnerSage implements CandidateGenerator {
  readonly name = 'pinnersage';
  private profile: UserProfile | undefined;
  private readonly retriever: PinnerSageRetriever;

  constructor(
    private readonly emb: EmbeddingTable,
    index: NeighbourIndex,
    private readonly o: OnDemandPinnerSageOptions,
  ) {
    if (!(o.halfLifeMs > 0)) throw new RangeError(`pinnersage: halfLifeMs must be > 0, got ${o.halfLifeMs}`);
    this.retriever = new PinnerSageRetriever({ get: () => this.profile }, emb, index, o.retrieval);
  }

  /** The interest clusters of one request's query pins (exposed for tests and explain). */
  profileOf(req: CandidateRequest): UserProfile {
    const now = req.now ?? 0;
    let maxW = 0;
    for (let i = 0; i < req.queryPins.length; i++) maxW = Math.max(maxW, req.queryWeights?.[i] ?? 1);
    const actions: Action[] = [];
    for (let i = 0; i < req.queryPins.length; i++) {
      const w = req.queryWeights?.[i] ?? 1;
      if (!(w > 0)) continue;
      // weight ratio → age: w/maxW = 2^(−age/halfLife)
      const age = Math.max(0, -Math.log2(w / maxW) * this.o.halfLifeMs);
      actions.push({ pin: req.queryPins[i]!, timestamp: now - age });
    }
    return computeProfile(0, actions, this.emb, now, this.o.profile);
  }

  generate(req: CandidateRequest): Candidate[] {
    if (req.queryPins.length === 0 || req.limit === 0) return [];
    this.profile = this.profileOf(req);
    try {
      return this.retriever.generate({ ...req, user: 0 });
    } finally {
      this.profile = undefined;
    }
  }
}
