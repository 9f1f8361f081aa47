import { PinBoardGraph } from './graph.js';
import { Rng } from '../util/rng.js';

/**
 * Graph pruning as in Pixie (Eksombatchai et al., WWW 2018, §3.3):
 *  (b) boards whose pins span too many topics (high entropy) lose all their edges, then
 *  (a) each pin keeps only ceil(|E(p)|^δ) of its boards, the ones most similar to the pin.
 * Node ids stay the same (a dropped board remains as a node of degree 0), so metadata and
 * id maps carry over unchanged.
 */

/** Scores the boards of one pin: writes scores[i] for boards[i]; higher is kept first. */
export type BoardScorer = (pin: number, boards: Uint32Array, scores: Float64Array) => void;

/** Makes a scorer for a graph (may precompute per-board data once). */
export type SimilarityFactory = (graph: PinBoardGraph) => BoardScorer;

/** Per-pin topic distributions: row p is matrix[p*numTopics .. (p+1)*numTopics). */
export interface TopicMatrix {
  matrix: Float32Array;
  numTopics: number;
}

export interface PruneOptions {
  /** cap exponent δ in (0, 1]: pin p keeps ceil(deg(p)^δ) boards; omit to skip the cap */
  delta?: number;
  /** how boards are ranked for the cap (default: overlapSimilarity()) */
  similarity?: SimilarityFactory;
  /** drop boards whose topic entropy in bits exceeds this; omit to skip */
  maxBoardEntropy?: number;
  /** pin topic distributions for the entropy; default: the pin topic metadata column */
  topics?: TopicMatrix;
}

export interface PruneReport {
  edgesBefore: number;
  edgesAfter: number;
  /** pins that lost edges to the degree cap */
  pinsCapped: number;
  /** boards dropped for high topic entropy (boards that had edges) */
  boardsDropped: number;
}

/** Boards a pin of this degree keeps: ceil(degree^δ), at least 1 (the epsilon absorbs pow's rounding). */
export function capSize(degree: number, delta: number): number {
  if (degree <= 1) return degree;
  return Math.min(degree, Math.max(1, Math.ceil(Math.pow(degree, delta) - 1e-9)));
}

function checkTopics(graph: PinBoardGraph, topics: TopicMatrix): void {
  const { matrix, numTopics } = topics;
  if (!Number.isInteger(numTopics) || numTopics < 1) throw new Error(`topic matrix: numTopics must be a positive integer, got ${numTopics}`);
  if (matrix.length !== graph.numPins * numTopics)
    throw new Error(`topic matrix: expected ${graph.numPins} pins × ${numTopics} topics = ${graph.numPins * numTopics} values, got ${matrix.length}`);
  for (let i = 0; i < matrix.length; i++) {
    const v = matrix[i]!;
    if (!(v >= 0) || v === Infinity) throw new Error(`topic matrix: value at pin ${Math.floor(i / numTopics)}, topic ${i % numTopics} is ${v}, must be finite and >= 0`);
  }
}

/**
 * Shannon entropy (bits) of each board's topic distribution: the topic histogram of its pins
 * (pin topic column; unknown topics ignored), or the sum of its pins' rows of a topic matrix.
 * A board with no topic information has entropy 0.
 */
export function boardTopicEntropy(graph: PinBoardGraph, topics?: TopicMatrix): Float64Array {
  const nb = graph.numBoards;
  const out = new Float64Array(nb);
  const { boardOffsets, boardAdj } = graph;
  if (topics) {
    checkTopics(graph, topics);
    const { matrix, numTopics: t } = topics;
    const acc = new Float64Array(t);
    for (let b = 0; b < nb; b++) {
      acc.fill(0);
      const end = boardOffsets[b + 1]!;
      for (let i = boardOffsets[b]!; i < end; i++) {
        const row = boardAdj[i]! * t;
        for (let k = 0; k < t; k++) acc[k]! += matrix[row + k]!;
      }
      out[b] = entropyBits(acc, t);
    }
    return out;
  }
  const col = graph.meta.pins.topic;
  if (!col) throw new Error('board entropy needs pin topics: load a pin metadata file with a topic column, or pass a topic matrix');
  const codes = col.codes;
  const counts = new Float64Array(col.values.length);
  const touched = new Uint32Array(col.values.length);
  for (let b = 0; b < nb; b++) {
    let nt = 0;
    let total = 0;
    const end = boardOffsets[b + 1]!;
    for (let i = boardOffsets[b]!; i < end; i++) {
      const c = codes[boardAdj[i]!]!;
      if (c === 0) continue;
      if (counts[c] === 0) touched[nt++] = c;
      counts[c]!++;
      total++;
    }
    let h = 0;
    for (let i = 0; i < nt; i++) {
      const c = touched[i]!;
      const q = counts[c]! / total;
      h -= q * Math.log2(q);
      counts[c] = 0;
    }
    out[b] = h;
  }
  return out;
}

function entropyBits(acc: Float64Array, n: number): number {
  let total = 0;
  for (let k = 0; k < n; k++) total += acc[k]!;
  if (total <= 0) return 0;
  let h = 0;
  for (let k = 0; k < n; k++) {
    const q = acc[k]! / total;
    if (q > 0) h -= q * Math.log2(q);
  }
  return h;
}

/** Removes every edge of the boards marked in `drop` (1 = drop). */
function withoutBoards(graph: PinBoardGraph, drop: Uint8Array): PinBoardGraph {
  const { pinOffsets, pinAdj, numPins } = graph;
  const offsets = new Uint32Array(numPins + 1);
  const adj = new Uint32Array(pinAdj.length);
  let w = 0;
  for (let p = 0; p < numPins; p++) {
    offsets[p] = w;
    const end = pinOffsets[p + 1]!;
    for (let i = pinOffsets[p]!; i < end; i++) {
      const b = pinAdj[i]!;
      if (drop[b] === 0) adj[w++] = b;
    }
  }
  offsets[numPins] = w;
  return PinBoardGraph.fromPinRows(offsets, adj.slice(0, w), graph.numBoards, graph.pins, graph.boards, graph.meta);
}

/** Drops (empties) boards whose topic entropy exceeds maxEntropy bits. */
export function dropDiverseBoards(
  graph: PinBoardGraph,
  maxEntropy: number,
  topics?: TopicMatrix,
): { graph: PinBoardGraph; boardsDropped: number } {
  if (!Number.isFinite(maxEntropy) || maxEntropy < 0) throw new Error(`max board entropy must be a number >= 0, got ${maxEntropy}`);
  const h = boardTopicEntropy(graph, topics);
  const drop = new Uint8Array(graph.numBoards);
  let dropped = 0;
  for (let b = 0; b < graph.numBoards; b++) {
    if (h[b]! > maxEntropy && graph.boardDegree(b) > 0) {
      drop[b] = 1;
      dropped++;
    }
  }
  if (dropped === 0) return { graph, boardsDropped: 0 };
  return { graph: withoutBoards(graph, drop), boardsDropped: dropped };
}

/**
 * Caps each pin's boards to capSize(deg, δ), keeping the highest-scoring boards
 * (ties: lower dense board id first). Rows stay sorted by board id.
 */
export function capPinDegrees(
  graph: PinBoardGraph,
  delta: number,
  similarity: SimilarityFactory = overlapSimilarity(),
): { graph: PinBoardGraph; pinsCapped: number } {
  if (!(delta > 0 && delta <= 1)) throw new Error(`prune delta must be in (0, 1], got ${delta}`);
  const { pinOffsets, pinAdj, numPins } = graph;
  const maxDeg = graph.maxPinDegree();
  let needed = false;
  for (let p = 0; p < numPins && !needed; p++) {
    const d = pinOffsets[p + 1]! - pinOffsets[p]!;
    if (capSize(d, delta) < d) needed = true;
  }
  if (!needed) return { graph, pinsCapped: 0 };

  const score = similarity(graph);
  const scores = new Float64Array(maxDeg);
  const order = new Uint32Array(maxDeg);
  const keep = new Uint8Array(maxDeg);
  let row: Uint32Array = pinAdj;
  // ranks positions within the current row: higher score first, then lower board id
  const cmp = (a: number, b: number): number => scores[b]! - scores[a]! || row[a]! - row[b]!;

  const offsets = new Uint32Array(numPins + 1);
  const adj = new Uint32Array(pinAdj.length);
  let w = 0;
  let capped = 0;
  for (let p = 0; p < numPins; p++) {
    offsets[p] = w;
    const start = pinOffsets[p]!;
    const d = pinOffsets[p + 1]! - start;
    const k = capSize(d, delta);
    if (k >= d) {
      adj.set(pinAdj.subarray(start, start + d), w);
      w += d;
      continue;
    }
    capped++;
    row = pinAdj.subarray(start, start + d);
    scores.fill(0, 0, d);
    score(p, row, scores);
    for (let i = 0; i < d; i++) {
      if (Number.isNaN(scores[i]!)) throw new Error(`similarity returned NaN for pin ${p}, board ${row[i]}`);
      order[i] = i;
    }
    order.subarray(0, d).sort(cmp);
    for (let i = 0; i < k; i++) keep[order[i]!] = 1;
    for (let i = 0; i < d; i++) {
      if (keep[i] === 1) {
        adj[w++] = row[i]!;
        keep[i] = 0;
      }
    }
  }
  offsets[numPins] = w;
  return {
    graph: PinBoardGraph.fromPinRows(offsets, adj.slice(0, w), graph.numBoards, graph.pins, graph.boards, graph.meta),
    pinsCapped: capped,
  };
}

/** Entropy drop, then degree cap; returns the pruned graph and what changed. */
export function pruneGraph(graph: PinBoardGraph, opts: PruneOptions = {}): { graph: PinBoardGraph; report: PruneReport } {
  const edgesBefore = graph.numEdges;
  let g = graph;
  let boardsDropped = 0;
  let pinsCapped = 0;
  if (opts.maxBoardEntropy !== undefined) {
    const r = dropDiverseBoards(g, opts.maxBoardEntropy, opts.topics);
    g = r.graph;
    boardsDropped = r.boardsDropped;
  }
  if (opts.delta !== undefined) {
    const r = capPinDegrees(g, opts.delta, opts.similarity);
    g = r.graph;
    pinsCapped = r.pinsCapped;
  }
  return { graph: g, report: { edgesBefore, edgesAfter: g.numEdges, pinsCapped, boardsDropped } };
}

// ---------- similarities ----------

const NONE = 0xffffffff;

function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d);
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b);
  return (x ^ (x >>> 16)) >>> 0;
}

/**
 * Default similarity, board co-occurrence: score(b) = Σ over p's other boards b' of the
 * Jaccard overlap of pins(b) \ {p} and pins(b') \ {p}, estimated with MinHash.
 *
 * Each board keeps, per hash function, its smallest and second-smallest pin hash and the pin
 * that gave the smallest; dropping p from a board's set is then O(1) (take the second when p
 * was the argmin). Building the sketches costs O(E·k) time and 12·k bytes per board; scoring
 * a pin of degree d costs O(d·k) with small typed-array hash tables, so it scales to large
 * graphs. The estimate is exact for identical and disjoint pin sets.
 */
export function overlapSimilarity(opts: { hashes?: number; seed?: number } = {}): SimilarityFactory {
  const k = opts.hashes ?? 16;
  if (!Number.isInteger(k) || k < 1 || k > 256) throw new Error(`overlap similarity: hashes must be an integer in 1..256, got ${k}`);
  const seed = opts.seed ?? 1;
  return (graph) => {
    const nb = graph.numBoards;
    const rng = new Rng(seed);
    const salt = new Uint32Array(k);
    for (let j = 0; j < k; j++) salt[j] = rng.nextU32();
    const min1 = new Uint32Array(nb * k).fill(NONE);
    const min2 = new Uint32Array(nb * k).fill(NONE);
    const arg = new Uint32Array(nb * k);
    const { boardOffsets, boardAdj } = graph;
    for (let b = 0; b < nb; b++) {
      const base = b * k;
      const end = boardOffsets[b + 1]!;
      for (let i = boardOffsets[b]!; i < end; i++) {
        const q = boardAdj[i]!;
        // hashing per edge beats a precomputed per-pin table: that table's random reads miss the cache
        for (let j = 0; j < k; j++) {
          let h = mix32(q ^ salt[j]!);
          if (h === NONE) h = NONE - 1; // NONE is reserved for "empty"
          const s = base + j;
          if (h < min1[s]!) {
            min2[s] = min1[s]!;
            min1[s] = h;
            arg[s] = q;
          } else if (h < min2[s]!) min2[s] = h;
        }
      }
    }
    // Per pin: one open-addressing table per hash function (k tables of `cap` slots) counting
    // equal sketch values among the pin's boards; cleared by bumping `stamp`.
    const maxDeg = Math.max(1, graph.maxPinDegree());
    let maxCap = 16;
    while (maxCap < 2 * maxDeg) maxCap *= 2;
    const keys = new Uint32Array(k * maxCap);
    const counts = new Uint32Array(k * maxCap);
    const stamps = new Uint32Array(k * maxCap);
    const slots = new Uint32Array(maxDeg * k); // table slot of (board i, hash j), or NONE
    let stamp = 0;
    return (pin, boards, scores) => {
      const d = boards.length;
      let cap = 16;
      while (cap < 2 * d) cap *= 2;
      const mask = cap - 1;
      if (stamp === NONE) {
        stamps.fill(0);
        stamp = 0;
      }
      stamp++;
      for (let i = 0; i < d; i++) {
        const base = boards[i]! * k;
        const out = i * k;
        for (let j = 0; j < k; j++) {
          const s = base + j;
          const v = arg[s] === pin ? min2[s]! : min1[s]!; // the board's sketch without p
          if (v === NONE) {
            slots[out + j] = NONE; // the board has no pin besides p
            continue;
          }
          const off = j * cap;
          let t = v & mask; // v is already a hash
          while (stamps[off + t] === stamp && keys[off + t] !== v) t = (t + 1) & mask;
          t += off;
          if (stamps[t] !== stamp) {
            stamps[t] = stamp;
            keys[t] = v;
            counts[t] = 1;
          } else counts[t]!++;
          slots[out + j] = t;
        }
      }
      for (let i = 0; i < d; i++) {
        const out = i * k;
        let sum = 0;
        for (let j = 0; j < k; j++) {
          const t = slots[out + j]!;
          if (t !== NONE) sum += counts[t]! - 1;
        }
        scores[i] = sum / k;
      }
    };
  };
}

/**
 * Exact co-occurrence: score(b) = how many of p's other boards share at least one pin other
 * than p with b. Cost grows with Σ deg(q) over the pins q of p's boards: for small graphs and
 * for checking overlapSimilarity.
 */
export function sharedPinSimilarity(): SimilarityFactory {
  return (graph) => {
    const nb = graph.numBoards;
    const owner = new Int32Array(nb).fill(-1); // owner[b'] = p when b' is a board of the current pin
    const seen = new Int32Array(nb).fill(-1);
    let token = 0;
    return (pin, boards, scores) => {
      const d = boards.length;
      for (let i = 0; i < d; i++) owner[boards[i]!] = pin;
      for (let i = 0; i < d; i++) {
        const b = boards[i]!;
        token++;
        seen[b] = token;
        let n = 0;
        const end = graph.boardOffsets[b + 1]!;
        for (let x = graph.boardOffsets[b]!; x < end; x++) {
          const q = graph.boardAdj[x]!;
          if (q === pin) continue;
          const qe = graph.pinOffsets[q + 1]!;
          for (let y = graph.pinOffsets[q]!; y < qe; y++) {
            const b2 = graph.pinAdj[y]!;
            if (owner[b2] === pin && seen[b2] !== token) {
              seen[b2] = token;
              n++;
            }
          }
        }
        scores[i] = n;
      }
    };
  };
}

/**
 * The paper's similarity: cosine between the pin's topic vector and the board's (the mean of
 * its pins' vectors).
 */
export function topicCosineSimilarity(topics: TopicMatrix): SimilarityFactory {
  return (graph) => {
    checkTopics(graph, topics);
    const { matrix, numTopics: t } = topics;
    const nb = graph.numBoards;
    const bv = new Float32Array(nb * t);
    const bnorm = new Float64Array(nb);
    for (let b = 0; b < nb; b++) {
      const end = graph.boardOffsets[b + 1]!;
      const base = b * t;
      for (let i = graph.boardOffsets[b]!; i < end; i++) {
        const row = graph.boardAdj[i]! * t;
        for (let x = 0; x < t; x++) bv[base + x]! += matrix[row + x]!;
      }
      let s = 0;
      for (let x = 0; x < t; x++) s += bv[base + x]! * bv[base + x]!;
      bnorm[b] = Math.sqrt(s);
    }
    return (pin, boards, scores) => {
      const row = pin * t;
      let pn = 0;
      for (let x = 0; x < t; x++) pn += matrix[row + x]! * matrix[row + x]!;
      pn = Math.sqrt(pn);
      for (let i = 0; i < boards.length; i++) {
        const b = boards[i]!;
        const base = b * t;
        let dot = 0;
        for (let x = 0; x < t; x++) dot += matrix[row + x]! * bv[base + x]!;
        const den = pn * bnorm[b]!;
        scores[i] = den > 0 ? dot / den : 0;
      }
    };
  };
}
