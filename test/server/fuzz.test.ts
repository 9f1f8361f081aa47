import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ev, makeApp, type TestApp } from './helpers.js';

let t: TestApp;
beforeAll(async () => {
  t = await makeApp();
});
afterAll(async () => {
  await t.close();
});

const POSTS = ['/v1/pins', '/v1/boards', '/v1/users', '/v1/saves', '/v1/events'];
const GETS = ['/v1/pins/a/related', '/v1/users/u1/homefeed', '/v1/boards/B1/related'];

/** Values shaped like real bodies, with fields of the wrong type or out of range mixed in. */
const nearEvent = fc.record(
  {
    event_id: fc.oneof(fc.string(), fc.integer(), fc.constant(null)),
    user: fc.oneof(fc.constantFrom('u1', 'a', ''), fc.string(), fc.array(fc.string())),
    pin: fc.oneof(fc.constantFrom('a', 'b', 'zz'), fc.string({ maxLength: 300 })),
    action: fc.oneof(fc.constantFrom('impression', 'click', 'long_click', 'closeup', 'save', 'hide'), fc.string()),
    surface: fc.oneof(fc.constant('related'), fc.string()),
    platform: fc.oneof(fc.constantFrom('web', 'ios', 'android'), fc.string()),
    position: fc.oneof(fc.integer(), fc.double(), fc.string()),
    timestamp: fc.oneof(fc.integer({ min: -5, max: 2e12 }), fc.string(), fc.constant('2024-01-01T00:00:00Z')),
    board: fc.oneof(fc.constant('B1'), fc.string()),
    query_pin: fc.string(),
  },
  { requiredKeys: [] },
);

const body = fc.oneof(
  fc.jsonValue(),
  fc.record({ events: fc.array(nearEvent, { maxLength: 5 }) }),
  fc.record({ events: fc.array(fc.jsonValue(), { maxLength: 3 }) }),
  fc.record({ pins: fc.array(fc.record({ id: fc.string(), locale: fc.string(), created_at: fc.oneof(fc.string(), fc.double()), embeddings: fc.jsonValue() }, { requiredKeys: [] }), { maxLength: 3 }) }),
  fc.record({ saves: fc.array(fc.record({ pin: fc.string(), board: fc.string(), created_at: fc.jsonValue() }, { requiredKeys: [] }), { maxLength: 3 }) }),
);

describe('fuzzed requests never cause a 500 or a crash', () => {
  it('JSON bodies', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...POSTS), body, async (url, payload) => {
        const r = await t.app.inject({ method: 'POST', url, payload: JSON.stringify(payload), headers: { 'content-type': 'application/json' } });
        expect(r.statusCode, `${url} ${JSON.stringify(payload)} -> ${r.body}`).toBeLessThan(500);
        if (r.statusCode === 400) expect(r.json().message).toBeTypeOf('string');
      }),
      { numRuns: 300, seed: 42 },
    );
  });

  it('raw bytes and odd content types', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...POSTS, '/v1/saves'),
        fc.oneof(fc.string(), fc.constant('{"events": [}'), fc.constant('{"__proto__": {"x": 1}}'), fc.constant('')),
        fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded'),
        async (url, payload, ct) => {
          const r = await t.app.inject({ method: 'POST', url, payload, headers: { 'content-type': ct } });
          expect(r.statusCode, `${url} ${ct} ${JSON.stringify(payload)} -> ${r.body}`).toBeLessThan(500);
        },
      ),
      { numRuns: 150, seed: 7 },
    );
  });

  it('query strings and path ids', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...GETS),
        fc.dictionary(fc.constantFrom('limit', 'cursor', 'exclude_seen', 'explain', 'locale', 'user', 'x'), fc.string(), { maxKeys: 4 }),
        fc.string({ maxLength: 20 }),
        async (path, q, id) => {
          const url = `${path.replace(/\/(a|u1|B1)\//, `/${encodeURIComponent(id) || 'a'}/`)}?${new URLSearchParams(q).toString()}`;
          const r = await t.app.inject({ method: 'GET', url });
          expect(r.statusCode, `${url} -> ${r.body}`).toBeLessThan(500);
        },
      ),
      { numRuns: 300, seed: 3 },
    );
  });

  it('the server still answers correctly afterwards', async () => {
    const r = await t.app.inject({ method: 'POST', url: '/v1/events', payload: { events: [ev(99999)] } });
    expect(r.statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
  });
});
