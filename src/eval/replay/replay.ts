import { BoardCooccurrenceGenerator } from '../../candidates/board-cooccurrence.js';
import { PixieGenerator } from '../../candidates/pixie.js';
import { Pin2VecGenerator } from '../../candidates/pin2vec.js';
import { ExactCosineIndex } from '../../embeddings/exact-index.js';
import { trainPin2Vec, type Pin2VecOptions } from '../../embeddings/pin2vec.js';
import { PinBoardGraph } from '../../graph/graph.js';
import { CoecAggregator } from '../../memboost/coec.js';
import type { EngagementEvent } from '../../memboost/events.js';
import { fitMemboostParams, fitQueriesFromEvents, type FitResult } from '../../memboost/fit.js';
import { DEFAULT_MEMBOOST, type MemboostParams } from '../../memboost/score.js';
import type { MemboostTable } from '../../memboost/table.js';
import { BlendRanker, RelatedPinsSurface, tableMemory, type RelatedSource } from '../../surfaces/related-pins.js';
import { fitSourceWeights, weightExample, type SourceWeightFit, type WeightExample } from '../../surfaces/source-weights.js';
import type { Candidate, CandidateRequest } from '../../candidates/types.js';
import type { Ranker } from '../../ranking/ranker.js';
import type { SurfaceRequest } from '../../surfaces/types.js';
import { hashSeed, Rng } from '../../util/rng.js';
import { PixieWalker } from '../../walk/pixie.js';
import { datasetGraph, loadDataset, userItemsOf, type EvalDataset } from '../datasets.js';
import { LeaveOneOutMetrics } from '../metrics.js';
import { sampleUsers } from '../runner.js';
import { positionBiasDemo, type BiasDemoResult } from './bias-demo.js';
import { ClickModel } from './click-model.js';

export interface ReplayOptions {
  dataDir?: string;
  /** evaluation users, a seeded sample (default 0 = all) */
  users: number;
  /** share of each user's training items hidden from the graph, seen only through engagement (default 0.3) */
  hideFraction: number;
  /** users with fewer training items hide nothing (default 4) */
  minItems: number;
  /** simulated Related Pins views per user: rounds (default 20) */
  viewsPerUser: number;
  /** share of the rounds held out to fit Memboost's parameters (default 0.25; 0 = keep params) */
  fitFraction: number;
  /** held-out query pins used for the fit (default 400) */
  fitQueries: number;
  /** views of the controlled position-bias experiment (default 5000) */
  demoViews: number;
  /** fresh views for the expected-clicks comparison (default 500) */
  engagementViews: number;
  /** results shown per view (default 20) */
  shown: number;
  /** click model examination exponent: exam(s) = 1/(1+s)^eta (default 1) */
  eta: number;
  /** attractiveness of a shown pin the user engaged with but the graph lacks / the graph has / anything else */
  attrHidden: number;
  attrKnown: number;
  attrOther: number;
  /**
   * Pins also differ in intrinsic appeal the graph cannot see (image, title): attractiveness is
   * multiplied by a seeded log-normal quality exp(σ·z − σ²/2), capped at 1 (default σ = 1; 0 = off)
   */
  qualitySigma: number;
  /** P(save | click) for a hidden pin (default 0.3) */
  saveRate: number;
  /** Pixie steps of the production walks that produce the shown lists (default 3 000) */
  simSteps: number;
  /** Pixie steps per user in the evaluation, the same for Pixie alone and the pipeline (default 50 000) */
  steps: number;
  seed: number;
  params: MemboostParams;
  pin2vec: Partial<Pin2VecOptions>;
  /**
   * candidate quotas of the pipeline's sources; unset = the catalogue size, so every pin a source
   * can score is a candidate (the metric ranks items deep in the list, where Pixie alone keeps
   * scoring; a quota would cut them to 0 in the pipeline only)
   */
  quotas: Partial<{ pixie: number; board: number; pin2vec: number }>;
  /** default ranker settings: per-source weights (used as given when validationUsers = 0) and the agreement bonus */
  rankerWeights: Record<string, number>;
  /**
   * users whose one training item is held out of the graph and the log as a validation item
   * (a seeded sample); the pipeline's source weights are fitted on them (surfaces/source-weights.ts).
   * 0 = no validation split, hand weights (default 500)
   */
  validationUsers: number;
  /** random non-interacted items each validation item is ranked among (default 100) */
  validationNegatives: number;
  /** also report the pipeline without each source, with hand weights (default true) */
  ablations: boolean;
  agreementBonus: number;
  log?: (line: string) => void;
}

export const DEFAULT_REPLAY: ReplayOptions = {
  users: 0,
  hideFraction: 0.3,
  minItems: 4,
  viewsPerUser: 12,
  fitFraction: 0.25,
  fitQueries: 400,
  engagementViews: 500,
  demoViews: 5000,
  shown: 20,
  eta: 1,
  attrHidden: 0.7,
  attrKnown: 0.3,
  attrOther: 0.02,
  saveRate: 0.3,
  qualitySigma: 1,
  simSteps: 3_000,
  steps: 50_000,
  seed: 1,
  params: DEFAULT_MEMBOOST,
  pin2vec: { dim: 32, epochs: 5, window: 4 },
  quotas: {},
  rankerWeights: {},
  agreementBonus: 0,
  validationUsers: 500,
  validationNegatives: 100,
  ablations: true,
};

/** One row of the `eval` table. */
export interface ReplayRow {
  dataset: string;
  method: string;
  hr10: number;
  ndcg10: number;
  notes: string;
}

export interface ReplayBias {
  /** the controlled single-query experiment */
  demo: BiasDemoResult;
  /** pairs of the replay log shown at a mean slot >= 10 whose MB > 0 */
  lowShownBoosted: number;
  /** of the (up to 100) strongest of those: mean rank in their query's related list without / with Memboost */
  meanRankWithout: number;
  meanRankWith: number;
  /** share of those that reach the top 10 with Memboost (without: see topTenWithout) */
  topTenWith: number;
  topTenWithout: number;
  example: { query: number; result: number; meanSlot: number; impressions: number; clicks: number; expectedClicks: number; memboost: number; rankWithout: number; rankWith: number } | null;
}

/** Fresh simulated views: expected clicks per view under the click model, per list source. */
export interface ReplayEngagement {
  views: number;
  /** Σ_s exam(s)·attractiveness over the shown slots, averaged over views */
  pixie: number;
  pipelineNoMemboost: number;
  pipeline: number;
}

export interface ReplayReport {
  rows: ReplayRow[];
  /** the pipeline's source weights fitted on the validation users (null: hand weights) */
  weights: SourceWeightFit | null;
  /** Memboost parameters used, and the fit that chose them (null when not fitted) */
  params: MemboostParams;
  fit: FitResult | null;
  bias: ReplayBias;
  engagement: ReplayEngagement;
  stats: { views: number; impressions: number; clicks: number; saves: number; sessions: number; hiddenItems: number; seconds: number; users: number };
}

interface Split {
  graph: PinBoardGraph;
  /** intrinsic appeal per pin (multiplies attractiveness) */
  quality: Float64Array;
  /** per user: training items the graph lacks (engaged only), CSR */
  hidOffsets: Uint32Array;
  hidItems: Uint32Array;
  visOffsets: Uint32Array;
  visItems: Uint32Array;
  /** per user: the validation item (in neither graph nor log), -1 for none */
  valItem: Int32Array;
}

/** Hides a seeded share of each user's training items from the graph. */
function splitEngagement(ds: EvalDataset, o: ReplayOptions, rng: Rng): Split {
  const valItem = validationItems(ds, o);
  const hidOffsets = new Uint32Array(ds.numUsers + 1);
  const visOffsets = new Uint32Array(ds.numUsers + 1);
  const hid: number[] = [];
  const vis: number[] = [];
  const ep: number[] = [];
  const eb: number[] = [];
  for (let u = 0; u < ds.numUsers; u++) {
    // shuffle before leaving the validation item out: the stream (and so the rest of the split
    // and the pins' quality) stays what it is without a validation split
    let items = Array.from(userItemsOf(ds, u));
    rng.shuffle(items);
    if (valItem[u]! >= 0) items = items.filter((it) => it !== valItem[u]);
    const h = items.length >= o.minItems ? Math.floor(items.length * o.hideFraction) : 0;
    const hs = items.slice(0, h).sort((a, b) => a - b);
    const vs = items.slice(h).sort((a, b) => a - b);
    hid.push(...hs);
    vis.push(...vs);
    for (const it of vs) {
      ep.push(it);
      eb.push(u);
    }
    hidOffsets[u + 1] = hid.length;
    visOffsets[u + 1] = vis.length;
  }
  const graph = PinBoardGraph.fromEdges(Uint32Array.from(ep), Uint32Array.from(eb), ds.numItems, ds.numUsers);
  const quality = new Float64Array(ds.numItems);
  const sg = o.qualitySigma;
  for (let i = 0; i < ds.numItems; i++) quality[i] = Math.exp(sg * rng.normal() - (sg * sg) / 2);
  return { graph, quality, hidOffsets, hidItems: Uint32Array.from(hid), visOffsets, visItems: Uint32Array.from(vis), valItem };
}

/**
 * The validation split: a seeded sample of users with more than minItems training items each
 * gives up one of them, which then plays the test item's part (absent from the graph, the log,
 * Pin2Vec and Memboost). A stream of its own, so the rest of the split does not shift.
 */
function validationItems(ds: EvalDataset, o: ReplayOptions): Int32Array {
  const val = new Int32Array(ds.numUsers).fill(-1);
  if (o.validationUsers === 0) return val;
  const rng = new Rng(hashSeed('replay-validation', o.seed));
  const eligible: number[] = [];
  for (let u = 0; u < ds.numUsers; u++) if (ds.userOffsets[u + 1]! - ds.userOffsets[u]! > o.minItems) eligible.push(u);
  rng.shuffle(eligible);
  for (const u of eligible.slice(0, o.validationUsers)) {
    const items = userItemsOf(ds, u);
    val[u] = items[rng.int(items.length)]!;
  }
  return val;
}

/** Records the merged candidates it is asked to score (the validation examples' features). */
class CapturingRanker implements Ranker {
  readonly name = 'capture';
  last: Candidate[] = [];
  score(_req: CandidateRequest, candidates: Candidate[]): Float64Array {
    this.last = candidates;
    return new Float64Array(candidates.length);
  }
}

/**
 * Validation examples: each validation user's item among `validationNegatives` random items they
 * never interacted with, with the normalised source scores of the pipeline's merged candidates
 * for a request from their remaining training items.
 */
async function validationExamples(ds: EvalDataset, split: Split, sources: RelatedSource[], candidates: number, o: ReplayOptions): Promise<WeightExample[]> {
  const capture = new CapturingRanker();
  const surface = new RelatedPinsSurface({ sources, candidates, overfetch: 1, ranker: capture });
  const names = sources.map((s) => s.generator.name);
  const out: WeightExample[] = [];
  const own = new Uint8Array(ds.numItems);
  for (let u = 0; u < ds.numUsers; u++) {
    const v = split.valItem[u]!;
    if (v < 0) continue;
    const items = userItemsOf(ds, u);
    for (const it of items) own[it] = 1;
    if (ds.heldOut[u]! >= 0) own[ds.heldOut[u]!] = 1;
    const rng = new Rng(hashSeed(`replay-valneg${u}`, o.seed));
    const pins = [v];
    for (let tries = 0; pins.length <= o.validationNegatives && tries < o.validationNegatives * 50; tries++) {
      const p = rng.int(ds.numItems);
      if (own[p]) continue;
      own[p] = 1;
      pins.push(p);
    }
    for (const it of items) own[it] = 0;
    for (const p of pins) own[p] = 0;
    if (ds.heldOut[u]! >= 0) own[ds.heldOut[u]!] = 0;
    const req: SurfaceRequest = { queryPins: Array.from(items).filter((it) => it !== v), limit: 0, seed: hashSeed(`val${u}`, o.seed), surface: 'related', explain: false };
    await surface.scorePins(req, pins);
    out.push(weightExample(names, capture.last, pins));
  }
  return out;
}

interface Simulation {
  table: MemboostTable;
  /** table of the rounds before the held-out ones, and the held-out rounds' events (for fitting) */
  earlyTable: MemboostTable;
  heldOut: EngagementEvent[];
  sessionOffsets: number[];
  sessionItems: number[];
  /** (q·2^26 + r) -> [impressions, slot sum, clicks] */
  shownAt: Map<number, [number, number, number]>;
  views: number;
  impressions: number;
  clicks: number;
  saves: number;
}

/**
 * Production replay: in each round every user opens Related Pins on one of their graph items;
 * Pixie (the current system) shows its top results; the click model turns them into
 * impressions, clicks and saves. Attractiveness is highest for the user's hidden items:
 * engagement the graph lacks. The last `fitFraction` of rounds is also kept apart for fitting.
 */
function simulate(ds: EvalDataset, split: Split, o: ReplayOptions, rng: Rng): Simulation {
  const walker = new PixieWalker(split.graph);
  const model = new ClickModel(o.eta);
  const agg = new CoecAggregator({ maxPosition: o.shown });
  const early = new CoecAggregator({ maxPosition: o.shown });
  const heldOut: EngagementEvent[] = [];
  const firstHeldOut = Math.max(1, Math.round(o.viewsPerUser * (1 - o.fitFraction)));
  const mark = new Uint8Array(ds.numItems);
  const sessionOffsets = [0];
  const sessionItems: number[] = [];
  const shownAt = new Map<number, [number, number, number]>();
  let views = 0;
  let impressions = 0;
  let clicks = 0;
  let saves = 0;
  const emit = (e: EngagementEvent, round: number): void => {
    agg.add(e);
    if (round < firstHeldOut) early.add(e);
    else heldOut.push(e);
  };
  for (let round = 0; round < o.viewsPerUser; round++) {
    for (let u = 0; u < ds.numUsers; u++) {
      const vs = split.visItems.subarray(split.visOffsets[u]!, split.visOffsets[u + 1]!);
      const hs = split.hidItems.subarray(split.hidOffsets[u]!, split.hidOffsets[u + 1]!);
      if (vs.length === 0) continue;
      for (const it of vs) mark[it] = 1;
      for (const it of hs) mark[it] = 2;
      const q = vs[rng.int(vs.length)]!;
      const res = walker.query([q], undefined, { steps: o.simSteps, topK: o.shown, seed: rng.nextU32() });
      views++;
      let clickedAny = false;
      for (let s = 0; s < res.pins.length; s++) {
        const r = res.pins[s]!;
        const base = { pin: r, queryPin: q, position: s, platform: 'web', surface: 'related', timestamp: round, user: u };
        emit({ ...base, action: 'impression' }, round);
        impressions++;
        const key = q * 67108864 + r;
        let st = shownAt.get(key);
        if (!st) shownAt.set(key, (st = [0, 0, 0]));
        st[0]++;
        st[1] += s;
        const attr = Math.min(1, (mark[r] === 2 ? o.attrHidden : mark[r] === 1 ? o.attrKnown : o.attrOther) * split.quality[r]!);
        if (!model.click(rng, s, attr)) continue;
        emit({ ...base, action: 'click' }, round);
        clicks++;
        st[2]++;
        if (!clickedAny) sessionItems.push(q);
        clickedAny = true;
        sessionItems.push(r);
        if (mark[r] === 2 && rng.next() < o.saveRate) {
          emit({ ...base, action: 'save' }, round);
          saves++;
        }
      }
      if (clickedAny) sessionOffsets.push(sessionItems.length);
      for (const it of vs) mark[it] = 0;
      for (const it of hs) mark[it] = 0;
    }
  }
  return { table: agg.finish(), earlyTable: early.finish(), heldOut, sessionOffsets, sessionItems, shownAt, views, impressions, clicks, saves };
}

/**
 * Fits Memboost's β, α, γ on the held-out rounds (memboost/fit.ts), with the pipeline's ranker
 * scores (no Memboost) as the base: the replay's equivalent of the refit job.
 */
async function fitOnReplay(sim: Simulation, without: RelatedPinsSurface, o: ReplayOptions, rng: Rng): Promise<FitResult> {
  const byQuery = new Map<number, Set<number>>();
  for (const e of sim.heldOut) {
    let s = byQuery.get(e.queryPin!);
    if (!s) byQuery.set(e.queryPin!, (s = new Set()));
    s.add(e.pin);
  }
  const qs = [...byQuery.keys()].sort((a, b) => a - b);
  rng.shuffle(qs);
  const keep = new Set(qs.slice(0, o.fitQueries));
  const base = new Map<number, number>();
  for (const q of keep) {
    const results = [...byQuery.get(q)!];
    const scores = await without.scorePins({ queryPins: [q], limit: 0, seed: hashSeed(`fit${q}`, o.seed), surface: 'related', explain: false }, results);
    for (let i = 0; i < results.length; i++) base.set(q * 67108864 + results[i]!, scores[i]!);
  }
  const events = sim.heldOut.filter((e) => keep.has(e.queryPin!));
  const queries = fitQueriesFromEvents(events, (q, r) => base.get(q * 67108864 + r) ?? 0);
  return fitMemboostParams(sim.earlyTable, queries, { start: o.params });
}

/** HR@10 / NDCG@10 of a scorer over the sampled users (held-out item first, then negatives). */
async function evaluate(ds: EvalDataset, users: Uint32Array, score: (u: number, items: Uint32Array, out: Float64Array) => Promise<void> | void): Promise<LeaveOneOutMetrics> {
  const m = new LeaveOneOutMetrics(10);
  for (const u of users) {
    const negs = ds.negatives.subarray(ds.negOffsets[u]!, ds.negOffsets[u + 1]!);
    const items = new Uint32Array(negs.length + 1);
    items[0] = ds.heldOut[u]!;
    items.set(negs, 1);
    const out = new Float64Array(items.length).fill(NaN);
    await score(u, items, out);
    m.add(out);
  }
  return m;
}

const fmt = (x: number): string => x.toFixed(4);

/**
 * The offline replay evaluation of Related Pins on a leave-one-out data set (see
 * docs/related-pins.md): hide part of each user's training items from the graph, simulate
 * Related Pins engagement with a seeded position-biased click model, build Memboost and Pin2Vec
 * from the simulated log, then rank each user's held-out item among its negatives with Pixie
 * alone and with the full pipeline (Pixie + board co-occurrence + Pin2Vec → merge → Memboost →
 * default ranker), all on the same graph and query pins (the user's training items).
 */
export async function runReplay(dataset: string | EvalDataset, options: Partial<ReplayOptions> = {}): Promise<ReplayReport> {
  const o: ReplayOptions = { ...DEFAULT_REPLAY, ...options, quotas: { ...DEFAULT_REPLAY.quotas, ...options.quotas } };
  if (!(o.hideFraction >= 0 && o.hideFraction < 1)) throw new RangeError(`replay: hideFraction must be in [0, 1), got ${o.hideFraction}`);
  if (!(o.fitFraction >= 0 && o.fitFraction < 1)) throw new RangeError(`replay: fitFraction must be in [0, 1), got ${o.fitFraction}`);
  for (const k of ['attrHidden', 'attrKnown', 'attrOther', 'saveRate'] as const)
    if (!(o[k] >= 0 && o[k] <= 1)) throw new RangeError(`replay: ${k} must be in [0, 1], got ${o[k]}`);
  if (!(o.qualitySigma >= 0 && o.qualitySigma <= 5)) throw new RangeError(`replay: qualitySigma must be in [0, 5], got ${o.qualitySigma}`);
  for (const k of ['viewsPerUser', 'shown', 'simSteps', 'steps', 'users', 'fitQueries', 'engagementViews', 'validationUsers', 'validationNegatives'] as const)
    if (!Number.isInteger(o[k]) || o[k] < 0) throw new RangeError(`replay: ${k} must be an integer >= 0, got ${o[k]}`);
  const log = o.log ?? ((): void => undefined);
  const t0 = performance.now();
  const ds = typeof dataset === 'string' ? loadDataset(dataset, o.dataDir) : dataset;
  const rng = new Rng(o.seed);
  const split = splitEngagement(ds, o, rng.fork());
  log(`${ds.name}: ${split.hidItems.length} of ${ds.userItems.length} training items hidden from the graph`);
  const sim = simulate(ds, split, o, rng.fork());
  log(`${ds.name}: simulated ${sim.views} views, ${sim.impressions} impressions, ${sim.clicks} clicks, ${sim.saves} saves`);
  const sessions = { offsets: Uint32Array.from(sim.sessionOffsets), items: Uint32Array.from(sim.sessionItems) };
  const vectors = trainPin2Vec(sessions, ds.numItems, { seed: o.seed, ...o.pin2vec });
  log(`${ds.name}: Pin2Vec trained on ${sessions.offsets.length - 1} sessions`);

  const g = split.graph;
  const quotas = { pixie: o.quotas.pixie ?? ds.numItems, board: o.quotas.board ?? ds.numItems, pin2vec: o.quotas.pin2vec ?? ds.numItems };
  const sources = (): RelatedSource[] => [
    { generator: new PixieGenerator(new PixieWalker(g), { walk: { steps: o.steps, np: 0 } }), quota: quotas.pixie },
    { generator: new BoardCooccurrenceGenerator(g), quota: quotas.board },
    { generator: new Pin2VecGenerator(vectors, new ExactCosineIndex(vectors)), quota: quotas.pin2vec },
  ];
  const candidates = Math.min(ds.numItems, quotas.pixie + quotas.board + quotas.pin2vec);
  const handRanker = new BlendRanker(o.rankerWeights, o.agreementBonus);
  let weights: SourceWeightFit | null = null;
  let ranker = handRanker;
  if (o.validationUsers > 0) {
    const examples = await validationExamples(ds, split, sources(), candidates, o);
    weights = fitSourceWeights(['pixie', 'board', 'pin2vec'], examples);
    ranker = new BlendRanker(weights.weights, o.agreementBonus);
    const w = Object.entries(weights.weights).map(([k, v]) => `${k}=${v}`).join(' ');
    log(`${ds.name}: source weights fitted on ${weights.examples} validation users: ${w}; validation NDCG@10 ${weights.equalNdcg.toFixed(4)} (all 1) -> ${weights.ndcg.toFixed(4)}`);
  }
  const noMemboost = new RelatedPinsSurface({ sources: sources(), candidates, overfetch: 1, ranker });
  let params = o.params;
  let fit: FitResult | null = null;
  if (o.fitFraction > 0) {
    fit = await fitOnReplay(sim, noMemboost, o, rng.fork());
    params = fit.params;
    log(`${ds.name}: Memboost fitted on ${fit.queries} held-out queries: gamma=${params.gamma} alpha=${params.alpha} beta=${params.beta.join('/')}; NDCG ${fit.baseline.toFixed(4)} -> ${fit.ndcg.toFixed(4)}`);
  }
  const full = new RelatedPinsSurface({ sources: sources(), memory: tableMemory(sim.table), memboost: params, candidates, overfetch: 1, ranker });

  const users = sampleUsers(ds, o.users > 0 ? o.users : Number.MAX_SAFE_INTEGER, o.seed);
  const request = (u: number): SurfaceRequest => ({
    queryPins: Array.from(userItemsOf(ds, u)),
    limit: 0,
    seed: hashSeed(String(u), o.seed),
    surface: 'related',
    explain: false,
  });
  const pixieOn = (graph: PinBoardGraph): ((u: number, items: Uint32Array, out: Float64Array) => void) => {
    const w = new PixieWalker(graph);
    return (u, items, out) => {
      const q = userItemsOf(ds, u);
      w.query(q, undefined, { steps: o.steps, np: 0, topK: 0, seed: hashSeed(String(u), o.seed) });
      for (let k = 0; k < items.length; k++) out[k] = w.score(items[k]!);
    };
  };
  const rows: ReplayRow[] = [];
  const valNote = o.validationUsers > 0 ? `; ${split.valItem.filter((v) => v >= 0).length} validation items left out of graph and log` : '';
  const common = `${users.length} users; ${Math.round(o.hideFraction * 100)}% of training items hidden from the graph, seen only via simulated engagement; ${o.steps} steps${valNote}`;
  const wText = (r: BlendRanker): string => ['pixie', 'board', 'pin2vec'].map((k) => `${k} ${r.weights[k] ?? 1}`).join(', ');
  const rankerNote = weights ? `blend ranker, weights fitted on validation users (${wText(ranker)})` : `blend ranker (${wText(ranker)})`;
  const add = (method: string, m: LeaveOneOutMetrics, notes: string): void => {
    rows.push({ dataset: ds.name, method, hr10: m.hr, ndcg10: m.ndcg, notes });
    log(`${ds.name} ${method}: HR@10 ${fmt(m.hr)} NDCG@10 ${fmt(m.ndcg)}`);
  };
  add('replay:pixie', await evaluate(ds, users, pixieOn(g)), `Pixie alone on the engagement-hidden graph; ${common}`);
  add(
    'replay:related-no-memboost',
    await evaluate(ds, users, async (u, items, out) => out.set(await noMemboost.scorePins(request(u), items))),
    `pixie+board+pin2vec, merge, ${rankerNote}, no Memboost; ${common}`,
  );
  add(
    'replay:related-pipeline',
    await evaluate(ds, users, async (u, items, out) => out.set(await full.scorePins(request(u), items))),
    `full pipeline: pixie+board+pin2vec, merge, Memboost (${fit ? 'fitted ' : ''}gamma=${params.gamma}, alpha=${params.alpha}, beta=${params.beta.join('/')}), ${rankerNote}; ${common}`,
  );
  if (weights) {
    const hand = new RelatedPinsSurface({ sources: sources(), memory: tableMemory(sim.table), memboost: params, candidates, overfetch: 1, ranker: handRanker });
    add(
      'replay:related-hand-weights',
      await evaluate(ds, users, async (u, items, out) => out.set(await hand.scorePins(request(u), items))),
      `the full pipeline with the hand-set default weights (${wText(handRanker)}), Memboost as above; ${common}`,
    );
  }
  if (o.ablations) {
    // per-source ablation of the hand-weighted pipeline: which source costs or adds what
    for (const drop of ['pixie', 'board', 'pin2vec']) {
      const kept = sources().filter((s) => s.generator.name !== drop);
      const s = new RelatedPinsSurface({ sources: kept, memory: tableMemory(sim.table), memboost: params, candidates, overfetch: 1, ranker: handRanker });
      add(
        `replay:related-without-${drop}`,
        await evaluate(ds, users, async (u, items, out) => out.set(await s.scorePins(request(u), items))),
        `ablation: hand-weighted pipeline without ${drop} (${kept.map((k) => k.generator.name).join('+')}, Memboost as above); ${common}`,
      );
    }
  }
  add('replay:pixie-full-graph', await evaluate(ds, users, pixieOn(datasetGraph(ds))), `reference: Pixie on the full training graph (nothing hidden); ${users.length} users; ${o.steps} steps`);

  const bias = await biasOnReplay(sim, full, noMemboost, { ...o, params });
  log(`${ds.name}: low-shown boosted pairs: mean rank ${bias.meanRankWithout.toFixed(1)} -> ${bias.meanRankWith.toFixed(1)} with Memboost`);
  const engagement = await engagementReplay(ds, split, full, noMemboost, o, rng.fork());
  log(`${ds.name}: expected clicks per view: pixie ${engagement.pixie.toFixed(3)}, pipeline ${engagement.pipelineNoMemboost.toFixed(3)}, +Memboost ${engagement.pipeline.toFixed(3)}`);
  const seconds = (performance.now() - t0) / 1000;
  return {
    rows,
    weights,
    params,
    fit,
    bias,
    engagement,
    stats: {
      views: sim.views,
      impressions: sim.impressions,
      clicks: sim.clicks,
      saves: sim.saves,
      sessions: sessions.offsets.length - 1,
      hiddenItems: split.hidItems.length,
      seconds,
      users: users.length,
    },
  };
}

/** Pairs shown low (mean slot >= 10) yet engaged more than expected: do they rise with Memboost? */
async function biasOnReplay(sim: Simulation, full: RelatedPinsSurface, without: RelatedPinsSurface, o: ReplayOptions): Promise<ReplayBias> {
  const t = sim.table;
  const cands: { q: number; r: number; mb: number; meanSlot: number; imps: number; clicks: number }[] = [];
  for (const [key, [imps, slotSum, clicks]] of sim.shownAt) {
    const meanSlot = slotSum / imps;
    if (meanSlot < 10 || clicks < 1) continue;
    const q = Math.floor(key / 67108864);
    const r = key - q * 67108864;
    const mb = t.score(q, r, o.params);
    if (mb > 0) cands.push({ q, r, mb, meanSlot, imps, clicks });
  }
  cands.sort((a, b) => b.mb - a.mb || a.q - b.q || a.r - b.r);
  const top = cands.slice(0, 100);
  let sumWith = 0;
  let sumWithout = 0;
  let tenWith = 0;
  let tenWithout = 0;
  let example: ReplayBias['example'] = null;
  for (const c of top) {
    const req: SurfaceRequest = { queryPins: [c.q], limit: 1000, seed: hashSeed(`q${c.q}`, o.seed), surface: 'related', explain: false };
    const rank = (list: { pin: number }[]): number => {
      const i = list.findIndex((x) => x.pin === c.r);
      return i < 0 ? list.length + 1 : i + 1;
    };
    const rw = rank(await full.recommend(req));
    const rwo = rank(await without.recommend(req));
    sumWith += rw;
    sumWithout += rwo;
    if (rw <= 10) tenWith++;
    if (rwo <= 10) tenWithout++;
    if (!example) {
      const st = t.stats(c.q, c.r)!;
      example = { query: c.q, result: c.r, meanSlot: c.meanSlot, impressions: c.imps, clicks: c.clicks, expectedClicks: st.expected[0]!, memboost: c.mb, rankWithout: rwo, rankWith: rw };
    }
  }
  const n = Math.max(1, top.length);
  return {
    demo: positionBiasDemo({ seed: o.seed, eta: o.eta, params: o.params, views: o.demoViews }),
    lowShownBoosted: cands.length,
    meanRankWithout: sumWithout / n,
    meanRankWith: sumWith / n,
    topTenWith: tenWith / n,
    topTenWithout: tenWithout / n,
    example,
  };
}

/**
 * New views after the log was collected: for a random user and one of their graph items, the
 * lists of Pixie alone, the pipeline without Memboost and the full pipeline are scored by the
 * click model's expected clicks (the simulator knows every pin's attractiveness to the user).
 */
async function engagementReplay(
  ds: EvalDataset,
  split: Split,
  full: RelatedPinsSurface,
  without: RelatedPinsSurface,
  o: ReplayOptions,
  rng: Rng,
): Promise<ReplayEngagement> {
  const walker = new PixieWalker(split.graph);
  const model = new ClickModel(o.eta);
  const mark = new Uint8Array(ds.numItems);
  const sums = [0, 0, 0];
  let views = 0;
  const expected = (pins: ArrayLike<number>): number => {
    let e = 0;
    for (let s = 0; s < pins.length; s++) {
      const m = mark[pins[s]!];
      e += model.examination(s) * Math.min(1, (m === 2 ? o.attrHidden : m === 1 ? o.attrKnown : o.attrOther) * split.quality[pins[s]!]!);
    }
    return e;
  };
  for (let tries = 0; views < o.engagementViews && tries < o.engagementViews * 20; tries++) {
    const u = rng.int(ds.numUsers);
    const vs = split.visItems.subarray(split.visOffsets[u]!, split.visOffsets[u + 1]!);
    const hs = split.hidItems.subarray(split.hidOffsets[u]!, split.hidOffsets[u + 1]!);
    if (vs.length === 0) continue;
    const q = vs[rng.int(vs.length)]!;
    const seed = rng.nextU32();
    for (const it of vs) mark[it] = 1;
    for (const it of hs) mark[it] = 2;
    mark[q] = 0;
    const req: SurfaceRequest = { queryPins: [q], limit: o.shown, seed, surface: 'related', explain: false };
    sums[0]! += expected(walker.query([q], undefined, { steps: o.simSteps, topK: o.shown, seed }).pins);
    sums[1]! += expected((await without.recommend(req)).map((r) => r.pin));
    sums[2]! += expected((await full.recommend(req)).map((r) => r.pin));
    for (const it of vs) mark[it] = 0;
    for (const it of hs) mark[it] = 0;
    views++;
  }
  const n = Math.max(1, views);
  return { views, pixie: sums[0]! / n, pipelineNoMemboost: sums[1]! / n, pipeline: sums[2]! / n };
}
