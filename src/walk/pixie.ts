import type { PinBoardGraph } from '../graph/graph.js';
import { Rng } from '../util/rng.js';
import { allocateSteps } from './step-allocation.js';
import { TopK } from './top-k.js';

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
  /** early stopping: stop a query pin's walk once `np` pins have `nv` visits (np = 0: never) */
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
const MAX_BIAS_TRIES = 16;

/**
 * Pixie random walks with restart on one graph. A walker owns its scratch arrays (visit
 * counters sized to the graph, touched-lists to reset them), so a query allocates nothing per
 * step; one walker per thread.
 */
export class PixieWalker {
  private readonly visits: Uint32Array;
  private readonly touched: Uint32Array;
  private nTouched = 0;
  private readonly agg: Float64Array;
  private readonly aggTouched: Uint32Array;
  private nAgg = 0;
  private readonly boardVisits: Float64Array;
  private readonly boardTouched: Uint32Array;
  private nBoardTouched = 0;
  private readonly isQuery: Uint8Array;
  private readonly maxDegree: number;
  private lastPenalty = 0;
  private lastBoost = true;

  constructor(readonly graph: PinBoardGraph) {
    this.visits = new Uint32Array(graph.numPins);
    this.touched = new Uint32Array(graph.numPins);
    this.agg = new Float64Array(graph.numPins);
    this.aggTouched = new Uint32Array(graph.numPins);
    this.boardVisits = new Float64Array(graph.numBoards);
    this.boardTouched = new Uint32Array(graph.numBoards);
    this.isQuery = new Uint8Array(graph.numPins);
    this.maxDegree = graph.maxPinDegree();
  }

  /**
   * Runs the walks for weighted query pins (dense ids) and returns the top pins and boards.
   * After it returns, `score(p)` gives any pin's final score for this query.
   */
  query(queryPins: ArrayLike<number>, weights?: ArrayLike<number>, options: Partial<PixieOptions> = {}): PixieResult {
    const o: PixieOptions = { ...DEFAULT_PIXIE, ...options };
    validate(o, this.graph, queryPins, weights);
    this.clear();
    const g = this.graph;
    const nq = queryPins.length;
    const degrees = new Uint32Array(nq);
    for (let i = 0; i < nq; i++) degrees[i] = g.pinDegree(queryPins[i]!);
    const alloc = allocateSteps(degrees, weights, o.steps, this.maxDegree);
    const rng = new Rng(o.seed);
    let steps = 0;
    let earlyStopped = 0;
    for (let i = 0; i < nq; i++) {
      const q = queryPins[i]!;
      this.isQuery[q] = 1;
      const n = alloc[i]!;
      if (n === 0) continue;
      const walked = this.walkOne(q, n, o, rng.nextU32());
      if (walked < 0) {
        earlyStopped++;
        alloc[i] = -walked;
        steps += -walked;
      } else {
        alloc[i] = walked;
        steps += walked;
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
    const a = this.agg[p]!;
    if (a === 0) return 0;
    const v = this.lastBoost ? a * a : a;
    return this.lastPenalty === 0 ? v : v / Math.pow(this.graph.pinDegree(p), this.lastPenalty);
  }

  /** Visits of board b in the last query. */
  boardScore(b: number): number {
    return this.boardVisits[b]!;
  }

  /** Pins visited by the last query (a view, valid until the next query). */
  visited(): Uint32Array {
    return this.aggTouched.subarray(0, this.nAgg);
  }

  private clear(): void {
    for (let i = 0; i < this.nAgg; i++) this.agg[this.aggTouched[i]!] = 0;
    this.nAgg = 0;
    for (let i = 0; i < this.nBoardTouched; i++) this.boardVisits[this.boardTouched[i]!] = 0;
    this.nBoardTouched = 0;
  }

  /**
   * Walks from q for up to n steps. Returns the steps walked, negated if early stopping fired.
   * The hot loop keeps the sfc32 state in locals and touches only typed arrays.
   */
  private walkOne(q: number, n: number, o: PixieOptions, seed: number): number {
    const g = this.graph;
    const pinOff = g.pinOffsets;
    const pinAdj = g.pinAdj;
    const boardOff = g.boardOffsets;
    const boardAdj = g.boardAdj;
    const visits = this.visits;
    const touched = this.touched;
    const boardVisits = this.boardVisits;
    const boardTouched = this.boardTouched;
    let nTouched = this.nTouched;
    let nBoardTouched = this.nBoardTouched;
    const nv = o.nv;
    const np = o.np > 0 ? o.np : Infinity;
    const logKeep = o.alpha >= 1 ? 0 : Math.log(1 - o.alpha);
    const bias = o.bias;
    const pinCodes = bias?.pinCodes;
    const boardCodes = bias?.boardCodes;
    const code = bias ? bias.code : 0;
    const acceptOther = bias ? 1 / bias.strength : 1;

    // sfc32 state
    const r = new Rng(seed);
    let a = r.nextU32() | 0;
    let b = r.nextU32() | 0;
    let c = r.nextU32() | 0;
    let d = r.nextU32() | 0;
    let t = 0;

    let total = 0;
    let high = 0;
    let stopped = false;
    const qStart = pinOff[q]!;
    const qDeg = pinOff[q + 1]! - qStart;
    if (qDeg === 0) return 0;

    while (total < n && !stopped) {
      // geometric walk length, >= 1
      let len: number;
      if (logKeep === 0) len = 1;
      else {
        t = (((a + b) | 0) + d) | 0; d = (d + 1) | 0; a = b ^ (b >>> 9); b = (c + (c << 3)) | 0; c = (c << 21) | (c >>> 11); c = (c + t) | 0;
        const u = ((t >>> 0) + 0.5) * INV_2_32;
        len = 1 + Math.floor(Math.log(u) / logKeep);
      }
      if (len > n - total) len = n - total;
      let pin = q;
      for (let s = 0; s < len; s++) {
        // pin -> board
        const ps = pinOff[pin]!;
        const pd = pinOff[pin + 1]! - ps;
        if (pd === 0) break;
        t = (((a + b) | 0) + d) | 0; d = (d + 1) | 0; a = b ^ (b >>> 9); b = (c + (c << 3)) | 0; c = (c << 21) | (c >>> 11); c = (c + t) | 0;
        let board = pinAdj[ps + (((t >>> 0) * INV_2_32 * pd) | 0)]!;
        if (boardCodes !== undefined && boardCodes[board] !== code) {
          for (let tries = 0; tries < MAX_BIAS_TRIES; tries++) {
            t = (((a + b) | 0) + d) | 0; d = (d + 1) | 0; a = b ^ (b >>> 9); b = (c + (c << 3)) | 0; c = (c << 21) | (c >>> 11); c = (c + t) | 0;
            if ((t >>> 0) * INV_2_32 < acceptOther) break;
            t = (((a + b) | 0) + d) | 0; d = (d + 1) | 0; a = b ^ (b >>> 9); b = (c + (c << 3)) | 0; c = (c << 21) | (c >>> 11); c = (c + t) | 0;
            board = pinAdj[ps + (((t >>> 0) * INV_2_32 * pd) | 0)]!;
            if (boardCodes[board] === code) break;
          }
        }
        if (boardVisits[board] === 0) boardTouched[nBoardTouched++] = board;
        boardVisits[board]!++;
        // board -> pin
        const bs = boardOff[board]!;
        const bd = boardOff[board + 1]! - bs;
        if (bd === 0) break;
        t = (((a + b) | 0) + d) | 0; d = (d + 1) | 0; a = b ^ (b >>> 9); b = (c + (c << 3)) | 0; c = (c << 21) | (c >>> 11); c = (c + t) | 0;
        pin = boardAdj[bs + (((t >>> 0) * INV_2_32 * bd) | 0)]!;
        if (pinCodes !== undefined && pinCodes[pin] !== code) {
          for (let tries = 0; tries < MAX_BIAS_TRIES; tries++) {
            t = (((a + b) | 0) + d) | 0; d = (d + 1) | 0; a = b ^ (b >>> 9); b = (c + (c << 3)) | 0; c = (c << 21) | (c >>> 11); c = (c + t) | 0;
            if ((t >>> 0) * INV_2_32 < acceptOther) break;
            t = (((a + b) | 0) + d) | 0; d = (d + 1) | 0; a = b ^ (b >>> 9); b = (c + (c << 3)) | 0; c = (c << 21) | (c >>> 11); c = (c + t) | 0;
            pin = boardAdj[bs + (((t >>> 0) * INV_2_32 * bd) | 0)]!;
            if (pinCodes[pin] === code) break;
          }
        }
        const v = visits[pin]!;
        if (v === 0) touched[nTouched++] = pin;
        visits[pin] = v + 1;
        if (v + 1 === nv && ++high >= np) {
          total += s + 1;
          stopped = true;
          break;
        }
      }
      if (!stopped) total += len;
    }
    this.nTouched = nTouched;
    this.nBoardTouched = nBoardTouched;
    return stopped ? -total : total;
  }

  /** Adds this query pin's visit counts into the aggregate (√ for the booster) and resets them. */
  private foldVisits(boost: boolean): void {
    const visits = this.visits;
    const touched = this.touched;
    const agg = this.agg;
    const aggTouched = this.aggTouched;
    let nAgg = this.nAgg;
    for (let i = 0; i < this.nTouched; i++) {
      const p = touched[i]!;
      const v = visits[p]!;
      if (agg[p] === 0) aggTouched[nAgg++] = p;
      agg[p]! += boost ? Math.sqrt(v) : v;
      visits[p] = 0;
    }
    this.nAgg = nAgg;
    this.nTouched = 0;
  }

  private topPins(k: number, excludeQuery: boolean): { ids: Uint32Array; scores: Float64Array } {
    const heap = new TopK(k);
    for (let i = 0; i < this.nAgg; i++) {
      const p = this.aggTouched[i]!;
      if (excludeQuery && this.isQuery[p] === 1) continue;
      heap.push(p, this.score(p));
    }
    return heap.sorted();
  }

  private topBoards(k: number): { ids: Uint32Array; scores: Float64Array } {
    const heap = new TopK(k);
    for (let i = 0; i < this.nBoardTouched; i++) {
      const b = this.boardTouched[i]!;
      heap.push(b, this.boardVisits[b]!);
    }
    return heap.sorted();
  }
}

function validate(o: PixieOptions, g: PinBoardGraph, pins: ArrayLike<number>, weights?: ArrayLike<number>): void {
  if (!Number.isInteger(o.steps) || o.steps < 0) throw new RangeError(`steps must be an integer >= 0, got ${o.steps}`);
  if (!(o.alpha > 0 && o.alpha <= 1)) throw new RangeError(`alpha must be in (0, 1], got ${o.alpha}`);
  if (!Number.isInteger(o.topK) || o.topK < 0) throw new RangeError(`topK must be an integer >= 0, got ${o.topK}`);
  if (!Number.isInteger(o.nv) || o.nv < 1) throw new RangeError(`nv must be an integer >= 1, got ${o.nv}`);
  if (!(o.np >= 0)) throw new RangeError(`np must be >= 0, got ${o.np}`);
  if (!(o.degreePenalty >= 0)) throw new RangeError(`degreePenalty must be >= 0, got ${o.degreePenalty}`);
  if (o.bias && !(o.bias.strength >= 1)) throw new RangeError(`bias strength must be >= 1, got ${o.bias.strength}`);
  if (weights && weights.length !== pins.length)
    throw new RangeError(`got ${weights.length} weights for ${pins.length} query pins`);
  for (let i = 0; i < pins.length; i++) {
    const p = pins[i]!;
    if (!Number.isInteger(p) || p < 0 || p >= g.numPins) throw new RangeError(`query pin ${p} is not a pin of this graph`);
  }
}
