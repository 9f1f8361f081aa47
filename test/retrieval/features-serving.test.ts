import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { storageContentSource, storedUserContent } from '../../src/features/storage.js';
import { resolveRetrainConfig, runRetrain } from '../../src/jobs/retrain.js';
import { storageEngagementSource } from '../../src/jobs/storage-sources.js';
import { ModelStore } from '../../src/retrieval/model-store.js';
import { RetrievalService } from '../../src/retrieval/service.js';
import { buildApp } from '../../src/server/app.js';
import { DEFAULT_CONFIG } from '../../src/server/config.js';
import { Engine } from '../../src/serving/engine.js';
import { installFullSurfaces } from '../../src/serving/full-surfaces.js';
import { userQuery } from '../../src/serving/user-queries.js';
import { SqliteStorage } from '../../src/storage/sqlite.js';
import type { EngagementEvent, PinRecord, SaveRecord } from '../../src/storage/types.js';
import { Rng } from '../../src/util/rng.js';

const DAY = 86_400_000;

/**
 * The service end to end: a model retrained from storage with content features is served by the
 * home feed's two_tower source with the same encoding, including the user's stored profile, and a
 * pin posted after training is embedded from its content.
 */
describe('two-tower features in the service', () => {
  it('serves the stored profile and content through the model spec, and embeds a posted pin', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bw-ttserve-'));
    const storage = new SqliteStorage({ path: join(dir, 'boardwalk.sqlite') });
    await storage.init();
    const now = Date.now();
    const pins: PinRecord[] = [];
    for (let g = 0; g < 2; g++)
      for (let i = 0; i < 10; i++) pins.push({ id: `g${g}-${i}`, locale: g ? 'de' : 'en', createdAt: now - (i + 2) * DAY, annotations: [g ? 'dog' : 'cat'] });
    await storage.upsertPins(pins);
    await storage.upsertUsers(Array.from({ length: 20 }, (_, u) => ({ id: `u${u}`, locale: u % 2 ? 'de' : 'en', createdAt: now - (u + 1) * 40 * DAY })));
    const saves: SaveRecord[] = [];
    for (let g = 0; g < 2; g++) for (let i = 0; i < 10; i++) saves.push({ pin: `g${g}-${i}`, board: `b${g}-${i % 3}`, createdAt: 1 });
    await storage.addSaves(saves);
    const rng = new Rng(3);
    const events: EngagementEvent[] = [];
    for (let u = 0; u < 20; u++)
      for (let k = 0; k < 6; k++)
        events.push({ eventId: `e${u}-${k}`, user: `u${u}`, pin: `g${u % 2}-${rng.int(10)}`, action: k % 3 ? 'save' : 'click', surface: 'homefeed', platform: 'web', position: 0, timestamp: now - DAY + (u * 6 + k) * 1000 });
    await storage.appendEvents(events);

    const config = resolveRetrainConfig(undefined, {
      store: join(dir, 'models', 'two-tower'),
      model: { dim: 8, temperature: 0.2 },
      train: { epochs: 10, batchSize: 16, extraNegatives: 8, learningRate: 0.03, seed: 4 },
      gate: { k: 5, maxUsers: 100, holdoutMinEvents: 3, maxRegression: 1, minRecall: 0 },
    });
    const rep = await runRetrain(storageEngagementSource(storage), config, () => {}, { content: storageContentSource(storage) });
    expect(rep.published).toBe(true);

    const engine = await Engine.open(storage, { pixie: { steps: 2000 }, rebuildIntervalMs: 0, pollIntervalMs: 0 });
    const full = await installFullSurfaces(engine, { dataDir: dir, config: { homefeed: { quotas: { pixie: 0, two_tower: 60, pinnersage: 0, fresh_boards: 0 } } } });
    const app = buildApp({ engine, config: { ...DEFAULT_CONFIG, logLevel: 'silent', storage: { ...DEFAULT_CONFIG.storage, dataDir: dir } } });
    try {
      expect(full.info.artefacts['twoTower']).toContain(`features ${rep.features}`);
      // a pin posted after training, saved to a cat board, never engaged with
      expect((await app.inject({ method: 'POST', url: '/v1/pins', payload: { pins: [{ id: 'new-cat', locale: 'en', created_at: now, annotations: ['cat'] }] } })).statusCode).toBeLessThan(300);
      expect((await app.inject({ method: 'POST', url: '/v1/saves', payload: { saves: [{ pin: 'new-cat', board: 'b0-0' }] } })).statusCode).toBeLessThan(300);

      const r = await app.inject({ method: 'GET', url: '/v1/users/u0/homefeed?explain=true&limit=50&exclude_seen=false' });
      expect(r.statusCode).toBe(200);
      const items = (r.json() as { items: { id: string; sources: string[]; parts: Record<string, number> }[] }).items.filter((x) => x.sources.includes('two_tower'));
      expect(items.map((x) => x.id)).toContain('new-cat');

      // the served u·v is the serving model's own, with the user's stored profile
      const bundle = new ModelStore(config.store).load();
      const svc = new RetrievalService(bundle);
      const label = (id: string): number => bundle.pinIds!.indexOf(id);
      const q = userQuery(await storage.recentActions('u0', engine.config.recentActions), { halfLifeMs: engine.config.homefeedHalfLifeMs, maxPins: engine.config.homefeedQueryPins });
      const hist = q.pins.map(label);
      const user = await storedUserContent(storage, 'u0', bundle.model.config.features!.user.activityWindow);
      const pinContent = (p: number): PinRecord | undefined => pins.find((x) => x.id === bundle.pinIds![p]);
      const want = svc.retrieveContent({ history: hist, pinContent, user }, 40);
      const noProfile = svc.retrieveContent({ history: hist, pinContent }, 40);
      const byId = new Map(want.pins.map((p, i) => [bundle.pinIds![p]!, want.scores[i]!]));
      const without = new Map(noProfile.pins.map((p, i) => [bundle.pinIds![p]!, noProfile.scores[i]!]));
      const trained = items.filter((x) => byId.has(x.id));
      expect(trained.length).toBeGreaterThan(3);
      for (const x of trained) expect(x.parts['two_tower']).toBeCloseTo(byId.get(x.id)!, 5);
      // and the profile made a difference (so it did reach the generator)
      expect(trained.some((x) => Math.abs(x.parts['two_tower']! - without.get(x.id)!) > 1e-4)).toBe(true);

      // a user with u0's very actions (so the same query pins) but another profile gets a feed
      // of its own, not u0's cached one
      await storage.upsertUsers([{ id: 'twin', locale: 'de', createdAt: now - 2 * DAY }]);
      await storage.appendEvents(events.filter((e) => e.user === 'u0').map((e) => ({ ...e, eventId: `twin-${e.eventId}`, user: 'twin' })));
      const r2 = await app.inject({ method: 'GET', url: '/v1/users/twin/homefeed?explain=true&limit=50&exclude_seen=false' });
      expect(r2.statusCode).toBe(200);
      const twinItems = (r2.json() as { items: { id: string; sources: string[]; parts: Record<string, number> }[] }).items.filter((x) => x.sources.includes('two_tower'));
      const twin = await storedUserContent(storage, 'twin', bundle.model.config.features!.user.activityWindow);
      const twinWant = svc.retrieveContent({ history: hist, pinContent, user: twin }, 40);
      const twinById = new Map(twinWant.pins.map((p, i) => [bundle.pinIds![p]!, twinWant.scores[i]!]));
      const twinTrained = twinItems.filter((x) => twinById.has(x.id));
      expect(twinTrained.length).toBeGreaterThan(3);
      for (const x of twinTrained) expect(x.parts['two_tower']).toBeCloseTo(twinById.get(x.id)!, 5);
      expect(twinTrained.some((x) => byId.has(x.id) && Math.abs(x.parts['two_tower']! - byId.get(x.id)!) > 1e-4)).toBe(true);
    } finally {
      await app.close();
      await full.close();
      await engine.close();
      await storage.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
