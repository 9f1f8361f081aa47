import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEvalReport } from '../../src/server/console.js';
import { makeConsoleApp, type ConsoleServer } from './fixture.js';

let t: ConsoleServer;
// a stand-in build, so this file does not depend on (or race with) web/dist
const web = mkdtempSync(join(tmpdir(), 'bw-web-'));
beforeAll(async () => {
  writeFileSync(join(web, 'index.html'), '<!doctype html><title>boardwalk console</title><p>stand-in');
  writeFileSync(join(web, 'app.js'), 'console.log(1)');
  process.env['BOARDWALK_WEB_DIR'] = web;
  t = await makeConsoleApp();
});
afterAll(async () => {
  await t.close();
  rmSync(web, { recursive: true, force: true });
  delete process.env['BOARDWALK_WEB_DIR'];
});

async function get(url: string): Promise<{ status: number; body: any }> {
  // any: bodies are checked field by field
  const r = await t.app.inject({ method: 'GET', url });
  return { status: r.statusCode, body: String(r.headers['content-type'] ?? '').startsWith('application/json') ? r.json() : r.body };
}

describe('console endpoints', () => {
  it('overview reports the graph', async () => {
    const r = await get('/console/api/overview');
    expect(r.status).toBe(200);
    // 3 topics × 12 pins; 12 boards; 3 × 4 × 8 saves + 1 bridge
    expect(r.body).toMatchObject({ storage: 'sqlite', pins: 36, boards: 12, edges: 97 });
  });

  it('text search ranks pins by their words; an exact id comes first', async () => {
    const r = await get('/console/api/pins/search?q=sourdough&limit=10');
    expect(r.status).toBe(200);
    const ids = r.body.items.map((x: { id: string }) => x.id);
    // "sourdough" is word 2 of the baking topic: pins k2, k5 (first word) and k2/k8… by (i*5+1)%6
    expect(ids.length).toBeGreaterThan(0);
    for (const it of r.body.items) {
      expect(it.id.startsWith('k')).toBe(true);
      expect(`${it.text} ${it.annotations.join(' ')}`.toLowerCase()).toContain('sourdough');
      expect(it.match).toBe('text');
    }
    const byId = await get('/console/api/pins/search?q=h3');
    expect(byId.body.items[0]).toMatchObject({ id: 'h3', match: 'id', score: null, locale: 'en', annotations: ['summit', 'backpack'] });
    expect((await get('/console/api/pins/search?q=zzzz')).body.items).toEqual([]);
  });

  it('pin cards in bulk, unknown ids listed as missing', async () => {
    const r = await get('/console/api/pins?ids=h0,k1,nope');
    expect(r.body.items.map((x: { id: string }) => x.id)).toEqual(['h0', 'k1']);
    expect(r.body.missing).toEqual(['nope']);
    expect(r.body.items[1]).toMatchObject({ text: 'Baking bread idea 1', locale: 'fr' });
    expect(r.body.items[0].boards).toBeGreaterThan(0);
  });

  it('PinnerSage clusters separate the user’s two interests', async () => {
    const r = await get('/console/api/users/u1/clusters');
    expect(r.status).toBe(200);
    // 7 engagements (the impression does not count): 4 hiking pins, 3 baking pins
    expect(r.body.interest_actions).toBe(7);
    expect(r.body.actions[0]).toMatchObject({ pin: 'g3', action: 'impression' });
    const cs = r.body.clusters;
    expect(cs).toHaveLength(2);
    expect([...cs[0].pins].sort()).toEqual(['h1', 'h2', 'h3', 'h5']);
    expect([...cs[1].pins].sort()).toEqual(['k2', 'k3', 'k4']);
    expect(cs[0].pins).toContain(cs[0].medoid.id);
    expect(cs[1].pins).toContain(cs[1].medoid.id);
    expect(cs[0].medoid.text).toBeTypeOf('string');
    // importance = Σ exp(−0.01·age in days); ages are hours, so ≈ number of actions
    expect(cs[0].importance).toBeCloseTo(4, 1);
    expect(cs[1].importance).toBeCloseTo(3, 1);
    expect(cs[0].share + cs[1].share).toBeCloseTo(1, 9);
  });

  it('a known user without actions has no clusters; an unknown user is a 404', async () => {
    expect((await get('/console/api/users/u2/clusters')).body.clusters).toEqual([]);
    const r = await get('/console/api/users/nobody/clusters');
    expect(r.status).toBe(404);
    expect(r.body.message).toBe('unknown user: "nobody"');
  });

  it('eval report and published figures', async () => {
    const r = await get('/console/api/eval');
    expect(r.body.error).toBeNull();
    expect(r.body.report.rows).toHaveLength(3);
    expect(r.body.published.lastfm.find((f: { method: string }) => f.method === 'CFNet')).toMatchObject({ hr: 0.8995, ndcg: 0.6186 });
  });

  it('bad input is a 400 naming the field', async () => {
    const r1 = await get('/console/api/pins/search?q=');
    expect(r1.status).toBe(400);
    expect(r1.body.field).toBe('q');
    const r2 = await get('/console/api/pins/search?q=a&limit=0');
    expect(r2.status).toBe(400);
    expect(r2.body.field).toBe('limit');
    const many = Array.from({ length: 201 }, (_, i) => `p${i}`).join(',');
    const r3 = await get(`/console/api/pins?ids=${many}`);
    expect(r3.status).toBe(400);
    expect(r3.body.message).toContain('at most 200');
  });

  it('serves the console under /console/ and redirects / there', async () => {
    const root = await t.app.inject({ method: 'GET', url: '/' });
    expect(root.statusCode).toBe(302);
    expect(root.headers.location).toBe('/console/');
    const page = await t.app.inject({ method: 'GET', url: '/console/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.body).toContain('stand-in');
    const js = await t.app.inject({ method: 'GET', url: '/console/app.js' });
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toContain('javascript');
    expect((await t.app.inject({ method: 'GET', url: '/console/missing.js' })).statusCode).toBe(404);
  });

  it('without a build, /console/ says how to build it', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'bw-web-empty-'));
    process.env['BOARDWALK_WEB_DIR'] = empty;
    const u = await makeConsoleApp({ evalReport: false });
    try {
      const page = await u.app.inject({ method: 'GET', url: '/console/' });
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('npm run build:web');
      // no report file: the endpoint says where it looked
      const e = (await u.app.inject({ method: 'GET', url: '/console/api/eval' })).json();
      expect(e.report).toBeNull();
      expect(e.file).toBe(join(u.dataDir, 'eval-report.json'));
    } finally {
      await u.close();
      process.env['BOARDWALK_WEB_DIR'] = web;
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('readEvalReport', () => {
  it('names what is wrong with a file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bw-eval-'));
    try {
      const f = join(dir, 'r.json');
      writeFileSync(f, '{"k": 10, "rows": [{"dataset": "lastfm", "method": "pixie", "hr": "x"}]}');
      expect(() => readEvalReport(f)).toThrow(/rows\.0 needs dataset, method, hr and ndcg/);
      writeFileSync(f, '[1,2]');
      expect(() => readEvalReport(f)).toThrow(/needs k and rows/);
      writeFileSync(f, '{');
      expect(() => readEvalReport(f)).toThrow(/eval report .*r\.json/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
