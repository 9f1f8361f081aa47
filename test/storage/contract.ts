import { describe, expect, it } from 'vitest';
import type { EngagementEvent, Storage } from '../../src/storage/types.js';

export function ev(i: number, over: Partial<EngagementEvent> = {}): EngagementEvent {
  return {
    eventId: `e${i}`,
    user: 'u1',
    pin: `p${i % 5}`,
    action: 'click',
    surface: 'related',
    platform: 'web',
    position: i % 10,
    timestamp: 1_000 + i,
    ...over,
  };
}

async function collect<T>(it: AsyncIterable<T[]>): Promise<T[]> {
  const out: T[] = [];
  for await (const b of it) out.push(...b);
  return out;
}

/** The behaviour every Storage implementation must show. `make` returns a fresh, initialised store. */
export function storageContract(name: string, make: () => Promise<Storage>, drop: (s: Storage) => Promise<void>): void {
  describe(`${name} storage contract`, () => {
    const withStore = async (fn: (s: Storage) => Promise<void>): Promise<void> => {
      const s = await make();
      try {
        await fn(s);
      } finally {
        await drop(s);
      }
    };

    it('upserts catalogue records, merging fields and embeddings', () =>
      withStore(async (s) => {
        await s.upsertPins([{ id: 'p1', text: 'red shoes', locale: 'en', createdAt: 5, embeddings: { visual: [1, 2] } }]);
        await s.upsertPins([{ id: 'p1', annotations: ['shoe'], embeddings: { text: [3] } }]);
        expect(await s.getPin('p1')).toEqual({
          id: 'p1',
          text: 'red shoes',
          annotations: ['shoe'],
          locale: 'en',
          createdAt: 5,
          embeddings: { visual: [1, 2], text: [3] },
        });
        await s.upsertBoards([{ id: 'b1', name: 'Shoes' }]);
        await s.upsertUsers([{ id: 'u1', locale: 'fr' }]);
        expect(await s.getBoard('b1')).toEqual({ id: 'b1', name: 'Shoes' });
        expect(await s.getUser('u1')).toEqual({ id: 'u1', locale: 'fr' });
        expect(await s.getPin('nope')).toBeNull();
        const pins = await collect(s.listPins(1));
        expect(pins.map((p) => p.id)).toEqual(['p1']);
      }));

    it('adds and removes saves with increasing seq, and lists changes since a seq', () =>
      withStore(async (s) => {
        const a = await s.addSaves([
          { pin: 'p1', board: 'b1', user: 'u1', createdAt: 10 },
          { pin: 'p2', board: 'b1', createdAt: 11 },
        ]);
        expect(a).toBe(2);
        expect(await s.addSaves([{ pin: 'p1', board: 'b1', createdAt: 12 }])).toBe(0); // already saved
        expect(await s.getPin('p2')).toEqual({ id: 'p2' }); // stub created
        const r = await s.removeSaves([{ pin: 'p1', board: 'b1' }]);
        expect(r).toBe(3);
        expect(await s.maxSaveSeq()).toBe(3);
        const live = await collect(s.listSaves({ batchSize: 1 }));
        expect(live.map((x) => `${x.pin}:${x.board}`)).toEqual(['p2:b1']);
        const ch = await s.saveChangesSince(1);
        expect(ch.map((c) => [c.seq, c.op, c.pin])).toEqual([
          [2, 'add', 'p2'],
          [3, 'remove', 'p1'],
        ]);
        // listSaves up to a seq: p2 (seq 2) is live, p1 was removed at seq 3
        expect((await collect(s.listSaves({ upToSeq: 1 }))).length).toBe(0);
      }));

    it('appends events idempotently and iterates them by time range in batches', () =>
      withStore(async (s) => {
        const batch = Array.from({ length: 25 }, (_, i) => ev(i));
        expect(await s.appendEvents(batch)).toEqual({ inserted: 25, duplicates: 0, saveSeq: 0 });
        expect(await s.appendEvents(batch.slice(0, 5).concat([ev(100)]))).toEqual({ inserted: 1, duplicates: 5, saveSeq: 0 });
        expect(await s.countEvents()).toBe(26);
        expect(await s.hasEvent('e3')).toBe(true);
        expect(await s.hasEvent('zz')).toBe(false);
        const got = await collect(s.iterateEvents({ from: 1005, to: 1015, batchSize: 3 }));
        expect(got.map((e) => e.eventId)).toEqual(['e5', 'e6', 'e7', 'e8', 'e9', 'e10', 'e11', 'e12', 'e13', 'e14']);
        expect(got[0]).toEqual(ev(5));
        // same timestamp: arrival order
        await s.appendEvents([ev(200, { timestamp: 5000 }), ev(201, { timestamp: 5000 }), ev(202, { timestamp: 5000 })]);
        const same = await collect(s.iterateEvents({ from: 5000, batchSize: 1 }));
        expect(same.map((e) => e.eventId)).toEqual(['e200', 'e201', 'e202']);
      }));

    it('reads events by arrival after a cursor, whatever their timestamps', () =>
      withStore(async (s) => {
        expect(await s.maxEventSeq()).toBe(0);
        expect(await s.eventsAfter(0)).toEqual({ events: [], lastSeq: 0 });
        await s.appendEvents([ev(1, { timestamp: 3000 }), ev(2, { timestamp: 1000 })]);
        const cursor = await s.maxEventSeq();
        // a late event (old timestamp) and a duplicate id arrive after the cursor
        await s.appendEvents([ev(3, { timestamp: 10 }), ev(1, { timestamp: 3000 }), ev(4, { timestamp: 2000 })]);
        const all = await s.eventsAfter(0);
        expect(all.events.map((e) => e.eventId)).toEqual(['e1', 'e2', 'e3', 'e4']);
        expect(all.lastSeq).toBe(await s.maxEventSeq());
        const after = await s.eventsAfter(cursor);
        expect(after.events.map((e) => e.eventId)).toEqual(['e3', 'e4']);
        expect(after.events[0]).toEqual(ev(3, { timestamp: 10 }));
        // in pages of one
        const first = await s.eventsAfter(cursor, 1);
        expect(first.events.map((e) => e.eventId)).toEqual(['e3']);
        expect((await s.eventsAfter(first.lastSeq, 1)).events.map((e) => e.eventId)).toEqual(['e4']);
        expect(await s.eventsAfter(all.lastSeq)).toEqual({ events: [], lastSeq: all.lastSeq });
      }));

    it('keeps optional event fields and records saves carried by save events', () =>
      withStore(async (s) => {
        const e = ev(1, { action: 'save', board: 'b9', queryPin: 'p7', requestId: 'r', experimentId: 'x', variant: 'v', platform: 'ios' });
        const r = await s.appendEvents([e]);
        expect(r.inserted).toBe(1);
        expect(r.saveSeq).toBe(1);
        expect((await collect(s.iterateEvents()))[0]).toEqual(e);
        expect((await collect(s.listSaves())).map((x) => `${x.pin}:${x.board}:${x.user}`)).toEqual(['p1:b9:u1']);
      }));

    it('tracks recent user actions newest first and engagement counters', () =>
      withStore(async (s) => {
        await s.appendEvents([
          ev(1, { pin: 'a', action: 'click', timestamp: 100 }),
          ev(2, { pin: 'b', action: 'save', timestamp: 300 }),
          ev(3, { pin: 'a', action: 'closeup', timestamp: 200 }),
          ev(4, { pin: 'a', action: 'click', timestamp: 50, user: 'u2' }),
        ]);
        await s.addSaves([{ pin: 'c', board: 'b1', user: 'u1', createdAt: 250 }]);
        const r = await s.recentActions('u1', 10);
        expect(r.map((x) => `${x.pin}:${x.action}:${x.timestamp}`)).toEqual(['b:save:300', 'c:save:250', 'a:closeup:200', 'a:click:100']);
        expect((await s.recentActions('u1', 2)).length).toBe(2);
        expect(await s.recentActions('nobody', 5)).toEqual([]);
        expect(await s.pinCounters('a')).toEqual({ click: 2, closeup: 1 });
        // a duplicate event does not count twice
        await s.appendEvents([ev(1, { pin: 'a', action: 'click', timestamp: 100 })]);
        expect(await s.pinCounters('a')).toEqual({ click: 2, closeup: 1 });
      }));
  });
}
