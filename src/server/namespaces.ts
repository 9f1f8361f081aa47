import { mkdirSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Engine } from '../serving/engine.js';
import { installFullSurfaces, type FullSurfaces } from '../serving/full-surfaces.js';
import { openStorage, type StorageConfig } from '../storage/open.js';
import { KeyRing, presentedKey } from './auth.js';
import { DEFAULT_AUTH, DEFAULT_NAMESPACES, type NamespacesConfig, type ServerConfig } from './config.js';
import { NAMESPACE_HEADER, NAMESPACE_RE } from './feature-routes.js';
import type { ServerMetrics } from './metrics.js';

/** One namespace's app and how to close it (engine, pipelines, storage). */
export interface Tenant {
  app: FastifyInstance;
  close(): Promise<void>;
}

/**
 * Storage settings of a namespace: "default" keeps the base settings (so existing data stays
 * where it was); others get their own SQLite file under `<dataDir>/namespaces/<ns>/`, their own
 * Postgres schema `<schema>_<ns>` and Redis prefix `<prefix>:<ns>`.
 */
export function namespaceStorage(base: StorageConfig, ns: string): StorageConfig {
  if (ns === 'default') return base;
  return {
    ...base,
    dataDir: join(base.dataDir, 'namespaces', ns),
    postgresSchema: `${base.postgresSchema}_${ns}`,
    redisPrefix: `${base.redisPrefix}:${ns}`,
  };
}

/** The config a namespace's app runs with (storage and artefact dir per namespace). */
export function namespaceConfig(base: ServerConfig, ns: string): ServerConfig {
  const storage = namespaceStorage(base.storage, ns);
  if (storage.kind === 'sqlite' && ns !== 'default') mkdirSync(storage.dataDir, { recursive: true });
  return { ...base, storage };
}

function sendJson(res: ServerResponse, status: number, body: object): void {
  const s = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(s) });
  res.end(s);
}

/**
 * Routes each HTTP request to its namespace's fastify app by the X-Boardwalk-Namespace header
 * (default "default"). Apps are opened lazily by `open(ns)` and cached; a namespace must be in
 * `allowed` unless `autoCreate` is on. An unknown namespace answers 404 only to a caller with a
 * valid key, so names cannot be probed without one.
 */
export class NamespaceRouter {
  private readonly tenants = new Map<string, Promise<Tenant>>();
  private readonly cfg: NamespacesConfig;
  private readonly ring: KeyRing;
  private closed = false;

  constructor(
    defaultTenant: Tenant,
    private readonly open: (ns: string) => Promise<Tenant>,
    config: Pick<ServerConfig, 'namespaces' | 'auth'>,
  ) {
    this.cfg = config.namespaces ?? DEFAULT_NAMESPACES;
    this.ring = new KeyRing(config.auth ?? DEFAULT_AUTH);
    this.tenants.set('default', Promise.resolve(defaultTenant));
  }

  /** Whether a name may be served (it still has to match the name pattern). */
  allowed(ns: string): boolean {
    return ns === 'default' || this.cfg.autoCreate || this.cfg.allowed.includes(ns);
  }

  /** The namespace's app, opening it on first use. */
  tenant(ns: string): Promise<Tenant> {
    let t = this.tenants.get(ns);
    if (!t) {
      if (this.closed) return Promise.reject(new Error('server is closing'));
      t = this.open(ns);
      this.tenants.set(ns, t);
      // a failed open is retried by the next request
      t.catch(() => this.tenants.delete(ns));
    }
    return t;
  }

  /** Node http request listener. */
  readonly handle = (req: IncomingMessage, res: ServerResponse): void => {
    const h = req.headers[NAMESPACE_HEADER];
    const ns = h === undefined ? 'default' : h;
    if (ns === 'default') {
      void this.tenant(ns).then((t) => t.app.routing(req, res));
      return;
    }
    if (this.ring.enabled) {
      const k = presentedKey(req.headers);
      if (k === null || k === 'malformed' || this.ring.role(k) === null)
        return sendJson(res, 401, { error: 'unauthorized', message: 'missing or invalid API key' });
    }
    if (typeof ns !== 'string' || !NAMESPACE_RE.test(ns))
      return sendJson(res, 400, {
        error: 'bad_request',
        message: `header X-Boardwalk-Namespace: ${JSON.stringify(ns)} is not a namespace name (1-40 of a-z 0-9 _, starting with a letter)`,
        field: 'x-boardwalk-namespace',
      });
    if (!this.allowed(ns)) return sendJson(res, 404, { error: 'not_found', message: `unknown namespace: ${JSON.stringify(ns)}` });
    this.tenant(ns).then(
      (t) => t.app.routing(req, res),
      (e: Error) => sendJson(res, 503, { error: 'unavailable', message: `namespace ${ns}: ${e.message}` }),
    );
  };

  /** Namespaces opened so far. */
  opened(): string[] {
    return [...this.tenants.keys()];
  }

  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.tenants.values()];
    this.tenants.clear();
    for (const t of all) {
      const x = await t.catch(() => null);
      await x?.close();
    }
  }
}

/** Listens with the router in front; resolves with the server and its URL. */
export async function listenRouter(router: NamespaceRouter, host: string, port: number): Promise<{ server: Server; url: string }> {
  const server = createServer(router.handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const a = server.address() as AddressInfo;
  const h = a.family === 'IPv6' ? `[${a.address}]` : a.address;
  return { server, url: `http://${h}:${a.port}` };
}

/** Whether the config turns namespaces on (an allowed list or autoCreate). */
export function namespacesEnabled(cfg: ServerConfig): boolean {
  const n = cfg.namespaces;
  return n !== undefined && (n.autoCreate || n.allowed.length > 0);
}

type BuildApp = (o: { engine: Engine; config: ServerConfig; metrics: ServerMetrics; namespace: string }) => FastifyInstance;

/**
 * Opens a namespace as `startService` opens the default one: its storage, its engine (graph
 * from that storage), the full pipelines from its own artefact dir, and its app (ready, not
 * listening). `build` is buildApp (passed in to keep the module graph acyclic).
 */
export async function openTenant(base: ServerConfig, ns: string, metrics: ServerMetrics, build: BuildApp): Promise<Tenant> {
  const config = namespaceConfig(base, ns);
  const storage = await openStorage(config.storage);
  let engine: Engine | null = null;
  let pipelines: FullSurfaces | null = null;
  try {
    engine = await Engine.open(storage, config.engine, metrics.observer());
    if (process.env['BOARDWALK_PIPELINES'] !== 'off') pipelines = await installFullSurfaces(engine, { dataDir: config.storage.dataDir, storage: config.storage, pinnersage: config.pinnersage });
    const app = build({ engine, config, metrics, namespace: ns });
    await app.ready();
    const e = engine;
    return {
      app,
      async close() {
        await app.close();
        await pipelines?.close();
        await e.close();
        await storage.close();
      },
    };
  } catch (err) {
    await pipelines?.close();
    await engine?.close();
    await storage.close();
    throw err;
  }
}
