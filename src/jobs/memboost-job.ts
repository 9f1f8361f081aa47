import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { IdMap } from '../graph/id-map.js';
import { CoecAggregator, type CoecOptions } from '../memboost/coec.js';
import type { EngagementEvent } from '../memboost/events.js';
import { fitMemboostParams, fitQueriesFromEvents, type FitOptions, type FitResult } from '../memboost/fit.js';
import { checkParams, DEFAULT_MEMBOOST, type MemboostParams } from '../memboost/score.js';
import type { MemboostTable } from '../memboost/table.js';
import type { EventRange, Storage } from '../storage/types.js';

type EventSource = () => AsyncIterable<EngagementEvent> | Iterable<EngagementEvent>;

export interface MemboostRefit {
  /** the latest fraction of the log's time span is held out for fitting (default 0.2) */
  heldOutFraction: number;
  /** the current ranking model's score of (query, result): γ is fitted against its scale */
  baseScore: (query: number, result: number) => number;
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
      else if (e.surface === surface) heldOut.push(e);
    }
    const queries = fitQueriesFromEvents(heldOut, refit.baseScore, surface);
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
  writeFileSync(files.paramsOut ?? `${files.out}.params.json`, JSON.stringify({ params: r.params, fit: r.fit ?? null, stats: r.stats }, null, 2));
  return { ...r, dropped: dropped.n };
}
