import type { PinBoardGraph } from '../graph/graph.js';
import { lookupCode } from '../graph/metadata.js';
import { DEFAULT_PIXIE, PixieWalker, type PixieOptions, type PixieResult, type WalkBias } from '../walk/pixie.js';
import { TopK } from '../walk/top-k.js';
import type { RecommendedPin, Surface, SurfaceRequest } from './types.js';

/**
 * Pixie-only surfaces: related pins, home feed and related boards straight from random walks.
 * They read the current graph through `graph()` synchronously at the start of `recommend`, so
 * a request sees one graph even when a new snapshot is swapped in meanwhile.
 */
export interface PixieSurfaceOptions {
  graph: () => PinBoardGraph;
  pixie?: Partial<PixieOptions>;
  /** locale bias strength for walks when the request has a locale (1 = off) */
  localeBias?: number;
  /** called with the steps each query walked (metrics) */
  onWalk?: (surface: string, steps: number) => void;
  /** shared walker cache; surfaces on one graph can share one */
  walkers?: WalkerCache;
}

/** One PixieWalker per graph generation: its scratch arrays are sized to the graph. */
export class WalkerCache {
  private g: PinBoardGraph | null = null;
  private w: PixieWalker | null = null;

  get(g: PinBoardGraph): PixieWalker {
    if (this.g !== g || this.w === null) {
      this.w = new PixieWalker(g);
      this.g = g;
    }
    return this.w;
  }
}

abstract class PixieSurfaceBase implements Surface {
  abstract readonly name: string;
  protected readonly walkers: WalkerCache;
  protected readonly pixie: Partial<PixieOptions>;

  constructor(protected readonly o: PixieSurfaceOptions) {
    this.walkers = o.walkers ?? new WalkerCache();
    this.pixie = { ...o.pixie };
  }

  abstract recommend(req: SurfaceRequest): Promise<RecommendedPin[]>;

  protected walk(g: PinBoardGraph, req: SurfaceRequest, topK: number): { res: PixieResult; walker: PixieWalker } {
    const walker = this.walkers.get(g);
    const opts: Partial<PixieOptions> = { ...this.pixie, topK, seed: req.seed };
    if (req.overrides?.pixieSteps !== undefined) opts.steps = req.overrides.pixieSteps;
    const bias = localeBias(g, req.locale, this.o.localeBias ?? 4);
    if (bias) opts.bias = bias;
    const res = walker.query(req.queryPins, req.queryWeights, opts);
    this.o.onWalk?.(this.name, res.steps);
    return { res, walker };
  }
}

function localeBias(g: PinBoardGraph, locale: string | undefined, strength: number): WalkBias | undefined {
  if (!locale || strength <= 1) return undefined;
  const col = g.meta.pins.locale;
  const code = lookupCode(col, locale);
  if (!col || code === 0) return undefined;
  return { pinCodes: col.codes, code, strength };
}

function pinsFrom(res: PixieResult, req: SurfaceRequest, source: string): RecommendedPin[] {
  const out: RecommendedPin[] = [];
  const ex = req.exclude;
  for (let i = 0; i < res.pins.length && out.length < req.limit; i++) {
    const p = res.pins[i]!;
    if (ex !== undefined && ex.has(p)) continue;
    const s = res.scores[i]!;
    out.push({ pin: p, score: s, sources: [source], parts: { [source]: s } });
  }
  return out;
}

function validQuery(g: PinBoardGraph, req: SurfaceRequest): void {
  for (const p of req.queryPins)
    if (!Number.isInteger(p) || p < 0 || p >= g.numPins) throw new RangeError(`query pin ${p} is not a pin of this graph`);
}

/** Related pins: a Pixie walk from the query pin(s). */
export class PixieRelatedPins extends PixieSurfaceBase {
  readonly name = 'related';

  async recommend(req: SurfaceRequest): Promise<RecommendedPin[]> {
    const g = this.o.graph();
    validQuery(g, req);
    if (req.queryPins.length === 0 || req.limit <= 0) return [];
    const { res } = this.walk(g, req, req.limit + (req.exclude?.size ?? 0));
    return pinsFrom(res, req, 'pixie');
  }
}

/**
 * Home feed: a walk from the user's recent engaged and saved pins (the request's weighted query
 * pins). With no walkable query pin (a new user) it falls back to the most saved pins.
 */
export class PixieHomeFeed extends PixieSurfaceBase {
  readonly name = 'homefeed';
  private popular: { g: PinBoardGraph; ids: Uint32Array; scores: Float64Array } | null = null;

  async recommend(req: SurfaceRequest): Promise<RecommendedPin[]> {
    const g = this.o.graph();
    validQuery(g, req);
    if (req.limit <= 0) return [];
    let walkable = false;
    for (let i = 0; i < req.queryPins.length; i++)
      if (g.pinDegree(req.queryPins[i]!) > 0 && (req.queryWeights?.[i] ?? 1) > 0) walkable = true;
    if (!walkable) return this.popularPins(g, req);
    const { res } = this.walk(g, req, req.limit + (req.exclude?.size ?? 0));
    const out = pinsFrom(res, req, 'pixie');
    if (out.length < req.limit) {
      // a thin neighbourhood: top up with popular pins
      const seen = new Set(out.map((r) => r.pin));
      for (const p of req.queryPins) seen.add(p);
      for (const r of this.popularPins(g, { ...req, limit: req.limit + seen.size })) {
        if (out.length >= req.limit) break;
        if (!seen.has(r.pin)) out.push({ ...r, score: 0, parts: { popular: r.score } });
      }
    }
    return out;
  }

  private popularPins(g: PinBoardGraph, req: SurfaceRequest): RecommendedPin[] {
    if (this.popular?.g !== g) {
      const heap = new TopK(Math.min(1000, g.numPins));
      for (let p = 0; p < g.numPins; p++) heap.push(p, g.pinDegree(p));
      this.popular = { g, ...heap.sorted() };
    }
    const { ids, scores } = this.popular;
    const out: RecommendedPin[] = [];
    for (let i = 0; i < ids.length && out.length < req.limit; i++) {
      const p = ids[i]!;
      if (req.exclude?.has(p) || scores[i] === 0) continue;
      out.push({ pin: p, score: scores[i]!, sources: ['popular'], parts: { popular: scores[i]! } });
    }
    return out;
  }
}

/**
 * Related boards: a walk from a board's pins (the request's query pins), ranked by how often
 * the walk visited each board. Results are BOARDS: `pin` holds a dense board id, and `exclude`
 * holds board ids (the source board).
 */
export class PixieRelatedBoards extends PixieSurfaceBase {
  readonly name = 'related_boards';

  async recommend(req: SurfaceRequest): Promise<RecommendedPin[]> {
    const g = this.o.graph();
    validQuery(g, req);
    if (req.queryPins.length === 0 || req.limit <= 0) return [];
    const { res } = this.walk(g, req, req.limit + (req.exclude?.size ?? 0));
    const out: RecommendedPin[] = [];
    for (let i = 0; i < res.boards.length && out.length < req.limit; i++) {
      const b = res.boards[i]!;
      if (req.exclude?.has(b)) continue;
      const s = res.boardScores[i]!;
      out.push({ pin: b, score: s, sources: ['pixie'], parts: { boardVisits: s } });
    }
    return out;
  }
}

/** The three Pixie surfaces sharing one walker cache, keyed by surface name. */
export function pixieSurfaces(o: PixieSurfaceOptions): Surface[] {
  const shared: PixieSurfaceOptions = { ...o, walkers: o.walkers ?? new WalkerCache() };
  return [new PixieRelatedPins(shared), new PixieHomeFeed(shared), new PixieRelatedBoards(shared)];
}

export { DEFAULT_PIXIE };
