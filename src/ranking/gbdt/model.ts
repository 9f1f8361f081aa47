import { CompiledForest } from './scorer.js';
import { Tree } from './tree.js';

export type Objective = 'binary:logistic' | 'rank:pairwise' | 'rank:ndcg';
export const OBJECTIVES: readonly Objective[] = ['binary:logistic', 'rank:pairwise', 'rank:ndcg'];

/** boardwalk's own model file (version 1). Plain arrays so it is readable and diffable. */
export interface GbdtModelJson {
  format: 'boardwalk-gbdt';
  version: 1;
  objective: Objective;
  featureNames: string[];
  baseMargin: number;
  /** free-form training facts: params, best iteration, metrics */
  info?: Record<string, unknown>;
  trees: {
    left: number[];
    right: number[];
    feature: number[];
    threshold: number[];
    defaultLeft: number[];
    value: number[];
    cover: number[];
  }[];
}

export function sigmoid(m: number): number {
  return 1 / (1 + Math.exp(-m));
}

/**
 * A trained forest: margin = baseMargin + sum of tree outputs; probability = sigmoid(margin) for
 * binary:logistic (ranking objectives use the margin as the score).
 */
export class GbdtModel {
  private compiled: CompiledForest | null = null;
  private expect: Float64Array[] | null = null;

  constructor(
    readonly objective: Objective,
    readonly featureNames: string[],
    readonly baseMargin: number,
    readonly trees: Tree[],
    readonly info: Record<string, unknown> = {},
  ) {
    if (!OBJECTIVES.includes(objective)) throw new Error(`gbdt: unknown objective '${objective}'`);
    if (!Number.isFinite(baseMargin)) throw new Error(`gbdt: base margin ${baseMargin} is not finite`);
    const nf = featureNames.length;
    if (new Set(featureNames).size !== nf) throw new Error('gbdt: feature names must be unique');
    trees.forEach((t, ti) => {
      for (let i = 0; i < t.size; i++) {
        if (t.left[i]! >= 0 && (t.feature[i]! < 0 || t.feature[i]! >= nf)) {
          throw new Error(`gbdt: tree ${ti} node ${i} splits on feature ${t.feature[i]}, model has ${nf}`);
        }
      }
    });
  }

  get nFeatures(): number {
    return this.featureNames.length;
  }

  /** The compiled scorer (built once, reused). */
  scorer(): CompiledForest {
    if (!this.compiled) this.compiled = new CompiledForest(this.trees, this.nFeatures, this.baseMargin);
    return this.compiled;
  }

  /** Raw margins into `out` (allocation-free after the first call). */
  predictMargin(x: Float32Array, rows: number, out: Float64Array): void {
    this.scorer().predictMargin(x, rows, out);
  }

  /** Scores: probabilities for binary:logistic, margins for ranking objectives. */
  predict(x: Float32Array, rows: number, out: Float64Array = new Float64Array(rows)): Float64Array {
    this.predictMargin(x, rows, out);
    if (this.objective === 'binary:logistic') for (let i = 0; i < rows; i++) out[i] = sigmoid(out[i]!);
    return out;
  }

  /**
   * Saabas path attribution for one row: out[f] gets the change in the expected margin at each
   * split on feature f along the row's path; out[nFeatures] is the bias (base margin plus every
   * tree's expected output). The parts sum to the row's margin exactly.
   */
  contributions(x: Float32Array, off: number, out: Float64Array = new Float64Array(this.nFeatures + 1)): Float64Array {
    if (!this.expect) this.expect = this.trees.map((t) => t.expectations());
    out.fill(0);
    let bias = this.baseMargin;
    for (let ti = 0; ti < this.trees.length; ti++) {
      const t = this.trees[ti]!;
      const e = this.expect[ti]!;
      bias += e[0]!;
      let n = 0;
      while (t.left[n]! >= 0) {
        const v = x[off + t.feature[n]!]!;
        const next =
          v !== v ? (t.defaultLeft[n] ? t.left[n]! : t.right[n]!) : v < t.threshold[n]! ? t.left[n]! : t.right[n]!;
        out[t.feature[n]!] += e[next]! - e[n]!;
        n = next;
      }
    }
    out[this.nFeatures] = bias;
    return out;
  }

  /** Total split gain proxy: how often each feature is split on, weighted by cover. */
  featureImportance(): Record<string, number> {
    const imp = new Float64Array(this.nFeatures);
    for (const t of this.trees) {
      for (let i = 0; i < t.size; i++) if (t.left[i]! >= 0) imp[t.feature[i]!] += t.cover[i]!;
    }
    const total = imp.reduce((a, b) => a + b, 0) || 1;
    const res: Record<string, number> = {};
    this.featureNames.forEach((f, i) => (res[f] = imp[i]! / total));
    return res;
  }

  /** A copy keeping only the first `n` trees (early stopping). */
  truncate(n: number): GbdtModel {
    return new GbdtModel(this.objective, this.featureNames, this.baseMargin, this.trees.slice(0, n), this.info);
  }

  toJSON(): GbdtModelJson {
    return {
      format: 'boardwalk-gbdt',
      version: 1,
      objective: this.objective,
      featureNames: this.featureNames.slice(),
      baseMargin: this.baseMargin,
      info: this.info,
      trees: this.trees.map((t) => ({
        left: Array.from(t.left),
        right: Array.from(t.right),
        feature: Array.from(t.feature),
        threshold: Array.from(t.threshold),
        defaultLeft: Array.from(t.defaultLeft),
        value: Array.from(t.value),
        cover: Array.from(t.cover),
      })),
    };
  }

  static fromJSON(j: unknown): GbdtModel {
    const m = j as Partial<GbdtModelJson> | null;
    if (!m || typeof m !== 'object') throw new Error('gbdt model: not a JSON object');
    if (m.format !== 'boardwalk-gbdt') {
      throw new Error(`gbdt model: format is '${String(m.format)}', expected 'boardwalk-gbdt' (XGBoost files: use loadXgboostModel)`);
    }
    if (m.version !== 1) throw new Error(`gbdt model: unsupported version ${String(m.version)}`);
    if (!Array.isArray(m.featureNames) || !m.featureNames.every((f) => typeof f === 'string')) {
      throw new Error('gbdt model: featureNames must be an array of strings');
    }
    if (!Array.isArray(m.trees)) throw new Error('gbdt model: trees must be an array');
    const trees = m.trees.map((t, i) => {
      try {
        return new Tree({
          left: Int32Array.from(t.left),
          right: Int32Array.from(t.right),
          feature: Int32Array.from(t.feature),
          threshold: Float32Array.from(t.threshold),
          defaultLeft: Uint8Array.from(t.defaultLeft),
          value: Float64Array.from(t.value),
          cover: Float64Array.from(t.cover),
        });
      } catch (e) {
        throw new Error(`gbdt model: tree ${i}: ${(e as Error).message}`);
      }
    });
    return new GbdtModel(m.objective as Objective, m.featureNames, Number(m.baseMargin), trees, m.info ?? {});
  }
}
