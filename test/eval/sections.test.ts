import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sectionsFrom } from '../../src/cli/eval.js';
import type { EvalDataset } from '../../src/eval/datasets.js';
import { createMethod, DEFAULT_METHODS, methodNames, SLOW_METHODS } from '../../src/eval/methods/registry.js';
import { formatTable } from '../../src/eval/report.js';
import { runEval } from '../../src/eval/run.js';
import { evaluateMethod } from '../../src/eval/runner.js';
import { formatFreshnessSection, runFreshnessSection } from '../../src/eval/sections/freshness.js';
import { checkSectionNames, SECTION_NAMES } from '../../src/eval/sections/index.js';
import { formatPinnerSageSection, runPinnerSageSection } from '../../src/eval/sections/pinnersage.js';
import { formatRankerSection, runRankerSection } from '../../src/eval/sections/ranker.js';
import { formatReplaySection, runReplaySection } from '../../src/eval/sections/replay.js';
import { communities } from '../fixtures/communities.js';

function writeSet(ds: EvalDataset): string {
  const dir = mkdtempSync(join(tmpdir(), 'bw-eval-sections-'));
  mkdirSync(join(dir, ds.name));
  const t = ds.train;
  writeFileSync(join(dir, ds.name, `${ds.name}.train.rating`), Array.from(t.users, (u, k) => `${u}\t${t.items[k]}\t1`).join('\n') + '\n');
  const test: string[] = [];
  const neg: string[] = [];
  for (let u = 0; u < ds.numUsers; u++) {
    if (ds.heldOut[u]! < 0) continue;
    test.push(`${u}\t${ds.heldOut[u]}\t1`);
    neg.push(`(${u},${ds.heldOut[u]})\t${Array.from(ds.negatives.subarray(ds.negOffsets[u]!, ds.negOffsets[u + 1]!)).join('\t')}`);
  }
  writeFileSync(join(dir, ds.name, `${ds.name}.test.rating`), test.join('\n') + '\n');
  writeFileSync(join(dir, ds.name, `${ds.name}.test.negative`), neg.join('\n') + '\n');
  return dir;
}

describe('eval sections', () => {
  const ds = communities();
  const ctx = { datasets: [ds], users: 10, seed: 3 };

  it('replay: pipeline vs Pixie rows, position bias, on the --users sample', async () => {
    const s = await runReplaySection(ctx, { steps: 1000, simSteps: 300, viewsPerUser: 4, engagementViews: 20, fitQueries: 10, shown: 8, demoViews: 200 });
    expect(s.sets).toHaveLength(1);
    const set = s.sets[0]!;
    expect(set.users).toBe(10);
    expect(set.rows.map((r) => r.method)).toContain('replay:related-pipeline');
    // negatives come from the other community: Pixie alone finds the held-out item
    expect(set.rows.find((r) => r.method === 'replay:pixie')!.hr10).toBe(1);
    expect(set.positionBias.memboostRank).toBeLessThanOrEqual(set.positionBias.rawClickRank);
    expect(set.views).toBe(4 * 40);
    const text = formatReplaySection(s);
    expect(text).toMatch(/^Related Pins replay: pipeline vs Pixie alone/);
    expect(text).toMatch(/tiny\s+replay:pixie\s+1\.0000/);
    expect(text).toContain('by raw clicks');
    expect(text).toMatch(/tiny: pipeline source weights fitted on validation users: pixie 1, board [0-9.]+, pin2vec [0-9.]+\./);
  });

  it('ranker: learned vs visit order per client, lift = learned / visit order - 1', () => {
    const s = runRankerSection(ctx, { requests: 400, clients: ['related'] });
    expect(s.rows.map((r) => r.metric)).toEqual(['ndcg@10', 'auc', 'true-engagement@10']);
    for (const r of s.rows) {
      expect(r.client).toBe('related');
      expect(r.lift).toBeCloseTo(r.learned / r.visitOrder - 1, 12);
    }
    expect(formatRankerSection(s)).toMatch(/related\s+auc\s+\.\d{4}\s+\.\d{4}\s+[+-]\d+\.\d%/);
  });

  it('pinnersage: single embedding vs PinnerSage with recall@100 on the sample', () => {
    const s = runPinnerSageSection(ctx, { params: { dim: 4 } });
    const r = s.sets[0]!;
    expect(r.users).toBe(10);
    expect(r.single.recall100).toBeGreaterThanOrEqual(0);
    expect(r.pinnersage.recall100).toBeLessThanOrEqual(1);
    expect(r.pinnersage.clustersPerUser).toBeGreaterThanOrEqual(1);
    // 30 items: recall@100 retrieves every unseen item
    expect(r.single.recall100).toBe(1);
    const text = formatPinnerSageSection(s);
    expect(text).toMatch(/tiny\s+single-embedding/);
    expect(text).toMatch(/tiny\s+pinnersage/);
  });

  it('freshness: before / ratio / floor with fresh shares', () => {
    const s = runFreshnessSection(ctx, { steps: 500, embeddingDim: 4, freshFraction: 0.3, voters: 20, boards: 5 });
    const r = s.sets[0]!;
    expect(r.users).toBe(10);
    // the section passes the --users sample, the seed and its overrides through
    expect(r.options).toMatchObject({ users: 10, seed: 3, freshFraction: 0.3, steps: 500 });
    for (const v of [r.base, r.ratio, r.floor]) expect(v.freshShare).toBeGreaterThanOrEqual(0);
    const text = formatFreshnessSection(s);
    expect(text).toMatch(/30% of items simulated fresh/);
    expect(text).toMatch(/tiny\s+before \(Pixie\)/);
    expect(text).toMatch(/ratio \(every 5th\)/);
    expect(text).toMatch(/floor \(20% of top 10\)/);
  });

  it('runEval runs the requested sections after the table and puts them in the JSON', async () => {
    const dir = writeSet(communities());
    const report = await runEval({
      dataDir: dir,
      datasets: ['tiny'],
      methods: ['pop'],
      users: 8,
      beyondUsers: 0,
      sections: ['ranker'],
      sectionOptions: { ranker: { requests: 300, clients: ['homefeed'] } },
    });
    expect(Object.keys(report.sections)).toEqual(['ranker']);
    expect(report.sections.ranker!.rows[0]!.client).toBe('homefeed');
    const json = JSON.parse(JSON.stringify(report)) as typeof report;
    expect(json.sections.ranker!.requests).toBe(300);
    const text = formatTable(report);
    expect(text.indexOf('Learned ranker vs visit-count order')).toBeGreaterThan(text.indexOf('Leave-one-out'));
    // sections alone (no methods) are allowed
    const only = await runEval({ dataDir: dir, datasets: ['tiny'], methods: [], sections: ['ranker'], sectionOptions: { ranker: { requests: 300, clients: ['related'] } } });
    expect(only.rows).toEqual([]);
    expect(only.notes).toEqual([]);
    expect(formatTable(only)).toMatch(/^Learned ranker vs visit-count order/);
  });

  it('rejects unknown sections before any work; --all selects every section', async () => {
    const seen: string[] = [];
    await expect(runEval({ datasets: ['tiny'], methods: ['pop'], sections: ['replay', 'nope'], progress: (l) => seen.push(l) })).rejects.toThrow(/unknown eval section "nope"/);
    expect(seen).toEqual([]);
    expect(checkSectionNames(['freshness', 'replay'])).toEqual(['replay', 'freshness']);
    expect(sectionsFrom({ all: true })).toEqual([...SECTION_NAMES]);
    expect(sectionsFrom({ ranker: true, freshness: true })).toEqual(['ranker', 'freshness']);
    expect(sectionsFrom({})).toEqual([]);
  });
});

describe('embedding methods in the registry', () => {
  it('registers twotower, single-embedding, pinnersage and pixie-ranked as opt-in methods', () => {
    for (const m of SLOW_METHODS) {
      expect(methodNames()).toContain(m);
      expect(DEFAULT_METHODS).not.toContain(m);
    }
  });

  it('each scores the tiny communities set above chance', async () => {
    const ds = communities();
    const params: Record<string, Record<string, number>> = {
      twotower: { dim: 8, epochs: 3, batch: 32, negatives: 16 },
      'single-embedding': { dim: 4 },
      pinnersage: { dim: 4 },
      'pixie-ranked': { steps: 2000, rounds: 20, negs: 10 },
    };
    for (const name of SLOW_METHODS) {
      const r = await evaluateMethod(ds, createMethod(name, { params: params[name], seed: 2 }));
      // 10 negatives from the other community, held-out item from the user's own: chance HR@10 is 10/11
      expect(r.users, name).toBe(40);
      expect(r.ndcg, name).toBeGreaterThan(0.4);
    }
  });
});
