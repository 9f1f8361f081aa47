import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_FEATURES } from '../../src/server/config.js';
import { ev, makeApp, type TestApp } from '../server/helpers.js';
import { SqliteStorage } from '../../src/storage/sqlite.js';
import { ids, seedChain } from './helpers.js';

let t: TestApp | null = null;
afterEach(async () => {
  await t?.close();
  t = null;
});

// any: response bodies are checked field by field
async function get(url: string): Promise<{ status: number; body: any }> {
  const r = await t!.app.inject({ method: 'GET', url });
  return { status: r.statusCode, body: r.json() };
}
async function post(url: string, payload: object): Promise<{ status: number; body: any }> {
  const r = await t!.app.inject({ method: 'POST', url, payload });
  return { status: r.statusCode, body: r.json() };
}

async function chainApp(features = DEFAULT_FEATURES): Promise<TestApp> {
  const storage = new SqliteStorage({ path: ':memory:' });
  await storage.init();
  await seedChain(storage);
  return makeApp({ storage, seed: false, config: { features } });
}

describe('pagination over the served set', () => {
  it('page 2 never repeats page 1 even when saves change the scores in between', async () => {
    t = await chainApp();
    const p1 = await get('/v1/pins/p0/related?limit=5');
    expect(p1.status).toBe(200);
    expect(p1.body.items).toHaveLength(5);
    expect(p1.body.request_id).toMatch(/^[0-9a-f-]{36}$/);
    // new saves tie p0 to the far end of the chain: the ranking changes under the cursor
    expect((await post('/v1/saves', { saves: ['p0', 'p25', 'p26', 'p27', 'p28', 'p29', ...ids(p1.body)].map((pin) => ({ pin, board: 'NEW' })) })).status).toBe(200);
    const fresh = await get('/v1/pins/p0/related?limit=5');
    const p2 = await get(`/v1/pins/p0/related?limit=5&cursor=${encodeURIComponent(p1.body.next_cursor)}`);
    expect(p2.status).toBe(200);
    expect(p2.body.graph_version).toBeGreaterThan(p1.body.graph_version);
    expect(p2.body.request_id).toBe(p1.body.request_id);
    const seen = new Set(ids(p1.body));
    for (const id of ids(p2.body)) expect(seen.has(id), id).toBe(false);
    // without the cursor the new ranking would have repeated page-1 pins
    expect(ids(fresh.body).some((id) => seen.has(id))).toBe(true);
    // walking every page: no duplicates, all reachable pins
    const all = [...ids(p1.body), ...ids(p2.body)];
    let c = p2.body.next_cursor;
    while (c) {
      const p = await get(`/v1/pins/p0/related?limit=5&cursor=${encodeURIComponent(c)}`);
      all.push(...ids(p.body));
      c = p.body.next_cursor;
    }
    expect(new Set(all).size).toBe(all.length);
    expect(all).not.toContain('p0');
    expect(all.length).toBeGreaterThanOrEqual(20);
  });

  it('cursors are bound to their request and signed', async () => {
    t = await chainApp();
    const p1 = await get('/v1/pins/p0/related?limit=3');
    const c = encodeURIComponent(p1.body.next_cursor);
    const other = await get(`/v1/pins/p1/related?limit=3&cursor=${c}`);
    expect(other).toMatchObject({ status: 400, body: { field: 'cursor', message: 'query cursor: cursor belongs to a different request' } });
    expect((await get(`/v1/pins/p0/related?limit=3&locale=en&cursor=${c}`)).body.field).toBe('cursor');
    // flip the signature's first character (the last one carries padding bits that decode alike)
    const cur: string = p1.body.next_cursor;
    const dot = cur.indexOf('.');
    const forged = cur.slice(0, dot + 1) + (cur[dot + 1] === 'A' ? 'B' : 'A') + cur.slice(dot + 2);
    expect((await get(`/v1/pins/p0/related?limit=3&cursor=${encodeURIComponent(forged)}`)).body.message).toMatch(/signature is invalid/);
  });
});

describe('filters and rules at request time', () => {
  it('exclude= drops the named pins; bad entries are 400', async () => {
    t = await chainApp();
    const r = await get('/v1/pins/p0/related?limit=100&exclude=p1,p2');
    expect(ids(r.body)).not.toContain('p1');
    expect(ids(r.body)).not.toContain('p2');
    expect(ids(r.body)).toContain('p3');
    const bad = await get('/v1/pins/p0/related?exclude=p1,,p2');
    expect(bad).toMatchObject({ status: 400, body: { field: 'exclude', message: 'exclude: exclude[1] must be a non-empty string pin id, got ""' } });
  });

  it('seen and hidden pins are left out of the home feed by default; exclude_seen=false keeps seen ones', async () => {
    t = await chainApp();
    await post('/v1/events', { events: [ev(1, { pin: 'p1', action: 'save' }), ev(2, { pin: 'p5', action: 'impression' }), ev(3, { pin: 'p3', action: 'hide' })] });
    const def = ids((await get('/v1/users/u1/homefeed?limit=100')).body);
    expect(def).not.toContain('p5');
    expect(def).not.toContain('p3');
    expect(def).toContain('p4');
    const all = ids((await get('/v1/users/u1/homefeed?limit=100&exclude_seen=false')).body);
    expect(all).toContain('p5');
    expect(all).not.toContain('p3'); // hidden always goes
    // related pins with a viewer: same default
    expect(ids((await get('/v1/pins/p0/related?limit=100&user=u1')).body)).not.toContain('p5');
    expect(ids((await get('/v1/pins/p0/related?limit=100&user=u1&exclude_seen=false')).body)).toContain('p5');
  });

  it('rules from the query and from the rules file; errors name line and column', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bw-rules-'));
    try {
      const file = join(dir, 'rules.txt');
      writeFileSync(file, '# no French pins\nlocale == "fr" -> drop\n');
      t = await chainApp({ ...DEFAULT_FEATURES, rulesFile: file });
      const r = ids((await get('/v1/pins/p0/related?limit=100')).body);
      expect(r.length).toBeGreaterThan(5);
      for (const id of r) expect(Number(id.slice(1)) % 2, id).toBe(0);
      const boosted = await get(`/v1/pins/p0/related?limit=100&explain=true&rules=${encodeURIComponent('pin == "p16" -> boost 1000000')}`);
      expect(boosted.body.items[0]).toMatchObject({ id: 'p16' });
      expect(boosted.body.items[0].parts.rule_boost).toBe(1000000);
      const bad = await get(`/v1/pins/p0/related?rules=${encodeURIComponent('agee_days > 3 -> drop')}`);
      expect(bad.status).toBe(400);
      expect(bad.body.field).toBe('rules');
      expect(bad.body.message).toBe("rules: rule 1, col 1: unknown field 'agee_days' (did you mean 'age_days'?)");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('pins past their time to live are left out', async () => {
    // p_i was created at 1000·i ms: a TTL of 1 ms expires every pin
    t = await chainApp({ ...DEFAULT_FEATURES, pinTtlMs: 1 });
    expect((await get('/v1/pins/p0/related')).body.items).toEqual([]);
  });
});

describe('guest sessions', () => {
  it('recommends from several pins without a user; unknown pins are skipped, all unknown is 404', async () => {
    t = await chainApp();
    const r = await post('/v1/session/recommend', { pins: ['p0', 'p29', 'nope'], limit: 50 });
    expect(r.status).toBe(200);
    const got = ids(r.body);
    expect(got).toContain('p1'); // near p0
    expect(got).toContain('p28'); // near p29
    expect(got).not.toContain('p0');
    expect(got).not.toContain('p29');
    expect(r.body.unknown_pins).toEqual(['nope']);
    expect(await t.storage.getUser('nope')).toBeNull();
    // weights pull the list towards one end
    const w = await post('/v1/session/recommend', { pins: ['p0', 'p29'], weights: [10, 0.01], limit: 3 });
    for (const id of ids(w.body)) expect(Number(id.slice(1)), id).toBeLessThan(10);
    const none = await post('/v1/session/recommend', { pins: ['x', 'y'] });
    expect(none).toMatchObject({ status: 404, body: { message: 'unknown pins: "x, y"' } });
    expect((await post('/v1/session/recommend', { pins: [] })).body.field).toBe('pins');
    expect((await post('/v1/session/recommend', { pins: ['p0'], weights: [1, 2] })).body).toMatchObject({ field: 'weights' });
    // guest pages chain too
    const g1 = await post('/v1/session/recommend', { pins: ['p0'], limit: 4 });
    const g2 = await post('/v1/session/recommend', { pins: ['p0'], limit: 4, cursor: g1.body.next_cursor });
    expect(ids(g2.body).filter((x) => ids(g1.body).includes(x))).toEqual([]);
  });
});
