import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { BoardCooccurrenceGenerator } from '../candidates/board-cooccurrence.js';
import { FreshBoardsGenerator } from '../candidates/fresh-boards.js';
import { FreshNeighbourMap, FreshNeighboursGenerator } from '../candidates/fresh-neighbours.js';
import { LocaleSegmentedGenerator } from '../candidates/locale.js';
import { NearDuplicates } from '../candidates/near-duplicates.js';
import { PixieGenerator } from '../candidates/pixie.js';
import { TextGenerator } from '../candidates/text.js';
import type { Candidate, CandidateGenerator, CandidateRequest } from '../candidates/types.js';
import { VisualGenerator } from '../candidates/visual.js';
import { HnswIndex } from '../embeddings/hnsw-index.js';
import type { VectorColumn } from '../embeddings/vectors.js';
import type { PinBoardGraph } from '../graph/graph.js';
import type { IdMap } from '../graph/id-map.js';
import { loadSnapshot } from '../graph/snapshot.js';
import { loadFreshNeighbourMap } from '../jobs/new-neighbours.js';
import type { CounterStore } from '../memboost/counters.js';
import type { EngagementEvent as MemboostEvent } from '../memboost/events.js';
import { RealtimeMemboost } from '../memboost/realtime.js';
import { openCounterStore } from '../memboost/redis-counters.js';
import { NUM_ACTIONS } from '../memboost/events.js';
import { DEFAULT_MEMBOOST, type MemboostParams } from '../memboost/score.js';
import { rankerKey, resolveMemboostParams, type ParamsOrigin, type StoredMemboostParams } from '../memboost/ranker-params.js';
import { readRankerParams, readTableParams, servedMemboostParams } from '../jobs/memboost-refit.js';
import { readBlendWeights } from '../jobs/blend-fit.js';
import { MemboostTable } from '../memboost/table.js';
import { ExplorationPolicy } from '../ranking/exploration.js';
import { GbdtModel } from '../ranking/gbdt/model.js';
import { GbdtRanker } from '../ranking/gbdt-ranker.js';
import { candidateRecords, JsonlCandidateLogSink, type CandidateLogSink } from '../ranking/logging.js';
import type { Ranker } from '../ranking/ranker.js';
import { ModelRegistry } from '../ranking/registry.js';
import { storedPinContents, storedUserContent } from '../features/storage.js';
import { ServingTwoTower } from '../retrieval/graph-source.js';
import { ModelStore } from '../retrieval/model-store.js';
import { RetrievalService } from '../retrieval/service.js';
import type { StorageConfig } from '../storage/open.js';
import type { PinRecord } from '../storage/types.js';
import { HomeFeedSurface, OnDemandPinnerSage, type HomeFeedBlend, type HomeFeedSource } from '../surfaces/home-feed.js';
import { embeddingsVersion, graphEmbeddings, twoTowerEmbeddings } from './pinnersage-embeddings.js';
import { DEFAULT_PINNERSAGE_SERVING, ServedProfiles, StoredPinnerSage, type PinnerSageServingConfig, type ServedEmbeddings } from './pinnersage-profiles.js';
import { PixieHomeFeed } from '../surfaces/pixie-surfaces.js';
import { overridesKey, VisitCountRanker } from '../surfaces/overrides.js';
import {
  BlendRanker,
  DEFAULT_RELATED_SETUP,
  pinDocuments,
  RelatedPinsSurface,
  tableMemory,
  vectorColumnFromRows,
  type MemoryProvider,
  type RelatedSource,
} from '../surfaces/related-pins.js';
import type { RecommendedPin, ServingOverrides, Surface, SurfaceRequest } from '../surfaces/types.js';
import { Bm25Index } from '../text/bm25.js';
import type { EmbeddingTable } from '../users/embeddings.js';
import type { NeighbourIndex } from '../users/neighbour-index.js';
import { PixieWalker } from '../walk/pixie.js';
import { SURFACES, type Engine, type PageRequest } from './engine.js';
import { hashSeed } from '../util/rng.js';
import { parseOrThrow } from '../util/zod-parse.js';

/**
 * The full pipelines behind the HTTP surfaces: Related Pins (Pixie, board co-occurrence, text,
 * visual, locale sources; Memboost; the "related" GBDT ranker) and the home feed (Pixie,
 * two-tower, PinnerSage, fresh sources; the "homefeed" ranker; fresh blending). Artefacts are
 * read from the data dir; each one that is missing just drops its part. See docs/pipelines.md.
 */

// ---- configuration ----

const int = (min: number) => z.number().int().min(min);

const ConfigSchema = z.strictObject({
  related: z
    .strictObject({
      enabled: z.boolean().optional(),
      quotas: z.partialRecord(z.enum(['pixie', 'board', 'text', 'visual', 'locale']), int(0)).optional(),
      candidates: int(1).optional(),
      pixieSteps: int(1).optional(),
      duplicateThreshold: z.number().min(0).max(2).optional(),
      visualEmbedding: z.string().min(1).optional(),
      explainTop: int(0).optional(),
    })
    .optional(),
  homefeed: z
    .strictObject({
      enabled: z.boolean().optional(),
      quotas: z.partialRecord(z.enum(['pixie', 'two_tower', 'pinnersage', 'fresh_boards', 'fresh_neighbours']), int(0)).optional(),
      candidates: int(1).optional(),
      blend: z
        .union([
          z.strictObject({ mode: z.literal('ratio'), every: int(1) }),
          z.strictObject({ mode: z.literal('floor'), topK: int(1), minShare: z.number().min(0).max(1) }),
          z.strictObject({ mode: z.literal('none') }),
        ])
        .optional(),
      freshDays: z.number().positive().optional(),
      pinnerSageDim: int(1).optional(),
      pinnerSageMedoids: int(1).optional(),
      pinnerSageEmbeddings: z.enum(['auto', 'svd', 'two_tower']).optional(),
      explainTop: int(0).optional(),
    })
    .optional(),
  files: z
    .strictObject({
      graph: z.string().min(1).optional(),
      memboost: z.string().min(1).optional(),
      registry: z.string().min(1).optional(),
      twoTower: z.string().min(1).optional(),
      newNeighbours: z.string().min(1).optional(),
      blendWeights: z.string().min(1).optional(),
    })
    .optional(),
  realtimeMemboost: z.boolean().optional(),
  candidateLog: z
    .strictObject({
      enabled: z.boolean().optional(),
      file: z.string().min(1).optional(),
      exploration: z.number().min(0).max(1).optional(),
      bufferRecords: int(0).optional(),
    })
    .optional(),
  rebuildNewPinShare: z.number().min(0).max(1).optional(),
});

export interface PipelineConfig {
  related: {
    enabled: boolean;
    quotas: Partial<Record<'pixie' | 'board' | 'text' | 'visual' | 'locale', number>>;
    candidates: number;
    /** Pixie steps per query (default: the engine's engine.pixie.steps) */
    pixieSteps?: number;
    duplicateThreshold: number;
    /** catalogue embedding used for the visual source */
    visualEmbedding: string;
    /** with explain, GBDT contributions for this many top pins */
    explainTop: number;
  };
  homefeed: {
    enabled: boolean;
    quotas: Partial<Record<'pixie' | 'two_tower' | 'pinnersage' | 'fresh_boards' | 'fresh_neighbours', number>>;
    candidates: number;
    blend: HomeFeedBlend;
    freshDays: number;
    pinnerSageDim: number;
    pinnerSageMedoids: number;
    /** PinnerSage's pin embeddings: two-tower pin tower when a model is published (auto), or an SVD of the graph */
    pinnerSageEmbeddings: 'auto' | 'svd' | 'two_tower';
    explainTop: number;
  };
  /** artefact paths, relative to the data dir unless absolute */
  /** blendWeights: directory of `<client>.json` files written by `boardwalk fit-blend` */
  files: { graph: string; memboost: string; registry: string; twoTower: string; newNeighbours: string; blendWeights: string };
  /** count POST /v1/events into Memboost counters between batch runs */
  realtimeMemboost: boolean;
  candidateLog: { enabled: boolean; file: string; exploration: number; bufferRecords: number };
  /** heavy indexes are carried over to newer graphs until this share of pins is new */
  rebuildNewPinShare: number;
}

export const DEFAULT_PIPELINES: PipelineConfig = {
  related: { enabled: true, quotas: {}, candidates: 200, duplicateThreshold: 0.02, visualEmbedding: 'visual', explainTop: 50 },
  homefeed: {
    enabled: true,
    quotas: { pixie: 100, two_tower: 60, pinnersage: 60, fresh_boards: 30, fresh_neighbours: 30 },
    candidates: 200,
    blend: { mode: 'ratio', every: 5 },
    freshDays: 7,
    pinnerSageDim: 32,
    pinnerSageMedoids: 3,
    pinnerSageEmbeddings: 'auto',
    explainTop: 50,
  },
  files: { graph: 'graph.bwg', memboost: 'memboost.bin', registry: 'registry', twoTower: 'models/two-tower', newNeighbours: 'new-neighbours.bin', blendWeights: 'blend-weights' },
  realtimeMemboost: true,
  candidateLog: { enabled: false, file: 'candidates.jsonl', exploration: 0, bufferRecords: 1000 },
  rebuildNewPinShare: 0.1,
};

export type PipelineOverrides = z.input<typeof ConfigSchema>;

/** Defaults < `<dataDir>/pipelines.json` (or $BOARDWALK_PIPELINES_FILE) < overrides; unknown keys are errors. */
export function loadPipelineConfig(dataDir: string, overrides: PipelineOverrides = {}): PipelineConfig {
  const file = process.env['BOARDWALK_PIPELINES_FILE'] ?? join(dataDir, 'pipelines.json');
  let cfg = DEFAULT_PIPELINES;
  if (existsSync(file)) {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new Error(`${file}: not valid JSON (${(e as Error).message})`);
    }
    cfg = mergeConfig(cfg, check(raw, file));
  }
  return mergeConfig(cfg, check(overrides, 'pipeline overrides'));
}

function check(raw: unknown, where: string): PipelineOverrides {
  return parseOrThrow(ConfigSchema, raw, where);
}

function mergeConfig(base: PipelineConfig, o: PipelineOverrides): PipelineConfig {
  return {
    related: { ...base.related, ...o.related, quotas: { ...base.related.quotas, ...o.related?.quotas } },
    homefeed: { ...base.homefeed, ...o.homefeed, quotas: { ...base.homefeed.quotas, ...o.homefeed?.quotas } } as PipelineConfig['homefeed'],
    files: { ...base.files, ...o.files },
    realtimeMemboost: o.realtimeMemboost ?? base.realtimeMemboost,
    candidateLog: { ...base.candidateLog, ...o.candidateLog },
    rebuildNewPinShare: o.rebuildNewPinShare ?? base.rebuildNewPinShare,
  };
}

/**
 * A variant's `ranker` naming a model version: "v<N>" (each surface's own client) or
 * "<client>-v<N>" (that client only); null for any other name.
 */
function versionSpec(spec: string): { client: string | undefined; version: number } | null {
  const m = /^(?:([a-z0-9][a-z0-9_-]*)-)?v(\d+)$/.exec(spec);
  return m ? { client: m[1], version: Number(m[2]) } : null;
}

// ---- id remapping: artefacts keyed by a snapshot's dense ids onto the serving graph ----

/** Dense id in `to` of dense id `d` of the artefact's id space (`from` null = same ids). */
function mapper(from: IdMap | null, to: PinBoardGraph): (d: number) => number {
  if (!from || (from.isIdentity && to.pins.isIdentity)) return (d) => (d < to.numPins ? d : -1);
  return (d) => (d < from.size ? to.pins.get(from.external(d)) : -1);
}

/** The Memboost table re-keyed to `to`'s dense ids (pairs with a pin `to` lacks are dropped). */
export function remapMemboostTable(t: MemboostTable, from: IdMap | null, to: PinBoardGraph): MemboostTable {
  const m = mapper(from, to);
  const rows: { q: number; r: number; i: number }[] = [];
  for (let qi = 0; qi < t.queries.length; qi++) {
    const q = m(t.queries[qi]!);
    if (q < 0) continue;
    for (let i = t.offsets[qi]!; i < t.offsets[qi + 1]!; i++) {
      const r = m(t.results[i]!);
      if (r >= 0) rows.push({ q, r, i });
    }
  }
  rows.sort((a, b) => a.q - b.q || a.r - b.r);
  const queries: number[] = [];
  const offsets: number[] = [0];
  const results = new Uint32Array(rows.length);
  const imps = new Float32Array(rows.length);
  const acts = new Float32Array(rows.length * NUM_ACTIONS);
  const exp = new Float32Array(rows.length * NUM_ACTIONS);
  for (let k = 0; k < rows.length; k++) {
    const { q, r, i } = rows[k]!;
    if (queries.length === 0 || queries[queries.length - 1] !== q) {
      if (queries.length > 0) offsets.push(k);
      queries.push(q);
    }
    results[k] = r;
    imps[k] = t.impressions[i]!;
    acts.set(t.actions.subarray(i * NUM_ACTIONS, (i + 1) * NUM_ACTIONS), k * NUM_ACTIONS);
    exp.set(t.expected.subarray(i * NUM_ACTIONS, (i + 1) * NUM_ACTIONS), k * NUM_ACTIONS);
  }
  offsets.push(rows.length);
  if (queries.length === 0) offsets.length = 1;
  return new MemboostTable(Uint32Array.from(queries), Uint32Array.from(offsets), results, imps, acts, exp, t.rates);
}

/** The fresh-neighbour map re-keyed to `to`'s dense ids. */
export function remapFreshMap(map: FreshNeighbourMap, from: IdMap | null, to: PinBoardGraph): FreshNeighbourMap {
  if (from === null && to.numPins >= map.numPins) {
    // same ids, more pins (a grown graph): pad the offsets, share the lists
    const offsets = new Uint32Array(to.numPins + 1);
    offsets.set(map.offsets);
    offsets.fill(map.offsets[map.numPins]!, map.numPins + 1);
    return new FreshNeighbourMap(offsets, map.fresh, map.sims);
  }
  const m = mapper(from, to);
  const lists: { f: number[]; s: number[] }[] = Array.from({ length: to.numPins }, () => ({ f: [], s: [] }));
  for (let p = 0; p < map.numPins; p++) {
    const tp = m(p);
    if (tp < 0) continue;
    for (let k = map.offsets[p]!; k < map.offsets[p + 1]!; k++) {
      const f = m(map.fresh[k]!);
      if (f < 0) continue;
      lists[tp]!.f.push(f);
      lists[tp]!.s.push(map.sims[k]!);
    }
  }
  const offsets = new Uint32Array(to.numPins + 1);
  for (let p = 0; p < to.numPins; p++) offsets[p + 1] = offsets[p]! + lists[p]!.f.length;
  const fresh = new Uint32Array(offsets[to.numPins]!);
  const sims = new Float32Array(fresh.length);
  for (let p = 0; p < to.numPins; p++) {
    fresh.set(lists[p]!.f, offsets[p]!);
    sims.set(lists[p]!.s, offsets[p]!);
  }
  return new FreshNeighbourMap(offsets, fresh, sims);
}

// ---- small generator and surface wrappers ----

/**
 * A generator built on an older graph whose dense ids are a prefix of the current one (merged
 * writes only append pins): query pins it does not know are dropped instead of failing.
 */
class PrefixGuard implements CandidateGenerator {
  readonly name: string;
  constructor(
    private readonly inner: CandidateGenerator,
    private readonly numPins: number,
  ) {
    this.name = inner.name;
  }

  generate(req: CandidateRequest): Candidate[] {
    let ok = true;
    for (const p of req.queryPins) if (p >= this.numPins) ok = false;
    if (ok) return this.inner.generate(req);
    const pins: number[] = [];
    const weights: number[] = [];
    for (let i = 0; i < req.queryPins.length; i++) {
      if (req.queryPins[i]! >= this.numPins) continue;
      pins.push(req.queryPins[i]!);
      weights.push(req.queryWeights?.[i] ?? 1);
    }
    if (pins.length === 0) return [];
    return this.inner.generate({ ...req, queryPins: pins, queryWeights: weights });
  }
}

/** Adds GBDT feature contributions (`gbdt:<feature>`, `gbdt:bias`) to the top pins' explain parts. */
class GbdtExplained implements Surface {
  readonly name: string;
  constructor(
    private readonly inner: Surface,
    private readonly ranker: GbdtRanker,
    private readonly top: number,
  ) {
    this.name = inner.name;
  }

  async recommend(req: SurfaceRequest): Promise<RecommendedPin[]> {
    const list = await this.inner.recommend(req);
    if (!req.explain || list.length === 0 || this.top === 0) return list;
    const n = Math.min(list.length, this.top);
    const cands: Candidate[] = [];
    for (let i = 0; i < n; i++) {
      const r = list[i]!;
      // the surface's parts are the candidate's features plus its own score parts
      const { ranker: _r, memboostBoost: _b, memboost, ...features } = r.parts;
      if (memboost !== undefined && memboost !== 0) features['memboost'] = memboost;
      cands.push({ pin: r.pin, score: r.score, sources: r.sources, features });
    }
    const contrib = this.ranker.explain(req, cands);
    for (let i = 0; i < n; i++) for (const [f, v] of Object.entries(contrib[i]!)) list[i]!.parts[`gbdt:${f}`] = v;
    return list;
  }
}

/**
 * Serving-stage candidate logging and exploration: the served list is logged (features,
 * position) for ranker training; a hash-chosen share of requests is served in random order.
 */
class LoggedSurface implements Surface {
  readonly name: string;
  constructor(
    private readonly inner: Surface,
    private readonly client: string,
    private readonly sink: CandidateLogSink,
    private readonly exploration: ExplorationPolicy,
  ) {
    this.name = inner.name;
  }

  async recommend(req: SurfaceRequest): Promise<RecommendedPin[]> {
    let list = await this.inner.recommend(req);
    const requestId = `${this.client}-${req.seed.toString(16)}-${req.now ?? 0}`;
    const { order, randomized } = this.exploration.order(
      requestId,
      list.map((r) => r.score),
    );
    if (randomized) {
      list = Array.from(order, (i, k) => ({ ...list[i]!, score: list.length - k, parts: { ...list[i]!.parts, explored: 1 } }));
    }
    const cands = list.map((r) => ({ pin: r.pin, score: r.score, sources: r.sources, features: r.parts }));
    const records = candidateRecords(requestId, this.client, req, cands, Int32Array.from(cands, (_, i) => i), randomized);
    // the variant that produced the list, so training and reports can split by it
    if (req.experiments && req.experiments.length > 0) {
      const tags = req.experiments.map((t) => ({ experimentId: t.experimentId, variant: t.variant }));
      for (const r of records) r.experiments = tags;
    }
    this.sink.log(records);
    return list;
  }
}

/**
 * One surface per distinct set of request overrides (experiment variants), built on first use
 * for this graph generation; requests without overrides go to the base surface. Variants come
 * from the experiments file, so the map stays as small as the number of variants.
 */
class VariantSurfaces implements Surface {
  readonly name: string;
  private readonly base: Surface;
  private readonly variants = new Map<string, Surface>();

  constructor(private readonly build: (o: ServingOverrides) => Surface) {
    this.base = build({});
    this.name = this.base.name;
  }

  recommend(req: SurfaceRequest): Promise<RecommendedPin[]> {
    const k = overridesKey(req.overrides);
    if (k === '') return this.base.recommend(req);
    let s = this.variants.get(k);
    if (!s) {
      s = this.build(req.overrides!);
      this.variants.set(k, s);
    }
    return s.recommend(req);
  }
}

// ---- heavy, per-graph-generation artefacts ----

/** Pins with text, annotations or embeddings, by id (kept current by the upsertPins hook). */
interface Catalogue {
  rows: Map<string, PinRecord>;
}

/** Indexes built from one graph (the base); reused by later graphs that only appended pins. */
interface Heavy {
  base: PinBoardGraph;
  text: Bm25Index | null;
  visual: { column: VectorColumn; index: HnswIndex; duplicates?: NearDuplicates } | null;
  embeddings: { table: EmbeddingTable; index: NeighbourIndex } | null;
  memboost: MemboostTable | null;
  freshMap: FreshNeighbourMap | null;
  builtMs: number;
}

export interface FullSurfacesOptions {
  dataDir: string;
  /** storage settings: postgres storage puts real-time Memboost counters in Redis */
  storage?: Pick<StorageConfig, 'kind' | 'redisUrl' | 'redisPrefix'>;
  config?: PipelineOverrides;
  /** startup and rebuild messages */
  log?: (msg: string) => void;
  /** PinnerSage daily profiles: polling for new runs, the in-process schedule, job settings */
  pinnersage?: PinnerSageServingConfig;
}

/** What was found and plugged in; returned by installFullSurfaces. */
export interface PipelineInfo {
  related: { sources: string[]; ranker: string; memboost: 'none' | 'table' | 'realtime' } | null;
  homefeed: { sources: string[]; ranker: string; blend: string } | null;
  artefacts: Record<string, string | null>;
  candidateLog: string | null;
}

export class FullSurfaces {
  private heavy: Heavy | null = null;
  private realtime: RealtimeMemboost | null = null;
  private counters: CounterStore | null = null;
  private sink: JsonlCandidateLogSink | null = null;
  private exploration: ExplorationPolicy;
  private relatedRanker: GbdtRanker | null = null;
  private homeRanker: GbdtRanker | null = null;
  private retrieval: RetrievalService | null = null;
  /** the two-tower model with its feature inputs and online-added pins (src/retrieval/graph-source.ts) */
  private twoTower: ServingTwoTower | null = null;
  private restoreHome: (() => void) | null = null;
  private snapshotIds: IdMap | null = null;
  private memboostTable: MemboostTable | null = null;
  /** Memboost's parameters for the served Related Pins ranker, and how they were chosen */
  private memboostServed: { params: MemboostParams; origin: ParamsOrigin; ranker: string } = { params: DEFAULT_MEMBOOST, origin: 'defaults', ranker: 'blend' };
  /** what memboostParamsFor resolves from: the table's params file and the ranking registry */
  private memboostTableParams: StoredMemboostParams | null = null;
  private registry: ModelRegistry | null = null;
  /** per client: source weights fitted by `boardwalk fit-blend` for the BlendRanker */
  private blendWeights = new Map<string, Record<string, number>>();
  private freshMap: FreshNeighbourMap | null = null;
  private catalogue: Catalogue = { rows: new Map() };
  private restoreIngest: (() => void) | null = null;
  /** stored daily PinnerSage profiles + online updates (src/serving/pinnersage-profiles.ts) */
  private profiles: ServedProfiles | null = null;
  private restoreProfiles: (() => void) | null = null;
  private restoreUpsert: (() => void) | null = null;
  private removeOverrideCheck: (() => void) | null = null;
  /** ranker model versions experiments asked for, by file path */
  private readonly versionRankers = new Map<string, GbdtRanker>();
  readonly info: PipelineInfo = { related: null, homefeed: null, artefacts: {}, candidateLog: null };

  private constructor(
    readonly engine: Engine,
    readonly config: PipelineConfig,
    private readonly o: FullSurfacesOptions,
  ) {
    this.exploration = new ExplorationPolicy(config.candidateLog.exploration, engine.config.seed);
  }

  /** Reads the artefacts in the data dir and plugs the pipelines into the engine. */
  static async install(engine: Engine, o: FullSurfacesOptions): Promise<FullSurfaces> {
    const fs = new FullSurfaces(engine, loadPipelineConfig(o.dataDir, o.config), o);
    await fs.load();
    fs.plug();
    return fs;
  }

  private path(p: string): string {
    return p.startsWith('/') ? p : join(this.o.dataDir, p);
  }

  private log(msg: string): void {
    this.o.log?.(msg);
  }

  /** (Re)reads catalogue rows and artefact files; the next request rebuilds the surfaces. */
  async load(): Promise<void> {
    const c = this.config;
    const rows = new Map<string, PinRecord>();
    for await (const batch of this.engine.storage.listPins(5000)) for (const r of batch) if (hasContent(r)) rows.set(r.id, r);
    this.catalogue = { rows };
    const a = this.info.artefacts;
    a['catalogue'] = `${rows.size} pins with text or embeddings`;

    const gp = this.path(c.files.graph);
    this.snapshotIds = existsSync(gp) ? loadSnapshot(gp).pins : null;
    a['graph'] = this.snapshotIds ? gp : null;

    const mp = this.path(c.files.memboost);
    this.memboostTable = null;
    let tableParams: StoredMemboostParams | null = null;
    if (existsSync(mp)) {
      this.memboostTable = MemboostTable.decode(readFileSync(mp));
      tableParams = readTableParams(`${mp}.params.json`);
    }
    a['memboost'] = this.memboostTable ? mp : null;
    if (!this.memboostTable) this.realtime = null;

    const rp = this.path(c.files.registry);
    this.relatedRanker = null;
    this.homeRanker = null;
    const reg = existsSync(rp) ? new ModelRegistry(rp) : null;
    if (reg) {
      this.relatedRanker = reg.ranker(SURFACES.related);
      this.homeRanker = reg.ranker(SURFACES.homefeed);
    }
    a['registry'] = reg ? rp : null;
    this.blendWeights = new Map();
    for (const client of [SURFACES.related, SURFACES.homefeed]) {
      const bp = join(this.path(c.files.blendWeights), `${client}.json`);
      const w = readBlendWeights(bp);
      if (w) this.blendWeights.set(client, w);
      a[`blendWeights.${client}`] = w ? bp : null;
    }
    // Memboost's γ is relative to the ranker's scale: the parameters fitted for the served version
    const served = servedMemboostParams(reg, SURFACES.related, tableParams);
    this.memboostServed = served;
    this.memboostTableParams = tableParams;
    this.registry = reg;
    a['memboostParams'] = `${served.origin} (ranker ${served.ranker})`;

    const tp = this.path(c.files.twoTower);
    this.retrieval = null;
    if (existsSync(tp)) {
      const store = new ModelStore(tp);
      if (store.current() !== null) this.retrieval = new RetrievalService(store.load());
    }
    // a model trained on content features reads every stored pin's record (not only text ones)
    const tt = this.retrieval;
    this.twoTower = tt ? new ServingTwoTower(tt, tt.encoder && tt.encoder.pinWidth > 0 ? (await storedPinContents(this.engine.storage)).values() : []) : null;
    a['twoTower'] = this.retrieval ? `${tp} (${this.retrieval.version.version}${tt?.encoder ? `, features ${tt.encoder.fingerprint}` : ''})` : null;
    if (c.homefeed.pinnerSageEmbeddings === 'two_tower' && !this.retrieval)
      throw new Error(`pipelines: homefeed.pinnerSageEmbeddings is two_tower but ${tp} has no published two-tower model`);

    const np = this.path(c.files.newNeighbours);
    this.freshMap = existsSync(np) ? loadFreshNeighbourMap(np) : null;
    a['newNeighbours'] = this.freshMap ? np : null;

    if (!this.profiles && c.homefeed.enabled && (c.homefeed.quotas.pinnersage ?? 0) > 0)
      this.profiles = new ServedProfiles(this.engine.storage, this.o.pinnersage ?? DEFAULT_PINNERSAGE_SERVING, this.o.log);
    if (this.profiles) {
      await this.profiles.refresh();
      const run = this.profiles.currentRun;
      a['pinnerSageProfiles'] = run ? `run ${run.id} (${run.users} users, ${run.modelVersion})` : null;
    }

    this.heavy = null;
    this.log(`pipelines: artefacts ${JSON.stringify(a)}`);
  }

  /** Re-reads artefacts (after a batch job wrote new ones) and rebuilds the surfaces. */
  async reload(): Promise<void> {
    await this.load();
    this.plug();
  }

  private plug(): void {
    const c = this.config;
    if (c.candidateLog.enabled && !this.sink) {
      const f = this.path(c.candidateLog.file);
      mkdirSync(dirname(f), { recursive: true });
      this.sink = new JsonlCandidateLogSink(f, c.candidateLog.bufferRecords);
      this.info.candidateLog = f;
    }
    if (c.related.enabled) this.engine.setSurfaceFactory(SURFACES.related, (g) => new VariantSurfaces((o) => this.related(g, o)));
    if (c.homefeed.enabled) this.engine.setSurfaceFactory(SURFACES.homefeed, (g) => new VariantSurfaces((o) => this.homefeed(g, o)));
    this.versionRankers.clear();
    this.removeOverrideCheck ??= this.engine.addOverrideCheck((o) => {
      if (o.ranker === undefined) return;
      if (this.config.related.enabled) this.rankerFor(SURFACES.related, o.ranker);
      if (this.config.homefeed.enabled) this.rankerFor(SURFACES.homefeed, o.ranker);
    });
    this.hookEvents();
    this.hookCatalogue();
    this.hookProfiles();
    this.hookHomefeed();
    // build now, not on the first request
    const g = this.engine.snapshot.graph;
    if (c.related.enabled) this.engine.surface(SURFACES.related, g);
    if (c.homefeed.enabled) this.engine.surface(SURFACES.homefeed, g);
  }

  /** Feeds POST /v1/events into the real-time Memboost counters (the engine has no event hook). */
  private hookEvents(): void {
    if (this.restoreIngest || !this.config.realtimeMemboost || !this.memboostTable) return;
    const engine = this.engine;
    this.restoreIngest = wrapEngine(engine, 'ingest', (ingest) => async (events) => {
      const r = await ingest(events);
      const rt = this.realtime;
      if (rt) {
        const g = engine.snapshot.graph;
        const dense: MemboostEvent[] = [];
        for (const e of events) {
          if (e.queryPin === undefined || e.surface !== rt.surface) continue;
          const pin = g.pins.get(e.pin);
          const q = g.pins.get(e.queryPin);
          if (pin < 0 || q < 0) continue;
          dense.push({ pin, queryPin: q, action: e.action, surface: e.surface, platform: e.platform, position: e.position, timestamp: e.timestamp });
        }
        if (dense.length > 0) await rt.record(dense);
      }
      return r;
    });
  }

  /**
   * Keeps the catalogue rows current with POST /v1/pins, so the next index build (a graph with
   * more than rebuildNewPinShare new pins, or new dense ids) sees the new texts and embeddings.
   */
  private hookCatalogue(): void {
    if (this.restoreUpsert) return;
    this.restoreUpsert = wrapEngine(this.engine, 'upsertPins', (upsert) => async (pins) => {
      await upsert(pins);
      const rows = this.catalogue.rows;
      for (const p of pins) if (hasContent(p)) rows.set(p.id, { ...rows.get(p.id), ...p });
      this.twoTower?.upsert(pins); // new pins enter the two-tower index from their content
    });
  }

  /**
   * Gives the home feed's two_tower generator the user's profile (record + recent actions), read
   * from storage per request when the serving model has profile features.
   */
  private hookHomefeed(): void {
    if (this.restoreHome) return;
    const engine = this.engine;
    this.restoreHome = wrapEngine(engine, 'homefeed', (home) => async (userId, r) => {
      const tt = this.twoTower;
      const w = tt?.userWindow ?? 0;
      if (!tt || w === 0) return home(userId, r);
      const user = await storedUserContent(engine.storage, userId, w);
      // the profile shapes the user embedding, so users with the same query pins but other
      // profiles must not share a cached feed
      const keyed: PageRequest = { ...r, viewerKey: user ? String(hashSeed(JSON.stringify(user))) : 'none' };
      return tt.withUser(user, () => home(userId, keyed));
    });
  }

  /**
   * The ranker a variant's `ranker` param names for a client: undefined = the BlendRanker,
   * "current" = the registry's serving model, "v<N>" = that version of this client's model,
   * "<client>-v<N>" = that model for its own client (other clients keep their current one).
   */
  private rankerFor(client: string, spec: string | undefined): Ranker | undefined {
    const current = client === SURFACES.related ? this.relatedRanker : this.homeRanker;
    // without a promoted model the surface serves the BlendRanker: with fitted weights when fit-blend wrote them
    const fitted = this.blendWeights.get(client);
    const blend = (): Ranker | undefined => (fitted ? new BlendRanker(fitted) : undefined);
    if (spec === undefined || spec === 'current') return current ?? blend();
    if (spec === 'none') return new VisitCountRanker();
    if (spec === 'blend') return blend() ?? new BlendRanker();
    const v = versionSpec(spec);
    if (!v) throw new Error(`ranker "${spec}": not a ranker name`);
    if (v.client !== undefined && v.client !== client) return current ?? blend();
    const file = join(this.path(this.config.files.registry), 'models', `${client}-v${v.version}.json`);
    let r = this.versionRankers.get(file);
    if (!r) {
      if (!existsSync(file))
        throw new Error(`ranker "${spec}": the ranking registry has no model ${file}${v.client === undefined ? ` (name one client's version as "<client>-v${v.version}")` : ''}`);
      r = new GbdtRanker(GbdtModel.fromJSON(JSON.parse(readFileSync(file, 'utf8'))), `gbdt:${client}-v${v.version}`);
      this.versionRankers.set(file, r);
    }
    return r;
  }

  /**
   * Memboost's parameters for the Related Pins ranker a variant's `ranker` param names (see
   * rankerFor): γ is relative to a ranker's score scale, so a variant serving an older model
   * version gets the parameters fitted for that version (else hand-set ones, else defaults),
   * not the current model's.
   */
  memboostParamsFor(spec: string | undefined): { params: MemboostParams; origin: ParamsOrigin; ranker: string } {
    const client = SURFACES.related;
    if (spec === undefined || spec === 'current') return this.memboostServed;
    const v = versionSpec(spec);
    if (v && v.client !== undefined && v.client !== client) return this.memboostServed;
    // 'blend' and 'none' (visit counts) have no model version: the blend's fit, or hand-set ones
    const key = v ? rankerKey(client, v.version) : spec === 'blend' ? rankerKey(client, null) : 'visit-count';
    const own = v && this.registry ? readRankerParams(this.registry, client, v.version) : null;
    const r = resolveMemboostParams(key, [own, this.memboostTableParams]);
    return { params: r.params, origin: r.origin, ranker: key };
  }

  /** Heavy indexes for graph g: reused while g only appended pins to their base graph. */
  private heavyFor(g: PinBoardGraph): Heavy {
    const h = this.heavy;
    if (h && (h.base === g || (extendsIds(h.base, g) && g.numPins - h.base.numPins <= this.config.rebuildNewPinShare * h.base.numPins))) return h;
    const t0 = performance.now();
    const c = this.config;
    const rows = this.catalogue.rows.values();
    const docs = pinDocuments(rows, g.pins);
    const text = docs.some((d) => d !== null) ? Bm25Index.build(docs) : null;
    let visual: Heavy['visual'] = null;
    const col = vectorColumnFromRows(c.related.visualEmbedding, this.catalogue.rows.values(), g.pins);
    if (col) {
      const index = new HnswIndex(col, DEFAULT_RELATED_SETUP.hnsw);
      let duplicates: NearDuplicates | undefined;
      if (c.related.duplicateThreshold > 0) {
        const degree = new Float64Array(g.numPins);
        for (let p = 0; p < g.numPins; p++) degree[p] = g.pinDegree(p);
        duplicates = NearDuplicates.detect(col, index, { threshold: c.related.duplicateThreshold, priority: degree });
      }
      visual = duplicates ? { column: col, index, duplicates } : { column: col, index };
    }
    let embeddings: Heavy['embeddings'] = null;
    if (c.homefeed.enabled && (c.homefeed.quotas.pinnersage ?? 0) > 0) {
      const kind = c.homefeed.pinnerSageEmbeddings;
      embeddings =
        this.twoTower && kind !== 'svd' ? twoTowerEmbeddings(this.twoTower.service.current, this.twoTower.pinEmbeddings(), g) : graphEmbeddings(g, c.homefeed.pinnerSageDim, this.engine.config.seed);
      this.info.artefacts['pinnerSageEmbeddings'] = embeddings ? (this.twoTower && kind !== 'svd' ? 'two_tower' : 'svd') : null;
    }
    const memboost = this.memboostTable ? remapMemboostTable(this.memboostTable, this.snapshotIds, g) : null;
    const freshMap = this.freshMap ? remapFreshMap(this.freshMap, this.snapshotIds, g) : null;
    const next: Heavy = { base: g, text, visual, embeddings, memboost, freshMap, builtMs: performance.now() - t0 };
    this.heavy = next;
    if (memboost) {
      if (!this.realtime) {
        if (c.realtimeMemboost) {
          const s = this.o.storage;
          this.counters = openCounterStore(s?.kind === 'postgres' ? { redisUrl: s.redisUrl, prefix: `${s.redisPrefix}:memboost` } : {});
          this.realtime = new RealtimeMemboost(memboost, this.counters, SURFACES.related);
        }
      } else void this.realtime.replaceTable(memboost); // dense ids changed: counters restart
    }
    this.log(`pipelines: indexes for ${g.numPins} pins built in ${next.builtMs.toFixed(0)} ms`);
    return next;
  }

  private memory(h: Heavy): MemoryProvider | undefined {
    if (this.realtime) return this.realtime;
    return h.memboost ? tableMemory(h.memboost) : undefined;
  }

  /**
   * Related Pins for graph g: createRelatedPins's composition (src/surfaces/related-pins.ts), with
   * the text and visual indexes reused across graph generations instead of rebuilt per swap.
   */
  private related(g: PinBoardGraph, o: ServingOverrides = {}): Surface {
    const h = this.heavyFor(g);
    const c = this.config.related;
    const q: Record<string, number | undefined> = { ...DEFAULT_RELATED_SETUP.quotas, ...c.quotas, ...o.quotas };
    const pixieOpts = { ...this.engine.config.pixie, steps: o.pixieSteps ?? c.pixieSteps ?? this.engine.config.pixie.steps ?? DEFAULT_RELATED_SETUP.pixie.steps };
    const localeBias = this.engine.config.localeBias;
    const sources: RelatedSource[] = [
      { generator: new PixieGenerator(new PixieWalker(g), { walk: pixieOpts, localeBias }), quota: q.pixie ?? 60 },
      { generator: new BoardCooccurrenceGenerator(g), quota: q.board ?? 40 },
    ];
    const n = h.base.numPins;
    if (h.text) sources.push({ generator: new PrefixGuard(new TextGenerator(h.text), n), quota: q.text ?? 30 });
    if (h.visual) sources.push({ generator: new PrefixGuard(new VisualGenerator(h.visual.column, h.visual.index, h.visual.duplicates), n), quota: q.visual ?? 30 });
    if (g.meta.pins.locale) {
      const local = new PixieGenerator(new PixieWalker(g), { walk: pixieOpts, localeBias: Math.max(2, localeBias) }, 'pixie');
      sources.push({ generator: new LocaleSegmentedGenerator(local, g.meta.pins.locale), quota: q.locale ?? 20 });
      sources.push({ generator: new LocaleSegmentedGenerator(new BoardCooccurrenceGenerator(g), g.meta.pins.locale), quota: q.locale ?? 20 });
    }
    const memory = this.memory(h);
    const opts: ConstructorParameters<typeof RelatedPinsSurface>[0] = {
      sources,
      memboost: this.memboostParamsFor(o.ranker).params,
      candidates: c.candidates,
      insertion: DEFAULT_RELATED_SETUP.insertion,
    };
    const ranker = this.rankerFor(SURFACES.related, o.ranker);
    if (ranker) opts.ranker = ranker;
    if (memory) opts.memory = memory;
    if (h.visual?.duplicates) opts.duplicates = h.visual.duplicates;
    let s: Surface = new RelatedPinsSurface(opts);
    if (overridesKey(o) === '')
      this.info.related = {
        sources: sources.map((x) => x.generator.name),
        ranker: this.relatedRanker?.name ?? (this.blendWeights.has(SURFACES.related) ? 'blend (fitted)' : 'blend'),
        memboost: this.realtime ? 'realtime' : h.memboost ? 'table' : 'none',
      };
    if (ranker instanceof GbdtRanker) s = new GbdtExplained(s, ranker, c.explainTop);
    if (this.sink) s = new LoggedSurface(s, SURFACES.related, this.sink, this.exploration);
    return s;
  }

  private homefeed(g: PinBoardGraph, o: ServingOverrides = {}): Surface {
    const h = this.heavyFor(g);
    const c = this.config.homefeed;
    const q: PipelineConfig['homefeed']['quotas'] = { ...c.quotas, ...o.quotas };
    const pixieOpts = o.pixieSteps === undefined ? this.engine.config.pixie : { ...this.engine.config.pixie, steps: o.pixieSteps };
    const blend: HomeFeedBlend = o.freshRatio === undefined ? c.blend : o.freshRatio === 0 ? { mode: 'none' } : { mode: 'ratio', every: o.freshRatio };
    const sources: HomeFeedSource[] = [];
    const fresh: HomeFeedSource[] = [];
    if ((q.pixie ?? 0) > 0)
      sources.push({ generator: new PixieGenerator(new PixieWalker(g), { walk: pixieOpts, localeBias: this.engine.config.localeBias }), quota: q.pixie! });
    if (this.twoTower && (q.two_tower ?? 0) > 0) sources.push({ generator: this.twoTower.generator(g), quota: q.two_tower! });
    if (h.embeddings && (q.pinnersage ?? 0) > 0) {
      const ps = new OnDemandPinnerSage(h.embeddings.table, h.embeddings.index, {
        halfLifeMs: this.engine.config.homefeedHalfLifeMs,
        profile: {},
        retrieval: { medoids: c.pinnerSageMedoids },
      });
      sources.push({ generator: new PrefixGuard(this.pinnerSageSource(h, ps), h.base.numPins), quota: q.pinnersage! });
    }
    const steps = pixieOpts.steps ?? 20_000;
    if (g.meta.pins.createdAt && (q.fresh_boards ?? 0) > 0)
      fresh.push({ generator: new FreshBoardsGenerator(new PixieWalker(g), { freshDays: c.freshDays, steps }), quota: q.fresh_boards! });
    if (h.freshMap && (q.fresh_neighbours ?? 0) > 0) {
      // the map is sized to the base graph; on a grown graph it is re-keyed once for this generation
      const map = h.base === g ? h.freshMap : remapFreshMap(h.freshMap, null, g);
      fresh.push({ generator: new FreshNeighboursGenerator(new PixieWalker(g), map, { steps }), quota: q.fresh_neighbours! });
    }
    const fallback = new PixieHomeFeed({ graph: () => g, pixie: pixieOpts, localeBias: this.engine.config.localeBias });
    const opts: ConstructorParameters<typeof HomeFeedSurface>[0] = { sources, fresh, candidates: c.candidates, blend, explainTop: c.explainTop, fallback };
    const ranker = this.rankerFor(SURFACES.homefeed, o.ranker);
    if (ranker) opts.ranker = ranker;
    let s: Surface = new HomeFeedSurface(opts);
    if (overridesKey(o) === '')
      this.info.homefeed = {
        sources: [...sources, ...fresh].map((x) => x.generator.name),
        ranker: this.homeRanker?.name ?? (this.blendWeights.has(SURFACES.homefeed) ? 'blend (fitted)' : 'blend'),
        blend: c.blend.mode === 'ratio' ? `ratio every ${c.blend.every}` : c.blend.mode === 'floor' ? `floor ${c.blend.minShare} of top ${c.blend.topK}` : 'none',
      };
    if (this.sink) s = new LoggedSurface(s, SURFACES.homefeed, this.sink, this.exploration);
    return s;
  }

  /**
   * Feeds ingested events to the online PinnerSage clusters, keys cached home feeds by the
   * viewer's profile version, and starts polling for new daily runs (and the in-process schedule).
   */
  private hookProfiles(): void {
    const p = this.profiles;
    if (this.restoreProfiles || !p) return;
    const engine = this.engine;
    const restoreIngest = wrapEngine(engine, 'ingest', (ingest) => async (events) => {
      const r = await ingest(events);
      p.record(events);
      return r;
    });
    engine.viewerTag = (u) => p.tag(u);
    p.start(() => this.servedEmbeddings());
    this.restoreProfiles = () => {
      restoreIngest();
      engine.viewerTag = () => '';
    };
  }

  /** The stored + online profile source, with `onDemand` for users without a stored profile. */
  private pinnerSageSource(h: Heavy, onDemand: CandidateGenerator): CandidateGenerator {
    const p = this.profiles;
    if (!p || !h.embeddings) return onDemand;
    const bound = p.bind(h.base, h.embeddings.table);
    return new StoredPinnerSage(bound, h.embeddings.table, h.embeddings.index, { medoids: this.config.homefeed.pinnerSageMedoids }, onDemand);
  }

  /** The embeddings the home feed serves PinnerSage with (what an in-process daily run clusters in). */
  private servedEmbeddings(): ServedEmbeddings | null {
    const h = this.heavyFor(this.engine.snapshot.graph);
    if (!h.embeddings) return null;
    const kind = this.info.artefacts['pinnerSageEmbeddings'] === 'two_tower' ? 'two_tower' : 'svd';
    const version = embeddingsVersion(kind, h.base, h.embeddings.table.dim, this.engine.config.seed, this.retrieval);
    return { graph: h.base, table: h.embeddings.table, version };
  }

  /** The served PinnerSage profiles (null when the home feed has no PinnerSage source). */
  get pinnerSageProfiles(): ServedProfiles | null {
    return this.profiles;
  }

  /** Runs the PinnerSage daily job now on the served embeddings; the new profiles are served when it commits. */
  runPinnerSageDaily(now = Date.now()): ReturnType<ServedProfiles['runDaily']> {
    if (!this.profiles) throw new Error('pipelines: the home feed has no PinnerSage source (homefeed.quotas.pinnersage is 0)');
    return this.profiles.runDaily(() => this.servedEmbeddings(), now);
  }

  /** Writes out buffered candidate-log lines. */
  flush(): void {
    this.sink?.flush();
  }

  async close(): Promise<void> {
    await this.profiles?.stop();
    this.restoreProfiles?.();
    this.restoreProfiles = null;
    this.sink?.close();
    this.sink = null;
    this.restoreIngest?.();
    this.restoreIngest = null;
    this.restoreUpsert?.();
    this.restoreUpsert = null;
    this.restoreHome?.();
    this.restoreHome = null;
    this.removeOverrideCheck?.();
    this.removeOverrideCheck = null;
    await this.counters?.close();
    this.counters = null;
  }
}

/** Plugs the full pipelines into an engine (see FullSurfaces). */
export function installFullSurfaces(engine: Engine, o: FullSurfacesOptions): Promise<FullSurfaces> {
  return FullSurfaces.install(engine, o);
}

function hasContent(r: PinRecord): boolean {
  return r.text !== undefined || r.annotations !== undefined || r.embeddings !== undefined;
}

/** True when `g` keeps every pin of `base` at the same dense id (merged writes only append). */
function extendsIds(base: PinBoardGraph, g: PinBoardGraph): boolean {
  if (g.numPins < base.numPins) return false;
  if (base.pins.isIdentity && g.pins.isIdentity) return true;
  for (let p = 0; p < base.numPins; p++) if (g.pins.external(p) !== base.pins.external(p)) return false;
  return true;
}

type Wrappable = 'ingest' | 'upsertPins' | 'homefeed';

/**
 * Replaces one of the engine's methods with `wrap(previous)` (the engine has no hooks of its
 * own) and returns the undo, which puts back exactly what was there before, so wrappers of
 * the same method undo in reverse order without removing each other.
 */
function wrapEngine<K extends Wrappable>(engine: Engine, name: K, wrap: (previous: Engine[K]) => Engine[K]): () => void {
  const own = Object.prototype.hasOwnProperty.call(engine, name);
  const before = engine[name];
  engine[name] = wrap(before.bind(engine) as Engine[K]);
  return () => {
    if (own) engine[name] = before;
    else delete (engine as Partial<Record<Wrappable, unknown>>)[name];
  };
}
