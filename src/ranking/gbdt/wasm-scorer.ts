/**
 * WebAssembly back end of the compiled forest: the same padded complete trees, walked eight rows
 * at a time by a function assembled here at run time (no build step, no binary file). WebAssembly
 * compares float32 values directly and has no bounds checks or overflow checks in the loop, which
 * makes it about twice as fast as the JavaScript loop.
 *
 * Memory layout (bytes): tree table (nodeBase, depth, leafBase: i32 each, per tree), nodes (8 bytes:
 * i32 feature byte offset | missing-goes-right << 31, f32 threshold), leaves (f64), then the
 * row batch (f32, 8-row padded) and its output (f64).
 */

const ROWS = 8;

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
const I32 = 0x7f;
const F64 = 0x7c;

const uleb = (n: number): number[] => {
  const o: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    o.push(b);
  } while (n);
  return o;
};
const sleb = (n: number): number[] => {
  const o: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && !(b & 0x40)) || (n === -1 && b & 0x40)) {
      o.push(b);
      return o;
    }
    o.push(b | 0x80);
  }
};
const section = (id: number, bytes: number[]): number[] => [id, ...uleb(bytes.length), ...bytes];
const vector = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];

// opcodes
const BLOCK = 0x02;
const LOOP = 0x03;
const END = 0x0b;
const BR = 0x0c;
const BR_IF = 0x0d;
const LGET = 0x20;
const LSET = 0x21;
const I32_LOAD = 0x28;
const F32_LOAD = 0x2a;
const F64_LOAD = 0x2b;
const F64_STORE = 0x39;
const I32_CONST = 0x41;
const F64_CONST = 0x44;
const I32_GE_S = 0x4e;
const I32_ADD = 0x6a;
const I32_MUL = 0x6c;
const I32_AND = 0x71;
const I32_OR = 0x72;
const I32_SHL = 0x74;
const I32_SHR_U = 0x76;
const F32_NE = 0x5c;
const F32_GE = 0x60;
const F64_ADD = 0xa0;
const VOID = 0x40;

/**
 * Body of score(tab, nTrees, xP, outP, rows, nf4): rows a multiple of 8; out[r] = sum of leaves.
 * Without `nan` the missing-value test is left out (for batches known to have no NaN).
 */
function body(nan: boolean): number[] {
  const P = { tab: 0, nTrees: 1, xP: 2, outP: 3, rows: 4, nf4: 5 };
  let L = 6;
  const r = L++;
  const t = L++;
  const lvl = L++;
  const nb = L++;
  const depth = L++;
  const lb = L++;
  const addr = L++;
  const w = L++;
  const n: number[] = [];
  const xo: number[] = [];
  for (let i = 0; i < ROWS; i++) n.push(L++);
  for (let i = 0; i < ROWS; i++) xo.push(L++);
  const nI32 = L - 6;
  const a: number[] = [];
  for (let i = 0; i < ROWS; i++) a.push(L++);
  const fv = L++; // f32 value
  const c: number[] = [];
  const get = (i: number): void => void c.push(LGET, ...uleb(i));
  const set = (i: number): void => void c.push(LSET, ...uleb(i));
  const k = (x: number): void => void c.push(I32_CONST, ...sleb(x));

  k(0);
  set(r);
  c.push(BLOCK, VOID, LOOP, VOID);
  get(r);
  get(P.rows);
  c.push(I32_GE_S, BR_IF, 1);
  for (let i = 0; i < ROWS; i++) {
    get(P.xP);
    get(r);
    k(i);
    c.push(I32_ADD);
    get(P.nf4);
    c.push(I32_MUL, I32_ADD);
    set(xo[i]!);
    c.push(F64_CONST, 0, 0, 0, 0, 0, 0, 0, 0);
    set(a[i]!);
  }
  k(0);
  set(t);
  c.push(BLOCK, VOID, LOOP, VOID);
  get(t);
  get(P.nTrees);
  c.push(I32_GE_S, BR_IF, 1);
  // tree table entry at tab + t*12
  get(P.tab);
  get(t);
  k(12);
  c.push(I32_MUL, I32_ADD);
  set(addr);
  get(addr);
  c.push(I32_LOAD, 2, 0);
  set(nb);
  get(addr);
  c.push(I32_LOAD, 2, 4);
  set(depth);
  get(addr);
  c.push(I32_LOAD, 2, 8);
  set(lb);
  for (let i = 0; i < ROWS; i++) {
    k(0);
    set(n[i]!);
  }
  k(0);
  set(lvl);
  c.push(BLOCK, VOID, LOOP, VOID);
  get(lvl);
  get(depth);
  c.push(I32_GE_S, BR_IF, 1);
  for (let i = 0; i < ROWS; i++) {
    // addr = nb + n*8; w = node word; v = x[row][feature]
    get(nb);
    get(n[i]!);
    k(3);
    c.push(I32_SHL, I32_ADD);
    set(addr);
    get(addr);
    c.push(I32_LOAD, 2, 0);
    set(w);
    get(xo[i]!);
    get(w);
    k(0x7fffffff);
    c.push(I32_AND, I32_ADD, F32_LOAD, 2, 0);
    set(fv);
    // n = 2n + 1 + ((v >= thr) | ((v != v) & (w >>> 31)))
    get(n[i]!);
    k(1);
    c.push(I32_SHL);
    k(1);
    c.push(I32_ADD);
    get(fv);
    get(addr);
    c.push(F32_LOAD, 2, 4, F32_GE);
    if (nan) {
      get(fv);
      get(fv);
      c.push(F32_NE);
      get(w);
      k(31);
      c.push(I32_SHR_U, I32_AND, I32_OR);
    }
    c.push(I32_ADD);
    set(n[i]!);
  }
  get(lvl);
  k(1);
  c.push(I32_ADD);
  set(lvl);
  c.push(BR, 0, END, END);
  for (let i = 0; i < ROWS; i++) {
    get(a[i]!);
    get(lb);
    get(n[i]!);
    k(3);
    c.push(I32_SHL, I32_ADD, F64_LOAD, 3, 0, F64_ADD);
    set(a[i]!);
  }
  get(t);
  k(1);
  c.push(I32_ADD);
  set(t);
  c.push(BR, 0, END, END);
  for (let i = 0; i < ROWS; i++) {
    get(P.outP);
    get(r);
    k(i);
    c.push(I32_ADD);
    k(3);
    c.push(I32_SHL, I32_ADD);
    get(a[i]!);
    c.push(F64_STORE, 3, 0);
  }
  get(r);
  k(ROWS);
  c.push(I32_ADD);
  set(r);
  c.push(BR, 0, END, END, END);
  const locals = [
    [...uleb(nI32), I32],
    [...uleb(ROWS), F64],
    [1, 0x7d],
  ];
  const fn = [...vector(locals), ...c];
  return [...uleb(fn.length), ...fn];
}

/** Module importing memory m.m and exporting `score` (NaN-aware) and `scoreClean`. */
function assemble(): Uint8Array {
  const name = (t: string): number[] => [t.length, ...Array.from(t, (ch) => ch.charCodeAt(0))];
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
    ...section(1, vector([[0x60, ...vector(Array.from({ length: 6 }, () => [I32])), 0]])),
    ...section(2, vector([[1, 0x6d, 1, 0x6d, 0x02, 0x00, 1]])),
    ...section(3, vector([[0], [0]])),
    ...section(7, vector([[...name('score'), 0x00, 0], [...name('scoreClean'), 0x00, 1]])),
    ...section(10, vector([body(true), body(false)])),
  ];
  return new Uint8Array(bytes);
}

let moduleCache: WasmModule | null | undefined;

function wasmModule(): WasmModule | null {
  if (moduleCache === undefined) {
    try {
      moduleCache = WA ? new WA.Module(assemble()) : null;
    } catch {
      moduleCache = null;
    }
  }
  return moduleCache;
}

type ScoreFn = (tab: number, nTrees: number, xP: number, outP: number, rows: number, nf4: number) => void;

/** Padded forest in WebAssembly memory. */
export class WasmForest {
  private readonly memory: WasmMemory;
  private readonly score: ScoreFn;
  private readonly scoreClean: ScoreFn;
  private readonly batchP: number;
  private readonly batchRows: number;
  private readonly nTrees: number;
  private readonly outP: number;
  /** views into the batch area, made once (the memory never grows) */
  private readonly xs: Float32Array;
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
    this.nTrees = depth.length;
    const tabBytes = this.nTrees * 12;
    const nodeP = tabBytes;
    const leafP = (nodeP + feat.length * 8 + 7) & ~7;
    this.batchP = leafP + leaves.length * 8;
    // batch: up to 4096 rows of features plus their outputs
    this.batchRows = 4096;
    const need = this.batchP + this.batchRows * (nFeatures * 4 + 8);
    this.memory = new WA!.Memory({ initial: Math.ceil(need / 65536) + 1 });
    const inst = new WA!.Instance(mod, { m: { m: this.memory } });
    this.score = inst.exports.score as ScoreFn;
    this.scoreClean = inst.exports.scoreClean as ScoreFn;
    const buf = this.memory.buffer;
    const tab = new Int32Array(buf, 0, this.nTrees * 3);
    for (let t = 0; t < this.nTrees; t++) {
      tab[3 * t] = nodeP + nodeBase[t]! * 8;
      tab[3 * t + 1] = depth[t]!;
      // leaf address = leafP + (leafBase + n - internal) * 8 for heap index n
      tab[3 * t + 2] = leafP + (leafBase[t]! - ((1 << depth[t]!) - 1)) * 8;
    }
    const words = new Int32Array(buf, nodeP, feat.length * 2);
    const thrs = new Float32Array(buf, nodeP, feat.length * 2);
    for (let i = 0; i < feat.length; i++) {
      words[2 * i] = (feat[i]! * 4) | (missRight[i]! << 31);
      thrs[2 * i + 1] = thr[i]!;
    }
    new Float64Array(buf, leafP, leaves.length).set(leaves);
    this.xs = new Float32Array(buf, this.batchP, this.batchRows * nFeatures);
    this.outP = this.batchP + this.batchRows * nFeatures * 4;
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
    const mod = wasmModule();
    if (!mod || nFeatures === 0) return null;
    return new WasmForest(mod, nFeatures, depth, nodeBase, leafBase, feat, missRight, thr, leaves);
  }

  /** Scores 8-row groups [g0, g1) of the batch. */
  private run(clean: boolean, g0: number, g1: number, groupBytes: number, outP: number, nf: number): void {
    if (g1 <= g0) return;
    const fn = clean ? this.scoreClean : this.score;
    fn(0, this.nTrees, this.batchP + g0 * groupBytes, outP + g0 * ROWS * 8, (g1 - g0) * ROWS, nf * 4);
  }

  /** Adds the forest's output for rows [0, rows) to out (which holds the base margin). */
  addMargins(x: Float32Array, rows: number, out: Float64Array): void {
    const nf = this.nFeatures;
    const { xs, os, outP } = this;
    for (let r0 = 0; r0 < rows; r0 += this.batchRows) {
      const m = Math.min(this.batchRows, rows - r0);
      const padded = (m + ROWS - 1) & ~(ROWS - 1);
      xs.set(x.subarray(r0 * nf, (r0 + m) * nf));
      if (padded > m) xs.fill(0, m * nf, padded * nf);
      // runs of 8-row groups with and without missing values go to the matching function
      const groupBytes = ROWS * nf * 4;
      let runStart = 0;
      let runClean = true;
      for (let g = 0; g * ROWS < padded; g++) {
        let clean = true;
        for (let i = g * ROWS * nf, e = i + ROWS * nf; i < e; i++) {
          const v = xs[i]!;
          if (v !== v) {
            clean = false;
            break;
          }
        }
        if (g === 0) runClean = clean;
        else if (clean !== runClean) {
          this.run(runClean, runStart, g, groupBytes, outP, nf);
          runStart = g;
          runClean = clean;
        }
      }
      this.run(runClean, runStart, padded / ROWS, groupBytes, outP, nf);
      for (let i = 0; i < m; i++) out[r0 + i] = out[r0 + i]! + os[i]!;
    }
  }
}
