import { describe, expect, it } from 'vitest';
import { CursorError, decodeCursor, encodeCursor, requestFingerprint } from '../../src/experiments/cursor.js';
import { MemoryServedSetStore, nextPage } from '../../src/experiments/served-set.js';

const SECRET = 'a-secret-of-32-bytes-for-tests!!';

describe('cursor', () => {
  const p = { requestId: 'req-1', page: 2, expiresAt: 10_000, bind: 'user=u1&surface=homefeed' };
  it('round-trips', () => {
    const t = encodeCursor(p, SECRET);
    expect(t).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(decodeCursor(t, SECRET, { now: 5000, bind: p.bind })).toEqual(p);
  });
  it('refuses forged, edited, expired and rebound cursors', () => {
    const t = encodeCursor(p, SECRET);
    expect(() => decodeCursor(t, 'another-secret-0123456789', { now: 0 })).toThrow(/signature is invalid/);
    const [body, sig] = t.split('.');
    const forged = Buffer.from(JSON.stringify({ r: 'req-1', p: 9, e: 10_000, b: p.bind })).toString('base64url');
    expect(() => decodeCursor(`${forged}.${sig}`, SECRET, { now: 0 })).toThrow(CursorError);
    expect(() => decodeCursor(`${body}`, SECRET, { now: 0 })).toThrow(/malformed/);
    expect(() => decodeCursor(t, SECRET, { now: 10_000 })).toThrow(/expired/);
    expect(() => decodeCursor(t, SECRET, { now: 0, bind: 'user=u2' })).toThrow(/different request/);
    expect(() => encodeCursor(p, 'short')).toThrow(/at least 16 bytes/);
    expect(() => encodeCursor({ ...p, page: 0 }, SECRET)).toThrow(/page must be/);
  });
});

describe('request fingerprint', () => {
  it('ignores key order and undefined, distinguishes values', () => {
    const a = requestFingerprint({ user: 'u1', surface: 'homefeed', pin: undefined });
    expect(requestFingerprint({ surface: 'homefeed', user: 'u1' })).toBe(a);
    expect(requestFingerprint({ surface: 'homefeed', user: 'u2' })).not.toBe(a);
    expect(requestFingerprint({ surface: 'homefeed', user: 1 })).not.toBe(requestFingerprint({ surface: 'homefeed', user: '1' }));
  });
});

describe('served set store and pages', () => {
  it('page 2 never repeats page 1 even when scores change', async () => {
    const store = new MemoryServedSetStore();
    const first = [1, 2, 3, 4, 5, 6, 7, 8];
    const p1 = await nextPage(store, 'r', first, 3, (x) => x);
    expect(p1).toEqual({ items: [1, 2, 3], hasMore: true });
    // scores moved: 3 and 1 are now on top, 9 is new
    const p2 = await nextPage(store, 'r', [3, 9, 1, 5, 2, 4, 6, 7, 8], 3, (x) => x);
    expect(p2).toEqual({ items: [9, 5, 4], hasMore: true });
    const p3 = await nextPage(store, 'r', [8, 7, 6, 5, 4, 3, 2, 1], 3, (x) => x);
    expect(p3).toEqual({ items: [8, 7, 6], hasMore: false });
    const p4 = await nextPage(store, 'r', first, 3, (x) => x);
    expect(p4).toEqual({ items: [], hasMore: false });
    // another request id is independent
    expect((await nextPage(store, 'other', first, 2, (x) => x)).items).toEqual([1, 2]);
  });
  it('drops duplicates inside one list', async () => {
    const store = new MemoryServedSetStore();
    expect((await nextPage(store, 'r', [1, 1, 2, 2, 3], 2, (x) => x)).items).toEqual([1, 2]);
    await expect(nextPage(store, 'r', [1], 0, (x) => x)).rejects.toThrow(/page size/);
  });
  it('evicts the least recently used entry and expires by time to live', async () => {
    let now = 0;
    const store = new MemoryServedSetStore<number>({ maxEntries: 2, ttlMs: 100, now: () => now });
    await store.add('a', [1]);
    await store.add('b', [2]);
    await store.get('a'); // a is now most recent
    await store.add('c', [3]);
    expect(store.size).toBe(2);
    expect([...(await store.get('b'))]).toEqual([]);
    expect([...(await store.get('a'))]).toEqual([1]);
    now = 99;
    await store.add('a', [4]); // refreshes a
    now = 150;
    expect([...(await store.get('c'))]).toEqual([]); // written at 0, expired
    expect([...(await store.get('a'))].sort()).toEqual([1, 4]);
    now = 200;
    expect([...(await store.get('a'))]).toEqual([]);
  });
  it('caps pins per request', async () => {
    const store = new MemoryServedSetStore<number>({ maxPinsPerEntry: 2 });
    await store.add('a', [1, 2]);
    await expect(store.add('a', [3])).rejects.toThrow(/more than 2 pins/);
    expect(() => new MemoryServedSetStore({ ttlMs: 0 })).toThrow(/ttlMs/);
  });
});
