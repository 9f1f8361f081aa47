import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readBatches } from '../../src/bulk/index.js';
import { assignVariant } from '../../src/experiments/bucket.js';
import { parseExperiments } from '../../src/experiments/config.js';
import { experimentReport } from '../../src/experiments/report.js';
import { DEFAULT_FEATURES } from '../../src/server/config.js';
import type { EngagementEvent } from '../../src/storage/types.js';
import { SqliteStorage } from '../../src/storage/sqlite.js';
import { makeApp, type TestApp } from '../server/helpers.js';
import { ids, seedChain } from './helpers.js';

let t: TestApp | null = null;
let dir: string | null = null;
afterEach(async () => {
  await t?.close();
  t = null;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = null;
});

const EXP = {
  experiments: [
    {
      name: 'no-fr',
      variants: [
        { name: 'control', weight: 1 },
        // the treatment drops French pins and shows pages of 3
        { name: 'treatment', weight: 1, params: { rules: 'locale == "fr" -> drop', limit: 3 } },
      ],
    },
  ],
};

describe('experiments', () => {
  it('buckets each user, reports the variant, applies its params, and events feed the report', async () => {
    dir = mkdtempSync(join(tmpdir(), 'bw-exp-'));
    const file = join(dir, 'exp.json');
    writeFileSync(file, JSON.stringify(EXP));
    const storage = new SqliteStorage({ path: join(dir, 'db.sqlite') });
    await storage.init();
    await seedChain(storage);
    t = await makeApp({ storage, seed: false, config: { features: { ...DEFAULT_FEATURES, experimentsFile: file } } });
    const exp = parseExperiments(EXP)[0]!;
    const users = Array.from({ length: 40 }, (_, i) => `user${i}`);
    const ctl = users.find((u) => assignVariant(exp, u).name === 'control')!;
    const trt = users.find((u) => assignVariant(exp, u).name === 'treatment')!;
    const events: object[] = [];
    for (const [u, v] of [
      [ctl, 'control'],
      [trt, 'treatment'],
    ] as const) {
      await t.storage.upsertUsers([{ id: u }]);
      await t.storage.addSaves([{ pin: 'p0', board: 'B0', user: u, createdAt: 1 }]);
      const r = await t.app.inject({ method: 'GET', url: `/v1/pins/p0/related?user=${u}` });
      expect(r.statusCode).toBe(200);
      const body = r.json();
      expect(body.experiments).toEqual([{ experiment_id: 'no-fr', variant: v }]);
      const got = ids(body);
      if (v === 'treatment') {
        expect(got).toHaveLength(3); // the variant's page size (a request's own limit would win)
        for (const id of got) expect(Number(id.slice(1)) % 2, id).toBe(0);
      } else expect(got.some((id) => Number(id.slice(1)) % 2 === 1)).toBe(true);
      got.forEach((pin, i) => events.push({ event_id: `${u}-${i}`, user: u, pin, action: i === 0 ? 'click' : 'impression', surface: 'related', position: i, timestamp: 10 + i, experiment_id: 'no-fr', variant: v }));
    }
    // anonymous requests are not bucketed
    expect((await t.app.inject({ method: 'GET', url: '/v1/pins/p0/related' })).json().experiments).toBeUndefined();
    expect((await t.app.inject({ method: 'POST', url: '/v1/events', payload: { events } })).json().duplicates).toBe(0);
    const stored: EngagementEvent[] = [];
    for await (const b of readBatches(t.storage, 'events', {})) stored.push(...(b as EngagementEvent[]));
    expect(stored.every((e) => e.experimentId === 'no-fr' && (e.variant === 'control' || e.variant === 'treatment'))).toBe(true);
    const rep = await experimentReport(stored, { experiment: 'no-fr', control: 'control' });
    const byName = Object.fromEntries(rep.variants.map((v) => [v.variant, v]));
    expect(byName['treatment']!.users).toBe(1);
    expect(byName['control']!.clicks).toBe(1);
  });
});
