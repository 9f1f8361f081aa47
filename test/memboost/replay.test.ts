import { describe, expect, it } from 'vitest';
import { positionBiasDemo } from '../../src/eval/replay/bias-demo.js';
import { ClickModel } from '../../src/eval/replay/click-model.js';
import { runReplay } from '../../src/eval/replay/replay.js';
import { communities } from '../fixtures/communities.js';

describe('click model', () => {
  it('examines slot s with probability 1/(1+s)^eta', () => {
    const m = new ClickModel(1);
    expect(m.examination(0)).toBe(1);
    expect(m.examination(3)).toBe(0.25);
    expect(new ClickModel(2).examination(1)).toBe(0.25);
    expect(() => new ClickModel(-1)).toThrow(/eta/);
  });
});

describe('position-bias demonstration', () => {
  it('raw clicks rank a low-shown attractive pin mid-list, Memboost ranks it first', () => {
    const r = positionBiasDemo({ views: 1500, seed: 2 });
    expect(r.rawClickRank).toBeGreaterThan(1);
    expect(r.memboostRank).toBe(1);
    expect(r.goodClicks).toBeLessThan(r.topClicks);
    expect(r.goodMemboost).toBeGreaterThan(r.topMemboost);
  });
});

describe('runReplay', () => {
  it('reports HR@10/NDCG@10 rows, bias and engagement, deterministically', async () => {
    const ds = communities();
    const opts = { steps: 1200, simSteps: 500, viewsPerUser: 8, engagementViews: 40, fitQueries: 20, shown: 8, seed: 3, demoViews: 200 };
    const a = await runReplay(ds, opts);
    expect(a.rows.map((r) => r.method)).toEqual([
      'replay:pixie',
      'replay:related-no-memboost',
      'replay:related-pipeline',
      'replay:related-hand-weights',
      'replay:related-without-pixie',
      'replay:related-without-board',
      'replay:related-without-pin2vec',
      'replay:pixie-full-graph',
    ]);
    // source weights fitted on the validation users, Pixie the anchor
    expect(a.weights!.examples).toBeGreaterThan(10);
    expect(a.weights!.weights['pixie']).toBe(1);
    expect(a.weights!.ndcg).toBeGreaterThanOrEqual(a.weights!.equalNdcg);
    expect(Object.keys(a.weights!.without).sort()).toEqual(['board', 'pin2vec', 'pixie']);
    for (const r of a.rows) {
      expect(r.dataset).toBe('tiny');
      expect(r.hr10).toBeGreaterThanOrEqual(0);
      expect(r.hr10).toBeLessThanOrEqual(1);
      expect(r.ndcg10).toBeLessThanOrEqual(r.hr10);
    }
    // negatives come from the other community: Pixie finds the held-out item easily
    expect(a.rows[0]!.hr10).toBeGreaterThan(0.9);
    expect(a.stats.views).toBe(8 * 40);
    expect(a.stats.impressions).toBeGreaterThan(0);
    expect(a.engagement.views).toBe(40);
    const b = await runReplay(ds, opts);
    expect(b.rows).toEqual(a.rows);
    expect(b.engagement).toEqual(a.engagement);
    await expect(runReplay(ds, { hideFraction: 1 })).rejects.toThrow(/hideFraction/);
    await expect(runReplay(ds, { validationUsers: -1 })).rejects.toThrow(/validationUsers/);
  });

  it('without a validation split keeps the hand weights and can skip the ablations', async () => {
    const r = await runReplay(communities(), { steps: 1000, simSteps: 300, viewsPerUser: 4, engagementViews: 10, fitQueries: 10, shown: 8, seed: 3, demoViews: 100, validationUsers: 0, ablations: false });
    expect(r.weights).toBeNull();
    expect(r.rows.map((x) => x.method)).toEqual(['replay:pixie', 'replay:related-no-memboost', 'replay:related-pipeline', 'replay:pixie-full-graph']);
    expect(r.rows[2]!.notes).toMatch(/blend ranker \(pixie 1, board 1, pin2vec 0.25\)/);
  });
});
