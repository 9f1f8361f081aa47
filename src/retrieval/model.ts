/**
 * Two-tower retrieval model: a user tower and a pin tower that map to the same d-dimensional
 * space, compared by dot product (Yi et al., "Sampling-Bias-Corrected Neural Modeling for Large
 * Corpus Item Recommendations", RecSys 2019).
 *
 * Pin tower:  v = norm(E[pin] + Wc^T f_pin)          (id embedding + content/supplied features)
 * User tower: a = mean_{p in history}(H[p] + Wh^T f_p) + Wu^T profile + Ws^T interest
 *             u = norm(a)
 * where norm() is L2 normalisation (optional). Scores are u·v / temperature; pins beyond the
 * trained id range (new pins) have a zero id embedding and rely on their features.
 *
 * Parameters live in flat Float32Arrays; the forward functions write into caller buffers so
 * serving and training allocate nothing per call.
 */

import { pinFeatureWidth, userFeatureWidth, validateFeatureSpec, type FeatureSpec } from '../features/two-tower.js';

export interface TwoTowerConfig {
  /** model name, part of the version metadata */
  name: string;
  /** version label; set when the model is published */
  version: string;
  /** embedding width */
  dim: number;
  /** pins with a trained id embedding: dense ids 0..numPins-1 */
  numPins: number;
  /** width of a pin's feature vector (content features + supplied vectors); 0 = none */
  pinFeatureDim: number;
  /** width of the user profile feature vector; 0 = none */
  userFeatureDim: number;
  /** width of the PinnerSage interest embedding; 0 = none */
  interestDim: number;
  /** most recent engaged pins the user tower reads */
  historyLen: number;
  /** logits are u·v / temperature */
  temperature: number;
  /** L2-normalise the user tower's output (and the pin tower's, unless normalizePins says otherwise) */
  normalize: boolean;
  /**
   * L2-normalise the pin tower's output (default: same as normalize). Unnormalised pin vectors
   * can carry popularity in their length; the user's length never changes a user's ranking.
   */
  normalizePins?: boolean;
  /**
   * How pin and profile features were encoded at training (src/features/two-tower.ts). Serving
   * encodes with this same spec; absent = the model takes raw feature vectors (or none).
   */
  features?: FeatureSpec;
}

/** Whether the pin tower's output is L2-normalised. */
export function pinsNormalized(c: TwoTowerConfig): boolean {
  return c.normalizePins ?? c.normalize;
}

export const DEFAULT_CONFIG: Omit<TwoTowerConfig, 'numPins'> = {
  name: 'two-tower',
  version: '0',
  dim: 64,
  pinFeatureDim: 0,
  userFeatureDim: 0,
  interestDim: 0,
  historyLen: 100,
  temperature: 0.1,
  normalize: true,
};

/** What the user tower reads for one user. */
export interface UserInput {
  /** dense pin ids of recently engaged pins, most recent last */
  history: ArrayLike<number>;
  /** optional features of each history pin (aligned with history); needed for new pins */
  historyFeatures?: ArrayLike<Float32Array | undefined>;
  /** profile features, length userFeatureDim */
  profile?: Float32Array;
  /** PinnerSage interest embedding, length interestDim */
  interest?: Float32Array;
}

/** Version metadata carried by the towers and by every index built from them. */
export interface ModelVersion {
  name: string;
  version: string;
}

export function validateConfig(c: TwoTowerConfig): void {
  const posInt = (k: keyof TwoTowerConfig, min: number): void => {
    const v = c[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
      throw new Error(`two-tower config: ${k} must be an integer >= ${min}, got ${String(v)}`);
    }
  };
  posInt('dim', 1);
  posInt('numPins', 0);
  posInt('pinFeatureDim', 0);
  posInt('userFeatureDim', 0);
  posInt('interestDim', 0);
  posInt('historyLen', 1);
  if (!(c.temperature > 0) || !Number.isFinite(c.temperature)) {
    throw new Error(`two-tower config: temperature must be > 0, got ${c.temperature}`);
  }
  if (c.normalizePins !== undefined && typeof c.normalizePins !== 'boolean') throw new Error('two-tower config: normalizePins must be a boolean');
  if (typeof c.name !== 'string' || c.name === '') throw new Error('two-tower config: name must be a non-empty string');
  if (typeof c.version !== 'string') throw new Error('two-tower config: version must be a string');
  if (c.features !== undefined) {
    validateFeatureSpec(c.features);
    const pw = pinFeatureWidth(c.features);
    const uw = userFeatureWidth(c.features);
    if (pw !== c.pinFeatureDim) throw new Error(`two-tower config: pinFeatureDim ${c.pinFeatureDim} but the feature spec encodes ${pw} pin features`);
    if (uw !== c.userFeatureDim) throw new Error(`two-tower config: userFeatureDim ${c.userFeatureDim} but the feature spec encodes ${uw} user features`);
  }
}

/** The parameter tensors, by name, in serialisation order. */
export const PARAM_NAMES = ['pinEmb', 'histEmb', 'pinFeatW', 'histFeatW', 'userFeatW', 'interestW'] as const;
export type ParamName = (typeof PARAM_NAMES)[number];
/** Row-sparse tensors (embedding tables): only rows touched by a batch get gradients. */
export const SPARSE_PARAMS: ReadonlySet<ParamName> = new Set<ParamName>(['pinEmb', 'histEmb']);

export function paramRows(c: TwoTowerConfig, name: ParamName): number {
  switch (name) {
    case 'pinEmb':
    case 'histEmb':
      return c.numPins;
    case 'pinFeatW':
    case 'histFeatW':
      return c.pinFeatureDim;
    case 'userFeatW':
      return c.userFeatureDim;
    case 'interestW':
      return c.interestDim;
  }
}

export class TwoTowerModel {
  readonly config: TwoTowerConfig;
  readonly params: Record<ParamName, Float32Array>;
  private acc: Float32Array;
  private featAcc: Float32Array;

  constructor(config: TwoTowerConfig, params?: Record<ParamName, Float32Array>) {
    validateConfig(config);
    this.config = { ...config };
    const d = config.dim;
    if (params) {
      for (const n of PARAM_NAMES) {
        const want = paramRows(config, n) * d;
        if (!params[n] || params[n].length !== want) {
          throw new Error(`two-tower: parameter ${n} has length ${params[n]?.length}, expected ${want}`);
        }
      }
      this.params = params;
    } else {
      const p = {} as Record<ParamName, Float32Array>;
      for (const n of PARAM_NAMES) p[n] = new Float32Array(paramRows(config, n) * d);
      this.params = p;
    }
    this.acc = new Float32Array(d);
    this.featAcc = new Float32Array(config.pinFeatureDim);
  }

  get dim(): number {
    return this.config.dim;
  }

  get versionInfo(): ModelVersion {
    return { name: this.config.name, version: this.config.version };
  }

  /** Sets the version label (done once, when publishing). */
  setVersion(version: string): void {
    if (typeof version !== 'string' || version === '') throw new Error('two-tower: version must be a non-empty string');
    this.config.version = version;
  }

  /** Random init: N(0, scale^2) for embeddings and feature projections. */
  initRandom(rng: { normal(): number }, scale = 0.1): void {
    for (const n of PARAM_NAMES) {
      const p = this.params[n];
      for (let i = 0; i < p.length; i++) p[i] = rng.normal() * scale;
    }
  }

  /**
   * Pin tower. Writes the (normalised) pin embedding into out and returns its pre-norm length (0 = no information).
   * A pin outside the trained range uses only its features; with neither, the output is zero.
   */
  pinEmbedding(pin: number, features: Float32Array | undefined, out: Float32Array): number {
    const c = this.config;
    const d = c.dim;
    out.fill(0);
    if (Number.isInteger(pin) && pin >= 0 && pin < c.numPins) {
      const E = this.params.pinEmb;
      const o = pin * d;
      for (let k = 0; k < d; k++) out[k] = E[o + k]!;
    }
    if (features && c.pinFeatureDim > 0) {
      checkLen(features, c.pinFeatureDim, 'pin features');
      addProjection(this.params.pinFeatW, features, d, out);
    }
    return pinsNormalized(c) ? normalizeInPlace(out) : norm(out);
  }

  /** User tower. Writes the (normalised) user embedding into out and returns the pre-norm length. */
  userEmbedding(input: UserInput, out: Float32Array): number {
    const c = this.config;
    const d = c.dim;
    out.fill(0);
    const h = input.history;
    const start = Math.max(0, h.length - c.historyLen);
    const n = h.length - start;
    if (n > 0) {
      const acc = this.acc;
      acc.fill(0);
      const fa = this.featAcc;
      fa.fill(0);
      let anyFeat = false;
      const H = this.params.histEmb;
      for (let i = start; i < h.length; i++) {
        const p = h[i]!;
        if (Number.isInteger(p) && p >= 0 && p < c.numPins) {
          const o = p * d;
          for (let k = 0; k < d; k++) acc[k]! += H[o + k]!;
        }
        const f = input.historyFeatures?.[i];
        if (f && c.pinFeatureDim > 0) {
          checkLen(f, c.pinFeatureDim, 'history pin features');
          for (let q = 0; q < f.length; q++) fa[q]! += f[q]!;
          anyFeat = true;
        }
      }
      const inv = 1 / n;
      for (let k = 0; k < d; k++) out[k] = acc[k]! * inv;
      // the projection is linear: project the mean feature vector once (as the trainer does)
      if (anyFeat) {
        for (let q = 0; q < fa.length; q++) fa[q]! *= inv;
        addProjection(this.params.histFeatW, fa, d, out);
      }
    }
    if (input.profile && c.userFeatureDim > 0) {
      checkLen(input.profile, c.userFeatureDim, 'user profile features');
      addProjection(this.params.userFeatW, input.profile, d, out);
    }
    if (input.interest && c.interestDim > 0) {
      checkLen(input.interest, c.interestDim, 'interest embedding');
      addProjection(this.params.interestW, input.interest, d, out);
    }
    return c.normalize ? normalizeInPlace(out) : norm(out);
  }

  /** Precomputes pin-tower embeddings for pins 0..numPins-1 (row-major numPins x dim). */
  allPinEmbeddings(pinFeatures?: Float32Array): Float32Array {
    const c = this.config;
    const d = c.dim;
    const out = new Float32Array(c.numPins * d);
    const buf = new Float32Array(d);
    const F = c.pinFeatureDim;
    for (let p = 0; p < c.numPins; p++) {
      const f = pinFeatures && F > 0 ? pinFeatures.subarray(p * F, (p + 1) * F) : undefined;
      this.pinEmbedding(p, f, buf);
      out.set(buf, p * d);
    }
    return out;
  }

  // ---- serialisation: magic, u32 header length, JSON header, then params as f32 LE ----

  toBuffer(): Buffer {
    const header = Buffer.from(
      JSON.stringify({ format: 'boardwalk-two-tower/1', config: this.config, params: PARAM_NAMES.map((n) => [n, this.params[n].length]) }),
      'utf8',
    );
    let bytes = 0;
    for (const n of PARAM_NAMES) bytes += this.params[n].length * 4;
    const out = Buffer.alloc(MODEL_MAGIC.length + 4 + header.length + bytes);
    let o = out.write(MODEL_MAGIC, 0, 'latin1');
    out.writeUInt32LE(header.length, o);
    o += 4;
    header.copy(out, o);
    o += header.length;
    for (const n of PARAM_NAMES) {
      const p = this.params[n];
      Buffer.from(p.buffer, p.byteOffset, p.byteLength).copy(out, o);
      o += p.byteLength;
    }
    return out;
  }

  static fromBuffer(buf: Buffer, what = 'model'): TwoTowerModel {
    if (buf.length < MODEL_MAGIC.length + 4 || buf.toString('latin1', 0, MODEL_MAGIC.length) !== MODEL_MAGIC) {
      throw new Error(`${what}: not a boardwalk two-tower model file (bad magic)`);
    }
    let o = MODEL_MAGIC.length;
    const hlen = buf.readUInt32LE(o);
    o += 4;
    if (o + hlen > buf.length) throw new Error(`${what}: truncated header`);
    const header = JSON.parse(buf.toString('utf8', o, o + hlen)) as {
      format: string;
      config: TwoTowerConfig;
      params: [ParamName, number][];
    };
    o += hlen;
    if (header.format !== 'boardwalk-two-tower/1') throw new Error(`${what}: unsupported format ${header.format}`);
    const params = {} as Record<ParamName, Float32Array>;
    for (const [n, len] of header.params) {
      if (o + len * 4 > buf.length) throw new Error(`${what}: truncated parameter ${n}`);
      const p = new Float32Array(len);
      Buffer.from(p.buffer).set(buf.subarray(o, o + len * 4));
      params[n] = p;
      o += len * 4;
    }
    return new TwoTowerModel(header.config, params);
  }
}

const MODEL_MAGIC = 'BWTT\n';

function checkLen(v: Float32Array, n: number, what: string): void {
  if (v.length !== n) throw new Error(`two-tower: ${what} has length ${v.length}, expected ${n}`);
}

/** out += W^T x, W row-major (x.length x d). */
export function addProjection(W: Float32Array, x: Float32Array, d: number, out: Float32Array): void {
  for (let r = 0; r < x.length; r++) {
    const xr = x[r]!;
    if (xr === 0) continue;
    const o = r * d;
    for (let k = 0; k < d; k++) out[k]! += xr * W[o + k]!;
  }
}

/** Normalises v in place; returns its former length (a zero vector stays zero). */
export function normalizeInPlace(v: Float32Array): number {
  let s = 0;
  for (let k = 0; k < v.length; k++) s += v[k]! * v[k]!;
  const n = Math.sqrt(s);
  if (n > 0) {
    const inv = 1 / n;
    for (let k = 0; k < v.length; k++) v[k]! *= inv;
  }
  return n;
}

export function norm(v: Float32Array): number {
  let s = 0;
  for (let k = 0; k < v.length; k++) s += v[k]! * v[k]!;
  return Math.sqrt(s);
}

export function dot(a: Float32Array, b: Float32Array, bOffset = 0): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += a[k]! * b[bOffset + k]!;
  return s;
}
