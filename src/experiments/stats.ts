/** Binomial proportions: Wilson score intervals and the two-proportion z-test. */

/** z for a two-sided 95% interval. */
export const Z95 = 1.959963984540054;

/** erf by Abramowitz & Stegun 7.1.26, |error| < 1.5e-7: plenty for p-values. */
export function erf(x: number): number {
  const s = x < 0 ? -1 : 1;
  const a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-a * a);
  return s * y;
}

/** Standard normal CDF. */
export function normalCdf(z: number): number {
  return 0.5 * (1 + erf(z / Math.SQRT2));
}

export interface Interval {
  low: number;
  high: number;
}

/**
 * Wilson score interval for x successes in n trials (95% by default). Good near 0 and 1 and for
 * small n, where the normal approximation leaves [0, 1]. n = 0 gives [0, 1].
 */
export function wilson(x: number, n: number, z = Z95): Interval {
  if (!(n >= 0) || !(x >= 0) || x > n) throw new RangeError(`wilson: need 0 <= x <= n, got x=${x} n=${n}`);
  if (n === 0) return { low: 0, high: 1 };
  const p = x / n;
  const z2 = z * z;
  const den = 1 + z2 / n;
  const mid = (p + z2 / (2 * n)) / den;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / den;
  return { low: Math.max(0, mid - half), high: Math.min(1, mid + half) };
}

export interface ZTest {
  /** p2 - p1 (treatment minus control) */
  diff: number;
  /** relative lift (p2 - p1) / p1; null when p1 = 0 */
  lift: number | null;
  z: number;
  /** two-sided */
  pValue: number;
}

/** Two-proportion z-test with the pooled standard error; control (x1, n1) vs treatment (x2, n2). */
export function twoProportionZ(x1: number, n1: number, x2: number, n2: number): ZTest | null {
  if (n1 <= 0 || n2 <= 0) return null;
  const p1 = x1 / n1;
  const p2 = x2 / n2;
  const p = (x1 + x2) / (n1 + n2);
  const se = Math.sqrt(p * (1 - p) * (1 / n1 + 1 / n2));
  const diff = p2 - p1;
  const z = se === 0 ? 0 : diff / se;
  const pValue = se === 0 ? 1 : Math.min(1, 2 * (1 - normalCdf(Math.abs(z))));
  return { diff, lift: p1 === 0 ? null : diff / p1, z, pValue };
}
