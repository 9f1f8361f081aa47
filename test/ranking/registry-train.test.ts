import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Candidate } from '../../src/candidates/types.js';
import { rankerLift } from '../../src/ranking/eval.js';
import { GbdtRanker, VisitOrderRanker } from '../../src/ranking/gbdt-ranker.js';
import { GbdtModel } from '../../src/ranking/gbdt/model.js';
import { Tree } from '../../src/ranking/gbdt/tree.js';
import { labelConfigFor } from '../../src/ranking/labels.js';
import { ModelRegistry } from '../../src/ranking/registry.js';
import { simulateEngagement } from '../../src/ranking/simulator.js';
import { trainRanker } from '../../src/ranking/train-job.js';
import { runTrainRanker } from '../../src/cli/train-ranker.js';
import { runRankExplain } from '../../src/cli/rank-explain.js';

const tmp = mkdtempSync(join(tmpdir(), 'bw-reg-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** score = +1 when visits < 10 (a hand-made one-split model) */
function stump(): GbdtModel {
  const t = new Tree({
    left: Int32Array.of(1, -1, -1),
    right: Int32Array.of(2, -1, -1),
    feature: Int32Array.of(0, 0, 0),
    threshold: Float32Array.of(10, 0, 0),
    defaultLeft: Uint8Array.of(0, 0, 0),
    value: Float64Array.of(0, 1, -1),
    cover: Float64Array.of(4, 3, 1),
  });
  return new GbdtModel('binary:logistic', ['visits', 'src:fresh'], 0.5, [t]);
}

describe('GbdtRanker', () => {
  const req = { queryPins: [1], limit: 10, seed: 1 };
  const cands: Candidate[] = [
    { pin: 1, score: 0, sources: ['pixie'], features: { visits: 50 } },
    { pin: 2, score: 0, sources: ['fresh'], features: { visits: 3 } },
    { pin: 3, score: 0, sources: ['pixie'], features: {} },
  ];
  it('scores candidates through the model feature list without touching them', () => {
    const r = new GbdtRanker(stump());
    const before = JSON.stringify(cands);
    const s = r.score(req, cands);
    expect(Array.from(s)).toEqual([-0.5, 1.5, -0.5]); // missing visits -> default right
    expect(JSON.stringify(cands)).toBe(before);
    expect(r.score(req, []).length).toBe(0);
    expect(Array.from(new VisitOrderRanker().score(req, cands))).toEqual([50, 3, 0]);
  });
  it('explain gives contributions that sum to the score', () => {
    const r = new GbdtRanker(stump());
    const ex = r.explain(req, cands);
    // expectation at the root is (3*1 + 1*-1)/4 = 0.5, plus base 0.5
    expect(ex[1]).toEqual({ visits: 0.5, bias: 1 });
    expect(ex[0]).toEqual({ visits: -1.5, bias: 1 });
    const s = r.score(req, cands);
    ex.forEach((e, i) => expect(Object.values(e).reduce((a, b) => a + b, 0)).toBeCloseTo(s[i]!, 12));
  });
});

describe('model registry', () => {
  it('writes entries and versioned models atomically and loads them back', () => {
    const reg = new ModelRegistry(join(tmp, 'r1'));
    expect(reg.get('homefeed')).toBeNull();
    expect(reg.loadModel('homefeed')).toBeNull();
    reg.configure('homefeed', labelConfigFor('homefeed', { strategy: 'blended' }));
    expect(reg.get('homefeed')!.labels.strategy).toBe('blended');
    const e1 = reg.record('homefeed', labelConfigFor('homefeed'), stump(), { 'ndcg@10': 0.5 }, true, 'first');
    expect(e1.version).toBe(1);
    const e2 = reg.record('homefeed', labelConfigFor('homefeed'), stump(), { 'ndcg@10': 0.4 }, false, 'worse');
    expect(e2.version).toBe(1);
    expect(e2.history.map((h) => [h.version, h.promoted])).toEqual([[1, true], [2, false]]);
    const e3 = reg.record('homefeed', labelConfigFor('homefeed'), stump(), { 'ndcg@10': 0.6 }, true, 'better');
    expect(e3.version).toBe(3);
    expect(e3.modelPath).toBe(join('models', 'homefeed-v3.json'));
    expect(reg.clients()).toEqual(['homefeed']);
    expect(reg.ranker('homefeed')!.name).toBe('gbdt:homefeed');
    // no temporary files left behind
    expect(readdirSync(join(tmp, 'r1')).some((f) => f.includes('.tmp'))).toBe(false);
    expect(() => reg.get('../etc')).toThrow(/client name/);
  });
});

describe('train-ranker job', () => {
  const sim = simulateEngagement({ clients: ['homefeed', 'notifications'], requests: 1600, seed: 9 });
  const params = { rounds: 40, maxDepth: 4, earlyStoppingRounds: 10 };
  it('trains, beats visit order, promotes the first model and refuses a worse one', () => {
    const reg = new ModelRegistry(join(tmp, 'r2'));
    const r1 = trainRanker({ client: 'homefeed', records: sim.candidates, events: sim.events, registry: reg, params });
    expect(r1.promoted).toBe(true);
    expect(r1.reason).toBe('no current model');
    // replay NDCG on ~120 test requests is noisy; AUC over all labelled rows is the stable check
    expect(r1.candidate.auc).toBeGreaterThan(r1.visitOrder!.auc + 0.03);
    expect(reg.get('homefeed')!.version).toBe(1);
    // a crippled model (one stump on a weak feature) must not replace it
    const r2 = trainRanker({
      client: 'homefeed',
      records: sim.candidates,
      events: sim.events,
      registry: reg,
      params: { rounds: 1, maxDepth: 1 },
      features: ['n_sources'],
    });
    expect(r2.promoted).toBe(false);
    expect(r2.current!['ndcg@10']).toBeCloseTo(r1.candidate['ndcg@10'], 10);
    expect(reg.get('homefeed')!.version).toBe(1);
    const r3 = trainRanker({ client: 'homefeed', records: sim.candidates, events: sim.events, registry: reg, params: { rounds: 1, maxDepth: 1 }, features: ['n_sources'], force: true });
    expect(r3.promoted).toBe(true);
    expect(reg.get('homefeed')!.version).toBe(3);
    expect(reg.loadModel('homefeed')!.featureNames).toEqual(['n_sources']);
  });
  it('ranking objective and per-client label strategy', () => {
    const reg = new ModelRegistry(join(tmp, 'r3'));
    const r = trainRanker({
      client: 'notifications',
      records: sim.candidates,
      events: sim.events,
      registry: reg,
      params: { ...params, objective: 'rank:ndcg' },
      labels: { strategy: 'local' },
    });
    expect(r.labels.strategy).toBe('local');
    expect(r.labels.actionWeights.click).toBe(3);
    expect(reg.loadModel('notifications')!.objective).toBe('rank:ndcg');
    expect(r.candidate.auc).toBeGreaterThan(r.visitOrder!.auc);
  });
  it('lift rows for the eval table', () => {
    const rows = rankerLift(sim.candidates, sim.events, { clients: ['homefeed'], params });
    expect(rows.map((r) => r.metric)).toEqual(['ndcg@10', 'auc']);
    for (const r of rows) {
      expect(r.client).toBe('homefeed');
      expect(r.lift).toBeCloseTo(r.learned / r.visitOrder - 1, 12);
    }
    expect(rows[1]!.lift).toBeGreaterThan(0.03);
  });
  it('CLI runs end to end from a simulated log and from the JSONL files it wrote', () => {
    const lines: string[] = [];
    const dir = join(tmp, 'cli');
    const rep = runTrainRanker(
      { client: 'homefeed', registry: join(dir, 'reg'), simulate: true, requests: 900, seed: 3, writeLog: join(dir, 'log'), rounds: 20 },
      (l) => lines.push(l),
    );
    expect(rep.promoted).toBe(true);
    expect(lines.some((l) => l.startsWith('promoted: homefeed v1'))).toBe(true);
    expect(existsSync(join(dir, 'reg', 'models', 'homefeed-v1.json'))).toBe(true);
    const rep2 = runTrainRanker(
      { client: 'homefeed', registry: join(dir, 'reg'), log: join(dir, 'log', 'candidates.jsonl'), events: join(dir, 'log', 'events.jsonl'), rounds: 20, seed: 3 },
      (l) => lines.push(l),
    );
    // same data, same seed: the same model, which is not better than itself
    expect(rep2.promoted).toBe(false);
    expect(rep2.candidate['ndcg@10']).toBeCloseTo(rep2.current!['ndcg@10'], 10);
    const entry = JSON.parse(readFileSync(join(dir, 'reg', 'homefeed.json'), 'utf8')) as { history: unknown[] };
    expect(entry.history.length).toBe(2);
    expect(() => runTrainRanker({ client: 'homefeed', registry: join(dir, 'reg') }, () => {})).toThrow(/--simulate/);
    // rank-explain on the first logged request: 3 lines of candidates, contributions named
    const out: string[] = [];
    runRankExplain({ client: 'homefeed', registry: join(dir, 'reg'), log: join(dir, 'log', 'candidates.jsonl'), top: 3 }, (l) => out.push(l));
    expect(out[0]).toMatch(/^homefeed v1, request homefeed-3-0: 30 candidates$/);
    expect(out.length).toBe(4);
    expect(out[1]).toMatch(/^pin \d+ {2}score -?[\d.]+ {2}\((served at \d+|not served); bias/);
    expect(() => runRankExplain({ client: 'related', registry: join(dir, 'reg'), log: join(dir, 'log', 'candidates.jsonl') }, () => {})).toThrow(/no promoted model/);
  });
});

describe('rankAndServe', () => {
  it('orders by the ranker, explains, logs every candidate, and randomises exploration traffic', async () => {
    const { rankAndServe, rankerFor } = await import('../../src/ranking/apply.js');
    const { MemoryCandidateLogSink } = await import('../../src/ranking/logging.js');
    const { ExplorationPolicy } = await import('../../src/ranking/exploration.js');
    const req = { queryPins: [1], limit: 2, seed: 1 };
    const cands: Candidate[] = [
      { pin: 1, score: 0, sources: ['pixie'], features: { visits: 50 } },
      { pin: 2, score: 0, sources: ['fresh'], features: { visits: 3 } },
      { pin: 3, score: 0, sources: ['pixie'], features: { visits: 20 } },
    ];
    const sink = new MemoryCandidateLogSink();
    const res = rankAndServe(new GbdtRanker(stump()), req, cands, { client: 'homefeed', requestId: 'r1', explain: true, sink });
    expect(res.ranked.map((r) => r.candidate.pin)).toEqual([2, 1]);
    expect(res.ranked[0]!.parts).toEqual({ ranker: 1.5, 'gbdt:visits': 0.5, 'gbdt:bias': 1 });
    expect(sink.records.map((r) => [r.pin, r.position])).toEqual([[1, 1], [2, 0], [3, -1]]);
    expect(rankerFor(null, 'homefeed').name).toBe('visit-order');
    const all = new ExplorationPolicy(1, 1);
    const ex = rankAndServe(rankerFor(null, 'homefeed'), { ...req, limit: 3 }, cands, { client: 'homefeed', requestId: 'r2', exploration: all, sink });
    expect(ex.randomized).toBe(true);
    expect(sink.records.slice(3).every((r) => r.randomized)).toBe(true);
  });
});

describe('import-ranker', () => {
  it('registers an XGBoost model as a client ranker and names bad files', async () => {
    const { runImportRanker } = await import('../../src/cli/import-ranker.js');
    const fixture = new URL('../fixtures/xgb/model.json', import.meta.url).pathname;
    const lines: string[] = [];
    const e = runImportRanker({ client: 'related', registry: join(tmp, 'imp'), model: fixture }, (l) => lines.push(l));
    expect(e.version).toBe(1);
    expect(lines[0]).toMatch(/^related v1: 8 trees over 5 features \(visits, query_sim, locale_match, age_hours, popularity\)/);
    const reg = new ModelRegistry(join(tmp, 'imp'));
    const r = reg.ranker('related')!;
    const s = r.score({ queryPins: [1], limit: 1, seed: 0 }, [{ pin: 1, score: 0, sources: [], features: {} }]);
    // all-missing row: the fixture's last prediction
    expect(s[0]).toBeCloseTo(0.3842526, 5);
    expect(() => runImportRanker({ client: 'related', registry: join(tmp, 'imp'), model: join(tmp, 'missing.json') }, () => {})).toThrow(/cannot read a JSON model/);
  });
});
