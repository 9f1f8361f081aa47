import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Server } from 'node:http';
import { buildApp } from '../../src/server/app.js';
import { DEFAULT_CONFIG, type ServerConfig } from '../../src/server/config.js';
import { ServerMetrics } from '../../src/server/metrics.js';
import { listenRouter, namespaceStorage, NamespaceRouter, openTenant } from '../../src/server/namespaces.js';
import { Engine } from '../../src/serving/engine.js';
import { SqliteStorage } from '../../src/storage/sqlite.js';
import type { EngagementEvent, PinRecord, SaveRecord, Storage } from '../../src/storage/types.js';
import { Rng } from '../../src/util/rng.js';

export const DAY = 86_400_000;

const TOPICS = [
  { key: 'h', words: ['mountain', 'hiking', 'trail', 'summit', 'backpack', 'alpine'], locale: 'en' },
  { key: 'k', words: ['bread', 'baking', 'sourdough', 'oven', 'flour', 'pastry'], locale: 'fr' },
  { key: 'g', words: ['garden', 'tomato', 'seedling', 'compost', 'herbs', 'greenhouse'], locale: 'en' },
];

/**
 * A seeded catalogue with three topics (hiking, baking, gardening): 12 pins each with text and
 * annotations, 4 boards per topic each saving 8 of its topic's pins; one bridge save links
 * hiking and gardening. User u1 engaged with hiking and baking pins (two interests); user u2
 * only exists.
 */
export async function seedCatalogue(s: Storage, now: number, seed = 7): Promise<void> {
  const rng = new Rng(seed);
  const pins: PinRecord[] = [];
  const saves: SaveRecord[] = [];
  for (const t of TOPICS) {
    for (let i = 0; i < 12; i++) {
      const w1 = t.words[i % 6]!;
      const w2 = t.words[(i * 5 + 1) % 6]!;
      pins.push({
        id: `${t.key}${i}`,
        text: `${w1[0]!.toUpperCase()}${w1.slice(1)} ${w2} idea ${i}`,
        annotations: [w1, w2],
        locale: t.locale,
        // pin 0 of each topic is new (2 days old), the others a year old and older
        createdAt: i === 0 ? now - 2 * DAY : now - (365 + i * 10) * DAY,
      });
    }
    for (let b = 0; b < 4; b++) {
      const order = Array.from({ length: 12 }, (_, i) => i);
      rng.shuffle(order);
      for (const i of order.slice(0, 8)) saves.push({ pin: `${t.key}${i}`, board: `${t.key.toUpperCase()}${b}`, createdAt: now - 30 * DAY });
    }
  }
  saves.push({ pin: 'h1', board: 'G0', createdAt: now - 30 * DAY });
  await s.upsertPins(pins);
  await s.upsertBoards(TOPICS.flatMap((t) => [0, 1, 2, 3].map((b) => ({ id: `${t.key.toUpperCase()}${b}`, name: `${t.words[b]} board`, locale: t.locale }))));
  await s.addSaves(saves);
  await s.upsertUsers([{ id: 'u1', locale: 'en' }, { id: 'u2', locale: 'en' }]);
  const events: EngagementEvent[] = [];
  const acts = ['save', 'click', 'closeup', 'long_click'] as const;
  const engaged = ['h1', 'h2', 'h3', 'h5', 'k2', 'k3', 'k4'];
  engaged.forEach((pin, i) => {
    events.push({ eventId: `ev${i}`, user: 'u1', pin, action: acts[i % 4]!, surface: 'homefeed', platform: 'web', position: i, timestamp: now - (i + 1) * 3600_000 });
  });
  events.push({ eventId: 'ev-imp', user: 'u1', pin: 'g3', action: 'impression', surface: 'homefeed', platform: 'web', position: 9, timestamp: now - 1000 });
  await s.appendEvents(events);
}

/** A minimal eval report in the `boardwalk eval --json` layout. */
export function writeEvalReport(file: string): void {
  const row = (dataset: string, method: string, hr: number, ndcg: number) => ({
    dataset,
    method,
    hr,
    ndcg,
    users: 100,
    published: null,
    settings: '',
    params: {},
    prepareSeconds: 0.1,
    scoreSeconds: 0.2,
  });
  writeFileSync(
    file,
    JSON.stringify({
      version: 1,
      k: 10,
      seed: 1,
      userSample: 100,
      datasets: [],
      rows: [row('lastfm', 'pixie', 0.8712, 0.5931), row('lastfm', 'pop', 0.6628, 0.3862), row('citeulike-a', 'pixie', 0.8655, 0.6633)],
      totalSeconds: 1,
    }),
  );
}

/** A second, small catalogue for namespace tests: kayaking pins s0..s9 on two boards. */
export async function seedShop(s: Storage, now: number): Promise<void> {
  const words = ['kayak', 'paddle', 'river', 'canoe', 'rapids'];
  await s.upsertPins(Array.from({ length: 10 }, (_, i) => ({ id: `s${i}`, text: `${words[i % 5]} ${words[(i + 2) % 5]} gear ${i}`, locale: 'en', createdAt: now - 100 * DAY })));
  await s.addSaves(Array.from({ length: 10 }, (_, i) => ({ pin: `s${i}`, board: i < 6 ? 'S0' : 'S1', createdAt: now - 30 * DAY })));
  await s.addSaves([{ pin: 's5', board: 'S1', createdAt: now - 30 * DAY }]);
}

export interface ConsoleServer {
  app: FastifyInstance;
  engine: Engine;
  storage: Storage;
  dataDir: string;
  /** listens on a loopback port (behind the namespace router when namespaces were asked for); resolves with the base URL */
  listen(): Promise<string>;
  close(): Promise<void>;
}

/** The real app (API + console) on a seeded in-memory store; data dir holds the eval report. */
export async function makeConsoleApp(opts: { evalReport?: boolean; now?: number; namespaces?: Record<string, (s: Storage, now: number) => Promise<void>> } = {}): Promise<ConsoleServer> {
  const now = opts.now ?? Date.now();
  const dataDir = mkdtempSync(join(tmpdir(), 'bw-console-'));
  if (opts.evalReport !== false) writeEvalReport(join(dataDir, 'eval-report.json'));
  const storage = new SqliteStorage({ path: ':memory:' });
  await storage.init();
  await seedCatalogue(storage, now);
  const metrics = new ServerMetrics({ defaultMetrics: false });
  const engine = await Engine.open(storage, { pixie: { steps: 4000 }, rebuildIntervalMs: 0, pollIntervalMs: 0 }, metrics.observer());
  const config: ServerConfig = { ...DEFAULT_CONFIG, logLevel: 'silent', storage: { ...DEFAULT_CONFIG.storage, dataDir } };
  const names = Object.keys(opts.namespaces ?? {});
  if (names.length > 0) {
    config.namespaces = { allowed: names, autoCreate: false };
    // each namespace's SQLite file, seeded before its app opens it on first use
    for (const [ns, seed] of Object.entries(opts.namespaces!)) {
      const sc = namespaceStorage(config.storage, ns);
      const s = new SqliteStorage({ path: join(sc.dataDir, sc.sqliteFile) });
      await s.init();
      await seed(s, now);
      await s.close();
    }
  }
  const app = buildApp({ engine, config, metrics });
  let router: NamespaceRouter | null = null;
  let server: Server | null = null;
  return {
    app,
    engine,
    storage,
    dataDir,
    async listen() {
      if (names.length === 0) return app.listen({ host: '127.0.0.1', port: 0 });
      await app.ready();
      router = new NamespaceRouter({ app, close: async () => undefined }, (ns) => openTenant(config, ns, metrics, buildApp), config);
      const l = await listenRouter(router, '127.0.0.1', 0);
      server = l.server;
      return l.url;
    },
    async close() {
      if (server) {
        const done = new Promise<void>((r) => server!.close(() => r()));
        server.closeAllConnections();
        await done;
      }
      await router?.close();
      await app.close();
      await engine.close();
      await storage.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
