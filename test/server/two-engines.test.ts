import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/serving/engine.js';
import { SqliteStorage } from '../../src/storage/sqlite.js';
import { seedToy } from './helpers.js';

const page = { limit: 10, offset: 0, excludeSeen: false, explain: false };

describe('two engines on one store (cluster workers, several instances)', () => {
  it('one sees the other’s saves by polling, and its new pins on first request', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bw-two-'));
    const file = join(dir, 'db.sqlite');
    const sa = new SqliteStorage({ path: file });
    const sb = new SqliteStorage({ path: file });
    await sa.init();
    await sb.init();
    await seedToy(sa);
    const cfg = { rebuildIntervalMs: 0, pollIntervalMs: 20, pixie: { steps: 2000 } };
    const a = await Engine.open(sa, cfg);
    const b = await Engine.open(sb, cfg);
    try {
      await a.addSaves([{ pin: 'f', board: 'B3', createdAt: 5 }]);
      await new Promise((r) => setTimeout(r, 150));
      expect((await b.relatedPins('f', page)).items.map((x) => x.id)).toEqual(['e']);
      await a.upsertPins([{ id: 'lonely', locale: 'en' }]);
      // b has not merged 'lonely' (no save, so polling sees nothing) but storage has it
      expect((await b.relatedPins('lonely', page)).items).toEqual([]);
      await expect(b.relatedPins('never', page)).rejects.toThrow('unknown pin: "never"');
    } finally {
      await a.close();
      await b.close();
      await sa.close();
      await sb.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('surface plug-in', () => {
  it('setSurface and setSurfaceFactory swap a surface in one line', async () => {
    const s = new SqliteStorage({ path: ':memory:' });
    await s.init();
    await seedToy(s);
    const e = await Engine.open(s, { rebuildIntervalMs: 0 });
    try {
      e.setSurface('related', { name: 'related', recommend: async (req) => [{ pin: req.queryPins[0]!, score: 7, sources: ['fake'], parts: {} }] });
      expect((await e.relatedPins('b', { ...page, explain: true })).items).toEqual([{ id: 'b', score: 7, sources: ['fake'], parts: {} }]);
      const built: number[] = [];
      e.setSurfaceFactory('related', (g) => {
        built.push(g.numEdges);
        return { name: 'related', recommend: async () => [{ pin: 0, score: g.numEdges, sources: ['f'], parts: {} }] };
      });
      expect((await e.relatedPins('b', page)).items[0]!.score).toBe(6);
      await e.addSaves([{ pin: 'z', board: 'B1', createdAt: 1 }]);
      expect((await e.relatedPins('b', page)).items[0]!.score).toBe(7); // rebuilt on the new graph
      expect(built).toEqual([6, 7]);
    } finally {
      await e.close();
      await s.close();
    }
  });
});
