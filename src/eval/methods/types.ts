import { userItemsOf, type EvalDataset } from '../datasets.js';
import { excludeSeenDefault } from '../published.js';

/**
 * One recommender under evaluation. `prepare` fits it on a data set's training interactions;
 * `scoreUser` then writes a score for each candidate item (higher is better) into `out`.
 * Methods only see training data: held-out items and negatives reach them as candidates.
 */
export interface EvalMethod {
  readonly name: string;
  /** the settings in effect, for the report (call after prepare) */
  settings(): string;
  /** settings as numbers, for the JSON report */
  params(): Record<string, number>;
  prepare(ds: EvalDataset): void | Promise<void>;
  scoreUser(user: number, items: Uint32Array, out: Float64Array): void;
}

/** Numeric parameters with defaults, per-data-set tuned defaults and user overrides. */
export type Params = Record<string, number>;

export interface MethodOptions {
  /** overrides of the method's parameters (unknown names are an error) */
  params?: Params;
  seed?: number;
}

/**
 * Base class for methods with numeric parameters: defaults, then the tuned defaults for the
 * data set being prepared, then explicit overrides.
 *
 * Every such method has the parameter `exclude`: with 1, like most recommenders (and Pixie's own
 * excludeQuery), it never recommends an item the user already has, so a listed negative that is
 * one of the user's training items scores -Infinity; with 0 such items are scored like any other.
 * The candidate list itself is always left exactly as given. The default follows the protocol of
 * the published figures for the data set (see excludeSeenDefault).
 */
export abstract class ParamMethod implements EvalMethod {
  protected p: Params;
  private readonly overrides: Params;
  protected readonly seed: number;
  private readonly defaults: Params;
  private dataset: EvalDataset | null = null;

  constructor(
    readonly name: string,
    defaults: Params,
    private readonly perDataset: Record<string, Params>,
    options: MethodOptions = {},
  ) {
    this.defaults = { ...defaults, exclude: 1 };
    defaults = this.defaults;
    this.overrides = { ...(options.params ?? {}) };
    this.seed = options.seed ?? 1;
    for (const [k, v] of Object.entries(this.overrides)) {
      if (!Object.hasOwn(defaults, k)) throw new Error(`method ${name}: unknown parameter "${k}" (known: ${Object.keys(defaults).join(', ')})`);
      if (!Number.isFinite(v)) throw new Error(`method ${name}: parameter "${k}" must be a finite number, got ${v}`);
    }
    this.p = { ...defaults, ...this.overrides };
    this.check(this.p);
    requireRange(this.name, 'exclude', this.p['exclude']!, 0, 1, true);
  }

  prepare(ds: EvalDataset): void {
    this.p = { ...this.defaults, exclude: excludeSeenDefault(ds.name), ...(this.perDataset[ds.name] ?? {}), ...this.overrides };
    this.check(this.p);
    requireRange(this.name, 'exclude', this.p['exclude']!, 0, 1, true);
    this.dataset = ds;
    this.fit(ds);
  }

  scoreUser(user: number, items: Uint32Array, out: Float64Array): void {
    if (!this.dataset) throw new Error(`method ${this.name}: prepare() first`);
    this.scoreItems(user, items, out);
    if (this.p['exclude'] === 1) excludeSeen(userItemsOf(this.dataset, user), items, out);
  }

  params(): Params {
    return { ...this.p };
  }

  settings(): string {
    return Object.entries(this.p)
      .map(([k, v]) => `${k}=${fmtNum(v)}`)
      .join(' ');
  }

  /** Throws on an invalid parameter combination. */
  protected abstract check(p: Params): void;
  protected abstract fit(ds: EvalDataset): void;
  /** Scores the candidates (before the exclusion of the user's own items). */
  protected abstract scoreItems(user: number, items: Uint32Array, out: Float64Array): void;
}

/** Sets out[k] = -Infinity for candidates found in the sorted row `seen` (binary search). */
export function excludeSeen(seen: Uint32Array, items: Uint32Array, out: Float64Array): void {
  if (seen.length === 0) return;
  for (let k = 0; k < items.length; k++) {
    const x = items[k]!;
    let lo = 0;
    let hi = seen.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (seen[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    if (lo < seen.length && seen[lo] === x) out[k] = -Infinity;
  }
}

function fmtNum(v: number): string {
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4)));
}

/** Throws unless lo <= v <= hi (and an integer when asked). */
export function requireRange(method: string, name: string, v: number, lo: number, hi: number, integer = false): void {
  if (!(v >= lo && v <= hi) || (integer && !Number.isInteger(v)))
    throw new RangeError(`method ${method}: ${name} must be ${integer ? 'an integer ' : ''}in [${lo}, ${hi}], got ${v}`);
}
