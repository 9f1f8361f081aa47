import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/server/app.js';
import { DEFAULT_CONFIG, DEFAULT_FEATURES, loadConfig, type ServerConfig } from '../../src/server/config.js';
import { ServerMetrics } from '../../src/server/metrics.js';
import { servedSetKind } from '../../src/server/served-sets.js';
import { Engine } from '../../src/serving/engine.js';
import { SqliteServedSetStore } from '../../src/storage/sqlite-served-set.js';
import { SqliteStorage } from '../../src/storage/sqlite.js';
import { ids, seedChain } from './helpers.js';

let dir: string | null = null;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = null;
});

describe('served sets in the SQLite file', () => {
  it('get/add/delete, shared between connections, time to live and sweep', async () => {
    dir = mkdtempSync(join(tmpdir(), 'bw-served-'));
    let now = 1000;
    const file = join(dir, 'db.sqlite');
    const a = new SqliteServedSetStore(file, { ttlMs: 100, now: () => now, maxPinsPerEntry: 4 });
    const b = new SqliteServedSetStore(file, { ttlMs: 100, now: () => now });
    cleanups.push(() => a.close(), () => b.close());
    await a.add('r1', ['p1', 'p2']);
    await b.add('r1', ['p2', 'p3']);
    expect([...(await a.get('r1'))].sort()).toEqual(['p1', 'p2', 'p3']);
    await expect(a.add('r1', ['p4', 'p5'])).rejects.toThrow(/request r1: more than 4 pins served/);
    expect((await b.get('r1')).size).toBe(3); // the refused page was not half written
    now += 99;
    await a.add('r2', ['x']);
    expect((await b.get('r1')).size).toBe(3);
    now += 1; // r1 last written 100 ms ago: expired
    expect((await b.get('r1')).size).toBe(0);
    expect([...(await a.get('r2'))]).toEqual(['x']);
    await a.add('r1', ['p9']); // an expired entry starts over
    expect([...(await a.get('r1'))]).toEqual(['p9']);
    now += 1000;
    expect(a.sweep()).toBe(2);
    await a.add('r3', ['y']);
    await b.delete('r3');
    expect((await a.get('r3')).size).toBe(0);
    expect(() => new SqliteServedSetStore(':memory:')).toThrow(/need a database file shared by the processes/);
    expect(() => new SqliteServedSetStore(file, { ttlMs: 0 })).toThrow(/ttlMs must be > 0/);
  });

  it('chooses the store: memory for one worker, the SQLite file for several, Redis with postgres, or as configured', () => {
    const sqlite1 = loadConfig({ env: {} });
    expect(servedSetKind(sqlite1)).toBe('memory');
    expect(servedSetKind(loadConfig({ env: { BOARDWALK_WORKERS: '4' } }))).toBe('sqlite');
    expect(servedSetKind(loadConfig({ env: { BOARDWALK_STORAGE: 'postgres' } }))).toBe('redis');
    expect(servedSetKind(loadConfig({ env: { BOARDWALK_SERVED_SETS: 'sqlite' } }))).toBe('sqlite');
    expect(servedSetKind(loadConfig({ env: { BOARDWALK_WORKERS: '4', BOARDWALK_SERVED_SETS: 'memory' } }))).toBe('memory');
    expect(() => loadConfig({ env: { BOARDWALK_SERVED_SETS: 'disk' } })).toThrow(/environment: cursor\.servedSets: Invalid option/);
  });

  it('two app instances on one SQLite file (workers > 1) never repeat items across pages', async () => {
    dir = mkdtempSync(join(tmpdir(), 'bw-served-apps-'));
    const d = dir;
    const seedStore = new SqliteStorage({ path: join(d, 'boardwalk.sqlite') });
    await seedStore.init();
    await seedChain(seedStore);
    await seedStore.close();
    // what each worker process opens: its own storage connection, engine and app on the same file
    const worker = async (servedSets: 'auto' | 'memory') => {
      const storage = new SqliteStorage({ path: join(d, 'boardwalk.sqlite') });
      await storage.init();
      const engine = await Engine.open(storage, { rebuildIntervalMs: 0, pollIntervalMs: 0, pixie: { steps: 2000 } });
      const config: ServerConfig = {
        ...DEFAULT_CONFIG,
        logLevel: 'silent',
        workers: 2,
        storage: { ...DEFAULT_CONFIG.storage, dataDir: d },
        features: { ...DEFAULT_FEATURES, cursorSecret: 'shared-secret-0123456789', servedSets },
      };
      const app = buildApp({ engine, config, metrics: new ServerMetrics({ defaultMetrics: false }) });
      cleanups.push(async () => {
        await app.close();
        await engine.close();
        await storage.close();
      });
      return app;
    };
    const follow = async (apps: Awaited<ReturnType<typeof worker>>[]): Promise<{ all: string[]; pages: number }> => {
      const all: string[] = [];
      let cursor: string | null = null;
      let i = 0;
      do {
        const url: string = `/v1/pins/p0/related?limit=4${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
        const r = await apps[i++ % apps.length]!.inject({ method: 'GET', url });
        expect(r.statusCode).toBe(200);
        all.push(...ids(r.json()));
        cursor = r.json().next_cursor;
      } while (cursor && i < 50);
      return { all, pages: i };
    };
    const shared = await follow([await worker('auto'), await worker('auto')]);
    expect(shared.pages).toBeGreaterThan(3);
    expect(new Set(shared.all).size).toBe(shared.all.length);
    // the same two workers with per-process memory: the second page repeats the first
    const apart = await follow([await worker('memory'), await worker('memory')]);
    expect(apart.all.slice(4, 8)).toEqual(apart.all.slice(0, 4));
  });
});
