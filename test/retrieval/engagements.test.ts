import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ArrayEngagementSource, buildTrainingData, JsonlEngagementSource, parseEvent } from '../../src/retrieval/engagements.js';

async function collect(src: { events(): AsyncIterable<unknown> }): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const e of src.events()) out.push(e);
  return out;
}

describe('engagement sources', () => {
  it('reads JSONL events and names the line of a bad one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bw-ev-'));
    try {
      const f = join(dir, 'ev.jsonl');
      writeFileSync(f, '{"user":"a","pin":"p1","timestamp":5,"action":"save"}\n\n{"user":7,"pin":2,"ts":6}\n');
      expect(await collect(new JsonlEngagementSource(f))).toEqual([
        { user: 'a', pin: 'p1', timestamp: 5, action: 'save' },
        { user: '7', pin: '2', timestamp: 6, action: 'save' },
      ]);
      writeFileSync(f, '{"user":"a","pin":"p1","timestamp":5}\n{"user":"a","timestamp":5}\n');
      await expect(collect(new JsonlEngagementSource(f))).rejects.toThrow(/ev.jsonl:2: field "pin"/);
      writeFileSync(f, '{oops\n');
      await expect(collect(new JsonlEngagementSource(f))).rejects.toThrow(/ev.jsonl:1: not valid JSON/);
      await expect(collect(new JsonlEngagementSource(join(dir, 'none.jsonl')))).rejects.toThrow(/does not exist/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(() => parseEvent({ user: 'a', pin: 'b', timestamp: 'x' }, 'here')).toThrow(/here: field "timestamp"/);
  });

  it('builds time-ordered histories, drops non-engagement and repeats, holds out the last pin', async () => {
    const src = new ArrayEngagementSource([
      { user: 'u1', pin: 'c', timestamp: 30, action: 'save' },
      { user: 'u1', pin: 'a', timestamp: 10, action: 'save' },
      { user: 'u2', pin: 'a', timestamp: 5, action: 'click' },
      { user: 'u1', pin: 'b', timestamp: 20, action: 'closeup' },
      { user: 'u1', pin: 'z', timestamp: 25, action: 'hide' },
      { user: 'u1', pin: 'a', timestamp: 40, action: 'save' }, // repeat: kept once, at its latest time
    ]);
    const d = await buildTrainingData(src, { holdoutMinEvents: 3 });
    expect(d.events).toBe(6);
    expect(d.userIds).toEqual(['u1', 'u2']);
    expect(d.pinIds).toEqual(['c', 'a', 'b']);
    // u1 in time order: b(20), c(30), a(40) -> a held out
    expect([...d.train.pins.subarray(d.train.offsets[0]!, d.train.offsets[1]!)].map((p) => d.pinIds[p])).toEqual(['b', 'c']);
    expect(d.pinIds[d.heldOut[0]!]).toBe('a');
    expect(d.heldOut[1]).toBe(-1); // u2 has one engagement: nothing held out
    expect(d.train.numPins).toBe(3);
    await expect(buildTrainingData(new ArrayEngagementSource([]))).rejects.toThrow(/no engagement events/);
  });

  it('reuses a given pin id space', async () => {
    const d = await buildTrainingData(new ArrayEngagementSource([{ user: 'u', pin: 'x', timestamp: 1, action: 'save' }]), { pinIds: ['q', 'x'] });
    expect(d.pinIds).toEqual(['q', 'x']);
    expect([...d.train.pins]).toEqual([1]);
  });
});
