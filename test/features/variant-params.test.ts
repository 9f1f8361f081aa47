import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { assignVariant } from '../../src/experiments/bucket.js';
import { parseExperiments } from '../../src/experiments/config.js';
import { trainGbdt } from '../../src/ranking/gbdt/train.js';
import { DEFAULT_LABELS } from '../../src/ranking/labels.js';
import type { CandidateLogRecord } from '../../src/ranking/logging.js';
import { ModelRegistry } from '../../src/ranking/registry.js';
import { buildApp } from '../../src/server/app.js';
import { DEFAULT_CONFIG, DEFAULT_FEATURES } from '../../src/server/config.js';
import { ServerMetrics } from '../../src/server/metrics.js';
import { Engine } from '../../src/serving/engine.js';
import { installFullSurfaces, type FullSurfaces } from '../../src/serving/full-surfaces.js';
import { SqliteStorage } from '../../src/storage/sqlite.js';
import { ids, seedChain } from './helpers.js';

interface T {
  dir: string;
  app: FastifyInstance;
  engine: Engine;
  full: FullSurfaces | null;
  close(): Promise<void>;
}

let t: T | null = null;
afterEach(async () => {
  await t?.close();
  t = null;
});

/** An app on the 30-pin chain with an experiments file; `pipelines` plugs the full surfaces in with candidate logging. */
async function open(experiments: unknown, pipelines: boolean, seed?: (s: SqliteStorage) => Promise<void>, prepare?: (dir: string) => void): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'bw-variants-'));
  prepare?.(dir);
  const file = join(dir, 'exp.json');
  writeFileSync(file, JSON.stringify(experiments));
  const storage = new SqliteStorage({ path: join(dir, 'db.sqlite') });
  await storage.init();
  await seedChain(storage);
  await seed?.(storage);
  const engine = await Engine.open(storage, { pixie: { steps: 4000 }, rebuildIntervalMs: 0, pollIntervalMs: 0 });
  let full: FullSurfaces | null = null;
  const close = async (): Promise<void> => {
    await full?.close();
    await engine.close();
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    if (pipelines) full = await installFullSurfaces(engine, { dataDir: dir, config: { candidateLog: { enabled: true, bufferRecords: 0 } } });
    const config = { ...DEFAULT_CONFIG, logLevel: 'silent' as const, features: { ...DEFAULT_FEATURES, experimentsFile: file } };
    const app = buildApp({ engine, config, metrics: new ServerMetrics({ defaultMetrics: false }) });
    return {
      dir,
      app,
      engine,
      full,
      async close() {
        await app.close();
        await close();
      },
    };
  } catch (e) {
    await close();
    throw e;
  }
}

/** A user of each variant of an experiment (bucketing is deterministic). */
function usersOf(exp: unknown, variants: string[]): Record<string, string> {
  const e = parseExperiments(exp)[0]!;
  const out: Record<string, string> = {};
  for (let i = 0; Object.keys(out).length < variants.length; i++) {
    const v = assignVariant(e, `u${i}`).name;
    out[v] ??= `u${i}`;
  }
  return out;
}

describe('variant params change what the engine computes', () => {
  it('Pixie steps: the same request differs by variant and cached lists are never shared (Pixie-only surfaces)', async () => {
    const EXP = { experiments: [{ name: 'steps', variants: [{ name: 'control' }, { name: 'short', params: { pixieSteps: 2 } }] }] };
    t = await open(EXP, false);
    const u = usersOf(EXP, ['control', 'short']);
    const get = async (user: string) => (await t!.app.inject({ method: 'GET', url: `/v1/pins/p12/related?user=${user}&limit=30` })).json();
    // control first, so a shared cache entry would hand its list to the short-walk user
    const ctl = await get(u['control']!);
    const short = await get(u['short']!);
    expect(ctl.experiments).toEqual([{ experiment_id: 'steps', variant: 'control' }]);
    expect(short.experiments).toEqual([{ experiment_id: 'steps', variant: 'short' }]);
    // 4000 steps reach both of p12's boards; 2 steps (one pin→board→pin hop) reach at most 2 pins
    expect(ids(ctl).length).toBeGreaterThan(10);
    expect(ids(short).length).toBeLessThanOrEqual(2);
    // each variant is cached on its own: asking again gives each user its own list back
    expect(ids(await get(u['control']!))).toEqual(ids(ctl));
    expect(ids(await get(u['short']!))).toEqual(ids(short));
  });

  it('ranker and quotas on the full Related Pins pipeline; logged candidates carry the variant', async () => {
    const EXP = {
      experiments: [
        {
          name: 'related-mix',
          variants: [
            { name: 'control' },
            // board co-occurrence only: no Pixie candidates, so no visit counts either
            { name: 'boards', params: { quotas: { pixie: 0, locale: 0, board: 40 }, ranker: 'blend' } },
            // Pixie only, in visit-count order
            { name: 'visits', params: { quotas: { board: 0, locale: 0 }, ranker: 'none' } },
          ],
        },
      ],
    };
    t = await open(EXP, true);
    const u = usersOf(EXP, ['control', 'boards', 'visits']);
    const bodies: Record<string, { items: { id: string; score: number; sources: string[]; parts: Record<string, number> }[]; experiments: unknown }> = {};
    for (const v of ['control', 'boards', 'visits']) {
      const r = await t.app.inject({ method: 'GET', url: `/v1/pins/p7/related?user=${u[v]}&limit=50&explain=true` });
      expect(r.statusCode).toBe(200);
      bodies[v] = r.json();
      expect(bodies[v]!.experiments).toEqual([{ experiment_id: 'related-mix', variant: v }]);
    }
    const sources = (v: string) => new Set(bodies[v]!.items.flatMap((x) => x.sources));
    expect(sources('control')).toEqual(new Set(['pixie', 'board']));
    expect([...sources('boards')].every((s) => s === 'board')).toBe(true);
    expect([...sources('visits')].every((s) => s === 'pixie')).toBe(true);
    // visit-count order: scores are the walk's visit counts, highest first
    const visits = bodies['visits']!.items;
    for (const it of visits) expect(it.score).toBe(it.parts['visits']);
    for (let i = 1; i < visits.length; i++) expect(visits[i]!.score).toBeLessThanOrEqual(visits[i - 1]!.score);
    expect(ids(bodies['boards']!)).not.toEqual(ids(bodies['visits']!));

    t.full!.flush();
    const log = readFileSync(join(t.dir, 'candidates.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as CandidateLogRecord);
    const byVariant = new Map<string, number>();
    for (const r of log) {
      expect(r.experiments).toHaveLength(1);
      expect(r.experiments![0]!.experimentId).toBe('related-mix');
      byVariant.set(r.experiments![0]!.variant, (byVariant.get(r.experiments![0]!.variant) ?? 0) + 1);
    }
    expect([...byVariant.keys()].sort()).toEqual(['boards', 'control', 'visits']);
  });

  it('freshRatio: fresh pins every N slots on the full home feed, none with 0', async () => {
    const EXP = { experiments: [{ name: 'fresh', variants: [{ name: 'none', params: { freshRatio: 0 } }, { name: 'every2', params: { freshRatio: 2, pixieSteps: 3000 } }] }] };
    t = await open(EXP, true, async (s) => {
      // eight pins created now on board B1, the rest of the chain is decades old
      const now = Date.now();
      await s.upsertPins(Array.from({ length: 8 }, (_, i) => ({ id: `f${i}`, locale: 'en', createdAt: now })));
      await s.addSaves(Array.from({ length: 8 }, (_, i) => ({ pin: `f${i}`, board: 'B1', createdAt: now })));
    });
    const u = usersOf(EXP, ['none', 'every2']);
    const lists: Record<string, { id: string; parts: Record<string, number> }[]> = {};
    for (const v of ['none', 'every2']) {
      await t.engine.ingest([{ eventId: `e-${v}`, user: u[v]!, pin: 'p12', action: 'click', surface: 'related', platform: 'web', position: 0, timestamp: Date.now() }]);
      const r = await t.app.inject({ method: 'GET', url: `/v1/users/${u[v]}/homefeed?limit=8&explain=true` });
      expect(r.statusCode).toBe(200);
      expect(r.json().experiments).toEqual([{ experiment_id: 'fresh', variant: v }]);
      lists[v] = r.json().items;
    }
    // slots (from 1) that the blend gave to the fresh list; fresh pins the regular sources also
    // ranked are served once, where they come first, so the fresh list may run out early
    const freshAt = (v: string) => lists[v]!.map((x, i) => (x.parts['freshScore'] !== undefined ? i + 1 : 0)).filter((i) => i > 0);
    expect(freshAt('none')).toEqual([]);
    expect(freshAt('every2').length).toBeGreaterThanOrEqual(2);
    for (const slot of freshAt('every2')) expect(slot % 2).toBe(0);
  });

  it('ranker "related-v1" serves an older registry version beside the current one', async () => {
    // v1 ranks board co-occurrence candidates first, v2 (promoted later: current) ranks them last
    const model = (boardFirst: boolean) => {
      const x: number[] = [];
      const labels: number[] = [];
      for (let i = 0; i < 40; i++) {
        x.push(i % 2, 1 + (i % 3));
        labels.push(boardFirst === (i % 2 === 1) ? 1 : 0);
      }
      return trainGbdt({ x: Float32Array.from(x), rows: 40, featureNames: ['src:board', 'n_sources'], labels: Float32Array.from(labels) }, { rounds: 3, maxDepth: 2, learningRate: 1, minChildWeight: 0 }).model;
    };
    // "v1" would need a homefeed-v1 model too; "related-v1" names the one client
    const EXP = { experiments: [{ name: 'rk', variants: [{ name: 'control' }, { name: 'old', params: { ranker: 'related-v1' } }] }] };
    t = await open(EXP, true, undefined, (dir) => {
      const reg = new ModelRegistry(join(dir, 'registry'));
      reg.record('related', DEFAULT_LABELS, model(true), { 'ndcg@10': 1 }, true, 'v1');
      reg.record('related', DEFAULT_LABELS, model(false), { 'ndcg@10': 2 }, true, 'v2');
    });
    expect(t.full!.info.related!.ranker).toBe('gbdt:related');
    const u = usersOf(EXP, ['control', 'old']);
    const top = async (user: string) => (await t!.app.inject({ method: 'GET', url: `/v1/pins/p7/related?user=${user}&limit=5&explain=true` })).json().items[0];
    expect((await top(u['control']!)).sources).not.toContain('board');
    const old = await top(u['old']!);
    expect(old.sources).toContain('board');
    expect(old.parts['gbdt:src:board']).toBeGreaterThan(0);
  });

  it('Memboost parameters follow the ranker a variant serves: each model version its own fit', async () => {
    const model = trainGbdt(
      { x: Float32Array.from([0, 1, 1, 0]), rows: 4, featureNames: ['src:board'], labels: Float32Array.from([0, 1, 1, 0]) },
      { rounds: 2, maxDepth: 1, learningRate: 1, minChildWeight: 0 },
    ).model;
    const fitted = (gamma: number, ranker: string | null) => ({ params: { beta: [1, 2, 0.5, 4], alpha: 2, gamma }, ranker, fit: null });
    const EXP = { experiments: [{ name: 'rk', variants: [{ name: 'control' }, { name: 'old', params: { ranker: 'related-v1' } }] }] };
    t = await open(EXP, true, undefined, (dir) => {
      const reg = new ModelRegistry(join(dir, 'registry'));
      reg.record('related', DEFAULT_LABELS, model, { 'ndcg@10': 1 }, true, 'v1');
      reg.record('related', DEFAULT_LABELS, model, { 'ndcg@10': 2 }, true, 'v2');
      writeFileSync(join(dir, 'registry', 'models', 'related-v1.memboost.json'), JSON.stringify(fitted(0.11, 'related@v1')));
      writeFileSync(join(dir, 'registry', 'models', 'related-v2.memboost.json'), JSON.stringify(fitted(0.22, 'related@v2')));
    });
    const f = t.full!;
    expect(f.info.artefacts['memboostParams']).toBe('fitted (ranker related@v2)');
    expect(f.memboostParamsFor(undefined)).toMatchObject({ origin: 'fitted', ranker: 'related@v2', params: { gamma: 0.22 } });
    expect(f.memboostParamsFor('related-v1')).toMatchObject({ origin: 'fitted', ranker: 'related@v1', params: { gamma: 0.11 } });
    expect(f.memboostParamsFor('v1')).toMatchObject({ origin: 'fitted', params: { gamma: 0.11 } });
    // another client's version leaves Related Pins on its current model
    expect(f.memboostParamsFor('homefeed-v1')).toMatchObject({ ranker: 'related@v2', params: { gamma: 0.22 } });
    // the blend and visit counts have no fit here (no table params file): the defaults
    expect(f.memboostParamsFor('blend')).toMatchObject({ origin: 'defaults', ranker: 'blend' });
    expect(f.memboostParamsFor('none')).toMatchObject({ origin: 'defaults' });
    // the variant still serves
    const u = usersOf(EXP, ['control', 'old']);
    const r = await t.app.inject({ method: 'GET', url: `/v1/pins/p7/related?user=${u['old']!}&limit=5` });
    expect(r.statusCode).toBe(200);
    expect(r.json().items.length).toBeGreaterThan(0);
  });

  it('fitted blend weights (boardwalk fit-blend) serve while no model is promoted; the served log carries the source scores they are fitted on', async () => {
    const EXP = { experiments: [{ name: 'bl', variants: [{ name: 'control' }, { name: 'blend', params: { ranker: 'blend' } }] }] };
    t = await open(EXP, true, undefined, (dir) => {
      mkdirSync(join(dir, 'blend-weights'));
      writeFileSync(join(dir, 'blend-weights', 'related.json'), JSON.stringify({ client: 'related', weights: { pixie: 0, board: 1 } }));
    });
    const f = t.full!;
    expect(f.info.related!.ranker).toBe('blend (fitted)');
    expect(f.info.homefeed!.ranker).toBe('blend');
    expect(f.info.artefacts['blendWeights.related']).toBe(join(t.dir, 'blend-weights', 'related.json'));
    expect(f.info.artefacts['blendWeights.homefeed']).toBeNull();
    const u = usersOf(EXP, ['control', 'blend']);
    for (const user of [u['control']!, u['blend']!]) {
      await t.app.inject({ method: 'GET', url: `/v1/pins/p9/related?user=${user}&limit=10` });
      const items = (await t.app.inject({ method: 'GET', url: `/v1/pins/p7/related?user=${user}&limit=10&explain=true` })).json().items as { sources: string[]; parts: Record<string, number> }[];
      // pixie weighs 0: a pin only Pixie proposed ranks below every pin board co-occurrence proposed
      const firstPixieOnly = items.findIndex((i) => !i.sources.includes('board'));
      const lastBoard = items.map((i) => i.sources.includes('board')).lastIndexOf(true);
      if (firstPixieOnly >= 0) expect(firstPixieOnly).toBeGreaterThan(lastBoard);
      expect(items[0]!.sources).toContain('board');
    }
    f.flush();
    const logged = readFileSync(join(t.dir, 'candidates.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { client: string; queryPins: number[]; features: Record<string, number> });
    const p9 = t.engine.snapshot.graph.pins.get('p9');
    // requests without explain are logged with their features too
    expect(logged.some((r) => r.client === 'related' && r.queryPins[0] === p9 && r.features['src_board'] !== undefined)).toBe(true);
  });

  it('a ranker version the registry lacks stops the load, naming experiment, variant and param', async () => {
    const EXP = { experiments: [{ name: 'rk', variants: [{ name: 'control' }, { name: 'v9', params: { ranker: 'v9' } }] }] };
    await expect(open(EXP, true)).rejects.toThrow(/experiment rk: variant v9: param "ranker": ranker "v9": the ranking registry has no model .*related-v9\.json \(name one client's version as "<client>-v9"\)/);
  });

  it('a bad param in the experiments file fails at load', async () => {
    const EXP = { experiments: [{ name: 'bad', variants: [{ name: 'control' }, { name: 't', params: { pixieRatio: 0.7 } }] }] };
    await expect(open(EXP, false)).rejects.toThrow(/experiment bad: variant t: unknown param "pixieRatio"/);
  });
});
