import { availableParallelism } from 'node:os';
import type { PinBoardGraph } from '../src/graph/graph.js';
import { reorderGraph, type ReorderKind } from '../src/graph/reorder.js';
import { PixieWalker, type PixieOptions } from '../src/walk/pixie.js';
import { WalkPool } from '../src/walk/pool.js';
import { anonHugePagesMiB, hugePagesAvailable } from '../src/util/huge-pages.js';
import { setWasmWalk, WalkMemory } from '../src/walk/walk-memory.js';
import { sampleQueryPins } from './graph-gen.js';
import { SequentialWalk } from './reference-walk.js';
import { cpuMs, loadAverage, quantile, type BenchSection } from './section.js';

/** Early-stopping Related-Pins-sized query: 100k steps, np = 2000, nv = 4. */
export const QUERY_OPTIONS: Partial<PixieOptions> = { steps: 100_000, np: 2000, nv: 4, alpha: 0.5, topK: 100 };

export interface StepRate {
  steps: number;
  wallSeconds: number;
  cpuSeconds: number;
}

/** Query pins sampled on `base` (default g), renumbered with pinPerm (old -> new) when g is a reordered copy. */
function queryPins(g: PinBoardGraph, count: number, seed: number, base?: { graph: PinBoardGraph; pinPerm: Uint32Array }): Uint32Array {
  if (!base) return sampleQueryPins(g, count, seed);
  const pins = sampleQueryPins(base.graph, count, seed);
  for (let i = 0; i < pins.length; i++) pins[i] = base.pinPerm[pins[i]!]!;
  return pins;
}

/** Raw walking speed on one core: long queries without early stopping from sampled pins. */
export function measureSteps(
  g: PinBoardGraph,
  queries: number,
  stepsEach: number,
  seed = 1,
  base?: { graph: PinBoardGraph; pinPerm: Uint32Array },
  extra: Partial<PixieOptions> = {},
): StepRate {
  return measureStepsAlternating(g, queries, stepsEach, [extra], seed, base)[0]!;
}

/**
 * The same walks (query pins and seeds) under each of `variants`, alternating query by query
 * and rotating which variant goes first, so that the machine's slow and fast moments hit all of
 * them alike (this VM's speed drifts by ±10 % within a minute). One rate per variant.
 */
export function measureStepsAlternating(
  g: PinBoardGraph,
  queries: number,
  stepsEach: number,
  variants: readonly Partial<PixieOptions>[],
  seed = 1,
  base?: { graph: PinBoardGraph; pinPerm: Uint32Array },
): StepRate[] {
  const w = new PixieWalker(g);
  const pins = queryPins(g, queries + 1, seed, base);
  for (const v of variants) w.query([pins[queries]!], undefined, { steps: stepsEach, np: 0, seed, ...v }); // warm-up
  const acc = variants.map(() => ({ steps: 0, wallSeconds: 0, cpuSeconds: 0 }));
  for (let i = 0; i < queries; i++) {
    for (let k = 0; k < variants.length; k++) {
      const which = (i + k) % variants.length;
      const c = cpuMs();
      const t = performance.now();
      acc[which]!.steps += w.query([pins[i]!], undefined, { steps: stepsEach, np: 0, seed: i, ...variants[which] }).steps;
      acc[which]!.wallSeconds += (performance.now() - t) / 1000;
      acc[which]!.cpuSeconds += (cpuMs() - c) / 1000;
    }
  }
  return acc;
}

/** The same walks with the old one-walk-at-a-time loop (baseline under the same conditions). */
export function measureSequentialSteps(g: PinBoardGraph, queries: number, stepsEach: number, seed = 1): StepRate {
  const w = new SequentialWalk(g);
  const pins = sampleQueryPins(g, queries + 1, seed);
  w.walk(pins[queries]!, stepsEach, 0.5, seed);
  const c = cpuMs();
  const t = performance.now();
  for (let i = 0; i < queries; i++) w.walk(pins[i]!, stepsEach, 0.5, i);
  return { steps: queries * stepsEach, wallSeconds: (performance.now() - t) / 1000, cpuSeconds: (cpuMs() - c) / 1000 };
}

export interface LatencyReport {
  queries: number;
  wallSeconds: number;
  cpuSeconds: number;
  /** wall-clock latency */
  p50Ms: number;
  p99Ms: number;
  /** CPU time per query: the latency without time spent descheduled on a busy machine */
  cpuP50Ms: number;
  cpuP99Ms: number;
  meanSteps: number;
}

/** Serial early-stopping queries on one core, with per-query latency. */
export function measureQueries(
  g: PinBoardGraph,
  queries: number,
  seed = 2,
  base?: { graph: PinBoardGraph; pinPerm: Uint32Array },
  extra: Partial<PixieOptions> = {},
): LatencyReport {
  const w = new PixieWalker(g);
  const pins = queryPins(g, queries, seed, base);
  for (let i = 0; i < Math.min(20, queries); i++) w.query([pins[i]!], undefined, { ...QUERY_OPTIONS, seed: i, ...extra }); // warm-up
  const lat = new Float64Array(queries);
  const cpuLat = new Float64Array(queries);
  let steps = 0;
  const t0 = performance.now();
  const c0 = cpuMs();
  for (let i = 0; i < queries; i++) {
    const t = performance.now();
    const c = cpuMs();
    steps += w.query([pins[i]!], undefined, { ...QUERY_OPTIONS, seed: i, ...extra }).steps;
    cpuLat[i] = cpuMs() - c;
    lat[i] = performance.now() - t;
  }
  const wall = (performance.now() - t0) / 1000;
  const cpu = (cpuMs() - c0) / 1000;
  lat.sort();
  cpuLat.sort();
  return {
    queries,
    wallSeconds: wall,
    cpuSeconds: cpu,
    p50Ms: quantile(lat, 0.5),
    p99Ms: quantile(lat, 0.99),
    cpuP50Ms: quantile(cpuLat, 0.5),
    cpuP99Ms: quantile(cpuLat, 0.99),
    meanSteps: steps / queries,
  };
}

/** The same queries through a WalkPool; checks a few results against the single-thread walker. */
export async function measurePool(g: PinBoardGraph, queries: number, threads: number, seed = 2): Promise<{ wallSeconds: number; equal: boolean }> {
  const pins = sampleQueryPins(g, queries, seed);
  const batch = Array.from(pins, (p, i) => ({ pins: [p], options: { ...QUERY_OPTIONS, seed: i } }));
  const pool = new WalkPool(g, { threads });
  try {
    await pool.queryMany(batch.slice(0, Math.min(batch.length, 4 * threads))); // warm-up
    const t = performance.now();
    const results = await pool.queryMany(batch);
    const wall = (performance.now() - t) / 1000;
    const w = new PixieWalker(g);
    let equal = true;
    for (let i = 0; i < Math.min(3, queries); i++) {
      const a = w.query(batch[i]!.pins, undefined, batch[i]!.options);
      const b = results[i]!;
      equal &&= a.steps === b.steps && a.pins.every((p, j) => p === b.pins[j]) && a.scores.every((s, j) => s === b.scores[j]);
    }
    return { wallSeconds: wall, equal };
  } finally {
    await pool.close();
  }
}

export const walkSection: BenchSection = {
  name: 'walk',
  description: 'random-walk steps/s on one core; 100k-step early-stopping queries on one core and with the pool',
  async run(ctx) {
    const g = ctx.graph();
    const stepsEach = ctx.quick ? 200_000 : 1_000_000;
    const nSteps = ctx.quick ? 5 : 20;
    const [s, sp] = measureStepsAlternating(g, nSteps, stepsEach, [{ countBoards: true }, { countBoards: false }]) as [StepRate, StepRate];
    // a locale-style bias: 4 codes over pins and boards, strength 3 (rejection sampling)
    const bias = {
      pinCodes: Uint16Array.from({ length: g.numPins }, (_, i) => 1 + (Math.imul(i, 0x9e3779b1) >>> 30)),
      boardCodes: Uint16Array.from({ length: g.numBoards }, (_, i) => 1 + (Math.imul(i, 0x85ebca6b) >>> 30)),
      code: 2,
      strength: 3,
    };
    const biased = measureSteps(g, nSteps, stepsEach, 1, undefined, { bias, countBoards: false });
    setWasmWalk(false);
    let js: StepRate;
    let jsBiased: StepRate;
    try {
      js = measureSteps(g, nSteps, stepsEach);
      jsBiased = measureSteps(g, nSteps, stepsEach, 1, undefined, { bias, countBoards: false });
    } finally {
      setWasmWalk(true);
    }
    const seq = measureSequentialSteps(g, nSteps, stepsEach);
    const rate = s.steps / s.wallSeconds;
    ctx.record('walk.stepsPerSecond', rate, 'steps/s');
    ctx.record('walk.stepsPerCpuSecond', s.steps / s.cpuSeconds, 'steps/s');
    ctx.record('walk.pinsOnly.stepsPerCpuSecond', sp.steps / sp.cpuSeconds, 'steps/s');
    ctx.record('walk.javascript.stepsPerCpuSecond', js.steps / js.cpuSeconds, 'steps/s');
    ctx.record('walk.biased.stepsPerCpuSecond', biased.steps / biased.cpuSeconds, 'steps/s');
    ctx.record('walk.javascript.biased.stepsPerCpuSecond', jsBiased.steps / jsBiased.cpuSeconds, 'steps/s');
    ctx.record('walk.sequentialStepsPerSecond', seq.steps / seq.wallSeconds, 'steps/s');
    const m = (r: StepRate): string => `${(r.steps / r.wallSeconds / 1e6).toFixed(2)} M steps/s wall, ${(r.steps / r.cpuSeconds / 1e6).toFixed(2)} M per CPU-second`;
    ctx.log(`walk: ${nSteps} queries × ${stepsEach} steps, alpha 0.5, no early stopping, query pins drawn by degree (the first two rows alternate query by query)`);
    ctx.log(`  WebAssembly kernel, pins and boards counted: ${m(s)} (target >= 10 M)`);
    ctx.log(`  WebAssembly kernel, pins only (Related Pins): ${m(sp)}`);
    ctx.log(`  WebAssembly kernel, locale-biased, pins only: ${m(biased)}`);
    ctx.log(`  JavaScript kernel (fallback), unbiased:       ${m(js)}`);
    ctx.log(`  JavaScript kernel (fallback), biased:         ${m(jsBiased)}`);
    ctx.log(`  one walk at a time (old loop, same pins):     ${m(seq)}`);
    const wm = WalkMemory.of(g);
    const huge = anonHugePagesMiB();
    const why =
      process.env['BOARDWALK_HUGE_PAGES'] === '0'
        ? 'turned off: BOARDWALK_HUGE_PAGES=0 or --no-hugepages'
        : !hugePagesAvailable()
          ? 'addon not built: see scripts/build-native.mjs'
          : !wm
            ? 'no WebAssembly walk'
            : 'madvise failed';
    ctx.log(`  walk memory (WebAssembly) advised for huge pages: ${wm?.hugePages ? 'yes' : `no (${why})`}${huge === null ? '' : `; AnonHugePages of the process now ${huge.toFixed(0)} MiB`}`);

    const nq = ctx.quick ? 100 : 1000;
    const q = measureQueries(g, nq, 2, undefined, { countBoards: false });
    const qb = measureQueries(g, nq);
    ctx.record('query.perSecond1', nq / q.wallSeconds, 'q/s');
    ctx.record('query.p50', q.p50Ms, 'ms');
    ctx.record('query.p99', q.p99Ms, 'ms');
    ctx.record('query.perCpuSecond', nq / q.cpuSeconds, 'q/s');
    ctx.record('query.cpuP50', q.cpuP50Ms, 'ms');
    ctx.record('query.cpuP99', q.cpuP99Ms, 'ms');
    ctx.record('query.withBoards.p99', qb.p99Ms, 'ms');
    ctx.record('query.withBoards.cpuP99', qb.cpuP99Ms, 'ms');
    ctx.log(`queries: ${nq} × (100k steps, np 2000, nv 4, top 100), mean ${Math.round(q.meanSteps)} steps walked`);
    ctx.log(`  one core, pins only: ${(nq / q.wallSeconds).toFixed(1)} q/s, p50 ${q.p50Ms.toFixed(2)} ms, p99 ${q.p99Ms.toFixed(2)} ms wall (target p99 <= 20 ms)`);
    ctx.log(`    CPU time per query: ${(nq / q.cpuSeconds).toFixed(1)} q per CPU-second, p50 ${q.cpuP50Ms.toFixed(2)} ms, p99 ${q.cpuP99Ms.toFixed(2)} ms`);
    ctx.log(`  one core, boards counted too: ${(nq / qb.wallSeconds).toFixed(1)} q/s, p50 ${qb.p50Ms.toFixed(2)} ms, p99 ${qb.p99Ms.toFixed(2)} ms wall; CPU p99 ${qb.cpuP99Ms.toFixed(2)} ms`);

    const threads = Math.max(1, availableParallelism());
    const p = await measurePool(g, nq, threads);
    ctx.record('query.perSecondPool', nq / p.wallSeconds, 'q/s');
    ctx.log(`  WalkPool, ${threads} threads: ${(nq / p.wallSeconds).toFixed(1)} q/s (results equal to single thread: ${p.equal})`);

    compareReordered(ctx, g, 'degree', nSteps, stepsEach, nq);
  },
};

/**
 * The same walks and queries (same query pins by external id, same seeds) on the graph as built
 * (A) and renumbered by `order` (B). A and B alternate query by query, so the machine's load
 * hits both alike; the paired per-query CPU ratios B/A give the median speed-up.
 */
export function compareReordered(
  ctx: Parameters<BenchSection['run']>[0],
  g: PinBoardGraph,
  order: ReorderKind,
  nSteps: number,
  stepsEach: number,
  nq: number,
): void {
  const t = performance.now();
  const c = cpuMs();
  const r = reorderGraph(g, { order });
  const reorderSeconds = (performance.now() - t) / 1000;
  ctx.record(`reorder.${order}.seconds`, reorderSeconds, 's');
  ctx.log(
    `locality: graph renumbered by ${order} in ${reorderSeconds.toFixed(2)} s wall, ${((cpuMs() - c) / 1000).toFixed(2)} s CPU; ` +
      `A = as built, B = ${order}; load average ${loadAverage()}`,
  );
  const wa = new PixieWalker(g);
  const wb = new PixieWalker(r.graph);
  const run = (w: PixieWalker, pin: number, opts: Partial<PixieOptions>): { steps: number; cpu: number; wall: number } => {
    const t0 = performance.now();
    const c0 = cpuMs();
    const steps = w.query([pin], undefined, opts).steps;
    return { steps, cpu: cpuMs() - c0, wall: performance.now() - t0 };
  };
  const median = (xs: number[]): number => quantile(Float64Array.from(xs).sort(), 0.5);

  // raw steps, no early stopping
  const sp = sampleQueryPins(g, nSteps + 1, 1);
  run(wa, sp[nSteps]!, { steps: stepsEach, np: 0, seed: 1 });
  run(wb, r.pinPerm[sp[nSteps]!]!, { steps: stepsEach, np: 0, seed: 1 });
  const tot = { a: { steps: 0, cpu: 0 }, b: { steps: 0, cpu: 0 } };
  const ratios: number[] = [];
  for (let i = 0; i < nSteps; i++) {
    const opts = { steps: stepsEach, np: 0, seed: i };
    const a = run(wa, sp[i]!, opts);
    const b = run(wb, r.pinPerm[sp[i]!]!, opts);
    tot.a.steps += a.steps;
    tot.a.cpu += a.cpu;
    tot.b.steps += b.steps;
    tot.b.cpu += b.cpu;
    ratios.push(a.cpu / b.cpu);
  }
  const rateA = tot.a.steps / (tot.a.cpu / 1000);
  const rateB = tot.b.steps / (tot.b.cpu / 1000);
  ctx.record('reorder.before.stepsPerCpuSecond', rateA, 'steps/s');
  ctx.record('reorder.after.stepsPerCpuSecond', rateB, 'steps/s');
  ctx.log(`  walk, ${nSteps} × ${stepsEach} steps, no early stopping, alternating A/B per query:`);
  ctx.log(`    before (as built): ${(rateA / 1e6).toFixed(2)} M steps per CPU-second`);
  ctx.log(`    after (${order}):${' '.repeat(Math.max(1, 10 - order.length))}${(rateB / 1e6).toFixed(2)} M steps per CPU-second (x${(rateB / rateA).toFixed(2)} overall, median paired x${median(ratios).toFixed(2)})`);

  // 100k-step early-stopping queries
  const qp = sampleQueryPins(g, nq, 2);
  for (let i = 0; i < Math.min(20, nq); i++) {
    run(wa, qp[i]!, { ...QUERY_OPTIONS, seed: i });
    run(wb, r.pinPerm[qp[i]!]!, { ...QUERY_OPTIONS, seed: i });
  }
  const cpuA = new Float64Array(nq);
  const cpuB = new Float64Array(nq);
  const wallA = new Float64Array(nq);
  const wallB = new Float64Array(nq);
  const qRatios: number[] = [];
  let stepsA = 0;
  let stepsB = 0;
  for (let i = 0; i < nq; i++) {
    const opts = { ...QUERY_OPTIONS, seed: i };
    const a = run(wa, qp[i]!, opts);
    const b = run(wb, r.pinPerm[qp[i]!]!, opts);
    cpuA[i] = a.cpu;
    cpuB[i] = b.cpu;
    wallA[i] = a.wall;
    wallB[i] = b.wall;
    stepsA += a.steps;
    stepsB += b.steps;
    if (a.cpu > 0 && b.cpu > 0) qRatios.push(a.cpu / b.cpu);
  }
  const sum = (x: Float64Array): number => x.reduce((s, v) => s + v, 0);
  const meanA = sum(cpuA) / nq;
  const meanB = sum(cpuB) / nq;
  for (const x of [cpuA, cpuB, wallA, wallB]) x.sort();
  ctx.record('reorder.before.queryCpuMean', meanA, 'ms');
  ctx.record('reorder.after.queryCpuMean', meanB, 'ms');
  ctx.log(`  ${nq} queries (100k steps, np 2000, nv 4, top 100), alternating A/B per query:`);
  const line = (x: Float64Array, y: Float64Array, mean: number, steps: number): string =>
    `CPU mean ${mean.toFixed(2)} ms, p50 ${quantile(x, 0.5).toFixed(2)} ms, p99 ${quantile(x, 0.99).toFixed(2)} ms; wall p50 ${quantile(y, 0.5).toFixed(2)} ms, p99 ${quantile(y, 0.99).toFixed(2)} ms; mean ${Math.round(steps / nq)} steps`;
  ctx.log(`    before (as built): ${line(cpuA, wallA, meanA, stepsA)}`);
  ctx.log(`    after (${order}):${' '.repeat(Math.max(1, 10 - order.length))}${line(cpuB, wallB, meanB, stepsB)}`);
  ctx.log(`    CPU per query x${(meanA / meanB).toFixed(2)} faster overall, median paired x${median(qRatios).toFixed(2)}; load average ${loadAverage()}`);
}
