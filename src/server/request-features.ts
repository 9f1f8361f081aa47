import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { CursorError, decodeCursor, encodeCursor, requestFingerprint } from '../experiments/cursor.js';
import { assignAll, mergedParams, type Assignment } from '../experiments/bucket.js';
import type { ExperimentConfig } from '../experiments/config.js';
import { readExperimentsFile } from '../experiments/file.js';
import { servingParams } from '../experiments/params.js';
import { MemoryServedSetStore, nextPage, type ServedSetStore } from '../experiments/served-set.js';
import type { PinBoardGraph } from '../graph/graph.js';
import { categoricalValue } from '../graph/metadata.js';
import { applyRules, compileRules, isExpired, parseExcludeList, pinFields, type CompiledRule } from '../rules/index.js';
import type { Engine, Page, PageItem, PageRequest } from '../serving/engine.js';
import type { RecommendedPin } from '../surfaces/types.js';
import { DEFAULT_FEATURES, type FeaturesConfig } from './config.js';
import { HttpError } from './http.js';

const DAY_MS = 86_400_000;
/** one random secret per process when none is configured (cursors then do not survive a restart) */
let processSecret: Buffer | null = null;

/** What one recommendation request asks for, after the route parsed it. */
export interface RecAsk {
  surface: 'related' | 'homefeed' | 'related_boards' | 'session';
  /** the pin, user or board id (session: the query pins joined) */
  target: string;
  user?: string;
  /** who is bucketed into experiments (the user, or a guest session id) */
  bucketId?: string;
  limit?: number;
  cursor?: string;
  locale?: string;
  /** null: the surface default (true for a known viewer) */
  excludeSeen?: boolean;
  exclude: string[];
  rules?: string;
  explain: boolean;
  /** pins never returned (guest query pins) */
  drop?: ReadonlySet<string>;
}

export interface RecBody {
  items: PageItem[];
  next_cursor: string | null;
  graph_version: number;
  request_id?: string;
  experiments?: { experiment_id: string; variant: string }[];
}

/**
 * The request-time features of recommendation routes (docs/product-features.md, HTTP): exclude
 * lists, pin time to live, rules, experiments, and cursors over a served set so page N+1 never
 * repeats pages 1..N even when the list changes between calls.
 */
export class RequestFeatures {
  readonly rules: CompiledRule[];
  readonly experiments: ExperimentConfig[];
  readonly served: ServedSetStore<string>;
  private readonly secret: string | Buffer;
  private readonly cfg: FeaturesConfig;
  private readonly ruleCache = new Map<string, CompiledRule[]>();

  constructor(
    private readonly engine: Engine,
    private readonly namespace: string,
    cfg: FeaturesConfig = DEFAULT_FEATURES,
    served?: ServedSetStore<string>,
  ) {
    this.cfg = cfg;
    this.rules = cfg.rulesFile ? readRulesFile(cfg.rulesFile) : [];
    this.experiments = cfg.experimentsFile ? readExperimentsFile(cfg.experimentsFile) : [];
    // params the serving pipelines cannot honour (a ranker version missing from the registry) stop the load
    for (const e of this.experiments)
      for (const v of e.variants) {
        const o = servingParams(v.params);
        if (o.ranker === undefined) continue;
        try {
          engine.checkOverrides(o);
        } catch (err) {
          throw new Error(`experiments file ${cfg.experimentsFile}: experiment ${e.name}: variant ${v.name}: param "ranker": ${(err as Error).message}`);
        }
      }
    this.served = served ?? new MemoryServedSetStore<string>({ ttlMs: cfg.cursorTtlMs });
    this.secret = cfg.cursorSecret ?? (processSecret ??= randomBytes(32));
  }

  /** Experiment assignments of a user (none for anonymous requests). */
  assignments(bucketId: string | undefined): Assignment[] {
    return bucketId === undefined || this.experiments.length === 0 ? [] : assignAll(this.experiments, bucketId);
  }

  /** Runs one page: fetches the full list, filters, applies rules, pages over the served set. */
  async recommend(ask: RecAsk, fetch: (r: PageRequest) => Promise<Page>): Promise<RecBody> {
    const assigned = this.assignments(ask.bucketId);
    const params = mergedParams(assigned);
    // params were checked when the experiments file loaded (src/experiments/params.ts)
    const excludeSeen = ask.excludeSeen ?? params.excludeSeen ?? ask.user !== undefined;
    const limit = ask.limit ?? params.limit ?? 20;
    const rules = this.rules.concat(params.rules !== undefined ? this.compile(params.rules, 'experiment rules') : [], ask.rules ? this.compile(ask.rules, 'rules') : []);
    const bind = requestFingerprint({
      ns: this.namespace,
      surface: ask.surface,
      target: ask.target,
      user: ask.user,
      locale: ask.locale,
      exclude: ask.exclude.join(','),
      rules: ask.rules,
      seen: excludeSeen,
    });
    const now = Date.now();
    let requestId: string;
    let page = 1;
    if (ask.cursor !== undefined) {
      try {
        const c = decodeCursor(ask.cursor, this.secret, { now, bind });
        requestId = c.requestId;
        page = c.page;
      } catch (e) {
        if (e instanceof CursorError) throw new HttpError(400, 'bad_request', `query cursor: ${e.message}`, 'cursor');
        throw e;
      }
    } else requestId = randomUUID();

    const ex = new Set(ask.exclude);
    if (ask.drop) for (const p of ask.drop) ex.add(p);
    // a first page with nothing to filter needs only limit + 1 items (the +1 tells hasMore)
    const simple = ask.cursor === undefined && ex.size === 0 && rules.length === 0 && this.cfg.pinTtlMs === 0;
    const max = this.engine.config.maxResults;
    const r: PageRequest = { limit: simple ? Math.min(limit + 1, max) : max, offset: 0, excludeSeen, explain: true };
    if (ask.locale !== undefined) r.locale = ask.locale;
    if (ask.user !== undefined) r.user = ask.user;
    // the variant's pipeline changes (ranker, Pixie steps, fresh ratio, quotas) and its tags
    const overrides = servingParams(params);
    if (Object.keys(overrides).length > 0) r.overrides = overrides;
    if (assigned.length > 0) r.experiments = assigned.map((a) => ({ experimentId: a.experimentId, variant: a.variant }));
    const full = await fetch(r);
    const boards = ask.surface === 'related_boards';
    let list = full.items;
    if (ex.size > 0) list = list.filter((it) => !ex.has(it.id));
    const g = this.engine.snapshot.graph;
    if (this.cfg.pinTtlMs > 0 && !boards) {
      const created = g.meta.pins.createdAt;
      list = list.filter((it) => {
        const d = g.pins.get(it.id);
        return d < 0 || !created || !isExpired(created[d], this.cfg.pinTtlMs, now);
      });
    }
    if (rules.length > 0) list = this.applyRules(list, rules, g, boards, now);

    const p = await nextPage(this.served, `${this.namespace}:${requestId}`, list, limit, (it) => it.id);
    const items = ask.explain ? p.items : p.items.map((it) => ({ id: it.id, score: it.score }));
    const body: RecBody = {
      items,
      next_cursor: p.hasMore ? encodeCursor({ requestId, page: page + 1, expiresAt: now + this.cfg.cursorTtlMs, bind }, this.secret) : null,
      graph_version: full.graphVersion,
    };
    // a single-page answer stays byte-identical across calls, so the id only comes with a cursor
    if (p.hasMore || page > 1) body.request_id = requestId;
    if (assigned.length > 0) body.experiments = assigned.map((a) => ({ experiment_id: a.experimentId, variant: a.variant }));
    return body;
  }

  private compile(text: string, field: string): CompiledRule[] {
    let c = this.ruleCache.get(text);
    if (c) return c;
    try {
      c = compileRules(text);
    } catch (e) {
      throw new HttpError(400, 'bad_request', `${field}: ${(e as Error).message}`, field === 'rules' ? 'rules' : undefined);
    }
    if (this.ruleCache.size > 1000) this.ruleCache.clear();
    this.ruleCache.set(text, c);
    return c;
  }

  private applyRules(list: PageItem[], rules: CompiledRule[], g: PinBoardGraph, boards: boolean, now: number): PageItem[] {
    const ids = boards ? g.boards : g.pins;
    const meta = boards ? g.meta.boards : g.meta.pins;
    // `pin` holds the list index (boosted pins come back as copies); dense ids live beside it
    const dense = new Int32Array(list.length);
    const pins: RecommendedPin[] = list.map((it, i) => {
      dense[i] = ids.get(it.id);
      return { pin: i, score: it.score, sources: it.sources ?? [], parts: it.parts ?? {} };
    });
    // catalogue fields here; score, source, fresh and position come from the rules' defaults
    const get = pinFields((p, field) => {
      const d = dense[p.pin]!;
      switch (field) {
        case 'pin':
          return list[p.pin]!.id;
        case 'locale':
          return d < 0 ? undefined : categoricalValue(meta.locale, d);
        case 'topic':
          return d < 0 ? undefined : categoricalValue(meta.topic, d);
        case 'age_days': {
          const c = d < 0 ? undefined : meta.createdAt?.[d];
          return c === undefined || !Number.isFinite(c) ? undefined : (now - c) / DAY_MS;
        }
        case 'board_count':
        case 'save_count':
          return d < 0 ? undefined : boards ? g.pinsOf(d).length : g.boardsOf(d).length;
        default:
          return undefined;
      }
    });
    return applyRules(pins, rules, get).pins.map((p) => ({ id: list[p.pin]!.id, score: p.score, sources: p.sources, parts: p.parts }));
  }
}

/** Compiles a rules file; errors name the file, rule line and column. */
export function readRulesFile(path: string): CompiledRule[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`rules file ${path}: ${(e as Error).message}`);
  }
  try {
    return compileRules(text);
  } catch (e) {
    throw new Error(`rules file ${path}: ${(e as Error).message}`);
  }
}

/** Splits and checks `exclude=id1,id2` (400 naming the entry). */
export function excludeParam(raw: string | string[] | undefined): string[] {
  if (raw === undefined) return [];
  const arr = Array.isArray(raw) ? raw : raw.split(',');
  try {
    return parseExcludeList(arr);
  } catch (e) {
    throw new HttpError(400, 'bad_request', `exclude: ${(e as Error).message}`, 'exclude');
  }
}
