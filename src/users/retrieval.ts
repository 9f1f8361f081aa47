import type { Candidate, CandidateGenerator, CandidateRequest } from '../candidates/types.js';
import { Rng } from '../util/rng.js';
import type { PixieWalker } from '../walk/pixie.js';
import { vectorOf, type EmbeddingTable } from './embeddings.js';
import type { NeighbourIndex } from './neighbour-index.js';
import type { InterestCluster, UserProfile } from './pinnersage.js';
import { sampleProportional } from './sampling.js';

/** Where retrieval reads a user's clusters from (batch store, or batch merged with today's). */
export interface ProfileSource {
  get(user: number): UserProfile | undefined;
}

export interface PinnerSageRetrievalOptions {
  /** medoids sampled per request, proportional to importance */
  medoids: number;
  /** Pixie steps per sampled medoid; 0 turns the Pixie list off */
  pixieSteps: number;
  /** leave out pins the user already engaged with (in any cluster) */
  excludeEngaged: boolean;
}

export const DEFAULT_PINNERSAGE_RETRIEVAL: PinnerSageRetrievalOptions = { medoids: 3, pixieSteps: 0, excludeEngaged: true };

/** Round-robin merge of ranked lists: first of each list, then second of each, ...; unique pins. */
export function interleave(lists: ArrayLike<number>[], limit: number, exclude?: Set<number>): { pins: number[]; list: number[] } {
  const pins: number[] = [];
  const list: number[] = [];
  const seen = new Set<number>(exclude);
  const cursor = new Int32Array(lists.length);
  let live = true;
  while (pins.length < limit && live) {
    live = false;
    for (let l = 0; l < lists.length && pins.length < limit; l++) {
      const a = lists[l]!;
      while (cursor[l]! < a.length && seen.has(a[cursor[l]!]!)) cursor[l]!++;
      if (cursor[l]! >= a.length) continue;
      live = true;
      const p = a[cursor[l]!++]!;
      seen.add(p);
      pins.push(p);
      list.push(l);
    }
  }
  return { pins, list };
}

/**
 * PinnerSage retrieval: sample medoids by importance (seeded by the request), take each
 * medoid's nearest pins from the ANN index (and optionally its Pixie neighbours), interleave.
 */
export class PinnerSageRetriever implements CandidateGenerator {
  readonly name = 'pinnersage';
  private readonly o: PinnerSageRetrievalOptions;

  constructor(
    private readonly profiles: ProfileSource,
    private readonly emb: EmbeddingTable,
    private readonly index: NeighbourIndex,
    options: Partial<PinnerSageRetrievalOptions> = {},
    private readonly walker?: PixieWalker,
  ) {
    this.o = { ...DEFAULT_PINNERSAGE_RETRIEVAL, ...options };
    if (!Number.isInteger(this.o.medoids) || this.o.medoids < 1) throw new RangeError(`pinnersage: medoids must be an integer >= 1, got ${this.o.medoids}`);
    if (!Number.isInteger(this.o.pixieSteps) || this.o.pixieSteps < 0) throw new RangeError(`pinnersage: pixieSteps must be an integer >= 0, got ${this.o.pixieSteps}`);
    if (this.o.pixieSteps > 0 && !walker) throw new Error('pinnersage: pixieSteps > 0 needs a PixieWalker');
    if (index.dim !== emb.dim) throw new RangeError(`pinnersage: index dimension ${index.dim} differs from embedding dimension ${emb.dim}`);
  }

  /** The clusters one request uses: `medoids` of them, drawn by importance with the seed. */
  sampleClusters(profile: UserProfile, seed: number): InterestCluster[] {
    const w = profile.clusters.map((c) => c.importance);
    return sampleProportional(w, this.o.medoids, new Rng(seed)).map((i) => profile.clusters[i]!);
  }

  generate(req: CandidateRequest): Candidate[] {
    if (req.user === undefined) return [];
    const profile = this.profiles.get(req.user);
    if (!profile || profile.clusters.length === 0 || req.limit <= 0) return [];
    const picked = this.sampleClusters(profile, req.seed);
    const exclude = new Set<number>();
    if (this.o.excludeEngaged) for (const c of profile.clusters) for (const p of c.pins) exclude.add(p);
    const per = Math.ceil(req.limit / picked.length) + (this.o.excludeEngaged ? exclude.size : 0);
    const lists: Uint32Array[] = [];
    const cos: Float64Array[] = [];
    const listCluster: number[] = [];
    const listKind: string[] = [];
    for (let ci = 0; ci < picked.length; ci++) {
      const c = picked[ci]!;
      const r = this.index.search(vectorOf(this.emb, c.medoid), per);
      lists.push(r.ids);
      cos.push(r.scores);
      listCluster.push(ci);
      listKind.push('ann');
      if (this.o.pixieSteps > 0) {
        const px = this.walker!.query([c.medoid], undefined, { steps: this.o.pixieSteps, topK: per, seed: (req.seed + ci * 7919) >>> 0, countBoards: false });
        lists.push(px.pins);
        cos.push(px.scores);
        listCluster.push(ci);
        listKind.push('pixie');
      }
    }
    const merged = interleave(lists, req.limit, exclude);
    const out: Candidate[] = [];
    for (let r = 0; r < merged.pins.length; r++) {
      const pin = merged.pins[r]!;
      const l = merged.list[r]!;
      const c = picked[listCluster[l]!]!;
      const pos = lists[l]!.indexOf(pin);
      const features: Record<string, number> = {
        pinnersageRank: r,
        clusterImportance: c.importance,
        clusterMedoid: c.medoid,
      };
      features[listKind[l] === 'ann' ? 'cosine' : 'pixieVisits'] = cos[l]![pos]!;
      out.push({ pin, score: merged.pins.length - r, sources: [listKind[l] === 'ann' ? 'pinnersage' : 'pinnersage_pixie'], features });
    }
    return out;
  }
}
