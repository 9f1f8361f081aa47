import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveRetrainConfig, runRetrain, runScheduled, type RetrainConfig } from '../../src/jobs/retrain.js';
import { ArrayEngagementSource } from '../../src/retrieval/engagements.js';
import { ModelStore } from '../../src/retrieval/model-store.js';
import { RetrievalService } from '../../src/retrieval/service.js';
import { clusteredEvents } from './synthetic.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function config(over: Partial<RetrainConfig> = {}): RetrainConfig {
  const store = mkdtempSync(join(tmpdir(), 'bw-retrain-'));
  dirs.push(store);
  return resolveRetrainConfig(undefined, {
    store,
    model: { dim: 8, temperature: 0.2 },
    train: { epochs: 5, batchSize: 32, extraNegatives: 16, learningRate: 0.02, seed: 3 },
    gate: { k: 5, maxUsers: 100, holdoutMinEvents: 3, maxRegression: 0.05, minRecall: 0.2 },
    ...over,
  });
}

const events = clusteredEvents(40, 40, 8, 1);

describe('retrain job', () => {
  it('publishes a first version that passes the gate, servable from the store', async () => {
    const c = config();
    const r = await runRetrain(new ArrayEngagementSource(events), c);
    expect(r.published).toBe(true);
    expect(r.version).toBe('v000001');
    expect(r.currentVersion).toBeNull();
    expect(r.candidateRecall).toBeGreaterThanOrEqual(0.2);
    expect(r.users).toBe(40);
    const store = new ModelStore(c.store);
    expect(store.current()).toBe('v000001');
    const b = store.load();
    expect(b.pinIds?.[0]).toBe(events[0]!.pin); // external ids travel with the version
    const svc = new RetrievalService(b);
    // a user of cluster 0 (pins p0..p19) gets cluster-0 pins
    const hist = [0, 1, 2].map((i) => b.pinIds!.indexOf(`p${i}`)).filter((p) => p >= 0);
    const got = svc.retrieve({ history: hist }, 5).pins.map((p) => Number(b.pinIds![p]!.slice(1)));
    expect(got.filter((p) => p < 20).length).toBeGreaterThanOrEqual(4);
  });

  it('validates against the serving version and refuses a worse candidate', async () => {
    const c = config();
    await runRetrain(new ArrayEngagementSource(events), c);
    // same data, same settings: as good as serving -> published
    const again = await runRetrain(new ArrayEngagementSource(events), c);
    expect(again.currentVersion).toBe('v000001');
    expect(again.currentRecall).not.toBeNull();
    expect(again.published).toBe(true);
    expect(again.version).toBe('v000002');
    // an untrained candidate (0 epochs) is much worse: not published, serving unchanged
    const bad = await runRetrain(new ArrayEngagementSource(events), { ...c, train: { ...c.train, epochs: 0 } });
    expect(bad.published).toBe(false);
    expect(bad.reason).toMatch(/below the minimum|worse than serving/);
    expect(new ModelStore(c.store).current()).toBe('v000002');
    // --force publishes anyway and says so
    const forced = await runRetrain(new ArrayEngagementSource(events), { ...c, force: true, train: { ...c.train, epochs: 0 } });
    expect(forced.published).toBe(true);
    expect(forced.reason).toMatch(/^forced/);
  });

  it('runs on a schedule until the run limit', async () => {
    const c = config({ scheduleMinutes: 0.0001, keep: 2 });
    const logs: string[] = [];
    const reports = await runScheduled(() => new ArrayEngagementSource(events), { ...c, train: { ...c.train, epochs: 2 } }, { maxRuns: 2, log: (m) => logs.push(m) });
    expect(reports).toHaveLength(2);
    expect(logs.some((l) => l.includes('published v000001'))).toBe(true);
    const failing = await runScheduled(() => new ArrayEngagementSource([]), c, { maxRuns: 1, log: (m) => logs.push(m) });
    expect(failing).toEqual([]);
    expect(logs.at(-1)).toMatch(/run 1 failed: in-memory events: no engagement events/);
    await expect(runScheduled(() => new ArrayEngagementSource(events), { ...c, scheduleMinutes: 0 })).rejects.toThrow(/scheduleMinutes/);
  });

  it('reads a config file and rejects unknown keys', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bw-cfg-'));
    dirs.push(dir);
    const f = join(dir, 'retrain.json');
    writeFileSync(f, JSON.stringify({ keep: 5, gate: { k: 20 }, scheduleMinutes: 60 }));
    const c = resolveRetrainConfig(f);
    expect(c.keep).toBe(5);
    expect(c.gate.k).toBe(20);
    expect(c.gate.maxUsers).toBe(1000); // default kept under a partial override
    expect(c.scheduleMinutes).toBe(60);
    writeFileSync(f, JSON.stringify({ kep: 5 }));
    expect(() => resolveRetrainConfig(f)).toThrow(/unknown key "kep"/);
  });
});
