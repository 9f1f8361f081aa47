import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PinBoardGraph } from '../../src/graph/graph.js';
import { computeMemboost } from '../../src/jobs/memboost-job.js';
import { installMemboostRefit, readRankerParams, refitMemboostForRanker, servedMemboostParams } from '../../src/jobs/memboost-refit.js';
import type { EngagementEvent } from '../../src/memboost/events.js';
import { parseStoredParams, rankerKey, resolveMemboostParams } from '../../src/memboost/ranker-params.js';
import { DEFAULT_MEMBOOST, type MemboostParams } from '../../src/memboost/score.js';
import { trainGbdt } from '../../src/ranking/gbdt/train.js';
import { labelConfigFor } from '../../src/ranking/labels.js';
import { ModelRegistry } from '../../src/ranking/registry.js';
import { Rng } from '../../src/util/rng.js';

/** Pins 0..15 on boards 0..3: board 0 = {0,1,2,3}, board 1 = {0,4,5}, board 2 = {2,5,6,7}, board 3 = {10..15}. */
function graph(): PinBoardGraph {
  const edges = [
    [0, 0], [1, 0], [2, 0], [3, 0],
    [0, 1], [4, 1], [5, 1],
    [2, 2], [5, 2], [6, 2], [7, 2],
    [10, 3], [11, 3], [12, 3], [13, 3], [14, 3], [15, 3],
  ];
  return PinBoardGraph.fromEdges(Uint32Array.from(edges.map((e) => e[0]!)), Uint32Array.from(edges.map((e) => e[1]!)), 16, 4);
}

/**
 * 300 time steps. Query 0 shows pins 1..5 at slots 0..4; pin 5 is the most clicked for its slot.
 * Query 10 shows pins 11..15, all equally (and less) relevant: with query 0 they set the slot rates.
 */
function log(seed = 1): EngagementEvent[] {
  const rng = new Rng(seed);
  const rel = [0, 0.3, 0.3, 0.2, 0.2, 0.9];
  const out: EngagementEvent[] = [];
  for (let t = 0; t < 300; t++) {
    for (const q of [0, 10]) {
      for (let s = 0; s < 5; s++) {
        const base = { pin: q + s + 1, queryPin: q, position: s, platform: 'web', surface: 'related', timestamp: t };
        out.push({ ...base, action: 'impression' });
        if (rng.next() < (q === 0 ? rel[s + 1]! : 0.2) / (1 + s)) out.push({ ...base, action: 'click' });
      }
    }
  }
  return out;
}

/** A small valid GBDT ranker over Related Pins features. */
function model(seed: number) {
  const rng = new Rng(seed);
  const rows = 64;
  const x = new Float32Array(rows * 2);
  const labels = new Float32Array(rows);
  for (let i = 0; i < rows; i++) {
    x[i * 2] = rng.next();
    x[i * 2 + 1] = rng.next();
    labels[i] = x[i * 2]! + 0.3 * rng.next() > 0.6 ? 1 : 0;
  }
  return trainGbdt({ x, rows, featureNames: ['src_board', 'src_pixie'], labels }, { rounds: 5, maxDepth: 2, seed }).model;
}

const stored = (params: MemboostParams, ranker: string | null) => ({ params, ranker, fit: null });

describe('Memboost parameters per ranker', () => {
  const hand: MemboostParams = { beta: [1, 1, 1, 1], alpha: 3, gamma: 0.7 };
  const fitted: MemboostParams = { beta: [1, 2, 0.5, 4], alpha: 5, gamma: 2 };

  it('uses the parameters fitted for the served ranker, else hand-set ones, else the defaults', () => {
    expect(rankerKey('related', 3)).toBe('related@v3');
    expect(rankerKey('related', null)).toBe('blend');
    expect(resolveMemboostParams('related@v3', [null, stored(fitted, 'related@v3')])).toEqual({ params: fitted, origin: 'fitted', fittedFor: 'related@v3' });
    // fitted for another ranker's scale: not used
    expect(resolveMemboostParams('related@v4', [null, stored(fitted, 'related@v3')])).toEqual({ params: DEFAULT_MEMBOOST, origin: 'defaults', fittedFor: null });
    expect(resolveMemboostParams('related@v4', [stored(fitted, 'related@v3'), stored(hand, null)]).origin).toBe('configured');
    expect(resolveMemboostParams('blend', [null, null]).params).toBe(DEFAULT_MEMBOOST);
  });

  it('rejects malformed parameter files with the file named', () => {
    expect(() => parseStoredParams([], 'x.json')).toThrow(/x\.json: no 'params'/);
    expect(() => parseStoredParams({ params: { beta: [1, 2], alpha: 1, gamma: 1 } }, 'x.json')).toThrow(/x\.json/);
    expect(() => parseStoredParams({ params: DEFAULT_MEMBOOST, ranker: 3 }, 'x.json')).toThrow(/'ranker' must be a string/);
    expect(parseStoredParams({ params: DEFAULT_MEMBOOST }, 'x.json').ranker).toBeNull();
  });
});

describe('refit job', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'bw-refit-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('fits against asynchronously scored results, on a seeded sample of queries', async () => {
    const events = log(2);
    const asked: number[][] = [];
    const refit = (maxQueries: number) => ({
      heldOutFraction: 0.3,
      maxQueries,
      scoreResults: (_q: number, results: number[]) => {
        asked.push(results);
        return results.map((p) => (6 - (p % 10)) / 5);
      },
    });
    const r = await computeMemboost(() => events, { refit: refit(2) });
        expect(asked).toEqual([[1, 2, 3, 4, 5], [11, 12, 13, 14, 15]]);
    expect(r.fit!.queries).toBe(2);
    expect(r.fit!.params.gamma).toBeGreaterThan(0);
    expect(r.fit!.ndcg).toBeGreaterThan(r.fit!.baseline);
    asked.length = 0;
    expect((await computeMemboost(() => events, { refit: refit(1) })).fit!.queries).toBe(1);
    expect(asked).toHaveLength(1);
    await expect(computeMemboost(() => events, { refit: { heldOutFraction: 0.3 } })).rejects.toThrow(/baseScore or scoreResults/);
    await expect(computeMemboost(() => events, { refit: { heldOutFraction: 0.3, maxQueries: 0, baseScore: () => 0 } })).rejects.toThrow(/maxQueries/);
    await expect(computeMemboost(() => events, { refit: { heldOutFraction: 0.3, baseScore: () => 0, scoreResults: () => [] } })).rejects.toThrow(/not both/);
  });

  it('promotion of the Related Pins ranker triggers a refit stored beside that model version', async () => {
    const reg = new ModelRegistry(dir);
    const g = graph();
    const events = log(3);
    const done: string[] = [];
    installMemboostRefit(reg, { graph: g, events: () => events, setup: { pixie: { steps: 2000 } }, heldOutFraction: 0.3 }, (r) => done.push(r.ranker));
    const labels = labelConfigFor('related');
    reg.record('related', labels, model(1), {}, true, 'first');
    await reg.settled();
    expect(done).toEqual(['related@v1']);
    const v1 = readRankerParams(reg, 'related', 1)!;
    expect(v1.ranker).toBe('related@v1');
    expect(v1.fit!.queries).toBe(2);
    expect(JSON.parse(readFileSync(join(dir, 'models', 'related-v1.memboost.json'), 'utf8')).fittedAt).toMatch(/^\d{4}-/);

    // not promoted, or another client: no refit
    reg.record('related', labels, model(2), {}, false, 'worse');
    reg.record('homefeed', labelConfigFor('homefeed'), model(2), {}, true, 'first');
    await reg.settled();
    expect(done).toEqual(['related@v1']);
    expect(existsSync(join(dir, 'models', 'related-v2.memboost.json'))).toBe(false);

    // serving: v1's own parameters
    expect(servedMemboostParams(reg, 'related', null)).toEqual({ params: v1.params, origin: 'fitted', ranker: 'related@v1' });
  });

  it('a refit failure surfaces in settled() and the promotion stands', async () => {
    const reg = new ModelRegistry(dir);
    installMemboostRefit(reg, {
      graph: graph(),
      events: () => {
        throw new Error('log unreadable');
      },
    });
    const e = reg.record('related', labelConfigFor('related'), model(1), {}, true, 'first');
    await expect(reg.settled()).rejects.toThrow(/promotion listener failed: log unreadable/);
    expect(reg.get('related')!.version).toBe(e.version);
    await expect(reg.settled()).resolves.toBeUndefined();
  });

  it('a ranker version without fitted parameters falls back to hand-set ones, else the defaults', async () => {
    const reg = new ModelRegistry(dir);
    const g = graph();
    const events = log(4);
    // parameters fitted for the blend ranker (no model yet) go with the table
    const blend = await refitMemboostForRanker(null, null, { graph: g, events: () => events, setup: { pixie: { steps: 2000 } }, heldOutFraction: 0.3 });
    expect(blend.ranker).toBe('blend');
    expect(blend.path).toBeNull();
    const tableParams = stored(blend.params, 'blend');
    expect(servedMemboostParams(reg, 'related', tableParams).origin).toBe('fitted');
    // a model promoted without a refit: the blend fit does not apply to its scale
    reg.record('related', labelConfigFor('related'), model(1), {}, true, 'first');
    expect(servedMemboostParams(reg, 'related', tableParams)).toEqual({ params: DEFAULT_MEMBOOST, origin: 'defaults', ranker: 'related@v1' });
    const hand: MemboostParams = { beta: [1, 1, 1, 1], alpha: 3, gamma: 0.7 };
    expect(servedMemboostParams(reg, 'related', stored(hand, null)).params).toEqual(hand);
    // a corrupt per-version file is an error naming it, not a silent fallback
    writeFileSync(join(dir, 'models', 'related-v1.memboost.json'), '{oops');
    expect(() => servedMemboostParams(reg, 'related', null)).toThrow(/related-v1\.memboost\.json: not valid JSON/);
    await expect(refitMemboostForRanker(reg, 7, { graph: g, events: () => events })).rejects.toThrow(/related-v7\.json .* is missing/);
  });
});
