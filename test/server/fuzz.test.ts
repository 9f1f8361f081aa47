import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fastEvents } from '../../src/server/fast-events.js';
import { eventsBody, toMs } from '../../src/server/schemas.js';
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

  it('the events fast path accepts only what the zod schema accepts, with the same result', () => {
    const schema = eventsBody(4);
    let accepted = 0;
    // mostly valid fields, now and then a bad one, so both paths are exercised
    const w = <T, U>(good: fc.Arbitrary<T>, bad: fc.Arbitrary<U>) => fc.oneof({ arbitrary: good, weight: 12 }, { arbitrary: bad, weight: 1 });
    const valid = fc.record(
      {
        event_id: w(fc.string({ minLength: 1, maxLength: 3 }), fc.constantFrom('', 5)),
        user: w(fc.constantFrom('u1', 'u2'), fc.constant(null)),
        pin: w(fc.constantFrom('a', 'b'), fc.constant(['a'])),
        action: w(fc.constantFrom('impression', 'click', 'save', 'hide'), fc.constant('like')),
        surface: w(fc.constant('related'), fc.constant('')),
        platform: w(fc.constantFrom('web', 'ios'), fc.constant('tv')),
        position: w(fc.integer({ min: 0, max: 5 }), fc.constantFrom(-1, 1.5, 2_000_000, '3')),
        timestamp: w(fc.integer({ min: 0, max: 5 }), fc.constantFrom(-1, '2024-01-01T00:00:00Z', 'soon', Number.MAX_VALUE)),
        query_pin: w(fc.string({ minLength: 1, maxLength: 2 }), fc.constant('')),
        board: w(fc.constant('B1'), fc.constant(7)),
        extra: fc.constant(1),
      },
      { requiredKeys: ['event_id', 'user', 'pin', 'action', 'surface', 'position', 'timestamp'] },
    ).map((e) => {
      // the extra key only now and then
      const { extra, ...rest } = e as Record<string, unknown>;
      return JSON.stringify(rest).length % 7 === 0 && extra !== undefined ? e : rest;
    });
    fc.assert(
      fc.property(fc.oneof({ arbitrary: fc.record({ events: fc.array(valid, { minLength: 1, maxLength: 5 }) }), weight: 9 }, { arbitrary: fc.jsonValue(), weight: 1 }), (body) => {
        const fast = fastEvents(body, 4);
        const slow = schema.safeParse(body);
        if (fast === null) return;
        accepted++;
        expect(slow.success).toBe(true);
        const want = slow.data!.events.map((e) => {
          const x: Record<string, unknown> = { eventId: e.event_id, user: e.user, pin: e.pin, action: e.action, surface: e.surface, platform: e.platform, position: e.position, timestamp: toMs(e.timestamp) };
          if (e.query_pin !== undefined) x['queryPin'] = e.query_pin;
          if (e.board !== undefined) x['board'] = e.board;
          return x;
        });
        expect(fast).toEqual(want);
      }),
      { numRuns: 2000, seed: 5 },
    );
    expect(accepted).toBeGreaterThan(50); // the property was exercised
    // and it does take the common case
    expect(fastEvents({ events: [{ event_id: 'x', user: 'u', pin: 'p', action: 'click', surface: 's', position: 0, timestamp: 1 }] }, 4)).not.toBeNull();
  });

  it('the server still answers correctly afterwards', async () => {
    const r = await t.app.inject({ method: 'POST', url: '/v1/events', payload: { events: [ev(99999)] } });
    expect(r.statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
  });
});
