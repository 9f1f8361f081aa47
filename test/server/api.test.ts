import { afterEach, describe, expect, it } from 'vitest';
import { ev, makeApp, type TestApp } from './helpers.js';

let t: TestApp | null = null;
afterEach(async () => {
  await t?.close();
  t = null;
});

async function get(path: string): Promise<{ status: number; body: any }> {
  // any: test bodies are checked field by field
  const r = await t!.app.inject({ method: 'GET', url: path });
  return { status: r.statusCode, body: r.json() };
}

async function send(method: 'POST' | 'DELETE', path: string, payload: unknown): Promise<{ status: number; body: any }> {
  const r = await t!.app.inject({ method, url: path, payload: payload as object });
  return { status: r.statusCode, body: r.json() };
}

describe('recommendations', () => {
  it('related pins come from the query pin’s neighbourhood, with explain and pagination', async () => {
    t = await makeApp();
    const r = await get('/v1/pins/a/related?explain=true');
    expect(r.status).toBe(200);
    const ids = r.body.items.map((x: { id: string }) => x.id);
    expect(new Set(ids)).toEqual(new Set(['b', 'c', 'd']));
    // b and c share a's board, d is two hops away
    expect(ids.indexOf('d')).toBe(2);
    expect(r.body.items[0].sources).toEqual(['pixie']);
    expect(r.body.items[0].parts.pixie).toBe(r.body.items[0].score);
    expect(r.body.next_cursor).toBeNull();
    const p1 = await get('/v1/pins/a/related?limit=2');
    expect(p1.body.items.map((x: { id: string }) => x.id)).toEqual(ids.slice(0, 2));
    expect(p1.body.items[0].sources).toBeUndefined();
    const p2 = await get(`/v1/pins/a/related?limit=2&cursor=${p1.body.next_cursor}`);
    expect(p2.body.items.map((x: { id: string }) => x.id)).toEqual(ids.slice(2));
    expect(p2.body.next_cursor).toBeNull();
    // deterministic: same request, same answer
    expect((await get('/v1/pins/a/related?explain=true')).body).toEqual(r.body);
  });

  it('filters by locale', async () => {
    t = await makeApp();
    const r = await get('/v1/pins/a/related?locale=fr');
    expect(r.body.items.map((x: { id: string }) => x.id)).toEqual(['b']);
  });

  it('related boards rank boards by walk visits and leave out the source board', async () => {
    t = await makeApp();
    const r = await get('/v1/boards/B1/related?explain=true');
    expect(r.status).toBe(200);
    expect(r.body.items.map((x: { id: string }) => x.id)).toEqual(['B2']);
    expect(r.body.items[0].parts.boardVisits).toBeGreaterThan(0);
    expect((await get('/v1/boards/B3/related')).body.items).toEqual([]);
  });

  it('home feed walks from the user’s recent pins; exclude_seen and hides apply', async () => {
    t = await makeApp();
    expect((await send('POST', '/v1/events', { events: [ev(1, { pin: 'd', action: 'save' }), ev(2, { pin: 'b', action: 'hide' })] })).status).toBe(200);
    const r = await get('/v1/users/u1/homefeed');
    const ids = r.body.items.map((x: { id: string }) => x.id);
    // walks from d reach c and a (b is hidden, d is the query pin); e is unreachable and only tops up
    expect(ids).toEqual(['c', 'a', 'e']);
    const ex = (await get('/v1/users/u1/homefeed?explain=true')).body.items;
    expect(ex.map((x: { sources: string[] }) => x.sources[0])).toEqual(['pixie', 'pixie', 'popular']);
    await send('POST', '/v1/events', { events: [ev(3, { pin: 'c', action: 'impression' })] });
    const seen = await get('/v1/users/u1/homefeed?exclude_seen=true');
    expect(seen.body.items.map((x: { id: string }) => x.id)).not.toContain('c');
  });

  it('a known user with no actions gets popular pins; unknown ids are 404', async () => {
    t = await makeApp();
    await send('POST', '/v1/users', { users: [{ id: 'new' }] });
    const r = await get('/v1/users/new/homefeed?explain=true');
    expect(r.status).toBe(200);
    expect(r.body.items[0]).toMatchObject({ id: 'c', score: 2, sources: ['popular'] }); // c is on two boards
    const u = await get('/v1/users/ghost/homefeed');
    expect(u.status).toBe(404);
    expect(u.body.message).toBe('unknown user: "ghost"');
    expect((await get('/v1/pins/zz/related')).body.message).toBe('unknown pin: "zz"');
    expect((await get('/v1/boards/zz/related')).status).toBe(404);
  });

  it('bad parameters are 400 naming the field', async () => {
    t = await makeApp();
    for (const [q, field] of [
      ['limit=0', 'limit'],
      ['limit=abc', 'limit'],
      ['limit=101', 'limit'],
      ['explain=yes', 'explain'],
      ['cursor=xyz', 'cursor'],
      ['bogus=1', 'query'],
      ['exclude_seen=true', 'exclude_seen'],
    ]) {
      const r = await get(`/v1/pins/a/related?${q}`);
      expect(r.status, q).toBe(400);
      expect(r.body.field, q).toBe(field);
    }
  });
});

describe('writes', () => {
  it('events: stored whole, idempotent by id, bad ones rejected whole with the field named', async () => {
    t = await makeApp();
    const batch = [ev(1), ev(2), ev(3, { action: 'closeup', platform: 'ios', query_pin: 'b', request_id: 'r1' })];
    expect((await send('POST', '/v1/events', { events: batch })).body).toEqual({ inserted: 3, duplicates: 0 });
    expect((await send('POST', '/v1/events', { events: batch })).body).toEqual({ inserted: 0, duplicates: 3 });
    const bad = await send('POST', '/v1/events', { events: [ev(10), ev(11, { action: 'like' })] });
    expect(bad.status).toBe(400);
    expect(bad.body.field).toBe('events.1.action');
    const badType = await send('POST', '/v1/events', { events: [ev(12, { position: '3' })] });
    expect(badType.body.field).toBe('events.0.position');
    const big = await send('POST', '/v1/events', { events: Array.from({ length: 51 }, (_, i) => ev(100 + i)) });
    expect(big.status).toBe(400);
    expect(big.body.field).toBe('events');
    expect(await t.storage.countEvents()).toBe(3);
    expect(await t.storage.hasEvent('e10')).toBe(false);
    const pin = await get('/v1/pins/a');
    expect(pin.body.counters).toEqual({ click: 2, closeup: 1 });
  });

  it('saves update the live graph at once; removal takes the edge away', async () => {
    t = await makeApp({ engine: { mergeDelayMs: 10_000 } });
    expect((await get('/v1/pins/f/related')).status).toBe(404);
    const w = await send('POST', '/v1/saves', { saves: [{ pin: 'f', board: 'B3' }] });
    expect(w.body).toMatchObject({ ok: true, count: 1 });
    const r = await get('/v1/pins/f/related');
    expect(r.status).toBe(200);
    expect(r.body.items.map((x: { id: string }) => x.id)).toEqual(['e']);
    await send('DELETE', '/v1/saves', { saves: [{ pin: 'f', board: 'B3' }] });
    expect((await get('/v1/pins/f/related')).body.items).toEqual([]);
    // a save event with a board saves too
    await send('POST', '/v1/events', { events: [ev(1, { pin: 'g', action: 'save', board: 'B3' })] });
    expect((await get('/v1/pins/g/related')).body.items.map((x: { id: string }) => x.id)).toEqual(['e']);
    const bad = await send('POST', '/v1/events', { events: [ev(2, { board: 'B3' })] });
    expect(bad.body.field).toBe('events.0.board');
  });

  it('catalogue upserts are validated and new pins are servable', async () => {
    t = await makeApp();
    const ok = await send('POST', '/v1/pins', {
      pins: [{ id: 'n1', text: 'hello', locale: 'de', created_at: '2024-01-02T03:04:05Z', embeddings: { v: [0.5, 1] } }],
    });
    expect(ok.status).toBe(200);
    expect((await get('/v1/pins/n1')).body).toEqual({
      id: 'n1',
      text: 'hello',
      locale: 'de',
      created_at: Date.parse('2024-01-02T03:04:05Z'),
      embeddings: { v: [0.5, 1] },
      counters: {},
    });
    expect((await get('/v1/pins/n1/related')).body.items).toEqual([]); // known, no boards yet
    const bad = await send('POST', '/v1/pins', { pins: [{ id: 'n2', created_at: 'yesterday' }] });
    expect(bad.body.field).toBe('pins.0.created_at');
    expect((await send('POST', '/v1/pins', { pins: [{ id: 'x', colour: 'red' }] })).body.field).toBe('pins.0');
    expect((await send('POST', '/v1/saves', { saves: [] })).body.field).toBe('saves');
  });
});

describe('operations', () => {
  it('health, readiness, metrics and the OpenAPI document', async () => {
    t = await makeApp();
    expect((await get('/healthz')).body).toEqual({ status: 'ok' });
    expect((await get('/readyz')).body).toMatchObject({ status: 'ready', storage: 'sqlite', pins: 5, boards: 3, edges: 6 });
    await get('/v1/pins/a/related');
    await get('/v1/pins/a/related');
    const m = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(m.body).toMatch(/boardwalk_http_request_duration_seconds_count\{method="GET",route="\/v1\/pins\/:id\/related",status="200"\} 2/);
    expect(m.body).toMatch(/boardwalk_walk_steps_total\{surface="related"\} [1-9]/);
    expect(m.body).toMatch(/boardwalk_cache_requests_total\{surface="related",result="hit"\} 1/);
    expect(m.body).toMatch(/boardwalk_candidates_total\{source="pixie"\} 3/);
    const doc = (await get('/docs/openapi.json')).body;
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toContain('/v1/pins/{id}/related');
    expect(doc.paths['/v1/events'].post.requestBody.content['application/json'].schema.properties.events.maxItems).toBe(50);
    expect((await get('/nope')).status).toBe(404);
  });
});
