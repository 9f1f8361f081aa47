/**
 * A minimal WebAssembly binary writer: just what boardwalk's kernels need (the GBDT scorer, the
 * Pixie walk): one memory import, i32/f32/f64/v128 locals, loads/stores with constant offsets,
 * blocks and loops. Kernels are built at run time with this, so there is no toolchain, build
 * step or binary file.
 */

export const I32 = 0x7f;
export const F32 = 0x7d;
export const F64 = 0x7c;
export const V128 = 0x7b;

export const uleb = (n: number): number[] => {
  const o: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    o.push(b);
  } while (n);
  return o;
};

export const sleb = (n: number): number[] => {
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
const name = (t: string): number[] => [t.length, ...Array.from(t, (ch) => ch.charCodeAt(0))];

/** Opcodes used by the kernels (WebAssembly 1.0 numbering). */
export const Op = {
  block: 0x02,
  loop: 0x03,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  i32Load: 0x28,
  f32Load: 0x2a,
  f64Load: 0x2b,
  i32Store: 0x36,
  f32Store: 0x38,
  f64Store: 0x39,
  i32Const: 0x41,
  f32Const: 0x43,
  i32Eqz: 0x45,
  i32Eq: 0x46,
  i32GtU: 0x4b,
  i32GeS: 0x4e,
  i32LtS: 0x48,
  f32Ne: 0x5c,
  f32Ge: 0x60,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32Mul: 0x6c,
  i32And: 0x71,
  i32Xor: 0x73,
  i32Shl: 0x74,
  i32ShrS: 0x75,
  i32ShrU: 0x76,
  f64Add: 0xa0,
  select: 0x1b,
  void: 0x40,
} as const;

/** SIMD opcodes (after the 0xfd prefix). */
export const Simd = {
  load: 0x00,
  load32Splat: 0x09,
  store: 0x0b,
  load64Lane: 0x57,
  load64Zero: 0x5d,
  f64x2Add: 0xf0,
  const: 0x0c,
  i32x4Splat: 0x11,
  i32x4ExtractLane: 0x1b,
  f32x4Ne: 0x42,
  f32x4Ge: 0x46,
  and: 0x4e,
  or: 0x50,
  bitselect: 0x52,
  i32x4Neg: 0xa1,
  i32x4Shl: 0xab,
  i32x4Add: 0xae,
} as const;

/** Byte-code builder for one function body with numbered locals. */
export class FnBuilder {
  readonly code: number[] = [];
  private readonly locals: number[] = [];

  constructor(readonly nParams: number) {}

  /** A new local of the given value type; returns its index. */
  local(type: number): number {
    this.locals.push(type);
    return this.nParams + this.locals.length - 1;
  }

  op(...bytes: number[]): this {
    for (const b of bytes) this.code.push(b);
    return this;
  }
  get(i: number): this {
    return this.op(Op.localGet, ...uleb(i));
  }
  set(i: number): this {
    return this.op(Op.localSet, ...uleb(i));
  }
  tee(i: number): this {
    return this.op(Op.localTee, ...uleb(i));
  }
  i32(k: number): this {
    return this.op(Op.i32Const, ...sleb(k | 0));
  }
  f32(v: number): this {
    const b = new Uint8Array(new Float32Array([v]).buffer);
    return this.op(Op.f32Const, ...b);
  }
  f64(v: number): this {
    const b = new Uint8Array(new Float64Array([v]).buffer);
    return this.op(0x44, ...b);
  }
  /** a SIMD instruction, with its immediates */
  simd(code: number, ...imm: number[]): this {
    return this.op(0xfd, ...uleb(code), ...imm);
  }
  /** v128.const of four i32 lanes */
  i32x4(a: number, b: number, c: number, d: number): this {
    const v = new Uint8Array(new Int32Array([a, b, c, d]).buffer);
    return this.simd(Simd.const, ...v);
  }

  /** memory access: opcode, log2 alignment, constant byte offset added to the address */
  mem(opcode: number, align: number, offset: number): this {
    return this.op(opcode, align, ...uleb(offset));
  }

  /** The body as the code section wants it: size, local declarations, code, end. */
  encode(): number[] {
    const groups: number[][] = [];
    for (let i = 0; i < this.locals.length; ) {
      let j = i;
      while (j < this.locals.length && this.locals[j] === this.locals[i]) j++;
      groups.push([...uleb(j - i), this.locals[i]!]);
      i = j;
    }
    const fn = [...vector(groups), ...this.code, Op.end];
    return [...uleb(fn.length), ...fn];
  }
}

/** The imported memory: plain (grows, detaching its buffer) or shared with a fixed maximum. */
export type MemoryImport = { shared: false } | { shared: true; maxPages: number };

/**
 * A module importing memory `m.m` and exporting the given functions, all of which take
 * `nParams` i32 parameters and return nothing.
 */
export function assembleModule(fns: { name: string; fn: FnBuilder }[], memory: MemoryImport = { shared: false }): Uint8Array {
  // limits: flag 0 = minimum only; 3 = minimum and maximum, shared
  const limits = memory.shared ? [0x03, ...uleb(1), ...uleb(memory.maxPages)] : [0x00, 1];
  const types = [...new Set(fns.map((f) => f.fn.nParams))];
  const typeOf = (n: number): number => types.indexOf(n);
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
    ...section(1, vector(types.map((n) => [0x60, ...vector(Array.from({ length: n }, () => [I32])), 0]))),
    ...section(2, vector([[...name('m'), ...name('m'), 0x02, ...limits]])),
    ...section(3, vector(fns.map((f) => uleb(typeOf(f.fn.nParams))))),
    ...section(7, vector(fns.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]))),
    ...section(10, vector(fns.map((f) => f.fn.encode()))),
  ];
  return new Uint8Array(bytes);
}
