import type { PinBoardGraph } from '../graph/graph.js';
import type { RetrievalService } from '../retrieval/service.js';
import { makeEmbeddingTable, normalizeRows, type EmbeddingTable } from '../users/embeddings.js';
import { ExactNeighbourIndex, HnswNeighbourIndex, type NeighbourIndex } from '../users/neighbour-index.js';
import { svdItemEmbeddings } from '../users/svd-embeddings.js';

/**
 * PinnerSage's pin embeddings in a graph's dense order, shared by serving and the daily job so
 * both cluster in the same space: the two-tower pin tower when a model is published (`auto`,
 * `two_tower`), else a seeded SVD of the pin–board graph. `version` names the embeddings and
 * is stored with the daily profiles.
 */
export interface PinnerSageEmbeddings {
  table: EmbeddingTable;
  index: NeighbourIndex;
  kind: 'svd' | 'two_tower';
  version: string;
}

export interface PinnerSageEmbeddingOptions {
  kind: 'auto' | 'svd' | 'two_tower';
  /** SVD dimension (capped by the graph's size) */
  dim: number;
  seed: number;
}

export function pinnerSageEmbeddings(g: PinBoardGraph, retrieval: RetrievalService | null, o: PinnerSageEmbeddingOptions): PinnerSageEmbeddings | null {
  if (o.kind === 'two_tower' && !retrieval) throw new Error('pinnersage embeddings: two_tower needs a published two-tower model');
  if (retrieval && o.kind !== 'svd') {
    const t = twoTowerEmbeddings(retrieval.current, retrieval.current.model.allPinEmbeddings(), g);
    return t ? { ...t, kind: 'two_tower', version: embeddingsVersion('two_tower', g, t.table.dim, o.seed, retrieval) } : null;
  }
  const s = graphEmbeddings(g, o.dim, o.seed);
  return s ? { ...s, kind: 'svd', version: embeddingsVersion('svd', g, s.table.dim, o.seed, null) } : null;
}

/** The name stored with daily profiles for the embeddings they were clustered in. */
export function embeddingsVersion(kind: 'svd' | 'two_tower', g: PinBoardGraph, dim: number, seed: number, retrieval: RetrievalService | null): string {
  if (kind === 'two_tower' && retrieval) return `two_tower:${retrieval.version.name}@${retrieval.version.version}`;
  return `svd:dim=${dim}:seed=${seed}:graph=${g.numPins}x${g.numBoards}x${g.numEdges}`;
}

/**
 * The two-tower pin tower's embeddings (unit rows) in the graph's dense order, and an index.
 * `all` holds the model's pin rows (`b.pinIds` order): the id rows, or serving's rows computed
 * with content features.
 */
export function twoTowerEmbeddings(
  b: RetrievalService['current'],
  all: Float32Array,
  g: PinBoardGraph,
): { table: EmbeddingTable; index: NeighbourIndex } | null {
  const d = b.model.dim;
  const vectors = new Float32Array(g.numPins * d);
  const present = new Uint8Array(g.numPins);
  const byId = new Map<string, number>();
  if (b.pinIds) for (let i = 0; i < b.pinIds.length; i++) byId.set(b.pinIds[i]!, i);
  let any = false;
  for (let p = 0; p < g.numPins; p++) {
    const m = b.pinIds ? (byId.get(g.pins.external(p)) ?? -1) : p < b.model.config.numPins ? p : -1;
    if (m < 0) continue;
    vectors.set(all.subarray(m * d, (m + 1) * d), p * d);
    present[p] = 1;
    any = true;
  }
  if (!any) return null;
  normalizeRows(vectors, d);
  const table = makeEmbeddingTable(vectors, d, present);
  const index = g.numPins <= 5000 ? new ExactNeighbourIndex(table) : new HnswNeighbourIndex(table);
  return { table, index };
}

/** SVD item embeddings of the graph (boards as users) and a neighbour index over them. */
export function graphEmbeddings(g: PinBoardGraph, dimWanted: number, seed: number): { table: EmbeddingTable; index: NeighbourIndex } | null {
  if (g.numPins < 2 || g.numBoards < 1) return null;
  const dim = Math.max(1, Math.min(dimWanted, g.numPins, g.numBoards));
  const vectors = svdItemEmbeddings(g.boardOffsets, g.boardAdj, g.numPins, { dim, seed, oversample: 8, powerIterations: 2 });
  const d = vectors.length / g.numPins;
  const present = new Uint8Array(g.numPins);
  for (let p = 0; p < g.numPins; p++) present[p] = g.pinDegree(p) > 0 ? 1 : 0;
  const table = makeEmbeddingTable(vectors, d, present);
  const index = g.numPins <= 5000 ? new ExactNeighbourIndex(table) : new HnswNeighbourIndex(table);
  return { table, index };
}
