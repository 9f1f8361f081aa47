/**
 * The unbiased Pixie walk kernel in WebAssembly, assembled at run time (no toolchain, no binary
 * file). It is PixieWalker's JavaScript walk (pixie.ts, walkOne) instruction for instruction: the
 * same lanes, stages, sfc32 stream and float index arithmetic, so both give identical visits for
 * a seed. WebAssembly runs it about 2-3x faster: no bounds checks (guard pages do that), integer
 * registers throughout, and short loop bodies, so the CPU keeps more lanes' cache misses in
 * flight. See docs/walks.md.
 */

/** walks advanced together (must equal pixie.ts LANES: it shapes the result) */
export const KERNEL_LANES = 64;
/** steps walked before their visits are counted (must equal pixie.ts LOG) */
export const KERNEL_LOG = 1024;

/**
 * Byte layout of one walker's scratch block, relative to its start: lane arrays, step logs and
 * the header the kernel writes its results to.
 */
export const SCRATCH = {
  lanePin: 0,
  laneStart: KERNEL_LANES * 4,
  laneDeg: KERNEL_LANES * 8,
  laneBoard: KERNEL_LANES * 12,
  drawRestart: KERNEL_LANES * 16,
  /** f64 draws in [0, 1) */
  drawBoard: KERNEL_LANES * 20,
  drawPin: KERNEL_LANES * 28,
  pinLog: KERNEL_LANES * 36,
  boardLog: KERNEL_LANES * 36 + KERNEL_LOG * 4,
  /** i32 header: nTouched, nBoardTouched (in and out), steps walked, 1 if early-stopped, nAgg (fold) */
  header: KERNEL_LANES * 36 + KERNEL_LOG * 8,
  bytes: KERNEL_LANES * 36 + KERNEL_LOG * 8 + 32,
} as const;

/** The fold's parameters (see buildFold). */
export const FOLD_PARAMS = ['visits', 'touched', 'nTouched', 'slot', 'aggVal', 'aggTouched', 'scratch', 'boost'] as const;

/** The kernel's parameters, in order (all i32; addresses are byte offsets). */
export const KERNEL_PARAMS = [
  'pinOff', 'pinAdj', 'boardOff', 'boardAdj',
  'visits', 'touched', 'boardVisits', 'boardTouched', 'scratch',
  'q', 'n', 'nv', 'np', 'restartBelow', 'a', 'b', 'c', 'd', 'countBoards',
] as const;

// --- a minimal WebAssembly binary writer (only what this kernel uses) ---

const I32 = 0x7f;

function uleb(n: number): number[] {
  const o: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    o.push(b);
  } while (n);
  return o;
}

function sleb(n: number): number[] {
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
}

const OP = {
  block: 0x02, loop: 0x03, if: 0x04, end: 0x0b, br: 0x0c, brIf: 0x0d, void: 0x40,
  get: 0x20, set: 0x21, tee: 0x22,
  load: 0x28, store: 0x36, f64Load: 0x2b, f64Store: 0x39,
  i32Const: 0x41, f64Const: 0x44,
  eqz: 0x45, eq: 0x46, ne: 0x47, ltS: 0x48, ltU: 0x49, geS: 0x4e, geU: 0x4f,
  add: 0x6a, sub: 0x6b, and: 0x71, or: 0x72, xor: 0x73, shl: 0x74, shrS: 0x75, shrU: 0x76, rotl: 0x77,
  f64Sqrt: 0x9f, f64Add: 0xa0, f64Mul: 0xa2, truncF64S: 0xaa, f64FromI32S: 0xb7, f64FromI32U: 0xb8,
  select: 0x1b,
} as const;

/** Function body builder with named i32 locals. */
class Body {
  readonly code: number[] = [];
  private readonly idx = new Map<string, number>();
  private nLocals = 0;

  constructor(params: readonly string[]) {
    params.forEach((p, i) => this.idx.set(p, i));
    this.nLocals = 0;
  }
  local(name: string): void {
    this.idx.set(name, this.idx.size);
    this.nLocals++;
  }
  private at(name: string): number {
    const i = this.idx.get(name);
    if (i === undefined) throw new Error(`wasm kernel: no local ${name}`);
    return i;
  }
  op(...b: number[]): this {
    for (const x of b) this.code.push(x);
    return this;
  }
  get(n: string): this {
    return this.op(OP.get, ...uleb(this.at(n)));
  }
  set(n: string): this {
    return this.op(OP.set, ...uleb(this.at(n)));
  }
  tee(n: string): this {
    return this.op(OP.tee, ...uleb(this.at(n)));
  }
  i32(k: number): this {
    return this.op(OP.i32Const, ...sleb(k | 0));
  }
  f64(v: number): this {
    return this.op(OP.f64Const, ...new Uint8Array(new Float64Array([v]).buffer));
  }
  /** i32.load at (address on stack) + offset */
  load(offset = 0): this {
    return this.op(OP.load, 2, ...uleb(offset));
  }
  /** i32.store of (address, value on stack) at address + offset */
  store(offset = 0): this {
    return this.op(OP.store, 2, ...uleb(offset));
  }
  f64load(offset = 0): this {
    return this.op(OP.f64Load, 3, ...uleb(offset));
  }
  f64store(offset = 0): this {
    return this.op(OP.f64Store, 3, ...uleb(offset));
  }
  /** address of 32-bit element `index` (already on the stack) in the array at local `base` */
  elem(base: string): this {
    return this.i32(2).op(OP.shl).get(base).op(OP.add);
  }
  encode(): number[] {
    const fn = [...(this.nLocals > 0 ? [1, ...uleb(this.nLocals), I32] : [0]), ...this.code, OP.end];
    return [...uleb(fn.length), ...fn];
  }
}

/** sfc32 step on locals a, b, c, d; leaves t in local t. Same arithmetic as Rng.nextU32. */
function sfc32(f: Body): void {
  f.get('a').get('b').op(OP.add).get('d').op(OP.add).set('t');
  f.get('d').i32(1).op(OP.add).set('d');
  f.get('b').get('b').i32(9).op(OP.shrU).op(OP.xor).set('a');
  f.get('c').get('c').i32(3).op(OP.shl).op(OP.add).set('b');
  f.get('c').i32(21).op(OP.rotl).get('t').op(OP.add).set('c');
}

/** (t >>> 0) * 2^-32: the JS kernel's uniform draw, bit for bit */
function drawUniform(f: Body): void {
  f.get('t').op(OP.f64FromI32U).f64(1 / 4294967296).op(OP.f64Mul);
}

/** for (l = 0; l < m; l++) body — the lane loop of one stage */
function laneLoop(f: Body, body: () => void): void {
  f.i32(0).set('l');
  f.op(OP.block, OP.void, OP.loop, OP.void);
  f.get('l').get('m').op(OP.geS, OP.brIf, 1);
  body();
  f.get('l').i32(1).op(OP.add).set('l');
  f.op(OP.br, 0, OP.end, OP.end);
}

function buildKernel(): Body {
  const f = new Body(KERNEL_PARAMS);
  for (const n of ['t', 'l', 'm', 'k', 'i', 'chunk', 'lanes', 'total', 'high', 'stopped', 'cnt', 'nT', 'nBT', 'p', 's', 'v', 'x', 'la']) f.local(n);
  const S = SCRATCH;
  // address of lane l's element in the scratch block (the array's offset goes in the load/store)
  const lane = (): void => {
    f.get('l').i32(2).op(OP.shl).get('scratch').op(OP.add);
  };

  f.get('scratch').load(S.header).set('nT');
  f.get('scratch').load(S.header + 4).set('nBT');
  // lanes = min(n, LANES); every lane starts at q
  f.get('n').i32(KERNEL_LANES).get('n').i32(KERNEL_LANES).op(OP.ltS, OP.select).set('lanes');
  f.get('lanes').set('m');
  laneLoop(f, () => {
    lane();
    f.get('q').store(S.lanePin);
  });

  // while (total < n)
  f.op(OP.block, OP.void, OP.loop, OP.void);
  f.get('total').get('n').op(OP.geS, OP.brIf, 1);
  // chunk = min(n - total, LOG)
  f.get('n').get('total').op(OP.sub).tee('x').i32(KERNEL_LOG).get('x').i32(KERNEL_LOG).op(OP.ltS, OP.select).set('chunk');
  f.i32(0).set('k');
  // for (k = 0; k < chunk; k += m)
  f.op(OP.block, OP.void, OP.loop, OP.void);
  f.get('k').get('chunk').op(OP.geS, OP.brIf, 1);
  f.get('chunk').get('k').op(OP.sub).tee('x').get('lanes').get('x').get('lanes').op(OP.ltS, OP.select).set('m');

  // draws for the pass: board pick, pin pick, restart mask (-1: restart at q)
  laneLoop(f, () => {
    // f64 slot address: scratch + 8l
    f.get('l').i32(3).op(OP.shl).get('scratch').op(OP.add).set('la');
    sfc32(f);
    f.get('la');
    drawUniform(f);
    f.f64store(S.drawBoard);
    sfc32(f);
    f.get('la');
    drawUniform(f);
    f.f64store(S.drawPin);
    sfc32(f);
    lane();
    f.get('t').i32(1).op(OP.shrU).get('restartBelow').op(OP.sub).i32(31).op(OP.shrS).store(S.drawRestart);
  });
  // stages 1 and 3: the CSR row (start, degree) of each lane's node
  const rowStage = (node: number, offsets: string): void =>
    laneLoop(f, () => {
      lane();
      f.tee('la').load(node).elem(offsets).tee('x').load(0).set('s');
      f.get('la').get('s').store(S.laneStart);
      f.get('la').get('x').load(4).get('s').op(OP.sub).store(S.laneDeg);
    });
  // stages 2 and 4, first part: adj[start + (draw * deg | 0)] into local `into`, logged at k + l
  const pick = (draw: number, adj: string, into: string, log: number): void => {
    lane();
    f.tee('la').load(S.laneStart);
    f.get('l').i32(3).op(OP.shl).get('scratch').op(OP.add).f64load(draw);
    f.get('la').load(S.laneDeg).op(OP.f64FromI32S).op(OP.f64Mul).op(OP.truncF64S);
    f.op(OP.add).elem(adj).load(0).set(into);
    f.get('k').get('l').op(OP.add).i32(2).op(OP.shl).get('scratch').op(OP.add).get(into).store(log);
  };
  // stage 1: row of each lane's pin
  rowStage(S.lanePin, 'pinOff');
  // stage 2: pick a board
  laneLoop(f, () => {
    pick(S.drawBoard, 'pinAdj', 'x', S.boardLog);
    f.get('la').get('x').store(S.laneBoard);
  });
  // stage 3: row of each lane's board
  rowStage(S.laneBoard, 'boardOff');
  // stage 4: pick a pin, log it, restart at q where the mask says so
  laneLoop(f, () => {
    pick(S.drawPin, 'boardAdj', 'p', S.pinLog);
    // lanePin = (q & mask) | (p & ~mask)
    f.get('la').load(S.drawRestart).set('x');
    f.get('la');
    f.get('q').get('x').op(OP.and);
    f.get('p').get('x').i32(-1).op(OP.xor).op(OP.and);
    f.op(OP.or).store(S.lanePin);
  });
  f.get('k').get('m').op(OP.add).set('k');
  f.op(OP.br, 0, OP.end, OP.end);

  // count the chunk's pin visits in order; early stopping may fire inside, at step i: then
  // only steps 0..i are counted, boards included ('cnt')
  f.get('chunk').set('cnt');
  f.i32(0).set('i');
  f.op(OP.block, OP.void, OP.loop, OP.void);
  f.get('i').get('chunk').op(OP.geS, OP.brIf, 1);
  f.get('i').i32(2).op(OP.shl).get('scratch').op(OP.add).load(S.pinLog).tee('p').elem('visits').tee('s').load(0).set('v');
  f.get('nT').elem('touched').get('p').store(0);
  f.get('nT').get('v').i32(1).op(OP.sub).i32(31).op(OP.shrU).op(OP.add).set('nT');
  f.get('s').get('v').i32(1).op(OP.add).tee('v').store(0);
  // if (v + 1 === nv && ++high >= np) stop after this step
  f.get('v').get('nv').op(OP.eq, OP.if, OP.void);
  f.get('high').i32(1).op(OP.add).tee('high').get('np').op(OP.geS, OP.if, OP.void);
  f.get('i').i32(1).op(OP.add).set('cnt');
  f.i32(1).set('stopped');
  f.op(OP.br, 3); // out of the counting loop
  f.op(OP.end, OP.end);
  f.get('i').i32(1).op(OP.add).set('i');
  f.op(OP.br, 0, OP.end, OP.end);
  // then the same steps' board visits (only when the caller wants related boards)
  f.get('countBoards').op(OP.if, OP.void);
  f.i32(0).set('i');
  f.op(OP.block, OP.void, OP.loop, OP.void);
  f.get('i').get('cnt').op(OP.geS, OP.brIf, 1);
  f.get('i').i32(2).op(OP.shl).get('scratch').op(OP.add).load(S.boardLog).tee('x').elem('boardVisits').tee('s').load(0).set('v');
  f.get('nBT').elem('boardTouched').get('x').store(0);
  f.get('nBT').get('v').i32(1).op(OP.sub).i32(31).op(OP.shrU).op(OP.add).set('nBT');
  f.get('s').get('v').i32(1).op(OP.add).store(0);
  f.get('i').i32(1).op(OP.add).set('i');
  f.op(OP.br, 0, OP.end, OP.end);
  f.op(OP.end);
  f.get('total').get('cnt').op(OP.add).set('total');
  f.get('stopped').op(OP.brIf, 1);
  f.op(OP.br, 0, OP.end, OP.end);

  f.get('scratch').get('nT').store(S.header);
  f.get('scratch').get('nBT').store(S.header + 4);
  f.get('scratch').get('total').store(S.header + 8);
  f.get('scratch').get('stopped').store(S.header + 12);
  return f;
}

/**
 * fold: adds one query pin's visit counts into the aggregate and resets them (PixieWalker's
 * foldVisits, same arithmetic): for each touched pin p, slot[p] (index + 1 into the dense
 * aggregate, 0 = none yet) is made if needed, aggVal += boost ? √v : v, visits[p] = 0.
 */
function buildFold(): Body {
  const f = new Body(FOLD_PARAMS);
  for (const n of ['i', 'p', 'v', 'va', 's', 'sa', 'nAgg', 'a']) f.local(n);
  const H = SCRATCH.header + 16;
  f.get('scratch').load(H).set('nAgg');
  f.op(OP.block, OP.void, OP.loop, OP.void);
  f.get('i').get('nTouched').op(OP.geS, OP.brIf, 1);
  f.get('i').elem('touched').load(0).set('p');
  f.get('p').elem('visits').tee('va').load(0).set('v');
  f.get('p').elem('slot').tee('sa').load(0).tee('s');
  f.op(OP.eqz, OP.if, OP.void);
  f.get('nAgg').i32(1).op(OP.add).tee('nAgg').set('s');
  f.get('sa').get('s').store(0);
  f.get('s').i32(1).op(OP.sub).elem('aggTouched').get('p').store(0);
  f.get('s').i32(1).op(OP.sub).i32(3).op(OP.shl).get('aggVal').op(OP.add).f64(0).f64store(0);
  f.op(OP.end);
  // aggVal[s - 1] += boost ? sqrt(v) : v
  f.get('s').i32(1).op(OP.sub).i32(3).op(OP.shl).get('aggVal').op(OP.add).tee('a');
  f.get('a').f64load(0);
  f.get('v').op(OP.f64FromI32U).op(OP.f64Sqrt);
  f.get('v').op(OP.f64FromI32U);
  f.get('boost').op(OP.select);
  f.op(OP.f64Add).f64store(0);
  f.get('va').i32(0).store(0);
  f.get('i').i32(1).op(OP.add).set('i');
  f.op(OP.br, 0, OP.end, OP.end);
  f.get('scratch').get('nAgg').store(H);
  return f;
}

/**
 * The kernel module's bytes: imports a shared memory `m.m` (min pages 1, max `maxPages`) and
 * exports `walk` (KERNEL_PARAMS → nothing) and `fold` (FOLD_PARAMS → nothing).
 */
export function kernelModuleBytes(maxPages: number): Uint8Array {
  const section = (id: number, bytes: number[]): number[] => [id, ...uleb(bytes.length), ...bytes];
  const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
  const str = (t: string): number[] => [t.length, ...Array.from(t, (ch) => ch.charCodeAt(0))];
  const fns = [
    { name: 'walk', params: KERNEL_PARAMS.length, body: buildKernel() },
    { name: 'fold', params: FOLD_PARAMS.length, body: buildFold() },
  ];
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
    // one type per function: i32 parameters, no results
    ...section(1, vec(fns.map((fn) => [0x60, ...vec(Array.from({ length: fn.params }, () => [I32])), 0]))),
    // memory import, limits flag 3 = has maximum + shared
    ...section(2, vec([[...str('m'), ...str('m'), 0x02, 0x03, ...uleb(1), ...uleb(maxPages)]])),
    ...section(3, vec(fns.map((_, i) => uleb(i)))),
    ...section(7, vec(fns.map((fn, i) => [...str(fn.name), 0x00, ...uleb(i)]))),
    ...section(10, vec(fns.map((fn) => fn.body.encode()))),
  ];
  return new Uint8Array(bytes);
}
