/**
 * WebAssembly back end of the compiled forest. Functions are assembled at run time for the
 * model's feature count and tree depths (no toolchain, no binary file); see docs/ranking.md.
 *
 * - Missing values cost nothing per node: each block of rows is copied into WebAssembly memory
 *   twice, as is ("L" copy: NaN >= t is false, so it goes left) and with NaN replaced by
 *   +Infinity ("R" copy: goes right at every threshold). Each node reads the copy matching its
 *   default direction, so a step is one unconditional `x >= threshold`.
 * - Trees are padded to complete trees and stored breadth-first with their leaves right after
 *   their nodes; runs of consecutive same-depth trees have a fixed stride, and each depth gets
 *   its own function, unrolled over levels and over the block's rows. The block sits at a fixed
 *   address, column-major, so a row's value of a node's feature is at [column + constant].
 * - Tree-outer, rows-inner over blocks of BLOCK rows: the tree being scored stays in L1 while
 *   ROWS rows advance through it in lock-step (independent load chains the CPU overlaps).
 * - The top SIMD_LEVELS levels are the same few nodes for every row: they are evaluated four
 *   rows per instruction (WASM SIMD), the deeper levels one row per step.
 * - Margins are added tree by tree in the models' tree order, so they equal plain traversal's
 *   sums bit for bit.
 */
import { assembleModule, FnBuilder, I32, Op, Simd, uleb, V128 } from '../../util/wasm-asm.js';

/** rows advanced together through one tree (a multiple of 4, the SIMD width) */
const ROWS = 8;
/** rows per block (a multiple of ROWS) */
const BLOCK = 64;
/** levels evaluated with SIMD (measured best of 2–4 for depth-6 trees: docs/ranking.md) */
const SIMD_LEVELS = 3;
const F32_INF_BITS = 0x7f800000;
/** rows copied into WebAssembly memory at a time (fewer when rows are very wide) */
const MAX_STAGE_ROWS = 4096;
const STAGE_BYTES = 4 << 20;
/** prep copies a row with straight-line code up to this many features, with a loop beyond */
const UNROLL_FEATURES = 64;

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
 * Fixed memory areas for a model with nf features: the block's L and R copies, column-major
 * (row r, feature f at keyL + 4(f·BLOCK + r)), the block's margins (f64), the staging area
 * (up to stageRows rows as passed in, row-major), then the trees.
 */
function layout(nf: number): { keyL: number; keyR: number; out: number; stage: number; stageRows: number; trees: number } {
  const col = nf * BLOCK * 4;
  const stageRows = BLOCK * Math.max(1, Math.floor(Math.min(MAX_STAGE_ROWS, STAGE_BYTES / (4 * nf)) / BLOCK));
  const stage = 2 * col + BLOCK * 8;
  return { keyL: 0, keyR: col, out: 2 * col, stage, stageRows, trees: stage + stageRows * nf * 4 };
}

/**
 * prep(src, m): rows [0, m) of the block, row-major at `src` in the staging area, transposed
 * into the L copy; then the R copy from the L copy (NaN → +Infinity), four values per
 * instruction with SIMD. Rows m..BLOCK keep stale values; their margins are never read.
 */
function prepKernel(nf: number, simd: boolean): FnBuilder {
  const f = new FnBuilder(2);
  const [src, m] = [0, 1];
  const { keyL, keyR } = layout(nf);
  const i = f.local(I32);
  const end = f.local(I32);
  const dst = f.local(I32);
  const c = f.local(I32);
  const o = f.local(I32);
  const u = f.local(simd ? V128 : I32);
  // for (i = src, end = src + 4·nf·m; i < end; ): one row's nf values to column slots r, r+BLOCK, …
  f.get(src).set(i);
  f.get(src).get(m).i32(nf * 4).op(Op.i32Mul, Op.i32Add).set(end);
  f.i32(0).set(dst);
  f.op(Op.block, Op.void, Op.loop, Op.void);
  f.get(i).get(end).op(Op.i32GeS, Op.brIf, 1);
  if (nf <= UNROLL_FEATURES) {
    for (let c = 0; c < nf; c++) f.get(dst).get(i).mem(Op.i32Load, 2, 4 * c).mem(Op.i32Store, 2, keyL + 4 * BLOCK * c);
  } else {
    // wide rows: a loop over the row's values (c: byte offset in the row, o: in the column area)
    f.i32(0).set(c);
    f.get(dst).set(o);
    f.op(Op.block, Op.void, Op.loop, Op.void);
    f.get(c).i32(nf * 4).op(Op.i32GeS, Op.brIf, 1);
    f.get(o).get(i).get(c).op(Op.i32Add).mem(Op.i32Load, 2, 0).mem(Op.i32Store, 2, keyL);
    f.get(c).i32(4).op(Op.i32Add).set(c);
    f.get(o).i32(4 * BLOCK).op(Op.i32Add).set(o);
    f.op(Op.br, 0, Op.end, Op.end);
  }
  f.get(i).i32(nf * 4).op(Op.i32Add).set(i);
  f.get(dst).i32(4).op(Op.i32Add).set(dst);
  f.op(Op.br, 0, Op.end, Op.end);
  f.i32(0).set(i);
  f.op(Op.block, Op.void, Op.loop, Op.void);
  f.get(i).i32(keyR - keyL).op(Op.i32GeS, Op.brIf, 1);
  f.get(i);
  if (simd) {
    // bitselect(+Infinity, v, v != v)
    f.get(i).simd(Simd.load, 4, ...uleb(keyL)).set(u);
    f.i32x4(F32_INF_BITS, F32_INF_BITS, F32_INF_BITS, F32_INF_BITS).get(u).get(u).get(u).simd(Simd.f32x4Ne).simd(Simd.bitselect);
    f.simd(Simd.store, 4, ...uleb(keyR));
  } else {
    // as bits: NaN when the exponent is all ones and the mantissa is not zero
    f.get(i).mem(Op.i32Load, 2, keyL).set(u);
    f.i32(F32_INF_BITS).get(u).get(u).i32(0x7fffffff).op(Op.i32And).i32(F32_INF_BITS).op(Op.i32GtU, Op.select);
    f.mem(Op.i32Store, 2, keyR);
  }
  f.get(i).i32(simd ? 16 : 4).op(Op.i32Add).set(i);
  f.op(Op.br, 0, Op.end, Op.end);
  return f;
}

/**
 * d<depth>(treeP, nTrees): adds the outputs of nTrees depth-d trees stored from treeP (stride
 * treeStride(d)) to the block's margins. A node is (column byte offset relative to the L copy,
 * f32 threshold). Row r's value of a node's column is at [column + keyL + 4r], a constant
 * offset, so a scalar step is three loads, a compare, a select and two adds. The top
 * `simdLevels` levels compare four rows at every node of the level, then pick each row's node
 * by its earlier turns.
 */
function kernel(d: number, nf: number, simdLevels: number): FnBuilder {
  const f = new FnBuilder(2);
  const [treeP, nTrees] = [0, 1];
  const { keyL, out } = layout(nf);
  const S = Math.min(simdLevels, d);
  const nb = f.local(I32);
  const t = f.local(I32);
  const a = f.local(I32);
  const negNb = f.local(I32);
  /** per row: the address of its node at the current level, nb + 8·(index within the level) */
  const adr: number[] = [];
  for (let i = 0; i < ROWS; i++) adr.push(f.local(I32));
  // the top S levels' nodes, loaded once per tree: column offsets and splatted thresholds
  const topW: number[] = [];
  const topT: number[] = [];
  for (let k = 0; k < (1 << S) - 1; k++) {
    topW.push(f.local(I32));
    topT.push(f.local(V128));
  }
  // per quarter-group of four rows: the turn taken at each SIMD level (all-ones = right)
  const M: number[][] = Array.from({ length: S }, () => Array.from({ length: ROWS / 4 }, () => f.local(V128)));
  const C: number[] = [];
  for (let k = 0; k < (S > 0 ? 1 << (S - 1) : 0); k++) C.push(f.local(V128));
  const leafOff = ((1 << d) - 1) * 8;

  // column values of four rows (from row r) at top node k, compared to its threshold
  const cmp = (k: number, r: number): void => {
    f.get(topW[k]!).simd(Simd.load, 4, ...uleb(keyL + 4 * r)).get(topT[k]!).simd(Simd.f32x4Ge);
  };

  // for (nb = treeP, t = nTrees; t > 0; nb += stride, t--)
  f.get(treeP).set(nb);
  f.get(nTrees).set(t);
  f.op(Op.block, Op.void, Op.loop, Op.void);
  f.get(t).op(Op.i32Eqz, Op.brIf, 1);
  // −nb written as ~nb + 1: V8 then folds 2a − nb + 8c into one lea (it turns 0 − nb back into
  // a subtraction, one instruction more per step)
  f.get(nb).i32(-1).op(Op.i32Xor).i32(1).op(Op.i32Add).set(negNb);
  for (let k = 0; k < topW.length; k++) {
    f.get(nb).mem(Op.i32Load, 2, 8 * k).set(topW[k]!);
    f.get(nb).simd(Simd.load32Splat, 2, ...uleb(8 * k + 4)).set(topT[k]!);
  }
  for (let r0 = 0; r0 < BLOCK; r0 += ROWS) {
    for (let h = 0; h < ROWS / 4 && S > 0; h++) {
      const r = r0 + 4 * h;
      cmp(0, r);
      f.set(M[0]![h]!);
      for (let l = 1; l < S; l++) {
        // every node of level l; the row's node is picked by its last turn, then earlier ones
        const first = (1 << l) - 1;
        for (let j = 0; j < 1 << l; j += 2) {
          cmp(first + j + 1, r);
          cmp(first + j, r);
          f.get(M[l - 1]![h]!).simd(Simd.bitselect).set(C[j >> 1]!);
        }
        for (let width = 1 << (l - 1), lv = l - 2; width > 1; width >>= 1, lv--) {
          for (let j = 0; j < width; j += 2) f.get(C[j + 1]!).get(C[j]!).get(M[lv]![h]!).simd(Simd.bitselect).set(C[j >> 1]!);
        }
        f.get(C[0]!).set(M[l]![h]!);
      }
      // node index within level S: the turn at level l (−1 when right) is bit S−1−l
      for (let l = 0; l < S; l++) {
        f.get(M[l]![h]!);
        if (S - 1 - l > 0) f.i32(S - 1 - l).simd(Simd.i32x4Shl);
        if (l > 0) f.simd(Simd.i32x4Add);
      }
      // as node addresses: nb + 8·index
      f.simd(Simd.i32x4Neg).i32(3).simd(Simd.i32x4Shl).get(nb).simd(Simd.i32x4Splat).simd(Simd.i32x4Add).set(C[0]!);
      for (let j = 0; j < 4; j++) f.get(C[0]!).simd(Simd.i32x4ExtractLane, j).set(adr[4 * h + j]!);
    }
    if (S === 0) for (let i = 0; i < ROWS; i++) f.get(nb).set(adr[i]!);
    for (let l = S; l < d; l++) {
      const off = ((1 << l) - 1) * 8;
      for (let i = 0; i < ROWS; i++) {
        // next address = (2a − nb) + 8·(value >= threshold), as a select: V8 emits ucomiss +
        // cmov, with no setcc/zero-extend in the row's dependency chain
        f.get(adr[i]!).i32(1).op(Op.i32Shl).get(negNb).op(Op.i32Add).tee(a).i32(8).op(Op.i32Add).get(a);
        f.get(adr[i]!).mem(Op.i32Load, 2, off).mem(Op.f32Load, 2, keyL + 4 * (r0 + i));
        f.get(adr[i]!).mem(Op.f32Load, 2, off + 4).op(Op.f32Ge, Op.select).set(adr[i]!);
      }
    }
    for (let i = 0; i < ROWS; i += simdLevels > 0 ? 2 : 1) {
      // margins += leaves, tree by tree: the same IEEE additions in the same order as plain
      // traversal, so margins equal its sums bit for bit (with SIMD, two rows per add)
      const o = out + 8 * (r0 + i);
      if (simdLevels > 0) {
        f.i32(0).i32(0).simd(Simd.load, 3, ...uleb(o));
        f.get(adr[i + 1]!); // leaf addresses: after the last level, plus leafOff
        f.get(adr[i]!);
        f.simd(Simd.load64Zero, 3, ...uleb(leafOff)).simd(Simd.load64Lane, 3, ...uleb(leafOff), 1);
        f.simd(Simd.f64x2Add).simd(Simd.store, 3, ...uleb(o));
      } else {
        f.i32(0).i32(0).mem(Op.f64Load, 3, o);
        f.get(adr[i]!);
        f.mem(Op.f64Load, 3, leafOff).op(Op.f64Add).mem(Op.f64Store, 3, o);
      }
    }
  }
  f.get(nb).i32(treeStride(d)).op(Op.i32Add).set(nb);
  f.get(t).i32(1).op(Op.i32Sub).set(t);
  f.op(Op.br, 0, Op.end, Op.end);
  return f;
}

const moduleCache = new Map<string, { mod: WasmModule; simd: boolean } | null>();

/**
 * The compiled module (`prep`, and one `d<depth>` per depth) for rows of `nf` features; without
 * SIMD support in the runtime, the same kernels with every level scalar.
 */
function wasmModule(nf: number, depths: number[], useSimd: boolean): { mod: WasmModule; simd: boolean } | null {
  const key = `${nf}:${depths.join(',')}:${useSimd}`;
  let found = moduleCache.get(key);
  if (found === undefined) {
    found = null;
    for (const simd of WA ? (useSimd ? [true, false] : [false]) : []) {
      try {
        const levels = simd ? SIMD_LEVELS : 0;
        const fns = [{ name: 'prep', fn: prepKernel(nf, simd) }, ...depths.map((d) => ({ name: `d${d}`, fn: kernel(d, nf, levels) }))];
        found = { mod: new WA!.Module(assembleModule(fns)), simd };
        break;
      } catch {
        // the runtime refused the module (no SIMD): try the next option
      }
    }
    moduleCache.set(key, found);
  }
  return found;
}

type ScoreFn = (treeP: number, nTrees: number) => void;

/**
 * The compiled forest's padded trees (scorer.ts): per tree its depth and where its nodes and
 * leaves start; per node its feature, threshold and default direction (1 = missing goes right).
 */
export interface PaddedTrees {
  depth: Int32Array;
  nodeBase: Int32Array;
  leafBase: Int32Array;
  feat: Int32Array;
  missRight: Uint8Array;
  thr: Float32Array;
  leaves: Float64Array;
}

/** Padded forest in WebAssembly memory. */
export class WasmForest {
  private readonly memory: WasmMemory;
  /** whether the kernels use WASM SIMD (false: the runtime lacks it, or it was turned off) */
  readonly simd: boolean;
  private readonly prep: (src: number, m: number) => void;
  /** runs of consecutive same-depth trees: kernel, first tree's address, count */
  private readonly runs: { fn: ScoreFn; treeP: number; n: number }[];
  private readonly stageP: number;
  private readonly stageRows: number;
  /** views of the staging area and the block's margins, made once (the memory never grows) */
  private readonly stage: Float32Array;
  private readonly os: Float64Array;

  private constructor(
    { mod, simd }: { mod: WasmModule; simd: boolean },
    readonly nFeatures: number,
    { depth, nodeBase, leafBase, feat, missRight, thr, leaves }: PaddedTrees,
  ) {
    this.simd = simd;
    const nt = depth.length;
    const nf = nFeatures;
    const lay = layout(nf);
    let need = lay.trees;
    for (let i = 0; i < nt; i++) need += treeStride(depth[i]!);
    this.memory = new WA!.Memory({ initial: Math.ceil(need / 65536) });
    const exports = new WA!.Instance(mod, { m: { m: this.memory } }).exports;
    this.prep = exports.prep as (src: number, m: number) => void;
    this.stageP = lay.stage;
    this.stageRows = lay.stageRows;
    const buf = this.memory.buffer;
    this.runs = [];
    let at = lay.trees;
    for (let i = 0; i < nt; i++) {
      const d = depth[i]!;
      const last = this.runs[this.runs.length - 1];
      if (last && depth[i - 1] === d) last.n++;
      else this.runs.push({ fn: exports[`d${d}`] as ScoreFn, treeP: at, n: 1 });
      const nInternal = (1 << d) - 1;
      const words = new Int32Array(buf, at, 2 * nInternal);
      const thrs = new Float32Array(buf, at, 2 * nInternal);
      const nb = nodeBase[i]!;
      for (let k = 0; k < nInternal; k++) {
        // the feature's column in the L or R copy (relative to keyL), by default direction
        words[2 * k] = feat[nb + k]! * BLOCK * 4 + (missRight[nb + k] ? lay.keyR - lay.keyL : 0);
        thrs[2 * k + 1] = thr[nb + k]!;
      }
      new Float64Array(buf, at + nInternal * 8, 1 << d).set(leaves.subarray(leafBase[i]!, leafBase[i]! + (1 << d)));
      at += treeStride(d);
    }
    this.stage = new Float32Array(buf, lay.stage, lay.stageRows * nf);
    this.os = new Float64Array(buf, lay.out, BLOCK);
  }

  /** null when WebAssembly is unavailable. `simd: false` makes every level scalar (for tests). */
  static create(nFeatures: number, trees: PaddedTrees, simd = true): WasmForest | null {
    if (nFeatures === 0) return null;
    const mod = wasmModule(nFeatures, [...new Set(trees.depth)].sort((a, b) => a - b), simd);
    if (!mod) return null;
    return new WasmForest(mod, nFeatures, trees);
  }

  /**
   * Adds the forest's output for rows [0, rows) to out (which holds the base margin). Rows are
   * copied into WebAssembly memory up to stageRows at a time: with `set`, in one piece (no
   * allocation) when x holds exactly those rows, else through a subarray view per piece.
   */
  addMargins(x: Float32Array, rows: number, out: Float64Array): void {
    const nf = this.nFeatures;
    const { stage, os, runs, stageRows } = this;
    for (let s0 = 0; s0 < rows; s0 += stageRows) {
      const sm = Math.min(stageRows, rows - s0);
      if (s0 === 0 && x.length === sm * nf) stage.set(x);
      else stage.set(x.subarray(s0 * nf, (s0 + sm) * nf));
      for (let b0 = 0; b0 < sm; b0 += BLOCK) {
        const m = Math.min(BLOCK, sm - b0);
        const r0 = s0 + b0;
        for (let i = 0; i < m; i++) os[i] = out[r0 + i]!;
        this.prep(this.stageP + b0 * nf * 4, m);
        for (let k = 0; k < runs.length; k++) {
          const run = runs[k]!;
          run.fn(run.treeP, run.n);
        }
        for (let i = 0; i < m; i++) out[r0 + i] = os[i]!;
      }
    }
  }
}
