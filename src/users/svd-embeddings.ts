import { Rng } from '../util/rng.js';
import { normalizeRows } from './embeddings.js';

/**
 * Item embeddings from interactions alone, for PinnerSage when no learned embedding is at hand:
 * a seeded randomized truncated SVD (Halko, Martinsson & Tropp 2011) of the normalised
 * item–user matrix A[i][u] = 1/√(deg(i)·deg(u)). Item i's embedding is row i of U_k·Σ_k^α,
 * scaled to unit length, so inner products are cosines.
 */
export interface SvdOptions {
  dim: number;
  /** extra random directions for accuracy */
  oversample: number;
  /** power iterations (sharpen the spectrum) */
  powerIterations: number;
  /** exponent on the singular values */
  alpha: number;
  seed: number;
}

export const DEFAULT_SVD: SvdOptions = { dim: 64, oversample: 16, powerIterations: 3, alpha: 0.5, seed: 1 };

/**
 * `userOffsets`/`userItems`: each user's items (CSR over users). Returns numItems × dim
 * row-major unit vectors (items without interactions get zero rows).
 */
export function svdItemEmbeddings(userOffsets: Uint32Array, userItems: Uint32Array, numItems: number, options: Partial<SvdOptions> = {}): Float32Array {
  const o = { ...DEFAULT_SVD, ...options };
  if (!Number.isInteger(o.dim) || o.dim < 1) throw new RangeError(`svd: dim must be an integer >= 1, got ${o.dim}`);
  if (!Number.isInteger(o.oversample) || o.oversample < 0) throw new RangeError(`svd: oversample must be an integer >= 0, got ${o.oversample}`);
  if (!Number.isInteger(o.powerIterations) || o.powerIterations < 0) throw new RangeError(`svd: powerIterations must be an integer >= 0, got ${o.powerIterations}`);
  const numUsers = userOffsets.length - 1;
  if (numUsers < 0 || userOffsets[numUsers] !== userItems.length) throw new RangeError('svd: userOffsets do not index userItems');
  const itemDeg = new Float64Array(numItems);
  for (let k = 0; k < userItems.length; k++) {
    const i = userItems[k]!;
    if (i >= numItems) throw new RangeError(`svd: item ${i} >= numItems ${numItems}`);
    itemDeg[i]!++;
  }
  const w = new Float64Array(userItems.length);
  for (let u = 0; u < numUsers; u++) {
    const s = userOffsets[u]!;
    const e = userOffsets[u + 1]!;
    for (let k = s; k < e; k++) w[k] = 1 / Math.sqrt((e - s) * itemDeg[userItems[k]!]!);
  }
  const r = Math.min(o.dim + o.oversample, numItems, Math.max(1, numUsers));
  // A·X: X is users×r, result items×r (row-major)
  const mulA = (x: Float64Array, out: Float64Array): void => {
    out.fill(0);
    for (let u = 0; u < numUsers; u++) {
      const xo = u * r;
      for (let k = userOffsets[u]!; k < userOffsets[u + 1]!; k++) {
        const yo = userItems[k]! * r;
        const wk = w[k]!;
        for (let j = 0; j < r; j++) out[yo + j]! += wk * x[xo + j]!;
      }
    }
  };
  // Aᵀ·Y: Y is items×r, result users×r
  const mulAT = (y: Float64Array, out: Float64Array): void => {
    out.fill(0);
    for (let u = 0; u < numUsers; u++) {
      const zo = u * r;
      for (let k = userOffsets[u]!; k < userOffsets[u + 1]!; k++) {
        const yo = userItems[k]! * r;
        const wk = w[k]!;
        for (let j = 0; j < r; j++) out[zo + j]! += wk * y[yo + j]!;
      }
    }
  };
  const rng = new Rng(o.seed);
  const Z = new Float64Array(numUsers * r);
  for (let i = 0; i < Z.length; i++) Z[i] = rng.normal();
  const Y = new Float64Array(numItems * r);
  mulA(Z, Y);
  orthonormalize(Y, numItems, r);
  for (let q = 0; q < o.powerIterations; q++) {
    mulAT(Y, Z);
    orthonormalize(Z, numUsers, r);
    mulA(Z, Y);
    orthonormalize(Y, numItems, r);
  }
  mulAT(Y, Z); // Z = Aᵀ Q, so B = Zᵀ and B·Bᵀ = Zᵀ Z
  const C = new Float64Array(r * r);
  for (let u = 0; u < numUsers; u++) {
    const zo = u * r;
    for (let a = 0; a < r; a++) {
      const za = Z[zo + a]!;
      if (za === 0) continue;
      for (let b = a; b < r; b++) C[a * r + b]! += za * Z[zo + b]!;
    }
  }
  for (let a = 0; a < r; a++) for (let b = 0; b < a; b++) C[a * r + b] = C[b * r + a]!;
  const { values, vectors } = symmetricEigen(C, r);
  const k = Math.min(o.dim, r);
  const order = Array.from({ length: r }, (_, i) => i).sort((a, b) => values[b]! - values[a]!);
  const out = new Float32Array(numItems * o.dim);
  for (let c = 0; c < k; c++) {
    const e = order[c]!;
    const s = Math.pow(Math.sqrt(Math.max(0, values[e]!)), o.alpha);
    for (let i = 0; i < numItems; i++) {
      let v = 0;
      const yo = i * r;
      for (let j = 0; j < r; j++) v += Y[yo + j]! * vectors[j * r + e]!;
      out[i * o.dim + c] = v * s;
    }
  }
  normalizeRows(out, o.dim);
  return out;
}

/** Modified Gram–Schmidt, twice, on the columns of a row-major n×r matrix. */
export function orthonormalize(m: Float64Array, n: number, r: number): void {
  for (let pass = 0; pass < 2; pass++) {
    for (let j = 0; j < r; j++) {
      for (let p = 0; p < j; p++) {
        let d = 0;
        for (let i = 0; i < n; i++) d += m[i * r + j]! * m[i * r + p]!;
        if (d !== 0) for (let i = 0; i < n; i++) m[i * r + j]! -= d * m[i * r + p]!;
      }
      let s = 0;
      for (let i = 0; i < n; i++) s += m[i * r + j]! * m[i * r + j]!;
      const norm = Math.sqrt(s);
      // a column in the span of the earlier ones: zero it (rank-deficient input)
      const inv = norm > 1e-10 ? 1 / norm : 0;
      for (let i = 0; i < n; i++) m[i * r + j]! *= inv;
    }
  }
}

/** Cyclic Jacobi eigen-decomposition of a symmetric r×r matrix (copied). vectors[:, e] is column e. */
export function symmetricEigen(matrix: Float64Array, r: number): { values: Float64Array; vectors: Float64Array } {
  const a = matrix.slice();
  const v = new Float64Array(r * r);
  for (let i = 0; i < r; i++) v[i * r + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < r; p++) for (let q = p + 1; q < r; q++) off += a[p * r + q]! * a[p * r + q]!;
    if (off < 1e-22) break;
    for (let p = 0; p < r; p++) {
      for (let q = p + 1; q < r; q++) {
        const apq = a[p * r + q]!;
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (a[q * r + q]! - a[p * r + p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < r; k++) {
          const akp = a[k * r + p]!;
          const akq = a[k * r + q]!;
          a[k * r + p] = c * akp - s * akq;
          a[k * r + q] = s * akp + c * akq;
        }
        for (let k = 0; k < r; k++) {
          const apk = a[p * r + k]!;
          const aqk = a[q * r + k]!;
          a[p * r + k] = c * apk - s * aqk;
          a[q * r + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < r; k++) {
          const vkp = v[k * r + p]!;
          const vkq = v[k * r + q]!;
          v[k * r + p] = c * vkp - s * vkq;
          v[k * r + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const values = new Float64Array(r);
  for (let i = 0; i < r; i++) values[i] = a[i * r + i]!;
  return { values, vectors: v };
}
