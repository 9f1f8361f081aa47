import { describe, expect, it } from 'vitest';
import { assignAll, assignVariant, bucketPoint, mergedParams, murmur3 } from '../../src/experiments/bucket.js';
import { parseExperiment, parseExperiments } from '../../src/experiments/config.js';
import { experimentReport, formatExperimentReport, type ReportEvent } from '../../src/experiments/report.js';
import { normalCdf, twoProportionZ, wilson } from '../../src/experiments/stats.js';

const exp = parseExperiment({
  name: 'ranker-v2',
  variants: [
    { name: 'control', weight: 1, params: { ranker: 'v1' } },
    { name: 'treatment', weight: 3, params: { ranker: 'v2', pixieSteps: 5000 } },
  ],
});

describe('experiment config', () => {
  it('fills defaults: salt = name, control = first variant, enabled', () => {
    expect(exp.salt).toBe('ranker-v2');
    expect(exp.control).toBe('control');
    expect(exp.enabled).toBe(true);
    expect(exp.variants[1]!.params).toEqual({ ranker: 'v2', pixieSteps: 5000 });
  });
  it('rejects bad definitions with the field named', () => {
    expect(() => parseExperiment({ name: 'x', variants: [{ name: 'a' }] })).toThrow(/experiment x: variants: needs at least 2 variants/);
    expect(() => parseExperiment({ name: 'x', variants: [{ name: 'a' }, { name: 'b', weight: 0 }] })).toThrow(/variants\.1\.weight: must be > 0/);
    expect(() => parseExperiment({ name: 'x', variants: [{ name: 'a' }, { name: 'a' }] })).toThrow(/variant "a" is listed twice/);
    expect(() => parseExperiment({ name: 'x', control: 'z', variants: [{ name: 'a' }, { name: 'b' }] })).toThrow(/control "z" is not one of its variants/);
    expect(() => parseExperiment({ name: 'x', variants: [{ name: 'a' }, { name: 'b' }], extra: 1 })).toThrow(/experiment x/);
    expect(() => parseExperiments([{ name: 'x', variants: [{ name: 'a' }, { name: 'b' }] }, { name: 'x', variants: [{ name: 'a' }, { name: 'b' }] }])).toThrow(
      /"x" is defined twice/,
    );
    expect(() => parseExperiments({ nope: 1 })).toThrow(/expected a JSON array/);
  });
  it('checks variant params at load, naming experiment, variant and param', () => {
    const two = (params: Record<string, unknown>) => ({ name: 'e1', variants: [{ name: 'a' }, { name: 'b', params }] });
    expect(() => parseExperiment(two({ rankerModel: 'v2' }))).toThrow('experiment e1: variant b: unknown param "rankerModel" (params: ranker, pixieSteps');
    expect(() => parseExperiment(two({ pixieSteps: '100' }))).toThrow('experiment e1: variant b: param "pixieSteps": must be an integer from 1 to 10000000, got "100"');
    expect(() => parseExperiment(two({ pixieSteps: 0 }))).toThrow(/param "pixieSteps": must be an integer/);
    expect(() => parseExperiment(two({ freshRatio: 2.5 }))).toThrow(/variant b: param "freshRatio": must be an integer from 0/);
    expect(() => parseExperiment(two({ ranker: 'gbdt v2' }))).toThrow(/param "ranker": must be "current", "none"/);
    expect(() => parseExperiment(two({ quotas: { pixi: 3 } }))).toThrow(/param "quotas": unknown source "pixi"/);
    expect(() => parseExperiment(two({ quotas: { pixie: -1 } }))).toThrow(/param "quotas": quota of pixie must be an integer/);
    expect(() => parseExperiment(two({ excludeSeen: 'yes' }))).toThrow(/param "excludeSeen": must be true or false/);
    expect(() => parseExperiment(two({ rules: 'agee_days > 3 -> drop' }))).toThrow(/param "rules": rule 1, col 1: unknown field 'agee_days'/);
    expect(() => parseExperiments([two({ limit: 0 })])).toThrow(/experiments\[0\]: experiment e1: variant b: param "limit"/);
    const ok = parseExperiment(two({ ranker: 'related-v3', pixieSteps: 100, freshRatio: 0, quotas: { two_tower: 0, fresh_boards: 9 }, excludeSeen: false, limit: 5, rules: 'score < 0 -> drop' }));
    expect(ok.variants[1]!.params).toMatchObject({ ranker: 'related-v3', quotas: { two_tower: 0, fresh_boards: 9 } });
  });
});

describe('bucketing', () => {
  it('murmur3 matches reference vectors', () => {
    expect(murmur3('', 0)).toBe(0);
    expect(murmur3('hello', 0)).toBe(0x248bfa47);
    expect(murmur3('The quick brown fox jumps over the lazy dog', 0)).toBe(0x2e4ff723);
  });
  it('is deterministic and in [0, 1)', () => {
    for (let i = 0; i < 100; i++) {
      const x = bucketPoint('s', `u${i}`);
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
      expect(bucketPoint('s', `u${i}`)).toBe(x);
    }
    expect(assignVariant(exp, 'alice').name).toBe(assignVariant(exp, 'alice').name);
  });
  it('splits a fixed set of 20,000 ids by the weights (1:3) within 1.5 points', () => {
    let t = 0;
    const N = 20_000;
    for (let i = 0; i < N; i++) if (assignVariant(exp, `user-${i}`).name === 'treatment') t++;
    expect(Math.abs(t / N - 0.75)).toBeLessThan(0.015);
  });
  it('different salts give independent assignments', () => {
    const other = { ...exp, salt: 'other' };
    let same = 0;
    const N = 4000;
    for (let i = 0; i < N; i++) if (assignVariant(exp, `u${i}`).name === assignVariant(other, `u${i}`).name) same++;
    // independent 1:3 splits agree with probability 0.25^2 + 0.75^2 = 0.625
    expect(Math.abs(same / N - 0.625)).toBeLessThan(0.03);
  });
  it('assignAll skips disabled experiments and rejects empty users', () => {
    const off = { ...exp, name: 'off', enabled: false };
    const a = assignAll([exp, off], 'bob');
    expect(a).toHaveLength(1);
    expect(a[0]!.experimentId).toBe('ranker-v2');
    expect(['control', 'treatment']).toContain(a[0]!.variant);
    expect(() => assignVariant(exp, '')).toThrow(/user id must be a non-empty string/);
  });
  it('merges params, the first experiment winning', () => {
    expect(
      mergedParams([
        { experimentId: 'a', variant: 'x', params: { ranker: 'v2', freshRatio: 4, quotas: { pixie: 10 } } },
        { experimentId: 'b', variant: 'y', params: { ranker: 'v1', limit: 3, quotas: { pixie: 50, board: 5 } } },
      ]),
    ).toEqual({ ranker: 'v2', freshRatio: 4, limit: 3, quotas: { pixie: 10, board: 5 } });
  });
});

describe('statistics', () => {
  it('wilson 5/10 = [0.2366, 0.7634]; 0/0 = [0, 1]', () => {
    const w = wilson(5, 10);
    expect(w.low).toBeCloseTo(0.2366, 4);
    expect(w.high).toBeCloseTo(0.7634, 4);
    expect(wilson(0, 0)).toEqual({ low: 0, high: 1 });
    expect(wilson(0, 10).low).toBe(0);
    expect(() => wilson(3, 2)).toThrow(/0 <= x <= n/);
  });
  it('normal CDF and the z-test (100/1000 vs 130/1000: z = 2.103, p = 0.0355)', () => {
    expect(normalCdf(1.959964)).toBeCloseTo(0.975, 5);
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    const t = twoProportionZ(100, 1000, 130, 1000)!;
    expect(t.diff).toBeCloseTo(0.03, 10);
    expect(t.lift).toBeCloseTo(0.3, 10);
    expect(t.z).toBeCloseTo(2.1027, 3);
    expect(t.pValue).toBeCloseTo(0.0355, 3);
    expect(twoProportionZ(0, 0, 1, 2)).toBeNull();
  });
});

function ev(user: string, action: string, variant?: string, experimentId = 'ranker-v2', timestamp = 1): ReportEvent {
  const e: ReportEvent = { user, pin: 'p', action, timestamp, experimentId };
  if (variant !== undefined) e.variant = variant;
  return e;
}

describe('experiment report', () => {
  const events: ReportEvent[] = [];
  // control: 10 impressions, 2 closeups, 1 click, 1 save by 2 users
  for (let i = 0; i < 10; i++) events.push(ev(i % 2 ? 'a' : 'b', 'impression', 'control'));
  events.push(ev('a', 'closeup', 'control'), ev('a', 'closeup', 'control'), ev('a', 'click', 'control'), ev('b', 'save', 'control'));
  // treatment: 10 impressions, 5 closeups, 4 clicks, 2 saves by 1 user
  for (let i = 0; i < 10; i++) events.push(ev('c', 'impression', 'treatment'));
  for (let i = 0; i < 5; i++) events.push(ev('c', 'closeup', 'treatment'));
  for (let i = 0; i < 4; i++) events.push(ev('c', 'click', 'treatment'));
  events.push(ev('c', 'save', 'treatment'), ev('c', 'save', 'treatment'));
  events.push(ev('z', 'click', 'control', 'other-exp'), ev('y', 'impression', undefined));

  it('counts per variant with rates, intervals, funnel and tests vs control', async () => {
    async function* stream(): AsyncIterable<ReportEvent> {
      yield* events;
    }
    const r = await experimentReport(stream(), { experiment: 'ranker-v2' });
    expect(r.control).toBe('control');
    expect(r.events).toBe(14 + 21);
    expect(r.skipped).toEqual({ otherExperiment: 1, outOfRange: 0, noVariant: 1, unknownVariant: 0 });
    const [c, t] = r.variants;
    expect(c!.users).toBe(2);
    expect(c!.impressions).toBe(10);
    expect(c!.ctr.value).toBe(0.1);
    expect(c!.saveRate.value).toBe(0.1);
    expect(t!.ctr.value).toBe(0.4);
    expect(t!.saveRate.value).toBe(0.2);
    expect(t!.ctr.low).toBeCloseTo(wilson(4, 10).low, 12);
    expect(t!.funnel.map((s) => s.count)).toEqual([10, 5, 4, 2]);
    expect(t!.funnel[2]!.ofPrevious!.value).toBe(0.8);
    expect(t!.funnel[3]!.ofPrevious!.value).toBe(0.5);
    expect(c!.vsControl).toBeNull();
    expect(t!.vsControl!.ctr!.diff).toBeCloseTo(0.3, 12);
    expect(t!.vsControl!.ctr!.pValue).toBeCloseTo(twoProportionZ(1, 10, 4, 10)!.pValue, 12);
    const table = formatExperimentReport(r);
    expect(table).toContain('| control (control) | 2 | 10 | 1 | 1 | 10.00% [');
    expect(table).toContain('| treatment | 10 | 5 (50.0%) | 4 (80.0%) | 2 (50.0%) |');
  });

  it('buckets events without a variant when the config is given, and filters time', async () => {
    const r = await experimentReport([ev('y', 'impression'), ev('y', 'click', 'control', 'ranker-v2', 5)], { experiment: 'ranker-v2', config: exp, to: 3 });
    expect(r.skipped.outOfRange).toBe(1);
    const v = assignVariant(exp, 'y').name;
    expect(r.variants.find((x) => x.variant === v)!.impressions).toBe(1);
    expect(r.variants.map((x) => x.variant)).toEqual(['control', 'treatment']);
  });

  it('refuses a control without events and a config for another experiment', async () => {
    await expect(experimentReport(events, { experiment: 'ranker-v2', control: 'nope' })).rejects.toThrow(/control "nope" has no events/);
    await expect(experimentReport(events, { experiment: 'x', config: exp })).rejects.toThrow(/config is for "ranker-v2"/);
  });
});
