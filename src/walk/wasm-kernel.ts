/**
 * The Pixie walk kernels (unbiased `walk`, rejection-sampled `walkBiased`) in WebAssembly,
 * assembled at run time (no toolchain, no binary file). Each is PixieWalker's JavaScript walk
 * (pixie.ts, walkOne) instruction for instruction: the
 * same lanes, stages, sfc32 stream and float index arithmetic, so both give identical visits for
 * a seed. WebAssembly runs it about 2-3x faster: no bounds checks (guard pages do that), integer
 * registers throughout, and short loop bodies, so the CPU keeps more lanes' cache misses in
 * flight. See docs/walks.md.
 */
import { assembleModule, FnBuilder, I32, Op } from '../util/wasm-asm.js';

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
export const FOLD_PARAMS = ['visits', 'touched', 'nTouched', 'slot', 'aggVal', 'aggTouched', 'scratch', 'boost', 'extra'] as const;

/**
 * Pin and board visit counters are 16 bits (half the cache footprint of 32: the walk runs ~15 %
 * faster). A counter at 0xFFFF moves 0x8000 into the node's 32-bit `extra` slot and goes on from
 * 0x8000, so counts stay exact; a count is counter + (counter >= 0x8000 ? extra : 0). Early
 * stopping compares the counter with nv, so nv must be below 0x8000 (MAX_NV).
 */
export const COUNTER_CARRY = 0x8000;
export const MAX_NV = COUNTER_CARRY - 1;

/**
 * The kernels' parameters, in order (all i32; addresses are byte offsets). The last four are
 * read by `walkBiased` only: the Uint16 code arrays (-1 = that step unbiased), the preferred
 * code, and acceptMax = ⌈2^32 / strength⌉ − 1 (a non-matching neighbour is kept when the draw
 * t satisfies t ≤ acceptMax, i.e. t·2^-32 < 1/strength exactly, as in the JavaScript walk).
 */
export const KERNEL_PARAMS = [
  'pinOff', 'pinAdj', 'boardOff', 'boardAdj',
  'visits', 'touched', 'boardVisits', 'boardTouched', 'scratch',
  'q', 'n', 'nv', 'np', 'restartBelow', 'a', 'b', 'c', 'd', 'countBoards', 'extra', 'boardExtra',
  'pinCodes', 'boardCodes', 'code', 'acceptMax',
] as const;

/** rejection-sampling tries per biased step (must equal pixie.ts MAX_BIAS_TRIES) */
export const KERNEL_BIAS_TRIES = 16;

const OP = {
  ...Op,
  if: 0x04, void: 0x40,
  load: 0x28, store: 0x36, f64Load: 0x2b, f64Store: 0x39, load16U: 0x2f, store16: 0x3b, else: 0x05,
  eqz: 0x45, eq: 0x46, ne: 0x47, geS: 0x4e, ltS: 0x48, leU: 0x4d,
  add: 0x6a, sub: 0x6b, and: 0x71, or: 0x72, xor: 0x73, shl: 0x74, shrS: 0x75, shrU: 0x76, rotl: 0x77,
  f64Sqrt: 0x9f, f64Add: 0xa0, f64Mul: 0xa2, truncF64S: 0xaa, f64FromI32S: 0xb7, f64FromI32U: 0xb8,
  select: 0x1b,
} as const;

/** A function body with named i32 parameters and locals (the kernels are easier to read so). */
class Body extends FnBuilder {
  private readonly idx = new Map<string, number>();

  constructor(params: readonly string[]) {
    super(params.length);
    params.forEach((p, i) => this.idx.set(p, i));
  }
  named(name: string): void {
    this.idx.set(name, this.local(I32));
  }
  private at(name: string): number {
    const i = this.idx.get(name);
    if (i === undefined) throw new Error(`wasm kernel: no local ${name}`);
    return i;
  }
  lget(n: string): this {
    return this.get(this.at(n));
  }
  lset(n: string): this {
    return this.set(this.at(n));
  }
  ltee(n: string): this {
    return this.tee(this.at(n));
  }
  /** i32.load at (address on stack) + offset */
  load(offset = 0): this {
    return this.mem(OP.load, 2, offset);
  }
  /** i32.store of (address, value on stack) at address + offset */
  store(offset = 0): this {
    return this.mem(OP.store, 2, offset);
  }
  load16(offset = 0): this {
    return this.mem(OP.load16U, 1, offset);
  }
  store16(offset = 0): this {
    return this.mem(OP.store16, 1, offset);
  }
  f64load(offset = 0): this {
    return this.mem(OP.f64Load, 3, offset);
  }
  f64store(offset = 0): this {
    return this.mem(OP.f64Store, 3, offset);
  }
  /** address of 32-bit element `index` (already on the stack) in the array at local `base` */
  elem(base: string): this {
    return this.i32(2).op(OP.shl).lget(base).op(OP.add);
  }
}

/** sfc32 step on locals a, b, c, d; leaves t in local t. Same arithmetic as Rng.nextU32. */
function sfc32(f: Body): void {
  f.lget('a').lget('b').op(OP.add).lget('d').op(OP.add).lset('t');
  f.lget('d').i32(1).op(OP.add).lset('d');
  f.lget('b').lget('b').i32(9).op(OP.shrU).op(OP.xor).lset('a');
  f.lget('c').lget('c').i32(3).op(OP.shl).op(OP.add).lset('b');
  f.lget('c').i32(21).op(OP.rotl).lget('t').op(OP.add).lset('c');
}

/** (t >>> 0) * 2^-32: the JS kernel's uniform draw, bit for bit */
function drawUniform(f: Body): void {
  f.lget('t').op(OP.f64FromI32U).f64(1 / 4294967296).op(OP.f64Mul);
}

/** for (l = 0; l < m; l++) body — the lane loop of one stage */
function laneLoop(f: Body, body: () => void): void {
  f.i32(0).lset('l');
  f.op(OP.block, OP.void, OP.loop, OP.void);
  f.lget('l').lget('m').op(OP.geS, OP.brIf, 1);
  body();
  f.lget('l').i32(1).op(OP.add).lset('l');
  f.op(OP.br, 0, OP.end, OP.end);
}

/**
 * The walk; `biased`: the pin→board and board→pin picks are rejection-sampled towards
 * neighbours with the preferred code, drawing further numbers from the same stream exactly as
 * PixieWalker's JavaScript walk does (same results for a seed).
 */
function buildKernel(biased: boolean): Body {
  const f = new Body(KERNEL_PARAMS);
  for (const n of ['t', 'l', 'm', 'k', 'i', 'chunk', 'lanes', 'total', 'high', 'stopped', 'cnt', 'nT', 'nBT', 'p', 's', 'v', 'x', 'la', 'tries']) f.named(n);
  const S = SCRATCH;
  // address of lane l's element in the scratch block (the array's offset goes in the load/store)
  const lane = (): void => {
    f.lget('l').i32(2).op(OP.shl).lget('scratch').op(OP.add);
  };

  // the 16-bit counter step: v = v === 0xFFFF ? (extra[node] += CARRY, CARRY) : v + 1
  const carry = (node: string, extra: string): void => {
    f.lget('v').i32(0xffff).op(OP.eq, OP.if, OP.void);
    f.lget(node).elem(extra).ltee('la').lget('la').load(0).i32(COUNTER_CARRY).op(OP.add).store(0);
    f.i32(COUNTER_CARRY).lset('v');
    f.op(OP.else);
    f.lget('v').i32(1).op(OP.add).lset('v');
    f.op(OP.end);
  };

  f.lget('scratch').load(S.header).lset('nT');
  f.lget('scratch').load(S.header + 4).lset('nBT');
  // lanes = min(n, LANES); every lane starts at q
  f.lget('n').i32(KERNEL_LANES).lget('n').i32(KERNEL_LANES).op(OP.ltS, OP.select).lset('lanes');
  f.lget('lanes').lset('m');
  laneLoop(f, () => {
    lane();
    f.lget('q').store(S.lanePin);
  });

  // while (total < n)
  f.op(OP.block, OP.void, OP.loop, OP.void);
  f.lget('total').lget('n').op(OP.geS, OP.brIf, 1);
  // chunk = min(n - total, LOG)
  f.lget('n').lget('total').op(OP.sub).ltee('x').i32(KERNEL_LOG).lget('x').i32(KERNEL_LOG).op(OP.ltS, OP.select).lset('chunk');
  f.i32(0).lset('k');
  // for (k = 0; k < chunk; k += m)
  f.op(OP.block, OP.void, OP.loop, OP.void);
  f.lget('k').lget('chunk').op(OP.geS, OP.brIf, 1);
  f.lget('chunk').lget('k').op(OP.sub).ltee('x').lget('lanes').lget('x').lget('lanes').op(OP.ltS, OP.select).lset('m');

  // draws for the pass: board pick, pin pick, restart mask (-1: restart at q)
  laneLoop(f, () => {
    // f64 slot address: scratch + 8l
    f.lget('l').i32(3).op(OP.shl).lget('scratch').op(OP.add).lset('la');
    sfc32(f);
    f.lget('la');
    drawUniform(f);
    f.f64store(S.drawBoard);
    sfc32(f);
    f.lget('la');
    drawUniform(f);
    f.f64store(S.drawPin);
    sfc32(f);
    lane();
    f.lget('t').i32(1).op(OP.shrU).lget('restartBelow').op(OP.sub).i32(31).op(OP.shrS).store(S.drawRestart);
  });
  // stages 1 and 3: the CSR row (start, degree) of each lane's node
  const rowStage = (node: number, offsets: string): void =>
    laneLoop(f, () => {
      lane();
      f.ltee('la').load(node).elem(offsets).ltee('x').load(0).lset('s');
      f.lget('la').lget('s').store(S.laneStart);
      f.lget('la').lget('x').load(4).lget('s').op(OP.sub).store(S.laneDeg);
    });
  // stages 2 and 4, first part: adj[start + (draw * deg | 0)] into local `into`, logged at k + l
  const pick = (draw: number, adj: string, into: string, log: number, codes: string): void => {
    lane();
    f.ltee('la').load(S.laneStart);
    f.lget('l').i32(3).op(OP.shl).lget('scratch').op(OP.add).f64load(draw);
    f.lget('la').load(S.laneDeg).op(OP.f64FromI32S).op(OP.f64Mul).op(OP.truncF64S);
    f.op(OP.add).elem(adj).load(0).lset(into);
    if (biased) rejectTowardsCode(codes, adj, into);
    f.lget('k').lget('l').op(OP.add).i32(2).op(OP.shl).lget('scratch').op(OP.add).lget(into).store(log);
  };
  // code of node `node` in the Uint16 code array at local `codes`
  const codeOf = (codes: string, node: string): void => {
    f.lget(node).i32(1).op(OP.shl).lget(codes).op(OP.add).load16(0);
  };
  // if (codes >= 0 && codes[into] !== code) up to KERNEL_BIAS_TRIES times: a draw below
  // 1/strength keeps the non-matching neighbour; else a fresh pick from the same row, kept if
  // it matches (pixie.ts walkOne, stages 2 and 4)
  const rejectTowardsCode = (codes: string, adj: string, into: string): void => {
    f.lget(codes).i32(0).op(OP.geS, OP.if, OP.void);
    codeOf(codes, into);
    f.lget('code').op(OP.ne, OP.if, OP.void);
    f.i32(0).lset('tries');
    f.op(OP.block, OP.void, OP.loop, OP.void);
    f.lget('tries').i32(KERNEL_BIAS_TRIES).op(OP.geS, OP.brIf, 1);
    sfc32(f);
    f.lget('t').lget('acceptMax').op(OP.leU, OP.brIf, 1);
    sfc32(f);
    f.lget('la').load(S.laneStart);
    drawUniform(f);
    f.lget('la').load(S.laneDeg).op(OP.f64FromI32S).op(OP.f64Mul).op(OP.truncF64S);
    f.op(OP.add).elem(adj).load(0).lset(into);
    codeOf(codes, into);
    f.lget('code').op(OP.eq, OP.brIf, 1);
    f.lget('tries').i32(1).op(OP.add).lset('tries');
    f.op(OP.br, 0, OP.end, OP.end);
    f.op(OP.end, OP.end);
  };
  // stage 1: row of each lane's pin
  rowStage(S.lanePin, 'pinOff');
  // stage 2: pick a board
  laneLoop(f, () => {
    pick(S.drawBoard, 'pinAdj', 'x', S.boardLog, 'boardCodes');
    f.lget('la').lget('x').store(S.laneBoard);
  });
  // stage 3: row of each lane's board
  rowStage(S.laneBoard, 'boardOff');
  // stage 4: pick a pin, log it, restart at q where the mask says so
  laneLoop(f, () => {
    pick(S.drawPin, 'boardAdj', 'p', S.pinLog, 'pinCodes');
    // lanePin = (q & mask) | (p & ~mask)
    f.lget('la').load(S.drawRestart).lset('x');
    f.lget('la');
    f.lget('q').lget('x').op(OP.and);
    f.lget('p').lget('x').i32(-1).op(OP.xor).op(OP.and);
    f.op(OP.or).store(S.lanePin);
  });
  f.lget('k').lget('m').op(OP.add).lset('k');
  f.op(OP.br, 0, OP.end, OP.end);

  // count the chunk's pin visits in order; early stopping may fire inside, at step i: then
  // only steps 0..i are counted, boards included ('cnt')
  f.lget('chunk').lset('cnt');
  f.i32(0).lset('i');
  f.op(OP.block, OP.void, OP.loop, OP.void);
  f.lget('i').lget('chunk').op(OP.geS, OP.brIf, 1);
  f.lget('i').i32(2).op(OP.shl).lget('scratch').op(OP.add).load(S.pinLog).ltee('p');
  f.i32(1).op(OP.shl).lget('visits').op(OP.add).ltee('s').load16(0).lset('v');
  f.lget('nT').elem('touched').lget('p').store(0);
  f.lget('nT').lget('v').i32(1).op(OP.sub).i32(31).op(OP.shrU).op(OP.add).lset('nT');
  carry('p', 'extra');
  f.lget('s').lget('v').store16(0);
  // if (v + 1 === nv && ++high >= np) stop after this step
  f.lget('v').lget('nv').op(OP.eq, OP.if, OP.void);
  f.lget('high').i32(1).op(OP.add).ltee('high').lget('np').op(OP.geS, OP.if, OP.void);
  f.lget('i').i32(1).op(OP.add).lset('cnt');
  f.i32(1).lset('stopped');
  f.op(OP.br, 3); // out of the counting loop
  f.op(OP.end, OP.end);
  f.lget('i').i32(1).op(OP.add).lset('i');
  f.op(OP.br, 0, OP.end, OP.end);
  // then the same steps' board visits (only when the caller wants related boards)
  f.lget('countBoards').op(OP.if, OP.void);
  f.i32(0).lset('i');
  f.op(OP.block, OP.void, OP.loop, OP.void);
  f.lget('i').lget('cnt').op(OP.geS, OP.brIf, 1);
  f.lget('i').i32(2).op(OP.shl).lget('scratch').op(OP.add).load(S.boardLog).ltee('x');
  f.i32(1).op(OP.shl).lget('boardVisits').op(OP.add).ltee('s').load16(0).lset('v');
  f.lget('nBT').elem('boardTouched').lget('x').store(0);
  f.lget('nBT').lget('v').i32(1).op(OP.sub).i32(31).op(OP.shrU).op(OP.add).lset('nBT');
  carry('x', 'boardExtra');
  f.lget('s').lget('v').store16(0);
  f.lget('i').i32(1).op(OP.add).lset('i');
  f.op(OP.br, 0, OP.end, OP.end);
  f.op(OP.end);
  f.lget('total').lget('cnt').op(OP.add).lset('total');
  f.lget('stopped').op(OP.brIf, 1);
  f.op(OP.br, 0, OP.end, OP.end);

  f.lget('scratch').lget('nT').store(S.header);
  f.lget('scratch').lget('nBT').store(S.header + 4);
  f.lget('scratch').lget('total').store(S.header + 8);
  f.lget('scratch').lget('stopped').store(S.header + 12);
  return f;
}

/**
 * fold: adds one query pin's visit counts into the aggregate and resets them (PixieWalker's
 * foldVisits, same arithmetic): for each touched pin p, slot[p] (index + 1 into the dense
 * aggregate, 0 = none yet) is made if needed, aggVal += boost ? √v : v, visits[p] = 0.
 */
function buildFold(): Body {
  const f = new Body(FOLD_PARAMS);
  for (const n of ['i', 'p', 'v', 'va', 's', 'sa', 'nAgg', 'a']) f.named(n);
  const H = SCRATCH.header + 16;
  f.lget('scratch').load(H).lset('nAgg');
  f.op(OP.block, OP.void, OP.loop, OP.void);
  f.lget('i').lget('nTouched').op(OP.geS, OP.brIf, 1);
  f.lget('i').elem('touched').load(0).lset('p');
  f.lget('p').i32(1).op(OP.shl).lget('visits').op(OP.add).ltee('va').load16(0).lset('v');
  // v += extra[p] (and clear it) for a counter that may have carried
  f.lget('v').i32(COUNTER_CARRY).op(OP.geS, OP.if, OP.void);
  f.lget('p').elem('extra').ltee('a').load(0).lget('v').op(OP.add).lset('v');
  f.lget('a').i32(0).store(0);
  f.op(OP.end);
  f.lget('p').elem('slot').ltee('sa').load(0).ltee('s');
  f.op(OP.eqz, OP.if, OP.void);
  f.lget('nAgg').i32(1).op(OP.add).ltee('nAgg').lset('s');
  f.lget('sa').lget('s').store(0);
  f.lget('s').i32(1).op(OP.sub).elem('aggTouched').lget('p').store(0);
  f.lget('s').i32(1).op(OP.sub).i32(3).op(OP.shl).lget('aggVal').op(OP.add).f64(0).f64store(0);
  f.op(OP.end);
  // aggVal[s - 1] += boost ? sqrt(v) : v
  f.lget('s').i32(1).op(OP.sub).i32(3).op(OP.shl).lget('aggVal').op(OP.add).ltee('a');
  f.lget('a').f64load(0);
  f.lget('v').op(OP.f64FromI32U).op(OP.f64Sqrt);
  f.lget('v').op(OP.f64FromI32U);
  f.lget('boost').op(OP.select);
  f.op(OP.f64Add).f64store(0);
  f.lget('va').i32(0).store16(0);
  f.lget('i').i32(1).op(OP.add).lset('i');
  f.op(OP.br, 0, OP.end, OP.end);
  f.lget('scratch').lget('nAgg').store(H);
  return f;
}

/**
 * The kernel module's bytes: imports a shared memory `m.m` (min pages 1, max `maxPages`) and
 * exports `walk` and `walkBiased` (KERNEL_PARAMS → nothing) and `fold` (FOLD_PARAMS → nothing).
 */
export function kernelModuleBytes(maxPages: number): Uint8Array {
  return assembleModule(
    [
      { name: 'walk', fn: buildKernel(false) },
      { name: 'walkBiased', fn: buildKernel(true) },
      { name: 'fold', fn: buildFold() },
    ],
    { shared: true, maxPages },
  );
}
