import { existsSync, readFileSync } from 'node:fs';
import type { PinBoardGraph } from '../graph/graph.js';
import type { CoecOptions } from '../memboost/coec.js';
import type { EngagementEvent } from '../memboost/events.js';
import type { FitOptions, FitResult } from '../memboost/fit.js';
import { parseStoredParams, rankerKey, resolveMemboostParams, type ParamsOrigin, type StoredMemboostParams } from '../memboost/ranker-params.js';
import { DEFAULT_MEMBOOST, type MemboostParams } from '../memboost/score.js';
import { GbdtModel } from '../ranking/gbdt/model.js';
import { GbdtRanker } from '../ranking/gbdt-ranker.js';
import type { Ranker } from '../ranking/ranker.js';
import { writeFileAtomic, type ModelRegistry } from '../ranking/registry.js';
import { createRelatedPins, type RelatedPinsSetup } from '../surfaces/related-pins.js';
import type { Bm25Index } from '../text/bm25.js';
import { readJsonIfExists } from '../util/json-file.js';
import { hashSeed } from '../util/rng.js';
import { computeMemboost, type MemboostJobResult } from './memboost-job.js';

/** Suffix of the parameters file beside a model: `models/<client>-v<N>.memboost.json`. */
export const MEMBOOST_PARAMS_SUFFIX = 'memboost.json';

type EventSource = () => AsyncIterable<EngagementEvent> | Iterable<EngagementEvent>;

export interface RankerRefitOptions {
  /** the graph whose dense ids the events use; the refit's Related Pins surface runs on it */
  graph: PinBoardGraph;
  /** the engagement log (dense ids), read twice */
  events: EventSource;
  /** registry client whose ranker scores Related Pins (default 'related') */
  client: string;
  /** BM25 over pin text, when serving has one (the ranker may use its features) */
  text?: Bm25Index;
  /** Related Pins setup of the refit's surface (default: createRelatedPins's, Pixie 20 000 steps) */
  setup: Partial<RelatedPinsSetup>;
  coec: Partial<CoecOptions>;
  /** latest share of the log's time span held out for fitting (default 0.2) */
  heldOutFraction: number;
  /** held-out query pins scored through the surface, a seeded sample (default 400) */
  maxQueries: number;
  seed: number;
  fit?: Partial<FitOptions>;
}

export const DEFAULT_RANKER_REFIT: Omit<RankerRefitOptions, 'graph' | 'events'> = {
  client: 'related',
  setup: { pixie: { steps: 20_000 } },
  coec: {},
  heldOutFraction: 0.2,
  maxQueries: 400,
  seed: 1,
};

export interface RankerRefitResult {
  client: string;
  /** model version the parameters belong to (null: the default blend ranker) */
  version: number | null;
  ranker: string;
  params: MemboostParams;
  fit: FitResult | null;
  stats: MemboostJobResult['stats'];
  /** where they were written (null when the caller writes them) */
  path: string | null;
}

/** The parameters stored beside one model version, or null when that version has none. */
export function readRankerParams(reg: ModelRegistry, client: string, version: number): StoredMemboostParams | null {
  const p = reg.versionFile(client, version, MEMBOOST_PARAMS_SUFFIX);
  const json = readJsonIfExists(p, 'memboost params');
  return json === undefined ? null : parseStoredParams(json, p);
}

/** Reads a Memboost table's `<table>.params.json` (null when absent). */
export function readTableParams(path: string): StoredMemboostParams | null {
  const json = readJsonIfExists(path, 'memboost params');
  return json === undefined ? null : parseStoredParams(json, path);
}

/** A registry model version as a ranker (the file `models/<client>-v<N>.json`). */
function versionRanker(reg: ModelRegistry, client: string, version: number): Ranker {
  const p = reg.versionFile(client, version, 'json');
  if (!existsSync(p)) throw new Error(`memboost refit: model file ${p} for ${client} v${version} is missing`);
  return new GbdtRanker(GbdtModel.fromJSON(JSON.parse(readFileSync(p, 'utf8'))), `gbdt:${client}`);
}

/**
 * Refits Memboost's β, α, γ against one ranker: the Related Pins surface on `graph` with that
 * ranker (and no Memboost) scores the held-out events' results, and the fit maximises held-out
 * NDCG@10 of that score + γ·MB (memboost/fit.ts). `version` null refits for the default blend
 * ranker. With a registry version, the result is written beside the model.
 */
export async function refitMemboostForRanker(
  reg: ModelRegistry | null,
  version: number | null,
  options: Partial<RankerRefitOptions> & Pick<RankerRefitOptions, 'graph' | 'events'>,
): Promise<RankerRefitResult> {
  const o: RankerRefitOptions = { ...DEFAULT_RANKER_REFIT, ...options };
  if (version !== null && !reg) throw new Error('memboost refit: a model version needs its registry');
  const ranker = version === null ? undefined : versionRanker(reg!, o.client, version);
  const key = rankerKey(o.client, version);
  const surface = createRelatedPins({ graph: o.graph, ranker, text: o.text }, o.setup);
  const r = await computeMemboost(o.events, {
    coec: o.coec,
    params: DEFAULT_MEMBOOST,
    refit: {
      heldOutFraction: o.heldOutFraction,
      maxQueries: o.maxQueries,
      seed: o.seed,
      ranker: key,
      fit: o.fit,
      scoreResults: (q, results) =>
        surface.scorePins({ queryPins: [q], limit: 0, seed: hashSeed(`refit${q}`, o.seed), surface: 'related', explain: false }, results),
    },
  });
  let path: string | null = null;
  if (version !== null) {
    path = reg!.versionFile(o.client, version, MEMBOOST_PARAMS_SUFFIX);
    const stored: StoredMemboostParams & { stats: typeof r.stats; fittedAt: string } = {
      params: r.params,
      ranker: key,
      fit: r.fit ?? null,
      stats: r.stats,
      fittedAt: new Date().toISOString(),
    };
    writeFileAtomic(path, JSON.stringify(stored, null, 2) + '\n');
  }
  return { client: o.client, version, ranker: key, params: r.params, fit: r.fit ?? null, stats: r.stats, path };
}

/**
 * Refits Memboost automatically whenever `client`'s ranker is promoted in `reg`: the new
 * version's parameters land beside its model. Await `reg.settled()` after training to wait for
 * (and see failures of) the refit. Returns the unsubscribe.
 */
export function installMemboostRefit(
  reg: ModelRegistry,
  options: Partial<RankerRefitOptions> & Pick<RankerRefitOptions, 'graph' | 'events'>,
  onDone?: (r: RankerRefitResult) => void,
): () => void {
  const client = options.client ?? DEFAULT_RANKER_REFIT.client;
  return reg.onPromote(async (entry) => {
    if (entry.client !== client) return;
    const r = await refitMemboostForRanker(reg, entry.version, options);
    onDone?.(r);
  });
}

/**
 * The Memboost parameters serving should use with `client`'s current ranker: those fitted for
 * that exact version (beside its model), else the table's params file when fitted for the same
 * ranker or set by hand, else DEFAULT_MEMBOOST (resolveMemboostParams).
 */
export function servedMemboostParams(
  reg: ModelRegistry | null,
  client: string,
  tableParams: StoredMemboostParams | null,
): { params: MemboostParams; origin: ParamsOrigin; ranker: string } {
  const entry = reg?.get(client) ?? null;
  const version = entry && entry.modelPath ? entry.version : null;
  const key = rankerKey(client, version);
  const own = version !== null ? readRankerParams(reg!, client, version) : null;
  const r = resolveMemboostParams(key, [own, tableParams]);
  return { params: r.params, origin: r.origin, ranker: key };
}
