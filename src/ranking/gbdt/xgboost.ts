import { GbdtModel } from './model.js';
import { Tree, topoOrder } from './tree.js';

/**
 * Loads XGBoost's JSON model format (`Booster.save_model("x.json")`, XGBoost 1.x and 2.x) for
 * gbtree boosters with objective binary:logistic (also binary:logitraw and rank:* as margins).
 * XGBoost sends a row left when `x < split_condition` and missing values to the default side,
 * the same rule as boardwalk's trees, so predictions match XGBoost's to float rounding.
 */
export function loadXgboostModel(json: unknown, featureNames?: string[]): GbdtModel {
  const root = json as { learner?: Record<string, unknown> } | null;
  const learner = root?.learner as
    | {
        feature_names?: string[];
        gradient_booster?: { name?: string; model?: { trees?: unknown[]; tree_info?: number[] } };
        learner_model_param?: { base_score?: string | number; num_class?: string; num_feature?: string };
        objective?: { name?: string };
      }
    | undefined;
  if (!learner) throw new Error("xgboost model: no 'learner' object (is this a save_model JSON file?)");
  const booster = learner.gradient_booster;
  if (booster?.name !== 'gbtree') {
    throw new Error(`xgboost model: booster '${String(booster?.name)}' is not supported (only gbtree)`);
  }
  const obj = learner.objective?.name ?? '';
  const supported = ['binary:logistic', 'binary:logitraw', 'rank:pairwise', 'rank:ndcg', 'rank:map'];
  if (!supported.includes(obj)) throw new Error(`xgboost model: objective '${obj}' is not supported`);
  const numClass = Number(learner.learner_model_param?.num_class ?? 0);
  if (numClass > 1) throw new Error(`xgboost model: multi-class models (num_class=${numClass}) are not supported`);
  const nf = Number(learner.learner_model_param?.num_feature ?? 0);
  const names =
    featureNames ??
    (learner.feature_names && learner.feature_names.length > 0
      ? learner.feature_names
      : Array.from({ length: nf }, (_, i) => `f${i}`));
  if (names.length !== nf) {
    throw new Error(`xgboost model: ${names.length} feature names given, model has ${nf} features`);
  }
  // base_score is a string such as "5E-1", or "[5E-1]" in XGBoost 3
  const rawBase = String(learner.learner_model_param?.base_score ?? '0.5').replace(/[[\]]/g, '');
  const base = Number(rawBase);
  if (!Number.isFinite(base)) throw new Error(`xgboost model: base_score '${rawBase}' is not a number`);
  let baseMargin = base;
  if (obj === 'binary:logistic') {
    if (base <= 0 || base >= 1) throw new Error(`xgboost model: base_score ${base} must be in (0, 1)`);
    baseMargin = Math.log(base / (1 - base));
  }
  const rawTrees = booster.model?.trees;
  if (!Array.isArray(rawTrees)) throw new Error('xgboost model: gradient_booster.model.trees is missing');
  const trees = rawTrees.map((raw, i) => {
    const t = raw as Record<string, unknown>;
    const arr = (k: string): number[] => {
      const v = t[k];
      if (!Array.isArray(v)) throw new Error(`xgboost model: tree ${i} has no '${k}' array`);
      return v as number[];
    };
    if (Array.isArray(t.categories_nodes) && (t.categories_nodes as unknown[]).length > 0) {
      throw new Error(`xgboost model: tree ${i} has categorical splits (not supported)`);
    }
    const left = arr('left_children');
    const cond = arr('split_conditions');
    const n = left.length;
    const sumHess = Array.isArray(t.sum_hessian) ? (t.sum_hessian as number[]) : new Array<number>(n).fill(1);
    const baseW = Array.isArray(t.base_weights) ? (t.base_weights as number[]) : cond;
    const isLeaf = (k: number): boolean => left[k]! < 0;
    const a = {
      left: Int32Array.from(left, (v) => (v < 0 ? -1 : v)),
      right: Int32Array.from(arr('right_children'), (v) => (v < 0 ? -1 : v)),
      feature: Int32Array.from(arr('split_indices')),
      threshold: Float32Array.from(cond, (v, k) => (isLeaf(k) ? 0 : v)),
      defaultLeft: Uint8Array.from(arr('default_left'), (v) => (v ? 1 : 0)),
      // leaves hold their output in split_conditions; internal nodes keep base_weights
      value: Float64Array.from(cond, (v, k) => (isLeaf(k) ? v : baseW[k]!)),
      cover: Float64Array.from(sumHess),
    };
    for (let k = 0; k < n; k++) if (isLeaf(k)) a.feature[k] = 0;
    try {
      return new Tree(topoOrder(a));
    } catch (e) {
      throw new Error(`xgboost model: tree ${i}: ${(e as Error).message}`);
    }
  });
  const objective = obj === 'binary:logistic' ? 'binary:logistic' : obj === 'rank:pairwise' ? 'rank:pairwise' : 'rank:ndcg';
  // logitraw is a margin model: keep the margin as the score via a ranking objective
  return new GbdtModel(objective, names, baseMargin, trees, { source: 'xgboost', xgboostObjective: obj });
}
