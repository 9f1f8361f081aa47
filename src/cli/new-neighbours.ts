import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { InvalidArgumentError, type Command } from 'commander';
import { loadSnapshot } from '../graph/snapshot.js';
import { runNewNeighbours, saveFreshNeighbourMap } from '../jobs/new-neighbours.js';
import { makeEmbeddingTable } from '../users/embeddings.js';
import { svdItemEmbeddings } from '../users/svd-embeddings.js';
import type { PinBoardGraph } from '../graph/graph.js';

/** `boardwalk new-neighbours`: build the fresh-pin → established-pin map the server loads. */

function num(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`${name} must be a number, got ${JSON.stringify(v)}`);
    return n;
  };
}

/** TSV `pinId<TAB>text` (gzip or plain) → text per dense pin; unknown pins are skipped. */
export function readTexts(path: string, graph: PinBoardGraph): (string | undefined)[] {
  let buf = readFileSync(path);
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) buf = gunzipSync(buf);
  const out = new Array<string | undefined>(graph.numPins);
  const lines = buf.toString('utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '');
    if (line === '') continue;
    const tab = line.indexOf('\t');
    if (tab < 0) throw new Error(`${path}:${i + 1}: expected pinId<TAB>text`);
    const p = graph.pins.get(line.slice(0, tab));
    if (p >= 0) out[p] = line.slice(tab + 1);
  }
  return out;
}

export function register(program: Command): void {
  program
    .command('new-neighbours')
    .description('for each fresh pin, its nearest established pins by text and embedding; writes the inverted map')
    .requiredOption('--graph <snapshot>', 'graph snapshot with pin created-at metadata')
    .requiredOption('--out <file>', 'where to write the map (binary)')
    .option('--now <time>', 'job time, ISO date or epoch ms (default: now)')
    .option('--fresh-days <n>', 'fresh = created within this many days', num('--fresh-days'), 7)
    .option('--k <n>', 'established neighbours per fresh pin', num('--k'), 10)
    .option('--texts <tsv>', 'pinId<TAB>text file')
    .option('--svd-dim <n>', 'embedding: SVD of the pin–board matrix with this dimension (0 = none)', num('--svd-dim'), 64)
    .option('--seed <n>', 'seed', num('--seed'), 1)
    .action((o: { graph: string; out: string; now?: string; freshDays: number; k: number; texts?: string; svdDim: number; seed: number }) => {
      const now = o.now === undefined ? Date.now() : /^\d+$/.test(o.now) ? Number(o.now) : Date.parse(o.now);
      if (!Number.isFinite(now)) throw new Error(`--now ${JSON.stringify(o.now)} is not a date`);
      const graph = loadSnapshot(o.graph);
      if (!graph.meta.pins.createdAt) throw new Error(`${o.graph}: the graph has no pin created-at metadata, so no pin is fresh`);
      const texts = o.texts ? readTexts(o.texts, graph) : undefined;
      const embeddings =
        o.svdDim > 0
          ? makeEmbeddingTable(svdItemEmbeddings(graph.boardOffsets, graph.boardAdj, graph.numPins, { dim: o.svdDim, seed: o.seed }), o.svdDim)
          : undefined;
      const { map, stats } = runNewNeighbours({
        graph,
        now,
        freshDays: o.freshDays,
        embeddings,
        texts,
        options: { k: o.k, embeddingWeight: embeddings ? 0.7 : 0, textWeight: texts ? 0.3 : 0 },
      });
      saveFreshNeighbourMap(o.out, map);
      process.stdout.write(
        `${stats.fresh} fresh pins, ${stats.established} established, ${stats.edges} neighbour links in ${(stats.ms / 1000).toFixed(2)} s -> ${o.out}\n`,
      );
    });
}
