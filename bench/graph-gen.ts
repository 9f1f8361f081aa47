import { PinBoardGraph } from '../src/graph/graph.js';
import { Rng } from '../src/util/rng.js';

export interface PowerLawOptions {
  pins: number;
  boards: number;
  /** edges drawn before duplicates are merged (the graph ends up with slightly fewer) */
  edges: number;
  seed: number;
  /** Zipf exponent of the pin-side degrees (weight of rank r ∝ r^-s, 0 <= s < 1) */
  pinExponent?: number;
  /** Zipf exponent of the board-side degrees */
  boardExponent?: number;
}

export const BENCH_GRAPH: PowerLawOptions = { pins: 1_000_000, boards: 200_000, edges: 20_000_000, seed: 7 };

/**
 * A seeded random bipartite graph with Zipf-like degrees on both sides (a Chung–Lu style model):
 * each edge picks a pin rank and a board rank from continuous power laws, and the ranks are
 * mapped through random permutations so that popular nodes are scattered over the id space (no
 * free cache locality from id order, as in a real graph).
 */
export function generatePowerLawGraph(o: PowerLawOptions): PinBoardGraph {
  const { pins, boards, edges } = o;
  if (!(Number.isInteger(pins) && pins > 0)) throw new RangeError(`pins must be a positive integer, got ${pins}`);
  if (!(Number.isInteger(boards) && boards > 0)) throw new RangeError(`boards must be a positive integer, got ${boards}`);
  if (!(Number.isInteger(edges) && edges >= 0)) throw new RangeError(`edges must be an integer >= 0, got ${edges}`);
  const sp = o.pinExponent ?? 0.6;
  const sb = o.boardExponent ?? 0.6;
  for (const s of [sp, sb]) if (!(s >= 0 && s < 1)) throw new RangeError(`Zipf exponent must be in [0, 1), got ${s}`);
  const rng = new Rng(o.seed);
  const permP = identityPerm(pins);
  const permB = identityPerm(boards);
  rng.shuffle(permP);
  rng.shuffle(permB);
  const ep = new Uint32Array(edges);
  const eb = new Uint32Array(edges);
  // inverse CDF of pdf ∝ x^-s on [1, n+1): x = (1 + u·((n+1)^(1-s) − 1))^(1/(1-s))
  const kp = 1 - sp;
  const kb = 1 - sb;
  const spanP = Math.pow(pins + 1, kp) - 1;
  const spanB = Math.pow(boards + 1, kb) - 1;
  const invKp = 1 / kp;
  const invKb = 1 / kb;
  for (let i = 0; i < edges; i++) {
    let rp = Math.floor(Math.pow(1 + rng.next() * spanP, invKp)) - 1;
    let rb = Math.floor(Math.pow(1 + rng.next() * spanB, invKb)) - 1;
    if (rp >= pins) rp = pins - 1;
    if (rb >= boards) rb = boards - 1;
    ep[i] = permP[rp]!;
    eb[i] = permB[rb]!;
  }
  return PinBoardGraph.fromEdges(ep, eb, pins, boards);
}

function identityPerm(n: number): Uint32Array {
  const a = new Uint32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  return a;
}

/** Query pins drawn like real requests: the pin of a random edge (so popular pins come up more). */
export function sampleQueryPins(g: PinBoardGraph, count: number, seed: number): Uint32Array {
  const rng = new Rng(seed);
  const out = new Uint32Array(count);
  for (let i = 0; i < count; i++) out[i] = g.boardAdj[rng.int(g.numEdges)]!;
  return out;
}
