import type { PinBoardGraph } from '../graph/graph.js';
import type { PixieWalker } from '../walk/pixie.js';
import { checkRequest } from './common.js';
import type { Candidate, CandidateGenerator, CandidateRequest } from './types.js';

const DAY_MS = 86_400_000;

export interface FreshBoardsOptions {
  /** a pin is fresh when created within this many days of the request time */
  freshDays: number;
  /** related boards taken from the Pixie walk */
  boards: number;
  /** newest fresh pins taken from each board */
  pinsPerBoard: number;
  /** Pixie steps for the walk that finds the related boards */
  steps: number;
}

export const DEFAULT_FRESH_BOARDS: FreshBoardsOptions = { freshDays: 7, boards: 30, pinsPerBoard: 3, steps: 20_000 };

export function validateFreshBoards(o: FreshBoardsOptions): void {
  if (!(o.freshDays > 0)) throw new RangeError(`fresh_boards: freshDays must be > 0, got ${o.freshDays}`);
  for (const k of ['boards', 'pinsPerBoard', 'steps'] as const)
    if (!Number.isInteger(o[k]) || o[k] < 1) throw new RangeError(`fresh_boards: ${k} must be an integer >= 1, got ${o[k]}`);
}

/**
 * The newest fresh pins on the given boards. A pin's score is the sum of the visit scores of
 * the boards that proposed it; each board proposes its `pinsPerBoard` newest fresh pins.
 * Pins with unknown creation time are never fresh.
 */
export function freshPinsOfBoards(
  graph: PinBoardGraph,
  boards: ArrayLike<number>,
  boardScores: ArrayLike<number>,
  now: number,
  o: FreshBoardsOptions,
  exclude?: ReadonlySet<number>,
): Candidate[] {
  const created = graph.meta.pins.createdAt;
  if (!created) return [];
  const since = now - o.freshDays * DAY_MS;
  const byPin = new Map<number, Candidate>();
  const pick: number[] = [];
  for (let bi = 0; bi < boards.length; bi++) {
    const b = boards[bi]!;
    const pins = graph.pinsOf(b);
    pick.length = 0;
    for (let i = 0; i < pins.length; i++) {
      const p = pins[i]!;
      const t = created[p]!;
      if (t >= since && t <= now && !exclude?.has(p)) pick.push(p);
    }
    // newest first, ties by id
    pick.sort((x, y) => created[y]! - created[x]! || x - y);
    const n = Math.min(pick.length, o.pinsPerBoard);
    for (let i = 0; i < n; i++) {
      const p = pick[i]!;
      const c = byPin.get(p);
      if (c) {
        c.score += boardScores[bi]!;
        c.features['freshBoards']!++;
      } else {
        byPin.set(p, { pin: p, score: boardScores[bi]!, sources: ['fresh_boards'], features: { freshBoards: 1, ageDays: (now - created[p]!) / DAY_MS } });
      }
    }
  }
  return [...byPin.values()].sort((a, b) => b.score - a.score || a.pin - b.pin);
}

/**
 * Fresh source (a): a Pixie walk from the query pins finds related boards; their newest fresh
 * pins are the candidates. Fresh pins have few edges, so walks rarely reach them directly, but
 * the boards they were saved to are well connected.
 */
export class FreshBoardsGenerator implements CandidateGenerator {
  readonly name = 'fresh_boards';
  private readonly o: FreshBoardsOptions;

  constructor(
    private readonly walker: PixieWalker,
    options: Partial<FreshBoardsOptions> = {},
  ) {
    this.o = { ...DEFAULT_FRESH_BOARDS, ...options };
    validateFreshBoards(this.o);
  }

  generate(req: CandidateRequest): Candidate[] {
    const g = this.walker.graph;
    checkRequest(this.name, req, g.numPins);
    if (req.queryPins.length === 0 || req.limit === 0) return [];
    // request time is an input: without one the answer depends on the clock
    const now = req.now ?? Date.now();
    const r = this.walker.query(req.queryPins, req.queryWeights, { steps: this.o.steps, topK: this.o.boards, seed: req.seed });
    const out = freshPinsOfBoards(g, r.boards, r.boardScores, now, this.o, new Set(req.queryPins));
    return out.slice(0, req.limit);
  }
}
