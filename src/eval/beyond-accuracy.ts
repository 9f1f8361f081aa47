import { itemDegrees, type EvalDataset } from './datasets.js';
import type { EvalMethod } from './methods/types.js';

/**
 * Beyond-accuracy measures of top-K lists, beside HR/NDCG:
 *
 * - coverage: distinct items recommended to anyone / catalogue size.
 * - novelty: mean self-information −log2(pop(i) / numUsers) over all list slots, pop(i) = training
 *   users of item i (an item nobody has counts as 1 user). Higher = less obvious items.
 * - diversity (intra-list diversity): per list, 1 − mean pairwise cosine similarity of its items,
 *   averaged over lists with >= 2 items. Item vectors are given embeddings or, by default, the
 *   item's column of the training user×item matrix (binary co-occurrence), so
 *   cos(i, j) = |U_i ∩ U_j| / sqrt(|U_i| |U_j|).
 * - arp (average recommendation popularity): mean over lists of the mean pop(i) of its items.
 * - popularityPercentile: mean over slots of the item's mid-rank popularity percentile in the
 *   catalogue (0 = least popular item, 1 = most popular, ties share the middle).
 * - longTailShare: share of slots outside the short head (the fewest most popular items that hold
 *   >= 20% of training interactions, ties by id).
 *
 * The lists are meant to be each user's top K over the full catalogue of items they have not
 * trained on (topKUnseen), not the 100-negative candidate lists of the leave-one-out protocol.
 */
export interface TopLists {
  /** user of each list */
  users: Uint32Array;
  k: number;
  /** users.length * k items, row-major; -1 marks an empty slot (fewer than k scored items) */
  items: Int32Array;
}

export interface BeyondAccuracy {
  lists: number;
  /** filled slots */
  slots: number;
  coverage: number;
  novelty: number;
  diversity: number;
  arp: number;
  popularityPercentile: number;
  longTailShare: number;
}

export interface BeyondAccuracyOptions {
  /** item vectors (numItems × dim, row-major) for diversity instead of co-occurrence */
  embeddings?: { dim: number; vectors: Float32Array };
  /** share of interactions held by the short head (default 0.2) */
  headShare?: number;
}

/** Builds TopLists from plain arrays (tests, adapters). */
export function topListsFromArrays(users: ArrayLike<number>, lists: ReadonlyArray<ArrayLike<number>>, k: number): TopLists {
  if (users.length !== lists.length) throw new RangeError(`topLists: ${users.length} users but ${lists.length} lists`);
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`topLists: k must be an integer >= 1, got ${k}`);
  const items = new Int32Array(users.length * k).fill(-1);
  lists.forEach((l, r) => {
    if (l.length > k) throw new RangeError(`topLists: list ${r} has ${l.length} items, more than k=${k}`);
    for (let j = 0; j < l.length; j++) items[r * k + j] = l[j]!;
  });
  return { users: Uint32Array.from(users), k, items };
}

/** Mid-rank popularity percentile of every item (see BeyondAccuracy). */
export function popularityPercentiles(pop: Uint32Array): Float64Array {
  const n = pop.length;
  const out = new Float64Array(n);
  if (n === 1) {
    out[0] = 0.5;
    return out;
  }
  const order = Uint32Array.from({ length: n }, (_, i) => i).sort((a, b) => pop[a]! - pop[b]!);
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && pop[order[j + 1]!] === pop[order[i]!]) j++;
    // items i..j tie: fewer-popular count = i, ties besides itself = j - i
    const p = (i + (j - i) / 2) / (n - 1);
    for (let t = i; t <= j; t++) out[order[t]!] = p;
    i = j + 1;
  }
  return out;
}

/** 1 for items in the short head: most popular first (ties by id) until `share` of interactions. */
export function shortHead(pop: Uint32Array, share: number): Uint8Array {
  if (!(share >= 0 && share <= 1)) throw new RangeError(`headShare must be in [0, 1], got ${share}`);
  const n = pop.length;
  let total = 0;
  for (let i = 0; i < n; i++) total += pop[i]!;
  const order = Uint32Array.from({ length: n }, (_, i) => i).sort((a, b) => pop[b]! - pop[a]! || a - b);
  const head = new Uint8Array(n);
  let acc = 0;
  for (let t = 0; t < n && acc < share * total; t++) {
    head[order[t]!] = 1;
    acc += pop[order[t]!]!;
  }
  return head;
}

/** Item → users CSR of the training data (rows sorted by user). */
function itemUsers(ds: EvalDataset, pop: Uint32Array): { off: Uint32Array; users: Uint32Array } {
  const off = new Uint32Array(ds.numItems + 1);
  for (let i = 0; i < ds.numItems; i++) off[i + 1] = off[i]! + pop[i]!;
  const fill = off.slice(0, ds.numItems);
  const users = new Uint32Array(off[ds.numItems]!);
  for (let u = 0; u < ds.numUsers; u++)
    for (let p = ds.userOffsets[u]!; p < ds.userOffsets[u + 1]!; p++) users[fill[ds.userItems[p]!]!++] = u;
  return { off, users };
}

function intersect(a: Uint32Array, a0: number, a1: number, b: Uint32Array, b0: number, b1: number): number {
  let n = 0;
  while (a0 < a1 && b0 < b1) {
    const x = a[a0]!;
    const y = b[b0]!;
    if (x === y) {
      n++;
      a0++;
      b0++;
    } else if (x < y) a0++;
    else b0++;
  }
  return n;
}

/** Coverage, novelty, intra-list diversity and popularity bias of top-K lists (see TopLists). */
export function beyondAccuracy(ds: EvalDataset, top: TopLists, opts: BeyondAccuracyOptions = {}): BeyondAccuracy {
  const { k, items } = top;
  if (items.length !== top.users.length * k) throw new RangeError(`topLists: ${items.length} slots for ${top.users.length} lists of ${k}`);
  const pop = itemDegrees(ds);
  const pct = popularityPercentiles(pop);
  const head = shortHead(pop, opts.headShare ?? 0.2);
  const emb = opts.embeddings;
  if (emb && emb.vectors.length !== ds.numItems * emb.dim) throw new RangeError(`embeddings: ${emb.vectors.length} values for ${ds.numItems} items of dim ${emb.dim}`);
  const iu = emb ? null : itemUsers(ds, pop);
  const norms = new Float64Array(ds.numItems);
  if (emb)
    for (let i = 0; i < ds.numItems; i++) {
      let s = 0;
      for (let d = 0; d < emb.dim; d++) s += emb.vectors[i * emb.dim + d]! ** 2;
      norms[i] = Math.sqrt(s);
    }
  const cosine = (i: number, j: number): number => {
    if (emb) {
      if (norms[i] === 0 || norms[j] === 0) return 0;
      let s = 0;
      for (let d = 0; d < emb.dim; d++) s += emb.vectors[i * emb.dim + d]! * emb.vectors[j * emb.dim + d]!;
      return s / (norms[i]! * norms[j]!);
    }
    const pi = pop[i]!;
    const pj = pop[j]!;
    if (pi === 0 || pj === 0) return 0;
    return intersect(iu!.users, iu!.off[i]!, iu!.off[i + 1]!, iu!.users, iu!.off[j]!, iu!.off[j + 1]!) / Math.sqrt(pi * pj);
  };

  const seen = new Uint8Array(ds.numItems);
  let covered = 0;
  let slots = 0;
  let selfInfo = 0;
  let pctSum = 0;
  let tail = 0;
  let arpSum = 0;
  let arpLists = 0;
  let ildSum = 0;
  let ildLists = 0;
  const users = Math.max(1, ds.numUsers);
  for (let r = 0; r < top.users.length; r++) {
    const base = r * k;
    let m = 0;
    let popSum = 0;
    for (let j = 0; j < k; j++) {
      const it = items[base + j]!;
      if (it < 0) continue;
      if (it >= ds.numItems) throw new RangeError(`topLists: list ${r} slot ${j}: item ${it} is outside the catalogue (${ds.numItems} items)`);
      m++;
      if (!seen[it]) {
        seen[it] = 1;
        covered++;
      }
      selfInfo += -Math.log2(Math.max(1, pop[it]!) / users);
      pctSum += pct[it]!;
      if (!head[it]) tail++;
      popSum += pop[it]!;
    }
    slots += m;
    if (m > 0) {
      arpSum += popSum / m;
      arpLists++;
    }
    if (m >= 2) {
      let cs = 0;
      let pairs = 0;
      for (let a = 0; a < k; a++) {
        const i = items[base + a]!;
        if (i < 0) continue;
        for (let b = a + 1; b < k; b++) {
          const j = items[base + b]!;
          if (j < 0) continue;
          cs += cosine(i, j);
          pairs++;
        }
      }
      ildSum += 1 - cs / pairs;
      ildLists++;
    }
  }
  return {
    lists: top.users.length,
    slots,
    coverage: ds.numItems === 0 ? 0 : covered / ds.numItems,
    novelty: slots === 0 ? 0 : selfInfo / slots,
    diversity: ildLists === 0 ? 0 : ildSum / ildLists,
    arp: arpLists === 0 ? 0 : arpSum / arpLists,
    popularityPercentile: slots === 0 ? 0 : pctSum / slots,
    longTailShare: slots === 0 ? 0 : tail / slots,
  };
}

/**
 * Each user's top K over the whole catalogue minus their training items, by a prepared method
 * (ties to the lower item id; items scored -Infinity or NaN are never listed).
 */
export function topKUnseen(ds: EvalDataset, method: EvalMethod, users: Uint32Array, k = 10): TopLists {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be an integer >= 1, got ${k}`);
  const all = new Uint32Array(ds.numItems);
  for (let i = 0; i < all.length; i++) all[i] = i;
  const scores = new Float64Array(ds.numItems);
  const items = new Int32Array(users.length * k).fill(-1);
  const bestS = new Float64Array(k);
  const bestI = new Int32Array(k);
  for (let r = 0; r < users.length; r++) {
    const u = users[r]!;
    scores.fill(NaN);
    method.scoreUser(u, all, scores);
    for (let p = ds.userOffsets[u]!; p < ds.userOffsets[u + 1]!; p++) scores[ds.userItems[p]!] = -Infinity;
    let n = 0;
    for (let i = 0; i < ds.numItems; i++) {
      const s = scores[i]!;
      if (!(s > -Infinity)) continue; // -Infinity and NaN
      if (n === k && s <= bestS[k - 1]!) continue; // ties keep the lower id already held
      let pos = n < k ? n++ : k - 1;
      while (pos > 0 && bestS[pos - 1]! < s) {
        bestS[pos] = bestS[pos - 1]!;
        bestI[pos] = bestI[pos - 1]!;
        pos--;
      }
      bestS[pos] = s;
      bestI[pos] = i;
    }
    for (let j = 0; j < n; j++) items[r * k + j] = bestI[j]!;
  }
  return { users: users.slice(), k, items };
}
