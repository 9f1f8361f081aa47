import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/server/app.js';
import { DEFAULT_CONFIG, type ServerConfig } from '../../src/server/config.js';
import { ServerMetrics } from '../../src/server/metrics.js';
import { Engine, type EngineConfig } from '../../src/serving/engine.js';
import { SqliteStorage } from '../../src/storage/sqlite.js';
import type { Storage } from '../../src/storage/types.js';

export interface TestApp {
  app: FastifyInstance;
  engine: Engine;
  storage: Storage;
  metrics: ServerMetrics;
  close(): Promise<void>;
}

/**
 * The hand-checked toy graph: boards B1 {a, b, c}, B2 {c, d}, B3 {e}.
 * From a, walks reach b, c (via B1) and d (via B2 through c), never e.
 */
export async function seedToy(s: Storage): Promise<void> {
  await s.upsertPins([
    { id: 'a', locale: 'en' },
    { id: 'b', locale: 'fr' },
    { id: 'c', locale: 'en' },
    { id: 'd', locale: 'en' },
    { id: 'e', locale: 'fr' },
  ]);
  await s.addSaves([
    { pin: 'a', board: 'B1', createdAt: 1 },
    { pin: 'b', board: 'B1', createdAt: 1 },
    { pin: 'c', board: 'B1', createdAt: 1 },
    { pin: 'c', board: 'B2', createdAt: 1 },
    { pin: 'd', board: 'B2', createdAt: 1 },
    { pin: 'e', board: 'B3', createdAt: 1 },
  ]);
}

export async function makeApp(
  opts: { storage?: Storage; seed?: boolean; engine?: Partial<EngineConfig>; config?: Partial<ServerConfig> } = {},
): Promise<TestApp> {
  const storage = opts.storage ?? new SqliteStorage({ path: ':memory:' });
  if (!opts.storage) await storage.init();
  if (opts.seed !== false) await seedToy(storage);
  const metrics = new ServerMetrics({ defaultMetrics: false });
  const engine = await Engine.open(storage, { pixie: { steps: 2000 }, rebuildIntervalMs: 0, ...opts.engine }, metrics.observer());
  const config: ServerConfig = { ...DEFAULT_CONFIG, logLevel: 'silent', maxEventBatch: 50, ...opts.config };
  const app = buildApp({ engine, config, metrics });
  return {
    app,
    engine,
    storage,
    metrics,
    async close() {
      await app.close();
      await engine.close();
      await storage.close();
    },
  };
}

export function ev(i: number, over: Record<string, unknown> = {}): Record<string, unknown> {
  return { event_id: `e${i}`, user: 'u1', pin: 'a', action: 'click', surface: 'related', position: 0, timestamp: 1000 + i, ...over };
}
