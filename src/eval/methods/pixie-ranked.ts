import type { GbdtModel, Objective } from '../../ranking/gbdt/model.js';
import { trainGbdt, type GbdtDataset, type TrainResult } from '../../ranking/gbdt/train.js';
import { hashSeed, Rng } from '../../util/rng.js';
import { datasetGraph, userItemsOf, type EvalDataset } from '../datasets.js';
import { trainingHoldout } from './training-holdout.js';
import { ParamMethod, requireRange, type MethodOptions, type Params } from './types.js';
import { NUM_WALK_FEATURES, WALK_FEATURES, WalkFeaturizer, type WalkFeatureOptions } from './walk-features.js';

const OBJ: Objective[] = ['binary:logistic', 'rank:pairwise', 'rank:ndcg'];

/**
 * Graph walks plus a learned ranker. Walks from the user's items give features for every
 * (user, candidate) pair (walk-features.ts); a GBDT (src/ranking/gbdt) turns them into a score.
 *
 * Training uses the training interactions only: `trainingHoldout` holds out one more training
 * item per user as a positive with `negs` sampled unengaged items (the test protocol's shape),
 * the walks run on the graph without the held-out items, and the GBDT is fitted on those lists,
 * with early stopping on NDCG@10 of a seeded `vfrac` share of the users. The real candidate
 * lists are then scored with walks on the graph of all training items. The test fields of the
 * data set (held-out items, listed negatives) are never read; they reach the method only as
 * candidates to score.
 */
export class PixieRankedMethod extends ParamMethod {
  private featurizer: WalkFeaturizer | null = null;
  private ds: EvalDataset | null = null;
  private trained: TrainResult | null = null;
  private x = new Float32Array(0);

  constructor(options: MethodOptions = {}) {
    super(
      'pixie-ranked',
      {
        steps: 100_000,
        alpha: 1,
        beta: 0.5,
        ownboard: 0,
        negs: 100,
        reps: 1,
        trainusers: 0,
        vfrac: 0.2,
        obj: 2,
        rounds: 400,
        lr: 0.05,
        depth: 6,
        leaves: 31,
        minchild: 1,
        lambda: 1,
        colsample: 1,
        es: 40,
      },
      // citeulike-a: a fixed 150 rounds on every holdout user; early stopping on 20 % of them
      // stopped at 37 rounds, where validation folds peaked at 97-169 (docs/eval.md)
      { 'citeulike-a': { alpha: 0.9, negs: 100, rounds: 150, vfrac: 0 }, lastfm: { negs: 99 } },
      options,
    );
  }

  protected check(p: Params): void {
    requireRange(this.name, 'steps', p['steps']!, 1, 1e9, true);
    if (!(p['alpha']! > 0 && p['alpha']! <= 1)) throw new RangeError(`method ${this.name}: alpha must be in (0, 1], got ${p['alpha']}`);
    requireRange(this.name, 'beta', p['beta']!, 0, 10);
    requireRange(this.name, 'ownboard', p['ownboard']!, 0, 1, true);
    requireRange(this.name, 'negs', p['negs']!, 1, 1e6, true);
    requireRange(this.name, 'reps', p['reps']!, 1, 100, true);
    requireRange(this.name, 'trainusers', p['trainusers']!, 0, 1e9, true);
    requireRange(this.name, 'vfrac', p['vfrac']!, 0, 0.9);
    requireRange(this.name, 'obj', p['obj']!, 0, 2, true);
    requireRange(this.name, 'rounds', p['rounds']!, 1, 100_000, true);
    if (!(p['lr']! > 0 && p['lr']! <= 1)) throw new RangeError(`method ${this.name}: lr must be in (0, 1], got ${p['lr']}`);
    requireRange(this.name, 'depth', p['depth']!, 1, 16, true);
    requireRange(this.name, 'leaves', p['leaves']!, 2, 65536, true);
    requireRange(this.name, 'minchild', p['minchild']!, 0, 1e9);
    requireRange(this.name, 'lambda', p['lambda']!, 0, 1e9);
    if (!(p['colsample']! > 0 && p['colsample']! <= 1)) throw new RangeError(`method ${this.name}: colsample must be in (0, 1], got ${p['colsample']}`);
    requireRange(this.name, 'es', p['es']!, 0, 100_000, true);
  }

  /** The trained model and its training record (after prepare). */
  get training(): TrainResult {
    if (!this.trained) throw new Error(`${this.name}: prepare() first`);
    return this.trained;
  }

  get model(): GbdtModel {
    return this.training.model;
  }

  protected fit(ds: EvalDataset): void {
    const p = this.p;
    const walkOpts: WalkFeatureOptions = { steps: p['steps']!, alpha: p['alpha']!, beta: p['beta']!, ownBoard: p['ownboard'] === 1, seed: this.seed };
    const splits: EvalDataset[] = [];
    for (let r = 0; r < p['reps']!; r++) splits.push(trainingHoldout(ds, p['negs']!, hashSeed(`holdout:${r}`, this.seed >>> 0)));
    const { train, valid } = buildLists(splits, (split) => new WalkFeaturizer(datasetGraph(split), walkOpts), p['trainusers']!, p['vfrac']!, this.seed);
    this.trained = trainGbdt(
      train,
      {
        objective: OBJ[p['obj']!]!,
        rounds: p['rounds']!,
        learningRate: p['lr']!,
        maxDepth: p['depth']!,
        maxLeaves: p['leaves']!,
        minChildWeight: p['minchild']!,
        lambda: p['lambda']!,
        colsample: p['colsample']!,
        earlyStoppingRounds: valid ? p['es']! : 0,
        evalMetric: 'ndcg@10',
        seed: this.seed,
      },
      valid ?? undefined,
    );
    this.ds = ds;
    this.featurizer = new WalkFeaturizer(datasetGraph(ds), walkOpts);
  }

  protected scoreItems(user: number, items: Uint32Array, out: Float64Array): void {
    const fz = this.featurizer;
    const ds = this.ds;
    if (!fz || !ds || !this.trained) throw new Error(`${this.name}: prepare() first`);
    const need = items.length * NUM_WALK_FEATURES;
    if (this.x.length < need) this.x = new Float32Array(need);
    const s = ds.userOffsets[user]!;
    const e = ds.userOffsets[user + 1]!;
    fz.compute(user, userItemsOf(ds, user), ds.userValues.subarray(s, e), items, this.x);
    this.trained.model.predictMargin(this.x, items.length, out);
  }
}

/**
 * Feature rows of every holdout user's list (positive first, then its negatives), one group per
 * (holdout, user). Users (the same in every holdout) are split into training and early-stopping
 * sets, so one user's lists never sit on both sides. `featurizer(split)` is called once per
 * holdout, in order, so only one holdout graph is alive at a time.
 */
export function buildLists(
  splits: EvalDataset[],
  featurizer: (split: EvalDataset) => WalkFeaturizer,
  trainUsers: number,
  vfrac: number,
  seed: number,
): { train: GbdtDataset; valid: GbdtDataset | null } {
  const first = splits[0]!;
  const users: number[] = [];
  for (let u = 0; u < first.numUsers; u++) if (first.heldOut[u]! >= 0) users.push(u);
  if (users.length === 0) throw new Error(`${first.name}: no user has 2 or more training items to train the ranker on`);
  const rng = new Rng(seed ^ 0x5bd1e995);
  rng.shuffle(users);
  const chosen = trainUsers > 0 && trainUsers < users.length ? users.slice(0, trainUsers) : users;
  const nValid = chosen.length >= 10 ? Math.floor(chosen.length * vfrac) : 0;
  const nf = NUM_WALK_FEATURES;
  const parts = [chosen.slice(nValid).sort((a, b) => a - b), chosen.slice(0, nValid).sort((a, b) => a - b)].map((us) => {
    let rows = 0;
    for (const split of splits) for (const u of us) rows += 1 + split.negOffsets[u + 1]! - split.negOffsets[u]!;
    const data: GbdtDataset = {
      x: new Float32Array(rows * nf),
      rows,
      featureNames: [...WALK_FEATURES],
      labels: new Float32Array(rows),
      groups: new Uint32Array(us.length * splits.length + 1),
    };
    return { us, data, r: 0, g: 0 };
  });
  for (const split of splits) {
    const fz = featurizer(split);
    const cand = new Uint32Array(1 + maxNegs(split));
    for (const part of parts) {
      const { x, labels, groups } = part.data;
      for (const u of part.us) {
        const negs = split.negatives.subarray(split.negOffsets[u]!, split.negOffsets[u + 1]!);
        cand[0] = split.heldOut[u]!;
        cand.set(negs, 1);
        const m = negs.length + 1;
        const s = split.userOffsets[u]!;
        const e = split.userOffsets[u + 1]!;
        fz.compute(u, split.userItems.subarray(s, e), split.userValues.subarray(s, e), cand.subarray(0, m), x.subarray(part.r * nf, (part.r + m) * nf));
        labels[part.r] = 1;
        part.r += m;
        groups![++part.g] = part.r;
      }
    }
  }
  const valid = parts[1]!.data;
  return { train: parts[0]!.data, valid: valid.rows > 0 ? valid : null };
}

function maxNegs(ds: EvalDataset): number {
  let m = 0;
  for (let u = 0; u < ds.numUsers; u++) m = Math.max(m, ds.negOffsets[u + 1]! - ds.negOffsets[u]!);
  return m;
}
