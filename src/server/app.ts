import Fastify, { LogController, type FastifyInstance } from 'fastify';
import { z } from 'zod';
import { UnknownIdError } from '../graph/id-map.js';
import { Engine, NotFoundError } from '../serving/engine.js';
import { installFullSurfaces, type FullSurfaces } from '../serving/full-surfaces.js';
import { openStorage } from '../storage/open.js';
import { StorageInputError, type EngagementEvent, type Storage } from '../storage/types.js';
import type { ServerConfig } from './config.js';
import { HttpError, parse } from './http.js';
import { REDACT_PATHS } from './auth.js';
import { installFeatures, type FeatureContext } from './feature-routes.js';
import { NamespaceRouter, listenRouter, namespacesEnabled, openTenant } from './namespaces.js';
import { excludeParam, type RecAsk } from './request-features.js';
import { ServerMetrics } from './metrics.js';
import { consolePlugin } from './console.js';
import { fastEvents } from './fast-events.js';
import { openApiDocument } from './openapi.js';
import * as S from './schemas.js';

export interface AppOptions {
  engine: Engine;
  config: ServerConfig;
  metrics?: ServerMetrics;
  /** namespace this app serves (the namespace router builds one app per namespace) */
  namespace?: string;
  /** where logs go (tests capture them); stdout when left out */
  logStream?: NodeJS.WritableStream;
  /** served sets behind cursors (default: Redis with postgres storage, else memory) */
  served?: FeatureContext['served'];
}

/** Builds the fastify app around an engine (no listening; tests use `app.inject`). */
export function buildApp(o: AppOptions): FastifyInstance {
  const { engine, config } = o;
  const metrics = o.metrics ?? new ServerMetrics({ defaultMetrics: false });
  const app = Fastify({
    logger: { level: config.logLevel, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, ...(o.logStream ? { stream: o.logStream } : {}) },
    logController: new LogController({ disableRequestLogging: !config.requestLogging }),
    bodyLimit: config.bodyLimitBytes,
  });
  const eventsBody = S.eventsBody(config.maxEventBatch);
  // response schema: fastify compiles a fast serializer for the hot recommendation routes
  const recSchema = { response: { 200: z.toJSONSchema(S.RecResponse, { io: 'output' }) } };
  const openapi = openApiDocument(config.maxEventBatch);

  app.addHook('onResponse', (req, reply, done) => {
    metrics.requestSeconds.observe(
      { method: req.method, route: req.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
    done();
  });

  app.setErrorHandler((err, req, reply) => {
    if (err instanceof HttpError) {
      const body: Record<string, string> = { error: err.code, message: err.message };
      if (err.field !== undefined) body['field'] = err.field;
      return reply.code(err.statusCode).send(body);
    }
    if (err instanceof NotFoundError || err instanceof UnknownIdError) return reply.code(404).send({ error: 'not_found', message: err.message });
    if (err instanceof StorageInputError) return reply.code(400).send({ error: 'bad_request', message: err.message });
    const e = err as { statusCode?: number; code?: string; message?: string };
    if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500)
      return reply.code(e.statusCode).send({ error: e.code ?? 'bad_request', message: e.message ?? 'bad request' });
    req.log.error({ err }, 'request failed');
    return reply.code(500).send({ error: 'internal', message: 'internal error' });
  });

  app.setNotFoundHandler((req, reply) => {
    void reply.code(404).send({ error: 'not_found', message: `no route ${req.method} ${req.url.split('?')[0]}` });
  });

  const fctx: FeatureContext = { engine, config, metrics };
  if (o.namespace !== undefined) fctx.namespace = o.namespace;
  if (o.served !== undefined) fctx.served = o.served;
  // API keys, namespace check, guest sessions, bulk (docs/product-features.md, HTTP)
  const feats = installFeatures(app, fctx);

  // ---- catalogue ----
  app.post('/v1/pins', async (req) => {
    const { pins } = parse(S.PinsBody, req.body, 'body');
    await engine.upsertPins(
      pins.map((p) => {
        const { created_at, ...rest } = p;
        return created_at === undefined ? rest : { ...rest, createdAt: S.toMs(created_at) };
      }),
    );
    return { ok: true, count: pins.length };
  });

  app.post('/v1/boards', async (req) => {
    const { boards } = parse(S.BoardsBody, req.body, 'body');
    await engine.upsertBoards(
      boards.map((b) => {
        const { created_at, ...rest } = b;
        return created_at === undefined ? rest : { ...rest, createdAt: S.toMs(created_at) };
      }),
    );
    return { ok: true, count: boards.length };
  });

  app.post('/v1/users', async (req) => {
    const { users } = parse(S.UsersBody, req.body, 'body');
    await engine.upsertUsers(
      users.map((u) => {
        const { created_at, ...rest } = u;
        return created_at === undefined ? rest : { ...rest, createdAt: S.toMs(created_at) };
      }),
    );
    return { ok: true, count: users.length };
  });

  app.get('/v1/pins/:id', async (req) => {
    const { id } = parse(S.IdParams, req.params, 'params');
    const pin = await engine.storage.getPin(id);
    if (!pin) throw new NotFoundError('pin', id);
    const { createdAt, ...rest } = pin;
    return { ...rest, ...(createdAt === undefined ? {} : { created_at: createdAt }), counters: await engine.storage.pinCounters(id) };
  });

  app.post('/v1/saves', async (req) => {
    const { saves } = parse(S.SavesBody, req.body, 'body');
    const now = Date.now();
    const seq = await engine.addSaves(
      saves.map((s) => {
        const out: { pin: string; board: string; user?: string; createdAt: number } = {
          pin: s.pin,
          board: s.board,
          createdAt: s.created_at === undefined ? now : S.toMs(s.created_at),
        };
        if (s.user !== undefined) out.user = s.user;
        return out;
      }),
    );
    return { ok: true, count: saves.length, graph_seq: seq };
  });

  app.delete('/v1/saves', async (req) => {
    const { saves } = parse(S.SavesRemoveBody, req.body, 'body');
    const seq = await engine.removeSaves(saves);
    return { ok: true, count: saves.length, graph_seq: seq };
  });

  // ---- events ----
  app.post('/v1/events', async (req) => {
    let batch = fastEvents(req.body, config.maxEventBatch);
    if (batch === null) {
      const { events } = parse(eventsBody, req.body, 'body');
      batch = new Array(events.length);
      for (let i = 0; i < events.length; i++) {
        const e = events[i]!;
        const x: EngagementEvent = {
          eventId: e.event_id,
          user: e.user,
          pin: e.pin,
          action: e.action,
          surface: e.surface,
          platform: e.platform,
          position: e.position,
          timestamp: S.toMs(e.timestamp),
        };
        if (e.query_pin !== undefined) x.queryPin = e.query_pin;
        if (e.request_id !== undefined) x.requestId = e.request_id;
        if (e.experiment_id !== undefined) x.experimentId = e.experiment_id;
        if (e.variant !== undefined) x.variant = e.variant;
        if (e.board !== undefined) x.board = e.board;
        batch[i] = x;
      }
    }
    for (let i = 0; i < batch.length; i++)
      if (batch[i]!.board !== undefined && batch[i]!.action !== 'save')
        throw new HttpError(400, 'bad_request', `body events.${i}.board: only save events carry a board`, `events.${i}.board`);
    const r = await engine.ingest(batch);
    metrics.events.inc({ result: 'inserted' }, r.inserted);
    if (r.duplicates) metrics.events.inc({ result: 'duplicate' }, r.duplicates);
    return { inserted: r.inserted, duplicates: r.duplicates };
  });

  // ---- recommendations ----
  // pages come from the served set behind a signed cursor: page N+1 never repeats pages 1..N
  const ask = (surface: RecAsk['surface'], target: string, q: ReturnType<typeof S.RecQuery.parse>, user: string | undefined): RecAsk => {
    const a: RecAsk = { surface, target, exclude: excludeParam(q.exclude), explain: q.explain ?? false };
    if (q.limit !== undefined) a.limit = q.limit;
    if (q.cursor !== undefined) a.cursor = q.cursor;
    if (q.locale !== undefined) a.locale = q.locale;
    if (q.exclude_seen !== undefined) a.excludeSeen = q.exclude_seen;
    if (q.rules !== undefined) a.rules = q.rules;
    if (user !== undefined) a.user = a.bucketId = user;
    return a;
  };

  app.get('/v1/pins/:id/related', { schema: recSchema }, async (req) => {
    const { id } = parse(S.IdParams, req.params, 'params');
    const q = parse(S.RecQuery, req.query, 'query');
    if (q.exclude_seen === true && q.user === undefined)
      throw new HttpError(400, 'bad_request', 'query exclude_seen: needs the viewer in query user', 'exclude_seen');
    return feats.recommend(ask('related', id, q, q.user), (r) => engine.relatedPins(id, r));
  });

  app.get('/v1/users/:id/homefeed', { schema: recSchema }, async (req) => {
    const { id } = parse(S.IdParams, req.params, 'params');
    const q = parse(S.RecQuery, req.query, 'query');
    if (q.user !== undefined && q.user !== id) throw new HttpError(400, 'bad_request', 'query user: must be left out or equal the path user', 'user');
    return feats.recommend(ask('homefeed', id, q, id), (r) => engine.homefeed(id, r));
  });

  app.get('/v1/boards/:id/related', { schema: recSchema }, async (req) => {
    const { id } = parse(S.IdParams, req.params, 'params');
    const q = parse(S.RecQuery, req.query, 'query');
    const a = ask('related_boards', id, q, q.user);
    if (q.exclude_seen === undefined) a.excludeSeen = false; // board ids: seen pins do not apply
    return feats.recommend(a, (r) => engine.relatedBoards(id, r));
  });

  app.post('/v1/admin/rebuild', async () => {
    const s = await engine.live.rebuild();
    return { graph_version: s.version, pins: s.graph.numPins, boards: s.graph.numBoards, edges: s.graph.numEdges };
  });

  // ---- operations ----
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_req, reply) => {
    try {
      await engine.storage.maxSaveSeq();
    } catch (err) {
      return reply.code(503).send({ status: 'unavailable', message: `storage: ${(err as Error).message}` });
    }
    const s = engine.snapshot;
    return { status: 'ready', storage: engine.storage.kind, graph_version: s.version, pins: s.graph.numPins, boards: s.graph.numBoards, edges: s.graph.numEdges };
  });

  app.get('/metrics', async (_req, reply) => {
    void reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });

  app.get('/docs/openapi.json', async () => openapi);
  void app.register(consolePlugin, { engine, dataDir: config.storage.dataDir });

  return app;
}

export interface Service {
  app: FastifyInstance;
  engine: Engine;
  storage: Storage;
  /** the address it listens on */
  url: string;
  close(): Promise<void>;
}

/** Opens storage, loads the graph and listens: what `boardwalk serve` runs. */
export async function startService(config: ServerConfig): Promise<Service> {
  const storage = await openStorage(config.storage);
  const metrics = new ServerMetrics();
  let engine: Engine;
  let pipelines: FullSurfaces | null = null;
  try {
    engine = await Engine.open(storage, config.engine, metrics.observer());
  } catch (err) {
    await storage.close();
    throw err;
  }
  try {
    // the full pipelines (docs/pipelines.md); BOARDWALK_PIPELINES=off keeps the Pixie-only surfaces
    if (process.env['BOARDWALK_PIPELINES'] !== 'off') pipelines = await installFullSurfaces(engine, { dataDir: config.storage.dataDir, storage: config.storage, pinnersage: config.pinnersage });
  } catch (err) {
    await engine.close();
    await storage.close();
    throw err;
  }
  metrics.graphVersion.set(engine.snapshot.version);
  const app = buildApp({ engine, config, metrics });
  let url: string;
  // namespaces: a router in front sends each request to its namespace's app (docs/product-features.md)
  let router: NamespaceRouter | null = null;
  let server: import('node:http').Server | null = null;
  try {
    if (namespacesEnabled(config)) {
      await app.ready();
      router = new NamespaceRouter({ app, close: async () => undefined }, (ns) => openTenant(config, ns, metrics, buildApp), config);
      ({ server, url } = await listenRouter(router, config.host, config.port));
    } else url = await app.listen({ host: config.host, port: config.port });
  } catch (err) {
    await engine.close();
    await storage.close();
    throw err;
  }
  let closed = false;
  return {
    app,
    engine,
    storage,
    url,
    async close() {
      if (closed) return;
      closed = true;
      if (server) {
        const done = new Promise<void>((r) => server!.close(() => r()));
        server.closeIdleConnections();
        await done;
      }
      await router?.close();
      await app.close();
      await pipelines?.close();
      await engine.close();
      await storage.close();
    },
  };
}
