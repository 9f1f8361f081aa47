import { floorBlend } from '../blend/floor.js';
import { freshShare, ratioBlend } from '../blend/ratio.js';
import { freshPinsOfBoards, DEFAULT_FRESH_BOARDS } from '../candidates/fresh-boards.js';
import { buildNewNeighbours, FreshNeighbourCounter, FreshNeighbourMap } from '../candidates/fresh-neighbours.js';
import { evalUsers, userItemsOf, type EvalDataset } from '../eval/datasets.js';
import { PinBoardGraph } from '../graph/graph.js';
import { IdMap } from '../graph/id-map.js';
import type { RecommendedPin } from '../surfaces/types.js';
import { hashSeed, Rng } from '../util/rng.js';
import { PixieWalker } from '../walk/pixie.js';
import { makeEmbeddingTable } from './embeddings.js';
import { DAY_MS } from './importance.js';
import { ExactNeighbourIndex } from './neighbour-index.js';
import { svdItemEmbeddings } from './svd-embeddings.js';

/**
 * Freshness on the leave-one-out sets, which have no creation times, so they are SIMULATED
 * (seeded): a random `freshFraction` of items is "fresh" (created uniformly in the last
 * `freshDays`), the rest are old. To give fresh items the little graph signal real new pins
 * have, the Pixie graph keeps only `keepEdges` random training edges of each fresh item. The
 * fresh-neighbour map uses SVD item embeddings of the full training matrix as a stand-in for a
 * content embedding (so it knows more than a real content model would; said in the report).
 *
 * Per user, Pixie from the user's items scores the held-out item and its negatives ("base").
 * The fresh sources (related boards → newest fresh pins; votes of Pixie's top pins for their
 * fresh neighbours) give a fresh list; ratio blending puts one in every `ratioEvery` slots and
 * floor blending lifts the best-ranked fresh candidates to `floorShare` of the top K.
 */
export interface FreshnessEvalOptions {
  freshFraction: number;
  freshDays: number;
  keepEdges: number;
  steps: number;
  /** Pixie top pins that vote for fresh neighbours */
  voters: number;
  /** related boards whose newest fresh pins are taken */
  boards: number;
  pinsPerBoard: number;
  neighbourK: number;
  embeddingDim: number;
  ratioEvery: number;
  floorShare: number;
  k: number;
  seed: number;
  /** evaluate a seeded sample of this many users (0 = all) */
  users: number;
}

export const DEFAULT_FRESHNESS_EVAL: FreshnessEvalOptions = {
  freshFraction: 0.1,
  freshDays: 7,
  keepEdges: 2,
  steps: 20_000,
  voters: 200,
  boards: 30,
  pinsPerBoard: 3,
  neighbourK: 10,
  embeddingDim: 64,
  ratioEvery: 5,
  floorShare: 0.2,
  k: 10,
  seed: 1,
  users: 0,
};

export interface VariantFigures {
  hr: number;
  ndcg: number;
  /** share of fresh items in the top K of the candidate-list ranking */
  freshShare: number;
  /** HR@K over the users whose held-out item is fresh */
  hrFreshHeldOut: number;
  /** share of fresh items in the top K of full-catalogue recommendations (train items excluded) */
  catalogueFreshShare: number;
}

export interface FreshnessReport {
  dataset: string;
  users: number;
  freshItems: number;
  freshHeldOutUsers: number;
  base: VariantFigures;
  ratio: VariantFigures;
  floor: VariantFigures;
  /** fraction of fresh held-out items that the fresh sources proposed */
  freshSourceRecall: number;
  /** mean number of fresh items the sources proposed per user */
  meanFreshProposed: number;
  seconds: number;
  options: FreshnessEvalOptions;
}

export const FRESH_EVAL_NOW = Date.UTC(2026, 0, 1);

/** Seeded creation times: fresh items within `freshDays` of now, the rest 30–730 days old. */
export function simulateCreation(numItems: number, freshFraction: number, freshDays: number, seed: number): { createdAt: Float64Array; isFresh: Uint8Array } {
  if (!(freshFraction >= 0 && freshFraction <= 1)) throw new RangeError(`freshness eval: freshFraction must be in [0, 1], got ${freshFraction}`);
  const rng = new Rng(seed);
  const createdAt = new Float64Array(numItems);
  const isFresh = new Uint8Array(numItems);
  for (let i = 0; i < numItems; i++) {
    if (rng.next() < freshFraction) {
      isFresh[i] = 1;
      createdAt[i] = FRESH_EVAL_NOW - rng.next() * freshDays * DAY_MS;
    } else createdAt[i] = FRESH_EVAL_NOW - (30 + rng.next() * 700) * DAY_MS;
  }
  return { createdAt, isFresh };
}

/** Items as pins, users as boards; fresh items keep only `keepEdges` random edges. */
export function freshnessGraph(ds: EvalDataset, isFresh: Uint8Array, createdAt: Float64Array, keepEdges: number, seed: number): PinBoardGraph {
  const rng = new Rng(seed);
  const byItem: number[][] = Array.from({ length: ds.numItems }, () => []);
  for (let u = 0; u < ds.numUsers; u++) for (const it of userItemsOf(ds, u)) byItem[it]!.push(u);
  const ep: number[] = [];
  const eb: number[] = [];
  for (let it = 0; it < ds.numItems; it++) {
    const us = byItem[it]!;
    if (isFresh[it] && us.length > keepEdges) {
      rng.shuffle(us);
      us.length = keepEdges;
    }
    for (const u of us) {
      ep.push(it);
      eb.push(u);
    }
  }
  return PinBoardGraph.fromEdges(Uint32Array.from(ep), Uint32Array.from(eb), ds.numItems, ds.numUsers, IdMap.identity(ds.numItems), IdMap.identity(ds.numUsers), {
    pins: { createdAt },
    boards: {},
  });
}

class Acc {
  hits = 0;
  gain = 0;
  n = 0;
  share = 0;
  freshHits = 0;
  freshN = 0;
  cat = 0;
  catN = 0;
  add(rank: number, k: number, list: readonly RecommendedPin[], heldFresh: boolean): void {
    if (rank < k) {
      this.hits++;
      this.gain += 1 / Math.log2(rank + 2);
      if (heldFresh) this.freshHits++;
    }
    if (heldFresh) this.freshN++;
    this.share += freshShare(list, k);
    this.n++;
  }
  figures(): VariantFigures {
    return {
      hr: this.hits / Math.max(1, this.n),
      ndcg: this.gain / Math.max(1, this.n),
      freshShare: this.share / Math.max(1, this.n),
      hrFreshHeldOut: this.freshHits / Math.max(1, this.freshN),
      catalogueFreshShare: this.cat / Math.max(1, this.catN),
    };
  }
}

export function evaluateFreshness(ds: EvalDataset, options: Partial<FreshnessEvalOptions> = {}): FreshnessReport {
  const t0 = performance.now();
  const o = { ...DEFAULT_FRESHNESS_EVAL, ...options };
  for (const key of ['keepEdges', 'steps', 'voters', 'boards', 'pinsPerBoard', 'neighbourK', 'embeddingDim', 'ratioEvery', 'k'] as const)
    if (!Number.isInteger(o[key]) || o[key] < 1) throw new RangeError(`freshness eval: ${key} must be an integer >= 1, got ${o[key]}`);
  if (!(o.floorShare >= 0 && o.floorShare <= 1)) throw new RangeError(`freshness eval: floorShare must be in [0, 1], got ${o.floorShare}`);
  const { createdAt, isFresh } = simulateCreation(ds.numItems, o.freshFraction, o.freshDays, o.seed);
  const g = freshnessGraph(ds, isFresh, createdAt, o.keepEdges, o.seed + 1);
  const walker = new PixieWalker(g);

  // new-neighbour map: fresh item -> nearest established items by (stand-in) content embedding
  const emb = makeEmbeddingTable(svdItemEmbeddings(ds.userOffsets, ds.userItems, ds.numItems, { dim: o.embeddingDim, seed: o.seed }), o.embeddingDim);
  const fresh: number[] = [];
  const est: number[] = [];
  for (let i = 0; i < ds.numItems; i++) (isFresh[i] ? fresh : est).push(i);
  const index = new ExactNeighbourIndex(emb, est);
  const fwd = buildNewNeighbours(
    { fresh, established: est, numPins: ds.numItems, embeddings: emb, embeddingSearch: (v, k) => index.search(v, k) },
    { k: o.neighbourK, embeddingWeight: 1, textWeight: 0, candidates: o.neighbourK },
  );
  const counter = new FreshNeighbourCounter(FreshNeighbourMap.invert(fwd.freshPins, fwd.offsets, fwd.neighbours, fwd.sims, ds.numItems));
  const boardOpts = { ...DEFAULT_FRESH_BOARDS, freshDays: o.freshDays, boards: o.boards, pinsPerBoard: o.pinsPerBoard };

  let users = evalUsers(ds);
  if (o.users > 0 && o.users < users.length) {
    const all = Array.from(users);
    new Rng(o.seed).shuffle(all);
    users = Uint32Array.from(all.slice(0, o.users).sort((a, b) => a - b));
  }
  const base = new Acc();
  const ratio = new Acc();
  const floor = new Acc();
  let freshHeld = 0;
  let freshFound = 0;
  let proposedSum = 0;
  const srcRank = new Float64Array(ds.numItems).fill(-1);
  for (const u of users) {
    const q = userItemsOf(ds, u);
    const exclude = new Set<number>(q);
    const r = walker.query(q, undefined, { steps: o.steps, topK: o.voters, seed: hashSeed(String(u), o.seed) });
    const negs = ds.negatives.subarray(ds.negOffsets[u]!, ds.negOffsets[u + 1]!);
    const cand = [ds.heldOut[u]!, ...negs];
    const pix = cand.map((it) => walker.score(it));
    // pessimistic order: the held-out item (index 0) after negatives with an equal score
    const order = cand.map((_, i) => i).sort((a, b) => pix[b]! - pix[a]! || (a === 0 ? 1 : 0) - (b === 0 ? 1 : 0) || a - b);
    const n = cand.length;
    // RecommendedPin.pin = index into cand (negatives may repeat items)
    const regular: RecommendedPin[] = order.map((i, rank) => ({ pin: i, score: n - rank, sources: ['pixie'], parts: {}, fresh: isFresh[cand[i]!] === 1 }));
    const heldFresh = isFresh[cand[0]!] === 1;
    const rankOf = (list: readonly RecommendedPin[]): number => {
      const p = list.findIndex((x) => x.pin === 0);
      return p < 0 ? n : p;
    };

    // fresh sources: interleave votes and related-board pins
    const votes = counter.count(r.pins, 200, exclude);
    const byBoards = freshPinsOfBoards(g, r.boards, r.boardScores, FRESH_EVAL_NOW, boardOpts, exclude);
    const srcList: number[] = [];
    for (let i = 0; i < Math.max(votes.length, byBoards.length); i++) {
      for (const l of [votes, byBoards]) {
        const it = l[i]?.pin;
        if (it !== undefined && srcRank[it] === -1) {
          srcRank[it] = srcList.length;
          srcList.push(it);
        }
      }
    }
    proposedSum += srcList.length;
    if (heldFresh) {
      freshHeld++;
      if (srcRank[cand[0]!]! >= 0) freshFound++;
    }
    // fresh list over candidates: proposed ones by source rank, then the other fresh ones by Pixie
    const freshIdx = order.filter((i) => isFresh[cand[i]!] === 1);
    const proposed = freshIdx.filter((i) => srcRank[cand[i]!]! >= 0).sort((a, b) => srcRank[cand[a]!]! - srcRank[cand[b]!]! || a - b);
    const others = freshIdx.filter((i) => srcRank[cand[i]!]! < 0);
    const freshByIdx = new Map(regular.map((p) => [p.pin, p]));
    const freshList = [...proposed, ...others].map((i) => freshByIdx.get(i)!);

    base.add(rankOf(regular), o.k, regular, heldFresh);
    const rl = ratioBlend(regular, freshList, o.ratioEvery, n);
    ratio.add(rankOf(rl), o.k, rl, heldFresh);
    const fl = floorBlend(regular, freshByRanker(regular), { topK: o.k, minShare: o.floorShare, limit: n });
    floor.add(rankOf(fl), o.k, fl, heldFresh);

    // full catalogue: Pixie's top K (train items excluded) before and after blending
    const catRegular: RecommendedPin[] = [];
    for (let i = 0; i < r.pins.length; i++) {
      const it = r.pins[i]!;
      if (!exclude.has(it)) catRegular.push({ pin: it, score: r.scores[i]!, sources: ['pixie'], parts: {}, fresh: isFresh[it] === 1 });
    }
    const catFresh: RecommendedPin[] = srcList.map((it) => ({ pin: it, score: walker.score(it), sources: ['fresh'], parts: {}, fresh: true }));
    base.cat += freshShare(catRegular, o.k);
    ratio.cat += freshShare(ratioBlend(catRegular, catFresh, o.ratioEvery, o.k), o.k);
    floor.cat += freshShare(floorBlend(catRegular, [...catRegular.filter((p) => p.fresh), ...catFresh], { topK: o.k, minShare: o.floorShare, limit: o.k }), o.k);
    base.catN++;
    ratio.catN++;
    floor.catN++;
    for (const it of srcList) srcRank[it] = -1;
  }
  return {
    dataset: ds.name,
    users: users.length,
    freshItems: fresh.length,
    freshHeldOutUsers: freshHeld,
    base: base.figures(),
    ratio: ratio.figures(),
    floor: floor.figures(),
    freshSourceRecall: freshHeld === 0 ? 0 : freshFound / freshHeld,
    meanFreshProposed: users.length === 0 ? 0 : proposedSum / users.length,
    seconds: (performance.now() - t0) / 1000,
    options: o,
  };
}

/** Fresh candidates ranked by the same ranker (here Pixie) as the regular ones. */
function freshByRanker(regular: readonly RecommendedPin[]): RecommendedPin[] {
  return regular.filter((p) => p.fresh);
}
