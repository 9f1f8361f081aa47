import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { generateDemoGraph } from '../graph/demo.js';
import type { PinBoardGraph } from '../graph/graph.js';
import { loadSnapshot, saveSnapshot } from '../graph/snapshot.js';
import { datasetGraph, loadDataset, resolveDataDir, DATASET_NAMES } from '../eval/datasets.js';
import { printEvalTable } from '../eval/run.js';
import { PixieWalker } from '../walk/pixie.js';
import { Rng } from '../util/rng.js';

interface StartOptions {
  data?: string;
  eval: boolean;
  users?: string;
  workdir: string;
  samples: string;
}

/**
 * The main job on a fresh clone: load the real data set (or a generated demo catalogue), build
 * the graph, snapshot it, walk from a few sample pins, and print the quality table.
 */
export function register(program: Command): void {
  program
    .command('start')
    .description('end-to-end demo: load citeulike-a (or a demo graph), build and snapshot the graph, show related pins, print the quality table')
    .option('--data <dir>', 'data directory (default: $BOARDWALK_DATA or ../shared/data)')
    .option('--no-eval', 'skip the quality table')
    .option('--users <n>', 'evaluate a seeded sample of this many users per set (default: all)')
    .option('--workdir <dir>', 'where the graph snapshot is written', '.boardwalk')
    .option('--samples <n>', 'how many sample pins to show', '3')
    .action(async (opts: StartOptions) => {
      await runStart(opts);
    });
}

async function runStart(opts: StartOptions): Promise<void> {
  const out = (s = ''): boolean => process.stdout.write(s + '\n');
  const dataDir = resolveDataDir(opts.data);
  const citeulike = join(dataDir, 'citeulike-a');
  let graph: PinBoardGraph;
  let source: string;
  let t = performance.now();
  if (existsSync(citeulike)) {
    const ds = loadDataset('citeulike-a', dataDir);
    graph = datasetGraph(ds);
    source = `citeulike-a from ${dataDir} (articles as pins, each user's library as a board)`;
  } else {
    graph = generateDemoGraph();
    source = `generated demo catalogue (no data set at ${citeulike})`;
  }
  const buildMs = performance.now() - t;
  out(`boardwalk: ${source}`);
  out(
    `graph: ${graph.numPins.toLocaleString('en')} pins, ${graph.numBoards.toLocaleString('en')} boards, ` +
      `${graph.numEdges.toLocaleString('en')} edges, ${(graph.byteSize() / Math.max(1, graph.numEdges)).toFixed(2)} bytes/edge, built in ${buildMs.toFixed(0)} ms`,
  );

  mkdirSync(opts.workdir, { recursive: true });
  const snap = join(opts.workdir, 'graph.bwg');
  t = performance.now();
  saveSnapshot(graph, snap);
  const saveMs = performance.now() - t;
  t = performance.now();
  graph = loadSnapshot(snap);
  out(`snapshot: ${snap} saved in ${saveMs.toFixed(0)} ms, loaded and verified in ${(performance.now() - t).toFixed(0)} ms`);
  out();

  const walker = new PixieWalker(graph);
  const rng = new Rng(7);
  const nSamples = Math.max(0, Number.parseInt(opts.samples, 10) || 0);
  const picked = new Set<number>();
  for (let tries = 0; picked.size < nSamples && tries < 10_000; tries++) {
    const p = rng.int(graph.numPins);
    if (graph.pinDegree(p) >= 5) picked.add(p);
  }
  for (const q of picked) {
    t = performance.now();
    const r = walker.query([q], undefined, { steps: 100_000, topK: 5, seed: 1 });
    const ms = performance.now() - t;
    out(`related pins for pin ${graph.pins.external(q)} (on ${graph.pinDegree(q)} boards): ${r.steps.toLocaleString('en')} steps in ${ms.toFixed(1)} ms`);
    for (let i = 0; i < r.pins.length; i++) {
      const p = r.pins[i]!;
      const shared = countShared(graph, q, p);
      out(`  ${String(i + 1).padStart(2)}. pin ${graph.pins.external(p).padEnd(8)} visits ${r.scores[i]!.toFixed(0).padStart(6)}   on ${graph.pinDegree(p)} boards, ${shared} shared with the query`);
    }
    const boards = [...r.boards.subarray(0, 3)].map((b) => graph.boards.external(b)).join(', ');
    out(`  related boards: ${boards}`);
    out();
  }

  if (!opts.eval) return;
  const present = DATASET_NAMES.filter((n) => existsSync(join(dataDir, n)));
  if (present.length === 0) {
    out(`quality table skipped: no evaluation data sets in ${dataDir}`);
    return;
  }
  out('quality (leave-one-out, held-out item among the listed negatives, pessimistic ties):');
  await printEvalTable({
    dataDir,
    datasets: present,
    users: opts.users !== undefined ? Number.parseInt(opts.users, 10) : undefined,
  });
}

/** Boards two pins share (both rows are sorted). */
function countShared(g: PinBoardGraph, a: number, b: number): number {
  const x = g.boardsOf(a);
  const y = g.boardsOf(b);
  let i = 0;
  let j = 0;
  let n = 0;
  while (i < x.length && j < y.length) {
    if (x[i]! < y[j]!) i++;
    else if (x[i]! > y[j]!) j++;
    else {
      n++;
      i++;
      j++;
    }
  }
  return n;
}
