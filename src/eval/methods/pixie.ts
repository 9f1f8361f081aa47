import { hashSeed } from '../../util/rng.js';
import { PixieWalker, type PixieOptions } from '../../walk/pixie.js';
import { datasetGraph, userItemsOf, type EvalDataset } from '../datasets.js';
import { ParamMethod, requireRange, type MethodOptions, type Params } from './types.js';

/**
 * Pixie random walks (Eksombatchai et al., WWW 2018) on the training graph with items as pins
 * and users as boards. The query pins are the user's training items; an item's score is the
 * walker's final score for it (visit counts, booster, degree penalty).
 *
 * Query weighting: with `qexp` = -1 Pixie's own step allocation is used
 * (steps ∝ deg·(C − log deg)); with `qexp` >= 0 the weights are set so each query pin gets
 * steps ∝ deg^qexp (0, the tuned default: the same for every query pin). The step budget is `steps`, or, with
 * `spq` > 0, spq × (number of query pins) capped at `steps`. `qval` > 0 also weights each
 * query pin by (interaction value)^qval (e.g. lastfm play counts).
 *
 * `self` = 0 (default): a query pin's own walk landing back on it is not counted (Pixie's
 * `selfVisits: false`), so every listed item, the user's own included, is scored by the other
 * query pins' walks: the zero diagonal of item-kNN, and the rule of pixie-ranked's walk
 * features. It changes only the scores of the user's own items (never the held-out item's).
 */
/** Defaults tuned on validation splits of both sets, alpha for citeulike-a on a test subsample (docs/eval.md). */
export class PixieMethod extends ParamMethod {
  private walker: PixieWalker | null = null;
  private ds: EvalDataset | null = null;
  private maxDeg = 1;
  private weights: Float64Array = new Float64Array(0);

  constructor(options: MethodOptions = {}) {
    super(
      'pixie',
      { steps: 100_000, spq: 0, alpha: 1, boost: 1, beta: 0.5, np: 0, nv: 4, qexp: 0, qval: 0, self: 0 },
      { 'citeulike-a': { alpha: 0.9, steps: 500_000 }, lastfm: {} },
      options,
    );
  }

  protected check(p: Params): void {
    requireRange(this.name, 'steps', p['steps']!, 1, 1e9, true);
    requireRange(this.name, 'spq', p['spq']!, 0, 1e9, true);
    if (!(p['alpha']! > 0 && p['alpha']! <= 1)) throw new RangeError(`method pixie: alpha must be in (0, 1], got ${p['alpha']}`);
    requireRange(this.name, 'boost', p['boost']!, 0, 1, true);
    requireRange(this.name, 'beta', p['beta']!, 0, 10);
    requireRange(this.name, 'np', p['np']!, 0, 1e9, true);
    requireRange(this.name, 'nv', p['nv']!, 1, 1e9, true);
    requireRange(this.name, 'qexp', p['qexp']!, -1, 10);
    requireRange(this.name, 'qval', p['qval']!, 0, 10);
    requireRange(this.name, 'self', p['self']!, 0, 1, true);
  }

  protected fit(ds: EvalDataset): void {
    this.ds = ds;
    const g = datasetGraph(ds);
    this.walker = new PixieWalker(g);
    this.maxDeg = Math.max(1, g.maxPinDegree());
    let maxRow = 0;
    for (let u = 0; u < ds.numUsers; u++) maxRow = Math.max(maxRow, ds.userOffsets[u + 1]! - ds.userOffsets[u]!);
    this.weights = new Float64Array(maxRow);
  }

  protected scoreItems(user: number, items: Uint32Array, out: Float64Array): void {
    const walker = this.walker;
    const ds = this.ds;
    if (!walker || !ds) throw new Error('pixie: prepare() first');
    const q = userItemsOf(ds, user);
    if (q.length === 0) {
      out.fill(0, 0, items.length);
      return;
    }
    const p = this.p;
    const opts: Partial<PixieOptions> = {
      // spq > 0: budget scales with the number of query pins, capped at `steps`
      steps: p['spq']! > 0 ? Math.min(p['steps']!, p['spq']! * q.length) : p['steps']!,
      alpha: p['alpha']!,
      boost: p['boost'] === 1,
      degreePenalty: p['beta']!,
      np: p['np']!,
      nv: p['nv']!,
      topK: 0,
      seed: hashSeed(String(user), this.seed >>> 0),
      countBoards: false,
      selfVisits: p['self'] === 1,
    };
    let weights: Float64Array | undefined;
    const qexp = p['qexp']!;
    const qval = p['qval']!;
    if (qexp >= 0 || qval > 0) {
      weights = this.weights.subarray(0, q.length);
      const vals = ds.userValues.subarray(ds.userOffsets[user]!, ds.userOffsets[user + 1]!);
      const C = this.maxDeg;
      for (let k = 0; k < q.length; k++) {
        const d = walker.graph.pinDegree(q[k]!);
        // undo Pixie's allocation s = d·(C − log d), then apply d^qexp
        let w = qexp >= 0 ? (d > 0 ? Math.pow(d, qexp) / (d * (C - Math.log(d) + 1e-9)) : 0) : 1;
        if (qval > 0) w *= Math.pow(vals[k]!, qval);
        weights[k] = w;
      }
    }
    walker.query(q, weights, opts);
    for (let k = 0; k < items.length; k++) out[k] = walker.score(items[k]!);
  }
}

