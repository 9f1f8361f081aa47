import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { register as registerTrainRanker } from '../../src/cli/train-ranker.js';
import { JsonlCandidateLogSink } from '../../src/ranking/logging.js';
import { simulateEngagement } from '../../src/ranking/simulator.js';
import { SqliteStorage } from '../../src/storage/sqlite.js';
import type { Action, EngagementEvent } from '../../src/storage/types.js';
import { runCli } from '../cli-run.js';

describe('train-ranker --from-storage, related client', () => {
  it('promotion refits Memboost against the new model and stores it beside the model', async () => {
    const d = mkdtempSync(join(tmpdir(), 'bw-refit-cli-'));
    try {
      const sim = simulateEngagement({ clients: ['related'], requests: 300, users: 40, pins: 200, seed: 5 });
      // dense pin i of the serving graph is the i-th pin in id order: zero-padded ids keep that order
      const ext = (i: number): string => `p${String(i).padStart(4, '0')}`;
      const served = new Map(sim.candidates.filter((c) => c.position >= 0).map((c) => [`${c.requestId}/${c.pin}`, c]));
      const st = new SqliteStorage({ path: join(d, 'boardwalk.sqlite'), synchronous: 'NORMAL' });
      await st.init();
      await st.upsertPins(Array.from({ length: 200 }, (_, i) => ({ id: ext(i) })));
      // a graph for the refit's Related Pins surface: pins on boards of ten
      await st.addSaves(Array.from({ length: 200 }, (_, i) => ({ pin: ext(i), board: `b${Math.floor(i / 10)}`, createdAt: 1 })));
      const events: EngagementEvent[] = [];
      sim.events.forEach((e, i) => {
        const c = served.get(`${e.requestId}/${e.pin}`);
        if (!c || c.queryPins.length === 0) return;
        events.push({
          eventId: `s${i}`,
          user: `u${e.user ?? 0}`,
          pin: ext(e.pin),
          action: e.action as Action,
          surface: 'related',
          platform: 'web',
          position: c.position,
          queryPin: ext(c.queryPins[0]!),
          timestamp: e.ts,
          requestId: e.requestId,
        });
      });
      expect(events.length).toBeGreaterThan(100);
      await st.appendEvents(events);
      await st.close();
      const sink = new JsonlCandidateLogSink(join(d, 'candidates.jsonl'));
      sink.log(sim.candidates);
      sink.close();
      const cfgFile = join(d, 'serve.json');
      writeFileSync(cfgFile, JSON.stringify({ storage: { kind: 'sqlite', dataDir: d } }));
      const text = await runCli(registerTrainRanker, ['train-ranker', '--client', 'related', '--from-storage', '--config', cfgFile, '--rounds', '5', '--seed', '1']);
      expect(text).toMatch(/promoted: related v1/);
      expect(text).toMatch(/memboost refit for related@v1: gamma=[0-9.]+ alpha=[0-9.]+ beta=[0-9./]+ -> .*related-v1\.memboost\.json/);
      const file = join(d, 'registry', 'models', 'related-v1.memboost.json');
      expect(existsSync(file)).toBe(true);
      const stored = JSON.parse(readFileSync(file, 'utf8'));
      expect(stored.ranker).toBe('related@v1');
      expect(stored.stats.events + stored.stats.skipped).toBe(events.length);
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });
});
