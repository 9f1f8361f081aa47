/**
 * Auto-retraining of the two-tower model: read engagement data, train a candidate, validate it
 * against the serving version on the same held-out engagements, and publish towers + index as one
 * new version (atomically) only when the gate passes. `runScheduled` repeats this on a timer.
 */
import { readFileSync } from 'node:fs';
import { Rng } from '../util/rng.js';
import { AnnIndex, type AnnIndexOptions } from '../retrieval/ann-index.js';
import { buildTrainingData, type EngagementSource } from '../retrieval/engagements.js';
import { DEFAULT_CONFIG, TwoTowerModel, type TwoTowerConfig } from '../retrieval/model.js';
import { ModelStore } from '../retrieval/model-store.js';
import { DEFAULT_TRAIN_OPTIONS, TwoTowerTrainer, type TrainOptions } from '../retrieval/trainer.js';
import type { TrainingSet } from '../retrieval/training-set.js';
import { gateDecision, recallAtK, type GateOptions } from '../retrieval/validation.js';
import type { ServingBundle } from '../retrieval/version-sync.js';
import type { ContentSource } from '../features/storage.js';
import { DEFAULT_FIT, FeatureEncoder, fitFeatureSpec, type FeatureSpec, type FitOptions, type PinContent, type UserContent } from '../features/two-tower.js';

export interface RetrainConfig {
  /** model store directory */
  store: string;
  /** versions kept for rollback */
  keep: number;
  modelName: string;
  model: Partial<Pick<TwoTowerConfig, 'dim' | 'historyLen' | 'temperature' | 'normalize' | 'normalizePins'>>;
  train: Partial<Omit<TrainOptions, 'onEpoch'>>;
  gate: GateOptions & {
    /** K of recall@K */
    k: number;
    /** users sampled for validation */
    maxUsers: number;
    /** a user's last engagement is held out when they have at least this many */
    holdoutMinEvents: number;
  };
  ann: AnnIndexOptions;
  /**
   * Pin content and user profile features (src/features/two-tower.ts), used when the job is
   * given a ContentSource (`--from-storage`); the fitted spec is stored in the model.
   */
  features: Partial<FitOptions> & { enabled: boolean };
  /** minutes between runs for `runScheduled`; 0 = once */
  scheduleMinutes: number;
  /** publish even when the gate fails */
  force: boolean;
}

export const DEFAULT_RETRAIN_CONFIG: RetrainConfig = {
  store: 'models/two-tower',
  keep: 3,
  modelName: 'two-tower',
  model: {},
  train: {},
  gate: { k: 50, maxUsers: 1000, holdoutMinEvents: 3, maxRegression: 0.005, minRecall: 0 },
  ann: { m: 16, efConstruction: 200, ef: 100 },
  features: { enabled: true },
  scheduleMinutes: 0,
  force: false,
};

/** Defaults, then a JSON config file, then explicit overrides (nested objects merged). */
export function resolveRetrainConfig(file?: string, overrides: Partial<RetrainConfig> = {}): RetrainConfig {
  let fromFile: Partial<RetrainConfig> = {};
  if (file) {
    try {
      fromFile = JSON.parse(readFileSync(file, 'utf8')) as Partial<RetrainConfig>;
    } catch (e) {
      throw new Error(`retrain config ${file}: ${(e as Error).message}`);
    }
    if (!fromFile || typeof fromFile !== 'object' || Array.isArray(fromFile)) throw new Error(`retrain config ${file}: must be a JSON object`);
    const known = new Set(Object.keys(DEFAULT_RETRAIN_CONFIG));
    for (const k of Object.keys(fromFile)) if (!known.has(k)) throw new Error(`retrain config ${file}: unknown key "${k}" (known: ${[...known].join(', ')})`);
  }
  const d = DEFAULT_RETRAIN_CONFIG;
  const c: RetrainConfig = {
    ...d,
    ...fromFile,
    ...overrides,
    model: { ...d.model, ...fromFile.model, ...overrides.model },
    train: { ...d.train, ...fromFile.train, ...overrides.train },
    gate: { ...d.gate, ...fromFile.gate, ...overrides.gate },
    ann: { ...d.ann, ...fromFile.ann, ...overrides.ann },
    features: { ...d.features, ...fromFile.features, ...overrides.features },
  };
  if (typeof c.features.enabled !== 'boolean') throw new Error(`retrain config: features.enabled must be a boolean, got ${JSON.stringify(c.features.enabled)}`);
  const knownFit = new Set([...Object.keys(DEFAULT_FIT), 'vectors', 'enabled']);
  for (const k of Object.keys(c.features)) if (!knownFit.has(k)) throw new Error(`retrain config: unknown key "features.${k}" (known: ${[...knownFit].join(', ')})`);
  if (!(c.scheduleMinutes >= 0)) throw new Error(`retrain config: scheduleMinutes must be >= 0, got ${c.scheduleMinutes}`);
  if (!Number.isInteger(c.gate.k) || c.gate.k < 1) throw new Error(`retrain config: gate.k must be a positive integer, got ${c.gate.k}`);
  if (!Number.isInteger(c.gate.maxUsers) || c.gate.maxUsers < 1) throw new Error(`retrain config: gate.maxUsers must be a positive integer, got ${c.gate.maxUsers}`);
  return c;
}

export interface RetrainReport {
  source: string;
  events: number;
  users: number;
  pins: number;
  trainExamples: number;
  trainSeconds: number;
  examplesPerSecond: number;
  candidateRecall: number;
  currentVersion: string | null;
  currentRecall: number | null;
  validationUsers: number;
  k: number;
  published: boolean;
  version: string | null;
  reason: string;
  /** fingerprint of the feature spec the candidate was trained with (null: no features) */
  features: string | null;
  pinFeatureDim: number;
  userFeatureDim: number;
}

export interface RetrainInputs {
  /** pin and user content for features (storage); without it the towers read ids only */
  content?: ContentSource;
}

/** Fetched content, kept so another spec (the serving version's) can encode the same records. */
interface FetchedContent {
  source: ContentSource;
  userIds: readonly string[];
  users: (UserContent | undefined)[];
  window: number;
}

export async function runRetrain(
  source: EngagementSource,
  config: RetrainConfig,
  log: (msg: string) => void = () => {},
  inputs: RetrainInputs = {},
): Promise<RetrainReport> {
  const store = new ModelStore(config.store, config.keep);
  const built = await buildTrainingData(source, { holdoutMinEvents: config.gate.holdoutMinEvents });
  const { train } = built;
  log(`retrain: ${built.events} events, ${train.numUsers} users, ${train.numPins} pins, ${train.pins.length} training engagements from ${source.description}`);

  let spec: FeatureSpec | undefined;
  let fetched: FetchedContent | undefined;
  if (inputs.content && config.features.enabled) {
    const { enabled: _on, ...fit } = config.features;
    const window = fit.activityWindow ?? DEFAULT_FIT.activityWindow;
    const pins = await inputs.content.pins(built.pinIds);
    const users = await inputs.content.users(built.userIds, window);
    fetched = { source: inputs.content, userIds: built.userIds, users, window };
    spec = fitFeatureSpec(present(pins), present(users), built.lastTimestamp, fit);
    const enc = new FeatureEncoder(spec);
    if (enc.pinWidth > 0) {
      train.pinFeatures = enc.encodePins(pins);
      train.pinFeatureDim = enc.pinWidth;
    }
    if (enc.userWidth > 0) {
      train.userProfiles = enc.encodeUsers(users);
      train.userFeatureDim = enc.userWidth;
    }
    log(`retrain: features ${enc.fingerprint} from ${inputs.content.description}: ${enc.pinWidth} per pin (${present(pins).length}/${pins.length} pins described), ${enc.userWidth} per user`);
  }

  const topts: Partial<TrainOptions> = { ...DEFAULT_TRAIN_OPTIONS, ...config.train };
  const seed = topts.seed ?? 1;
  const model = new TwoTowerModel({
    ...DEFAULT_CONFIG,
    ...config.model,
    name: config.modelName,
    version: 'candidate',
    numPins: train.numPins,
    pinFeatureDim: train.pinFeatureDim ?? 0,
    userFeatureDim: train.userFeatureDim ?? 0,
    ...(spec ? { features: spec } : {}),
  });
  model.initRandom(new Rng(seed ^ 0x5bd1e995), topts.initScale ?? 0.1);
  const trainer = new TwoTowerTrainer(model, train, {
    ...topts,
    onEpoch: (e) => log(`retrain: epoch ${e.epoch} loss ${e.loss.toFixed(4)} (${e.examplesPerSecond.toFixed(0)} examples/s)`),
  });
  const res = trainer.train();
  const trainSeconds = res.epochs.reduce((s, e) => s + e.seconds, 0);
  const trainExamples = res.epochs.reduce((s, e) => s + e.examples, 0);

  const ropts = { k: config.gate.k, maxUsers: config.gate.maxUsers, seed };
  const cand = recallAtK(model, train, built.heldOut, ropts);
  log(`retrain: candidate recall@${cand.k} ${cand.recall.toFixed(4)} on ${cand.users} users`);

  const currentVersion = store.current();
  let currentRecall: number | null = null;
  if (currentVersion) {
    const bundle = store.load(currentVersion);
    const mapped = mapToBundle(bundle, built.pinIds, train, built.heldOut);
    await encodeForModel(bundle, mapped.train, fetched);
    currentRecall = recallAtK(bundle.model, mapped.train, mapped.heldOut, ropts).recall;
    log(`retrain: serving ${currentVersion} recall@${cand.k} ${currentRecall.toFixed(4)} on the same users`);
  }
  const gate = gateDecision(cand.recall, currentRecall, config.gate);
  const report: RetrainReport = {
    source: source.description,
    events: built.events,
    users: train.numUsers,
    pins: train.numPins,
    trainExamples,
    trainSeconds,
    examplesPerSecond: res.examplesPerSecond,
    candidateRecall: cand.recall,
    currentVersion,
    currentRecall,
    validationUsers: cand.users,
    k: cand.k,
    published: false,
    version: null,
    reason: gate.reason,
    features: spec ? new FeatureEncoder(spec).fingerprint : null,
    pinFeatureDim: model.config.pinFeatureDim,
    userFeatureDim: model.config.userFeatureDim,
  };
  if (!gate.pass && !config.force) {
    log(`retrain: not published: ${gate.reason}`);
    return report;
  }
  const version = store.nextVersion();
  model.setVersion(version);
  const index = AnnIndex.build(model.versionInfo, model.allPinEmbeddings(train.pinFeatures), model.dim, { ...config.ann, seed });
  const identity = built.pinIds.every((id, i) => id === String(i));
  store.publish(model, index, {
    metrics: { [`recall@${cand.k}`]: cand.recall, examplesPerSecond: res.examplesPerSecond },
    info: {
      source: source.description,
      events: built.events,
      users: train.numUsers,
      gate: gate.reason,
      forced: !gate.pass,
      train: config.train,
      model: config.model,
      features: report.features,
    },
    ...(identity ? {} : { pinIds: built.pinIds }),
  });
  log(`retrain: published ${version}${gate.pass ? '' : ' (forced past the gate)'}`);
  return { ...report, published: true, version, reason: gate.pass ? gate.reason : `forced: ${gate.reason}` };
}

function present<T>(xs: readonly (T | undefined)[]): T[] {
  return xs.filter((x): x is T => x !== undefined);
}

/**
 * Gives the serving version's validation data the features *its* spec encodes (from the same
 * records), so it is judged on the inputs it was trained with, never on the candidate's.
 */
async function encodeForModel(bundle: ServingBundle, ts: TrainingSet, fetched: FetchedContent | undefined): Promise<void> {
  const spec = bundle.model.config.features;
  if (!spec || !fetched) return;
  const enc = new FeatureEncoder(spec);
  const c = bundle.model.config;
  if (enc.pinWidth > 0) {
    const ids = bundle.pinIds ? [...bundle.pinIds] : Array.from({ length: c.numPins }, (_, i) => String(i));
    const pins: (PinContent | undefined)[] = await fetched.source.pins(ids);
    ts.pinFeatures = enc.encodePins(pins);
    ts.pinFeatureDim = enc.pinWidth;
  }
  if (enc.userWidth > 0) {
    // users are in the same order in both id spaces; refetch only if the windows differ
    const w = spec.user.activityWindow;
    const users = w === fetched.window ? fetched.users : await fetched.source.users(fetched.userIds, w);
    ts.userProfiles = enc.encodeUsers(users);
    ts.userFeatureDim = enc.userWidth;
  }
}

/** Translates the new data into the serving version's pin id space (unknown pins dropped / missed). */
function mapToBundle(bundle: ServingBundle, pinIds: readonly string[], train: TrainingSet, heldOut: Int32Array): { train: TrainingSet; heldOut: Int32Array } {
  const N = bundle.model.config.numPins;
  const index = new Map<string, number>();
  if (bundle.pinIds) bundle.pinIds.forEach((id, i) => index.set(id, i));
  const toOld = (p: number): number => {
    const ext = pinIds[p]!;
    if (bundle.pinIds) return index.get(ext) ?? -1;
    const n = Number(ext);
    return Number.isInteger(n) && n >= 0 && n < N && String(n) === ext ? n : -1;
  };
  const offsets = new Uint32Array(train.numUsers + 1);
  const pins: number[] = [];
  for (let u = 0; u < train.numUsers; u++) {
    for (let i = train.offsets[u]!; i < train.offsets[u + 1]!; i++) {
      const q = toOld(train.pins[i]!);
      if (q >= 0) pins.push(q);
    }
    offsets[u + 1] = pins.length;
  }
  const ho = new Int32Array(heldOut.length);
  for (let u = 0; u < heldOut.length; u++) {
    if (heldOut[u]! < 0) ho[u] = -1;
    else {
      const q = toOld(heldOut[u]!);
      ho[u] = q >= 0 ? q : N; // unknown to the serving model: counted as a miss
    }
  }
  return { train: { numUsers: train.numUsers, numPins: N, offsets, pins: Int32Array.from(pins) }, heldOut: ho };
}

/**
 * Runs retraining every `scheduleMinutes` until the signal aborts (or `maxRuns` runs). A failed
 * run is logged and the schedule goes on.
 */
export async function runScheduled(
  makeSource: () => EngagementSource,
  config: RetrainConfig,
  opts: { signal?: AbortSignal; log?: (msg: string) => void; maxRuns?: number; inputs?: () => RetrainInputs } = {},
): Promise<RetrainReport[]> {
  const log = opts.log ?? (() => {});
  if (!(config.scheduleMinutes > 0)) throw new Error('retrain: scheduleMinutes must be > 0 for a schedule');
  const reports: RetrainReport[] = [];
  let runs = 0;
  while (!opts.signal?.aborted && (opts.maxRuns === undefined || runs < opts.maxRuns)) {
    runs++;
    try {
      reports.push(await runRetrain(makeSource(), config, log, opts.inputs?.() ?? {}));
    } catch (e) {
      log(`retrain: run ${runs} failed: ${(e as Error).message}`);
    }
    if (opts.maxRuns !== undefined && runs >= opts.maxRuns) break;
    await sleep(config.scheduleMinutes * 60_000, opts.signal);
  }
  return reports;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      resolve();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
