/**
 * Pixie's step allocation across query pins (Eksombatchai et al., WWW 2018, §3.2):
 *   s_q = |E(q)| · (C − log |E(q)|),   N_q = N · w_q·s_q / Σ_r w_r·s_r
 * where C is the largest pin degree in the graph. Pins of higher degree get more steps, but
 * sub-linearly. Every query pin with at least one board gets at least one step; a pin with no
 * boards cannot be walked from and gets none.
 */
export function allocateSteps(
  degrees: ArrayLike<number>,
  weights: ArrayLike<number> | undefined,
  totalSteps: number,
  maxDegree: number,
): Uint32Array {
  const n = degrees.length;
  const out = new Uint32Array(n);
  if (n === 0) return out;
  const C = Math.max(maxDegree, 1);
  const s = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const d = degrees[i]!;
    const w = weights ? weights[i]! : 1;
    if (!(w >= 0) || !Number.isFinite(w)) throw new RangeError(`query pin weight ${w} at index ${i} must be a finite number >= 0`);
    // C - log d >= C - log C > 0 for C >= 1, so every walkable pin has s > 0.
    s[i] = d > 0 && w > 0 ? w * d * (C - Math.log(d) + 1e-9) : 0;
    sum += s[i]!;
  }
  for (let i = 0; i < n; i++) {
    if (s[i]! === 0) continue;
    out[i] = Math.max(1, Math.round((totalSteps * s[i]!) / sum));
  }
  return out;
}
