import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { PinBoardGraph } from '../graph/graph.js';
import { PUBLISHED } from '../eval/published.js';
import type { EvalReport } from '../eval/report.js';
import type { Engine } from '../serving/engine.js';
import { NotFoundError } from '../serving/engine.js';
import type { PinRecord, Storage } from '../storage/types.js';
import { Bm25Index } from '../text/bm25.js';
import { tokenize } from '../text/tokenize.js';
import { makeEmbeddingTable, type EmbeddingTable } from '../users/embeddings.js';
import { computeProfile, type Action, type PinnerSageOptions } from '../users/pinnersage.js';
import { svdItemEmbeddings } from '../users/svd-embeddings.js';
import { HttpError, parse } from './http.js';

/**
 * The web console: serves the built Vite app (web/dist) under /console/ and a few read-only
 * JSON endpoints under /console/api/ that the public API lacks (text search over pins, pin
 * cards in bulk, a user's PinnerSage clusters, the last eval report).
 */
export interface ConsoleOptions {
  engine: Engine;
  /** directory holding the built console (default: $BOARDWALK_WEB_DIR, else web/dist of the package) */
  webDir?: string;
  /** eval report JSON (`boardwalk eval --json FILE`); default $BOARDWALK_EVAL_REPORT, else <dataDir>/eval-report.json */
  evalReport?: string;
  /** storage data dir, for the default eval report path */
  dataDir?: string;
  /** PinnerSage settings for the clusters endpoint */
  pinnerSage?: Partial<PinnerSageOptions>;
  /** SVD embedding size for clusters (default 32) */
  embeddingDim?: number;
}

export const CONSOLE_PREFIX = '/console/';

/** Actions that express interest (impressions and hides do not). */
const INTEREST = new Set(['click', 'long_click', 'closeup', 'save']);

const SearchQuery = z.strictObject({
  q: z.string().trim().min(1, 'must not be empty').max(500),
  limit: z.coerce.number().int().min(1).max(100).optional(),
});
const PinsQuery = z.strictObject({ ids: z.string().min(1, 'must list at least one pin id').max(100_000) });
const IdParams = z.strictObject({ id: z.string().min(1).max(256) });

export interface PinCard {
  id: string;
  text?: string;
  annotations?: string[];
  locale?: string;
  created_at?: number;
  /** boards the pin is saved to in the current graph */
  boards: number;
}

/**
 * Text search over stored pins: BM25 over text + annotations. The index is rebuilt from storage
 * when the graph version moved on (pins or saves were written) and the index is older than
 * `maxAgeMs`, so a burst of writes costs one rebuild a minute at most.
 */
export class PinSearch {
  private index: Bm25Index | null = null;
  private ids: string[] = [];
  private builtAt = 0;
  private builtVersion = -1;
  private building: Promise<void> | null = null;

  constructor(
    private readonly storage: Storage,
    private readonly maxAgeMs = 60_000,
  ) {}

  /** Forces a rebuild on the next search. */
  invalidate(): void {
    this.index = null;
  }

  async search(q: string, limit: number, version: number): Promise<{ id: string; score: number }[]> {
    if (this.index === null || (version !== this.builtVersion && Date.now() - this.builtAt > this.maxAgeMs)) await this.rebuild(version);
    const toks = tokenize(q);
    if (toks.length === 0 || this.index === null) return [];
    return this.index.search(toks, limit).map((h) => ({ id: this.ids[h.doc]!, score: h.score }));
  }

  private rebuild(version: number): Promise<void> {
    this.building ??= (async () => {
      const ids: string[] = [];
      const docs: string[] = [];
      for await (const batch of this.storage.listPins(5000)) {
        for (const p of batch) {
          ids.push(p.id);
          docs.push(pinText(p));
        }
      }
      this.index = Bm25Index.build(docs);
      this.ids = ids;
      this.builtAt = Date.now();
      this.builtVersion = version;
    })().finally(() => {
      this.building = null;
    });
    return this.building;
  }
}

function pinText(p: PinRecord): string {
  return [p.text ?? '', ...(p.annotations ?? [])].join(' ');
}

/**
 * SVD item embeddings of the graph (boards as users) for PinnerSage. The SVD costs seconds on a
 * large graph and every merged write makes a new graph, so a computed table is carried over to
 * newer graphs by external pin id (pins added since have no embedding) until more than
 * `staleShare` of the pins lack one or it is older than `maxAgeMs`; then it is recomputed.
 */
export class GraphEmbeddings {
  private readonly cache = new WeakMap<PinBoardGraph, EmbeddingTable>();
  private base: { g: PinBoardGraph; table: EmbeddingTable; at: number } | null = null;

  constructor(
    private readonly dim = 32,
    private readonly seed = 1,
    private readonly staleShare = 0.1,
    private readonly maxAgeMs = 3_600_000,
  ) {}

  of(g: PinBoardGraph): EmbeddingTable {
    let t = this.cache.get(g);
    if (t) return t;
    const b = this.base;
    if (b && Date.now() - b.at <= this.maxAgeMs) {
      t = carryOver(b.g, b.table, g);
      let missing = 0;
      for (let p = 0; p < g.numPins; p++) if (t.present![p] === 0 && g.pinDegree(p) > 0) missing++;
      if (missing > this.staleShare * g.numPins) t = undefined;
    }
    if (!t) {
      t = svdTable(g, this.dim, this.seed);
      this.base = { g, table: t, at: Date.now() };
    }
    this.cache.set(g, t);
    return t;
  }
}

function svdTable(g: PinBoardGraph, dimWanted: number, seed: number): EmbeddingTable {
  const dim = Math.max(1, Math.min(dimWanted, g.numPins, Math.max(1, g.numBoards)));
  const vectors = svdItemEmbeddings(g.boardOffsets, g.boardAdj, g.numPins, { dim, seed, oversample: 8, powerIterations: 2 });
  const present = new Uint8Array(g.numPins);
  for (let p = 0; p < g.numPins; p++) present[p] = g.pinDegree(p) > 0 ? 1 : 0;
  // the SVD may return fewer columns than asked on tiny graphs
  const d = g.numPins > 0 ? vectors.length / g.numPins : 1;
  return makeEmbeddingTable(vectors, d, present);
}

/** `table` (rows by `from`'s dense ids) re-indexed to `to`'s dense ids by external id. */
function carryOver(from: PinBoardGraph, table: EmbeddingTable, to: PinBoardGraph): EmbeddingTable {
  const dim = table.dim;
  const vectors = new Float32Array(to.numPins * dim);
  const present = new Uint8Array(to.numPins);
  const same = from.pins.isIdentity && to.pins.isIdentity;
  for (let p = 0; p < to.numPins; p++) {
    const q = same ? (p < from.numPins ? p : -1) : from.pins.get(to.pins.external(p));
    if (q < 0 || (table.present && table.present[q] !== 1)) continue;
    vectors.set(table.vectors.subarray(q * dim, (q + 1) * dim), p * dim);
    present[p] = 1;
  }
  return makeEmbeddingTable(vectors, dim, present);
}

function card(p: PinRecord | null, id: string, g: PinBoardGraph): PinCard {
  const d = g.pins.get(id);
  const c: PinCard = { id, boards: d >= 0 ? g.pinDegree(d) : 0 };
  if (!p) return c;
  if (p.text !== undefined) c.text = p.text;
  if (p.annotations !== undefined) c.annotations = p.annotations;
  if (p.locale !== undefined) c.locale = p.locale;
  if (p.createdAt !== undefined) c.created_at = p.createdAt;
  return c;
}

async function cards(storage: Storage, ids: string[], g: PinBoardGraph): Promise<Map<string, PinCard>> {
  const out = new Map<string, PinCard>();
  for (const id of ids) {
    if (out.has(id)) continue;
    const p = await storage.getPin(id);
    if (p || g.pins.get(id) >= 0) out.set(id, card(p, id, g));
  }
  return out;
}

/** Where the built console lives: an explicit dir, $BOARDWALK_WEB_DIR, or web/dist above this file. */
export function findWebDir(explicit?: string): string {
  if (explicit) return resolve(explicit);
  const env = process.env['BOARDWALK_WEB_DIR'];
  if (env) return resolve(env);
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'web', 'dist');
    dir = dirname(dir);
  }
  return resolve('web', 'dist');
}

/** Reads an eval report, checking the fields the console plots. */
export function readEvalReport(file: string): EvalReport {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`eval report ${file}: ${(err as Error).message}`);
  }
  const r = raw as Partial<EvalReport>;
  if (typeof r !== 'object' || r === null || !Array.isArray(r.rows) || typeof r.k !== 'number')
    throw new Error(`eval report ${file}: not a report written by \`boardwalk eval --json\` (needs k and rows)`);
  for (const [i, row] of r.rows.entries()) {
    if (typeof row?.dataset !== 'string' || typeof row.method !== 'string' || typeof row.hr !== 'number' || typeof row.ndcg !== 'number')
      throw new Error(`eval report ${file}: rows.${i} needs dataset, method, hr and ndcg`);
  }
  return r as EvalReport;
}

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>boardwalk console</title>
<body style="font-family:sans-serif;margin:3em"><h1>boardwalk console</h1>
<p>The console is not built. Run <code>npm run build:web</code> and restart the server.</p></body>`;

/** Fastify plugin: `app.register(consolePlugin, { engine })`. */
export async function consolePlugin(app: FastifyInstance, o: ConsoleOptions): Promise<void> {
  const { engine } = o;
  const storage = engine.storage;
  const search = new PinSearch(storage);
  const embeddings = new GraphEmbeddings(o.embeddingDim ?? 32, engine.config.seed);
  const evalFile = o.evalReport ?? process.env['BOARDWALK_EVAL_REPORT'] ?? join(o.dataDir ?? '.', 'eval-report.json');
  const webDir = findWebDir(o.webDir);
  const built = existsSync(join(webDir, 'index.html'));

  app.get('/', async (_req, reply) => reply.redirect(CONSOLE_PREFIX));
  app.get('/console', async (_req, reply) => reply.redirect(CONSOLE_PREFIX));
  if (built) {
    await app.register(fastifyStatic, { root: webDir, prefix: CONSOLE_PREFIX, wildcard: true, index: 'index.html' });
  } else {
    app.get(CONSOLE_PREFIX, async (_req, reply) => reply.type('text/html; charset=utf-8').send(NOT_BUILT));
  }

  app.get('/console/api/overview', async () => {
    const s = engine.snapshot;
    return {
      storage: storage.kind,
      graph_version: s.version,
      pins: s.graph.numPins,
      boards: s.graph.numBoards,
      edges: s.graph.numEdges,
      console_built: built,
    };
  });

  // Text search; an exact pin id comes first.
  app.get('/console/api/pins/search', async (req) => {
    const q = parse(SearchQuery, req.query, 'query');
    const limit = q.limit ?? 20;
    const g = engine.snapshot.graph;
    const hits = await search.search(q.q, limit, engine.snapshot.version);
    const exact = await storage.getPin(q.q);
    const ordered: { id: string; score: number | null }[] = [];
    if (exact) ordered.push({ id: exact.id, score: null });
    for (const h of hits) if (h.id !== exact?.id && ordered.length < limit) ordered.push(h);
    const cs = await cards(storage, ordered.map((h) => h.id), g);
    return { items: ordered.map((h) => ({ ...cs.get(h.id)!, match: h.score === null ? 'id' : 'text', score: h.score })) };
  });

  // Cards of many pins at once (the grids).
  app.get('/console/api/pins', async (req) => {
    const q = parse(PinsQuery, req.query, 'query');
    const ids = q.ids.split(',').filter((s) => s !== '');
    if (ids.length > 200) throw new HttpError(400, 'bad_request', `query ids: at most 200 pin ids, got ${ids.length}`, 'ids');
    for (const id of ids) if (id.length > 256) throw new HttpError(400, 'bad_request', 'query ids: a pin id is longer than 256 characters', 'ids');
    const cs = await cards(storage, ids, engine.snapshot.graph);
    return { items: ids.filter((id) => cs.has(id)).map((id) => cs.get(id)!), missing: ids.filter((id) => !cs.has(id)) };
  });

  // PinnerSage clusters of a user, computed now from their recent actions.
  app.get('/console/api/users/:id/clusters', async (req) => {
    const { id } = parse(IdParams, req.params, 'params');
    const recent = await storage.recentActions(id, engine.config.recentActions);
    if (recent.length === 0 && !(await storage.getUser(id))) throw new NotFoundError('user', id);
    const g = engine.snapshot.graph;
    const actions: Action[] = [];
    for (const a of recent) {
      if (!INTEREST.has(a.action)) continue;
      const d = g.pins.get(a.pin);
      if (d >= 0) actions.push({ pin: d, timestamp: a.timestamp });
    }
    const now = Date.now();
    const profile = actions.length ? computeProfile(0, actions, embeddings.of(g), now, o.pinnerSage ?? {}) : { clusters: [] };
    const total = profile.clusters.reduce((s, c) => s + c.importance, 0);
    const medoidIds = profile.clusters.map((c) => g.pins.external(c.medoid));
    const cs = await cards(storage, medoidIds, g);
    return {
      user: id,
      computed_at: now,
      actions: recent.slice(0, 20).map((a) => ({ pin: a.pin, action: a.action, timestamp: a.timestamp })),
      interest_actions: actions.length,
      clusters: profile.clusters.map((c, i) => ({
        medoid: cs.get(medoidIds[i]!) ?? { id: medoidIds[i]!, boards: 0 },
        importance: c.importance,
        share: total > 0 ? c.importance / total : 0,
        actions: c.actions,
        last_active: c.lastActive,
        pins: Array.from(c.pins.subarray(0, 12), (p) => g.pins.external(p)),
        size: c.pins.length,
      })),
    };
  });

  // The last eval report (if one was written) and the published figures.
  app.get('/console/api/eval', async () => {
    let report: EvalReport | null = null;
    let error: string | null = null;
    if (existsSync(evalFile)) {
      try {
        report = readEvalReport(evalFile);
      } catch (err) {
        error = (err as Error).message;
      }
    }
    return { file: evalFile, report, error, published: PUBLISHED };
  });
}
