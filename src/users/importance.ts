export const DAY_MS = 86_400_000;

/**
 * PinnerSage cluster importance: Σ_i exp(−λ·(now − t_i)) over the cluster's actions, with ages in
 * days. λ = 0 counts actions; larger λ favours recent interests. Actions in the future (clock
 * skew) count as age 0.
 */
export function importance(timestamps: ArrayLike<number>, now: number, lambdaPerDay: number): number {
  if (!(lambdaPerDay >= 0) || !Number.isFinite(lambdaPerDay)) throw new RangeError(`importance: lambda must be a finite number >= 0, got ${lambdaPerDay}`);
  if (!Number.isFinite(now)) throw new RangeError(`importance: now must be a finite time in ms, got ${now}`);
  let s = 0;
  for (let i = 0; i < timestamps.length; i++) {
    const t = timestamps[i]!;
    if (!Number.isFinite(t)) throw new RangeError(`importance: timestamp ${t} at index ${i} is not a finite time`);
    const age = Math.max(0, now - t) / DAY_MS;
    s += Math.exp(-lambdaPerDay * age);
  }
  return s;
}
