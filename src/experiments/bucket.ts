import type { ExperimentConfig, VariantConfig } from './config.js';
import type { VariantParams } from './params.js';

/**
 * Deterministic bucketing: hash(salt, user) -> a point in [0, 1) -> the variant whose cumulative
 * weight range holds it. Same user + experiment -> same variant on every machine, no state.
 */

const enc = new TextEncoder();

/** 32-bit MurmurHash3 (x86_32) of a string's UTF-8 bytes. */
export function murmur3(s: string, seed = 0): number {
  const b = enc.encode(s);
  let h = seed >>> 0;
  const n = b.length;
  const blocks = n & ~3;
  for (let i = 0; i < blocks; i += 4) {
    let k = b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  // tail bytes (no switch fallthrough: the compiler forbids it here)
  const tail = n & 3;
  if (tail > 0) {
    let k = 0;
    if (tail === 3) k ^= b[blocks + 2]! << 16;
    if (tail >= 2) k ^= b[blocks + 1]! << 8;
    k ^= b[blocks]!;
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
  }
  h ^= n;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The user's point in [0, 1) for a salt; two independent 32-bit hashes give 53 bits. */
export function bucketPoint(salt: string, user: string): number {
  // NUL separates salt and user so ("a","bc") and ("ab","c") differ
  const key = `${salt}\u0000${user}`;
  const hi = murmur3(key, 0x9747b28c) >>> 11; // 21 bits
  const lo = murmur3(key, 0x5bd1e995); // 32 bits
  return (hi * 4294967296 + lo) / 9007199254740992;
}

export interface Assignment {
  experimentId: string;
  variant: string;
  params: VariantParams;
}

/** Picks the variant for a user; throws on an empty user id. */
export function assignVariant(exp: ExperimentConfig, user: string): VariantConfig {
  if (typeof user !== 'string' || user.length === 0) throw new Error(`experiment ${exp.name}: user id must be a non-empty string`);
  let total = 0;
  for (const v of exp.variants) total += v.weight;
  const x = bucketPoint(exp.salt, user) * total;
  let acc = 0;
  for (const v of exp.variants) {
    acc += v.weight;
    if (x < acc) return v;
  }
  return exp.variants[exp.variants.length - 1]!; // rounding at the top edge
}

/**
 * Assignments of a user in every enabled experiment, for the response and the logged events.
 * (Experiments are independent layers: a user is in one variant of each.)
 */
export function assignAll(exps: readonly ExperimentConfig[], user: string): Assignment[] {
  const out: Assignment[] = [];
  for (const e of exps) {
    if (!e.enabled) continue;
    const v = assignVariant(e, user);
    out.push({ experimentId: e.name, variant: v.name, params: v.params });
  }
  return out;
}

/**
 * One params object from a user's assignments (for the pipeline to read); when two experiments
 * set the same key, the one listed first wins, so put the more specific experiment first.
 * Quotas merge per source, the same way.
 */
export function mergedParams(assignments: readonly Assignment[]): VariantParams {
  const out: VariantParams = {};
  for (let i = assignments.length - 1; i >= 0; i--) {
    const p = assignments[i]!.params;
    const quotas = p.quotas && out.quotas ? { ...out.quotas, ...p.quotas } : (p.quotas ?? out.quotas);
    Object.assign(out, p);
    if (quotas) out.quotas = quotas;
  }
  return out;
}
