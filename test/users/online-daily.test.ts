import { describe, expect, it } from 'vitest';
import { runPinnerSageDaily } from '../../src/jobs/pinnersage-daily.js';
import { makeEmbeddingTable, normalizeRows } from '../../src/users/embeddings.js';
import { InMemoryEventLog } from '../../src/users/events.js';
import { DAY_MS } from '../../src/users/importance.js';
import { MergedProfiles, OnlineProfiles } from '../../src/users/online.js';
import { InMemoryProfileStore } from '../../src/users/profile-store.js';

const raw = new Float32Array([1, 0, 0.99, 0.1, 0, 1, 0.1, 0.99, -1, 0, -0.99, 0.1]);
normalizeRows(raw, 2);
const emb = makeEmbeddingTable(raw, 2);
const day = 500 * DAY_MS;
const opts = { maxCost: 0.2, lambdaPerDay: 0 };

describe('online path', () => {
  it('updates today clusters per event', () => {
    const on = new OnlineProfiles(emb, opts);
    on.add({ user: 1, pin: 0, action: 'save', timestamp: day + 1 });
    expect(on.get(1)!.clusters.length).toBe(1);
    on.add({ user: 1, pin: 4, action: 'save', timestamp: day + 2 });
    expect(on.get(1)!.clusters.map((c) => c.medoid).sort()).toEqual([0, 4]);
    on.add({ user: 1, pin: 1, action: 'save', timestamp: day + 3 });
    expect(on.get(1)!.clusters.length).toBe(2);
    expect(on.get(1)!.clusters[0]!.actions).toBe(2);
    expect(() => on.add({ user: -1, pin: 0, action: 'save', timestamp: 0 })).toThrow(/user must be/);
  });

  it('merges today with the batch result at read time', () => {
    const store = new InMemoryProfileStore();
    store.set({ user: 1, computedAt: day, clusters: [{ medoid: 2, importance: 5, pins: Uint32Array.from([2, 3]), actions: 5, lastActive: day }] });
    const on = new OnlineProfiles(emb, opts);
    const merged = new MergedProfiles(store, on);
    expect(merged.get(1)).toBe(store.get(1));
    on.add({ user: 1, pin: 3, action: 'save', timestamp: day + 10 }); // same interest as batch cluster
    on.add({ user: 1, pin: 4, action: 'save', timestamp: day + 11 }); // a new interest
    const m = merged.get(1)!;
    expect(m.clusters.map((c) => [c.medoid, c.importance])).toEqual([
      [2, 6],
      [4, 1],
    ]);
    expect(store.get(1)!.clusters[0]!.importance).toBe(5); // batch untouched
    on.add({ user: 2, pin: 0, action: 'click', timestamp: day + 12 });
    expect(merged.get(2)!.clusters[0]!.medoid).toBe(0); // online only
  });
});

describe('daily batch job', () => {
  it('recomputes from the log, leaves later events online, and reconciles', async () => {
    const log = new InMemoryEventLog();
    const on = new OnlineProfiles(emb, opts);
    const ev = [
      { user: 1, pin: 0, action: 'save', timestamp: day - 5 * DAY_MS },
      { user: 1, pin: 1, action: 'save', timestamp: day - 4 * DAY_MS },
      { user: 1, pin: 4, action: 'save', timestamp: day - 100 * DAY_MS }, // outside the window
      { user: 2, pin: 2, action: 'hide', timestamp: day - 1 * DAY_MS }, // filtered action type
      { user: 1, pin: 2, action: 'save', timestamp: day + 1000 }, // after the cutoff: online
    ];
    for (const e of ev) log.append(e);
    on.add(ev[4]!);
    const store = new InMemoryProfileStore();
    const stats = await runPinnerSageDaily({ events: log, embeddings: emb, store, online: on, now: day, options: opts, actions: new Set(['save']) });
    expect(stats).toMatchObject({ users: 1, clusters: 1, events: 5, usedEvents: 2 });
    expect(Array.from(store.get(1)!.clusters[0]!.pins).sort()).toEqual([0, 1]);
    expect(store.get(2)).toBeUndefined();
    expect(on.get(1)!.clusters[0]!.medoid).toBe(2); // later event survives reconcile

    // next day: the batch now covers the online event, and the online state drops it
    const stats2 = await runPinnerSageDaily({ events: log, embeddings: emb, store, online: on, now: day + DAY_MS, options: opts });
    expect(stats2.users).toBe(2);
    expect(on.size).toBe(0);
    // {0, 1} tie for medoid: members are listed newest first, so pin 1 wins
    expect(store.get(1)!.clusters.map((c) => c.medoid).sort()).toEqual([1, 2]);
    await expect(runPinnerSageDaily({ events: log, embeddings: emb, store, now: NaN })).rejects.toThrow(/now must be/);
  });
});
