import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { generatePowerLawGraph } from '../../bench/graph-gen.js';
import { adviseHugePages, hugePagesAvailable, resetHugePagesForTest } from '../../src/util/huge-pages.js';
import { PixieWalker } from '../../src/walk/pixie.js';
import { WalkMemory } from '../../src/walk/walk-memory.js';

const ENV = 'BOARDWALK_HUGE_PAGES';

function withEnv<T>(value: string | undefined, f: () => T): T {
  const saved = process.env[ENV];
  if (value === undefined) delete process.env[ENV];
  else process.env[ENV] = value;
  try {
    return f();
  } finally {
    if (saved === undefined) delete process.env[ENV];
    else process.env[ENV] = saved;
  }
}

/** Bytes of this process's mappings the kernel marks as advised for huge pages (VmFlags "hg"). */
function advisedBytes(): number {
  let total = 0;
  let size = 0;
  for (const line of readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
    const s = /^Size:\s+(\d+) kB/.exec(line);
    if (s) size = Number(s[1]) * 1024;
    else if (line.startsWith('VmFlags:') && / hg\b/.test(line)) total += size;
  }
  return total;
}

const graph = () => generatePowerLawGraph({ pins: 3000, boards: 600, edges: 30_000, seed: 11 });
const available = withEnv(undefined, hugePagesAvailable);

afterEach(() => resetHugePagesForTest());

describe('huge pages for the walk memory', () => {
  it('are off, cleanly, with BOARDWALK_HUGE_PAGES=0', () => {
    withEnv('0', () => {
      expect(hugePagesAvailable()).toBe(false);
      expect(adviseHugePages(new Uint8Array(new SharedArrayBuffer(1 << 16)))).toBe(false);
      const wm = WalkMemory.of(graph());
      expect(wm?.hugePages).toBe(false);
    });
  });

  it('are off, cleanly, when the addon is missing', () => {
    resetHugePagesForTest('/nonexistent/build/native/hugepages.node');
    withEnv(undefined, () => {
      expect(hugePagesAvailable()).toBe(false);
      expect(adviseHugePages(new Uint8Array(1 << 16))).toBe(false);
    });
  });

  it.skipIf(!available)('advise a WebAssembly memory (the kernel marks it) and leave walks unchanged', () => {
    withEnv(undefined, () => {
      const opts = { steps: 30_000, seed: 5, np: 50, nv: 3 };
      const before = advisedBytes();
      const gOn = graph();
      const wmOn = WalkMemory.of(gOn)!;
      expect(wmOn.hugePages).toBe(true);
      expect(advisedBytes() - before).toBeGreaterThanOrEqual(wmOn.memory.buffer.byteLength);
      // the first walker's scratch grows the memory: the grown part is advised as well
      const sizeBefore = wmOn.memory.buffer.byteLength;
      const on = new PixieWalker(gOn).query([1, 2, 3, 500], [1, 2, 1, 3], opts);
      expect(wmOn.memory.buffer.byteLength).toBeGreaterThan(sizeBefore);
      expect(wmOn.hugePages).toBe(true);
      expect(adviseHugePages(new Uint8Array(wmOn.memory.buffer))).toBe(true);

      const off = withEnv('0', () => {
        const gOff = graph();
        const r = new PixieWalker(gOff).query([1, 2, 3, 500], [1, 2, 1, 3], opts);
        expect(WalkMemory.of(gOff)!.hugePages).toBe(false);
        return r;
      });
      expect(Array.from(on.pins)).toEqual(Array.from(off.pins));
      expect(Array.from(on.scores)).toEqual(Array.from(off.scores));
      expect(Array.from(on.boards)).toEqual(Array.from(off.boards));
      expect(on.steps).toBe(off.steps);
    });
  });
});
