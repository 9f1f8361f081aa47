import { NUM_ACTIONS } from './events.js';

/**
 * Global action rates per (platform, position): rate_a(pl, pos) = actions_a / impressions at
 * that slot. Positions beyond maxPosition share the last bucket. These are the position-bias
 * curves: what a result earns just for being shown there.
 */
export class PositionRates {
  readonly platforms: string[] = [];
  private readonly platformIndex = new Map<string, number>();
  /** impressions[pl*(maxPosition+1)+pos] */
  impressions: Float64Array = new Float64Array(0);
  /** actions[(pl*(maxPosition+1)+pos)*NUM_ACTIONS + a] */
  actions: Float64Array = new Float64Array(0);

  constructor(readonly maxPosition = 50) {
    if (!Number.isInteger(maxPosition) || maxPosition < 0) throw new RangeError(`position rates: maxPosition must be an integer >= 0, got ${maxPosition}`);
  }

  get slots(): number {
    return this.maxPosition + 1;
  }

  /** Bucket index of (platform, position), adding the platform when new. */
  bucket(platform: string, position: number): number {
    let pl = this.platformIndex.get(platform);
    if (pl === undefined) {
      pl = this.platforms.length;
      this.platforms.push(platform);
      this.platformIndex.set(platform, pl);
      const imp = new Float64Array(this.platforms.length * this.slots);
      imp.set(this.impressions);
      this.impressions = imp;
      const act = new Float64Array(this.platforms.length * this.slots * NUM_ACTIONS);
      act.set(this.actions);
      this.actions = act;
    }
    return pl * this.slots + Math.min(position, this.maxPosition);
  }

  /** Bucket index, or -1 for a platform never seen. */
  findBucket(platform: string, position: number): number {
    const pl = this.platformIndex.get(platform);
    return pl === undefined ? -1 : pl * this.slots + Math.min(position, this.maxPosition);
  }

  addImpression(bucket: number, n = 1): void {
    this.impressions[bucket]! += n;
  }

  addAction(bucket: number, a: number, n = 1): void {
    this.actions[bucket * NUM_ACTIONS + a]! += n;
  }

  /** Global rate of action a at a bucket (0 when the slot had no impressions). */
  rate(bucket: number, a: number): number {
    if (bucket < 0) return 0;
    const imp = this.impressions[bucket]!;
    return imp > 0 ? this.actions[bucket * NUM_ACTIONS + a]! / imp : 0;
  }

  toJSON(): { maxPosition: number; platforms: string[]; impressions: number[]; actions: number[] } {
    return { maxPosition: this.maxPosition, platforms: this.platforms.slice(), impressions: Array.from(this.impressions), actions: Array.from(this.actions) };
  }

  static fromJSON(j: { maxPosition: number; platforms: string[]; impressions: number[]; actions: number[] }): PositionRates {
    const r = new PositionRates(j.maxPosition);
    for (const p of j.platforms) r.bucket(p, 0);
    if (j.impressions.length !== r.impressions.length || j.actions.length !== r.actions.length)
      throw new RangeError('position rates: JSON arrays do not match platforms × positions');
    r.impressions.set(j.impressions);
    r.actions.set(j.actions);
    return r;
  }
}
