import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { IdMap } from '../graph/id-map.js';
import { CoecAggregator, type CoecOptions } from '../memboost/coec.js';
import type { EngagementEvent } from '../memboost/events.js';
import { fitMemboostParams, fitQueriesFromEvents, type FitOptions, type FitResult } from '../memboost/fit.js';
import { checkParams, DEFAULT_MEMBOOST, type MemboostParams } from '../memboost/score.js';
import type { MemboostTable } from '../memboost/table.js';
import { Rng } from '../util/rng.js';
import type { EventRange, Storage } from '../storage/types.js';

type EventSource = () => AsyncIterable<EngagementEvent> | Iterable<EngagementEvent>;

export interface MemboostRefit {
  /** the latest fraction of the log's time span is held out for fitting (default 0.2) */
  heldOutFraction: number;
  /** the current ranking model's score of (query, result): γ is fitted against its scale */
  baseScore?: (query: number, result: number) => number;
  /** instead of baseScore: the ranking model's scores of one query's results (e.g. RelatedPinsSurface.scorePins) */
  scoreResults?: (query: number, results: number[]) => Promise<ArrayLike<number>> | ArrayLike<number>;
  /** fit on at most this many held-out query pins, a seeded sample (default: all) */
  maxQueries?: number;
  seed?: number;
  /** key of the ranking model behind the base scores (rankerKey), stored with the parameters */
  ranker?: string;
  fit?: Partial<FitOptions>;
}

export interface MemboostJobOptions {
  coec: Partial<CoecOptions>;
  /** parameters to keep when not refitting (default DEFAULT_MEMBOOST) */
  params: MemboostParams;
  /** refit β, α, γ on held-out events (run this when the ranking model changes) */
  refit?: MemboostRefit;
}

export interface MemboostJobResult {
  table: MemboostTable;
  params: MemboostParams;
  fit?: FitResult;
  stats: { events: number; skipped: number; queries: number; pairs: number; ms: number };
}

/** The held-out events of a seeded sample of `maxQueries` query pins (all when unset). */
function sampleQueries(heldOut: EngagementEvent[], refit: MemboostRefit): EngagementEvent[] {
  const max = refit.maxQueries;
  if (max === undefined) return heldOut;
  if (!Number.isInteger(max) || max < 1) throw new RangeError(`memboost job: maxQueries must be an integer >= 1, got ${max}`);
  const qs = [...new Set(heldOut.map((e) => e.queryPin!))].sort((a, b) => a - b);
  if (qs.length <= max) return heldOut;
  new Rng(refit.seed ?? 1).shuffle(qs);
  const keep = new Set(qs.slice(0, max));
  return heldOut.filter((e) => keep.has(e.queryPin!));
}

/** The base score of every held-out (query, result) pair, from `baseScore` or by asking `scoreResults` per query. */
async function baseScores(heldOut: EngagementEvent[], refit: MemboostRefit): Promise<(q: number, r: number) => number> {
  if (refit.baseScore && refit.scoreResults) throw new Error('memboost job: give refit.baseScore or refit.scoreResults, not both');
  if (refit.baseScore) return refit.baseScore;
  if (!refit.scoreResults) throw new Error('memboost job: refit needs baseScore or scoreResults (the ranking model whose scale γ is fitted to)');
  const byQuery = new Map<number, Set<number>>();
  for (const e of heldOut) {
    let s = byQuery.get(e.queryPin!);
    if (!s) byQuery.set(e.queryPin!, (s = new Set()));
    s.add(e.pin);
  }
  const scores = new Map<number, Map<number, number>>();
  for (const [q, set] of byQuery) {
    const results = [...set].sort((a, b) => a - b);
    const s = await refit.scoreResults(q, results);
    if (s.length !== results.length) throw new Error(`memboost job: scoreResults gave ${s.length} scores for ${results.length} results of query ${q}`);
    scores.set(q, new Map(results.map((r, i) => [r, s[i]!])));
  }
  return (q, r) => scores.get(q)?.get(r) ?? 0;
}

/**
 * Computes the Memboost table (and optionally refits its parameters) from dense events. The
 * source is a factory because a refit reads the log twice (time span, then aggregation).
 */
export async function computeMemboost(events: EventSource, options: Partial<MemboostJobOptions> = {}): Promise<MemboostJobResult> {
  const t0 = performance.now();
  const params = options.params ?? DEFAULT_MEMBOOST;
  checkParams(params);
  const full = new CoecAggregator(options.coec);
  const refit = options.refit;
  let fit: FitResult | undefined;
  if (!refit) {
    await full.addAll(events());
  } else {
    const f = refit.heldOutFraction ?? 0.2;
    if (!(f > 0 && f < 1)) throw new RangeError(`memboost job: heldOutFraction must be in (0, 1), got ${f}`);
    let lo = Infinity;
    let hi = -Infinity;
    for await (const e of events()) {
      if (e.timestamp < lo) lo = e.timestamp;
      if (e.timestamp > hi) hi = e.timestamp;
    }
    const cutoff = lo + (1 - f) * (hi - lo);
    const early = new CoecAggregator(options.coec);
    const heldOut: EngagementEvent[] = [];
    const surface = options.coec?.surface ?? 'related';
    for await (const e of events()) {
      full.add(e);
      if (e.timestamp < cutoff) early.add(e);
      else if (e.surface === surface && e.queryPin !== undefined) heldOut.push(e);
    }
    const sampled = sampleQueries(heldOut, refit);
    const queries = fitQueriesFromEvents(sampled, await baseScores(sampled, refit), surface);
    fit = fitMemboostParams(early.finish(), queries, { start: params, ...refit.fit });
  }
  const table = full.finish();
  return {
    table,
    params: fit ? fit.params : params,
    fit,
    stats: { events: full.events, skipped: full.skipped, queries: table.queries.length, pairs: table.numPairs, ms: performance.now() - t0 },
  };
}

/**
 * Stored events (external ids) as dense Memboost events for one graph's pin ids. Events whose
 * pin or query pin is not in the graph are dropped and counted in `dropped.n`.
 */
export function storageEvents(storage: Pick<Storage, 'iterateEvents'>, pins: IdMap, range: EventRange = {}, dropped = { n: 0 }): EventSource {
  return async function* () {
    for await (const batch of storage.iterateEvents(range)) {
      for (const e of batch) {
        if (e.queryPin === undefined) continue;
        const pin = pins.get(e.pin);
        const q = pins.get(e.queryPin);
        if (pin < 0 || q < 0) {
          dropped.n++;
          continue;
        }
        yield { pin, queryPin: q, action: e.action, surface: e.surface, platform: e.platform, position: e.position, timestamp: e.timestamp };
      }
    }
  };
}

export interface MemboostFileOptions {
  /** path of the table snapshot (binary) */
  out: string;
  /** path of the parameters (JSON); default <out>.params.json */
  paramsOut?: string;
}

/**
 * The batch job: storage events → Memboost table keyed by the graph's dense pin ids, written
 * next to the graph snapshot. Rerun after every graph rebuild (dense ids change with the graph).
 */
export async function runMemboostJob(
  storage: Pick<Storage, 'iterateEvents'>,
  pins: IdMap,
  files: MemboostFileOptions,
  options: Partial<MemboostJobOptions> & { range?: EventRange } = {},
): Promise<MemboostJobResult & { dropped: number }> {
  const dropped = { n: 0 };
  const r = await computeMemboost(storageEvents(storage, pins, options.range, dropped), options);
  mkdirSync(dirname(files.out), { recursive: true });
  writeFileSync(files.out, r.table.encode());
  // `ranker`: the model the parameters were fitted against (null = set by hand); see memboost/ranker-params.ts
  const ranker = r.fit ? (options.refit?.ranker ?? 'blend') : null;
  writeFileSync(files.paramsOut ?? `${files.out}.params.json`, JSON.stringify({ params: r.params, ranker, fit: r.fit ?? null, stats: r.stats }, null, 2));
  return { ...r, dropped: dropped.n };
}
