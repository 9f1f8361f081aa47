import { PassThrough, type Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Counter } from 'prom-client';
import { z } from 'zod';
import { BULK_KINDS, BulkInputError, exportTo, importLines, linesOf, type BulkKind } from '../bulk/index.js';
import type { ServedSetStore } from '../experiments/served-set.js';
import type { Engine } from '../serving/engine.js';
import { KeyRing, authHook } from './auth.js';
import { DEFAULT_AUTH, DEFAULT_FEATURES, type ServerConfig } from './config.js';
import { HttpError, parse } from './http.js';
import type { ServerMetrics } from './metrics.js';
import { RequestFeatures } from './request-features.js';
import { registerNamespaceList } from './namespace-list.js';
import { openServedSets } from './served-sets.js';

export const NAMESPACE_HEADER = 'x-boardwalk-namespace';
export const NAMESPACE_RE = /^[a-z][a-z0-9_]{0,39}$/;

export interface FeatureContext {
  engine: Engine;
  config: ServerConfig;
  metrics: ServerMetrics;
  /** the namespace this app serves ("default" unless the namespace router built it) */
  namespace?: string;
  served?: ServedSetStore<string>;
}

/** The namespace a request names: header or "default"; a bad name is a 400. */
export function requestNamespace(headers: FastifyRequest['headers']): string {
  const h = headers[NAMESPACE_HEADER];
  if (h === undefined) return 'default';
  if (typeof h !== 'string' || !NAMESPACE_RE.test(h))
    throw new HttpError(400, 'bad_request', `header X-Boardwalk-Namespace: ${JSON.stringify(h)} is not a namespace name (1-40 of a-z 0-9 _, starting with a letter)`, 'x-boardwalk-namespace');
  return h;
}

function nsCounter(metrics: ServerMetrics): Counter<'namespace' | 'route' | 'status'> {
  const name = 'boardwalk_namespace_requests_total';
  const old = metrics.registry.getSingleMetric(name);
  if (old) return old as Counter<'namespace' | 'route' | 'status'>;
  return new Counter({ name, help: 'HTTP requests by namespace', labelNames: ['namespace', 'route', 'status'], registers: [metrics.registry] });
}

/**
 * Installs the product features on an app: API keys (onRequest), the namespace check and
 * metric, guest sessions and bulk routes. Returns the per-app RequestFeatures that the
 * recommendation routes page through.
 */
export function installFeatures(app: FastifyInstance, ctx: FeatureContext): RequestFeatures {
  const ns = ctx.namespace ?? 'default';
  const ring = new KeyRing(ctx.config.auth ?? DEFAULT_AUTH);
  const fcfg = ctx.config.features ?? DEFAULT_FEATURES;
  let served = ctx.served;
  if (!served) {
    // shared served sets (Redis, or the SQLite file with several workers) let any process follow any cursor
    const shared = openServedSets(ctx.config);
    if (shared) {
      served = shared.store;
      app.addHook('onClose', shared.close);
    }
  }
  const feats = new RequestFeatures(ctx.engine, ns, fcfg, served);
  const counter = nsCounter(ctx.metrics);

  app.addHook('onRequest', authHook(ring));
  app.addHook('onRequest', (req, reply, done) => {
    // the namespace router sends each app only its own namespace; a lone app serves "default"
    let want: string;
    try {
      want = requestNamespace(req.headers);
    } catch (e) {
      const h = e as HttpError;
      void reply.code(400).send({ error: h.code, message: h.message, field: h.field });
      return;
    }
    if (want !== ns) {
      void reply.code(404).send({ error: 'not_found', message: `unknown namespace: ${JSON.stringify(want)} (namespaces are not enabled on this server)` });
      return;
    }
    done();
  });
  app.addHook('onResponse', (req, reply, done) => {
    counter.inc({ namespace: ns, route: req.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) });
    done();
  });

  registerSession(app, ctx.engine, feats);
  registerNamespaceList(app, ctx.config, ns);
  void app.register(async (sub) => registerBulk(sub, ctx.engine));
  return feats;
}

const id = z.string().min(1).max(256);
export const SessionBody = z.strictObject({
  pins: z.array(id).min(1).max(100),
  weights: z.array(z.number().finite().positive()).max(100).optional(),
  limit: z.number().int().min(1).max(100).optional(),
  locale: z.string().min(1).max(35).optional(),
  exclude: z.array(id).max(1000).optional(),
  cursor: z.string().max(4096).optional(),
  rules: z.string().max(20_000).optional(),
  explain: z.boolean().optional(),
  /** a guest session id: buckets the guest into experiments (no user record is made) */
  session: z.string().min(1).max(128).optional(),
});

/** POST /v1/session/recommend: related pins from a guest's pins, no user record. */
function registerSession(app: FastifyInstance, engine: Engine, feats: RequestFeatures): void {
  app.post('/v1/session/recommend', async (req) => {
    const b = parse(SessionBody, req.body, 'body');
    if (b.weights && b.weights.length !== b.pins.length)
      throw new HttpError(400, 'bad_request', `body weights: has ${b.weights.length} entries for ${b.pins.length} pins`, 'weights');
    let unknown: string[] = [];
    const ask: Parameters<RequestFeatures['recommend']>[0] = {
      surface: 'session',
      target: b.pins.join('\u0000') + '|' + (b.weights ?? []).join(','),
      exclude: b.exclude ?? [],
      explain: b.explain ?? false,
      excludeSeen: false,
      drop: new Set(b.pins),
    };
    if (b.limit !== undefined) ask.limit = b.limit;
    if (b.cursor !== undefined) ask.cursor = b.cursor;
    if (b.locale !== undefined) ask.locale = b.locale;
    if (b.rules !== undefined) ask.rules = b.rules;
    if (b.session !== undefined) ask.bucketId = b.session;
    const body = await feats.recommend(ask, async (r) => {
      const p = await engine.sessionPins(b.pins, b.weights, r);
      unknown = p.unknown;
      return p;
    });
    return unknown.length > 0 ? { ...body, unknown_pins: unknown } : body;
  });
}

const JSONL_TYPES = ['application/x-ndjson', 'application/jsonl', 'application/x-jsonlines', 'application/gzip', 'application/x-gzip', 'application/octet-stream'];
const BulkQuery = z.strictObject({
  from: z.string().regex(/^\d{1,16}$/, 'must be epoch ms').transform(Number).optional(),
  to: z.string().regex(/^\d{1,16}$/, 'must be epoch ms').transform(Number).optional(),
  gzip: z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1').optional(),
  batch_size: z.string().regex(/^\d{1,6}$/, 'must be an integer').transform(Number).pipe(z.number().int().min(1)).optional(),
});

function bulkKind(params: unknown): BulkKind {
  const k = (params as { kind?: string }).kind ?? '';
  if (!(BULK_KINDS as readonly string[]).includes(k))
    throw new HttpError(400, 'bad_request', `params kind: unknown bulk kind ${JSON.stringify(k)} (expected ${BULK_KINDS.join(', ')})`, 'kind');
  return k as BulkKind;
}

/** POST/GET /v1/bulk/{kind}: streamed JSONL(.gz) import and export (src/bulk). */
function registerBulk(app: FastifyInstance, engine: Engine): void {
  // the body stays a stream (no size limit, no buffering); scoped to this plugin
  app.addContentTypeParser(JSONL_TYPES, (_req, payload, done) => done(null, payload));

  app.post('/v1/bulk/:kind', async (req) => {
    const kind = bulkKind(req.params);
    const q = parse(BulkQuery, req.query, 'query');
    const body = req.body as Readable | undefined;
    if (!body || typeof (body as { pipe?: unknown }).pipe !== 'function')
      throw new HttpError(415, 'unsupported_media_type', `body: send JSON lines with Content-Type: application/x-ndjson (gzip: Content-Type application/gzip or Content-Encoding: gzip)`);
    const ctype = String(req.headers['content-type'] ?? '');
    const gzip = req.headers['content-encoding'] === 'gzip' || /gzip/.test(ctype);
    let res;
    try {
      res = await importLines(engine.storage, kind, linesOf(body, gzip), { name: 'body', checkpoint: false, ...(q.batch_size ? { batchSize: q.batch_size } : {}) });
    } catch (e) {
      const msg = (e as Error).message;
      if (e instanceof BulkInputError) throw new HttpError(400, 'bad_request', msg, `line ${e.line}`);
      if (/^body:\d+: cannot read/.test(msg)) throw new HttpError(400, 'bad_request', msg);
      throw e;
    }
    // pins, boards and saves change the graph; rebuild once after the load
    const s = await engine.live.rebuild();
    return { kind, lines: res.lines, rows: res.rows, inserted: res.inserted, duplicates: res.duplicates, blank: res.blank, seconds: res.seconds, graph_version: s.version };
  });

  app.get('/v1/bulk/:kind', async (req, reply) => {
    const kind = bulkKind(req.params);
    const q = parse(BulkQuery, req.query, 'query');
    const pass = new PassThrough();
    const opts: { from?: number; to?: number } = {};
    if (q.from !== undefined) opts.from = q.from;
    if (q.to !== undefined) opts.to = q.to;
    const out = pass;
    let sent: Readable = pass;
    if (q.gzip) {
      const gz = createGzip();
      pass.pipe(gz);
      sent = gz;
      void reply.header('content-encoding', 'gzip');
    }
    void reply.type('application/x-ndjson');
    exportTo(engine.storage, kind, out, opts).then(
      () => out.end(),
      (e: Error) => {
        req.log.error({ err: e }, 'bulk export failed');
        sent.destroy(e);
      },
    );
    return reply.send(sent);
  });
}
