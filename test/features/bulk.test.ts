import { gunzipSync, gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { makeApp, type TestApp } from '../server/helpers.js';
import { ids } from './helpers.js';

let t: TestApp | null = null;
afterEach(async () => {
  await t?.close();
  t = null;
});

const jsonl = (rows: object[]): string => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

describe('bulk via the API', () => {
  it('imports JSONL and gzip bodies, the graph sees them, export streams them back', async () => {
    t = await makeApp({ seed: false });
    const pins = Array.from({ length: 50 }, (_, i) => ({ id: `q${i}`, locale: 'en' }));
    const r1 = await t.app.inject({ method: 'POST', url: '/v1/bulk/pins', headers: { 'content-type': 'application/x-ndjson' }, payload: jsonl(pins) });
    expect(r1.statusCode).toBe(200);
    expect(r1.json()).toMatchObject({ kind: 'pins', lines: 50, rows: 50 });
    const saves = pins.map((p, i) => ({ pin: p.id, board: `G${i % 5}`, createdAt: 1 }));
    const r2 = await t.app.inject({ method: 'POST', url: '/v1/bulk/saves', headers: { 'content-type': 'application/gzip' }, payload: gzipSync(jsonl(saves)) });
    expect(r2.json()).toMatchObject({ kind: 'saves', rows: 50 });
    // q0 shares board G0 with q5, q10, ...: the rebuilt graph serves them at once
    const rel = await t.app.inject({ method: 'GET', url: '/v1/pins/q0/related?limit=100' });
    expect(ids(rel.json()).sort()).toEqual(['q10', 'q15', 'q20', 'q25', 'q30', 'q35', 'q40', 'q45', 'q5']);
    const ex = await t.app.inject({ method: 'GET', url: '/v1/bulk/pins' });
    expect(ex.headers['content-type']).toMatch(/application\/x-ndjson/);
    const back = ex.body.trim().split('\n').map((l) => JSON.parse(l));
    expect(back).toHaveLength(50);
    expect(back.find((p: { id: string }) => p.id === 'q7')).toMatchObject({ id: 'q7', locale: 'en' });
    const gz = await t.app.inject({ method: 'GET', url: '/v1/bulk/saves?gzip=true' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.rawPayload).toString().trim().split('\n')).toHaveLength(50);
    // idempotent: the same events twice count as duplicates
    const evs = jsonl([{ eventId: 'x1', user: 'u', pin: 'q1', action: 'click', surface: 'related', platform: 'web', position: 0, timestamp: 5 }]);
    await t.app.inject({ method: 'POST', url: '/v1/bulk/events', headers: { 'content-type': 'application/x-ndjson' }, payload: evs });
    const again = await t.app.inject({ method: 'POST', url: '/v1/bulk/events', headers: { 'content-type': 'application/x-ndjson' }, payload: evs });
    expect(again.json()).toMatchObject({ inserted: 0, duplicates: 1 });
  });

  it('bad input: the line is named, rows before it stay; wrong kind and content type', async () => {
    t = await makeApp({ seed: false });
    const body = jsonl([{ id: 'ok1' }, { id: 'ok2' }]) + '{"id": "bad", "colour": 1}\n';
    const r = await t.app.inject({ method: 'POST', url: '/v1/bulk/pins?batch_size=1', headers: { 'content-type': 'application/x-ndjson' }, payload: body });
    expect(r.statusCode).toBe(400);
    expect(r.json().message).toBe('body:3: Unrecognized key: "colour" (rows before line 3 are committed)');
    expect(r.json().field).toBe('line 3');
    expect(await t.storage.getPin('ok2')).not.toBeNull();
    const k = await t.app.inject({ method: 'GET', url: '/v1/bulk/widgets' });
    expect(k.json()).toMatchObject({ field: 'kind', message: 'params kind: unknown bulk kind "widgets" (expected pins, boards, saves, events)' });
    const j = await t.app.inject({ method: 'POST', url: '/v1/bulk/pins', payload: { id: 'x' } });
    expect(j.statusCode).toBe(415);
    expect(j.json().message).toMatch(/application\/x-ndjson/);
  });
});
