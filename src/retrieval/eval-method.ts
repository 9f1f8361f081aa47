/**
 * The two-tower model as a method of `boardwalk eval`: trains on the data set's training
 * interactions, then scores candidates by u·v (the user tower reads the user's training items).
 * Register with: registerMethod({ name: 'two-tower', description: ..., create: (o) => new TwoTowerEvalMethod(o) }).
 */
import type { EvalDataset } from '../eval/datasets.js';
import { ParamMethod, requireRange, type MethodOptions, type Params } from '../eval/methods/types.js';
import { TwoTowerModel } from './model.js';
import { trainTwoTower, type EpochInfo } from './trainer.js';
import type { TrainingSet } from './training-set.js';

export const TWO_TOWER_DEFAULTS: Params = {
  dim: 64,
  epochs: 10,
  batch: 256,
  negatives: 256,
  lr: 0.005,
  temperature: 0.1,
  historyLen: 100,
  weightDecay: 0,
  dropout: 0,
  logq: 1,
  /** 1 = L2-normalise pin vectors too, 0 = only the user vector */
  pinNorm: 1,
};

/** Trains the two-tower model on an eval set's training interactions with eval-style params. */
export function trainEvalTwoTower(ds: EvalDataset, p: Params, seed: number): ReturnType<typeof trainTwoTower> {
  return trainTwoTower(
    evalTrainingSet(ds),
    { dim: p['dim']!, temperature: p['temperature']!, historyLen: p['historyLen']!, normalize: true, normalizePins: p['pinNorm'] === 1 },
    {
      epochs: p['epochs']!,
      batchSize: p['batch']!,
      extraNegatives: p['negatives']!,
      learningRate: p['lr']!,
      weightDecay: p['weightDecay']!,
      historyDropout: p['dropout']!,
      logQCorrection: p['logq'] === 1,
      seed,
    },
  );
}

/** Per-data-set settings from the (small) sweep in docs/retrieval.md. */
export const TWO_TOWER_TUNED: Record<string, Params> = {
  'citeulike-a': { dim: 256, epochs: 4 },
  lastfm: { epochs: 4, dropout: 0.5 },
};

export class TwoTowerEvalMethod extends ParamMethod {
  private model: TwoTowerModel | null = null;
  private ds: EvalDataset | null = null;
  private pinVecs: Float32Array = new Float32Array(0);
  private userVec: Float32Array = new Float32Array(0);
  /** per-epoch figures of the last prepare() */
  lastEpochs: EpochInfo[] = [];
  lastExamplesPerSecond = 0;

  constructor(options: MethodOptions = {}) {
    super('two-tower', TWO_TOWER_DEFAULTS, TWO_TOWER_TUNED, options);
  }

  protected check(p: Params): void {
    requireRange(this.name, 'dim', p['dim']!, 1, 4096, true);
    requireRange(this.name, 'epochs', p['epochs']!, 0, 10000, true);
    requireRange(this.name, 'batch', p['batch']!, 1, 1 << 16, true);
    requireRange(this.name, 'negatives', p['negatives']!, 0, 1 << 16, true);
    requireRange(this.name, 'lr', p['lr']!, 1e-7, 10);
    requireRange(this.name, 'temperature', p['temperature']!, 1e-4, 100);
    requireRange(this.name, 'historyLen', p['historyLen']!, 1, 1e6, true);
    requireRange(this.name, 'weightDecay', p['weightDecay']!, 0, 10);
    requireRange(this.name, 'dropout', p['dropout']!, 0, 0.99);
    requireRange(this.name, 'logq', p['logq']!, 0, 1, true);
    requireRange(this.name, 'pinNorm', p['pinNorm']!, 0, 1, true);
  }

  protected fit(ds: EvalDataset): void {
    const res = trainEvalTwoTower(ds, this.p, this.seed);
    this.model = res.model;
    this.ds = ds;
    this.lastEpochs = res.epochs;
    this.lastExamplesPerSecond = res.examplesPerSecond;
    this.pinVecs = res.model.allPinEmbeddings();
    this.userVec = new Float32Array(res.model.dim);
  }

  protected scoreItems(user: number, items: Uint32Array, out: Float64Array): void {
    const model = this.model;
    const ds = this.ds;
    if (!model || !ds) throw new Error('two-tower: scoreItems before prepare');
    const hist = ds.userItems.subarray(ds.userOffsets[user]!, ds.userOffsets[user + 1]!);
    model.userEmbedding({ history: hist }, this.userVec);
    const d = model.dim;
    const u = this.userVec;
    const V = this.pinVecs;
    for (let i = 0; i < items.length; i++) {
      const it = items[i]!;
      if (it >= model.config.numPins) {
        out[i] = -Infinity; // never seen in training: no embedding
        continue;
      }
      let s = 0;
      const o = it * d;
      for (let k = 0; k < d; k++) s += u[k]! * V[o + k]!;
      out[i] = s;
    }
  }
}

/** An eval data set's training interactions as a two-tower TrainingSet (items = pins). */
export function evalTrainingSet(ds: EvalDataset): TrainingSet {
  return {
    numUsers: ds.numUsers,
    numPins: ds.numItems,
    offsets: ds.userOffsets,
    pins: Int32Array.from(ds.userItems),
  };
}
