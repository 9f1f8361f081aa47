/**
 * WebAssembly back end of the compiled forest. Functions are assembled at run time for the
 * model's feature count and tree depths (no toolchain, no binary file); see docs/ranking.md.
 *
 * - Missing values cost nothing per node: the batch is copied into WebAssembly memory twice, as
 *   is ("L" copy: NaN compares false, so it goes left) and with NaN replaced by +Infinity ("R"
 *   copy: goes right at every threshold). Each node reads the copy matching its default
 *   direction, so a step is one unconditional `x >= threshold`.
 * - Trees are padded to complete trees and stored breadth-first with their leaves right after
 *   their nodes; consecutive trees of one depth form a run with a fixed stride, and each depth
 *   gets its own fully unrolled function. A row's position within a level is a byte offset p
 *   (next level: 2p + 8·goRight), and the level's start is a constant in the load instruction.
 * - Tree-outer, rows-inner over blocks of BLOCK rows: the tree being scored stays in L1 while
 *   ROWS rows advance through it in lock-step (independent load chains the CPU overlaps); the
 *   root split is loaded once per block. Partial sums live in the output array, added in tree
 *   order, so margins equal plain traversal's bit for bit.
 */
import { assembleModule, F32, F64, FnBuilder, I32, Op } from './wasm-asm.js';

/** rows advanced together through one tree */
const ROWS = 8;
/** rows per block (a multiple of ROWS) */
const BLOCK = 64;
/** most rows copied into WebAssembly memory per call (fewer for very wide rows) */
const MAX_BATCH = 4096;
/** memory budget for the two copies of a batch */
const BATCH_BYTES = 8 << 20;

// Node's global WebAssembly, typed here because the project's lib setting (ES2022, no DOM)
// does not declare it
interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
type WasmModule = object;
interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (mod: WasmModule, imports: Record<string, Record<string, unknown>>) => { exports: Record<string, unknown> };
  Memory: new (desc: { initial: number }) => WasmMemory;
}
const WA = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

/** Bytes one padded tree of depth d takes: (2^d − 1) nodes of 8 bytes, then 2^d f64 leaves. */
export const treeStride = (d: number): number => ((1 << d) - 1) * 8 + (1 << d) * 8;

/**
 * score_d(treeP, nTrees, xP, outP, rows): adds the outputs of nTrees depth-d trees stored from
 * treeP (stride treeStride(d)) to out[0..rows) for the row-major batch at xP; rows is a multiple
 * of ROWS. `rowBytes` (4 × features) is built into the load offsets.
 */
function kernel(d: number, rowBytes: number): FnBuilder {
  const f = new FnBuilder(5);
  const [treeP, nTrees, xP, outP, rows] = [0, 1, 2, 3, 4];
  const blk = f.local(I32);
  const blkEnd = f.local(I32);
  const nb = f.local(I32);
  const t = f.local(I32);
  const r = f.local(I32);
  const g = f.local(I32);
  const o = f.local(I32);
  const w0 = f.local(I32);
  const a = f.local(I32);
  const p: number[] = [];
  for (let i = 0; i < ROWS; i++) p.push(f.local(I32));
  const th0 = f.local(F32);
  const stride = treeStride(d);
  const leafOff = ((1 << d) - 1) * 8;
  const groupBytes = ROWS * rowBytes;

  // for (blk = 0; blk < rows; blk += BLOCK)
  f.i32(0).set(blk);
  f.op(Op.block, Op.void, Op.loop, Op.void);
  f.get(blk).get(rows).op(Op.i32GeS, Op.brIf, 1);
  // blkEnd = min(blk + BLOCK, rows)
  f.get(rows).get(blk).i32(BLOCK).op(Op.i32Add).get(blk).i32(BLOCK).op(Op.i32Add).get(rows).op(Op.i32GeS, Op.select).set(blkEnd);
  // for (t = nTrees, nb = treeP; t > 0; t--, nb += stride)
  f.get(treeP).set(nb);
  f.get(nTrees).set(t);
  f.op(Op.block, Op.void, Op.loop, Op.void);
  f.get(t).op(Op.i32Eqz, Op.brIf, 1);
  if (d > 0) {
    // the root is the same node for every row: load it once per block
    f.get(nb).mem(Op.i32Load, 2, 0).set(w0);
    f.get(nb).mem(Op.f32Load, 2, 4).set(th0);
  }
  // for (r = blk; r < blkEnd; r += ROWS): g = this group's first row, o = its first output
  f.get(blk).set(r);
  f.get(xP).get(blk).i32(rowBytes).op(Op.i32Mul, Op.i32Add).set(g);
  f.get(outP).get(blk).i32(3).op(Op.i32Shl, Op.i32Add).set(o);
  f.op(Op.block, Op.void, Op.loop, Op.void);
  f.get(r).get(blkEnd).op(Op.i32GeS, Op.brIf, 1);
  if (d > 0) {
    // level 0: p = 8 * (x[row][feature] >= threshold)
    for (let i = 0; i < ROWS; i++) {
      f.get(g).get(w0).op(Op.i32Add).mem(Op.f32Load, 2, i * rowBytes).get(th0).op(Op.f32Ge).i32(3).op(Op.i32Shl).set(p[i]!);
    }
  }
  for (let l = 1; l < d; l++) {
    const off = ((1 << l) - 1) * 8;
    for (let i = 0; i < ROWS; i++) {
      // a = node address; p = 2p + 8 * (x[row][node.column] >= node.threshold)
      f.get(p[i]!).i32(1).op(Op.i32Shl);
      f.get(g).get(nb).get(p[i]!).op(Op.i32Add).tee(a).mem(Op.i32Load, 2, off).op(Op.i32Add).mem(Op.f32Load, 2, i * rowBytes);
      f.get(a).mem(Op.f32Load, 2, off + 4).op(Op.f32Ge).i32(3).op(Op.i32Shl, Op.i32Add).set(p[i]!);
    }
  }
  for (let i = 0; i < ROWS; i++) {
    // out[row] += leaf
    f.get(o).get(o).mem(Op.f64Load, 3, i * 8);
    if (d > 0) f.get(nb).get(p[i]!).op(Op.i32Add).mem(Op.f64Load, 3, leafOff);
    else f.get(nb).mem(Op.f64Load, 3, leafOff);
    f.op(Op.f64Add).mem(Op.f64Store, 3, i * 8);
  }
  f.get(r).i32(ROWS).op(Op.i32Add).set(r);
  f.get(g).i32(groupBytes).op(Op.i32Add).set(g);
  f.get(o).i32(ROWS * 8).op(Op.i32Add).set(o);
  f.op(Op.br, 0, Op.end, Op.end);
  f.get(nb).i32(stride).op(Op.i32Add).set(nb);
  f.get(t).i32(1).op(Op.i32Sub).set(t);
  f.op(Op.br, 0, Op.end, Op.end);
  f.get(blk).i32(BLOCK).op(Op.i32Add).set(blk);
  f.op(Op.br, 0, Op.end, Op.end);
  return f;
}

const moduleCache = new Map<string, WasmModule | null>();

/** The compiled module with one `d<depth>` export per depth, for rows of `nf` features. */
function wasmModule(nf: number, depths: number[]): WasmModule | null {
  const key = `${nf}:${depths.join(',')}`;
  let mod = moduleCache.get(key);
  if (mod === undefined) {
    try {
      mod = WA ? new WA.Module(assembleModule(depths.map((d) => ({ name: `d${d}`, fn: kernel(d, nf * 4) })))) : null;
    } catch {
      mod = null;
    }
    moduleCache.set(key, mod);
  }
  return mod;
}

type ScoreFn = (treeP: number, nTrees: number, xP: number, outP: number, rows: number) => void;

/** Padded forest in WebAssembly memory. */
export class WasmForest {
  private readonly memory: WasmMemory;
  /** runs of consecutive same-depth trees: kernel, first tree's address, count */
  private readonly runs: { fn: ScoreFn; treeP: number; n: number }[];
  private readonly batchRows: number;
  private readonly xP: number;
  private readonly outP: number;
  /** views into the batch area, made once (the memory never grows) */
  private readonly xl: Float32Array;
  private readonly xr: Float32Array;
  private readonly os: Float64Array;

  private constructor(
    mod: WasmModule,
    readonly nFeatures: number,
    depth: Int32Array,
    nodeBase: Int32Array,
    leafBase: Int32Array,
    feat: Int32Array,
    missRight: Uint8Array,
    thr: Float32Array,
    leaves: Float64Array,
  ) {
    const nt = depth.length;
    const nf = nFeatures;
    let treeBytes = 0;
    for (let i = 0; i < nt; i++) treeBytes += treeStride(depth[i]!);
    this.batchRows = Math.max(BLOCK, Math.min(MAX_BATCH, Math.floor(BATCH_BYTES / (8 * nf)) & ~(BLOCK - 1)));
    this.xP = (treeBytes + 15) & ~15;
    const rBytes = this.batchRows * nf * 4;
    this.outP = this.xP + 2 * rBytes;
    const need = this.outP + this.batchRows * 8;
    this.memory = new WA!.Memory({ initial: Math.ceil(need / 65536) + 1 });
    const exports = new WA!.Instance(mod, { m: { m: this.memory } }).exports;
    const buf = this.memory.buffer;
    this.runs = [];
    let at = 0;
    for (let i = 0; i < nt; i++) {
      const d = depth[i]!;
      const last = this.runs[this.runs.length - 1];
      if (last && i > 0 && depth[i - 1] === d) last.n++;
      else this.runs.push({ fn: exports[`d${d}`] as ScoreFn, treeP: at, n: 1 });
      const words = new Int32Array(buf, at, (1 << d) - 1 > 0 ? 2 * ((1 << d) - 1) : 0);
      const thrs = new Float32Array(buf, at, words.length);
      const nb = nodeBase[i]!;
      for (let k = 0; k < (1 << d) - 1; k++) {
        // column byte offset within the row, in the R copy when missing values go right
        words[2 * k] = feat[nb + k]! * 4 + (missRight[nb + k] ? rBytes : 0);
        // a NaN threshold sends every present value right, as v < NaN is false in traversal
        const th = thr[nb + k]!;
        thrs[2 * k + 1] = th !== th ? -Infinity : th;
      }
      new Float64Array(buf, at + ((1 << d) - 1) * 8, 1 << d).set(leaves.subarray(leafBase[i]!, leafBase[i]! + (1 << d)));
      at += treeStride(d);
    }
    this.xl = new Float32Array(buf, this.xP, this.batchRows * nf);
    this.xr = new Float32Array(buf, this.xP + rBytes, this.batchRows * nf);
    this.os = new Float64Array(buf, this.outP, this.batchRows);
  }

  /** null when WebAssembly is unavailable. */
  static create(
    nFeatures: number,
    depth: Int32Array,
    nodeBase: Int32Array,
    leafBase: Int32Array,
    feat: Int32Array,
    missRight: Uint8Array,
    thr: Float32Array,
    leaves: Float64Array,
  ): WasmForest | null {
    if (nFeatures === 0) return null;
    const mod = wasmModule(nFeatures, [...new Set(depth)].sort((a, b) => a - b));
    if (!mod) return null;
    return new WasmForest(mod, nFeatures, depth, nodeBase, leafBase, feat, missRight, thr, leaves);
  }

  /** Adds the forest's output for rows [0, rows) to out (which holds the base margin). */
  addMargins(x: Float32Array, rows: number, out: Float64Array): void {
    const nf = this.nFeatures;
    const { xl, xr, os } = this;
    for (let r0 = 0; r0 < rows; r0 += this.batchRows) {
      const m = Math.min(this.batchRows, rows - r0);
      const padded = (m + ROWS - 1) & ~(ROWS - 1);
      const src = x.subarray(r0 * nf, (r0 + m) * nf);
      xl.set(src);
      for (let i = 0, e = m * nf; i < e; i++) {
        const v = src[i]!;
        xr[i] = v !== v ? Infinity : v;
      }
      if (padded > m) {
        xl.fill(0, m * nf, padded * nf);
        xr.fill(0, m * nf, padded * nf);
      }
      os.set(out.subarray(r0, r0 + m));
      for (const run of this.runs) run.fn(run.treeP, run.n, this.xP, this.outP, padded);
      out.set(os.subarray(0, m), r0);
    }
  }
}
