/**
 * `npm run bench`: the speed benchmark. Sections run in order on one seeded power-law graph
 * (built once, shared):
 *   node dist/bench/run.js [--only <section>[,<section>]] [--quick] [--json <file>] [--no-hugepages]
 *
 * To add a section, write bench/<name>-bench.ts exporting a BenchSection and list it below.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import type { PinBoardGraph } from '../src/graph/graph.js';
import { anonHugePagesMiB } from '../src/util/huge-pages.js';
import { gbdtSection } from './gbdt-bench.js';
import { graphSection } from './graph-bench.js';
import { BENCH_GRAPH, generatePowerLawGraph, type PowerLawOptions } from './graph-gen.js';
import { loadAverage, type BenchContext, type BenchSection } from './section.js';
import { loadSection } from './load.js';
import { walkSection } from './walk-bench.js';

export const SECTIONS: BenchSection[] = [graphSection, walkSection, loadSection, gbdtSection];

/** --quick: a graph a tenth the size and fewer repetitions, for a smoke run. */
const QUICK_GRAPH: PowerLawOptions = { pins: 100_000, boards: 20_000, edges: 2_000_000, seed: 7 };

interface Args {
  only: string[] | null;
  quick: boolean;
  json: string | null;
  hugePages: boolean;
}

const HUGE_TUNABLE = 'glibc.malloc.hugetlb=1';

/**
 * Random walks are bound by TLB misses on 4 KiB pages (a 20M-edge graph spans ~40k pages).
 * glibc's hugetlb tunable makes malloc ask for transparent huge pages, which V8's array
 * buffers then get; it must be set before the process starts, so the bench re-runs itself.
 * (The walk's WebAssembly memory is advised separately, by src/util/huge-pages.ts.)
 * Returns the child's exit code, or null when this process should run the bench itself.
 */
function relaunchWithHugePages(args: Args): number | null {
  if (!args.hugePages || process.platform !== 'linux') return null;
  if ((process.env.GLIBC_TUNABLES ?? '').includes('hugetlb')) return null;
  const tunables = [process.env.GLIBC_TUNABLES, HUGE_TUNABLE].filter(Boolean).join(':');
  const r = spawnSync(process.execPath, [...process.execArgv, process.argv[1]!, ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, GLIBC_TUNABLES: tunables },
  });
  return r.status ?? 1;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { only: null, quick: false, json: null, hugePages: true };
  for (let i = 0; i < argv.length; i++) {
    const x = argv[i]!;
    if (x === '--quick') a.quick = true;
    else if (x === '--no-hugepages') a.hugePages = false;
    else if (x === '--only' || x === '--json') {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new Error(`${x} needs a value`);
      if (x === '--only') a.only = v.split(',').filter(Boolean);
      else a.json = v;
    } else if (x === '--help' || x === '-h') {
      process.stdout.write(
        `usage: node dist/bench/run.js [--only <section>[,...]] [--quick] [--json <file>] [--no-hugepages]\nsections:\n${SECTIONS.map((s) => `  ${s.name.padEnd(8)} ${s.description}`).join('\n')}\n`,
      );
      process.exit(0);
    } else throw new Error(`unknown argument ${JSON.stringify(x)} (try --help)`);
  }
  if (a.only) {
    for (const name of a.only)
      if (!SECTIONS.some((s) => s.name === name))
        throw new Error(`unknown section ${JSON.stringify(name)}; sections: ${SECTIONS.map((s) => s.name).join(', ')}`);
  }
  return a;
}

export async function main(argv: string[]): Promise<void> {
  const args = parseArgs(argv);
  // --no-hugepages: the walk's WebAssembly memory on 4 KiB pages too
  if (!args.hugePages) process.env['BOARDWALK_HUGE_PAGES'] = '0';
  const code = relaunchWithHugePages(args);
  if (code !== null) process.exit(code);
  const spec = args.quick ? QUICK_GRAPH : BENCH_GRAPH;
  let graph: PinBoardGraph | null = null;
  let buildSeconds: number | null = null;
  const figures: Array<{ name: string; value: number; unit: string }> = [];
  const ctx: BenchContext = {
    quick: args.quick,
    graph() {
      if (!graph) {
        const t = performance.now();
        graph = generatePowerLawGraph(spec);
        buildSeconds = (performance.now() - t) / 1000;
        const huge = anonHugePagesMiB();
        if (huge !== null) ctx.log(`(transparent huge pages back ${huge.toFixed(0)} MiB of this process; GLIBC_TUNABLES=${process.env.GLIBC_TUNABLES ?? ''})`);
      }
      return graph;
    },
    graphBuildSeconds: () => buildSeconds,
    record: (name, value, unit) => void figures.push({ name, value, unit }),
    log: (line) => void process.stdout.write(`${line}\n`),
  };
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  ctx.log(`boardwalk bench — node ${process.version}, ${availableParallelism()} cores (${cpu}), load average ${loadAverage()}`);
  ctx.log(`graph spec: ${spec.pins} pins, ${spec.boards} boards, ${spec.edges} edges drawn, seed ${spec.seed}${args.quick ? ' (--quick)' : ''}`);
  const failed: string[] = [];
  for (const s of SECTIONS) {
    if (args.only && !args.only.includes(s.name)) continue;
    ctx.log('');
    try {
      await s.run(ctx);
    } catch (err) {
      // one broken section (say, missing data) must not hide the others' figures
      failed.push(s.name);
      ctx.log(`section ${s.name} failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  ctx.log(`\nload average at the end: ${loadAverage()}`);
  if (args.json) {
    writeFileSync(args.json, JSON.stringify({ spec, loadAverage: loadAverage(), figures }, null, 2));
    ctx.log(`figures written to ${args.json}`);
  }
  if (failed.length > 0) throw new Error(`sections failed: ${failed.join(', ')}`);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
