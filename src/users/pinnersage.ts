import { dot, hasEmbedding, type EmbeddingTable } from './embeddings.js';
import { DAY_MS, importance } from './importance.js';
import { medoidOf } from './medoid.js';
import { cutByCost, squaredDistances, wardLinkage } from './ward.js';

/**
 * PinnerSage (Pal et al., KDD 2020): a user is a small set of interest clusters. The pins the
 * user engaged with recently are clustered by Ward; each cluster is represented by its medoid
 * (a real pin, so it can query any index) and weighted by a time-decayed importance.
 */
export interface Action {
  /** dense pin id */
  pin: number;
  /** epoch ms */
  timestamp: number;
}

export interface PinnerSageOptions {
  /** only actions from the last `windowDays` days count */
  windowDays: number;
  /** cap: cluster only the latest `maxActions` actions (Ward is O(n²) memory) */
  maxActions: number;
  /** importance decay λ per day: Σ exp(−λ·age) */
  lambdaPerDay: number;
  /** stop merging once a merge would add more than this to the within-cluster sum of squares;
   *  for unit vectors two pins with cosine c cost 1 − c to merge */
  maxCost: number;
}

export const DEFAULT_PINNERSAGE: PinnerSageOptions = {
  windowDays: 90,
  maxActions: 400,
  lambdaPerDay: 0.01,
  maxCost: 2,
};

export interface InterestCluster {
  /** dense pin id of the medoid */
  medoid: number;
  importance: number;
  /** distinct pins in the cluster */
  pins: Uint32Array;
  /** actions (with repeats) in the cluster */
  actions: number;
  /** latest action time in the cluster (epoch ms) */
  lastActive: number;
}

export interface UserProfile {
  user: number;
  /** most important first */
  clusters: InterestCluster[];
  /** time the profile was computed for (epoch ms) */
  computedAt: number;
}

export function validatePinnerSageOptions(o: PinnerSageOptions): void {
  if (!(o.windowDays > 0)) throw new RangeError(`pinnersage: windowDays must be > 0, got ${o.windowDays}`);
  if (!Number.isInteger(o.maxActions) || o.maxActions < 1) throw new RangeError(`pinnersage: maxActions must be an integer >= 1, got ${o.maxActions}`);
  if (!(o.lambdaPerDay >= 0) || !Number.isFinite(o.lambdaPerDay)) throw new RangeError(`pinnersage: lambdaPerDay must be a finite number >= 0, got ${o.lambdaPerDay}`);
  if (!(o.maxCost >= 0)) throw new RangeError(`pinnersage: maxCost must be >= 0, got ${o.maxCost}`);
}

/**
 * Clusters one user's actions into interests. Actions outside the window, beyond the cap or on
 * pins without an embedding are ignored; repeated pins are clustered once but every action
 * counts towards importance.
 */
export function computeProfile(
  user: number,
  actions: readonly Action[],
  emb: EmbeddingTable,
  now: number,
  options: Partial<PinnerSageOptions> = {},
): UserProfile {
  const o = { ...DEFAULT_PINNERSAGE, ...options };
  validatePinnerSageOptions(o);
  if (!Number.isFinite(now)) throw new RangeError(`pinnersage: now must be a finite time in ms, got ${now}`);
  const from = now - o.windowDays * DAY_MS;
  const recent: Action[] = [];
  for (let i = 0; i < actions.length; i++) {
    const a = actions[i]!;
    if (!Number.isFinite(a.timestamp)) throw new RangeError(`pinnersage: action ${i} of user ${user} has timestamp ${a.timestamp}`);
    if (a.timestamp >= from && hasEmbedding(emb, a.pin)) recent.push(a);
  }
  // newest first, stable, then cap
  recent.sort((x, y) => y.timestamp - x.timestamp);
  if (recent.length > o.maxActions) recent.length = o.maxActions;

  // distinct pins, each with its action times
  const slot = new Map<number, number>();
  const pins: number[] = [];
  const times: number[][] = [];
  for (const a of recent) {
    let s = slot.get(a.pin);
    if (s === undefined) {
      s = pins.length;
      slot.set(a.pin, s);
      pins.push(a.pin);
      times.push([]);
    }
    times[s]!.push(a.timestamp);
  }
  const n = pins.length;
  if (n === 0) return { user, clusters: [], computedAt: now };
  const dim = emb.dim;
  const x = new Float64Array(n * dim);
  for (let i = 0; i < n; i++) {
    const off = pins[i]! * dim;
    for (let t = 0; t < dim; t++) x[i * dim + t] = emb.vectors[off + t]!;
  }
  const d2 = squaredDistances(x, n, dim);
  const labels = cutByCost(wardLinkage(d2.slice(), n), n, o.maxCost);
  let k = 0;
  for (let i = 0; i < n; i++) if (labels[i]! + 1 > k) k = labels[i]! + 1;
  const members: number[][] = Array.from({ length: k }, () => []);
  for (let i = 0; i < n; i++) members[labels[i]!]!.push(i);
  const clusters: InterestCluster[] = members.map((m) => {
    const ts: number[] = [];
    for (const i of m) for (const t of times[i]!) ts.push(t);
    let last = -Infinity;
    for (const t of ts) if (t > last) last = t;
    return {
      medoid: pins[medoidOf(d2, n, m)]!,
      importance: importance(ts, now, o.lambdaPerDay),
      pins: Uint32Array.from(m.map((i) => pins[i]!)),
      actions: ts.length,
      lastActive: last,
    };
  });
  clusters.sort((a, b) => b.importance - a.importance || a.medoid - b.medoid);
  return { user, clusters, computedAt: now };
}

/**
 * The single-embedding baseline PinnerSage is compared with: the importance-weighted mean of
 * the user's engaged pin vectors, unit length. Returns null when no action has an embedding.
 */
export function meanEmbedding(actions: readonly Action[], emb: EmbeddingTable, now: number, options: Partial<PinnerSageOptions> = {}): Float32Array | null {
  const o = { ...DEFAULT_PINNERSAGE, ...options };
  validatePinnerSageOptions(o);
  const from = now - o.windowDays * DAY_MS;
  const recent = actions.filter((a) => a.timestamp >= from && hasEmbedding(emb, a.pin)).sort((x, y) => y.timestamp - x.timestamp);
  if (recent.length > o.maxActions) recent.length = o.maxActions;
  if (recent.length === 0) return null;
  const dim = emb.dim;
  const out = new Float32Array(dim);
  for (const a of recent) {
    const w = Math.exp((-o.lambdaPerDay * Math.max(0, now - a.timestamp)) / DAY_MS);
    const off = a.pin * dim;
    for (let t = 0; t < dim; t++) out[t]! += w * emb.vectors[off + t]!;
  }
  const norm = Math.sqrt(dot(out, 0, out, 0, dim));
  if (norm > 0) for (let t = 0; t < dim; t++) out[t]! /= norm;
  return out;
}
