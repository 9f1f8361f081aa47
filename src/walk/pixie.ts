import { PinBoardGraph } from '../graph/graph.js';
import { Rng } from '../util/rng.js';
import { allocateSteps } from './step-allocation.js';
import { TopK } from './top-k.js';
import { COUNTER_CARRY, KERNEL_BIAS_TRIES, KERNEL_LANES, KERNEL_LOG, MAX_NV, SCRATCH } from './wasm-kernel.js';
import { WalkMemory, type KernelFn } from './walk-memory.js';

/** Prefer neighbours whose feature (e.g. locale code) equals `code`, without excluding others. */
export interface WalkBias {
  /** feature code per pin (board→pin step); omit to leave that step unbiased */
  pinCodes?: Uint16Array;
  /** feature code per board (pin→board step); omit to leave that step unbiased */
  boardCodes?: Uint16Array;
  /** the preferred code (0 = unknown never matches) */
  code: number;
  /** a matching neighbour is `strength` times as likely as a non-matching one (>= 1) */
  strength: number;
}

export interface PixieOptions {
  /** total walk steps N (pin→board→pin hops), split across query pins */
  steps: number;
  /** restart probability α: each walk's length is geometric with mean 1/α */
  alpha: number;
  /** early stopping: stop a query pin's walk once `np` pins have `nv` visits (np = 0: never; nv <= 32767) */
  np: number;
  nv: number;
  /** how many pins (and boards) to return */
  topK: number;
  seed: number;
  /** combine per-query-pin counts as (Σ_q √V_q[p])² (default true) or plain sums */
  boost: boolean;
  /** rank by V[p] / deg(p)^β: β > 0 damps very popular pins (default 0, plain Pixie) */
  degreePenalty: number;
  /** leave the query pins out of the results (default true) */
  excludeQuery: boolean;
  /** count board visits for related boards (default true; false saves ~10% of a walk) */
  countBoards: boolean;
  /**
   * count a query pin's own walk returning to it (default true). false drops V_q[q], the walk
   * from q landing back on q: like the zero diagonal of item-kNN, a pin is then scored only by
   * the other query pins' walks, so a query pin's score is comparable with any other pin's.
   */
  selfVisits: boolean;
  bias?: WalkBias;
}

export const DEFAULT_PIXIE: PixieOptions = {
  steps: 100_000,
  alpha: 0.5,
  np: 2000,
  nv: 4,
  topK: 100,
  seed: 1,
  boost: true,
  degreePenalty: 0,
  excludeQuery: true,
  countBoards: true,
  selfVisits: true,
};

export interface PixieResult {
  pins: Uint32Array;
  scores: Float64Array;
  boards: Uint32Array;
  boardScores: Float64Array;
  /** steps actually walked (less than requested when early stopping fired) */
  steps: number;
  stepsPerQuery: Uint32Array;
  earlyStopped: number;
}

const INV_2_32 = 1 / 4294967296;
const MAX_BIAS_TRIES = KERNEL_BIAS_TRIES;
/** walks advanced together by one walker (see walkOne); fixed, because it shapes the result */
export const LANES = KERNEL_LANES;
/** steps walked before their visits are counted (a multiple of LANES) */
const LOG = KERNEL_LOG;

/**
 * Pixie random walks with restart on one graph. A walker owns its scratch arrays (visit
 * counters sized to the graph, touched-lists to reset them), so a query allocates nothing per
 * step; one walker per thread.
 */
export class PixieWalker {
  // per-pin visit counters of the current query pin's walk: 16 bits, carrying into `extra`
  // (see COUNTER_CARRY in wasm-kernel.ts)
  private readonly visits: Uint16Array;
  private readonly extra: Uint32Array;
  private readonly touched: Uint32Array;
  private nTouched = 0;
  // Aggregate scores live in a dense array in first-visit order (aggTouched[i], aggVal[i]), so
  // ranking reads them sequentially; slot[p] is pin p's index there + 1, or 0.
  private readonly slot: Int32Array;
  private readonly aggVal: Float64Array;
  private readonly aggTouched: Uint32Array;
  private nAgg = 0;
  private readonly boardVisits: Uint16Array;
  private readonly boardExtra: Uint32Array;
  private readonly boardTouched: Uint32Array;
  private nBoardTouched = 0;
  private readonly isQuery: Uint8Array;
  private readonly maxDegree: number;
  private readonly lanePin = new Int32Array(LANES);
  private readonly laneStart = new Int32Array(LANES);
  private readonly laneDeg = new Int32Array(LANES);
  private readonly laneBoard = new Int32Array(LANES);
  private readonly drawBoard = new Float64Array(LANES);
  private readonly drawPin = new Float64Array(LANES);
  private readonly drawRestart = new Int32Array(LANES);
  private readonly pinLog = new Int32Array(LOG);
  private readonly boardLog = new Int32Array(LOG);
  // Int32 views of the graph's arrays: V8 keeps int32 loads in integer registers, while uint32
  // loads may be widened to doubles before indexing.
  private readonly pinOff: Int32Array;
  private readonly pinAdj: Int32Array;
  private readonly boardOff: Int32Array;
  private readonly boardAdj: Int32Array;
  private lastPenalty = 0;
  private lastBoost = true;
  /** the WebAssembly kernel and this walker's scratch in its memory (null: JavaScript only) */
  private readonly kernel: KernelFn | null = null;
  private readonly kernelBiased: KernelFn | null = null;
  private readonly memory: WalkMemory | null = null;
  private readonly foldKernel: KernelFn | null = null;
  private readonly scratchAt: number = 0;
  private readonly header: Int32Array | null = null;

  constructor(readonly graph: PinBoardGraph) {
    // first, so that the graph's arrays already point into the kernel's memory below
    const wm = WalkMemory.of(graph);
    // null when the memory cannot grow any more (4 GiB): this walker then walks in JavaScript
    const blk = wm ? wm.tryAllocScratch(this) : null;
    if (wm && blk) {
      const buf = wm.memory.buffer;
      this.visits = new Uint16Array(buf, blk.visits, graph.numPins);
      this.extra = new Uint32Array(buf, blk.extra, graph.numPins);
      this.touched = new Uint32Array(buf, blk.touched, graph.numPins + 1);
      this.boardVisits = new Uint16Array(buf, blk.boardVisits, graph.numBoards);
      this.boardExtra = new Uint32Array(buf, blk.boardExtra, graph.numBoards);
      this.boardTouched = new Uint32Array(buf, blk.boardTouched, graph.numBoards + 1);
      this.slot = new Int32Array(buf, blk.slot, graph.numPins);
      this.aggVal = new Float64Array(buf, blk.aggVal, graph.numPins);
      this.aggTouched = new Uint32Array(buf, blk.aggTouched, graph.numPins);
      this.kernel = wm.kernel;
      this.kernelBiased = wm.kernelBiased;
      this.memory = wm;
      this.foldKernel = wm.fold;
      this.scratchAt = blk.lanes;
      this.header = new Int32Array(buf, blk.lanes + SCRATCH.header, 5);
    } else {
      this.visits = new Uint16Array(graph.numPins);
      this.extra = new Uint32Array(graph.numPins);
      // +1: the branch-free append writes one slot past the list even when every node is in it
      this.touched = new Uint32Array(graph.numPins + 1);
      this.boardVisits = new Uint16Array(graph.numBoards);
      this.boardExtra = new Uint32Array(graph.numBoards);
      this.boardTouched = new Uint32Array(graph.numBoards + 1);
      this.slot = new Int32Array(graph.numPins);
      this.aggVal = new Float64Array(graph.numPins);
      this.aggTouched = new Uint32Array(graph.numPins);
    }
    this.isQuery = new Uint8Array(graph.numPins);
    this.maxDegree = graph.maxPinDegree();
    if (graph.numEdges >= 0x7fffffff) throw new RangeError('PixieWalker: graphs of 2^31 edges or more are not supported');
    this.pinOff = int32View(graph.pinOffsets);
    this.pinAdj = int32View(graph.pinAdj);
    this.boardOff = int32View(graph.boardOffsets);
    this.boardAdj = int32View(graph.boardAdj);
    if (!warmedUp) warmUp();
  }

  /**
   * Runs the walks for weighted query pins (dense ids) and returns the top pins and boards.
   * After it returns, `score(p)` gives any pin's final score for this query.
   */
  query(queryPins: ArrayLike<number>, weights?: ArrayLike<number>, options: Partial<PixieOptions> = {}): PixieResult {
    const o = resolvePixieOptions(this.graph, queryPins, weights, options);
    this.clear();
    const g = this.graph;
    const nq = queryPins.length;
    const degrees = new Uint32Array(nq);
    for (let i = 0; i < nq; i++) degrees[i] = g.pinDegree(queryPins[i]!);
    const alloc = allocateSteps(degrees, weights, o.steps, this.maxDegree);
    const rng = new Rng(o.seed);
    const codes = this.wasmCodes(o);
    let steps = 0;
    let earlyStopped = 0;
    for (let i = 0; i < nq; i++) {
      const q = queryPins[i]!;
      this.isQuery[q] = 1;
      const n = alloc[i]!;
      if (n === 0) continue;
      const walked = codes !== null ? this.walkWasm(q, n, o, rng.nextU32(), codes) : this.walkOne(q, n, o, rng.nextU32());
      if (walked < 0) {
        earlyStopped++;
        alloc[i] = -walked;
        steps += -walked;
      } else {
        alloc[i] = walked;
        steps += walked;
      }
      if (!o.selfVisits) {
        // the fold adds nothing for a zero counter; extra is cleared so it cannot leak into the next walk
        this.visits[q] = 0;
        this.extra[q] = 0;
      }
      this.foldVisits(o.boost);
    }
    this.lastPenalty = o.degreePenalty;
    this.lastBoost = o.boost;
    const top = this.topPins(o.topK, o.excludeQuery);
    const topB = this.topBoards(o.topK);
    for (let i = 0; i < nq; i++) this.isQuery[queryPins[i]!] = 0;
    return {
      pins: top.ids,
      scores: top.scores,
      boards: topB.ids,
      boardScores: topB.scores,
      steps,
      stepsPerQuery: alloc,
      earlyStopped,
    };
  }

  /** Final score of pin p for the last query (0 if never visited). */
  score(p: number): number {
    const s = this.slot[p]!;
    if (s === undefined || s === 0) return 0;
    const a = this.aggVal[s - 1]!;
    const v = this.lastBoost ? a * a : a;
    return this.lastPenalty === 0 ? v : v / Math.pow(this.graph.pinDegree(p), this.lastPenalty);
  }

  /** Visits of board b in the last query. */
  boardScore(b: number): number {
    const v = this.boardVisits[b]!;
    return v >= COUNTER_CARRY ? v + this.boardExtra[b]! : v;
  }

  /** Pins visited by the last query (a view, valid until the next query). */
  visited(): Uint32Array {
    return this.aggTouched.subarray(0, this.nAgg);
  }

  private clear(): void {
    for (let i = 0; i < this.nAgg; i++) this.slot[this.aggTouched[i]!] = 0;
    this.nAgg = 0;
    for (let i = 0; i < this.nBoardTouched; i++) {
      const b = this.boardTouched[i]!;
      this.boardVisits[b] = 0;
      this.boardExtra[b] = 0;
    }
    this.nBoardTouched = 0;
  }

  /**
   * Walks from q for up to n steps. Returns the steps walked, negated if early stopping fired.
   *
   * The walk is bound by memory latency (each hop is a dependent cache and TLB miss), so:
   * - LANES independent walks advance together, one hop per lane per pass, and each pass is
   *   split into stages (pin row, pick board, board row, pick pin) that each loop over the
   *   lanes. A stage's loads are independent, so the CPU keeps many misses in flight.
   * - Steps are logged and counted in batches of LOG (see below), so the random
   *   read-modify-writes of the counters do not stall the walk.
   * Lanes are visited in a fixed order from one sfc32 stream (kept in locals), so a seed fixes
   * the result. Each step restarts at q with probability alpha: geometric walk lengths.
   */
  private walkOne(q: number, n: number, o: PixieOptions, seed: number): number {
    const pinOff = this.pinOff;
    const pinAdj = this.pinAdj;
    const boardOff = this.boardOff;
    const boardAdj = this.boardAdj;
    const visits = this.visits;
    const extra = this.extra;
    const touched = this.touched;
    const boardVisits = this.boardVisits;
    const boardExtra = this.boardExtra;
    const boardTouched = this.boardTouched;
    const lanePin = this.lanePin;
    const laneStart = this.laneStart;
    const laneDeg = this.laneDeg;
    const laneBoard = this.laneBoard;
    const drawBoard = this.drawBoard;
    const drawPin = this.drawPin;
    const drawRestart = this.drawRestart;
    let nTouched = this.nTouched;
    let nBoardTouched = this.nBoardTouched;
    const nv = o.nv;
    const np = o.np > 0 ? o.np : Infinity;
    const restartBelow = Math.round(o.alpha * 2147483648);
    const bias = o.bias;
    const pinCodes = bias?.pinCodes;
    const boardCodes = bias?.boardCodes;
    const code = bias ? bias.code : 0;
    const acceptOther = bias ? 1 / bias.strength : 1;
    const countBoards = o.countBoards;

    if (pinOff[q + 1]! - pinOff[q]! === 0) return 0;

    // sfc32 state
    const r = new Rng(seed);
    let a = r.nextU32() | 0;
    let b = r.nextU32() | 0;
    let c = r.nextU32() | 0;
    let d = r.nextU32() | 0;
    let t = 0;

    const lanes = n < LANES ? n : LANES;
    for (let l = 0; l < lanes; l++) lanePin[l] = q;
    const pinLog = this.pinLog;
    const boardLog = this.boardLog;
    let total = 0;
    let high = 0;
    let stopped = false;

    while (total < n) {
      // walk up to LOG steps, logging each step's board and pin ...
      const chunk = n - total < LOG ? n - total : LOG;
      for (let k = 0; k < chunk; ) {
        const m = chunk - k < lanes ? chunk - k : lanes;
        // draws for the pass (board pick, pin pick, restart), in a tight loop of their own so
        // that the memory stages below stay short and the CPU overlaps more lanes' misses
        for (let l = 0; l < m; l++) {
          t = (((a + b) | 0) + d) | 0; d = (d + 1) | 0; a = b ^ (b >>> 9); b = (c + (c << 3)) | 0; c = (c << 21) | (c >>> 11); c = (c + t) | 0;
          drawBoard[l] = (t >>> 0) * INV_2_32;
          t = (((a + b) | 0) + d) | 0; d = (d + 1) | 0; a = b ^ (b >>> 9); b = (c + (c << 3)) | 0; c = (c << 21) | (c >>> 11); c = (c + t) | 0;
          drawPin[l] = (t >>> 0) * INV_2_32;
          t = (((a + b) | 0) + d) | 0; d = (d + 1) | 0; a = b ^ (b >>> 9); b = (c + (c << 3)) | 0; c = (c << 21) | (c >>> 11); c = (c + t) | 0;
          // -1 when the 31-bit draw is below alpha·2^31: restart (branch-free: a mispredict
          // would flush the other lanes' loads in flight)
          drawRestart[l] = ((t >>> 1) - restartBelow) >> 31;
        }
        // stage 1: row of each lane's pin
        for (let l = 0; l < m; l++) {
          const p = lanePin[l]!;
          const s = pinOff[p]!;
          laneStart[l] = s;
          laneDeg[l] = pinOff[p + 1]! - s;
        }
        // stage 2: pick a board (rejection sampling with further draws when biased)
        for (let l = 0; l < m; l++) {
          const ps = laneStart[l]!;
          const pd = laneDeg[l]!;
          let board = pinAdj[ps + ((drawBoard[l]! * pd) | 0)]!;
          if (boardCodes !== undefined && boardCodes[board] !== code) {
            for (let tries = 0; tries < MAX_BIAS_TRIES; tries++) {
              t = (((a + b) | 0) + d) | 0; d = (d + 1) | 0; a = b ^ (b >>> 9); b = (c + (c << 3)) | 0; c = (c << 21) | (c >>> 11); c = (c + t) | 0;
              if ((t >>> 0) * INV_2_32 < acceptOther) break;
              t = (((a + b) | 0) + d) | 0; d = (d + 1) | 0; a = b ^ (b >>> 9); b = (c + (c << 3)) | 0; c = (c << 21) | (c >>> 11); c = (c + t) | 0;
              board = pinAdj[ps + (((t >>> 0) * INV_2_32 * pd) | 0)]!;
              if (boardCodes[board] === code) break;
            }
          }
          laneBoard[l] = board;
          boardLog[k + l] = board;
        }
        // stage 3: row of each lane's board
        for (let l = 0; l < m; l++) {
          const bb = laneBoard[l]!;
          const s = boardOff[bb]!;
          laneStart[l] = s;
          laneDeg[l] = boardOff[bb + 1]! - s;
        }
        // stage 4: pick a pin, log it, restart at q with probability alpha
        for (let l = 0; l < m; l++) {
          const bs = laneStart[l]!;
          const bd = laneDeg[l]!;
          let pin = boardAdj[bs + ((drawPin[l]! * bd) | 0)]!;
          if (pinCodes !== undefined && pinCodes[pin] !== code) {
            for (let tries = 0; tries < MAX_BIAS_TRIES; tries++) {
              t = (((a + b) | 0) + d) | 0; d = (d + 1) | 0; a = b ^ (b >>> 9); b = (c + (c << 3)) | 0; c = (c << 21) | (c >>> 11); c = (c + t) | 0;
              if ((t >>> 0) * INV_2_32 < acceptOther) break;
              t = (((a + b) | 0) + d) | 0; d = (d + 1) | 0; a = b ^ (b >>> 9); b = (c + (c << 3)) | 0; c = (c << 21) | (c >>> 11); c = (c + t) | 0;
              pin = boardAdj[bs + (((t >>> 0) * INV_2_32 * bd) | 0)]!;
              if (pinCodes[pin] === code) break;
            }
          }
          pinLog[k + l] = pin;
          const mask = drawRestart[l]!;
          lanePin[l] = (q & mask) | (pin & ~mask);
        }
        k += m;
      }
      // ... then count them in step order. The walk never reads the counts, so this gives
      // exactly the result of counting as it goes, including where early stopping fires; but
      // the counting loop's random read-modify-writes are independent and overlap, instead
      // of stalling the walk's stores behind cache misses.
      for (let i = 0; i < chunk; i++) {
        if (countBoards) {
          const bb = boardLog[i]!;
          const bv = boardVisits[bb]!;
          boardTouched[nBoardTouched] = bb;
          nBoardTouched += (bv - 1) >>> 31; // branch-free "if (bv === 0) append"
          if (bv === 0xffff) {
            boardExtra[bb] += COUNTER_CARRY;
            boardVisits[bb] = COUNTER_CARRY;
          } else boardVisits[bb] = bv + 1;
        }
        const pin = pinLog[i]!;
        let v = visits[pin]!;
        touched[nTouched] = pin;
        nTouched += (v - 1) >>> 31;
        if (v === 0xffff) {
          extra[pin] += COUNTER_CARRY;
          v = COUNTER_CARRY;
        } else v++;
        visits[pin] = v;
        if (v === nv && ++high >= np) {
          total += i + 1;
          stopped = true;
          break;
        }
      }
      if (stopped) break;
      total += chunk;
    }
    this.nTouched = nTouched;
    this.nBoardTouched = nBoardTouched;
    return stopped ? -total : total;
  }

  /**
   * Where the WebAssembly kernel finds this query's bias code arrays (-1: that step unbiased),
   * or null when the JavaScript walk must run it: no kernel, or the codes do not fit in its memory.
   */
  private wasmCodes(o: PixieOptions): { pin: number; board: number } | null {
    if (this.kernel === null) return null;
    const bias = o.bias;
    const wm = this.memory!;
    const pin = bias?.pinCodes ? wm.codesAt(bias.pinCodes) : -1;
    const board = bias?.boardCodes ? wm.codesAt(bias.boardCodes) : -1;
    if ((bias?.pinCodes && pin < 0) || (bias?.boardCodes && board < 0)) return null;
    return { pin, board };
  }

  /** walkOne in the WebAssembly kernel (biased walks in its biased variant): the same walk and result, faster. */
  private walkWasm(q: number, n: number, o: PixieOptions, seed: number, codes: { pin: number; board: number }): number {
    const g = this.graph;
    if (g.pinOffsets[q + 1]! - g.pinOffsets[q]! === 0) return 0;
    const h = this.header!;
    h[0] = this.nTouched;
    h[1] = this.nBoardTouched;
    const r = new Rng(seed);
    const a = r.nextU32() | 0;
    const b = r.nextU32() | 0;
    const c = r.nextU32() | 0;
    const d = r.nextU32() | 0;
    const bias = o.bias;
    // a non-matching neighbour is kept when t·2^-32 < 1/strength, i.e. t <= ⌈2^32/strength⌉ − 1 (exact)
    const acceptMax = bias ? (Math.ceil((1 / bias.strength) * 4294967296) - 1) | 0 : 0;
    (bias ? this.kernelBiased! : this.kernel!)(
      g.pinOffsets.byteOffset, g.pinAdj.byteOffset, g.boardOffsets.byteOffset, g.boardAdj.byteOffset,
      this.visits.byteOffset, this.touched.byteOffset, this.boardVisits.byteOffset, this.boardTouched.byteOffset, this.scratchAt,
      q, n, o.nv, o.np > 0 ? Math.min(o.np, 0x7fffffff) : 0x7fffffff, Math.round(o.alpha * 2147483648) | 0, a, b, c, d,
      o.countBoards ? 1 : 0, this.extra.byteOffset, this.boardExtra.byteOffset,
      codes.pin, codes.board, bias ? bias.code : 0, acceptMax,
    );
    this.nTouched = h[0]!;
    this.nBoardTouched = h[1]!;
    return h[3] === 1 ? -h[2]! : h[2]!;
  }

  /** Adds this query pin's visit counts into the aggregate (√ for the booster) and resets them. */
  private foldVisits(boost: boolean): void {
    if (this.foldKernel !== null) {
      const h = this.header!;
      h[4] = this.nAgg;
      this.foldKernel(
        this.visits.byteOffset, this.touched.byteOffset, this.nTouched, this.slot.byteOffset,
        this.aggVal.byteOffset, this.aggTouched.byteOffset, this.scratchAt, boost ? 1 : 0, this.extra.byteOffset,
      );
      this.nAgg = h[4]!;
      this.nTouched = 0;
      return;
    }
    const visits = this.visits;
    const touched = this.touched;
    const slot = this.slot;
    const aggVal = this.aggVal;
    const aggTouched = this.aggTouched;
    let nAgg = this.nAgg;
    for (let i = 0; i < this.nTouched; i++) {
      const p = touched[i]!;
      let v = visits[p]!;
      if (v >= COUNTER_CARRY) {
        v += this.extra[p]!;
        this.extra[p] = 0;
      }
      let s = slot[p]!;
      if (s === 0) {
        s = ++nAgg;
        slot[p] = s;
        aggTouched[s - 1] = p;
        aggVal[s - 1] = 0;
      }
      aggVal[s - 1]! += boost ? Math.sqrt(v) : v;
      visits[p] = 0;
    }
    this.nAgg = nAgg;
    this.nTouched = 0;
  }

  private topPins(k: number, excludeQuery: boolean): { ids: Uint32Array; scores: Float64Array } {
    const heap = new TopK(k);
    const ids = this.aggTouched;
    const vals = this.aggVal;
    const boost = this.lastBoost;
    const beta = this.lastPenalty;
    const off = this.graph.pinOffsets;
    for (let i = 0; i < this.nAgg; i++) {
      const p = ids[i]!;
      const a = vals[i]!;
      let sc = boost ? a * a : a;
      if (beta !== 0) sc /= Math.pow(off[p + 1]! - off[p]!, beta);
      // the query-pin check is a random read, so only for pins that would enter the heap
      if (heap.accepts(p, sc) && !(excludeQuery && this.isQuery[p] === 1)) heap.push(p, sc);
    }
    return heap.sorted();
  }

  private topBoards(k: number): { ids: Uint32Array; scores: Float64Array } {
    const heap = new TopK(k);
    for (let i = 0; i < this.nBoardTouched; i++) {
      const b = this.boardTouched[i]!;
      heap.push(b, this.boardScore(b));
    }
    return heap.sorted();
  }
}

let warmedUp = false;

/**
 * Runs every branch of the walk once on a tiny graph (early stop, bias, restarts) so that V8 has
 * type feedback for all of it before it optimises. Without this, the OSR-compiled walk lacks
 * feedback for the code after its loop and deoptimises at the end of every query.
 */
function warmUp(): void {
  warmedUp = true;
  const g = PinBoardGraph.fromEdges(Uint32Array.of(0, 1, 1, 2, 3), Uint32Array.of(0, 0, 1, 1, 1), 4, 2);
  const w = new PixieWalker(g);
  const codes = Uint16Array.of(1, 0, 1, 0);
  for (let i = 0; i < 3; i++) {
    w.query([0, 1], [1, 2], { steps: 200, np: 2, nv: 3, seed: i, topK: 2 });
    w.query([1], undefined, { steps: 200, np: 0, seed: i, topK: 2, degreePenalty: 0.5, boost: false });
    w.query([0], undefined, { steps: 100, np: 0, seed: i, bias: { pinCodes: codes, boardCodes: Uint16Array.of(0, 1), code: 1, strength: 4 } });
    w.query([0], undefined, { steps: 100, np: 0, seed: i, countBoards: false, bias: { pinCodes: codes, code: 1, strength: 2 } });
  }
}

function int32View(a: Uint32Array): Int32Array {
  return new Int32Array(a.buffer, a.byteOffset, a.length);
}

/**
 * Fills in defaults and checks a query, throwing a RangeError that names the bad option or pin.
 * Exported so that the worker pool rejects bad queries before they reach a thread.
 */
export function resolvePixieOptions(
  g: PinBoardGraph,
  pins: ArrayLike<number>,
  weights: ArrayLike<number> | undefined,
  options: Partial<PixieOptions>,
): PixieOptions {
  const o: PixieOptions = { ...DEFAULT_PIXIE, ...options };
  validate(o, g, pins, weights);
  return o;
}

function validate(o: PixieOptions, g: PinBoardGraph, pins: ArrayLike<number>, weights?: ArrayLike<number>): void {
  if (!Number.isInteger(o.steps) || o.steps < 0) throw new RangeError(`steps must be an integer >= 0, got ${o.steps}`);
  if (!(o.alpha > 0 && o.alpha <= 1)) throw new RangeError(`alpha must be in (0, 1], got ${o.alpha}`);
  if (!Number.isInteger(o.topK) || o.topK < 0) throw new RangeError(`topK must be an integer >= 0, got ${o.topK}`);
  if (!Number.isInteger(o.nv) || o.nv < 1 || o.nv > MAX_NV) throw new RangeError(`nv must be an integer from 1 to ${MAX_NV}, got ${o.nv}`);
  if (!(o.np >= 0)) throw new RangeError(`np must be >= 0, got ${o.np}`);
  if (!(o.degreePenalty >= 0)) throw new RangeError(`degreePenalty must be >= 0, got ${o.degreePenalty}`);
  if (!Number.isInteger(o.seed)) throw new RangeError(`seed must be an integer, got ${o.seed}`);
  if (o.bias) {
    const bias = o.bias;
    if (!(bias.strength >= 1)) throw new RangeError(`bias strength must be >= 1, got ${bias.strength}`);
    if (bias.pinCodes && bias.pinCodes.length < g.numPins)
      throw new RangeError(`bias pinCodes has ${bias.pinCodes.length} entries for ${g.numPins} pins`);
    if (bias.boardCodes && bias.boardCodes.length < g.numBoards)
      throw new RangeError(`bias boardCodes has ${bias.boardCodes.length} entries for ${g.numBoards} boards`);
  }
  if (weights && weights.length !== pins.length)
    throw new RangeError(`got ${weights.length} weights for ${pins.length} query pins`);
  for (let i = 0; i < pins.length; i++) {
    const p = pins[i]!;
    if (!Number.isInteger(p) || p < 0 || p >= g.numPins) throw new RangeError(`query pin ${p} is not a pin of this graph`);
  }
}
