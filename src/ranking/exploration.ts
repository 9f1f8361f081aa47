import { Rng, hashSeed } from '../util/rng.js';
import { unitHash } from './hash.js';

/**
 * A small, configurable share of traffic served in random order, so that the training data
 * contains examples whose position does not depend on the current ranker (unbiased labels).
 * The decision is a hash of the request id and seed: deterministic and replayable.
 */
export class ExplorationPolicy {
  constructor(
    readonly share: number,
    readonly seed = 0,
  ) {
    if (!(share >= 0 && share <= 1)) throw new Error(`exploration: share ${share} must be in [0, 1]`);
  }

  isRandomized(requestId: string): boolean {
    if (this.share <= 0) return false;
    return unitHash(requestId, this.seed) < this.share;
  }

  /**
   * Serving order (indices into scores): by score descending (ties to the lower index), or a
   * seeded shuffle for randomised requests.
   */
  order(requestId: string, scores: ArrayLike<number>): { order: Int32Array; randomized: boolean } {
    const n = scores.length;
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    const randomized = this.isRandomized(requestId);
    if (randomized) new Rng(hashSeed(requestId, this.seed >>> 0)).shuffle(order);
    else order.sort((a, b) => scores[b]! - scores[a]! || a - b);
    return { order, randomized };
  }
}
