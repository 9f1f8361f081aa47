import { splitSessions } from '../embeddings/sessions.js';
import { trainEvalTwoTower, TWO_TOWER_DEFAULTS } from '../retrieval/eval-method.js';
import { trainPin2Vec } from '../embeddings/pin2vec.js';
import { userItemsOf, type EvalDataset } from '../eval/datasets.js';
import { ParamMethod, requireRange, type MethodOptions, type Params } from '../eval/methods/types.js';
import { hashSeed, Rng } from '../util/rng.js';
import { dot, makeEmbeddingTable, normalizeRows, type EmbeddingTable } from './embeddings.js';
import { DAY_MS } from './importance.js';
import type { NeighbourIndex } from './neighbour-index.js';
import { computeProfile, meanEmbedding, type Action, type PinnerSageOptions, type UserProfile } from './pinnersage.js';
import { interleave } from './retrieval.js';
import { sampleProportional } from './sampling.js';
import { svdItemEmbeddings } from './svd-embeddings.js';

/**
 * PinnerSage vs a single user embedding on the leave-one-out sets. The sets carry no times, so
 * each user's training rows are spread evenly over the 90-day window in file order (oldest
 * first); "now" is a fixed epoch.
 *
 * Item embeddings (param `emb`): 0 = randomized truncated SVD of the normalised item–user
 * matrix (svd-embeddings.ts), 1 = Pin2Vec (src/embeddings) trained on each user's training rows
 * in file order as one session, 2 = the two-tower model's pin tower (src/retrieval, its default
 * settings, our `dim`).
 */
export const EVAL_NOW = Date.UTC(2026, 0, 1);

export const PINNERSAGE_EVAL_DEFAULTS: Params = {
  emb: 0,
  dim: 64,
  svdAlpha: 0.5,
  maxCost: 2,
  lambda: 0.01,
  windowDays: 90,
  maxActions: 400,
  /** medoids sampled per user; 0 = use every cluster */
  medoids: 3,
};

/** Pseudo-times: user u's k-th of n training rows (file order) at now − window·(n−1−k)/n. */
export function pseudoActions(ds: EvalDataset, windowDays: number): Action[][] {
  const rows: number[][] = Array.from({ length: ds.numUsers }, () => []);
  for (let k = 0; k < ds.train.users.length; k++) rows[ds.train.users[k]!]!.push(ds.train.items[k]!);
  return rows.map((items) => items.map((pin, k) => ({ pin, timestamp: EVAL_NOW - (windowDays * DAY_MS * (items.length - 1 - k)) / items.length })));
}

const embCache = new WeakMap<EvalDataset, Map<string, EmbeddingTable>>();

/** Item embeddings for a data set (cached per data set and settings). */
export function evalEmbeddings(ds: EvalDataset, kind: number, dim: number, alpha: number, seed: number): EmbeddingTable {
  let m = embCache.get(ds);
  if (!m) embCache.set(ds, (m = new Map()));
  const key = `${kind}/${dim}/${alpha}/${seed}`;
  const hit = m.get(key);
  if (hit) return hit;
  let t: EmbeddingTable;
  if (kind === 0) {
    t = makeEmbeddingTable(svdItemEmbeddings(ds.userOffsets, ds.userItems, ds.numItems, { dim, alpha, seed }), dim);
  } else if (kind === 2) {
    const res = trainEvalTwoTower(ds, { ...TWO_TOWER_DEFAULTS, dim }, seed);
    const v = res.model.allPinEmbeddings();
    normalizeRows(v, dim);
    t = makeEmbeddingTable(v, dim);
  } else {
    const n = ds.train.users.length;
    const times = new Float64Array(n);
    for (let k = 0; k < n; k++) times[k] = k;
    const sessions = splitSessions(ds.train.users, ds.train.items, times, Number.MAX_VALUE, 2);
    const col = trainPin2Vec(sessions, ds.numItems, { dim, seed });
    const v = col.vectors.slice();
    normalizeRows(v, dim);
    t = makeEmbeddingTable(v, dim, col.present);
  }
  m.set(key, t);
  return t;
}

abstract class UserEmbeddingMethod extends ParamMethod {
  protected ds: EvalDataset | null = null;
  protected emb: EmbeddingTable | null = null;
  protected actions: Action[][] = [];

  protected check(p: Params): void {
    requireRange(this.name, 'emb', p['emb']!, 0, 2, true);
    requireRange(this.name, 'dim', p['dim']!, 2, 1024, true);
    requireRange(this.name, 'svdAlpha', p['svdAlpha']!, 0, 2);
    requireRange(this.name, 'maxCost', p['maxCost']!, 0, 1e9);
    requireRange(this.name, 'lambda', p['lambda']!, 0, 100);
    requireRange(this.name, 'windowDays', p['windowDays']!, 1, 1e6);
    requireRange(this.name, 'maxActions', p['maxActions']!, 1, 1e6, true);
    requireRange(this.name, 'medoids', p['medoids']!, 0, 1000, true);
  }

  protected fit(ds: EvalDataset): void {
    this.ds = ds;
    this.emb = evalEmbeddings(ds, this.p['emb']!, this.p['dim']!, this.p['svdAlpha']!, this.seed);
    this.actions = pseudoActions(ds, this.p['windowDays']!);
  }

  /** the item embeddings in use (after prepare) */
  embeddings(): EmbeddingTable {
    if (!this.emb) throw new Error(`${this.name}: prepare() first`);
    return this.emb;
  }

  protected opts(): PinnerSageOptions {
    return { windowDays: this.p['windowDays']!, maxActions: this.p['maxActions']!, lambdaPerDay: this.p['lambda']!, maxCost: this.p['maxCost']! };
  }

  /** query vectors for a user (one for the baseline, one per sampled medoid) */
  abstract queries(user: number): Float32Array[];

  protected scoreItems(user: number, items: Uint32Array, out: Float64Array): void {
    const emb = this.emb;
    if (!emb) throw new Error(`${this.name}: prepare() first`);
    const qs = this.queries(user);
    const dim = emb.dim;
    for (let i = 0; i < items.length; i++) {
      let best = qs.length === 0 ? 0 : -Infinity;
      for (const q of qs) {
        const s = dot(q, 0, emb.vectors, items[i]! * dim, dim);
        if (s > best) best = s;
      }
      out[i] = best;
    }
  }

  /** Fraction of eval users whose held-out item is among the top-k retrieved (train items excluded). */
  recallAt(index: NeighbourIndex, users: Uint32Array, k: number): number {
    const ds = this.ds;
    if (!ds) throw new Error(`${this.name}: prepare() first`);
    let hits = 0;
    for (const u of users) {
      const train = userItemsOf(ds, u);
      const exclude = new Set<number>(train);
      const qs = this.queries(u);
      const per = Math.ceil(k / Math.max(1, qs.length)) + train.length;
      const lists = qs.map((q) => index.search(q, Math.min(per, ds.numItems)).ids);
      const got = interleave(lists, k, exclude).pins;
      if (got.includes(ds.heldOut[u]!)) hits++;
    }
    return users.length === 0 ? 0 : hits / users.length;
  }
}

/** Baseline: one embedding per user, the decayed mean of their engaged items. */
export class SingleEmbeddingMethod extends UserEmbeddingMethod {
  constructor(options: MethodOptions = {}) {
    super('single-embedding', PINNERSAGE_EVAL_DEFAULTS, {}, options);
  }

  queries(user: number): Float32Array[] {
    const v = meanEmbedding(this.actions[user] ?? [], this.emb!, EVAL_NOW, this.opts());
    return v ? [v] : [];
  }
}

/** PinnerSage: Ward clusters of the user's items; sampled medoids; score = best medoid cosine. */
export class PinnerSageMethod extends UserEmbeddingMethod {
  private profiles = new Map<number, UserProfile>();

  constructor(options: MethodOptions = {}) {
    super('pinnersage', PINNERSAGE_EVAL_DEFAULTS, {}, options);
  }

  protected override fit(ds: EvalDataset): void {
    super.fit(ds);
    this.profiles.clear();
  }

  profile(user: number): UserProfile {
    let p = this.profiles.get(user);
    if (!p) {
      p = computeProfile(user, this.actions[user] ?? [], this.emb!, EVAL_NOW, this.opts());
      this.profiles.set(user, p);
    }
    return p;
  }

  queries(user: number): Float32Array[] {
    const p = this.profile(user);
    const m = this.p['medoids']!;
    const idx =
      m === 0
        ? p.clusters.map((_, i) => i)
        : sampleProportional(
            p.clusters.map((c) => c.importance),
            m,
            new Rng(hashSeed(String(user), this.seed >>> 0)),
          );
    const dim = this.emb!.dim;
    return idx.map((i) => this.emb!.vectors.subarray(p.clusters[i]!.medoid * dim, (p.clusters[i]!.medoid + 1) * dim));
  }

  /** Mean clusters per user over the given users (for the report). */
  meanClusters(users: Uint32Array): number {
    let s = 0;
    for (const u of users) s += this.profile(u).clusters.length;
    return users.length === 0 ? 0 : s / users.length;
  }
}

export interface PinnerSageComparison {
  dataset: string;
  users: number;
  params: Params;
  single: { hr: number; ndcg: number; recall100?: number };
  pinnersage: { hr: number; ndcg: number; recall100?: number; clustersPerUser: number };
  seconds: number;
}

/**
 * Single-embedding retrieval vs PinnerSage on one set: HR@10 / NDCG@10 over the listed
 * negatives (max cosine over the sampled medoids vs cosine to the mean vector), and, with
 * `recall`, recall@100 of full-catalogue retrieval from an HNSW index over the item embeddings.
 */
export function comparePinnerSage(
  ds: EvalDataset,
  options: { params?: Params; users?: Uint32Array; recall?: boolean; seed?: number; index?: (emb: EmbeddingTable) => NeighbourIndex } = {},
): PinnerSageComparison {
  const t0 = performance.now();
  const single = new SingleEmbeddingMethod({ params: options.params, seed: options.seed });
  const ps = new PinnerSageMethod({ params: options.params, seed: options.seed });
  single.prepare(ds);
  ps.prepare(ds);
  const users = options.users ?? evalUsersOf(ds);
  const a = rankMetrics(ds, single, users);
  const b = rankMetrics(ds, ps, users);
  const out: PinnerSageComparison = {
    dataset: ds.name,
    users: users.length,
    params: ps.params(),
    single: a,
    pinnersage: { ...b, clustersPerUser: ps.meanClusters(users) },
    seconds: 0,
  };
  if (options.recall) {
    if (!options.index) throw new Error('pinnersage eval: recall needs an index factory');
    const idx = options.index(single.embeddings());
    out.single.recall100 = single.recallAt(idx, users, 100);
    out.pinnersage.recall100 = ps.recallAt(idx, users, 100);
  }
  out.seconds = (performance.now() - t0) / 1000;
  return out;
}

function evalUsersOf(ds: EvalDataset): Uint32Array {
  const out: number[] = [];
  for (let u = 0; u < ds.numUsers; u++) if (ds.heldOut[u]! >= 0) out.push(u);
  return Uint32Array.from(out);
}

/** HR@10 / NDCG@10 with pessimistic ties (same protocol as src/eval/runner.ts). */
function rankMetrics(ds: EvalDataset, m: UserEmbeddingMethod, users: Uint32Array): { hr: number; ndcg: number } {
  let hits = 0;
  let gain = 0;
  for (const u of users) {
    const negs = ds.negatives.subarray(ds.negOffsets[u]!, ds.negOffsets[u + 1]!);
    const items = new Uint32Array(negs.length + 1);
    items[0] = ds.heldOut[u]!;
    items.set(negs, 1);
    const s = new Float64Array(items.length);
    m.scoreUser(u, items, s);
    let rank = 0;
    for (let i = 1; i < s.length; i++) if (s[i]! >= s[0]!) rank++;
    if (rank < 10) {
      hits++;
      gain += 1 / Math.log2(rank + 2);
    }
  }
  return { hr: hits / Math.max(1, users.length), ndcg: gain / Math.max(1, users.length) };
}
