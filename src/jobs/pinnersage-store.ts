/**
 * The daily PinnerSage job's storage side: a ProfileSink that writes the run's profiles (dense
 * ids mapped back to external ones) in batches under a new run, then commits it in one
 * transaction; on any failure the run is aborted and the previous profiles stay served.
 */
import type { ProfileRun, Storage, StoredProfile } from '../storage/types.js';
import type { UserProfile } from '../users/pinnersage.js';
import type { ProfileRunInfo, ProfileSink } from '../users/profile-store.js';

export interface StorageProfileSinkOptions {
  /** dense user id -> external id (e.g. the `users` list storageUserEvents fills) */
  userName: (dense: number) => string;
  /** dense pin id -> external id (e.g. `(p) => graph.pins.external(p)`) */
  pinName: (dense: number) => string;
  /** the embeddings the clusters were computed with (stored with the run) */
  modelVersion: string;
  batchSize?: number;
  /** called after each written batch with the profiles written so far */
  onWritten?: (done: number, total: number) => void;
}

export function toStoredProfile(p: UserProfile, o: Pick<StorageProfileSinkOptions, 'userName' | 'pinName'>): StoredProfile {
  return {
    user: o.userName(p.user),
    computedAt: p.computedAt,
    clusters: p.clusters.map((c) => ({
      medoid: o.pinName(c.medoid),
      importance: c.importance,
      pins: Array.from(c.pins, (x) => o.pinName(x)),
      actions: c.actions,
      lastActive: c.lastActive,
    })),
  };
}

export class StorageProfileSink implements ProfileSink {
  /** the run the last successful replaceAll committed */
  lastRun: ProfileRun | null = null;
  private readonly batch: number;

  constructor(
    private readonly storage: Storage,
    private readonly o: StorageProfileSinkOptions,
  ) {
    this.batch = o.batchSize ?? 2000;
    if (!Number.isInteger(this.batch) || this.batch < 1) throw new RangeError(`profile sink: batchSize must be an integer >= 1, got ${o.batchSize}`);
    if (typeof o.modelVersion !== 'string' || o.modelVersion === '') throw new RangeError('profile sink: modelVersion must be a non-empty string');
  }

  async replaceAll(profiles: readonly UserProfile[], run: ProfileRunInfo): Promise<void> {
    const id = await this.storage.beginProfileRun({ cutoff: run.cutoff, modelVersion: this.o.modelVersion });
    try {
      for (let i = 0; i < profiles.length; i += this.batch) {
        const chunk = profiles.slice(i, i + this.batch).map((p) => toStoredProfile(p, this.o));
        await this.storage.writeProfiles(id, chunk);
        this.o.onWritten?.(Math.min(i + this.batch, profiles.length), profiles.length);
      }
      this.lastRun = await this.storage.commitProfileRun(id);
    } catch (err) {
      // the run's rows go; its error is the one worth reporting
      await this.storage.abortProfileRun(id).catch(() => undefined);
      throw err;
    }
  }
}
