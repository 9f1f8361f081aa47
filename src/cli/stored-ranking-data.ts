import { isAbsolute, join } from 'node:path';
import type { PinBoardGraph } from '../graph/graph.js';
import { buildGraphFromStorage } from '../jobs/graph-rebuild.js';
import { readRankingEvents } from '../jobs/storage-sources.js';
import type { EngagementEvent } from '../ranking/logging.js';
import { loadConfig } from '../server/config.js';
import { loadPipelineConfig, type PipelineConfig } from '../serving/full-surfaces.js';
import { openStorage } from '../storage/open.js';
import type { Storage } from '../storage/types.js';

/** What a `--from-storage` ranking command works on (train-ranker, fit-blend). */
export interface StoredRankingData {
  /** the serve config's data dir and its pipelines file */
  pipelines: PipelineConfig;
  /** a pipelines path (relative to the data dir unless absolute) as a path */
  inData(p: string): string;
  storage: Storage;
  /** the graph the server builds from storage: the candidate log's pins are its dense ids */
  graph: PinBoardGraph;
  /** stored events with a request id and a known pin, dense, for the join with the candidate log */
  events: EngagementEvent[];
}

/**
 * Opens the storage of a serve config (`--config`, else the defaults and env), reads the stored
 * engagement for the ranking join, runs `fn`, and closes the storage. Prints one line of event
 * counts unless `quiet`.
 */
export async function withStoredRankingData<T>(config: string | undefined, quiet: boolean, fn: (d: StoredRankingData) => Promise<T> | T): Promise<T> {
  const sc = loadConfig(config ? { file: config } : {});
  const dir = sc.storage.dataDir;
  const pipelines = loadPipelineConfig(dir);
  const inData = (p: string): string => (isAbsolute(p) ? p : join(dir, p));
  const storage = await openStorage(sc.storage);
  try {
    const { graph } = await buildGraphFromStorage(storage);
    const { events, stats } = await readRankingEvents(storage, { pin: (id) => graph.pins.get(id) });
    if (!quiet) process.stdout.write(`storage: ${stats.read} events, ${stats.noRequest} without request id, ${stats.unknownPin} with pins not in the graph (left out)\n`);
    return await fn({ pipelines, inData, storage, graph, events });
  } finally {
    await storage.close();
  }
}
