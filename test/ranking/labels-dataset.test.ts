import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildDataset, servedRows, splitByRequest } from '../../src/ranking/dataset.js';
import { ExplorationPolicy } from '../../src/ranking/exploration.js';
import { FeatureExtractor } from '../../src/ranking/features.js';
import { labelConfigFor, labelOf, parseActionWeights, type LabelConfig } from '../../src/ranking/labels.js';
import {
  JsonlCandidateLogSink,
  MemoryCandidateLogSink,
  appendEventsJsonl,
  candidateRecords,
  readCandidateLog,
  readEvents,
  type CandidateLogRecord,
  type EngagementEvent,
} from '../../src/ranking/logging.js';
import { simulateEngagement } from '../../src/ranking/simulator.js';
import type { Candidate } from '../../src/candidates/types.js';

const tmp = mkdtempSync(join(tmpdir(), 'bw-rank-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const cfg = (strategy: LabelConfig['strategy']): LabelConfig => ({
  strategy,
  actionWeights: { save: 3, click: 1, hide: -2 },
  impressionWeight: 0.5,
  localBoost: 2,
});

describe('label strategies', () => {
  it('engagement: impressed rows only, action = positive with its weight', () => {
    const c = cfg('engagement');
    expect(labelOf(false, [], false, c)).toBeNull();
    expect(labelOf(true, [], false, c)).toEqual({ label: 0, weight: 1, grade: 0 });
    expect(labelOf(true, ['click', 'save'], false, c)).toEqual({ label: 1, weight: 3, grade: 3 });
    expect(labelOf(true, ['hide'], false, c)).toEqual({ label: 0, weight: 2, grade: 0 });
    // an action without a logged impression still counts as seen
    expect(labelOf(false, ['click'], false, c)).toEqual({ label: 1, weight: 1, grade: 1 });
  });
  it('funnel: every row, impressed = positive', () => {
    const c = cfg('funnel');
    expect(labelOf(false, [], false, c)).toEqual({ label: 0, weight: 1, grade: 0 });
    expect(labelOf(true, [], false, c)).toEqual({ label: 1, weight: 1, grade: 1 });
  });
  it('blended: impressions positive with a small weight, actions weighted up', () => {
    const c = cfg('blended');
    expect(labelOf(false, [], false, c)).toEqual({ label: 0, weight: 1, grade: 0 });
    expect(labelOf(true, [], false, c)).toEqual({ label: 1, weight: 0.5, grade: 1 });
    expect(labelOf(true, ['save'], false, c)).toEqual({ label: 1, weight: 3, grade: 4 });
  });
  it('local: extra positive weight when locales match', () => {
    const c = cfg('local');
    expect(labelOf(true, ['click'], true, c)).toEqual({ label: 1, weight: 2, grade: 2 });
    expect(labelOf(true, ['click'], false, c)).toEqual({ label: 1, weight: 1, grade: 1 });
    expect(labelOf(true, [], true, c)).toEqual({ label: 0, weight: 1, grade: 0 });
  });
  it('per-surface defaults and parsing', () => {
    expect(labelConfigFor('homefeed').actionWeights.save).toBeGreaterThan(labelConfigFor('homefeed').actionWeights.click!);
    expect(labelConfigFor('notifications').actionWeights.click).toBeGreaterThan(labelConfigFor('notifications').actionWeights.save!);
    expect(labelConfigFor('unknown-client').strategy).toBe('engagement');
    expect(parseActionWeights('save=3, click=1,hide=-0.5')).toEqual({ save: 3, click: 1, hide: -0.5 });
    expect(() => parseActionWeights('save:3')).toThrow(/action=weight/);
    expect(() => labelConfigFor('homefeed', { strategy: 'nope' as never })).toThrow(/unknown strategy 'nope'/);
  });
});

describe('features', () => {
  it('resolves source flags, counts, score and missing values', () => {
    const ex = new FeatureExtractor(['visits', 'src:pixie', 'src:fresh', 'n_sources', 'score', 'absent']);
    const x = ex.matrix([{ score: 0.5, sources: ['pixie', 'board'], features: { visits: 12 } }]);
    expect(Array.from(x.subarray(0, 5))).toEqual([12, 1, 0, 2, 0.5]);
    expect(Number.isNaN(x[5])).toBe(true);
    expect(() => new FeatureExtractor(['a', 'a'])).toThrow(/duplicate/);
    expect(() => new FeatureExtractor([])).toThrow(/empty/);
  });
});

describe('exploration traffic', () => {
  it('randomises about the configured share, deterministically, and marks it', () => {
    const p = new ExplorationPolicy(0.1, 3);
    let k = 0;
    for (let i = 0; i < 5000; i++) if (p.isRandomized(`r${i}`)) k++;
    expect(k / 5000).toBeGreaterThan(0.08);
    expect(k / 5000).toBeLessThan(0.12);
    const scores = [1, 5, 3, 4, 2, 0, 9, 8];
    const normal = Array.from({ length: 200 }, (_, i) => `q${i}`).find((id) => !p.isRandomized(id))!;
    const random = Array.from({ length: 200 }, (_, i) => `q${i}`).find((id) => p.isRandomized(id))!;
    expect(Array.from(p.order(normal, scores).order)).toEqual([6, 7, 1, 3, 2, 4, 0, 5]);
    const r = p.order(random, scores);
    expect(r.randomized).toBe(true);
    expect(Array.from(r.order).sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(Array.from(p.order(random, scores).order)).toEqual(Array.from(r.order));
    expect(() => new ExplorationPolicy(1.5)).toThrow(/share/);
  });
});

describe('candidate logging', () => {
  const req = { queryPins: [7], limit: 10, seed: 1, user: 3, locale: 'de-DE', now: 1000 };
  const cands: Candidate[] = [
    { pin: 10, score: 2, sources: ['pixie'], features: { visits: 5 } },
    { pin: 11, score: 1, sources: ['board'], features: { visits: 1 } },
    { pin: 12, score: 0, sources: ['fresh'], features: {} },
  ];
  it('records served and unserved candidates with positions', () => {
    const recs = candidateRecords('req1', 'homefeed', req, cands, [1, 0], false);
    expect(recs.map((r) => r.position)).toEqual([1, 0, -1]);
    expect(recs[0]).toMatchObject({ requestId: 'req1', client: 'homefeed', user: 3, locale: 'de-DE', pin: 10, ts: 1000 });
    const mem = new MemoryCandidateLogSink();
    mem.log(recs);
    expect(mem.records.length).toBe(3);
    expect(() => candidateRecords('r', 'c', req, cands, [5], false)).toThrow(/out of range/);
  });
  it('JSONL sink and readers round-trip, and name bad lines', () => {
    const cp = join(tmp, 'c.jsonl');
    const ep = join(tmp, 'e.jsonl');
    const sink = new JsonlCandidateLogSink(cp, 4);
    sink.log(candidateRecords('a', 'homefeed', req, cands, [0, 1], false));
    // 3 records pending: nothing written yet; the next call passes the threshold
    expect(() => readFileSync(cp, 'utf8')).toThrow();
    sink.log(candidateRecords('b', 'homefeed', req, cands, [2], true));
    sink.close();
    appendEventsJsonl(ep, [{ requestId: 'a', pin: 10, action: 'impression', ts: 1 }]);
    const back = readCandidateLog(cp);
    expect(back.length).toBe(6);
    expect(back[5]!.randomized).toBe(true);
    expect(readEvents(ep)[0]!.action).toBe('impression');
    writeFileSync(join(tmp, 'bad.jsonl'), '{"requestId":"a","client":"x","pin":1,"position":0,"sources":[],"features":{}}\n{oops\n');
    expect(() => readCandidateLog(join(tmp, 'bad.jsonl'))).toThrow(/bad.jsonl:2: not valid JSON/);
    writeFileSync(join(tmp, 'bad2.jsonl'), '{"requestId":"a","pin":-1,"action":"click"}\n');
    expect(() => readEvents(join(tmp, 'bad2.jsonl'))).toThrow(/bad2.jsonl:1: pin/);
    expect(readFileSync(cp, 'utf8').trim().split('\n').length).toBe(6);
  });
});

describe('data set builder', () => {
  const rec = (requestId: string, pin: number, position: number, visits: number, randomized = false): CandidateLogRecord => ({
    requestId,
    ts: 0,
    client: 'homefeed',
    queryPins: [1],
    pin,
    position,
    randomized,
    sources: ['pixie'],
    features: { visits, locale_match: pin === 2 ? 1 : 0 },
  });
  const records = [rec('a', 1, 0, 9), rec('a', 2, 1, 5), rec('a', 3, -1, 1), rec('b', 4, 0, 3, true), rec('b', 5, 1, 2, true)];
  const other: CandidateLogRecord = { ...rec('c', 9, 0, 1), client: 'related' };
  const events: EngagementEvent[] = [
    { requestId: 'a', pin: 1, action: 'impression', ts: 1 },
    { requestId: 'a', pin: 2, action: 'impression', ts: 1 },
    { requestId: 'a', pin: 2, action: 'save', ts: 2 },
    { requestId: 'b', pin: 4, action: 'impression', ts: 1 },
    { requestId: 'b', pin: 4, action: 'click', ts: 2 },
  ];
  it('joins events, labels per strategy, groups by request', () => {
    const d = buildDataset([...records, other], events, { client: 'homefeed', labels: cfg('engagement'), features: ['visits'] });
    // engagement keeps impressed rows: a/1, a/2, b/4
    expect(d.rows).toBe(3);
    expect(Array.from(d.groups)).toEqual([0, 2, 3]);
    expect(d.requestIds).toEqual(['a', 'b']);
    expect(Array.from(d.labels)).toEqual([0, 1, 1]);
    expect(Array.from(d.weights)).toEqual([1, 3, 1]);
    expect(Array.from(d.randomized)).toEqual([0, 1]);
    expect(Array.from(d.x)).toEqual([9, 5, 3]);
    const f = buildDataset(records, events, { client: 'homefeed', labels: cfg('funnel'), features: ['visits'] });
    expect(f.rows).toBe(5);
    expect(Array.from(f.labels)).toEqual([1, 1, 0, 1, 0]);
    const r = buildDataset(records, events, { client: 'homefeed', labels: cfg('funnel'), features: ['visits'], randomizedOnly: true, randomizedWeight: 2 });
    expect(r.requestIds).toEqual(['b']);
    expect(Array.from(r.weights)).toEqual([2, 2]);
    expect(() => buildDataset(records, events, { client: 'nobody', labels: cfg('funnel'), features: ['visits'] })).toThrow(/no labelled rows for client 'nobody'/);
  });
  it('served rows and request splits', () => {
    const f = buildDataset(records, events, { client: 'homefeed', labels: cfg('funnel'), features: ['visits'] });
    const s = servedRows(f);
    expect(s.rows).toBe(4);
    expect(Array.from(s.x)).toEqual([9, 5, 3, 2]);
    const sim = simulateEngagement({ clients: ['homefeed'], requests: 300, seed: 1 });
    const all = buildDataset(sim.candidates, sim.events, { client: 'homefeed', labels: cfg('funnel'), features: ['visits'] });
    const sp = splitByRequest(all, { valid: 0.2, test: 0.2 }, 1);
    expect(sp.train.rows + sp.valid.rows + sp.test.rows).toBe(all.rows);
    const ids = new Set(sp.train.requestIds);
    expect(sp.test.requestIds.some((id) => ids.has(id))).toBe(false);
    expect(sp.test.requestIds.length).toBeGreaterThan(30);
    expect(sp.test.requestIds.length).toBeLessThan(90);
  });
});

describe('engagement simulator', () => {
  it('is deterministic per seed and position-biased', () => {
    const a = simulateEngagement({ clients: ['homefeed', 'notifications'], requests: 200, seed: 4 });
    const b = simulateEngagement({ clients: ['homefeed', 'notifications'], requests: 200, seed: 4 });
    expect(JSON.stringify(a.events)).toBe(JSON.stringify(b.events));
    expect(a.candidates.length).toBe(200 * 30);
    // impressions fall with position
    const byPos = new Map<string, number>();
    for (const r of a.candidates) byPos.set(`${r.requestId}/${r.pin}`, r.position);
    const count = new Array<number>(12).fill(0);
    for (const e of a.events) if (e.action === 'impression') count[byPos.get(`${e.requestId}/${e.pin}`)!]! += 1;
    expect(count[0]!).toBeGreaterThan(count[11]! * 2);
    // unserved candidates are logged too, and some requests are randomised
    expect(a.candidates.some((r) => r.position === -1)).toBe(true);
    expect(a.candidates.some((r) => r.randomized)).toBe(true);
    expect(() => simulateEngagement({ clients: [], requests: 1, seed: 1 })).toThrow(/no clients/);
  });
});
