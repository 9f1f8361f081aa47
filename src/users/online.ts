import type { EmbeddingTable } from './embeddings.js';
import { validateEvent, type EngagementEvent } from './events.js';
import { computeProfile, DEFAULT_PINNERSAGE, type Action, type InterestCluster, type PinnerSageOptions, type UserProfile } from './pinnersage.js';
import type { ProfileSource } from './retrieval.js';

/**
 * Today's PinnerSage clusters, kept in memory and updated per event: each event re-clusters the
 * user's actions since the last batch run (few, so Ward on them is cheap). The daily batch run
 * calls `reconcile(cutoff)`, which drops what the batch now covers.
 */
export class OnlineProfiles {
  private readonly today = new Map<number, { actions: Action[]; profile: UserProfile }>();
  private readonly o: PinnerSageOptions;

  constructor(
    private readonly emb: EmbeddingTable,
    options: Partial<PinnerSageOptions> = {},
  ) {
    this.o = { ...DEFAULT_PINNERSAGE, ...options };
  }

  /** Adds one event and recomputes that user's clusters for today (as of the event's time). */
  add(e: EngagementEvent): void {
    validateEvent(e);
    let s = this.today.get(e.user);
    if (!s) {
      s = { actions: [], profile: { user: e.user, clusters: [], computedAt: e.timestamp } };
      this.today.set(e.user, s);
    }
    s.actions.push({ pin: e.pin, timestamp: e.timestamp });
    const now = Math.max(s.profile.computedAt, e.timestamp);
    s.profile = computeProfile(e.user, s.actions, this.emb, now, this.o);
  }

  get(user: number): UserProfile | undefined {
    return this.today.get(user)?.profile;
  }

  /** Number of users with actions since the last reconcile. */
  get size(): number {
    return this.today.size;
  }

  /** Forget actions at or before `cutoff` (the batch run has them now). */
  reconcile(cutoff: number): void {
    for (const [user, s] of this.today) {
      const keep = s.actions.filter((a) => a.timestamp > cutoff);
      if (keep.length === 0) this.today.delete(user);
      else if (keep.length < s.actions.length) {
        s.actions = keep;
        s.profile = computeProfile(user, keep, this.emb, s.profile.computedAt, this.o);
      }
    }
  }
}

/**
 * Read-time merge of the batch profile with today's: today's clusters are added to the batch
 * ones; a today cluster whose medoid is already a batch medoid (or a pin of that batch cluster)
 * adds its importance to it instead of duplicating it.
 */
export class MergedProfiles implements ProfileSource {
  constructor(
    private readonly batch: ProfileSource,
    private readonly online: OnlineProfiles,
  ) {}

  get(user: number): UserProfile | undefined {
    const b = this.batch.get(user);
    const t = this.online.get(user);
    if (!t || t.clusters.length === 0) return b;
    if (!b) return t;
    const clusters: InterestCluster[] = b.clusters.map((c) => ({ ...c }));
    for (const c of t.clusters) {
      const hit = clusters.find((x) => x.medoid === c.medoid || x.pins.includes(c.medoid));
      if (hit) {
        hit.importance += c.importance;
        hit.actions += c.actions;
        hit.lastActive = Math.max(hit.lastActive, c.lastActive);
      } else clusters.push({ ...c });
    }
    clusters.sort((x, y) => y.importance - x.importance || x.medoid - y.medoid);
    return { user, clusters, computedAt: Math.max(b.computedAt, t.computedAt) };
  }
}
