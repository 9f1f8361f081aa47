import { GraphBuilder } from '../graph/builder.js';
import type { PinBoardGraph } from '../graph/graph.js';
import type { Storage } from '../storage/types.js';

export interface BuiltGraph {
  graph: PinBoardGraph;
  /** the graph holds every save change with seq <= this */
  seq: number;
  /** wall time of the build, ms */
  buildMs: number;
}

/**
 * Builds the CSR pin–board graph from storage: every catalogue pin and board (with locale and
 * created-at) and every live save up to the storage's current save seq. Changes committed while
 * it runs have higher seqs; the caller applies them on top (see LiveGraph.install).
 */
export async function buildGraphFromStorage(storage: Storage): Promise<BuiltGraph> {
  const t0 = performance.now();
  const seq = await storage.maxSaveSeq();
  const b = new GraphBuilder();
  for await (const batch of storage.listPins(20_000))
    for (const p of batch) {
      b.pin(p.id);
      if (p.locale !== undefined || p.createdAt !== undefined) b.setPinMeta(p.id, pick(p));
    }
  for await (const batch of storage.listBoards(20_000))
    for (const x of batch) {
      b.board(x.id);
      if (x.locale !== undefined || x.createdAt !== undefined) b.setBoardMeta(x.id, pick(x));
    }
  for await (const batch of storage.listSaves({ upToSeq: seq, batchSize: 50_000 })) for (const s of batch) b.addEdge(s.pin, s.board);
  return { graph: b.build(), seq, buildMs: performance.now() - t0 };
}

function pick(x: { locale?: string; createdAt?: number }): { locale?: string; createdAt?: number } {
  const o: { locale?: string; createdAt?: number } = {};
  if (x.locale !== undefined) o.locale = x.locale;
  if (x.createdAt !== undefined) o.createdAt = x.createdAt;
  return o;
}
