import type { PinBoardGraph } from '../graph/graph.js';
import { categoricalValue } from '../graph/metadata.js';
import type {
  AppendResult,
  BoardRecord,
  EngagementEvent,
  PinRecord,
  SaveRecord,
  Storage,
  UserRecord,
} from '../storage/types.js';
import { pixieSurfaces } from '../surfaces/pixie-surfaces.js';
import { overridesKey, tagsKey } from '../surfaces/overrides.js';
import type { ExperimentTag, RecommendedPin, ServingOverrides, Surface, SurfaceRequest } from '../surfaces/types.js';
import { hashSeed } from '../util/rng.js';
import type { PixieOptions } from '../walk/pixie.js';
import type { NodeNote } from './graph-delta.js';
import { LiveGraph, type GraphSnapshot, type SwapInfo } from './live-graph.js';
import { CompactList } from './compact-list.js';
import { Lru } from './lru.js';
import { userQuery } from './user-queries.js';

export interface EngineConfig {
  /** cached result lists (per surface, query and graph version) */
  cacheSize: number;
  /** results computed per query; pagination stops there */
  maxResults: number;
  seed: number;
  /** recent actions read per user for the home feed and exclude_seen */
  recentActions: number;
  /** home feed: most query pins taken from recent actions, and their half-life */
  homefeedQueryPins: number;
  homefeedHalfLifeMs: number;
  /** related boards: at most this many of the board's pins seed the walk */
  boardQueryPins: number;
  /** delay between a write and the merge that makes it visible (ms) */
  mergeDelayMs: number;
  /** full rebuild from storage every this many ms (0 = never) */
  rebuildIntervalMs: number;
  /** look for saves written by other processes every this many ms (0 = never) */
  pollIntervalMs: number;
  pixie: Partial<PixieOptions>;
  /** locale bias strength for walks when a request names a locale (1 = off) */
  localeBias: number;
}

export const DEFAULT_ENGINE: EngineConfig = {
  cacheSize: 50_000,
  maxResults: 200,
  seed: 1,
  recentActions: 100,
  homefeedQueryPins: 20,
  homefeedHalfLifeMs: 3 * 86_400_000,
  boardQueryPins: 50,
  mergeDelayMs: 50,
  rebuildIntervalMs: 10 * 60_000,
  pollIntervalMs: 1000,
  // α and β as tuned on citeulike-a (docs/eval.md: mostly one-hop walks, degree penalty 0.5)
  pixie: { steps: 20_000, alpha: 0.9, np: 500, nv: 4, degreePenalty: 0.5 },
  localeBias: 4,
};

/** Hooks for metrics; every field optional. */
export interface EngineObserver {
  walkSteps?(surface: string, steps: number): void;
  candidates?(source: string, n: number): void;
  cache?(surface: string, hit: boolean): void;
  swap?(info: SwapInfo): void;
}

export interface PageRequest {
  limit: number;
  offset: number;
  /** keep only pins of this locale (and bias the walk towards it) */
  locale?: string;
  /** the viewer, for exclude_seen and hidden pins */
  user?: string;
  excludeSeen: boolean;
  explain: boolean;
  /** an experiment variant's pipeline changes (part of the cache key) */
  overrides?: ServingOverrides;
  /** the viewer's experiment assignments: logged with the candidates; variants never share cached lists */
  experiments?: readonly ExperimentTag[];
  /** what else the result depends on about the viewer (e.g. the two-tower profile features): part of the cache key */
  viewerKey?: string;
}

export interface PageItem {
  id: string;
  score: number;
  sources?: string[];
  parts?: Record<string, number>;
}

export interface Page {
  items: PageItem[];
  /** offset of the next page, null at the end */
  nextOffset: number | null;
  graphVersion: number;
}

export class NotFoundError extends Error {
  constructor(
    readonly kind: string,
    readonly id: string,
  ) {
    super(`unknown ${kind}: ${JSON.stringify(id)}`);
    this.name = 'NotFoundError';
  }
}

/** Surface names the engine routes to; swap one with `engine.setSurface(name, surface)`. */
export const SURFACES = { related: 'related', homefeed: 'homefeed', relatedBoards: 'related_boards' } as const;

/**
 * The composition root of the service: storage, the live graph, the surfaces by name and a
 * result cache. Requests take one graph snapshot and use it from id lookup to the answer;
 * a surface gets that graph from `engine.graphForSurface()`, read synchronously at the start
 * of its `recommend` call.
 */
export class Engine {
  readonly config: EngineConfig;
  private readonly surfaces = new Map<string, Surface>();
  private readonly factories = new Map<string, { make: (g: PinBoardGraph) => Surface; graph: PinBoardGraph | null; surface: Surface | null }>();
  private readonly cache: Lru<CompactList>;
  private rebuildTimer: NodeJS.Timeout | null = null;
  /** the graph of the request whose surface call is starting (see `run`) */
  private requestGraph: PinBoardGraph | null = null;
  /**
   * Per-viewer state the home feed reads (stored PinnerSage profiles): a non-empty tag puts the
   * viewer and the tag in the cache key, and the viewer in the surface request.
   */
  viewerTag: (user: string) => string = () => '';
  private readonly overrideChecks = new Set<(o: ServingOverrides) => void>();

  private constructor(
    readonly storage: Storage,
    readonly live: LiveGraph,
    config: Partial<EngineConfig>,
    private readonly observer: EngineObserver,
  ) {
    this.config = { ...DEFAULT_ENGINE, ...config, pixie: { ...DEFAULT_ENGINE.pixie, ...config.pixie } };
    this.cache = new Lru(this.config.cacheSize);
    for (const s of pixieSurfaces({
      graph: () => this.requestGraph ?? this.live.graph,
      pixie: this.config.pixie,
      localeBias: this.config.localeBias,
      onWalk: (name, steps) => this.observer.walkSteps?.(name, steps),
    }))
      this.surfaces.set(s.name, s);
    live.onSwap = (info) => this.observer.swap?.(info);
  }

  /** Loads the graph from storage (recovering everything written before) and starts the rebuild timer. */
  static async open(storage: Storage, config: Partial<EngineConfig> = {}, observer: EngineObserver = {}): Promise<Engine> {
    const live = await LiveGraph.open(storage, {
      mergeDelayMs: config.mergeDelayMs ?? DEFAULT_ENGINE.mergeDelayMs,
      pollIntervalMs: config.pollIntervalMs ?? DEFAULT_ENGINE.pollIntervalMs,
    });
    const e = new Engine(storage, live, config, observer);
    if (e.config.rebuildIntervalMs > 0) {
      e.rebuildTimer = setInterval(() => void e.live.rebuild().catch(() => undefined), e.config.rebuildIntervalMs);
      e.rebuildTimer.unref();
    }
    return e;
  }

  /** Replaces the surface for a name (the lead plugs in full pipelines here). */
  setSurface(name: string, surface: Surface): void {
    this.factories.delete(name);
    this.surfaces.set(name, surface);
    this.cache.clear();
  }

  /**
   * Replaces the surface for a name with one built per graph generation: `make(graph)` runs on
   * the first request after each swap, for surfaces whose generators bind to one graph.
   */
  setSurfaceFactory(name: string, make: (graph: PinBoardGraph) => Surface): void {
    this.surfaces.delete(name);
    this.factories.set(name, { make, graph: null, surface: null });
    this.cache.clear();
  }

  /** The surface for a name, on graph `g` (the current graph when omitted). */
  surface(name: string, g: PinBoardGraph = this.live.graph): Surface {
    const f = this.factories.get(name);
    if (f) {
      if (f.graph !== g || f.surface === null) {
        f.surface = f.make(g);
        f.graph = g;
      }
      return f.surface;
    }
    const s = this.surfaces.get(name);
    if (!s) throw new Error(`no surface named ${JSON.stringify(name)}`);
    return s;
  }

  /** Registers a check of variant overrides (the full pipelines: do ranker versions exist); returns its removal. */
  addOverrideCheck(check: (o: ServingOverrides) => void): () => void {
    this.overrideChecks.add(check);
    return () => this.overrideChecks.delete(check);
  }

  /** Throws when a surface cannot serve these overrides (called when experiments load). */
  checkOverrides(o: ServingOverrides): void {
    for (const c of this.overrideChecks) c(o);
  }

  /** The graph a surface must use: the calling request's snapshot (or the current one). */
  graphForSurface(): PinBoardGraph {
    return this.requestGraph ?? this.live.graph;
  }

  get snapshot(): GraphSnapshot {
    return this.live.current;
  }

  async close(): Promise<void> {
    if (this.rebuildTimer) clearInterval(this.rebuildTimer);
    await this.live.close();
  }

  // ---- writes: storage first, then the live graph learns about them ----

  async upsertPins(pins: PinRecord[]): Promise<void> {
    await this.storage.upsertPins(pins);
    this.live.note(pins.map((p) => note('pin', p)));
  }

  async upsertBoards(boards: BoardRecord[]): Promise<void> {
    await this.storage.upsertBoards(boards);
    this.live.note(boards.map((b) => note('board', b)));
  }

  async upsertUsers(users: UserRecord[]): Promise<void> {
    await this.storage.upsertUsers(users);
  }

  async addSaves(saves: SaveRecord[]): Promise<number> {
    const seq = await this.storage.addSaves(saves);
    if (seq > 0) this.live.markDirty();
    return seq;
  }

  async removeSaves(saves: { pin: string; board: string }[]): Promise<number> {
    const seq = await this.storage.removeSaves(saves);
    if (seq > 0) this.live.markDirty();
    return seq;
  }

  async ingest(events: EngagementEvent[]): Promise<AppendResult> {
    const r = await this.storage.appendEvents(events);
    if (r.saveSeq > 0) this.live.markDirty();
    return r;
  }

  // ---- reads ----

  /**
   * Read-your-writes: merges pending writes before answering, while merges are cheap. On a
   * graph where a merge takes longer, requests use the current snapshot and the timed merge
   * catches up (ids it lacks are still merged on demand, see `resolve`).
   */
  private async settle(): Promise<void> {
    if (this.live.isDirty && this.live.lastMergeMs < 20) await this.live.refresh();
  }

  /**
   * The snapshot and the dense id of a pin or board. An id the graph lacks but storage has
   * (written by another process since the last merge) is merged in first.
   */
  private async resolve(kind: 'pin' | 'board', id: string): Promise<{ snap: GraphSnapshot; dense: number }> {
    let snap = this.live.current;
    let d = (kind === 'pin' ? snap.graph.pins : snap.graph.boards).get(id);
    if (d >= 0) return { snap, dense: d };
    const rec = kind === 'pin' ? await this.storage.getPin(id) : await this.storage.getBoard(id);
    if (!rec) throw new NotFoundError(kind, id);
    this.live.note([note(kind, rec)]);
    await this.live.refresh();
    snap = this.live.current;
    d = (kind === 'pin' ? snap.graph.pins : snap.graph.boards).get(id);
    if (d < 0) throw new NotFoundError(kind, id);
    return { snap, dense: d };
  }

  private async viewerExclusions(user: string | undefined, excludeSeen: boolean): Promise<string[]> {
    if (!user) return [];
    const q = userQuery(await this.storage.recentActions(user, this.config.recentActions));
    return excludeSeen ? q.seen : q.hidden;
  }

  async relatedPins(pinId: string, r: PageRequest): Promise<Page> {
    await this.settle();
    const ex = await this.viewerExclusions(r.user, r.excludeSeen);
    const { snap, dense: p } = await this.resolve('pin', pinId);
    return this.run(snap, SURFACES.related, [p], undefined, denseSet(snap.graph, ex, 'pin'), undefined, r);
  }

  async homefeed(userId: string, r: PageRequest): Promise<Page> {
    await this.settle();
    const actions = await this.storage.recentActions(userId, this.config.recentActions);
    if (actions.length === 0 && !(await this.storage.getUser(userId))) throw new NotFoundError('user', userId);
    const q = userQuery(actions, { halfLifeMs: this.config.homefeedHalfLifeMs, maxPins: this.config.homefeedQueryPins });
    const snap = this.live.current;
    const g = snap.graph;
    const pins: number[] = [];
    const weights: number[] = [];
    for (let i = 0; i < q.pins.length; i++) {
      const d = g.pins.get(q.pins[i]!);
      if (d >= 0) {
        pins.push(d);
        weights.push(q.weights[i]!);
      }
    }
    const ex = denseSet(g, r.excludeSeen ? q.seen : q.hidden, 'pin');
    return this.run(snap, SURFACES.homefeed, pins, weights, ex, undefined, { ...r, user: userId });
  }

  /**
   * Guest session: the related surface walked from several pins (weights default 1). Unknown
   * pins are skipped and returned in `unknown`; none known is a NotFoundError.
   */
  async sessionPins(pinIds: string[], weights: number[] | undefined, r: PageRequest): Promise<Page & { unknown: string[] }> {
    await this.settle();
    const snap = this.live.current;
    const pins: number[] = [];
    const ws: number[] = [];
    const unknown: string[] = [];
    for (let i = 0; i < pinIds.length; i++) {
      const d = snap.graph.pins.get(pinIds[i]!);
      if (d < 0) unknown.push(pinIds[i]!);
      else {
        pins.push(d);
        ws.push(weights?.[i] ?? 1);
      }
    }
    if (pins.length === 0) throw new NotFoundError('pins', pinIds.join(', '));
    const ex = denseSet(snap.graph, await this.viewerExclusions(r.user, r.excludeSeen), 'pin');
    const page = await this.run(snap, SURFACES.related, pins, weights ? ws : undefined, ex, undefined, r);
    return { ...page, unknown };
  }

  async relatedBoards(boardId: string, r: PageRequest): Promise<Page> {
    await this.settle();
    const { snap, dense: b } = await this.resolve('board', boardId);
    const g = snap.graph;
    const all = g.pinsOf(b);
    const n = Math.min(all.length, this.config.boardQueryPins);
    const pins: number[] = [];
    // evenly spaced pins of the board: deterministic and spread over the board
    for (let i = 0; i < n; i++) pins.push(all[Math.floor((i * all.length) / n)]!);
    return this.run(snap, SURFACES.relatedBoards, pins, undefined, undefined, new Set([b]), r);
  }

  private async run(
    snap: GraphSnapshot,
    surfaceName: string,
    queryPins: number[],
    queryWeights: number[] | undefined,
    excludePins: Set<number> | undefined,
    surfaceExclude: Set<number> | undefined,
    r: PageRequest,
  ): Promise<Page> {
    const g = snap.graph;
    const boards = surfaceName === SURFACES.relatedBoards;
    const ok = overridesKey(r.overrides);
    const tk = tagsKey(r.experiments);
    const vt = surfaceName === SURFACES.homefeed && r.user !== undefined ? this.viewerTag(r.user) : '';
    let key = `${surfaceName}|${snap.version}|${r.locale ?? ''}|${queryPins.join(',')}|${queryWeights?.map((w) => w.toFixed(6)).join(',') ?? ''}`;
    if (vt !== '') key += `|viewer:${r.user}|${vt}`;
    if (r.viewerKey !== undefined) key += `|vk:${r.viewerKey}`;
    if (ok !== '' || tk !== '') key += `|${ok}|${tk}`;
    let list = this.cache.get(key);
    this.observer.cache?.(surfaceName, list !== undefined);
    if (list === undefined) {
      const req: SurfaceRequest = {
        surface: surfaceName,
        queryPins,
        limit: this.config.maxResults,
        seed: (hashSeed(key) ^ this.config.seed) >>> 0,
        explain: true,
        now: Date.now(),
      };
      if (queryWeights) req.queryWeights = queryWeights;
      if (r.locale) req.locale = r.locale;
      if (surfaceExclude) req.exclude = surfaceExclude;
      if (vt !== '') req.viewer = r.user!;
      if (ok !== '') req.overrides = r.overrides!;
      if (tk !== '') req.experiments = r.experiments!;
      // Surfaces read the graph synchronously when called; pin it to this request's snapshot.
      const surface = this.surface(surfaceName, g);
      this.requestGraph = g;
      let pending: Promise<RecommendedPin[]>;
      try {
        pending = surface.recommend(req);
      } finally {
        this.requestGraph = null;
      }
      const fresh = await pending;
      list = new CompactList(fresh);
      this.cache.set(key, list);
      if (this.observer.candidates) {
        const counts = new Map<string, number>();
        for (const it of fresh) for (const s of it.sources) counts.set(s, (counts.get(s) ?? 0) + 1);
        for (const [s, n] of counts) this.observer.candidates(s, n);
      }
    }
    const locCol = boards ? g.meta.boards.locale : g.meta.pins.locale;
    // indexes of the list that pass the viewer's exclusions and the locale filter
    const keep: number[] = [];
    const stop = r.offset + r.limit + 1; // one past the page tells whether there is a next one
    for (let i = 0; i < list.length && keep.length < stop; i++) {
      const p = list.pins[i]!;
      if (!boards && excludePins?.has(p)) continue;
      if (r.locale && categoricalValue(locCol, p) !== r.locale) continue;
      keep.push(i);
    }
    const ids = boards ? g.boards : g.pins;
    const items: PageItem[] = [];
    for (let j = r.offset; j < Math.min(keep.length, r.offset + r.limit); j++) {
      const i = keep[j]!;
      const out: PageItem = { id: ids.external(list.pins[i]!), score: list.scores[i]! };
      if (r.explain) {
        out.sources = list.sources(i).slice();
        out.parts = list.parts(i);
      }
      items.push(out);
    }
    const next = r.offset + r.limit;
    return { items, nextOffset: next < keep.length ? next : null, graphVersion: snap.version };
  }
}

function note(kind: 'pin' | 'board', x: { id: string; locale?: string; createdAt?: number }): NodeNote {
  const n: NodeNote = { kind, id: x.id };
  if (x.locale !== undefined) n.locale = x.locale;
  if (x.createdAt !== undefined) n.createdAt = x.createdAt;
  return n;
}

function denseSet(g: PinBoardGraph, ids: string[], kind: 'pin' | 'board'): Set<number> | undefined {
  if (ids.length === 0) return undefined;
  const m = kind === 'pin' ? g.pins : g.boards;
  const s = new Set<number>();
  for (const id of ids) {
    const d = m.get(id);
    if (d >= 0) s.add(d);
  }
  return s;
}
