import type { PinBoardGraph } from '../graph/graph.js';
import { adviseHugePages } from '../util/huge-pages.js';
import { kernelModuleBytes, SCRATCH } from './wasm-kernel.js';

// Node's global WebAssembly, typed here because the project's lib setting (ES2022, no DOM)
// does not declare it
interface WasmMemory {
  readonly buffer: SharedArrayBuffer;
  grow(pages: number): number;
}
type WasmModule = object;
interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (mod: WasmModule, imports: Record<string, Record<string, unknown>>) => { exports: Record<string, unknown> };
  Memory: new (desc: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
}
const WA = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

export type { WasmMemory };

const PAGE = 65536;
/** 4 GiB: the most a 32-bit WebAssembly memory can address; only reserved, not committed */
const MAX_PAGES = 65536;
/** bytes 0..63 of the memory: i32[0] is the bump pointer of the scratch allocator */
const HEADER_BYTES = 64;

/** The kernel's entry point; every argument an i32 (see KERNEL_PARAMS). */
export type KernelFn = (...args: number[]) => void;

/** Where a walker's scratch arrays live in the memory (byte offsets). */
export interface ScratchBlock {
  /** Uint16 per pin (see COUNTER_CARRY) */
  visits: number;
  /** Uint32 per pin: carried visit counts */
  extra: number;
  touched: number;
  /** Uint16 per board, carrying into boardExtra (Uint32 per board) */
  boardVisits: number;
  boardExtra: number;
  boardTouched: number;
  /** Int32 per pin: index + 1 into the aggregate, 0 = none */
  slot: number;
  /** Float64 per pin */
  aggVal: number;
  /** Uint32 per pin */
  aggTouched: number;
  lanes: number;
  bytes: number;
}

let moduleCache: WasmModule | null = null;
let disabled = process.env['BOARDWALK_WASM_WALK'] === '0';

/**
 * One graph's adjacency in a shared WebAssembly memory, plus scratch blocks for the walkers
 * on it. The graph's own arrays are re-pointed at the copies (same contents), so the graph is
 * held once; being shared memory, it never detaches on growth, and worker threads walk it
 * without a copy (see shared-graph.ts).
 */
export class WalkMemory {
  readonly kernel: KernelFn;
  readonly kernelBiased: KernelFn;
  readonly fold: KernelFn;
  /** bias code arrays copied into the memory, by identity (see codesAt) */
  private readonly codes = new WeakMap<Uint16Array, number>();
  private readonly free: ScratchBlock[] = [];
  private readonly registry = new FinalizationRegistry<ScratchBlock>((b) => this.free.push(b));
  /** Whether this thread's last madvise(MADV_HUGEPAGE) on the memory succeeded (see util/huge-pages.ts). */
  hugePages: boolean;

  private constructor(
    readonly memory: WasmMemory,
    readonly numPins: number,
    readonly numBoards: number,
    hugePages: boolean,
  ) {
    this.hugePages = hugePages;
    const inst = new WA!.Instance(moduleCache!, { m: { m: memory } });
    this.kernel = inst.exports['walk'] as KernelFn;
    this.kernelBiased = inst.exports['walkBiased'] as KernelFn;
    this.fold = inst.exports['fold'] as KernelFn;
  }

  /** The graph's WalkMemory, made (and the graph moved into it) on first use; null if unavailable. */
  static of(g: PinBoardGraph): WalkMemory | null {
    if (disabled) return null;
    const known = byGraph.get(g);
    if (known !== undefined) return known;
    const made = WalkMemory.create(g);
    byGraph.set(g, made);
    return made;
  }

  /** Attaches a memory that already holds g's arrays (a worker thread given the main thread's). */
  static attach(g: PinBoardGraph, memory: WasmMemory): WalkMemory | null {
    if (disabled || !WA || !ensureModule()) return null;
    for (const a of [g.pinOffsets, g.pinAdj, g.boardOffsets, g.boardAdj])
      if (a.buffer.byteLength > memory.buffer.byteLength) return null;
    // the main thread advised it already; again is a cheap no-op that makes hugePages true here too
    const wm = new WalkMemory(memory, g.numPins, g.numBoards, adviseHugePages(new Uint8Array(memory.buffer)));
    byGraph.set(g, wm);
    return wm;
  }

  private static create(g: PinBoardGraph): WalkMemory | null {
    const moved = moveGraph(g);
    return moved ? new WalkMemory(moved.memory, g.numPins, g.numBoards, moved.hugePages) : null;
  }

  /**
   * Byte offset of a copy of a bias code array in the memory (the biased kernel reads codes
   * there), made on first use; -1 when the memory cannot hold it. Code arrays are taken as
   * immutable, as everywhere bias codes are cached (graph metadata columns are rebuilt, never
   * edited, when pins change).
   */
  codesAt(codes: Uint16Array): number {
    // already in this memory (a pool worker's view of the copy the pool placed): read in place
    if (codes.buffer === this.memory.buffer) return codes.byteOffset;
    const known = this.codes.get(codes);
    if (known !== undefined) return known;
    let at: number;
    try {
      at = this.reserve(align(codes.byteLength));
    } catch (e) {
      if (e instanceof RangeError) return -1;
      throw e;
    }
    new Uint16Array(this.memory.buffer, at, codes.length).set(codes);
    this.codes.set(codes, at);
    return at;
  }

  /** allocScratch, or null when the memory cannot grow by another block (its 4 GiB are used). */
  tryAllocScratch(owner: object): ScratchBlock | null {
    try {
      return this.allocScratch(owner);
    } catch (e) {
      if (e instanceof RangeError) return null;
      throw e;
    }
  }

  /** Scratch for one walker, released to a free list when `owner` is garbage-collected. */
  allocScratch(owner: object): ScratchBlock {
    const reused = this.free.pop();
    const block = reused ?? this.bump();
    if (reused) {
      // a finished query leaves board counts behind (they are cleared when the next starts)
      const buf = this.memory.buffer;
      new Uint16Array(buf, block.visits, this.numPins).fill(0);
      new Uint32Array(buf, block.extra, this.numPins).fill(0);
      new Uint16Array(buf, block.boardVisits, this.numBoards).fill(0);
      new Uint32Array(buf, block.boardExtra, this.numBoards).fill(0);
      new Int32Array(buf, block.slot, this.numPins).fill(0);
    }
    this.registry.register(owner, block);
    return block;
  }

  /** `bytes` (a multiple of 64) from the bump allocator, growing the memory when needed. */
  private reserve(bytes: number): number {
    const head = new Int32Array(this.memory.buffer, 0, HEADER_BYTES / 4);
    // Atomics: worker threads allocate from the same memory
    const start = Atomics.add(head, 0, bytes);
    const end = start + bytes;
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      this.memory.grow(Math.ceil((end - have) / PAGE));
      // V8 maps the grown part as a separate region without the advice; advise before first touch
      this.hugePages = adviseHugePages(new Uint8Array(this.memory.buffer));
    }
    return start;
  }

  private bump(): ScratchBlock {
    const P = this.numPins;
    const B = this.numBoards;
    const bytes = align(2 * P) + align(4 * P) + align(4 * (P + 1)) + align(2 * B) + align(4 * B) + align(4 * (B + 1)) + align(SCRATCH.bytes) + align(4 * P) + align(8 * P) + align(4 * P);
    // grown memory is zero-filled (reused blocks are zeroed in allocScratch)
    let at = this.reserve(bytes);
    const take = (n: number): number => {
      const r = at;
      at += align(n);
      return r;
    };
    return {
      visits: take(2 * P),
      extra: take(4 * P),
      touched: take(4 * (P + 1)),
      boardVisits: take(2 * B),
      boardExtra: take(4 * B),
      boardTouched: take(4 * (B + 1)),
      lanes: take(SCRATCH.bytes),
      slot: take(4 * P),
      aggVal: take(8 * P),
      aggTouched: take(4 * P),
      bytes,
    };
  }
}

const byGraph = new WeakMap<PinBoardGraph, WalkMemory | null>();

const align = (n: number): number => (n + 63) & ~63;

function ensureModule(): boolean {
  if (moduleCache) return true;
  try {
    moduleCache = new WA!.Module(kernelModuleBytes(MAX_PAGES));
    return true;
  } catch {
    disabled = true;
    return false;
  }
}

function moveGraph(g: PinBoardGraph): { memory: WasmMemory; hugePages: boolean } | null {
  if (!WA || !ensureModule()) return null;
  const arrays = [g.pinOffsets, g.pinAdj, g.boardOffsets, g.boardAdj];
  let bytes = HEADER_BYTES;
  for (const a of arrays) bytes += align(a.byteLength);
  if (bytes > 0xc000_0000) return null; // leave room for scratch within 4 GiB
  let memory: WasmMemory;
  try {
    memory = new WA.Memory({ initial: Math.ceil(bytes / PAGE), maximum: MAX_PAGES, shared: true });
  } catch {
    return null; // address space exhausted: the JavaScript walk still works
  }
  const buf = memory.buffer;
  // before the copy, so the graph's pages fault in as huge pages (walks are TLB-miss bound)
  const hugePages = adviseHugePages(new Uint8Array(buf));
  let at = HEADER_BYTES;
  const moved = arrays.map((a) => {
    const v = new Uint32Array(buf, at, a.length);
    v.set(a);
    at += align(a.byteLength);
    return v;
  });
  new Int32Array(buf, 0, 1)[0] = at;
  g.relocate(moved[0]!, moved[1]!, moved[2]!, moved[3]!);
  return { memory, hugePages };
}

/** Turns the WebAssembly walk off (tests compare it with the JavaScript walk). */
export function setWasmWalk(on: boolean): void {
  disabled = !on;
}
