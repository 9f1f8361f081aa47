import type { PinBoardGraph } from '../graph/graph.js';
import { Rng } from '../util/rng.js';
import { TopK } from '../walk/top-k.js';
import { checkRequest } from './common.js';
import type { Candidate, CandidateGenerator, CandidateRequest } from './types.js';

export interface BoardCooccurrenceOptions {
  /**
   * Weight of one shared board of degree d: 1 / log2(1 + d)^boardDamping. Big catch-all boards
   * say less about a pin than small curated ones (default 1; 0 = plain count of shared boards).
   */
  boardDamping: number;
  /** boards with more pins than this are sampled down to this many pins (seeded), bounding cost */
  maxBoardPins: number;
}

export const DEFAULT_BOARD_COOCCURRENCE: BoardCooccurrenceOptions = { boardDamping: 1, maxBoardPins: 2000 };

/**
 * Board co-occurrence: pins that share boards with the query pins, each shared board weighted
 * by its size, each query pin by its weight. score(p) = Σ_q w_q Σ_{b ∋ q, p} 1/log2(1+|b|)^damping.
 * Features: `cooccur` (the score) and `sharedBoards` (number of (query, board) pairs shared).
 */
export class BoardCooccurrenceGenerator implements CandidateGenerator {
  readonly name: string;
  private readonly o: BoardCooccurrenceOptions;
  private readonly acc: Float64Array;
  private readonly shared: Uint32Array;
  private readonly touched: Uint32Array;
  private readonly isQuery: Uint8Array;

  constructor(
    readonly graph: PinBoardGraph,
    options: Partial<BoardCooccurrenceOptions> = {},
    name = 'board',
  ) {
    this.o = { ...DEFAULT_BOARD_COOCCURRENCE, ...options };
    if (!(this.o.boardDamping >= 0)) throw new RangeError(`board co-occurrence: boardDamping must be >= 0, got ${this.o.boardDamping}`);
    if (!Number.isInteger(this.o.maxBoardPins) || this.o.maxBoardPins < 1)
      throw new RangeError(`board co-occurrence: maxBoardPins must be an integer >= 1, got ${this.o.maxBoardPins}`);
    this.name = name;
    this.acc = new Float64Array(graph.numPins);
    this.shared = new Uint32Array(graph.numPins);
    this.touched = new Uint32Array(graph.numPins);
    this.isQuery = new Uint8Array(graph.numPins);
  }

  generate(req: CandidateRequest): Candidate[] {
    const g = this.graph;
    checkRequest(this.name, req, g.numPins);
    const { boardDamping, maxBoardPins } = this.o;
    const acc = this.acc;
    const shared = this.shared;
    const touched = this.touched;
    let nTouched = 0;
    const rng = new Rng(req.seed);
    for (const q of req.queryPins) this.isQuery[q] = 1;
    for (let qi = 0; qi < req.queryPins.length; qi++) {
      const q = req.queryPins[qi]!;
      const wq = req.queryWeights ? req.queryWeights[qi]! : 1;
      if (!(wq >= 0) || !Number.isFinite(wq)) throw new RangeError(`${this.name}: query weight ${wq} must be a finite number >= 0`);
      if (wq === 0) continue;
      const boards = g.boardsOf(q);
      for (let bi = 0; bi < boards.length; bi++) {
        const b = boards[bi]!;
        const start = g.boardOffsets[b]!;
        const deg = g.boardOffsets[b + 1]! - start;
        const w = boardDamping === 0 ? wq : wq / Math.pow(Math.log2(1 + deg), boardDamping);
        // sample a contiguous (cyclic) window of big boards: seeded, no allocation
        const take = deg > maxBoardPins ? maxBoardPins : deg;
        const off = deg > maxBoardPins ? rng.int(deg) : 0;
        for (let i = 0; i < take; i++) {
          let j = off + i;
          if (j >= deg) j -= deg;
          const p = g.boardAdj[start + j]!;
          if (this.isQuery[p] === 1) continue;
          if (shared[p] === 0) touched[nTouched++] = p;
          acc[p]! += w;
          shared[p]!++;
        }
      }
    }
    const heap = new TopK(req.limit);
    for (let i = 0; i < nTouched; i++) heap.push(touched[i]!, acc[touched[i]!]!);
    const top = heap.sorted();
    const out: Candidate[] = [];
    for (let i = 0; i < top.ids.length; i++) {
      const p = top.ids[i]!;
      out.push({ pin: p, score: top.scores[i]!, sources: [this.name], features: { cooccur: top.scores[i]!, sharedBoards: shared[p]! } });
    }
    for (let i = 0; i < nTouched; i++) {
      acc[touched[i]!] = 0;
      shared[touched[i]!] = 0;
    }
    for (const q of req.queryPins) this.isQuery[q] = 0;
    return out;
  }
}
