import { readFileSync, writeFileSync } from 'node:fs';
import { buildNewNeighbours, FreshNeighbourMap, splitByFreshness, type NewNeighbourOptions } from '../candidates/fresh-neighbours.js';
import type { PinBoardGraph } from '../graph/graph.js';
import type { EmbeddingTable } from '../users/embeddings.js';
import { ExactNeighbourIndex, HnswNeighbourIndex, type NeighbourIndex } from '../users/neighbour-index.js';

export interface NewNeighboursJobInput {
  graph: PinBoardGraph;
  /** job time (epoch ms); pins created in the `freshDays` before it are fresh */
  now: number;
  freshDays?: number;
  /** unit item embeddings (any source: two-tower, Pin2Vec, SVD) */
  embeddings?: EmbeddingTable;
  /** text per dense pin */
  texts?: readonly (string | undefined)[];
  options?: Partial<NewNeighbourOptions>;
  /** exact search below this many established pins, HNSW above (default 20 000) */
  exactBelow?: number;
}

export interface NewNeighboursStats {
  fresh: number;
  established: number;
  edges: number;
  ms: number;
}

/**
 * The new-neighbour job: for each fresh pin its nearest established pins by text and
 * embedding similarity, inverted into the map the server loads (established → fresh).
 */
export function runNewNeighbours(input: NewNeighboursJobInput): { map: FreshNeighbourMap; stats: NewNeighboursStats } {
  const t0 = performance.now();
  const g = input.graph;
  const { fresh, established } = splitByFreshness(g.meta.pins.createdAt, g.numPins, input.now, input.freshDays ?? 7);
  let search: ((v: Float32Array, k: number) => { ids: Uint32Array; scores: Float64Array }) | undefined;
  if (input.embeddings) {
    if (input.embeddings.count !== g.numPins) throw new RangeError(`new-neighbours: embeddings cover ${input.embeddings.count} pins, graph has ${g.numPins}`);
    const index: NeighbourIndex =
      established.length < (input.exactBelow ?? 20_000)
        ? new ExactNeighbourIndex(input.embeddings, established)
        : new HnswNeighbourIndex(input.embeddings, established);
    search = (v, k) => index.search(v, k);
  }
  const fwd = buildNewNeighbours(
    { fresh, established, numPins: g.numPins, embeddings: input.embeddings, embeddingSearch: search, texts: input.texts },
    input.options,
  );
  const map = FreshNeighbourMap.invert(fwd.freshPins, fwd.offsets, fwd.neighbours, fwd.sims, g.numPins);
  return { map, stats: { fresh: fresh.length, established: established.length, edges: map.size, ms: performance.now() - t0 } };
}

const MAGIC = 0x4e465742; // "BWFN" little-endian
const VERSION = 1;

/** Binary file: magic, version, numPins, edges, then offsets (u32), fresh (u32), sims (f32). */
export function saveFreshNeighbourMap(path: string, map: FreshNeighbourMap): void {
  const header = new Uint32Array([MAGIC, VERSION, map.numPins, map.size]);
  const parts = [header, map.offsets, map.fresh, map.sims].map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength));
  writeFileSync(path, Buffer.concat(parts));
}

export function loadFreshNeighbourMap(path: string): FreshNeighbourMap {
  const buf = readFileSync(path);
  if (buf.byteLength < 16) throw new Error(`${path}: too short for a fresh-neighbour map`);
  const copy = new Uint8Array(buf.byteLength);
  copy.set(buf);
  const h = new Uint32Array(copy.buffer, 0, 4);
  if (h[0] !== MAGIC) throw new Error(`${path}: not a fresh-neighbour map (bad magic)`);
  if (h[1] !== VERSION) throw new Error(`${path}: fresh-neighbour map version ${h[1]}, expected ${VERSION}`);
  const n = h[2]!;
  const m = h[3]!;
  const need = 16 + 4 * (n + 1) + 8 * m;
  if (buf.byteLength !== need) throw new Error(`${path}: ${buf.byteLength} bytes, expected ${need} for ${n} pins and ${m} edges`);
  let off = 16;
  const offsets = new Uint32Array(copy.buffer, off, n + 1);
  off += 4 * (n + 1);
  const fresh = new Uint32Array(copy.buffer, off, m);
  off += 4 * m;
  const sims = new Float32Array(copy.buffer, off, m);
  return new FreshNeighbourMap(offsets, fresh, sims);
}
