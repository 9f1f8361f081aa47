import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { register as registerFitBlend } from '../../src/cli/fit-blend.js';
import { blendExamples, fitBlendWeights, readBlendWeights, writeBlendWeights } from '../../src/jobs/blend-fit.js';
import { appendEventsJsonl, JsonlCandidateLogSink, type CandidateLogRecord, type EngagementEvent } from '../../src/ranking/logging.js';
import { Rng } from '../../src/util/rng.js';
import { runCli } from '../cli-run.js';

/**
 * `requests` served lists of 10 pins with two sources' normalised scores; the engaged pin is the
 * one with the best src_board (+ a little noise): board co-occurrence predicts engagement,
 * Pixie's score is noise.
 */
function traffic(requests: number, seed = 1): { records: CandidateLogRecord[]; events: EngagementEvent[] } {
  const rng = new Rng(seed);
  const records: CandidateLogRecord[] = [];
  const events: EngagementEvent[] = [];
  for (let q = 0; q < requests; q++) {
    const requestId = `r${q}`;
    let best = -1;
    let bestScore = -Infinity;
    for (let i = 0; i < 10; i++) {
      const pin = q * 10 + i;
      const board = rng.next();
      const pixie = rng.next();
      records.push({ requestId, ts: q, client: 'related', queryPins: [0], pin, position: i, randomized: false, sources: ['board', 'pixie'], features: { src_board: board, src_pixie: pixie } });
      const s = board + 0.05 * rng.next();
      if (s > bestScore) [best, bestScore] = [pin, s];
    }
    events.push({ requestId, pin: best, action: 'click', ts: q });
    // impressions are not engagement; another client's log is ignored
    events.push({ requestId, pin: q * 10, action: 'impression', ts: q });
  }
  records.push({ requestId: 'h0', ts: 0, client: 'homefeed', queryPins: [0], pin: 1, position: 0, randomized: false, sources: ['x'], features: { src_x: 1 } });
  return { records, events };
}

let dir = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bw-blend-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('fit-blend', () => {
  it('builds one example per engaged pin: it first, then the request’s pins nobody engaged with', () => {
    const { records, events } = traffic(3);
    const { sources, requests } = blendExamples(records, events, 'related');
    expect(sources).toEqual(['board', 'pixie']);
    expect(requests.size).toBe(3);
    const ex = requests.get('r0')!;
    expect(ex.length).toBe(1);
    expect(ex[0]!.n).toBe(10);
    const clicked = events.find((e) => e.requestId === 'r0' && e.action === 'click')!.pin;
    const rec = records.find((r) => r.pin === clicked)!;
    expect(ex[0]!.x[0]).toBeCloseTo(rec.features['src_board']!, 6);
    expect(ex[0]!.x[1]).toBeCloseTo(rec.features['src_pixie']!, 6);
  });

  it('weights the predictive source up, checks on held-out requests, and writes a file serving reads', () => {
    const { records, events } = traffic(400);
    const r = fitBlendWeights(records, events, { client: 'related' });
    expect(r.examples.fit + r.examples.holdout).toBe(400);
    expect(r.examples.holdout).toBeGreaterThan(40);
    expect(r.weights['board']).toBe(1); // the anchor
    expect(r.weights['pixie']!).toBeLessThanOrEqual(0.125);
    expect(r.holdout.ndcg).toBeGreaterThan(r.holdout.defaultNdcg + 0.05);
    expect(r.accepted).toBe(true);
    const path = join(dir, 'blend', 'related.json');
    writeBlendWeights(path, r, new Date(0));
    expect(readBlendWeights(path)).toEqual(r.weights);
    expect(JSON.parse(readFileSync(path, 'utf8')).fittedAt).toBe('1970-01-01T00:00:00.000Z');
    expect(readBlendWeights(join(dir, 'none.json'))).toBeNull();
  });

  it('writes nothing without enough engaged requests, and names bad input', () => {
    const { records, events } = traffic(10);
    const r = fitBlendWeights(records, events, { client: 'related' });
    expect(r.accepted).toBe(false);
    expect(r.reason).toMatch(/too few engaged requests: \d+ fit and \d+ held-out examples \(need 30 and 1\)/);
    expect(fitBlendWeights(records, events, { client: 'notifications' }).reason).toBe('no logged notifications candidates with source scores (src_*)');
    expect(() => fitBlendWeights(records, events, { client: 'related', holdoutShare: 1 })).toThrow(/holdoutShare must be in \(0, 1\), got 1/);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"weights": {"board": -1}}');
    expect(() => readBlendWeights(bad)).toThrow(/bad\.json: weight of board must be a finite number >= 0, got -1/);
    writeFileSync(bad, '{oops');
    expect(() => readBlendWeights(bad)).toThrow(/bad\.json: not valid JSON/);
    writeFileSync(bad, '[]');
    expect(() => readBlendWeights(bad)).toThrow(/bad\.json: no 'weights' object/);
  });

  it('CLI: prints the table and writes --out', async () => {
    const { records, events } = traffic(300);
    const log = join(dir, 'candidates.jsonl');
    const sink = new JsonlCandidateLogSink(log);
    sink.log(records);
    sink.close();
    const ev = join(dir, 'events.jsonl');
    appendEventsJsonl(ev, events);
    const out = join(dir, 'w', 'related.json');
    const text = await runCli(registerFitBlend, ['fit-blend', '--client', 'related', '--log', log, '--events', ev, '--out', out]);
    expect(text).toMatch(/related: 3001 logged candidates, 600 events; 300 engaged requests -> \d+ fit \/ \d+ held-out examples/);
    expect(text).toMatch(/^board +1 /m);
    expect(text).toMatch(/fitted +0\.\d{4}/);
    expect(text).toMatch(/wrote .*related\.json \(held-out NDCG@10/);
    expect(readBlendWeights(out)!['board']).toBe(1);
    await expect(runCli(registerFitBlend, ['fit-blend', '--client', 'related', '--log', log, '--out', out])).rejects.toThrow(/no engagement events/);
    await expect(runCli(registerFitBlend, ['fit-blend', '--client', 'related', '--log', log, '--events', ev, '--holdout', '2'])).rejects.toThrow(/must be a number in \(0, 1\)/);
  });
});
