/**
 * The two-tower model's input features, computed by one piece of code at training and at serving:
 * pin content features (locale, topic, created-at, hashed annotations and text, supplied named
 * vectors) and user profile features (locale, account age, counts of recent actions).
 *
 * A FeatureSpec fixes the layout (vocabularies, bucket counts, vector widths, the reference time
 * ages are measured from). It is fitted once at training, stored in the model's config and
 * fingerprinted; serving encodes with the model's own spec, so a model trained with features X is
 * never fed features Y. Pure: plain objects in, Float32Arrays out, no clock, no storage.
 */
import { createHash } from 'node:crypto';
import { tokenize } from '../text/tokenize.js';
import { hashSeed } from '../util/rng.js';

export const FEATURE_FORMAT = 'boardwalk-features/1';

/** What the pin tower reads about a pin (structurally a storage PinRecord, plus an optional topic). */
export interface PinContent {
  id?: string;
  locale?: string;
  topic?: string;
  /** epoch ms */
  createdAt?: number;
  annotations?: string[];
  text?: string;
  embeddings?: Record<string, number[]>;
}

/** What the user tower reads about a user besides the engaged pins. */
export interface UserContent {
  id?: string;
  locale?: string;
  /** account creation, epoch ms */
  createdAt?: number;
  /** the user's recent actions, newest first (storage's recentActions) */
  actions?: readonly { action: string }[];
}

export interface FeatureSpec {
  format: typeof FEATURE_FORMAT;
  /** epoch ms that pin and account ages are measured from (the training data's newest event) */
  referenceTime: number;
  pin: {
    /** one-hot slots, plus one for any other locale; [] = no locale slots */
    locales: string[];
    topics: string[];
    createdAt: boolean;
    annotationBuckets: number;
    textBuckets: number;
    vectors: { name: string; dim: number }[];
  };
  user: {
    locales: string[];
    accountAge: boolean;
    /** one slot per action: log1p(count among the newest activityWindow actions) */
    activityActions: string[];
    activityWindow: number;
  };
}

export interface FitOptions {
  /** most frequent values kept per vocabulary */
  maxLocales: number;
  maxTopics: number;
  annotationBuckets: number;
  textBuckets: number;
  /** named pin vectors to use; undefined = every name seen */
  vectors?: string[];
  activityActions: string[];
  activityWindow: number;
}

export const DEFAULT_FIT: FitOptions = {
  maxLocales: 32,
  maxTopics: 64,
  annotationBuckets: 32,
  textBuckets: 32,
  activityActions: ['impression', 'click', 'long_click', 'closeup', 'save', 'hide'],
  activityWindow: 200,
};

/** Bad feature input (a vector of the wrong width, a bad spec): the message names the problem. */
export class FeatureInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FeatureInputError';
  }
}

/** Features built for one spec offered to a model trained with another. */
export class FeatureVersionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FeatureVersionError';
  }
}

const DAY_MS = 86_400_000;
/** ages are scaled so ten years is 1 */
const AGE_SCALE = Math.log1p(3650);

/**
 * Fits a spec to the data: vocabularies of the most frequent locales and topics (ties by name),
 * slots only for what occurs at all, vector widths from the first pin carrying each name.
 */
export function fitFeatureSpec(pins: Iterable<PinContent>, users: Iterable<UserContent>, referenceTime: number, opts: Partial<FitOptions> = {}): FeatureSpec {
  const o: FitOptions = { ...DEFAULT_FIT, ...opts };
  checkFit(o);
  if (!Number.isFinite(referenceTime)) throw new FeatureInputError(`features: referenceTime must be a finite epoch ms, got ${referenceTime}`);
  const pinLoc = new Map<string, number>();
  const topics = new Map<string, number>();
  const vectors = new Map<string, number>();
  const wanted = o.vectors ? new Set(o.vectors) : null;
  let created = false;
  let annotations = false;
  let text = false;
  for (const p of pins) {
    if (p.locale !== undefined) pinLoc.set(p.locale, (pinLoc.get(p.locale) ?? 0) + 1);
    if (p.topic !== undefined) topics.set(p.topic, (topics.get(p.topic) ?? 0) + 1);
    if (p.createdAt !== undefined) created = true;
    if (p.annotations && p.annotations.length > 0) annotations = true;
    if (p.text) text = true;
    for (const [name, v] of Object.entries(p.embeddings ?? {})) {
      if (wanted && !wanted.has(name)) continue;
      const had = vectors.get(name);
      if (had === undefined) {
        if (v.length === 0) throw new FeatureInputError(`features: pin ${p.id ?? '?'} has an empty vector "${name}"`);
        vectors.set(name, v.length);
      } else if (had !== v.length) {
        throw new FeatureInputError(`features: pin ${p.id ?? '?'} has vector "${name}" of length ${v.length}, other pins ${had}`);
      }
    }
  }
  const userLoc = new Map<string, number>();
  let accountAge = false;
  for (const u of users) {
    if (u.locale !== undefined) userLoc.set(u.locale, (userLoc.get(u.locale) ?? 0) + 1);
    if (u.createdAt !== undefined) accountAge = true;
  }
  return {
    format: FEATURE_FORMAT,
    referenceTime,
    pin: {
      locales: top(pinLoc, o.maxLocales),
      topics: top(topics, o.maxTopics),
      createdAt: created,
      annotationBuckets: annotations ? o.annotationBuckets : 0,
      textBuckets: text ? o.textBuckets : 0,
      vectors: [...vectors.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([name, dim]) => ({ name, dim })),
    },
    user: { locales: top(userLoc, o.maxLocales), accountAge, activityActions: [...o.activityActions], activityWindow: o.activityWindow },
  };
}

function checkFit(o: FitOptions): void {
  for (const k of ['maxLocales', 'maxTopics', 'annotationBuckets', 'textBuckets'] as const) {
    if (!Number.isInteger(o[k]) || o[k] < 0) throw new FeatureInputError(`features: ${k} must be an integer >= 0, got ${o[k]}`);
  }
  if (!Number.isInteger(o.activityWindow) || o.activityWindow < 1) throw new FeatureInputError(`features: activityWindow must be an integer >= 1, got ${o.activityWindow}`);
}

function top(counts: Map<string, number>, k: number): string[] {
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, k)
    .map((e) => e[0]);
}

/** Checks a spec read from a model file; throws FeatureInputError naming the bad field. */
export function validateFeatureSpec(s: FeatureSpec): void {
  const bad = (what: string): never => {
    throw new FeatureInputError(`feature spec: ${what}`);
  };
  if (!s || typeof s !== 'object') bad('must be an object');
  if (s.format !== FEATURE_FORMAT) bad(`unsupported format ${JSON.stringify(s.format)} (expected ${FEATURE_FORMAT})`);
  if (!Number.isFinite(s.referenceTime)) bad('referenceTime must be a finite number');
  const strs = (a: unknown, w: string): void => {
    if (!Array.isArray(a) || a.some((x) => typeof x !== 'string')) bad(`${w} must be an array of strings`);
  };
  const nat = (n: unknown, w: string): void => {
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) bad(`${w} must be an integer >= 0`);
  };
  if (!s.pin || !s.user) bad('needs pin and user parts');
  strs(s.pin.locales, 'pin.locales');
  strs(s.pin.topics, 'pin.topics');
  nat(s.pin.annotationBuckets, 'pin.annotationBuckets');
  nat(s.pin.textBuckets, 'pin.textBuckets');
  if (!Array.isArray(s.pin.vectors)) bad('pin.vectors must be an array');
  for (const v of s.pin.vectors) if (typeof v.name !== 'string' || !Number.isInteger(v.dim) || v.dim < 1) bad('pin.vectors entries need a name and a dim >= 1');
  strs(s.user.locales, 'user.locales');
  strs(s.user.activityActions, 'user.activityActions');
  if (!Number.isInteger(s.user.activityWindow) || s.user.activityWindow < 1) bad('user.activityWindow must be an integer >= 1');
}

/** Width of the pin feature vector under a spec. */
export function pinFeatureWidth(s: FeatureSpec): number {
  const p = s.pin;
  let w = vocabWidth(p.locales) + vocabWidth(p.topics) + (p.createdAt ? 2 : 0) + p.annotationBuckets + p.textBuckets;
  for (const v of p.vectors) w += v.dim;
  return w;
}

/** Width of the user profile vector under a spec. */
export function userFeatureWidth(s: FeatureSpec): number {
  const u = s.user;
  return vocabWidth(u.locales) + (u.accountAge ? 2 : 0) + u.activityActions.length;
}

function vocabWidth(v: readonly string[]): number {
  return v.length === 0 ? 0 : v.length + 1;
}

/** A stable short hash of the spec: equal specs, equal fingerprints. */
export function featureFingerprint(s: FeatureSpec): string {
  return createHash('sha256').update(canonicalJson(s)).digest('hex').slice(0, 16);
}

function canonicalJson(x: unknown): string {
  if (Array.isArray(x)) return `[${x.map(canonicalJson).join(',')}]`;
  if (x && typeof x === 'object') {
    const keys = Object.keys(x).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((x as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(x);
}

/**
 * Encodes pins and users under one spec. Every encoded vector leaves through here, so training
 * and serving cannot drift apart; `fingerprint` names the spec the vectors belong to.
 */
export class FeatureEncoder {
  readonly spec: FeatureSpec;
  readonly fingerprint: string;
  readonly pinWidth: number;
  readonly userWidth: number;
  private readonly pinLocale: Map<string, number>;
  private readonly topic: Map<string, number>;
  private readonly userLocale: Map<string, number>;
  private readonly actionSlot: Map<string, number>;

  constructor(spec: FeatureSpec) {
    validateFeatureSpec(spec);
    this.spec = spec;
    this.fingerprint = featureFingerprint(spec);
    this.pinWidth = pinFeatureWidth(spec);
    this.userWidth = userFeatureWidth(spec);
    this.pinLocale = indexOf(spec.pin.locales);
    this.topic = indexOf(spec.pin.topics);
    this.userLocale = indexOf(spec.user.locales);
    this.actionSlot = indexOf(spec.user.activityActions);
  }

  /** The pin's features (a new array, or `out` when given). A missing pin gives all zeros. */
  encodePin(p: PinContent | undefined, out = new Float32Array(this.pinWidth)): Float32Array {
    if (out.length !== this.pinWidth) throw new FeatureInputError(`features: pin output has length ${out.length}, expected ${this.pinWidth}`);
    out.fill(0);
    if (!p) return out;
    const s = this.spec.pin;
    let o = oneHot(out, 0, s.locales, this.pinLocale, p.locale);
    o = oneHot(out, o, s.topics, this.topic, p.topic);
    if (s.createdAt) {
      if (p.createdAt !== undefined) {
        out[o] = 1;
        out[o + 1] = ageFeature(this.spec.referenceTime, p.createdAt);
      }
      o += 2;
    }
    if (s.annotationBuckets > 0) {
      hashed(out, o, s.annotationBuckets, p.annotations ?? [], 0x9e3779b9);
      o += s.annotationBuckets;
    }
    if (s.textBuckets > 0) {
      hashed(out, o, s.textBuckets, p.text ? tokenize(p.text) : [], 0x85ebca6b);
      o += s.textBuckets;
    }
    for (const v of s.vectors) {
      const x = p.embeddings?.[v.name];
      if (x !== undefined) {
        if (x.length !== v.dim) throw new FeatureInputError(`features: pin ${p.id ?? '?'} vector "${v.name}" has length ${x.length}, the model expects ${v.dim}`);
        let n = 0;
        for (let k = 0; k < v.dim; k++) {
          const xk = x[k]!;
          if (!Number.isFinite(xk)) throw new FeatureInputError(`features: pin ${p.id ?? '?'} vector "${v.name}" has a non-finite value at ${k}`);
          n += xk * xk;
        }
        // unit length: the projection learns direction, not each supplier's scale
        const inv = n > 0 ? 1 / Math.sqrt(n) : 0;
        for (let k = 0; k < v.dim; k++) out[o + k] = x[k]! * inv;
      }
      o += v.dim;
    }
    return out;
  }

  /** The user's profile features (a new array, or `out`). A missing user gives all zeros. */
  encodeUser(u: UserContent | undefined, out = new Float32Array(this.userWidth)): Float32Array {
    if (out.length !== this.userWidth) throw new FeatureInputError(`features: user output has length ${out.length}, expected ${this.userWidth}`);
    out.fill(0);
    if (!u) return out;
    const s = this.spec.user;
    let o = oneHot(out, 0, s.locales, this.userLocale, u.locale);
    if (s.accountAge) {
      if (u.createdAt !== undefined) {
        out[o] = 1;
        out[o + 1] = ageFeature(this.spec.referenceTime, u.createdAt);
      }
      o += 2;
    }
    const acts = u.actions ?? [];
    const n = Math.min(acts.length, s.activityWindow);
    for (let i = 0; i < n; i++) {
      const slot = this.actionSlot.get(acts[i]!.action);
      if (slot !== undefined) out[o + slot]! += 1;
    }
    const scale = 1 / Math.log1p(s.activityWindow);
    for (let k = 0; k < s.activityActions.length; k++) out[o + k] = Math.log1p(out[o + k]!) * scale;
    return out;
  }

  /** Pins' features row-major (pins.length x pinWidth). */
  encodePins(pins: ArrayLike<PinContent | undefined>): Float32Array {
    const w = this.pinWidth;
    const out = new Float32Array(pins.length * w);
    for (let i = 0; i < pins.length; i++) this.encodePin(pins[i], out.subarray(i * w, (i + 1) * w));
    return out;
  }

  /** Users' profile features row-major (users.length x userWidth). */
  encodeUsers(users: ArrayLike<UserContent | undefined>): Float32Array {
    const w = this.userWidth;
    const out = new Float32Array(users.length * w);
    for (let i = 0; i < users.length; i++) this.encodeUser(users[i], out.subarray(i * w, (i + 1) * w));
    return out;
  }
}

function indexOf(v: readonly string[]): Map<string, number> {
  const m = new Map<string, number>();
  v.forEach((x, i) => m.set(x, i));
  return m;
}

/** One-hot over vocab with a final "other" slot; returns the next offset. */
function oneHot(out: Float32Array, o: number, vocab: readonly string[], index: Map<string, number>, value: string | undefined): number {
  if (vocab.length === 0) return o;
  if (value !== undefined) out[o + (index.get(value) ?? vocab.length)] = 1;
  return o + vocab.length + 1;
}

/**
 * Age in [0, 1] on a log scale (ten years = 1), measured from the spec's reference time, not the
 * clock: the index's pin vectors and a request's vectors then agree. Newer than the reference = 0.
 */
function ageFeature(reference: number, createdAt: number): number {
  const days = Math.max(0, reference - createdAt) / DAY_MS;
  return Math.min(1, Math.log1p(days) / AGE_SCALE);
}

/** Feature hashing: token counts in `buckets` slots, then unit length. */
function hashed(out: Float32Array, o: number, buckets: number, tokens: readonly string[], seed: number): void {
  if (tokens.length === 0) return;
  for (const t of tokens) out[o + (hashSeed(t.toLowerCase(), seed) % buckets)]! += 1;
  let n = 0;
  for (let k = 0; k < buckets; k++) n += out[o + k]! * out[o + k]!;
  const inv = 1 / Math.sqrt(n);
  for (let k = 0; k < buckets; k++) out[o + k]! *= inv;
}

/** Throws FeatureVersionError unless features built for `got` may go into a model of `want`. */
export function assertSameFeatures(want: string | null, got: string | null | undefined, where: string): void {
  if (got === undefined || got === null) {
    if (want === null) return;
    throw new FeatureVersionError(`${where}: features without a spec fingerprint offered to a model trained with features ${want}`);
  }
  if (want !== got) throw new FeatureVersionError(`${where}: features built with spec ${got} offered to a model trained with ${want ?? 'no feature spec'}`);
}
