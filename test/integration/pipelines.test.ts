import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { FreshNeighbourMap } from '../../src/candidates/fresh-neighbours.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import { saveSnapshot } from '../../src/graph/snapshot.js';
import { runMemboostJob } from '../../src/jobs/memboost-job.js';
import { saveFreshNeighbourMap } from '../../src/jobs/new-neighbours.js';
import { trainGbdt } from '../../src/ranking/gbdt/train.js';
import { DEFAULT_LABELS } from '../../src/ranking/labels.js';
import { ModelRegistry } from '../../src/ranking/registry.js';
import { AnnIndex } from '../../src/retrieval/ann-index.js';
import { ModelStore } from '../../src/retrieval/model-store.js';
import { RetrievalService } from '../../src/retrieval/service.js';
import { DEFAULT_CONFIG as TWO_TOWER_DEFAULTS, TwoTowerModel } from '../../src/retrieval/model.js';
import { buildApp } from '../../src/server/app.js';
import { Rng } from '../../src/util/rng.js';
import { DEFAULT_CONFIG } from '../../src/server/config.js';
import { Engine } from '../../src/serving/engine.js';
import { FullSurfaces, installFullSurfaces, loadPipelineConfig, type PipelineOverrides } from '../../src/serving/full-surfaces.js';
import { SqliteStorage } from '../../src/storage/sqlite.js';
import type { EngagementEvent, PinRecord, SaveRecord } from '../../src/storage/types.js';

const DAY = 86_400_000;

interface T {
  dir: string;
  app: FastifyInstance;
  engine: Engine;
  storage: SqliteStorage;
  full: FullSurfaces;
  close(): Promise<void>;
}

let t: T | null = null;
afterEach(async () => {
  await t?.close();
  t = null;
});

/**
 * Boards: B1 {p0 p1 p2 p3}, B2 {p2 p3 p4 p5 f1 f2 f3}, B3 {p5 p6 p7 f4 f5 f6},
 * B4 {p8 p9 p10} (no path from p0), B5 {p11 p12}.
 * Text: p0, p9, p10 share "fox"; visual: p11 is p0's near twin. f* were created a day ago.
 */
async function seed(s: SqliteStorage, rich: boolean): Promise<void> {
  const now = Date.now();
  const pins: PinRecord[] = [];
  for (let i = 0; i < 13; i++) pins.push({ id: `p${i}`, locale: 'en', createdAt: now - 100 * DAY });
  for (let i = 1; i <= 6; i++) pins.push({ id: `f${i}`, locale: 'en', createdAt: now - DAY });
  if (rich) {
    const text: Record<string, string> = { p0: 'red fox forest', p9: 'red fox den', p10: 'fox forest walk', p4: 'blue whale' };
    for (const p of pins) {
      if (text[p.id]) p.text = text[p.id];
      const k = Number(p.id.slice(1)) + (p.id[0] === 'f' ? 20 : 0);
      p.embeddings = { visual: p.id === 'p0' ? [1, 0, 0, 0] : p.id === 'p11' ? [0.9, 0.4, 0, 0] : [0, Math.cos(k), Math.sin(k), 0.5] };
    }
  }
  await s.upsertPins(pins);
  const boards: Record<string, string[]> = {
    B1: ['p0', 'p1', 'p2', 'p3'],
    B2: ['p2', 'p3', 'p4', 'p5', 'f1', 'f2', 'f3'],
    B3: ['p5', 'p6', 'p7', 'f4', 'f5', 'f6'],
    B4: ['p8', 'p9', 'p10'],
    B5: ['p11', 'p12'],
  };
  const saves: SaveRecord[] = [];
  for (const [b, ps] of Object.entries(boards)) for (const p of ps) saves.push({ pin: p, board: b, createdAt: 1 });
  await s.addSaves(saves);
}

async function open(o: { rich?: boolean; config?: PipelineOverrides; before?: (dir: string, s: SqliteStorage, e: Engine) => Promise<void> } = {}): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'bw-pipelines-'));
  const storage = new SqliteStorage({ path: join(dir, 'boardwalk.sqlite') });
  await storage.init();
  await seed(storage, o.rich ?? true);
  const engine = await Engine.open(storage, { pixie: { steps: 4000 }, rebuildIntervalMs: 0, pollIntervalMs: 0 });
  await o.before?.(dir, storage, engine);
  const full = await installFullSurfaces(engine, { dataDir: dir, config: o.config ?? {} });
  const app = buildApp({ engine, config: { ...DEFAULT_CONFIG, logLevel: 'silent', storage: { ...DEFAULT_CONFIG.storage, dataDir: dir } } });
  return {
    dir,
    app,
    engine,
    storage,
    full,
    async close() {
      await app.close();
      await full.close();
      await engine.close();
      await storage.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

interface Item {
  id: string;
  score: number;
  sources: string[];
  parts: Record<string, number>;
}

async function get(path: string): Promise<{ status: number; items: Item[]; body: Record<string, unknown> }> {
  const r = await t!.app.inject({ method: 'GET', url: path });
  const body = r.json() as Record<string, unknown>;
  return { status: r.statusCode, items: (body['items'] as Item[]) ?? [], body };
}

function sourcesOf(items: Item[]): Set<string> {
  return new Set(items.flatMap((x) => x.sources));
}

describe('related pins pipeline over HTTP', () => {
  it('merges graph, text and visual sources, with Memboost and explain parts', async () => {
    t = await open({
      before: async (dir, s, e) => {
        // p7 shown for p0 at slot 10 and clicked every time: Memboost remembers the pair (p6 alongside, never clicked)
        const ev: EngagementEvent[] = [];
        for (let i = 0; i < 20; i++) {
          const base = { user: `u${i}`, pin: 'p7', surface: 'related', platform: 'web' as const, position: 9, queryPin: 'p0', timestamp: 1000 + i };
          ev.push({ ...base, eventId: `i${i}`, action: 'impression' }, { ...base, eventId: `c${i}`, action: 'click' });
          // p6 shown at the same slot and never clicked: the slot's click rate is 1/2
          ev.push({ ...base, pin: 'p6', eventId: `j${i}`, action: 'impression' });
        }
        await s.appendEvents(ev);
        await runMemboostJob(s, e.snapshot.graph.pins, { out: join(dir, 'memboost.bin') });
      },
    });
    expect(t.full.info.related).toEqual({ sources: ['pixie', 'board', 'text', 'visual', 'pixie@locale', 'board@locale'], ranker: 'blend', memboost: 'realtime' });
    // the job wrote hand-set (default) parameters: they hold for any ranker
    expect(t.full.info.artefacts['memboostParams']).toBe('configured (ranker blend)');
    const r = await get('/v1/pins/p0/related?explain=true&limit=50');
    expect(r.status).toBe(200);
    const ids = r.items.map((x) => x.id);
    expect(ids).not.toContain('p0');
    const src = sourcesOf(r.items);
    for (const s of ['pixie', 'board', 'text', 'visual']) expect(src).toContain(s);
    // text reaches p9/p10 (no graph path), visual reaches p11
    expect(r.items.find((x) => x.id === 'p9')!.sources).toContain('text');
    expect(r.items.find((x) => x.id === 'p11')!.sources).toContain('visual');
    const top = r.items[0]!;
    expect(top.parts.ranker).toBeTypeOf('number');
    expect(top.parts.memboostBoost).toBeTypeOf('number');
    expect(Object.keys(top.parts).some((k) => k.startsWith('src_'))).toBe(true);
    // score = ranker + γ·MB
    expect(top.score).toBeCloseTo(top.parts.ranker! + top.parts.memboostBoost!, 9);
    const p7 = r.items.find((x) => x.id === 'p7')!;
    expect(p7.parts.memboost).toBeGreaterThan(0);
    expect(r.items.find((x) => x.id === 'p6')!.parts.memboost).toBeLessThanOrEqual(0);
    // real-time Memboost: clicks posted now count once a new graph version is served
    const p4Before = r.items.find((x) => x.id === 'p4')!.parts.memboost!;
    const clicks = Array.from({ length: 10 }, (_, i) => ({
      event_id: `rt${i}`, user: 'v', pin: 'p4', action: 'click', surface: 'related', platform: 'web', position: 3, query_pin: 'p0', timestamp: Date.now(),
    }));
    expect((await t.app.inject({ method: 'POST', url: '/v1/events', payload: { events: clicks } })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'POST', url: '/v1/saves', payload: { saves: [{ pin: 'z1', board: 'B9' }] } })).statusCode).toBe(200);
    const r2 = await get('/v1/pins/p0/related?explain=true&limit=50');
    expect(r2.body['graph_version']).not.toBe(r.body['graph_version']);
    expect(r2.items.find((x) => x.id === 'p4')!.parts.memboost).toBeGreaterThan(p4Before);
    // without explain: no parts
    const plain = await get('/v1/pins/p0/related?limit=5');
    expect(plain.items[0]!.parts).toBeUndefined();
    expect(plain.items.map((x) => x.id)).toEqual(r2.items.slice(0, 5).map((x) => x.id));
  });

  it('a trained GBDT ranker from the registry reorders the list and explains with feature contributions', async () => {
    t = await open();
    const before = await get('/v1/pins/p0/related?explain=true&limit=50');
    expect(before.items[0]!.sources).not.toContain('text');
    // a tiny model: text-proposed candidates are the positives
    const x: number[] = [];
    const labels: number[] = [];
    for (let i = 0; i < 40; i++) {
      const text = i % 2;
      x.push(text, i % 5);
      labels.push(text);
    }
    const { model } = trainGbdt(
      { x: Float32Array.from(x), rows: 40, featureNames: ['src:text', 'n_sources'], labels: Float32Array.from(labels) },
      { rounds: 3, maxDepth: 2, learningRate: 1, minChildWeight: 0 },
    );
    new ModelRegistry(join(t.dir, 'registry')).record('related', DEFAULT_LABELS, model, { 'ndcg@10': 1 }, true, 'test');
    await t.full.reload();
    expect(t.full.info.related!.ranker).toBe('gbdt:related');
    const after = await get('/v1/pins/p0/related?explain=true&limit=50');
    const first = after.items[0]!;
    expect(first.sources).toContain('text');
    expect(first.id).not.toBe(before.items[0]!.id);
    expect(first.parts['gbdt:src:text']).toBeGreaterThan(0);
    // Saabas parts sum to the ranker score
    const sum = Object.entries(first.parts)
      .filter(([k]) => k.startsWith('gbdt:'))
      .reduce((s, [, v]) => s + v, 0);
    expect(sum).toBeCloseTo(first.parts.ranker!, 4);
    const nonText = after.items.find((i) => !i.sources.includes('text'))!;
    expect(nonText.parts['gbdt:src:text']).toBeLessThan(0);
  });

  it('indexes texts of pins posted after the start once enough new pins arrived', async () => {
    t = await open();
    const post = async (url: string, payload: object) => (await t!.app.inject({ method: 'POST', url, payload })).statusCode;
    expect(await post('/v1/pins', { pins: [{ id: 'q1', text: 'arctic fox' }, { id: 'q2', text: 'owl' }, { id: 'q3' }] })).toBe(200);
    expect(await post('/v1/saves', { saves: ['q1', 'q2', 'q3'].map((pin) => ({ pin, board: 'B9' })) })).toBe(200);
    // 3 new pins > 10% of 19: the text index is rebuilt for the new graph
    const r = await get('/v1/pins/p0/related?explain=true&limit=50');
    expect(r.items.find((x) => x.id === 'q1')?.sources).toContain('text');
    // and a query pin the index has not seen yet works
    expect((await get('/v1/pins/q1/related?explain=true')).items.some((x) => x.id === 'p0')).toBe(true);
    // one more pin (under 10%): indexes are reused; the new pin is a valid query all the same
    expect(await post('/v1/pins', { pins: [{ id: 'q4', text: 'fox' }] })).toBe(200);
    expect(await post('/v1/saves', { saves: [{ pin: 'q4', board: 'B1' }] })).toBe(200);
    const q4 = await get('/v1/pins/q4/related?explain=true');
    expect(q4.status).toBe(200);
    expect(q4.items.map((x) => x.id)).toContain('p0');
    expect(sourcesOf(q4.items)).not.toContain('text');
  });

  it('logs served candidates to the data dir when enabled', async () => {
    t = await open({ config: { candidateLog: { enabled: true, bufferRecords: 0 } } });
    await get('/v1/pins/p0/related?limit=3');
    t.full.flush();
    const { readCandidateLog } = await import('../../src/ranking/logging.js');
    const recs = readCandidateLog(join(t.dir, 'candidates.jsonl'));
    expect(recs.length).toBeGreaterThan(3);
    expect(recs[0]!.client).toBe('related');
    expect(recs[0]!.position).toBe(0);
    expect(recs[0]!.queryPins).toEqual([t.engine.snapshot.graph.pins.get('p0')]);
    expect(recs.every((r) => !r.randomized)).toBe(true);
  });

  it('serves the exploration share in random order, marked in the log and in explain', async () => {
    t = await open({ config: { candidateLog: { enabled: true, bufferRecords: 0, exploration: 1 } } });
    const r = await get('/v1/pins/p0/related?explain=true&limit=50');
    expect(r.items.every((x) => x.parts.explored === 1)).toBe(true);
    // scores still descend with position
    for (let i = 1; i < r.items.length; i++) expect(r.items[i]!.score).toBeLessThan(r.items[i - 1]!.score);
    const { readCandidateLog } = await import('../../src/ranking/logging.js');
    const recs = readCandidateLog(join(t.dir, 'candidates.jsonl'));
    expect(recs.length).toBe(r.items.length);
    expect(recs.every((x) => x.randomized)).toBe(true);
    expect(recs.map((x) => t!.engine.snapshot.graph.pins.external(x.pin))).toEqual(r.items.map((x) => x.id));
  });
});

describe('home feed pipeline over HTTP', () => {
  it('blends fresh pins into every 5th slot, with Pixie and PinnerSage candidates', async () => {
    t = await open();
    const now = Date.now();
    await t.storage.appendEvents([
      { eventId: 'a', user: 'u1', pin: 'p0', action: 'click', surface: 'homefeed', platform: 'web', position: 0, timestamp: now - 1000 },
      { eventId: 'b', user: 'u1', pin: 'p1', action: 'save', surface: 'homefeed', platform: 'web', position: 1, timestamp: now },
    ]);
    expect(t.full.info.homefeed!.sources).toEqual(['pixie', 'pinnersage', 'fresh_boards']);
    expect(t.full.info.artefacts['pinnerSageEmbeddings']).toBe('svd');
    const r = await get('/v1/users/u1/homefeed?explain=true&limit=10');
    expect(r.status).toBe(200);
    expect(r.items.length).toBe(10);
    const fresh = new Set(['f1', 'f2', 'f3', 'f4', 'f5', 'f6']);
    for (const slot of [4, 9]) {
      expect(fresh.has(r.items[slot]!.id)).toBe(true);
      expect(r.items[slot]!.sources).toContain('fresh_boards');
      expect(r.items[slot]!.parts.freshScore).toBeGreaterThan(0);
    }
    // scores descend with position after blending
    for (let i = 1; i < r.items.length; i++) expect(r.items[i]!.score).toBeLessThan(r.items[i - 1]!.score);
    const ids = r.items.map((x) => x.id);
    expect(ids).not.toContain('p0');
    expect(ids).not.toContain('p1');
    const all = await get('/v1/users/u1/homefeed?explain=true&limit=50');
    const src = sourcesOf(all.items);
    expect(src).toContain('pixie');
    expect(src).toContain('pinnersage');
  });

  it('adds two-tower candidates from a published model with its own pin id order', async () => {
    const ids = [...Array.from({ length: 13 }, (_, i) => `p${i}`), ...Array.from({ length: 6 }, (_, i) => `f${i + 1}`)].reverse();
    let store: ModelStore | null = null;
    t = await open({
      before: async (dir) => {
        store = new ModelStore(join(dir, 'models', 'two-tower'));
        const m = new TwoTowerModel({ ...TWO_TOWER_DEFAULTS, dim: 4, numPins: ids.length, version: store.nextVersion() });
        m.initRandom(new Rng(5));
        store.publish(m, AnnIndex.build(m.versionInfo, m.allPinEmbeddings(), m.dim), { pinIds: ids });
      },
    });
    await t.storage.appendEvents([{ eventId: 'a', user: 'u1', pin: 'p0', action: 'click', surface: 'homefeed', platform: 'web', position: 0, timestamp: Date.now() }]);
    expect(t.full.info.homefeed!.sources).toEqual(['pixie', 'two_tower', 'pinnersage', 'fresh_boards']);
    expect(t.full.info.artefacts['twoTower']).toMatch(/v000001/);
    expect(t.full.info.artefacts['pinnerSageEmbeddings']).toBe('two_tower');
    const r = await get('/v1/users/u1/homefeed?explain=true&limit=50');
    const tt = r.items.filter((x) => x.sources.includes('two_tower'));
    expect(tt.length).toBeGreaterThan(0);
    expect(tt.map((x) => x.id)).not.toContain('p0');
    // the scores are the model's own for the same pins: ids were mapped both ways
    const want = new RetrievalService(store!.load()).retrieve({ history: [ids.indexOf('p0')] }, ids.length, (p) => p !== ids.indexOf('p0'));
    const byId = new Map(Array.from(want.pins, (p, i) => [ids[p]!, want.scores[i]!]));
    for (const x of tt) expect(x.parts.two_tower).toBeCloseTo(byId.get(x.id)!, 5);
  });

  it('adds fresh neighbours from a new-neighbour map keyed by another snapshot’s ids', async () => {
    t = await open({
      config: { homefeed: { quotas: { fresh_boards: 0, pinnersage: 0 } } },
      before: async (dir) => {
        // the job's snapshot lists the pins in reverse order
        const ids = [...Array.from({ length: 13 }, (_, i) => `p${i}`), ...Array.from({ length: 6 }, (_, i) => `f${i + 1}`)].reverse();
        const b = new GraphBuilder();
        for (const id of ids) b.addEdge(id, 'X');
        const snap = b.build();
        saveSnapshot(snap, join(dir, 'graph.bwg'));
        // established p2 → fresh f4, f5; p3 → f6
        const offsets = new Uint32Array(snap.numPins + 1);
        const links: [string, string, number][] = [
          ['p2', 'f4', 0.9],
          ['p2', 'f5', 0.8],
          ['p3', 'f6', 0.7],
        ];
        const byPin = new Map<number, [number, number][]>();
        for (const [e, f, sim] of links) {
          const k = snap.pins.get(e);
          byPin.set(k, [...(byPin.get(k) ?? []), [snap.pins.get(f), sim]]);
        }
        const fresh: number[] = [];
        const sims: number[] = [];
        for (let p = 0; p < snap.numPins; p++) {
          for (const [f, sim] of byPin.get(p) ?? []) {
            fresh.push(f);
            sims.push(sim);
          }
          offsets[p + 1] = fresh.length;
        }
        saveFreshNeighbourMap(join(dir, 'new-neighbours.bin'), new FreshNeighbourMap(offsets, Uint32Array.from(fresh), Float32Array.from(sims)));
      },
    });
    await t.storage.appendEvents([{ eventId: 'a', user: 'u1', pin: 'p0', action: 'click', surface: 'homefeed', platform: 'web', position: 0, timestamp: Date.now() }]);
    expect(t.full.info.homefeed!.sources).toEqual(['pixie', 'fresh_neighbours']);
    const r = await get('/v1/users/u1/homefeed?explain=true&limit=10');
    // f4 (sim .9) then f5 (.8): both voted by p2, which the walk from p0 visits
    expect(r.items[4]!.id).toBe('f4');
    expect(r.items[4]!.sources).toEqual(['fresh_neighbours']);
    expect(r.items[9]!.id).toBe('f5');
    for (const x of r.items) if (x.sources.includes('fresh_neighbours')) expect(['f4', 'f5', 'f6']).toContain(x.id);
  });

  it('floor blending from config puts the fresh share into the top K', async () => {
    t = await open({ config: { homefeed: { blend: { mode: 'floor', topK: 4, minShare: 0.5 } } } });
    await t.storage.appendEvents([{ eventId: 'a', user: 'u1', pin: 'p0', action: 'click', surface: 'homefeed', platform: 'web', position: 0, timestamp: Date.now() }]);
    const r = await get('/v1/users/u1/homefeed?explain=true&limit=4');
    expect(r.items.filter((x) => x.id.startsWith('f')).length).toBeGreaterThanOrEqual(2);
  });
});

describe('absent artefacts', () => {
  it('serve Pixie and board co-occurrence only, and the home feed from Pixie (popular pins for new users)', async () => {
    t = await open({ rich: false, config: { homefeed: { quotas: { fresh_boards: 0 } } } });
    expect(t.full.info.artefacts).toMatchObject({ memboost: null, registry: null, twoTower: null, newNeighbours: null, graph: null });
    expect(t.full.info.artefacts['memboostParams']).toBe('defaults (ranker blend)');
    expect(t.full.info.related).toEqual({ sources: ['pixie', 'board', 'pixie@locale', 'board@locale'], ranker: 'blend', memboost: 'none' });
    const r = await get('/v1/pins/p0/related?explain=true');
    expect(r.status).toBe(200);
    expect(r.items.length).toBeGreaterThan(0);
    for (const s of sourcesOf(r.items)) expect(['pixie', 'board', 'pixie@locale', 'board@locale']).toContain(s);
    await t.storage.upsertUsers([{ id: 'new' }]);
    const h = await get('/v1/users/new/homefeed?explain=true&limit=3');
    expect(h.status).toBe(200);
    expect(h.items.length).toBe(3);
    expect(h.items[0]!.sources).toEqual(['popular']);
    expect((await get('/v1/users/nobody/homefeed')).status).toBe(404);
    await expect(installFullSurfaces(t.engine, { dataDir: t.dir, config: { homefeed: { pinnerSageEmbeddings: 'two_tower' } } })).rejects.toThrow(
      /pinnerSageEmbeddings is two_tower but .* has no published two-tower model/,
    );
    expect((await get('/v1/pins/nope/related')).status).toBe(404);
  });
});

describe('pipeline config', () => {
  it('rejects bad values and unknown keys with the path named', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bw-pipecfg-'));
    try {
      expect(() => loadPipelineConfig(dir, { homefeed: { blend: { mode: 'ratio', every: 0 } } })).toThrow(/homefeed\.blend/);
      expect(() => loadPipelineConfig(dir, { bogus: 1 } as unknown as PipelineOverrides)).toThrow(/bogus/);
      writeFileSync(join(dir, 'pipelines.json'), '{"related": {"quotas": {"text": 5}}}');
      const c = loadPipelineConfig(dir, { candidateLog: { exploration: 0.1 } });
      expect(c.related.quotas.text).toBe(5);
      expect(c.candidateLog.exploration).toBe(0.1);
      expect(c.homefeed.blend).toEqual({ mode: 'ratio', every: 5 });
      writeFileSync(join(dir, 'pipelines.json'), '{"related": ');
      expect(() => loadPipelineConfig(dir)).toThrow(/not valid JSON/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
