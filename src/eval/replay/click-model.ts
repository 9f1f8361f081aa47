import type { Rng } from '../../util/rng.js';

/**
 * Position-biased (examination) click model: P(click at slot s) = exam(s) · attractiveness,
 * exam(s) = 1 / (1 + s)^eta. The user examines top slots far more often than low ones, so raw
 * click counts reward position as much as relevance: exactly what Memboost's COEC corrects.
 */
export class ClickModel {
  private readonly exam: Float64Array;

  constructor(
    readonly eta = 1,
    maxSlots = 256,
  ) {
    if (!(eta >= 0) || !Number.isFinite(eta)) throw new RangeError(`click model: eta must be a finite number >= 0, got ${eta}`);
    this.exam = new Float64Array(maxSlots);
    for (let s = 0; s < maxSlots; s++) this.exam[s] = 1 / Math.pow(1 + s, eta);
  }

  examination(slot: number): number {
    return slot < this.exam.length ? this.exam[slot]! : 1 / Math.pow(1 + slot, this.eta);
  }

  click(rng: Rng, slot: number, attractiveness: number): boolean {
    return rng.next() < this.examination(slot) * attractiveness;
  }
}
