import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { unitHash } from '../ranking/hash.js';
import { readJsonIfExists } from '../util/json-file.js';
import type { CandidateLogRecord, EngagementEvent } from '../ranking/logging.js';
import { writeFileAtomic } from '../ranking/registry.js';
import { DEFAULT_SOURCE_WEIGHTS } from '../surfaces/related-pins.js';
import { evaluateWeights, fitSourceWeights, type SourceWeightFit, type WeightExample } from '../surfaces/source-weights.js';

/**
 * Fits the default BlendRanker's per-source weights from what serving logged: the candidate log
 * (each served pin with its normalised source scores `src_<source>`) joined with engagement by
 * (request, pin). The BlendRanker serves a surface until a GBDT model is promoted for it, so
 * its weights should come from the team's own traffic, not from our hand-set defaults.
 */

/** Actions that make a served pin a positive (an impression alone does not; a hide is negative). */
export const DEFAULT_POSITIVE_ACTIONS: readonly string[] = ['click', 'long_click', 'closeup', 'save'];

export interface BlendFitOptions {
  client: string;
  /** share of requests (by hash of the request id) held out to check the fit (default 0.2) */
  holdoutShare: number;
  /** fewer fit examples than this: no weights are written (default 30) */
  minExamples: number;
  positiveActions: readonly string[];
  /** salt of the request-hash split */
  seed: number;
}

export const DEFAULT_BLEND_FIT: Omit<BlendFitOptions, 'client'> = { holdoutShare: 0.2, minExamples: 30, positiveActions: DEFAULT_POSITIVE_ACTIONS, seed: 1 };

export interface BlendFitReport {
  client: string;
  sources: string[];
  /** the fitted weights (only meaningful when `accepted`) */
  weights: Record<string, number>;
  requests: number;
  examples: { fit: number; holdout: number };
  /** NDCG@10 / HR@10 on the fit examples (coordinate ascent's objective) */
  fit: SourceWeightFit | null;
  /** on held-out requests: fitted weights vs the weights serving uses without a fit */
  holdout: { ndcg: number; hr: number; defaultNdcg: number; defaultHr: number };
  /** true when the fitted weights are at least as good as the defaults on held-out requests */
  accepted: boolean;
  reason: string;
}

/** The weights serving uses without a fitted file: DEFAULT_SOURCE_WEIGHTS, 1 for other sources. */
function defaultWeights(sources: readonly string[]): Float64Array {
  return Float64Array.from(sources, (s) => DEFAULT_SOURCE_WEIGHTS[s] ?? 1);
}

/**
 * One example per engaged pin of a request: that pin first, then the request's served pins
 * nobody engaged with. Requests without engagement teach nothing about the blend and are
 * skipped. Returns the examples by request, and the sources seen (sorted).
 */
export function blendExamples(
  records: readonly CandidateLogRecord[],
  events: readonly EngagementEvent[],
  client: string,
  positiveActions: readonly string[] = DEFAULT_POSITIVE_ACTIONS,
): { sources: string[]; requests: Map<string, WeightExample[]> } {
  const positive = new Set(positiveActions);
  const engaged = new Set<string>();
  for (const e of events) if (positive.has(e.action)) engaged.add(`${e.requestId}\u0000${e.pin}`);
  const byRequest = new Map<string, CandidateLogRecord[]>();
  const sourceSet = new Set<string>();
  for (const r of records) {
    if (r.client !== client || r.position < 0) continue;
    let list = byRequest.get(r.requestId);
    if (!list) byRequest.set(r.requestId, (list = []));
    list.push(r);
    for (const k of Object.keys(r.features)) if (k.startsWith('src_')) sourceSet.add(k.slice(4));
  }
  const sources = [...sourceSet].sort();
  const s = sources.length;
  const requests = new Map<string, WeightExample[]>();
  for (const [id, list] of byRequest) {
    const pos: CandidateLogRecord[] = [];
    const neg: CandidateLogRecord[] = [];
    for (const r of list) (engaged.has(`${id}\u0000${r.pin}`) ? pos : neg).push(r);
    if (pos.length === 0 || neg.length === 0) continue;
    const out: WeightExample[] = [];
    for (const p of pos) {
      const rows = [p, ...neg];
      const x = new Float32Array(rows.length * s);
      rows.forEach((r, i) => {
        for (let j = 0; j < s; j++) x[i * s + j] = r.features[`src_${sources[j]!}`] ?? 0;
      });
      out.push({ n: rows.length, x });
    }
    requests.set(id, out);
  }
  return { sources, requests };
}

/** Fits on most requests, checks on the held-out rest against the default weights. */
export function fitBlendWeights(records: readonly CandidateLogRecord[], events: readonly EngagementEvent[], options: Partial<BlendFitOptions> & Pick<BlendFitOptions, 'client'>): BlendFitReport {
  const o: BlendFitOptions = { ...DEFAULT_BLEND_FIT, ...options };
  if (!(o.holdoutShare > 0 && o.holdoutShare < 1)) throw new RangeError(`blend fit: holdoutShare must be in (0, 1), got ${o.holdoutShare}`);
  const { sources, requests } = blendExamples(records, events, o.client, o.positiveActions);
  const fitEx: WeightExample[] = [];
  const holdEx: WeightExample[] = [];
  for (const [id, ex] of requests) (unitHash(id, o.seed) < o.holdoutShare ? holdEx : fitEx).push(...ex);
  const base = {
    client: o.client,
    sources,
    requests: requests.size,
    examples: { fit: fitEx.length, holdout: holdEx.length },
  };
  const none = { ndcg: NaN, hr: NaN, defaultNdcg: NaN, defaultHr: NaN };
  if (sources.length === 0) return { ...base, weights: {}, fit: null, holdout: none, accepted: false, reason: `no logged ${o.client} candidates with source scores (src_*)` };
  if (fitEx.length < o.minExamples || holdEx.length === 0)
    return { ...base, weights: {}, fit: null, holdout: none, accepted: false, reason: `too few engaged requests: ${fitEx.length} fit and ${holdEx.length} held-out examples (need ${o.minExamples} and 1)` };
  const fit = fitSourceWeights(sources, fitEx);
  const w = Float64Array.from(sources, (s) => fit.weights[s]!);
  const mine = evaluateWeights(holdEx, w);
  const def = evaluateWeights(holdEx, defaultWeights(sources));
  const holdout = { ndcg: mine.ndcg, hr: mine.hr, defaultNdcg: def.ndcg, defaultHr: def.hr };
  const accepted = mine.ndcg >= def.ndcg;
  const reason = accepted
    ? `held-out NDCG@10 ${mine.ndcg.toFixed(4)} >= ${def.ndcg.toFixed(4)} with the default weights`
    : `held-out NDCG@10 ${mine.ndcg.toFixed(4)} < ${def.ndcg.toFixed(4)} with the default weights`;
  return { ...base, weights: fit.weights, fit, holdout, accepted, reason };
}

/** The file serving reads: `{client, weights, holdout, examples, fittedAt}`. */
export interface BlendWeightsFile {
  client: string;
  weights: Record<string, number>;
  holdout: BlendFitReport['holdout'];
  examples: BlendFitReport['examples'];
  fittedAt: string;
}

/** Writes the weights atomically (temporary file, then rename). */
export function writeBlendWeights(path: string, r: BlendFitReport, now = new Date()): void {
  const file: BlendWeightsFile = { client: r.client, weights: r.weights, holdout: r.holdout, examples: r.examples, fittedAt: now.toISOString() };
  mkdirSync(dirname(path), { recursive: true });
  writeFileAtomic(path, `${JSON.stringify(file, null, 2)}\n`);
}

/** Reads a fitted weights file (null when absent); a malformed one is an error naming the file. */
export function readBlendWeights(path: string): Record<string, number> | null {
  const j = readJsonIfExists(path, 'blend weights');
  if (j === undefined) return null;
  const w = (j as Partial<BlendWeightsFile> | null)?.weights;
  if (!w || typeof w !== 'object' || Array.isArray(w)) throw new Error(`blend weights ${path}: no 'weights' object`);
  for (const [k, v] of Object.entries(w))
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new Error(`blend weights ${path}: weight of ${k} must be a finite number >= 0, got ${JSON.stringify(v)}`);
  return w as Record<string, number>;
}
